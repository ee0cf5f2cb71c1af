"""Exercise drills (seeds 001, 002, 004): definitions only, stdlib imports (read by `footmat --help`)."""
from __future__ import annotations

from . import DrillDef, Param

HEEL_RAISES = DrillDef(
    "heel-raises", "seed 001 (heel raises: 2 sets of 15-20, slowly)",
    "rise onto your toes and lower slowly with the metronome: up, hold, down, heels down",
    "reps counted per set (partial and too-fast raises listed as rejected), tempo, height proxy (heel unloading, "
    "CoP forward shift), left/right asymmetry at the top",
    {"sets": Param(2, "number of sets", int, min=1, max=5),
     "reps": Param(15, "repetitions asked for (per set for heel-raises)", int, min=1, max=40),
     "tempo": Param(1.0, "seconds per metronome beat (4 beats a rep; 1.0 = 60 beats/min)", float, min=0.5, max=3.0),
     "rest": Param(30.0, "seconds of rest between sets", float, min=0, max=300)},
    "trainer.drills.exercise:HeelRaisesDrill")

TOE_PRESS = DrillDef(
    "toe-press", "seeds 002, 004 (toe pressing: grip the floor, hold 3 s, x10)",
    "knees slightly bent, grip the floor with your toes on the beat, hold, relax on the next beat",
    "holds detected (toe load >= 2 x standing while the heel stays loaded), hold time, toe load vs baseline",
    {"reps": Param(10, "toe presses asked for", int, min=1, max=40),
     "hold": Param(3.0, "seconds each toe press is held", float, min=1.0, max=10.0),
     "relax": Param(4.0, "seconds of rest between toe presses", float, min=1.0, max=30.0)},
    "trainer.drills.exercise:ToePressDrill")

DRILLS = [HEEL_RAISES, TOE_PRESS]
