"""The spiral on the feet (PRODUCT.md §1): a share of body weight on the working foot and that
foot's own CoP rolling through its heel, (outer ball,) ball and toes zones.

- **Zones** are the person's own: each zone is ``c + roll × (p − c)``, where ``p`` is where that
  foot's CoP went in the calibration's lean onto that sensor and ``c`` the mean of those points
  (the range the foot covered). A calibration without those poses falls back to the layout's
  sensor positions (``FootZones.source`` says which). ``roll`` = 0.3 + amplitude (at most 0.95).
- **Share**: the working foot carries ``share`` % of body weight from its first zone to its last,
  easing through 50 % at each cross-over (a raised sine).
- **The other foot** stays on its rest point (half-way between its heel and ball zones), gliding
  from where its roll ended to where its next one starts while it is unloaded.
- **The whole-body path is derived**: ``share × working CoP + (1 − share) × other CoP``, so the
  two can never disagree. Backward excursion of the whole-body path is capped by the person's
  backward reach (the working foot's heel target moves forward until it fits).

One loop: the start foot's half (its zones at (j + ½)/m of the half), then the other foot's.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from firmware.layout import ZONES

from .targets import ZONE_LABEL, Waypoint, convex_hull

DEFAULT_SHARE_PCT = 70.0
VISIT_RADIUS_FRACTION = 0.45      # of the distance to the nearest other zone of that foot (< ½)
VISIT_RADIUS_MAX_MM = 25.0
_TABLE = 2400                     # samples of one loop in the lookup table
_SMALL = 8                        # active times looked up one by one in Python floats (a live block)


@dataclass
class FootZones:
    foot: str
    labels: list[str]            # e.g. "left heel"
    names: list[str]             # sensor names, in roll order
    xy: np.ndarray               # (m, 2) zone centres, mm
    radius_mm: np.ndarray        # (m,) visit radius of each zone
    rest: np.ndarray             # (2,) where the foot's CoP sits while the other foot works
    source: str                  # "calibration lean poses" or "layout sensor positions"


def foot_zones(layout, foot: str, *, direction: str = "heel-to-toes", amplitude: float = 0.6,
               lean_points: dict | None = None) -> FootZones:
    """The zones of ``foot`` in roll order. ``lean_points``: sensor name → the foot's CoP (x, y) in
    the calibration's lean onto that sensor (else the sensor positions are used)."""
    order = ZONES if direction == "heel-to-toes" else tuple(reversed(ZONES))
    sensors = [s for z in order for s in layout.sensors if s.foot == foot and s.zone == z]
    if not sensors:
        raise ValueError(f"the layout has no sensor on the {foot} foot")
    use_cal = bool(lean_points) and all(s.name in lean_points for s in sensors)
    pts = np.array([lean_points[s.name] if use_cal else (s.x_mm, s.y_mm) for s in sensors], float)
    roll = min(0.95, 0.3 + float(amplitude))
    c = pts.mean(axis=0)
    xy = c + roll * (pts - c)
    m = len(xy)
    radius = np.full(m, VISIT_RADIUS_MAX_MM)
    if m > 1:
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        radius = np.minimum(VISIT_RADIUS_MAX_MM, VISIT_RADIUS_FRACTION * d.min(axis=1))
    zone_of = {s.name: s.zone for s in sensors}
    heel = [k for k, s in enumerate(sensors) if s.zone == "heel"]
    ball = [k for k, s in enumerate(sensors) if s.zone == "ball"]
    rest = (xy[heel].mean(axis=0) + xy[ball].mean(axis=0)) / 2 if heel and ball else c
    return FootZones(foot, [f"{foot} {ZONE_LABEL[zone_of[s.name]]}" for s in sensors], [s.name for s in sensors],
                     xy, radius, rest, "calibration lean poses" if use_cal else "layout sensor positions")


def _raised(tau: np.ndarray, first: float) -> np.ndarray:
    """0 at the cross-overs (τ = 0, 1), 1 from ``first`` to 1 − ``first``, a sine in between."""
    return np.clip(np.sin(np.pi * np.clip(tau, 0, 1)) / np.sin(np.pi * first), 0.0, 1.0)


class FootSpiralPath:
    """The loop on the feet; ``position``/``phase_index``/``waypoints`` as the whole-body path."""

    def __init__(self, layout, centre, *, share_pct: float = DEFAULT_SHARE_PCT, amplitude: float = 0.6,
                 period_s: float = 12.0, direction: str = "heel-to-toes", start_foot: str = "left",
                 reach_mm: dict | None = None, lean_points: dict | None = None):
        if direction not in ("heel-to-toes", "toes-to-heel"):
            raise ValueError(f"direction {direction!r}")
        if start_foot not in ("left", "right"):
            raise ValueError(f"start_foot {start_foot!r}")
        self.centre = np.asarray(centre, float)
        self.period_s = float(period_s)
        self.amplitude = float(amplitude)
        self.share = float(share_pct) / 100.0
        self.start_foot = start_foot
        self.hull = convex_hull(layout.positions)
        other = "right" if start_foot == "left" else "left"
        self.feet = (start_foot, other)
        self.zones = {f: foot_zones(layout, f, direction=direction, amplitude=amplitude, lean_points=lean_points)
                      for f in self.feet}
        self.back_reach_mm = None
        if reach_mm and reach_mm.get("back"):
            self.back_reach_mm = float(reach_mm["back"])
        self._build_table()

    # -- construction ------------------------------------------------------------------------------
    def _half_knots(self, foot: str):
        """(τ knots, (k, 2) CoP knots, zone τs) of ``foot``'s own CoP over one loop (τ in loop
        fractions, periodic): its zones during its half, its rest point mid-way through the other."""
        z = self.zones[foot]
        m = len(z.xy)
        first = 0.0 if foot == self.feet[0] else 0.5
        taus = first + (np.arange(m) + 0.5) / m * 0.5
        kt = np.append(taus, np.mod(first + 0.75, 1.0))
        kx = np.vstack([z.xy, z.rest])
        return kt, kx, taus

    def _build_table(self):
        u = np.linspace(0.0, 1.0, _TABLE, endpoint=False)
        cops = {}
        self._wp_tau = []
        for foot in self.feet:
            kt, kx, taus = self._half_knots(foot)
            cops[foot] = np.column_stack([np.interp(u, kt, kx[:, 0], period=1.0),
                                          np.interp(u, kt, kx[:, 1], period=1.0)])
            self._wp_tau.extend(taus)
        m0 = len(self.zones[self.feet[0]].xy)
        m1 = len(self.zones[self.feet[1]].xy)
        tau0 = np.mod(u, 1.0) / 0.5          # start foot's half: 0..1 over u in [0, .5)
        w0 = np.where(u < 0.5, _raised(tau0, 0.5 / m0), 0.0)
        w1 = np.where(u >= 0.5, _raised(tau0 - 1.0, 0.5 / m1), 0.0)
        s0 = 0.5 + (self.share - 0.5) * (w0 - w1)      # share on the start foot
        wb = s0[:, None] * cops[self.feet[0]] + (1 - s0[:, None]) * cops[self.feet[1]]
        if self.back_reach_mm is not None:
            floor = self.centre[1] - self.back_reach_mm
            for f, sf in ((self.feet[0], s0), (self.feet[1], 1 - s0)):
                other = cops[self.feet[1] if f == self.feet[0] else self.feet[0]]
                low = wb[:, 1] < floor
                need = (floor - (1 - sf) * other[:, 1]) / np.maximum(sf, 1e-9)
                move = low & (sf >= 0.5)
                cops[f][move, 1] = np.maximum(cops[f][move, 1], need[move])
                wb = s0[:, None] * cops[self.feet[0]] + (1 - s0[:, None]) * cops[self.feet[1]]
        self._u = u
        self._s0 = s0
        self._cops = cops
        self._wb = wb
        self._wb_cols = (np.ascontiguousarray(wb[:, 0]), np.ascontiguousarray(wb[:, 1]))
        self._wp_tau = np.array(self._wp_tau)
        self.waypoints = []
        for foot, taus in ((self.feet[0], self._wp_tau[:m0]), (self.feet[1], self._wp_tau[m0:])):
            z = self.zones[foot]
            for k, tau in enumerate(taus):
                xy = self._lookup(self._wb, np.array([tau * self.period_s]))[0]
                reach = float(np.hypot(*(xy - self.centre))) / max(self.amplitude, 1e-9)
                self.waypoints.append(Waypoint(z.names[k], z.labels[k], foot, xy, reach))
        edges = (self._wp_tau + np.append(self._wp_tau[1:], 1.0 + self._wp_tau[0])) / 2
        self._edges = edges
        self._edges_list = edges.tolist()
        self._edges_wrap = float(edges[-1] - 1.0)

    def _lookup(self, table: np.ndarray, a) -> np.ndarray:
        a = np.atleast_1d(np.asarray(a, float))
        if 0 < a.size <= _SMALL and a.ndim == 1:
            return self._lookup_small(table, a)
        return self._lookup_numpy(table, a)

    def _lookup_small(self, table: np.ndarray, a: np.ndarray) -> np.ndarray:
        """:meth:`_lookup` of a few active times (the live loop's block, the view's one frame) in
        Python floats: the same IEEE operations in the same order, so the same bits, without a
        dozen numpy calls on 1-3 rows. A time that is not finite goes the numpy way."""
        period = self.period_s
        rows = []
        for v in a.tolist():
            if not math.isfinite(v):
                return self._lookup_numpy(table, a)
            x = ((v / period) % 1.0) * _TABLE
            fl = math.floor(x)
            f = x - fl
            i0 = fl % _TABLE
            i1 = (i0 + 1) % _TABLE
            g = 1 - f
            if table.ndim == 1:
                rows.append(table[i0] * g + table[i1] * f)
            else:
                r0, r1 = table[i0], table[i1]
                rows.append((r0[0] * g + r1[0] * f, r0[1] * g + r1[1] * f))
        return np.array(rows, dtype=float)

    def _lookup_numpy(self, table: np.ndarray, a: np.ndarray) -> np.ndarray:
        x = np.mod(a / self.period_s, 1.0) * _TABLE
        fl = np.floor(x)
        i0 = fl.astype(int) % _TABLE
        f = x - fl
        i1 = (i0 + 1) % _TABLE
        if table.ndim == 1:
            return table[i0] * (1 - f) + table[i1] * f
        return table[i0] * (1 - f)[:, None] + table[i1] * f[:, None]

    # -- the interface the drill and the scorer use ------------------------------------------------
    @property
    def mean_reach_mm(self) -> float:
        """Mean distance of the whole-body waypoints from the centre (the loop's size), mm."""
        return float(np.mean([np.hypot(*(w.xy - self.centre)) for w in self.waypoints]))

    @property
    def length_mm(self) -> float:
        d = np.diff(np.vstack([self._wb, self._wb[:1]]), axis=0)
        return float(np.sum(np.hypot(*d.T)))

    def position(self, a) -> np.ndarray:
        """The whole-body target (n, 2) mm at active time(s) ``a``."""
        return self._lookup(self._wb, a)

    def position_xy(self, a) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`position`'s two columns (x, y), each its own array of ``a``'s shape (the lag
        search asks for an (n, lags) block at once): the same values, by the same operations
        element by element."""
        a = np.atleast_1d(np.asarray(a, float))
        x = np.mod(a / self.period_s, 1.0) * _TABLE
        fl = np.floor(x)
        i0 = fl.astype(int) % _TABLE
        f = x - fl
        i1 = (i0 + 1) % _TABLE
        g = 1 - f
        tx, ty = self._wb_cols
        return tx[i0] * g + tx[i1] * f, ty[i0] * g + ty[i1] * f

    def share_on(self, foot: str, a) -> np.ndarray:
        """Fraction (0..1) of body weight the target puts on ``foot``."""
        s0 = self._lookup(self._s0, a)
        return s0 if foot == self.feet[0] else 1.0 - s0

    def foot_cop(self, foot: str, a) -> np.ndarray:
        """That foot's own CoP target (n, 2) mm."""
        return self._lookup(self._cops[foot], a)

    def working_foot(self, a) -> np.ndarray:
        """The working foot's name at active time(s) ``a``."""
        half = np.mod(np.atleast_1d(np.asarray(a, float)) / self.period_s, 1.0) >= 0.5
        return np.where(half, self.feet[1], self.feet[0])

    def phase_index(self, a) -> np.ndarray:
        """Index of the waypoint being approached (the cue) at active time(s)."""
        a = np.atleast_1d(np.asarray(a, float))
        if 0 < a.size <= _SMALL and a.ndim == 1 and np.isfinite(a).all():
            # a live block in Python floats (the same operations, so the same indices)
            edges, wrap, period, m = self._edges_list, self._edges_wrap, self.period_s, len(self.waypoints)
            out = []
            for v in a.tolist():
                tau = (v / period) % 1.0
                out.append(bisect.bisect_right(edges, tau + 1.0 if tau < wrap else tau) % m)
            return np.array(out, dtype=np.intp)
        tau = np.mod(a / self.period_s, 1.0)
        tau = np.where(tau < self._edges[-1] - 1.0, tau + 1.0, tau)
        return np.searchsorted(self._edges, tau, side="right") % len(self.waypoints)

    def waypoint_times(self) -> np.ndarray:
        return self._wp_tau * self.period_s

    def dense(self, n: int = 400) -> np.ndarray:
        return self.position(np.linspace(0, self.period_s, n, endpoint=False))

    def zone_of(self, k: int):
        """(foot, zone index within the foot) of waypoint ``k``."""
        m0 = len(self.zones[self.feet[0]].xy)
        return (self.feet[0], k) if k < m0 else (self.feet[1], k - m0)
