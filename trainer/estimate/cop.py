"""Centre of pressure, left/right share and zone loads from calibrated forces (METRICS.md).

Pure functions over blocks of frames. CoP = Σ Fᵢ·rᵢ / Σ Fᵢ; per foot the same over that foot's
sensors; whole-body CoP = (F_L·CoP_L + F_R·CoP_R)/(F_L + F_R) (identical to the pooled sum).
Below ``min_load_n`` CoP is undefined: NaN, never (0, 0).

Unread channels (NaN forces) are never counted as 0 N: the whole-body CoP, total and
``left_pct`` of such a frame are NaN, and so are the load, CoP and heel share of the foot the
channel belongs to — the other foot's stay defined. A foot whose sensors all read carries its
load even when that is 0 N (the lifted foot of ``one-leg``), so ``left_pct`` stays defined; only
its CoP and heel share are NaN below :data:`FOOT_COP_MIN_N`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_LOAD_FRACTION = 0.20   # of body weight: below it nobody is (really) on the mat
MIN_LOAD_UNCALIBRATED_N = 5.0
# A foot's own CoP (and heel share) needs this much load on that foot. A foot that is lifted or
# barely touching still reads a few newtons of tare noise, creep and a toe brushing the mat; a
# ratio Σ Fᵢ·rᵢ / Σ Fᵢ of such noise jumps anywhere across the foot (a 2 N foot gave a CoP), so
# below it the foot's CoP is NaN. Its *load* is kept (0 N is a real answer).
FOOT_COP_MIN_N = 5.0

# Where the load a disc stands for is, across the foot (fractions of the layout's foot length,
# toward the foot's outer border). The heel disc sits under the heel's centre, but the ball disc
# sits under the first metatarsal head and the toe disc under the hallux, on the foot's inner
# column, while the load they stand for is carried by all five metatarsal heads and all five toes:
# its centre lies under the second and third. With heel, ball and toe in one line, side-to-side CoP
# within a foot is not observable from the discs (HARDWARE.md), so this is a prior from the foot's
# proportions, not a measurement: the forefoot is about 0.4 of the foot's length wide and the
# centre of its load about a quarter of that width (≈ 0.095 of the length, 25 mm on a 260 mm foot)
# lateral of the first metatarsal head; the toes' about 0.075 (20 mm) lateral of the hallux (half
# the toes' load is the hallux's). A foot with a disc on its outer border (the 8-sensor layout's
# `outer`, under the fifth metatarsal) sees the forefoot's spread itself: its discs keep their
# places (moved, default-8's realistic side-to-side error went 10.2 -> 10.7 mm).
#
# Measured on the bench's sessions (10 realistic default-6 mats, 2 sessions each; 5 ideal): with the
# discs' own positions each foot's CoP reads 13-15 mm toward the other foot standing, 21-26 mm
# rolled onto its ball or toes, 2-5 mm on its heel; with these positions 0-2 mm. Whole-body
# side-to-side RMS: realistic 13.3 -> 11.0 mm, ideal 7.7 -> 3.4 mm (front-back, load and share
# unchanged). Not the default: the drills' foot zones are the discs' positions
# (trainer.drills.feet), and with the zones moved out by these offsets too, a simulated person who
# aims their true CoP at them puts their load on the outer metatarsal heads no disc covers: the
# mat read them light ("holding on" raised twice in the reference spiral of
# tests/trainer/estimate) and the loop's tracking error grew from 17 to 27 mm. A real person
# follows the drawn CoP, not a target in their own foot; which of the two the product should
# assume is open (issue 22's note). ``Estimator(cop_positions="load")`` and the accuracy bench's
# variant ``cop_load_positions`` use them.
LOAD_OFFSET_FRACTION = {"ball": 0.095, "toes": 0.075}


def load_positions(layout) -> np.ndarray:
    """(S, 2) mm: where the load each disc stands for is centred (:data:`LOAD_OFFSET_FRACTION`):
    the disc's position moved toward its foot's outer border (−x on the left foot, +x on the
    right)."""
    pos = np.array(layout.positions, float)
    outer = {s.foot for s in layout.sensors if s.zone == "outer"}
    for i, s in enumerate(layout.sensors):
        frac = LOAD_OFFSET_FRACTION.get(s.zone, 0.0)
        if frac and s.foot in ("left", "right") and s.foot not in outer:
            pos[i, 0] += (-1.0 if s.foot == "left" else 1.0) * frac * float(layout.foot_length_mm)
    return pos


def on_heels(heel_pct_left, heel_pct_right, load_left, load_right, heel_fraction: float,
             foot_fraction: float) -> np.ndarray:
    """Each frame: every foot that carries at least ``foot_fraction`` of the load read has at least
    ``heel_fraction`` of its own load on its heel (from each foot's heel share, %, and load). The
    main foot rolled onto its ball or toes fails it; a foot carrying less does not count. False
    where the feet carry nothing."""
    ll, lr = np.nan_to_num(np.asarray(load_left, float)), np.nan_to_num(np.asarray(load_right, float))
    tot = ll + lr
    ok = tot > 0
    for pct, load in ((heel_pct_left, ll), (heel_pct_right, lr)):
        with np.errstate(invalid="ignore"):
            ok &= (load < foot_fraction * tot) | (np.asarray(pct, float) >= 100.0 * heel_fraction)
    return ok


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

    def __init__(self, layout, min_load_n: float = MIN_LOAD_UNCALIBRATED_N, positions=None):
        self.layout = layout
        # each disc's position, or where the load it stands for is (``load_positions``)
        self.pos = layout.positions if positions is None else np.asarray(positions, float)
        self.left = layout.mask(foot="left").astype(float)
        self.right = layout.mask(foot="right").astype(float)
        self.heel_l = layout.mask(foot="left", zone="heel").astype(float)
        self.heel_r = layout.mask(foot="right", zone="heel").astype(float)
        self.min_load_n = min_load_n

    def _sums(self, forces: np.ndarray):
        """The sums both passes share: the forces as counted (negative → 0, unread → 0), which
        frames have an unread channel, the total and the moments of each foot."""
        read = np.isfinite(forces)
        fz = np.where(read, np.maximum(forces, 0.0), 0.0)     # NaN and ±inf are unread: 0 in the sums
        unread = ~read
        # a frame with an unread channel has no trustworthy whole-body CoP, total or share
        bad = unread.any(axis=1)
        total = fz @ (self.left + self.right)
        mom_l = (fz * self.left) @ self.pos
        mom_r = (fz * self.right) @ self.pos
        return fz, unread, bad, total, mom_l, mom_r

    def whole_body(self, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Only the whole-body CoP (n, 2) and total (n,) of :meth:`__call__` (the same numbers,
        bit for bit): what the stillness detector reads, at about half the cost."""
        _, _, bad, total, mom_l, mom_r = self._sums(forces)
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = (mom_l + mom_r) / total[:, None]
        cop[(total < self.min_load_n) | bad] = np.nan
        return cop, np.where(bad, np.nan, total)

    def __call__(self, forces: np.ndarray) -> CopBlock:
        fz, unread, bad, total, mom_l, mom_r = self._sums(forces)
        # ... and a foot with an unread channel no trustworthy load (never "that channel is 0 N")
        bad_l = (unread @ self.left) > 0
        bad_r = (unread @ self.right) > 0
        fl = np.where(bad_l, np.nan, fz @ self.left)
        fr = np.where(bad_r, np.nan, fz @ self.right)
        with np.errstate(invalid="ignore", divide="ignore"):
            # NaN-safe comparisons: an unread foot (NaN load) is below any threshold
            on_l = fl >= FOOT_COP_MIN_N
            on_r = fr >= FOOT_COP_MIN_N
            cop_l = np.where(on_l[:, None], mom_l / fl[:, None], np.nan)
            cop_r = np.where(on_r[:, None], mom_r / fr[:, None], np.nan)
            cop = (mom_l + mom_r) / total[:, None]
            left_pct = 100.0 * fl / total
            heel_l = 100.0 * (fz @ self.heel_l) / fl
            heel_r = 100.0 * (fz @ self.heel_r) / fr
        empty = total < self.min_load_n
        off = empty | bad
        cop[off] = np.nan
        left_pct[off] = np.nan
        heel_l[empty | ~on_l] = np.nan      # ~on_l includes a left channel unread
        heel_r[empty | ~on_r] = np.nan
        total = np.where(bad, np.nan, total)
        return CopBlock(cop, cop_l, cop_r, fl, fr, total, left_pct, heel_l, heel_r)


def from_force_columns(columns: dict, layout):
    """The :class:`CopBlock` of recorded forces: ``columns`` maps names to arrays (a session's or a
    trace's numeric columns) and holds each sensor's force as ``<name>_n``; None when one is missing.
    What the report pages and ``footmat score`` derive each foot's load and CoP from, as the
    estimator computes them."""
    names = [f"{n}_n" for n in layout.names]
    if not all(c in columns for c in names):
        return None
    return CopModel(layout)(np.column_stack([np.asarray(columns[c], float) for c in names]))

