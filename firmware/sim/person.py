"""A simulated person who follows a script (desired CoP and load over time).

The person is a pure function of time — the script seen through a human-like lag and a short
smoothing, plus postural sway (a seeded sum of sinusoids with a 1/f spectrum) and a little
breathing in the load — so the live chip path and the vectorised path see the same person, and
the same seed gives the same person.

The script is built by whoever drives the person (a drill builds it from its target path), so
`firmware` never needs to know about drills.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .physics import G_ACCEL


def _own(a: np.ndarray, shape: tuple) -> np.ndarray:
    """A copy of ``a`` broadcast to ``shape``."""
    return a.copy() if a.shape == shape else np.broadcast_to(a, shape).copy()


@dataclass
class FootTarget:
    """Where a person puts their weight, foot by foot (the public target of the simulated person).

    ``left_share``: fraction (0..1) of the load on the mat carried by the left foot, shape (n,);
    ``left_cop``, ``right_cop``: each foot's own centre of pressure (mm, the layout's frame),
    shape (n, 2); ``grip`` (optional, (n,) 0..1): the toes pressing into the floor. A foot's CoP
    can go from its heel to its toes whatever the share, so "70 % on the left foot, rolling it
    from heel to toes" is one target. Scalars and single points are accepted (n = 1).

    A script (``at(t)``) or a drill (``person_feet(active)``) may give one instead of a
    whole-body CoP; :func:`firmware.sim.physics.foot_loads` turns either into region loads.
    """

    left_share: np.ndarray
    left_cop: np.ndarray
    right_cop: np.ndarray
    grip: np.ndarray | None = None

    def __post_init__(self):
        share = np.atleast_1d(np.asarray(self.left_share, float))
        left = np.asarray(self.left_cop, float).reshape(-1, 2)
        right = np.asarray(self.right_cop, float).reshape(-1, 2)
        n = max(share.shape[0], left.shape[0], right.shape[0])
        # each field its own copy, broadcast to n samples (a plain copy when it has them already)
        self.left_share = _own(share, (n,))
        self.left_cop = _own(left, (n, 2))
        self.right_cop = _own(right, (n, 2))
        if self.grip is not None:
            self.grip = _own(np.atleast_1d(np.asarray(self.grip, float)), (n,))
        share = self.left_share
        # (NaN fails both comparisons; ±inf fails one)
        if share.size and not (share.min() >= 0 and share.max() <= 1):
            raise ValueError("left_share must be within 0..1")

    def __len__(self) -> int:
        return self.left_share.shape[0]

    def as_array(self) -> np.ndarray:
        """(n, 5) or (n, 6) with grip: share, left x, y, right x, y[, grip] (for interpolation)."""
        cols = [self.left_share, self.left_cop[:, 0], self.left_cop[:, 1], self.right_cop[:, 0], self.right_cop[:, 1]]
        if self.grip is not None:
            cols.append(self.grip)
        return np.column_stack(cols)

    @staticmethod
    def from_array(a: np.ndarray) -> "FootTarget":
        a = np.asarray(a, float).reshape(-1, a.shape[-1])
        return FootTarget(np.clip(a[:, 0], 0, 1), a[:, 1:3], a[:, 3:5], a[:, 5] if a.shape[1] > 5 else None)

    def whole_body(self) -> np.ndarray:
        """The whole-body CoP (n, 2) this target puts on the mat."""
        s = self.left_share[:, None]
        return s * self.left_cop + (1 - s) * self.right_cop


@dataclass
class Script:
    """Desired state at knots ``t`` (s): whole-body CoP (mm), load on the mat as a fraction
    of standing (0 = stepped off), and the fraction of weight taken by a support (holding on).
    Optionally ``grip`` (0..1): the toes pressing into the floor (a toe press), which a CoP
    alone cannot express — toe load rises while the heel keeps its share (see ``grip_at``).
    Between knots the script is linear; before the first and after the last it holds.

    Instead of a whole-body CoP a script may give ``feet``, a :class:`FootTarget` at each knot
    (share on the left foot and each foot's own CoP); ``at`` then returns a FootTarget."""

    t: np.ndarray
    cop: np.ndarray | None = None
    on_mat: np.ndarray | None = None
    support: np.ndarray | None = None
    grip: np.ndarray | None = None
    feet: FootTarget | None = None

    def __post_init__(self):
        self.t = np.asarray(self.t, float)
        n = self.t.shape[0]
        if self.feet is not None:
            if len(self.feet) != n:
                raise ValueError("script arrays must have the same non-zero length")
            if self.cop is None:
                self.cop = self.feet.whole_body()
        self.cop = np.asarray(self.cop, float).reshape(-1, 2)
        self.on_mat = np.ones(n) if self.on_mat is None else np.asarray(self.on_mat, float)
        self.support = np.zeros(n) if self.support is None else np.asarray(self.support, float)
        if not (self.cop.shape[0] == n == self.on_mat.shape[0] == self.support.shape[0]) or n == 0:
            raise ValueError("script arrays must have the same non-zero length")
        if self.grip is not None:
            self.grip = np.asarray(self.grip, float)
            if self.grip.shape[0] != n:
                raise ValueError("script arrays must have the same non-zero length")
        if n > 1 and np.any(np.diff(self.t) < 0):
            raise ValueError("script times must not decrease")

    @staticmethod
    def still(x: float, y: float, duration: float = 1e9) -> "Script":
        return Script([0.0, duration], [[x, y], [x, y]])

    def at(self, t: np.ndarray):
        t = np.asarray(t, float)
        if self.feet is not None:
            a = self.feet.as_array()
            cop = FootTarget.from_array(np.stack([np.interp(t, self.t, a[:, k]) for k in range(a.shape[1])], axis=1))
        else:
            cop = np.stack([np.interp(t, self.t, self.cop[:, 0]), np.interp(t, self.t, self.cop[:, 1])], axis=1)
        return cop, np.interp(t, self.t, self.on_mat), np.interp(t, self.t, self.support)

    def _samples(self, times: list) -> tuple:
        """What :meth:`at` and :meth:`grip_at` give at each array of ``times``, as lists
        (targets as arrays: :meth:`FootTarget.as_array` of what ``at`` returns), from one
        interpolation of all the times: the same numbers, a fraction of the calls."""
        cuts = np.cumsum([len(x) for x in times])[:-1]
        tt = np.concatenate(times)

        def split(fp):
            return np.split(np.interp(tt, self.t, fp), cuts)

        if self.feet is not None:
            a = self.feet.as_array()
            cols = np.stack([np.interp(tt, self.t, a[:, k]) for k in range(a.shape[1])], axis=1)
            ft = FootTarget.from_array(cols)      # share clipped to 0..1, as at() does
            targets = np.split(ft.as_array(), cuts)
        else:
            targets = np.split(np.stack([np.interp(tt, self.t, self.cop[:, 0]),
                                         np.interp(tt, self.t, self.cop[:, 1])], axis=1), cuts)
        grips = [None] * len(times) if self.grip is None else split(self.grip)
        return targets, split(self.on_mat), split(self.support), grips

    def grip_at(self, t: np.ndarray):
        """Toe grip (0..1) at ``t``, or None when the script has no grip channel."""
        if self.grip is None:
            return None
        return np.interp(np.asarray(t, float), self.t, self.grip)

    @property
    def duration(self) -> float:
        return float(self.t[-1])


class ScriptBuilder:
    """Builds a script step by step: ``hold``, ``move_to``, ``step_off``, ``step_on``,
    ``hold_on``, ``grip_to`` (toe grip, 0..1)."""

    def __init__(self, x: float, y: float, t0: float = 0.0):
        self.t = [t0]
        self.cop = [(x, y)]
        self.on = [1.0]
        self.sup = [0.0]
        self.grips = [0.0]

    @property
    def now(self) -> float:
        return self.t[-1]

    def _add(self, dt, cop=None, on=None, sup=None, grip=None):
        self.t.append(self.t[-1] + max(dt, 1e-6))
        self.cop.append(cop if cop is not None else self.cop[-1])
        self.on.append(self.on[-1] if on is None else on)
        self.sup.append(self.sup[-1] if sup is None else sup)
        self.grips.append(self.grips[-1] if grip is None else grip)
        return self

    def hold(self, seconds: float):
        return self._add(seconds)

    def move_to(self, x: float, y: float, seconds: float):
        return self._add(seconds, cop=(x, y))

    def step_off(self, seconds: float = 0.3):
        return self._add(seconds, on=0.0)

    def step_on(self, seconds: float = 0.4):
        return self._add(seconds, on=1.0)

    def hold_on(self, support: float, seconds: float = 0.5):
        return self._add(seconds, sup=support)

    def grip_to(self, level: float, seconds: float = 0.3):
        """Toes press into the floor (level 0..1) over ``seconds``; 0 relaxes them."""
        return self._add(seconds, grip=level)

    def build(self) -> Script:
        return Script(self.t, self.cop, self.on, self.sup, self.grips if any(self.grips) else None)


@dataclass
class ScriptedPerson:
    """A person of ``weight_kg`` following ``script`` with ``lag_s`` and ``sway_mm`` (rms, AP)."""

    script: Script                 # or anything with at(t) -> (cop | FootTarget, on_mat, support)
    weight_kg: float = 70.0
    lag_s: float = 0.25
    sway_mm: float = 2.5
    seed: int = 0
    smooth_s: float = 0.12
    _sway: tuple = field(init=False, repr=False)

    def __post_init__(self):
        rng = np.random.default_rng([self.seed, 7])
        f = np.geomspace(0.05, 1.5, 18)
        amp = f ** -0.8
        amp /= np.sqrt(np.sum(amp ** 2) / 2)           # unit rms
        ph = rng.uniform(0, 2 * np.pi, (2, f.size))
        self._sway = (f, amp, ph, rng.uniform(0, 2 * np.pi), rng.uniform(0.2, 0.3))

    @property
    def weight_n(self) -> float:
        return self.weight_kg * G_ACCEL

    def state(self, t):
        """What the person does at ``t``, and the load on the mat (n,) N.

        The first result is the whole-body CoP (n, 2) mm the person aims their load at — (n, 3)
        with the toe grip (0..1) when the script has a grip channel (``script.grip_at(t)`` not
        None) — or, when the script gives per-foot targets, a :class:`FootTarget` (n samples,
        both feet's CoP carrying the sway). :func:`physics.foot_loads` understands all three."""
        t = np.atleast_1d(np.asarray(t, float))
        offs = np.linspace(-self.smooth_s, self.smooth_s, 5)
        wts = 1.0 - np.abs(offs) / (self.smooth_s * 1.2 or 1.0)
        wts /= wts.sum()
        acc = None
        on = np.zeros(t.size)
        sup = np.zeros(t.size)
        feet = False
        script = self.script
        times = [t - self.lag_s + o for o in offs]
        samples = script._samples(times) if type(script) is Script else None
        # a script that answers several calls at once (a drill's follower: at_many) is asked once
        many = script.at_many(times) if samples is None and hasattr(script, "at_many") else None
        for k, (o, w) in enumerate(zip(offs, wts)):
            if samples is not None:
                c, a, s = samples[0][k], samples[1][k], samples[2][k]
                feet = script.feet is not None
            else:
                c, a, s = many[k] if many is not None else script.at(times[k])
                if isinstance(c, FootTarget):
                    feet = True
                    c = c.as_array()
            c = np.asarray(c, float)
            acc = w * c if acc is None else acc + w * c
            on += w * a
            sup += w * s
        f, amp, ph, bph, bf = self._sway
        arg = 2 * np.pi * np.outer(t, f)
        sway = self.sway_mm * np.stack([np.sin(arg + ph[0]) @ amp * 0.7, np.sin(arg + ph[1]) @ amp], axis=1)
        breathing = 1.0 + 0.004 * np.sin(2 * np.pi * bf * t + bph)
        load = self.weight_n * np.clip(on, 0, 1) * (1.0 - np.clip(sup, 0, 1)) * breathing
        grip = None
        grip_at = getattr(self.script, "grip_at", None)
        if samples is not None:
            grips = samples[3]
        elif callable(grip_at):
            grips = [grip_at(times[k]) for k in range(len(offs))]
        if samples is not None or callable(grip_at):
            if all(g is not None for g in grips):
                grip = np.clip(sum(w * np.asarray(g, float) for g, w in zip(grips, wts)), 0.0, 1.0)
        if feet:
            ft = FootTarget.from_array(acc)
            # sway moves the body: both feet's CoP front-back, and the share side to side
            ft.left_cop[:, 1] += sway[:, 1]
            ft.right_cop[:, 1] += sway[:, 1]
            span = np.maximum(np.abs(ft.right_cop[:, 0] - ft.left_cop[:, 0]), 1.0)
            ft.left_share = np.clip(ft.left_share - sway[:, 0] / span, 0.0, 1.0)
            if grip is not None:
                ft.grip = grip if ft.grip is None else np.maximum(ft.grip, grip)
            return ft, load
        cop = acc + sway
        if grip is not None:
            return np.column_stack([cop, grip]), load
        return cop, load


# the named simulated people live in a stdlib-only module (the command line lists them in --help)
from .people import DEFAULT_PERSON, PEOPLE, PersonKind, get_person  # noqa: E402,F401
