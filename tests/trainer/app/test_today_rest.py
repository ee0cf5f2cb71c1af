"""`footmat today` on the days it does not train: the next training day it announces is the first
date on which it would actually run (one rule, trainer.app.programme: the rest-day message once
counted the asked date as if trained on, so 2026-12-02 announced 12-04 though 12-03 ran), and with
--json it says so on stdout as an object (it printed nothing there)."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from trainer.app import programme as pg

from .days import SIM

D0 = date(2026, 12, 1)


def hist(dates):
    return [pg.Day(d, Path(f"/x/{i}"), {}) for i, d in enumerate(sorted(dates))]


def announced(why: str) -> str:
    return re.search(r"(?:Next training day:|Come back on) (\d{4}-\d\d-\d\d)", why).group(1)


def first_run(history, after: date) -> date:
    d = after + timedelta(days=1)
    while not pg.schedule(history, d)[0]:
        d += timedelta(days=1)
    return d


def test_walking_the_dates_every_day_off_announces_the_next_session_that_runs():
    """Train on every date `today` allows, for eight weeks: each date it does not train names the
    date of the next session that ran (the newcomer's walk: 12-02 → 12-03, 12-07 → 12-08,
    12-09 → 12-10, 12-11 → 12-12)."""
    history, ran, said = [], [], {}
    for i in range(56):
        d = D0 + timedelta(days=i)
        ok, why = pg.schedule(history, d)
        if ok:
            ran.append(d)
            history = hist(ran)
            ok, why = pg.schedule(history, d)        # asked again the same day: already trained
            assert not ok and "already trained today" in why
        assert "rest day" in why or "already trained" in why
        said[d] = announced(why)
    for d, told in said.items():
        nxt = min((r for r in ran if r > d), default=None)
        if nxt is not None:
            assert told == nxt.isoformat(), (d, told, nxt)
    assert {k.isoformat(): v for k, v in said.items() if k.day in (1, 2, 7, 9, 10, 11) and k.month == 12} == {
        "2026-12-01": "2026-12-03", "2026-12-02": "2026-12-03", "2026-12-07": "2026-12-08",
        "2026-12-09": "2026-12-10", "2026-12-10": "2026-12-12", "2026-12-11": "2026-12-12"}


@pytest.mark.parametrize("offsets", [
    [0],                              # one session
    [0, 2, 4],                        # a full week: the 7-day rule
    [0, 3, 5, 9, 11, 12],             # skipped training days, and one --again the day after
    [0, 2, 4, 20],                    # a session run ahead (--date in the future)
    [0, 1, 2, 3],                     # four days running with --again
])
def test_every_day_off_announces_the_first_date_that_runs(offsets):
    """Whatever the history (days skipped, --again, dates ahead): the date announced on a day off
    is the first later date on which the schedule trains, in both messages, and it is next_day's."""
    history = hist([D0 + timedelta(days=k) for k in offsets])
    dates = [D0 + timedelta(days=i) for i in range(-3, 35)]
    said = {d: pg.schedule(history, d) for d in dates}
    for d, (ok, why) in said.items():
        if not ok:
            assert announced(why) == first_run(history, d).isoformat(), (offsets, d, why)
    for d, (ok, why) in said.items():
        off = pg.day_off(history, d)
        assert ok == (off is None)
        if off is not None:
            assert why == off.why and announced(why) == off.next_day == pg.next_day(history, d)
            assert off.reason == ("already_trained" if d in {x.date for x in history} else "rest_day")
    assert any(ok for ok, _ in said.values()) and not all(ok for ok, _ in said.values())


@pytest.mark.slow
def test_today_walked_on_the_sim_and_json_on_the_days_it_does_not_run(cli):
    """The newcomer's walk through the CLI with --json: every date between sessions (and each
    session's date asked again) says on stdout that it did not run, why in the words shown, and
    the next training day, which is the next date that ran. A day that runs keeps its keys and
    adds ``ran`` and ``next_training_day``."""
    cli("person", "add", "Ann", "--weight-kg", "64")
    keys = {"date", "person", "person_id", "short", "plan", "eased", "ease_reasons", "notes", "pain", "events",
            "levels_before", "decisions", "levels_after", "folder"}
    ran, told = [], {}
    for i in range(8):                                   # 2026-12-01 .. 12-08: four sessions
        d = (D0 + timedelta(days=i)).isoformat()
        code, out, err = cli("today", "--person", "Ann", "--date", d, *SIM, "--json")
        assert code == 0, err
        got = json.loads(out)
        if got["ran"]:
            assert keys <= set(got) and got["date"] == d and got["folder"]
            ran.append(d)
            code, out, err = cli("today", "--person", "Ann", "--date", d, *SIM, "--json")
            assert code == 0
            got = json.loads(out)
            assert got["reason"] == "already_trained"
        assert got["ran"] is False and got["date"] == d and got["person"] == "Ann"
        assert got["why"] in err.splitlines()                  # the same words as shown
        assert got["next_training_day"] in got["why"]
        told.setdefault(d, []).append(got["next_training_day"])
    assert ran == ["2026-12-01", "2026-12-03", "2026-12-05", "2026-12-08"]
    for d, days in told.items():
        nxt = min((r for r in ran if r > d), default=None)
        if nxt is not None:
            assert set(days) == {nxt}, (d, days, nxt)
    assert told["2026-12-02"] == ["2026-12-03"] and told["2026-12-07"] == ["2026-12-08"]
