"""Each drill's levels, as data: ``levels.toml`` beside the drill definitions (issue 27).

Level 1 is the gentlest. A level is the drill's parameters (the names of `footmat drills`) plus
``feedback`` (full → target → none: the fading of the live marker, drawn by the live view, and of
the spoken cues). :func:`params_for` turns (drill, level) into the drill's validated parameters;
:func:`describe` says the plan in plain words. The person's levels and a clinician's caps live
in the person's file (:mod:`trainer.sessions.people`); the rule that moves them is the app's
(:mod:`trainer.app.programme`).

Stdlib only at import time (the command line reads it for ``--help``).
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from firmware.errors import UsageError

from trainer import drills

LEVELS_FILE = Path(__file__).resolve().parent / "levels.toml"
FEEDBACK = ("full", "target", "none")
# the drill's own name in a sentence
TITLES = {"spiral": "Spiral", "heel-raises": "Heel raises", "toe-press": "Toe presses", "one-leg": "One-leg stance",
          "shift-lr": "Left/right shifts", "shift-ap": "Forward/back shifts", "limits": "Limits of stability",
          "stance": "Stance check"}
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@lru_cache(maxsize=1)
def table() -> dict:
    """drill -> {"about": str, "level": [params dict, ...], ...} as written in levels.toml, checked:
    every level's parameters are the drill's own and within its limits, feedback is one of FEEDBACK."""
    with open(LEVELS_FILE, "rb") as f:
        data = tomllib.load(f)
    for name, d in data.items():
        defn = drills.get(name)
        if not d.get("level"):
            raise UsageError(f"levels.toml: {name} has no levels", "give it at least one [[level]]")
        for i, lv in enumerate(d["level"], 1):
            if lv.get("feedback", "full") not in FEEDBACK:
                raise UsageError(f"levels.toml: {name} level {i} feedback {lv['feedback']!r}", f"one of {FEEDBACK}")
            defn.resolve({k: v for k, v in lv.items() if k != "feedback"})
    return data


def names() -> list[str]:
    """The drills that have levels."""
    return list(table())


def top(drill: str) -> int:
    """The highest level of ``drill``."""
    return len(_entry(drill)["level"])


def _entry(drill: str) -> dict:
    t = table()
    if drill not in t:
        raise UsageError(f"no drill with levels called {drill!r}", f"choose one of: {', '.join(t)}")
    return t[drill]


def check(drill: str, level) -> int:
    """``level`` as a valid level of ``drill`` (UsageError otherwise)."""
    n = top(drill)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= n:
        raise UsageError(f"level {level!r} of {drill} is not a level", f"{drill} has levels 1..{n}")
    return level


def params_for(drill: str, level: int) -> tuple[dict, str]:
    """(the drill's parameters at ``level``, validated with the drill's defaults filled in; the
    feedback shown at that level: full, target or none)."""
    lv = dict(_entry(drill)["level"][check(drill, level) - 1])
    feedback = lv.pop("feedback", "full")
    return drills.get(drill).resolve(lv), feedback


def remeasure_days(drill: str = "limits") -> int | None:
    return _entry(drill).get("remeasure_days")


def count(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _s(x: float) -> str:
    return f"{x:g} s"


FEEDBACK_WORDS = {"full": "your marker and its trail on the screen",
                  "target": "the target only on the screen (no live marker)",
                  "none": "no live marker: the score at the end"}


def describe(drill: str, level: int, params: dict | None = None, feedback: str | None = None) -> str:
    """The plan for ``drill`` at ``level`` in plain words, e.g. "Spiral, level 5: four loops of
    14 s, with about 75 % of your weight on the working foot; the target only on the screen"."""
    p, fb = params_for(drill, level)
    p = {**p, **(params or {})}
    fb = feedback or fb
    head = f"{TITLES.get(drill, drill)}, level {level}" if top(drill) > 1 else TITLES.get(drill, drill)
    if drill == "spiral":
        what = (f"{count(p['loops'])} loop{'s' if p['loops'] != 1 else ''} of {_s(p['period'])}, with about "
                f"{p['share']:.0f} % of your weight on the working foot")
        if params and "direction" in params:
            what += f", {p['direction'].replace('-', ' ')} starting on the {p['start-foot']} foot"
    elif drill == "heel-raises":
        what = (f"{count(p['sets'])} set{'s' if p['sets'] != 1 else ''} of {p['reps']} raises, "
                f"{_s(4 * p['tempo'])} a raise")
    elif drill == "toe-press":
        what = f"{count(p['reps'])} toe presses, each held {_s(p['hold'])}"
    elif drill == "one-leg":
        what = f"stand on your {p['foot']} foot for up to {_s(p['max-time'])}"
    elif drill in ("shift-lr", "shift-ap"):
        paces = " then ".join(f"{x.strip()} s" for x in str(p["paces"]).split(","))
        what = (f"{count(p['cycles'])} cycles at {paces} a movement, to {p['amplitude'] * 100:.0f} % of your reach")
    elif drill == "stance":
        what = f"stand still and relaxed for {_s(p['duration'])}"
    elif drill == "limits":
        what = (f"lean in each of 8 directions for {_s(p['lean-time'])} "
                f"(your reach is re-measured every {remeasure_days()} days)")
    else:
        what = ", ".join(f"{k} {v}" for k, v in p.items())
    return f"{head}: {what}; {FEEDBACK_WORDS[fb]}"
