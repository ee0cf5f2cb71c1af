"""`footmat today` for a new person on the simulated mat: first-run notice, the plan and the
changes in words, levels and their parameters in the sessions, already trained / rest day."""
from __future__ import annotations

import json

from trainer.app import programme
from trainer.app.drill import FIRST_RUN_NOTICE
from trainer.sessions import home, people
from trainer.sessions.reader import open_session

from .days import SIM


def test_a_new_person_gets_level_1_the_notices_the_plan_and_what_changed(cli):
    code, out, err = cli("today", "--date", "2026-03-02", *SIM)
    assert code == 0, err
    assert "First session" in out and FIRST_RUN_NOTICE in out and programme.RED_FLAG_NOTICE in out
    assert "Today's plan:" in out
    assert "1. Stance check: stand still and relaxed for 10 s" in out
    assert ("2. Spiral, level 1: one loop of 16 s, with about 57 % of your weight on the working foot, heel to "
            "toes starting on the left foot") in out
    assert "3. Spiral, level 1: one loop of 16 s" in out and "toes to heel starting on the right foot" in out
    assert "4. Heel raises, level 1" in out and "5. Toe presses, level 1" in out and "6. Stance check" in out
    assert "What changed:" in out and "Spiral: stays at level 1, because" in out
    # where the calibration comes from: said once for the six parts (each part's line still names it)
    assert (out + err).count("no calibration file for this mat") == 1
    assert out.count("a calibration fitted on this simulated mat (seed 1, ideal)") == 6
    # the default person got a file, with levels the programme keeps
    assert "default" in people.names()
    shown = json.loads(cli("person", "show", "default", "--json")[1])
    assert shown["caps"] == {"max_level": {}, "exclude": []}
    folder = next(home.sessions_dir().glob("*-routine-today"))
    rj = json.loads((folder / "routine.json").read_text())
    prog = rj["programme"]
    assert prog["date"] == "2026-03-02" and rj["complete"]
    assert [p["drill"] for p in prog["plan"]] == ["stance", "spiral", "spiral", "heel-raises", "toe-press", "stance"]
    assert set(prog["decisions"]) == {"spiral", "heel-raises", "toe-press"}
    assert all(e["kind"].startswith("level_") for e in prog["events"])
    assert prog["levels_after"] == people.load("default").levels
    assert [p["drill"] for p in rj["parts"]] == [p["drill"] for p in prog["plan"]]
    for part, planned in zip(rj["parts"], prog["plan"]):
        sf = open_session(folder / part["session"])             # the product's own reader
        assert sf.meta["level"] == 1 and sf.meta["programme"]["date"] == "2026-03-02"
        assert sf.meta["programme"]["level_params"] == planned["params"]
        assert {k: v for k, v in sf.meta["params"].items() if k in planned["params"]} == planned["params"]
        assert sf.meta["pain"] == prog["pain"]                 # the routine's ratings, every part
        first = sf.events[0]
        assert first["kind"] == "level" and first["detail"].startswith(f"{part['drill']} level 1")
    # the same day again: already trained, runs nothing, exit 0
    code, out, _ = cli("today", "--date", "2026-03-02", *SIM)
    assert code == 0 and "already trained today" in out and "First session" not in out
    # the next day is a rest day; --again would run it (not run here: it costs a session)
    code, out, _ = cli("today", "--date", "2026-03-03", *SIM)
    assert code == 0 and "rest day" in out and "--again" in out
    assert len(list(home.sessions_dir().glob("*-routine-today*"))) == 1


def test_a_bad_date_or_unknown_person_is_one_line(cli):
    code, _, err = cli("today", "--date", "2026-13-01", *SIM)
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = cli("today", "--person", "nobody", *SIM)
    assert code == 2 and "no person called" in err


def test_everything_excluded_runs_nothing(cli):
    cli("person", "add", "ex", "--weight-kg", "70")
    cli("person", "set", "ex", "--exclude", "spiral", "--exclude", "heel-raises", "--exclude", "toe-press",
        "--exclude", "stance")
    code, out, _ = cli("today", "--person", "ex", "--date", "2026-03-02", *SIM)
    assert code == 0 and "every drill is excluded" in out
    assert not list(home.sessions_dir().glob("*-routine-today*")) if home.sessions_dir().is_dir() else True
    # with --json: an object saying it did not run and why, as on a day off
    code, out, err = cli("today", "--person", "ex", "--date", "2026-03-02", "--json", *SIM)
    d = json.loads(out)
    assert code == 0 and d["ran"] is False and d["reason"] == "all_excluded" and "every drill is excluded" in d["why"]
    assert d["person"] == "ex" and d["date"] == "2026-03-02" and "every drill is excluded" in err
