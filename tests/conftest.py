import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "data" / "real"          # the shared real force-plate recordings, read in place
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("BLINKA_SKIP_DEPENDENCY_CHECK", "1")
# A safety net under the per-test home below: anything that runs outside a test's own home
# (module-scoped fixtures, collection) still never reaches the user's ~/footmat.
os.environ["FOOTMAT_HOME"] = tempfile.mkdtemp(prefix="footmat-tests-home-")


@pytest.fixture(autouse=True)
def footmat_home(tmp_path, monkeypatch):
    """Every test gets its own FOOTMAT_HOME, never the user's."""
    home = tmp_path / "home"
    monkeypatch.setenv("FOOTMAT_HOME", str(home))
    return home


def need_real(path: Path) -> Path:
    """``path`` (a file of the shared real recordings under :data:`REAL`), when it is there.

    Missing, the test is skipped on a developer's machine, and fails where the environment
    variable CI is "true": there the real-data tests must run, never silently skip.
    """
    if not path.exists():
        why = f"{path} is not here (the shared real recordings are read in place from {REAL})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; CI=true, so the real-data tests must run", pytrace=False)
        pytest.skip(why)
    return path


def run_cli(capsys, *argv):
    from trainer.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(capsys):
    return lambda *argv: run_cli(capsys, *argv)
