"""A simulated person for drills: watches the drill's target and follows it (with the lag the
simulator adds), standing still at their natural centre until the drill starts. Scenarios
(stepping off, holding on, skipping a waypoint, going the wrong way) make the scripted people
the tests and the demo use.

A named simulated person (``kind``, a :class:`firmware.sim.person.PersonKind`: ``--sim-person``)
changes how the target is followed: part of each shift (depth), a slow error (wander), a habitual
left/right asymmetry, how far onto the toes, a hand on a rail (support). A drill that gives
per-foot targets (``person_feet(active) -> FootTarget``: share on each foot and each foot's own
CoP) is followed foot by foot; otherwise the whole-body ``person_cop``/``person_offset``.

It implements the simulator's script interface (``at(t) -> cop | FootTarget, on_mat, support``, and
``grip_at(t)`` for the toe-grip channel when the drill asks for one through ``person_grip(a)``
or a ``grip_fn`` is given), so `firmware` still knows nothing of drills.
"""
from __future__ import annotations

import collections

import numpy as np

from firmware.sim.person import FootTarget, PersonKind

SCREEN_TAU_PER_LAG = 5.0   # a named person corrects what the screen shows with a time constant of this x their lag
SCREEN_MAX_SHARE = 0.3     # … by at most this much of the load (a share)
SIDE_BAND = 0.1            # a share this far from standing is wholly one foot's side
from firmware.sim.physics import FootGeometry


class Follower:
    def __init__(self, centre, *, step_off: list[tuple[float, float]] = (), hold_on: list[tuple[float, float, float]] = (),
                 path_fn=None, reverse: bool = False, time_scale: float = 1.0, grip_fn=None,
                 reaction_s: float = 0.0, lean_mm=None, give_up_s: float | None = None,
                 kind: PersonKind | None = None, layout=None, seed: int = 0):
        self.centre = np.asarray(centre, float)
        self.kind = kind                # a named simulated person (None: follows exactly, as before)
        self._feet = None
        self._feet_layout = None
        if layout is not None:
            self._set_feet(layout)
        rng = np.random.default_rng([seed, 23])
        f = np.geomspace(0.04, 0.4, 6)
        amp = f ** -0.5
        amp /= np.sqrt(np.sum(amp ** 2) / 2)             # unit rms
        self._wander = (f, amp, rng.uniform(0, 2 * np.pi, (2, f.size)))
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
        # a named person on a drill on the feet watches the screen's share mark: what they aimed
        # (recent calls, clock time -> share) and their correction on each foot's side
        self._aims = collections.deque(maxlen=256)
        self._aim_t = self._aim_v = np.zeros(0)   # the aims' times and shares joined, in the same order
        self._screen = {"left": 0.0, "right": 0.0}
        self._snap_t = None

    def _set_feet(self, layout):
        g = FootGeometry(layout)
        nat = g.natural_cop()
        # (left natural CoP, right natural CoP, ball y, hallux y) of the reference feet
        self._feet = (nat[0], nat[1], float(g.aim[0, 3, 1]), float(g.aim[0, 5, 1]))
        self._feet_layout = layout

    def at(self, t):
        return self._at(np.atleast_1d(np.asarray(t, float)), None)

    def at_many(self, times):
        """``[self.at(t) for t in times]`` in one pass: the simulated person's five smoothing
        samples (:meth:`firmware.sim.person.ScriptedPerson.state`) are one call instead of five.
        The same numbers, and the same watching of the screen, as the five calls one after the
        other: every step is element by element, and the screen is watched and the aims kept
        call by call in the same order (tests/trainer/app/test_simperson_batch.py)."""
        ts = [np.atleast_1d(np.asarray(t, float)) for t in times]
        sizes = [t.size for t in ts]
        whole, on, sup = self._at(np.concatenate(ts), sizes)
        cuts = np.cumsum(sizes)[:-1]
        ons, sups = np.split(on, cuts), np.split(sup, cuts)
        if isinstance(whole, FootTarget):
            parts = [FootTarget(*a) for a in zip(np.split(whole.left_share, cuts), np.split(whole.left_cop, cuts),
                                                 np.split(whole.right_cop, cuts),
                                                 [None] * len(ts) if whole.grip is None else np.split(whole.grip, cuts))]
        else:
            parts = np.split(whole, cuts)
        return list(zip(parts, ons, sups))

    def _at(self, t, chunks):
        """:meth:`at` of clock times ``t``; ``chunks``: the sizes of the calls ``t`` joins
        (:meth:`at_many`), or None for one call."""
        cop = np.tile(self.centre, (t.size, 1))
        feet = None
        eng = self.engine
        if self._feet is None and eng is not None and getattr(eng, "layout", None) is not None:
            self._set_feet(eng.layout)            # the engine's mat: a drill on the feet can be followed
        run = np.zeros(t.size, bool)
        if (self.path_fn is None and self._feet is not None and eng is not None
                and getattr(eng.drill, "person_feet", None) is not None):
            feet = self._standing_feet(t.size)     # a drill on the feet: per-foot targets throughout
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
                feet_fn = getattr(eng.drill, "person_feet", None)
                if self.path_fn is None and feet_fn is not None and self._feet is not None:
                    ft = feet_fn(aa)
                    feet.left_share[run] = ft.left_share
                    feet.left_cop[run] = ft.left_cop
                    feet.right_cop[run] = ft.right_cop
                    if ft.grip is not None:
                        feet.grip = np.zeros(t.size)
                        feet.grip[run] = ft.grip
                elif self.path_fn is None and offset is not None:
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
        if self.kind is not None:
            sup = np.maximum(sup, self.kind.support)
            if feet is not None:
                feet = self._as_kind_feet(t, feet, run, chunks)
            else:
                cop = self._as_kind(t, cop, run)
        return (feet if feet is not None else cop), np.clip(on, 0, 1), sup

    # -- a named person's way of following ----------------------------------------------------
    def _standing_feet(self, n: int) -> FootTarget:
        left, right, _, _ = self._feet
        span = right[0] - left[0]
        share = np.clip((right[0] - self.centre[0]) / span, 0.0, 1.0)
        return FootTarget(np.full(n, share), np.tile(left, (n, 1)), np.tile(right, (n, 1)))

    def _wander_at(self, t: np.ndarray) -> np.ndarray:
        f, amp, ph = self._wander
        arg = 2 * np.pi * np.outer(t, f)
        return self.kind.wander_mm * np.stack([np.sin(arg + ph[0]) @ amp, np.sin(arg + ph[1]) @ amp], axis=1)

    def _as_kind(self, t, cop, run):
        """A whole-body target as this person follows it: part of each shift, a slow error, the
        habitual asymmetry (towards the left foot), no further forward than their toe roll."""
        k = self.kind
        out = cop.copy()
        out[run] = self.centre + k.depth * (cop[run] - self.centre)
        if self._feet is not None:
            left, right, ball_y, toe_y = self._feet
            out[:, 0] -= k.asymmetry_pp / 100.0 * (right[0] - left[0])
            out[:, 1] = np.minimum(out[:, 1], ball_y + k.toe_roll * (toe_y - ball_y))
        out[run] += self._wander_at(t[run])
        return out

    def _as_kind_feet(self, t, feet: FootTarget, run, chunks=None):
        """A per-foot target as this person follows it: part of each transfer, the habitual
        asymmetry, each foot's CoP no further than their toe roll, a slow error. ``chunks``: the
        sizes of the calls ``t`` joins; each watches the screen, then keeps its aims, in order."""
        k = self.kind
        left, right, ball_y, toe_y = self._feet
        base = self._standing_feet(1).left_share[0]
        share = feet.left_share.copy()
        share[run] = base + k.depth * (share[run] - base)
        w = self._wander_at(t)
        span = right[0] - left[0]
        share = share + k.asymmetry_pp / 100.0 - np.where(run, w[:, 0] / span, 0.0)
        bounds = [0, t.size] if chunks is None else np.concatenate([[0], np.cumsum(chunks)]).tolist()
        left = np.empty(t.size)
        right = np.empty(t.size)
        for i0, i1 in zip(bounds, bounds[1:]):      # call by call: watch the screen, keep the aims
            self._watch_screen()
            r = run[i0:i1]
            if r.any():
                self._keep_aim(t[i0:i1][r], share[i0:i1][r])
            left[i0:i1] = self._screen["left"]
            right[i0:i1] = self._screen["right"]
        if run.any():
            side = np.clip((share - base) / SIDE_BAND, -1.0, 1.0)
            share = share + np.where(run, left * np.maximum(side, 0.0) + right * np.maximum(-side, 0.0), 0.0)
        cap = ball_y + k.toe_roll * (toe_y - ball_y)
        lc = feet.left_cop.copy()
        rc = feet.right_cop.copy()
        for c in (lc, rc):
            c[:, 1] = np.minimum(c[:, 1], cap)
            c[run, 1] += w[run, 1]
        grip = None if feet.grip is None else feet.grip * k.toe_roll
        return FootTarget(np.clip(share, 0.0, 1.0), lc, rc, grip)

    def _keep_aim(self, t: np.ndarray, share: np.ndarray) -> None:
        """Keep one call's aims; the joined arrays follow the deque (its oldest call falls out)."""
        drop = self._aims[0][0].size if len(self._aims) == self._aims.maxlen else 0
        self._aims.append((t, share))
        self._aim_t = np.concatenate([self._aim_t[drop:], t])
        self._aim_v = np.concatenate([self._aim_v[drop:], share])

    def _watch_screen(self) -> None:
        """A person watching the screen: the mat shows their share on each foot as the mat reads it,
        which is not quite what they put there (the reading depends on where on the foot the load
        sits, and on where the feet landed). They compare the share mark with what they meant
        (their aim a lag earlier, as the screen shows it now) and correct, on each foot's side,
        with a time constant of SCREEN_TAU_PER_LAG x their lag: quick people correct quickly."""
        eng = self.engine
        snap = getattr(eng, "snapshot", None)
        if snap is None or eng.state != "running" or not self._aims or not np.isfinite(snap.left_pct):
            return
        if self._snap_t is None or snap.t <= self._snap_t:
            self._snap_t = snap.t if self._snap_t is None else self._snap_t
            return
        dt = min(snap.t - self._snap_t, 0.1)
        self._snap_t = snap.t
        when = snap.t - self.kind.lag_s          # the script is asked a lag ahead of the mat
        t, v = self._aim_t, self._aim_v
        i = int(np.argmin(np.abs(t - when)))
        if abs(t[i] - when) > 0.5:
            return
        aim = float(v[i])
        base = self._standing_feet(1).left_share[0]
        side = float(np.clip((aim - base) / SIDE_BAND, -1.0, 1.0))
        err = aim - snap.left_pct / 100.0
        g = dt / (SCREEN_TAU_PER_LAG * max(self.kind.lag_s, 0.05))
        for foot, wgt in (("left", max(side, 0.0)), ("right", max(-side, 0.0))):
            self._screen[foot] = float(np.clip(self._screen[foot] + g * wgt * err, -SCREEN_MAX_SHARE, SCREEN_MAX_SHARE))

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
