"""Eight simulated training days of `footmat today` (issue 27): a holding-on person does not step
up; the units they do holding on do not count. Slow (eight sessions, ~50 s of CPU)."""
from __future__ import annotations

import pytest

from .days import add, part_events, shown, spiral_levels, train


@pytest.mark.slow
def test_a_holding_on_person_does_not_step_up(cli):
    add(cli, "hol", "--exclude", "heel-raises", "--exclude", "toe-press", "--exclude", "stance")
    days = train(cli, "hol", "holding-on", 8)
    levels = spiral_levels(days)
    assert set(levels) == {1}
    assert shown(cli, "hol")["levels"].get("spiral", 1) == 1
    assert not [e for d in days for e in d["programme"]["events"] if e["kind"] == "level_up"]
    # the simulated mat notices the hand on the rail, and those units are not counted
    held = [d for d in days if "holding on" in d["programme"]["decisions"]["spiral"]["reason"]]
    assert held
    for d in held:
        part = d["parts"][0]
        assert part["summary"]["holding_on_events"] > 0
        assert any(e["kind"] == "holding_on" for e in part_events(d, "spiral"))
