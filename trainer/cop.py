"""Centre of pressure, left/right share and zone loads from calibrated forces (METRICS.md).

Pure functions over blocks of frames. CoP = Σ Fᵢ·rᵢ / Σ Fᵢ; per foot the same over that foot's
sensors; whole-body CoP = (F_L·CoP_L + F_R·CoP_R)/(F_L + F_R) (identical to the pooled sum).
Below ``min_load_n`` CoP is undefined: NaN, never (0, 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_LOAD_FRACTION = 0.20   # of body weight: below it nobody is (really) on the mat
MIN_LOAD_UNCALIBRATED_N = 5.0


@dataclass
class CopBlock:
    cop: np.ndarray        # (n, 2) mm, NaN when unloaded
    cop_left: np.ndarray   # (n, 2)
    cop_right: np.ndarray  # (n, 2)
    load_left: np.ndarray  # (n,) N
    load_right: np.ndarray
    total: np.ndarray      # (n,) N
    left_pct: np.ndarray   # (n,) %
    heel_pct_left: np.ndarray   # (n,) % of that foot's load on its heel sensor(s)
    heel_pct_right: np.ndarray


class CopModel:
    """Precomputed layout geometry so each block costs a few matrix products."""

    def __init__(self, layout, min_load_n: float = MIN_LOAD_UNCALIBRATED_N):
        self.layout = layout
        self.pos = layout.positions
        self.left = layout.mask(foot="left").astype(float)
        self.right = layout.mask(foot="right").astype(float)
        self.heel_l = layout.mask(foot="left", zone="heel").astype(float)
        self.heel_r = layout.mask(foot="right", zone="heel").astype(float)
        self.min_load_n = min_load_n

    def __call__(self, forces: np.ndarray) -> CopBlock:
        f = np.where(np.isfinite(forces), np.maximum(forces, 0.0), np.nan)
        fz = np.nan_to_num(f)
        # a frame with an unread channel has no trustworthy CoP
        bad = ~np.all(np.isfinite(f), axis=1)
        fl, fr = fz @ self.left, fz @ self.right
        total = fl + fr
        with np.errstate(invalid="ignore", divide="ignore"):
            mom_l = (fz * self.left) @ self.pos
            mom_r = (fz * self.right) @ self.pos
            cop_l = np.where((fl > 1e-9)[:, None], mom_l / fl[:, None], np.nan)
            cop_r = np.where((fr > 1e-9)[:, None], mom_r / fr[:, None], np.nan)
            cop = (mom_l + mom_r) / total[:, None]
            left_pct = 100.0 * fl / total
            heel_l = 100.0 * (fz @ self.heel_l) / fl
            heel_r = 100.0 * (fz @ self.heel_r) / fr
        off = (total < self.min_load_n) | bad
        cop[off] = np.nan
        left_pct[off] = np.nan
        heel_l[off | (fl <= 1e-9)] = np.nan
        heel_r[off | (fr <= 1e-9)] = np.nan
        total = np.where(bad, np.nan, total)
        return CopBlock(cop, cop_l, cop_r, fl, fr, total, left_pct, heel_l, heel_r)
