"""Reach drills score target zones (METRICS.md): limits, shift-lr and shift-ap through
trainer.analysis.zones, a scripted simulated person in virtual time."""
import pytest

from trainer.drills.limits import DIRECTIONS, LimitsDrill
from trainer.drills.shift import ShiftForwardBack, ShiftLeftRight

from .test_balance import run

KEYS = ("hit", "time_to_target_s", "dwell_s", "success", "crossings", "overshoot_mm", "gaps")


def test_limits_scores_each_lean_as_one_presentation_of_its_zone():
    full, methods, _ = run(LimitsDrill(lean_time=4))
    assert [t["direction"] for t in full["targets"]] == list(DIRECTIONS)
    assert all(set(KEYS) <= set(t) for t in full["targets"])
    assert full["hits"] >= 6 and full["successes"] >= 6 and full["biodex_score"] is not None
    for t in full["targets"]:
        if t["hit"]:
            assert 0.3 < t["time_to_target_s"] < 2.5 and t["dwell_s"] <= 4.0 and t["gaps"] == 0
    short, _, _ = run(LimitsDrill(lean_time=4), lean_mm=15.0)      # leans a third of the way
    assert short["hits"] == 0 and short["successes"] == 0 and short["biodex_score"] is None
    assert "zone_biodex_score" in methods and "theoretical limit" in methods["target"]


@pytest.mark.parametrize("cls", [ShiftLeftRight, ShiftForwardBack])
def test_shift_scores_each_beat_as_a_presentation(cls):
    full, _, _ = run(cls(cycles=2, paces="2,1"))
    assert len(full["targets"]) == 2 * 2 * 2
    assert full["hits"] == 8 and full["successes"] >= 7
    assert [t["direction"] for t in full["targets"][:2]] == list(cls.DIRS)
    short, _, _ = run(cls(cycles=2, paces="2,1"), lean_mm=5.0)
    assert short["hits"] == 0
