"""What `footmat score` prints: a short human summary without --json (the JSON, unchanged, only
with --json), and one line (exit 2) for a C3D file, which score does not read."""
from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout

import pytest

from trainer.cli import main


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One recorded 1-loop spiral on the simulated mat, and its C3D and CSV exports."""
    out = tmp_path_factory.mktemp("score-output")
    with redirect_stdout(io.StringIO()):
        assert main(["drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--audio", "off",
                     "--out", str(out / "s")]) == 0
        folder = next((out / "s").iterdir())
        assert main(["export", str(folder), "--format", "c3d", "--out", str(out / "export.c3d")]) == 0
        assert main(["export", str(folder), "--format", "csv", "--out", str(out / "export.csv")]) == 0
    return folder, out / "export.c3d", out / "export.csv"


def _human(out: str, score) -> list[str]:
    lines = out.splitlines()
    assert 3 <= len(lines) < 25, out
    assert all(len(line) <= 80 for line in lines), out
    assert "{" not in out and '"loops"' not in out, out          # no JSON without --json
    assert f"score {score}" in lines[0], out
    return lines


def test_a_session_without_json_is_a_short_summary_with_the_score(session, cli):
    folder = session[0]
    recorded = json.loads((folder / "session.json").read_text())["summary"]
    code, out, err = cli("score", "spiral", str(folder))
    assert code == 0, err
    lines = _human(out, recorded["score"])
    # the drill's own words and figures (trainer.ui.report_words), as `footmat drill` prints them
    assert recorded["feedback"].split()[0] in out
    assert any(" mm" in line for line in lines) and any(" %" in line for line in lines), out   # units
    assert any("--json" in line for line in lines), out              # where every figure is


def test_a_csv_without_json_is_a_short_summary_too(session, cli):
    code, out, err = cli("score", "spiral", str(session[2]), "--loops", "1")
    assert code == 0, err
    score = json.loads(cli("score", "spiral", str(session[2]), "--loops", "1", "--json")[1])["summary"]["score"]
    lines = _human(out, score)
    assert any(line.startswith("not from a trace") for line in lines), out


def test_json_is_the_whole_result_as_before(session, cli):
    from trainer.app.score import session_result
    from trainer.commands.common import print_json
    from trainer.commands.replay import replay_session

    folder = session[0]
    code, out, err = cli("score", "spiral", str(folder), "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) == {"drill", "summary", "methods", "recorded_same", "differences"}
    assert len(res["summary"]["loops"]) == 1 and res["recorded_same"] is True
    buf = io.StringIO()
    with redirect_stdout(buf):
        print_json(session_result("spiral", replay_session(folder)))
    assert out == buf.getvalue()                                        # byte for byte


@pytest.mark.parametrize("name", ["export.c3d", "EXPORT.C3D", "recording.dat"])
@pytest.mark.parametrize("drill", ["spiral", "reach"])
def test_a_c3d_file_is_one_line_naming_c3d_and_what_to_give(session, cli, tmp_path, name, drill):
    """By its extension or, under any other name, by its header (parameter-block pointer, 0x50)."""
    p = tmp_path / name
    shutil.copyfile(session[1], p)
    code, out, err = cli("score", drill, str(p), *(("--dwell", "1") if drill == "reach" else ()))
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line, err
    assert "C3D" in line and "NUL" not in line, line
    assert "session folder" in line and "trace.csv" in line and "--format csv" in line, line
