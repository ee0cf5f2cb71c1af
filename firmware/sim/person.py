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


@dataclass
class Script:
    """Desired state at knots ``t`` (s): whole-body CoP (mm), load on the mat as a fraction
    of standing (0 = stepped off), and the fraction of weight taken by a support (holding on).
    Optionally ``grip`` (0..1): the toes pressing into the floor (a toe press), which a CoP
    alone cannot express — toe load rises while the heel keeps its share (see ``grip_at``).
    Between knots the script is linear; before the first and after the last it holds."""

    t: np.ndarray
    cop: np.ndarray
    on_mat: np.ndarray | None = None
    support: np.ndarray | None = None
    grip: np.ndarray | None = None

    def __post_init__(self):
        self.t = np.asarray(self.t, float)
        self.cop = np.asarray(self.cop, float).reshape(-1, 2)
        n = self.t.shape[0]
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
        cop = np.stack([np.interp(t, self.t, self.cop[:, 0]), np.interp(t, self.t, self.cop[:, 1])], axis=1)
        return cop, np.interp(t, self.t, self.on_mat), np.interp(t, self.t, self.support)

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

    script: Script
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

    def state(self, t) -> tuple[np.ndarray, np.ndarray]:
        """Actual CoP (n, 2) mm the person aims their load at, and load on the mat (n,) N.

        When the script has a toe-grip channel (``script.grip_at(t)`` not None) the first array
        is (n, 3): CoP and the grip (0..1), which :func:`physics.foot_loads` understands."""
        t = np.atleast_1d(np.asarray(t, float))
        offs = np.linspace(-self.smooth_s, self.smooth_s, 5)
        wts = 1.0 - np.abs(offs) / (self.smooth_s * 1.2 or 1.0)
        wts /= wts.sum()
        cop = np.zeros((t.size, 2))
        on = np.zeros(t.size)
        sup = np.zeros(t.size)
        for o, w in zip(offs, wts):
            c, a, s = self.script.at(t - self.lag_s + o)
            cop += w * c
            on += w * a
            sup += w * s
        f, amp, ph, bph, bf = self._sway
        arg = 2 * np.pi * np.outer(t, f)
        sway = np.stack([np.sin(arg + ph[0]) @ amp * 0.7, np.sin(arg + ph[1]) @ amp], axis=1)
        cop += self.sway_mm * sway
        breathing = 1.0 + 0.004 * np.sin(2 * np.pi * bf * t + bph)
        load = self.weight_n * np.clip(on, 0, 1) * (1.0 - np.clip(sup, 0, 1)) * breathing
        grip_at = getattr(self.script, "grip_at", None)
        if callable(grip_at):
            grips = [grip_at(t - self.lag_s + o) for o in offs]
            if all(g is not None for g in grips):
                grip = sum(w * np.asarray(g, float) for g, w in zip(grips, wts))
                return np.column_stack([cop, np.clip(grip, 0.0, 1.0)]), load
        return cop, load
