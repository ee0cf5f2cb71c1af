"""footmat routine (issue 9), running: every part to the end in virtual time, rests, a stopped part."""
import argparse
import json

import pytest

from trainer.app import routine as app_routine
from trainer.drills import routine as rt

SHORT = """
title = "Short routine"
rest_s = 5
[[part]]
drill = "spiral"
title = "One quick loop"
[part.params]
loops = 1
period = 5
[[part]]
drill = "heel-raises"
rest_after_s = 2
[part.params]
sets = 1
reps = 2
rest = 0
[[part]]
drill = "toe-press"
[part.params]
reps = 2
"""


def write(tmp_path, text, name="short.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_routine_runs_to_its_end_and_its_summary_holds_each_part(cli, tmp_path):
    path = write(tmp_path, SHORT)
    out_dir = tmp_path / "out"
    code, out, err = cli("routine", str(path), "--backend", "sim", "--sim-scenario", "ideal", "--no-plot", "--out", str(out_dir),
                         "--pain-before", "3", "--pain-after", "2")
    assert code == 0, err
    (folder,) = out_dir.iterdir()
    assert folder.name.endswith("-routine-short")
    summary = json.loads((folder / "routine.json").read_text())
    assert summary["complete"] is True and summary["ended"] == "complete"
    assert [p["drill"] for p in summary["parts"]] == ["spiral", "heel-raises", "toe-press"]
    assert summary["pain"] == {"before": 3, "after": 2}
    assert summary["rests_s"] == [5.0, 2.0]
    for part in summary["parts"]:
        session = folder / part["session"]
        meta = json.loads((session / "session.json").read_text())
        assert meta["complete"] is True and meta["drill"] == part["drill"] == session.name.split("-", 2)[2]
        assert part["summary"] == meta["summary"] and part["complete"] is True and part["exit_code"] == 0
    heel, toes = summary["parts"][1]["summary"], summary["parts"][2]["summary"]
    assert heel["sets"][0]["reps"] == 2 and toes["count"] == 2
    assert summary["parts"][0]["summary"]["loops"]
    # the first part carries the pain before, the last the pain after
    first = json.loads((folder / summary["parts"][0]["session"] / "session.json").read_text())
    last = json.loads((folder / summary["parts"][-1]["session"] / "session.json").read_text())
    assert first["pain"]["before"] == 3 and last["pain"]["after"] == 2
    # printed: one line per part, the routine file's path
    assert "routine short: complete" in out and "routine.json" in out
    assert "not waited: virtual time" in err


def test_json_output_is_json_only(cli, tmp_path):
    path = write(tmp_path, """
[[part]]
drill = "toe-press"
[part.params]
reps = 1
""")
    code, out, err = cli("routine", str(path), "--backend", "sim", "--sim-scenario", "ideal", "--no-plot", "--out", str(tmp_path / "o"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["complete"] is True and data["parts"][0]["summary"]["count"] == 1


def test_rests_are_waited_in_real_time_and_skipped_in_virtual_time(tmp_path, monkeypatch):
    routine = rt.parse({"rest_s": 12, "part": [{"drill": "toe-press"}, {"drill": "heel-raises", "rest_after_s": 3},
                                               {"drill": "toe-press"}]}, "test")
    made = []

    def fake_part(args, drill, params, **kw):
        folder = tmp_path / "o" / next(p.name for p in (tmp_path / "o").iterdir() if "routine" in p.name) / f"x-{len(made)}"
        folder.mkdir()
        (folder / "session.json").write_text(json.dumps({"complete": True, "summary": {"score": 1, "end": "complete"}}))
        made.append(drill)
        return 0

    slept, said = [], []
    args = argparse.Namespace(backend="ads1115", out=str(tmp_path / "o"), no_plot=True, realtime=False, person=None)
    folder, summary = app_routine.run_routine(args, routine, run_part=fake_part, say=said.append, sleep=slept.append)
    assert made == ["toe-press", "heel-raises", "toe-press"] and summary["complete"]
    assert sum(slept) == pytest.approx(15.0) and summary["rests_s"] == [12.0, 3.0]
    assert any("next: heel-raises" in s for s in said)
    assert [p["headline"] for p in summary["parts"]] == ["score 1"] * 3


def test_a_stopped_part_stops_the_routine(tmp_path):
    routine = rt.parse({"part": [{"drill": "toe-press"}, {"drill": "heel-raises"}]}, "test")

    def stopped_part(args, drill, params, **kw):
        root = next(p for p in (tmp_path / "o").iterdir() if "routine" in p.name)
        (root / "s").mkdir()
        (root / "s" / "session.json").write_text(json.dumps({"complete": True, "summary": {"end": "stopped"}}))
        return 0

    args = argparse.Namespace(backend="sim", out=str(tmp_path / "o"), no_plot=True, realtime=False, person=None)
    folder, summary = app_routine.run_routine(args, routine, run_part=stopped_part, say=lambda *a: None)
    assert len(summary["parts"]) == 1 and summary["complete"] is False and summary["ended"] == "stopped"
    assert json.loads((folder / "routine.json").read_text())["complete"] is False
