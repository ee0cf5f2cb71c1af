"""What `footmat drill` says: the done line's times (the drill's own, and the computing time in
virtual time), and a replay recording that is not there."""
import json
import re


def test_drill_says_how_long_the_drill_lasted_and_how_long_computing_took(cli, tmp_path):
    code, out, err = cli("drill", "spiral", "--loops", "1", "--period", "5", "--backend", "sim", "--no-plot",
                         "--pain-before", "1", "--pain-after", "1", "--out", str(tmp_path / "o"))
    assert code == 0, err
    folder = next((tmp_path / "o").iterdir())
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    m = re.match(r"spiral: done \((\d+) samples in (\d+) s of drill, computed in [\d.]+ s; ", out)
    assert m, out.splitlines()[0]
    assert int(m.group(1)) == meta["summary"]["frames"] and int(m.group(2)) == round(meta["duration_s"])


def test_a_replay_recording_that_is_not_there_is_said_with_its_path_and_what_to_pass(cli, tmp_path):
    missing = tmp_path / "nonexistent"
    code, out, err = cli("drill", "spiral", "--backend", f"replay:{missing}", "--no-plot", "--loops", "1")
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "was not found" in line and str(missing) in line and "--backend replay:FOLDER" in line, line
    assert "session.json" not in line and "--calibration" not in line and "calibration" not in line, line
    # a routine says the same before its first part
    code, out, err = cli("routine", "--backend", f"replay:{missing}", "--no-plot", "--pain-before", "1",
                         "--pain-after", "1", "--out", str(tmp_path / "r"))
    assert code == 2 and "was not found" in err and str(missing) in err
    # the recording's session.json names it as well as its folder does
    code, _, err = cli("drill", "spiral", "--backend", "sim", "--loops", "1", "--period", "5", "--no-plot",
                       "--pain-before", "1", "--pain-after", "1", "--out", str(tmp_path / "a"))
    assert code == 0, err
    meta = next((tmp_path / "a").iterdir()) / "session.json"
    code, _, err = cli("drill", "spiral", "--backend", f"replay:{meta}", "--loops", "1", "--period", "5", "--no-plot",
                       "--pain-before", "1", "--pain-after", "1", "--out", str(tmp_path / "b"))
    assert code == 0, err


def test_a_replay_of_a_trace_cut_short_says_the_time_it_replayed(cli, tmp_path):
    """Half a trace is half the drill's time (it said the recorded duration), and a difference
    that is a whole loop list stays one short line."""
    code, out, err = cli("drill", "spiral", "--loops", "1", "--period", "8", "--backend", "sim", "--no-plot",
                         "--pain-before", "1", "--pain-after", "1", "--out", str(tmp_path / "o"))
    assert code == 0, err
    folder = next((tmp_path / "o").iterdir())
    lines = (folder / "trace.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "trace.csv").write_text("".join(lines[:len(lines) // 2]), encoding="utf-8")
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    code, out, err = cli("replay", str(folder), "--no-plot")
    assert code == 0, err
    m = re.search(r"spiral: done \((\d+) samples in (\d+) s of drill", out)
    assert m and int(m.group(1)) < meta["summary"]["frames"] * 0.6, out
    assert int(m.group(2)) == round(int(m.group(1)) / meta["sample_rate_hz"]) < meta["duration_s"] * 0.6
    assert max(len(line) for line in out.splitlines()) <= 160, out
