"""Target paths: the spiral of PRODUCT.md §1, derived from the layout (never hard-coded).

Waypoints: start foot first, then the other; within a foot by zone heel, outer, ball, toes
(reversed for the toes→heel direction). Each lies *inside* the sensor hull:
``waypoint = centre + amplitude × reach × unit(sensor − centre)`` where ``reach`` is the person's
shown reach in that direction (capped by the hull) or 70 % of the distance to the hull edge.
The loop is a periodic cubic spline through the waypoints, travelled at constant speed.

The mat's other geometry from the layout lives here too: the sensor hull (:func:`convex_hull`,
:func:`inside_hull`) and the foot outline (:func:`foot_outline`, placed by :func:`heel_x`) that
both the live view and the printed template draw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware.layout import ZONES

DEFAULT_AMPLITUDE = 0.60
DEFAULT_REACH_FRACTION = 0.70
ZONE_LABEL = {"heel": "heel", "outer": "outer ball", "ball": "ball", "toes": "toes"}


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise hull vertices (monotone chain)."""
    pts = sorted(map(tuple, np.asarray(points, float)))
    if len(pts) < 3:
        return np.array(pts)

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.array(lower[:-1] + upper[:-1])


def ray_to_hull(centre: np.ndarray, direction: np.ndarray, hull: np.ndarray) -> float:
    """Distance from ``centre`` (inside) along unit ``direction`` to the hull edge."""
    best = np.inf
    for i in range(len(hull)):
        a, b = hull[i], hull[(i + 1) % len(hull)]
        e = b - a
        m = np.array([[direction[0], -e[0]], [direction[1], -e[1]]])
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        s, u = np.linalg.solve(m, a - centre)
        if s > 1e-9 and -1e-9 <= u <= 1 + 1e-9:
            best = min(best, s)
    return float(best)


def inside_hull(points: np.ndarray, hull: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """True where points (n, 2) lie inside the CCW hull (by at least ``margin`` mm)."""
    pts = np.atleast_2d(points)
    ok = np.ones(len(pts), bool)
    for i in range(len(hull)):
        a, b = hull[i], hull[(i + 1) % len(hull)]
        e = b - a
        nrm = np.hypot(*e)
        cross = (e[0] * (pts[:, 1] - a[1]) - e[1] * (pts[:, 0] - a[0])) / nrm
        ok &= cross >= margin
    return ok


# Reference right foot, 260 mm long, heel centre at x = 85 mm: a smooth closed curve through
# these points (a foot outline, not a footprint: it includes the arch). Medial side is -x.
_REF_FOOT = [
    (85, 0), (104, 5), (117, 18), (121, 45), (124, 80), (128, 115), (133, 145), (137, 165),
    (135, 186), (128, 204), (120, 219), (108, 233), (93, 245), (78, 254), (64, 260), (52, 257),
    (45, 246), (42, 226), (42, 196), (46, 160), (53, 120), (55, 85), (55, 55), (57, 28), (66, 5),
]
_REF_LENGTH = 260.0
_REF_HEEL_X = 85.0


def foot_outline(foot_length_mm: float, heel_x_mm: float, side: str, samples: int = 10):
    """A foot outline (closed polygon, mm) of the given length with its heel centre at ``heel_x_mm``.

    The reference outline is scaled about its heel centre by ``foot_length_mm / 260`` — as
    ``reference_layout`` scales the sensors — and mirrored for the left foot. The back of the
    heel is at y = 0.
    """
    k = foot_length_mm / _REF_LENGTH
    sign = -1.0 if side == "left" else 1.0
    pts = [(sign * (abs(heel_x_mm) + (x - _REF_HEEL_X) * k), y * k) for x, y in _REF_FOOT]
    return tuple(_catmull_rom_closed(pts, samples))


def min_stance_mm(foot_length_mm: float) -> float:
    """The narrowest heel-centre distance (mm) at which two feet of this length just touch.

    Measured on the drawn outline (feet together, the inner edges at the balls touching); a
    narrower stance would put the feet on top of each other.
    """
    right = foot_outline(foot_length_mm, _REF_HEEL_X, "right")
    return 2 * (_REF_HEEL_X - min(x for x, _ in right))


def _catmull_rom_closed(pts, samples):
    n = len(pts)
    out = []
    for i in range(n):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[(i + 1) % n], pts[(i + 2) % n]
        for j in range(samples):
            t = j / samples
            t2, t3 = t * t, t * t * t
            out.append(tuple(round(0.5 * (2 * p1[a] + (-p0[a] + p2[a]) * t + (2 * p0[a] - 5 * p1[a] + 4 * p2[a] - p3[a]) * t2
                                          + (-p0[a] + 3 * p1[a] - 3 * p2[a] + p3[a]) * t3), 3) for a in (0, 1)))
    return out


def heel_x(layout, foot: str) -> float:
    """x of the foot's heel centre: its heel sensor, else its sensors' mean shifted like the reference."""
    sensors = [s for s in layout.sensors if s.foot == foot]
    heel = [s.x_mm for s in sensors if s.zone == "heel"]
    if heel:
        return sum(heel) / len(heel)
    k = layout.foot_length_mm / _REF_LENGTH
    mean = sum(s.x_mm for s in sensors) / len(sensors)
    return mean + (13.0 * k if foot == "right" else -13.0 * k)


def direction_name(v: np.ndarray) -> str:
    """The nearest of the 8 limits-of-stability directions (x right, y forward)."""
    names = ("right", "forward-right", "forward", "forward-left", "left", "back-left", "back", "back-right")
    ang = np.degrees(np.arctan2(v[1], v[0])) % 360
    return names[int(((ang + 22.5) % 360) // 45)]


@dataclass
class Waypoint:
    name: str        # sensor name
    label: str       # phase cue, e.g. "left heel"
    foot: str
    xy: np.ndarray
    reach_mm: float  # distance centre→waypoint / amplitude (the reach used)


@dataclass
class SpiralPath:
    waypoints: list[Waypoint]
    centre: np.ndarray
    period_s: float
    amplitude: float
    hull: np.ndarray
    _s: np.ndarray = None       # arc-length knots of the dense loop
    _xy: np.ndarray = None      # dense loop points
    _wp_s: np.ndarray = None    # arc length of each waypoint

    @property
    def length_mm(self) -> float:
        return float(self._s[-1])

    @property
    def mean_reach_mm(self) -> float:
        return float(np.mean([w.reach_mm for w in self.waypoints]))

    def position(self, t_active: np.ndarray) -> np.ndarray:
        """Target (n, 2) mm at active time(s) (s since the drill started, pauses excluded)."""
        t = np.atleast_1d(np.asarray(t_active, float))
        s = (np.mod(t, self.period_s) / self.period_s) * self._s[-1]
        return np.stack([np.interp(s, self._s, self._xy[:, 0]), np.interp(s, self._s, self._xy[:, 1])], axis=1)

    def phase_index(self, t_active: np.ndarray) -> np.ndarray:
        """Index of the waypoint being approached (the phase cue) at active time(s)."""
        t = np.atleast_1d(np.asarray(t_active, float))
        s = (np.mod(t, self.period_s) / self.period_s) * self._s[-1]
        # the phase of waypoint k runs from half-way after waypoint k-1 to half-way after k
        edges = self._phase_edges()
        return np.searchsorted(edges, s, side="right") % len(self.waypoints)

    def _phase_edges(self) -> np.ndarray:
        ws = self._wp_s
        nxt = np.append(ws[1:], self._s[-1])
        return (ws + nxt) / 2.0

    def waypoint_times(self) -> np.ndarray:
        """Active time within a loop at which each waypoint is reached."""
        return self._wp_s / self._s[-1] * self.period_s

    def dense(self, n: int = 400) -> np.ndarray:
        return self.position(np.linspace(0, self.period_s, n, endpoint=False))


def periodic_cubic(x: np.ndarray, y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The periodic cubic spline through knots ``x`` (n+1,) increasing and values ``y`` (n+1, d)
    with ``y[n] == y[0]``, evaluated at ``u`` — scipy's ``CubicSpline(bc_type="periodic")``,
    in numpy: the drill's path is built as the drill starts, and importing scipy.interpolate
    (~0.45 s) there would freeze the live view just as the person begins to move."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = x.size - 1
    if n < 2:
        raise ValueError("a periodic spline needs at least two segments")
    h = np.diff(x)
    slope = np.diff(y, axis=0) / h[:, None]                    # (n, d)
    # second derivatives M_0..M_{n-1} (M_n = M_0) from the periodic tridiagonal system
    A = np.zeros((n, n))
    for i in range(n):
        A[i, (i - 1) % n] += h[i - 1]
        A[i, i] += 2.0 * (h[i - 1] + h[i])
        A[i, (i + 1) % n] += h[i]
    rhs = 6.0 * (slope - np.roll(slope, 1, axis=0))
    M = np.linalg.solve(A, rhs)
    M = np.vstack([M, M[:1]])
    u = np.asarray(u, float)
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, n - 1)
    t0 = (x[i + 1] - u)[:, None]
    t1 = (u - x[i])[:, None]
    hi = h[i][:, None]
    return (M[i] * t0 ** 3 + M[i + 1] * t1 ** 3) / (6.0 * hi) + (y[i] / hi - M[i] * hi / 6.0) * t0 \
        + (y[i + 1] / hi - M[i + 1] * hi / 6.0) * t1


def spiral(layout, centre, *, amplitude: float = DEFAULT_AMPLITUDE, period_s: float = 12.0,
           direction: str = "heel-to-toes", start_foot: str = "left", reach_mm: dict | None = None,
           skip: tuple[int, ...] = ()) -> SpiralPath:
    """The spiral for ``layout`` around the quiet-standing ``centre`` (mm)."""
    if direction not in ("heel-to-toes", "toes-to-heel"):
        raise ValueError(f"direction {direction!r}")
    if start_foot not in ("left", "right"):
        raise ValueError(f"start_foot {start_foot!r}")
    centre = np.asarray(centre, float)
    pos = layout.positions
    hull = convex_hull(pos)
    order = ZONES if direction == "heel-to-toes" else tuple(reversed(ZONES))
    feet = (start_foot, "right" if start_foot == "left" else "left")
    wps = []
    for foot in feet:
        for zone in order:
            for i, s in enumerate(layout.sensors):
                if s.foot != foot or s.zone != zone:
                    continue
                d = pos[i] - centre
                u = d / np.hypot(*d)
                edge = ray_to_hull(centre, u, hull)
                reach = DEFAULT_REACH_FRACTION * edge
                if reach_mm:
                    shown = reach_mm.get(direction_name(u))
                    if shown:
                        reach = min(float(shown), edge)   # never beyond the hull
                wps.append(Waypoint(s.name, f"{foot} {ZONE_LABEL[zone]}", foot, centre + amplitude * reach * u, reach))
    if skip:
        wps = [w for k, w in enumerate(wps) if k not in skip]
    pts = np.array([w.xy for w in wps])
    closed = np.vstack([pts, pts[:1]])
    chord = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(closed, axis=0).T))])
    u = np.linspace(0, chord[-1], 2000)
    xy = periodic_cubic(chord, closed, u)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    wp_s = np.interp(chord[:-1], u, arc)
    return SpiralPath(wps, centre, float(period_s), float(amplitude), hull, arc, xy, wp_s)
