"""Simulated training days of `footmat today` (issue 27): a painful person whose pain rises by 2
in a session is eased the next session. Slow (five sessions on the simulated mat, ~33 s of CPU)."""
from __future__ import annotations

import pytest

from firmware.sim.people import get_person

from .days import add, part_events, shown, spiral_levels, train


@pytest.mark.slow
def test_a_painful_persons_rise_of_2_eases_the_next_session(cli):
    add(cli, "pai", "--exclude", "heel-raises", "--exclude", "toe-press", "--exclude", "stance")
    kind = get_person("painful")
    rise = next(i for i, (b, a) in enumerate(kind.pain_days) if a - b >= 2)
    days = train(cli, "pai", "painful", rise + 2)
    assert days[rise]["programme"]["pain"] == {"before": kind.pain_days[rise][0], "after": kind.pain_days[rise][1]}
    assert not any(d["programme"]["eased"] for d in days[:rise + 1])
    eased = days[rise + 1]
    assert eased["programme"]["eased"]
    assert "the next session will be easier" in days[rise]["stdout"]
    assert "easier session because pain rose from 4 to 6" in eased["stdout"]
    ev = [e for e in part_events(eased, "spiral") if e["kind"] == "ease"]
    assert ev and any("rose from 4 to 6" in e["detail"] for e in ev)
    # at level 1 easing halves the volume (a short session has one loop already: it stays one)
    assert all(p["eased"] and p["run_level"] == 1 for p in eased["programme"]["plan"])
    assert any("half the volume" in e["detail"] for e in ev)
    assert eased["programme"]["decisions"]["spiral"]["kind"] == "stay"
    assert shown(cli, "pai")["levels"].get("spiral", 1) == spiral_levels(days)[-1]
