"""summary.feedback for every drill but the spiral (PRODUCT.md §4): two to four plain sentences
derived from the figures — what went well, the one thing to try next — in the drill's own terms,
changing with what the (scripted, simulated) person did."""
import copy
import functools
import re

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer.app.simperson import standing_point
from trainer.drills.exercise import HeelRaisesDrill, ToePressDrill
from trainer.drills.limits import LimitsDrill
from trainer.drills.shift import ShiftForwardBack, ShiftLeftRight
from trainer.drills.stance import OneLegDrill, StanceDrill

from .test_balance import run

DRILLS = {
    "shift-lr": lambda: ShiftLeftRight(cycles=2, paces="2,1"),
    "shift-ap": lambda: ShiftForwardBack(cycles=2, paces="2,1"),
    "limits": lambda: LimitsDrill(lean_time=4),
    "stance": lambda: StanceDrill(duration=10),
    "one-leg": lambda: OneLegDrill(max_time=6),
    "heel-raises": lambda: HeelRaisesDrill(sets=1, reps=3),
    "toe-press": lambda: ToePressDrill(reps=3, hold=2, relax=2),
}


@functools.lru_cache(maxsize=None)
def _as_scripted(name):
    return run(DRILLS[name]())


def run_as_scripted(name):
    """``run(DRILLS[name]())``: the drill with the person as scripted by default (seeded: the same
    run every time), run once per module; (a copy of the summary, of the methods, the engine)."""
    summary, methods, engine = _as_scripted(name)
    return copy.deepcopy(summary), copy.deepcopy(methods), engine


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def check_form(summary: dict, methods: dict) -> list[str]:
    text = summary["feedback"]
    said = sentences(text)
    assert 2 <= len(said) <= 4, text
    assert all(s[0].isupper() and s[-1] in ".!?" for s in said), text
    assert "_" not in text and "nan" not in text.lower().split() and not re.search(r"\bNone\b(?! of)", text), text
    for key in summary:                                 # no metric key, spelled any way
        if "_" in key:
            assert key.replace("_", " ") not in text, (key, text)
    assert said[-1].startswith("Next time"), text       # the one thing to try next, last
    assert sum(s.startswith("Next time") for s in said) == 1, text
    return said


@pytest.mark.parametrize("name", list(DRILLS))
def test_every_drill_says_what_went_well_and_what_to_try_next(name):
    summary, methods, _ = run_as_scripted(name)
    check_form(summary, methods)
    assert "feedback" in methods


def feedback(name, **scenario):
    summary, methods, _ = run(DRILLS[name](), **scenario) if scenario else run_as_scripted(name)
    check_form(summary, methods)
    return summary["feedback"]


def test_limits_names_the_direction_that_was_short():
    full = feedback("limits")
    short_left = feedback("limits", lean_mm={"left": 20.0})
    short_back = feedback("limits", lean_mm={"back": 15.0})
    assert short_left != full and short_back != short_left
    assert "shortest" in short_left and "further to the left" in short_left
    assert "further backward" in short_back
    assert "shortest" not in full


def test_shift_names_the_side_that_fell_short_and_a_late_turn():
    full = feedback("shift-ap")
    small = feedback("shift-ap", lean_mm=12.0)
    late = feedback("shift-lr", reaction_s=0.6)
    assert ("further" in small or "all the way" in small) and small != full
    assert re.search(r"of \d+ beats", full) and "all the way to both targets" in full
    assert "after the beat" in late or "fell short" in late


def test_shift_on_the_beat_says_the_figure_shown_beside_it():
    """A turn on time says how close, in the unit of 'how far off the beat' (it said 'kept with the
    beat' beside 332 ms)."""
    summary, _, _ = run_as_scripted("shift-ap")
    text = summary["feedback"]
    assert "after the beat" not in text and "across the line" not in text, text     # turns on time
    ms = summary["mean_rhythm_error_ms"]
    assert ms > 100 and f"within about {ms / 1000:.1f} s of the beat" in text, text
    assert "kept with the beat" not in text


def test_stance_names_the_foot_that_carried_more():
    layout = load_layout()
    even = feedback("stance")
    left = feedback("stance", centre=standing_point(layout, 66.0))
    right = feedback("stance", centre=standing_point(layout, 34.0))
    assert "evenly" in even
    assert "left foot carried more" in left and "onto your right foot" in left
    assert "right foot carried more" in right and "onto your left foot" in right


def test_one_leg_says_how_long_and_how_it_ended():
    held = feedback("one-leg")
    down = feedback("one-leg", give_up_s=4.0)
    never = feedback("one-leg", path_fn=lambda a: np.tile(standing_point(load_layout(), 50.0), (len(a), 1)))
    assert "full time" in held
    assert "came down" in down and re.search(r"for \d(\.\d)? seconds", down)
    assert "did not come off" in never


def test_heel_raises_name_partial_and_quick_raises():
    full = feedback("heel-raises")

    _, _, engine = run_as_scripted("heel-raises")
    d = engine.drill
    partial_summary, m2, _ = run(HeelRaisesDrill(sets=1, reps=3),
                                 path_fn=lambda a: d.centre + 0.5 * d.rise(a)[:, None] * (d.top - d.centre))
    partial = check_form(partial_summary, m2)
    assert "3 of the 3" in full
    assert partial_summary["reps_total"] == 0 and "heels" in " ".join(partial[1:]) and partial[0] not in full


def test_toe_press_names_presses_let_go_early():
    full = feedback("toe-press")
    d = DRILLS["toe-press"]()
    early = feedback("toe-press", grip_fn=lambda a: d.person_grip(a) * (((np.asarray(a) - 3.0) % 4.0) < 1.0))
    assert "3 of the 3" in full
    assert "let go early" in early and "until the beat" in early
