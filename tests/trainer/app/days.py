"""Helpers of the `footmat today` tests: run successive training days of a simulated person."""
from __future__ import annotations

import json
from datetime import date, timedelta

from trainer.app import programme
from trainer.sessions import home, people
from trainer.sessions.reader import open_session

START = date(2026, 3, 2)
SIM = ("--backend", "sim", "--no-plot", "--sim-scenario", "ideal", "--short", "--audio", "off")


def train(cli, name: str, sim_person: str, n_days: int, start: date = START) -> list[dict]:
    """Run `footmat today` on successive calendar dates (no --again) until ``n_days`` sessions ran;
    returns each session's routine.json (with its programme block), oldest first. Rest days are
    checked to run nothing."""
    d, out = start, []
    while len(out) < n_days:
        before = set(home.sessions_dir().glob("*-routine-today*")) if home.sessions_dir().is_dir() else set()
        code, text, err = cli("today", "--person", name, "--sim-person", sim_person, "--date", d.isoformat(), *SIM)
        assert code == 0, err
        made = set(home.sessions_dir().glob("*-routine-today*")) - before
        if "rest day" in text:
            assert not made, text
        else:
            assert len(made) == 1, (text, err)
            folder = made.pop()
            rj = json.loads((folder / "routine.json").read_text())
            rj["folder"] = folder
            rj["stdout"] = text
            out.append(rj)
        d += timedelta(days=1)
    return out


def spiral_levels(days: list[dict]) -> list[int]:
    """The person's spiral level each day (before the session) and after the last."""
    lv = [d["programme"]["plan"][[p["drill"] for p in d["programme"]["plan"]].index("spiral")]["level"] for d in days]
    return lv + [days[-1]["programme"]["levels_after"].get("spiral", 1)]


def part_events(day: dict, drill: str) -> list[dict]:
    """The events of ``drill``'s session in that day, read by the product's reader."""
    part = next(p for p in day["parts"] if p["drill"] == drill)
    return open_session(day["folder"] / part["session"]).events


def shown(cli, name: str) -> dict:
    code, out, _ = cli("person", "show", name, "--json")
    assert code == 0
    return json.loads(out)


def add(cli, name: str, *set_args: str) -> None:
    assert cli("person", "add", name, "--weight-kg", "70")[0] == 0
    if set_args:
        assert cli("person", "set", name, *set_args)[0] == 0
    assert people.load(name).person_id


__all__ = ["train", "spiral_levels", "part_events", "shown", "add", "programme"]
