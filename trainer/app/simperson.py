"""A simulated person for drills: watches the drill's target and follows it (with the lag the
simulator adds), standing still at their natural centre until the drill starts. Scenarios
(stepping off, holding on, skipping a waypoint, going the wrong way) make the scripted people
the tests and the demo use.

It implements the simulator's script interface (``at(t) -> cop, on_mat, support``, and
``grip_at(t)`` for the toe-grip channel when the drill asks for one through ``person_grip(a)``
or a ``grip_fn`` is given), so `firmware` still knows nothing of drills.
"""
from __future__ import annotations

import numpy as np

from firmware.sim.physics import FootGeometry


class Follower:
    def __init__(self, centre, *, step_off: list[tuple[float, float]] = (), hold_on: list[tuple[float, float, float]] = (),
                 path_fn=None, reverse: bool = False, time_scale: float = 1.0, grip_fn=None,
                 reaction_s: float = 0.0, lean_mm=None, give_up_s: float | None = None):
        self.centre = np.asarray(centre, float)
        self.engine = None             # set to the DrillEngine once it exists
        self.step_off = list(step_off)  # (t_start, duration) clock times
        self.hold_on = list(hold_on)    # (t_start, duration, support fraction)
        self.path_fn = path_fn          # optional own path(active) -> (n, 2) (e.g. a waypoint skipped)
        self.reverse = reverse
        self.time_scale = time_scale
        self.grip_fn = grip_fn          # optional own toe grip(active) -> (n,) 0..1
        self.reaction_s = reaction_s    # answers every cue this much later (s of active time)
        self.lean_mm = lean_mm          # how far they lean when a drill asks (mm, or a dict per direction)
        self.give_up_s = give_up_s      # stops following at this active time (back to the centre: foot down)

    def at(self, t):
        t = np.atleast_1d(np.asarray(t, float))
        cop = np.tile(self.centre, (t.size, 1))
        eng = self.engine
        if eng is not None and eng.started:
            a = eng.active(t) * self.time_scale - self.reaction_s
            run = np.isfinite(a) & (a >= 0)
            if self.give_up_s is not None:
                run &= a < self.give_up_s
            if run.any():
                aa = a[run]
                if self.reverse:
                    aa = -aa
                offset = getattr(eng.drill, "person_offset", None)
                if self.path_fn is None and offset is not None:
                    # drills that move the person relative to where they stand (leans, shifts)
                    kw = {} if self.lean_mm is None else {"lean_mm": self.lean_mm}
                    cop[run] = self.centre + offset(aa, **kw)
                else:
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

    def grip_at(self, t):
        """Toe grip (0..1) at clock times ``t``: the drill's ``person_grip`` (or ``grip_fn``) on
        active time, 0 before the start; None when neither exists (no grip channel)."""
        eng = self.engine
        fn = self.grip_fn or (getattr(eng.drill, "person_grip", None) if eng is not None else None)
        if fn is None:
            return None
        t = np.atleast_1d(np.asarray(t, float))
        g = np.zeros(t.size)
        if eng is not None and eng.started:
            a = eng.active(t) * self.time_scale
            run = np.isfinite(a) & (a >= 0)
            if run.any():
                g[run] = fn(a[run])
        return g


def natural_centre(layout) -> np.ndarray:
    """Where a person stands quietly on this layout (mean of both feet's natural CoP)."""
    return FootGeometry(layout).natural_cop().mean(axis=0)


def standing_point(layout, left_pct: float = 50.0) -> np.ndarray:
    """Where a person stands quietly with ``left_pct`` % of their weight on the left foot."""
    nat = FootGeometry(layout).natural_cop()          # (left, right) quiet CoP of each foot
    x = nat[1, 0] - left_pct / 100.0 * (nat[1, 0] - nat[0, 0])
    return np.array([x, nat[:, 1].mean()])
