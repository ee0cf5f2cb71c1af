"""Eight simulated training days of `footmat today` (issue 27): a poor person's level falls to 1
and stays there without error; a clinician's cap and exclusions hold. Slow (~50 s of CPU)."""
from __future__ import annotations

import pytest

from .days import add, part_events, shown, spiral_levels, train


@pytest.mark.slow
def test_a_poor_persons_level_falls_to_1_and_stays_within_the_caps(cli):
    add(cli, "poo", "--level", "spiral=3", "--max-level", "spiral=3", "--exclude", "heel-raises",
        "--exclude", "toe-press", "--exclude", "stance")
    days = train(cli, "poo", "poor", 8)
    levels = spiral_levels(days)
    assert levels[0] == 3 and 1 in levels
    first_1 = levels.index(1)
    assert first_1 < len(levels) - 2 and set(levels[first_1:]) == {1}      # reaches 1 and stays
    assert max(levels) <= 3                                                  # the clinician's cap
    downs = [e for d in days for e in d["programme"]["events"] if e["kind"] == "level_down"]
    assert len(downs) == 2 and all("clearly struggling" in e["detail"] for e in downs)
    assert shown(cli, "poo")["levels"]["spiral"] == 1
    # excluded drills never ran; every spiral session recorded the level it ran at
    assert {p["drill"] for d in days for p in d["parts"]} == {"spiral"}
    for d, lv in zip(days, levels):
        ev = part_events(d, "spiral")
        assert ev[0]["kind"] == "level" and ev[0]["detail"].startswith(f"spiral level {lv}:")
        assert any(e["kind"] == "excluded" for e in ev)
