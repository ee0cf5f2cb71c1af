"""Eight simulated training days of `footmat today` (issue 27): an improving person's spiral level
rises, shown by `footmat person show --json` and by the events. Slow: eight sessions on the
simulated mat (measured ~50 s of CPU)."""
from __future__ import annotations

import re

import pytest

from .days import add, shown, spiral_levels, train


@pytest.mark.slow
def test_an_improving_persons_spiral_level_rises(cli):
    add(cli, "imp", "--exclude", "heel-raises", "--exclude", "toe-press", "--exclude", "stance")
    days = train(cli, "imp", "improving", 8)
    levels = spiral_levels(days)
    assert levels[-1] > levels[0] == 1
    assert levels == sorted(levels)                       # one step at a time, never down
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert shown(cli, "imp")["levels"]["spiral"] == levels[-1]
    ups = [e for d in days for e in d["programme"]["events"] if e["kind"] == "level_up"]
    assert ups and all("clearly good" in e["detail"] for e in ups)
    # a step up came only after two sessions at the level, each with a pain rating
    for d in days:
        dec = d["programme"]["decisions"]["spiral"]
        if dec["kind"] == "up":
            held = re.search(r"over (\d+) sessions at level", dec["reason"])
            assert held and int(held.group(1)) >= 2
            assert d["programme"]["pain"]["before"] is not None and d["programme"]["pain"]["after"] is not None
    # only the spiral ran (the others are excluded), and the words said what changed
    assert {p["drill"] for d in days for p in d["parts"]} == {"spiral"}
    assert any("Spiral: level 1 → 2, because" in d["stdout"] for d in days)
