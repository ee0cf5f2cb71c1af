"""A block of estimated frames: the one container of what the mat says, frame by frame.

:class:`EstimatedBlock` holds ``n`` frames of ``S`` sensors as numpy arrays: what the frame
source gave (``t``, ``raw``, acquisition ``flags``, the simulator's ``true_cop``), the calibrated
forces, the centre of pressure (whole body and per foot), the loads and shares (METRICS.md), the
one detector's per-frame states, and the events the estimator raised on this block (re-tare,
rescale, drift warnings). The :class:`~trainer.estimate.estimator.Estimator` makes it; the drill
engine, the session writer and (through :class:`~trainer.drills.base.RunData`, which extends it
with the drill's own columns) the scorers read it.

Its invariants are checked in one place, :meth:`EstimatedBlock.__post_init__`: every per-frame
array has ``n`` rows, ``raw`` and ``forces`` have the same ``S`` columns, points are ``(n, 2)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# the per-frame arrays and their shape after the frame axis: () one value, (2,) a point, "S" a sensor row
_SHAPES = {
    "t": (), "raw": "S", "flags": (), "forces": "S", "total": (), "cop": (2,), "cop_left": (2,),
    "cop_right": (2,), "load_left": (), "load_right": (), "left_pct": (), "heel_pct_left": (),
    "heel_pct_right": (), "still": (), "unloaded": (), "holding_on": (),
}


@dataclass(eq=False)
class EstimatedBlock:
    """``n`` estimated frames. NaN where a value is undefined (CoP below the load threshold, a
    foot or frame with an unread channel); see :mod:`trainer.estimate.cop`."""

    t: np.ndarray               # (n,) s, on the frame source's clock
    raw: np.ndarray             # (n, S) ADC codes as float, NaN = not read
    flags: np.ndarray           # (n,) uint16, firmware.frames.Flag bits of the acquisition
    forces: np.ndarray          # (n, S) N: calibrated, re-tared and rescaled
    total: np.ndarray           # (n,) N
    cop: np.ndarray             # (n, 2) mm, whole body
    cop_left: np.ndarray        # (n, 2) mm
    cop_right: np.ndarray       # (n, 2) mm
    load_left: np.ndarray       # (n,) N
    load_right: np.ndarray      # (n,) N
    left_pct: np.ndarray        # (n,) % of the total on the left foot
    heel_pct_left: np.ndarray   # (n,) % of that foot's load on its heel sensor(s)
    heel_pct_right: np.ndarray  # (n,) %
    still: np.ndarray           # (n,) bool, the detector's states (METRICS.md)
    unloaded: np.ndarray        # (n,) bool
    holding_on: np.ndarray      # (n,) bool
    true_cop: np.ndarray | None = None     # (n, 2) mm, the simulator's ground truth
    # (t, kind, detail) the estimator raised on this block, for events.csv: retare, rescale, drift_warning
    events: list = field(default_factory=list)

    def __post_init__(self):
        n = np.shape(self.t)[0] if np.ndim(self.t) == 1 else -1
        s = np.shape(self.raw)[1] if np.ndim(self.raw) == 2 else -1
        bad = []
        for name, tail in _SHAPES.items():
            a = getattr(self, name)
            want = (n, s) if tail == "S" else (n, *tail)
            if not isinstance(a, np.ndarray) or a.shape != want:
                bad.append(f"{name} {np.shape(a)}")
        if self.true_cop is not None and (not isinstance(self.true_cop, np.ndarray) or self.true_cop.shape != (n, 2)):
            bad.append(f"true_cop {np.shape(self.true_cop)}")
        if n < 0 or s < 0 or bad:
            raise ValueError(f"inconsistent EstimatedBlock: {n} frames of {s} sensors, but " + ", ".join(bad))

    def __len__(self) -> int:
        return self.t.shape[0]

    @property
    def n_sensors(self) -> int:
        return self.raw.shape[1]

    def columns(self) -> dict:
        """The per-frame arrays by name (true_cop included when there is one)."""
        out = {name: getattr(self, name) for name in _SHAPES}
        if self.true_cop is not None:
            out["true_cop"] = self.true_cop
        return out

    def take(self, idx) -> EstimatedBlock:
        """The frames ``idx`` (a slice, indices or a boolean mask); the block's events stay behind."""
        return EstimatedBlock(**{k: v[idx] for k, v in self.columns().items()})

    __getitem__ = take

    @staticmethod
    def concat(blocks: list[EstimatedBlock]) -> EstimatedBlock:
        """The blocks one after the other (their events too); ``true_cop`` only when all have it."""
        if not blocks:
            raise ValueError("nothing to concatenate")
        truth = all(b.true_cop is not None for b in blocks)
        cols = {name: np.concatenate([getattr(b, name) for b in blocks]) for name in _SHAPES}
        return EstimatedBlock(**cols, true_cop=np.concatenate([b.true_cop for b in blocks]) if truth else None,
                              events=[e for b in blocks for e in b.events])

