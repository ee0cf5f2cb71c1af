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
