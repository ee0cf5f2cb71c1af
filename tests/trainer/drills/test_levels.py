"""Each drill's levels as data (trainer/drills/levels.toml): valid parameters, gentlest first,
feedback that fades, and the plan in plain words."""
from __future__ import annotations

import pytest

from firmware.errors import UsageError
from trainer import drills
from trainer.drills import levels as lv
from trainer.sessions import people

ORDER = {f: i for i, f in enumerate(lv.FEEDBACK)}


def test_every_level_is_valid_parameters_of_its_drill():
    assert set(lv.names()) == {"spiral", "heel-raises", "toe-press", "one-leg", "shift-lr", "shift-ap", "limits",
                                "stance"}
    for d in lv.names():
        for n in range(1, lv.top(d) + 1):
            params, fb = lv.params_for(d, n)
            assert params == drills.get(d).resolve(params) and fb in lv.FEEDBACK
    # the person file's validation reads the same table
    assert people.level_counts() == {d: lv.top(d) for d in lv.names()}


def test_levels_get_harder_and_feedback_fades():
    for d in lv.names():
        prev = None
        for n in range(1, lv.top(d) + 1):
            p, fb = lv.params_for(d, n)
            if prev is not None:
                assert ORDER[fb] >= ORDER[prev[1]], (d, n)
                assert p != prev[0], (d, n)
            prev = (p, fb)
    s1, f1 = lv.params_for("spiral", 1)
    assert 55 <= s1["share"] <= 60 and f1 == "full"
    shares = [lv.params_for("spiral", n)[0]["share"] for n in range(1, lv.top("spiral") + 1)]
    assert shares == sorted(shares) and shares[-1] > shares[0]
    assert lv.params_for("spiral", lv.top("spiral"))[1] == "none"
    holds = [lv.params_for("toe-press", n)[0]["hold"] for n in range(1, lv.top("toe-press") + 1)]
    assert holds == sorted(holds)


def test_the_plan_in_plain_words():
    assert lv.describe("spiral", 5).startswith(
        "Spiral, level 5: four loops of 14 s, with about 75 % of your weight on the working foot")
    assert "target only" in lv.describe("spiral", 5)
    assert lv.describe("toe-press", 2).startswith("Toe presses, level 2: eight toe presses, each held 3 s")
    assert "up to 10 s" in lv.describe("one-leg", 1)


@pytest.mark.parametrize("drill,level", [("spiral", 0), ("spiral", 99), ("nope", 1), ("spiral", True)])
def test_a_bad_drill_or_level_is_one_clear_error(drill, level):
    with pytest.raises(UsageError) as e:
        lv.params_for(drill, level)
    assert drill in str(e.value) or "nope" in str(e.value)
