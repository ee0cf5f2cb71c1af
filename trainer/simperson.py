"""A simulated person for drills: watches the drill's target and follows it (with the lag the
simulator adds), standing still at their natural centre until the drill starts. Scenarios
(stepping off, holding on, skipping a waypoint, going the wrong way) make the scripted people
the tests and the demo use.

It implements the simulator's script interface (``at(t) -> cop, on_mat, support``), so
`firmware` still knows nothing of drills.
"""
from __future__ import annotations

import numpy as np


class Follower:
    def __init__(self, centre, *, step_off: list[tuple[float, float]] = (), hold_on: list[tuple[float, float, float]] = (),
                 path_fn=None, reverse: bool = False, time_scale: float = 1.0):
        self.centre = np.asarray(centre, float)
        self.engine = None             # set to the DrillEngine once it exists
        self.step_off = list(step_off)  # (t_start, duration) clock times
        self.hold_on = list(hold_on)    # (t_start, duration, support fraction)
        self.path_fn = path_fn          # optional own path(active) -> (n, 2) (e.g. a waypoint skipped)
        self.reverse = reverse
        self.time_scale = time_scale

    def at(self, t):
        t = np.atleast_1d(np.asarray(t, float))
        cop = np.tile(self.centre, (t.size, 1))
        eng = self.engine
        if eng is not None and eng.plan.start is not None:
            a = eng.plan.active(t) * self.time_scale
            run = np.isfinite(a) & (a >= 0)
            if run.any():
                aa = a[run]
                if self.reverse:
                    aa = -aa
                fn = self.path_fn or eng.drill.person_cop
                cop[run] = fn(aa)
        on = np.ones(t.size)
        for t0, dur in self.step_off:
            # 0.3 s to step off, back on over 0.4 s
            down = np.clip((t - t0) / 0.3, 0, 1)
            up = np.clip((t - (t0 + dur)) / 0.4, 0, 1)
            on = np.minimum(on, 1 - down + up)
        sup = np.zeros(t.size)
        for t0, dur, frac in self.hold_on:
            sup = np.maximum(sup, frac * ((t >= t0) & (t < t0 + dur)))
        return cop, np.clip(on, 0, 1), sup


def natural_centre(layout) -> np.ndarray:
    """Where a person stands quietly on this layout (mean of both feet's natural CoP)."""
    from firmware.sim.physics import FootGeometry

    return FootGeometry(layout).natural_cop().mean(axis=0)
