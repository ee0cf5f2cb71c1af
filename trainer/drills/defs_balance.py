"""Weight-shift and balance drills (issue 8): rhythmic weight shift, limits of stability,
stance (weight distribution and sway) and one-leg stance.

Definitions only (stdlib imports): the run classes live in ``shift``, ``limits`` and ``stance``
and are imported when a drill is run.
"""
from __future__ import annotations

from . import DrillDef, Param

_PACES = Param("3,2,1", "seconds per movement between the two targets, comma-separated, 0.5-6 s each "
                        "(e.g. 3,2,1: slowest first)", str)
_CYCLES = Param(3, "back-and-forth cycles at each pace", int, min=1, max=20)
_AMPLITUDE = Param(0.6, "fraction of your reach the targets use", float, min=0.1, max=1.0)

SHIFT_LR = DrillDef(
    "shift-lr", "NeuroCom rhythmic weight shift (left/right)",
    "shift your weight between a left and a right target with the beat, at 3, 2 and 1 s a movement",
    "per pace: on-axis velocity, directional control, rhythm error (turns vs beats), excursion",
    {"cycles": _CYCLES, "amplitude": _AMPLITUDE, "paces": _PACES},
    "trainer.drills.shift:ShiftLeftRight")

SHIFT_AP = DrillDef(
    "shift-ap", "NeuroCom rhythmic weight shift (forward/back)",
    "shift your weight between a forward and a back target with the beat, at 3, 2 and 1 s a movement",
    "per pace: on-axis velocity, directional control, rhythm error (turns vs beats), excursion",
    {"cycles": _CYCLES, "amplitude": _AMPLITUDE, "paces": _PACES},
    "trainer.drills.shift:ShiftForwardBack")

LIMITS = DrillDef(
    "limits", "NeuroCom/Biodex limits of stability",
    "lean as far as is comfortable in each of 8 directions, feet flat, then come back to the centre",
    "per direction: reaction time, movement velocity, endpoint and maximum excursion, directional control; "
    "saves your reach on this mat (with --person), which scales every other target",
    {"lean-time": Param(7.0, "seconds to lean and hold in each direction", float, min=4, max=15)},
    "trainer.drills.limits:LimitsDrill", time_cap_s=240.0)

STANCE = DrillDef(
    "stance", "seeds 000, 002, 003 (weight distribution, posture); Biodex/BTrackS weight distribution",
    "stand still and relaxed, weight even, eyes forward",
    "left/right %, heel % per foot, asymmetry (flagged above 7 percentage points), sway metrics (METRICS.md)",
    {"duration": Param(30.0, "seconds of quiet standing", float, min=10, max=120)},
    "trainer.drills.stance:StanceDrill")

ONE_LEG = DrillDef(
    "one-leg", "balance check (single-leg stance)",
    "stand on one foot as long as is comfortable (a chair or rail within reach)",
    "time held (capped), sway of the standing foot (METRICS.md)",
    {"foot": Param("left", "the foot you stand on", str, ("left", "right")),
     "max-time": Param(30.0, "the most seconds counted (the drill ends then)", float, min=5, max=60)},
    "trainer.drills.stance:OneLegDrill", time_cap_s=120.0)

DRILLS = [SHIFT_LR, SHIFT_AP, LIMITS, STANCE, ONE_LEG]
