"""`footmat bench` never touches the user's FOOTMAT_HOME (issue 20).

Every section runs inside one temporary home (trainer.bench.temporary_home) that child processes
inherit, removed at the end. The sections that used to write into the user's home — `export`
(its synthetic session entered person "synthetic" in history.sqlite) and `render` (its child's
session of person "bench") — take 30-60 s at full size, so they run here shrunk (fewer seconds of
data, same code path, through the command line in a child process). `startup` (≈ 10-20 s, it
starts `footmat demo` three times) is covered by the mechanism test below: its children get
their home the same way.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def tree_hashes(root: Path) -> dict:
    """Every file and folder under root → its content hash (folders: 'dir')."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def used_home(tmp_path_factory):
    """A home someone has used: a recorded drill (sessions/ and history.sqlite)."""
    from trainer.cli import main

    home = tmp_path_factory.mktemp("used") / "home"
    old = os.environ.get("FOOTMAT_HOME")
    os.environ["FOOTMAT_HOME"] = str(home)
    try:
        code = main(["drill", "stance", "--backend", "sim", "--no-plot", "--duration", "10",
                     "--pain-before", "1", "--pain-after", "1"])
    finally:
        if old is None:
            os.environ.pop("FOOTMAT_HOME", None)
        else:
            os.environ["FOOTMAT_HOME"] = old
    assert code == 0
    assert (home / "history.sqlite").is_file() and any((home / "sessions").iterdir())
    return home


@pytest.fixture
def home(used_home, tmp_path, monkeypatch):
    """A copy of the used home as this test's FOOTMAT_HOME, and a private temporary folder."""
    h = tmp_path / "user-home"
    shutil.copytree(used_home, h)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("FOOTMAT_HOME", str(h))
    monkeypatch.setenv("TMPDIR", str(tmp))          # child processes
    monkeypatch.setattr("tempfile.tempdir", str(tmp))  # this process
    return h, tmp


# the command line, in a child process, with the two slow sections shrunk (same code path)
SHRUNK_BENCH = """
import sys
import trainer.bench.export as e, trainer.bench.render as r
e.SECONDS = 4          # 4 s of 200 Hz instead of an hour
r.RENDER_S = 2.0       # the render child's live drill: 2 s instead of 15
from trainer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_bench_sections_that_wrote_to_the_home_leave_it_byte_identical(home):
    h, tmp = home
    before = tree_hashes(h)
    r = subprocess.run([sys.executable, "-c", SHRUNK_BENCH, "bench", "--section", "export", "--section", "render",
                        "--json"], env=dict(os.environ), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["export"]["frames"] == 800 and "csv_one_hour_s" in res["export"]
    assert "error" not in res["render"], res["render"]     # the child ran its drill and recorded its session
    assert res["render"]["frames"] > 0
    assert tree_hashes(h) == before
    assert list(tmp.iterdir()) == []                       # the bench's temporary home removed


def test_temporary_home_nests_restores_and_removes(monkeypatch, tmp_path):
    from trainer.bench import temporary_home
    from trainer.sessions.home import home as footmat_home

    monkeypatch.delenv("FOOTMAT_HOME", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with temporary_home() as outer:
        assert footmat_home() == outer and outer.parent == tmp_path and not any(outer.iterdir())
        (outer / "x").write_text("x")
        with temporary_home() as same:
            assert same == outer
        with temporary_home(fresh=True) as first:
            assert first != outer and footmat_home() == first
        assert footmat_home() == outer
        r = subprocess.run([sys.executable, "-c", "import os; print(os.environ['FOOTMAT_HOME'])"],
                           capture_output=True, text=True)
        assert r.stdout.strip() == str(outer)               # child processes inherit it
    assert "FOOTMAT_HOME" not in os.environ                 # unset stays unset
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        with temporary_home() as h:
            raise RuntimeError("a section failed")
    assert not h.exists() and "FOOTMAT_HOME" not in os.environ
