"""What the drill engine hands out: the newest state for a view (:class:`Snapshot`), what a
drill adds to each frame for the recorder (:class:`DrillRows`), and the run's :class:`Plan`
(active time ↔ clock time, pauses excluded)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Snapshot:
    """What a view needs to draw the newest state."""

    t: float = 0.0
    state: str = "waiting"
    cop: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    target: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    forces: np.ndarray | None = None
    total_n: float = float("nan")
    left_pct: float = float("nan")
    heel_pct_left: float = float("nan")
    heel_pct_right: float = float("nan")
    cue: str = "step on and stand still"
    loop: int = 0
    loops: int = 0
    last_score: float | None = None
    countdown: float | None = None
    holding_on: bool = False


@dataclass
class DrillRows:
    """What the drill adds to each frame of a block: the columns the recorder writes after the
    estimate (``flags``: the drill's own, e.g. ``holding_on``; empty text for none)."""

    target: np.ndarray      # (n, 2) mm, NaN where there is none
    phase: list[str]
    flags: list[str]


class Plan:
    """Active time ↔ clock time for the running drill (pauses excluded)."""

    def __init__(self):
        self.start = None
        self.pauses: list[list[float]] = []   # [t_pause, t_resume or None]

    def active(self, t):
        t = np.atleast_1d(np.asarray(t, float))
        if self.start is None:
            return np.full(t.shape, np.nan)
        if t.ndim == 1 and 0 < t.size <= 8 and np.isfinite(t).all():
            return np.array([self._active_one(v) for v in t.tolist()], dtype=float)
        a = t - self.start
        for p0, p1 in self.pauses:
            end = np.inf if p1 is None else p1
            a -= np.clip(np.minimum(t, end) - p0, 0, None)
        return np.where(t >= self.start, a, np.nan)

    def _active_one(self, t: float) -> float:
        """:meth:`active` of one finite clock time in Python floats (a live block's few frames):
        the same operations in the same order, so the same bits (``np.clip(d, 0, None)`` is
        ``d if d > 0 else 0.0``, NaN kept, as numpy's clip does)."""
        start = self.start
        a = t - start
        for p0, p1 in self.pauses:
            end = math.inf if p1 is None else p1
            d = (t if t <= end else end) - p0
            a -= d if d > 0 or d != d else 0.0
        return a if t >= start else math.nan
