"""Physics of the simulated mat: where a person's load falls on the foot, what each FSR feels,
how an FSR answers, the divider and the ADC.

The load of each foot is spread over seven plantar regions (heel, lateral midfoot, outer border
/ 5th metatarsal head, 1st–2nd and 3rd–4th metatarsal heads, hallux, lesser toes), each a 2-D
Gaussian pressure blob. Some of that load falls where no sensor is (midfoot, lesser toes, outer
border on the 6-sensor mat), so the sensors' CoP is *not* the true CoP — as on a real mat. The
region weights that put a foot's CoP at a requested point come from exponential tilting of the
quiet-standing weights (a smooth, monotone map that cannot leave the foot).

Two FSR models: :class:`PublishedFSRBank` (every scenario but ``ideal``, see
:mod:`firmware.sim.scenarios`) follows the FSR 402 points Adafruit's FSR guide tabulates, with
parts that differ in shape, creep growing with log-time and load, hysteresis and a slow drift;
:class:`FSRBank` (``ideal``, the former simulator) is a saturating rational curve G = s·k·F/(1 + F/Fk) above an actuation
threshold, with per-part spread s, hysteresis and creep — deliberately *not* the power law the
calibration fits (ARCHITECTURE.md, seam 2).
"""
from __future__ import annotations

import numpy as np

try:       # the ufunc np.clip calls, without its Python wrappers (same result, a fraction of the cost)
    from numpy._core.umath import clip as _clip
except ImportError:  # pragma: no cover - older numpy
    _clip = np.clip

G_ACCEL = 9.80665
# Regions of the right foot on the 260 mm reference foot (mm, same frame as the reference
# layout): centre x, centre y, sigma x, sigma y, share of the foot's load in quiet standing.
REGIONS = np.array([
    # x      y     sx    sy    share
    [85.0,   35.0, 16.0, 16.0, 0.46],   # heel
    [110.0, 105.0, 12.0, 28.0, 0.07],   # lateral midfoot (no sensor)
    [120.0, 165.0, 11.0, 13.0, 0.08],   # outer border / 5th met head (8-sensor layout only)
    [70.0,  185.0, 11.0, 11.0, 0.12],   # 1st-2nd met heads (ball sensor)
    [95.0,  178.0, 13.0, 11.0, 0.11],   # 3rd-4th met heads
    [60.0,  235.0,  9.0, 10.0, 0.06],   # hallux (toe sensor)
    [95.0,  225.0, 16.0,  9.0, 0.04],   # lesser toes
])
TOE_REGIONS = (5, 6)                 # hallux, lesser toes: what a toe grip presses down
GRIP_TOE_GAIN = 3.0                  # full grip: toe regions carry (1 + gain) x their share …
GRIP_FLOOR = 0.3                     # … taken from the midfoot and metatarsal heads (never below 30 %)
FSR_ACTIVE_DIAMETER_MM = 12.7        # FSR 402
FSR_ACTIVE_AREA_MM2 = np.pi * (FSR_ACTIVE_DIAMETER_MM / 2) ** 2


class FootGeometry:
    """Region centres and spreads for both feet, placed where the layout expects the feet.

    ``aim`` (2, R, 2): the centres on the layout's reference foot, in the layout's place — what
    a person aims their load with (a target CoP is a point of the reference foot); ``centres``:
    where the regions really are (the same unless :meth:`placed`); ``share`` (R,) the quiet-standing
    share of each region (a person's arch changes it)."""

    def __init__(self, layout):
        k = layout.foot_length_mm / 260.0
        pos = layout.positions
        self.centres = np.zeros((2, len(REGIONS), 2))
        self.sigmas = np.zeros((2, len(REGIONS), 2))
        self.heel_x = np.zeros(2)
        for f, foot in enumerate(("left", "right")):
            sign = -1.0 if foot == "left" else 1.0
            m = layout.mask(foot=foot)
            heel = layout.mask(foot=foot, zone="heel")
            # the foot sits where its heel sensor is (or, without one, where the foot's sensors are)
            hx = abs(pos[heel, 0].mean()) if heel.any() else abs(pos[m, 0].mean()) + 15 * k
            self.heel_x[f] = sign * hx
            self.centres[f, :, 0] = sign * (hx + (REGIONS[:, 0] - 85.0) * k)
            self.centres[f, :, 1] = REGIONS[:, 1] * k
            self.sigmas[f] = REGIONS[:, 2:4] * k
        self.share = REGIONS[:, 4] / REGIONS[:, 4].sum()
        self.foot_length_mm = layout.foot_length_mm
        self.aim = self.centres

    def natural_cop(self) -> np.ndarray:
        """Quiet-standing CoP of each foot (2, 2) where the person aims it (the reference foot)."""
        return np.einsum("r,frk->fk", self.share, self.aim)

    def placed(self, *, foot_length_mm: float | None = None, midfoot_share: float | None = None,
               covered_only: np.ndarray | None = None, shift: np.ndarray | None = None,
               rot_deg: np.ndarray | None = None) -> "FootGeometry":
        """This geometry for a person's own feet where they landed: ``foot_length_mm`` scales the
        regions from the back of the heel (the heel stop, y = 0); ``midfoot_share`` is the
        lateral midfoot's share of the foot's load (the arch: the other regions give or take it
        in proportion); ``covered_only`` (R,) bool zeroes the load of the other regions;
        ``shift`` (2, 2) mm (across, along for the left and right foot; across is outwards) and
        ``rot_deg`` (2,) (toes outwards positive) move each foot about its heel centre.
        ``aim`` stays the reference foot's: the person still aims at the layout's points."""
        g = FootGeometry.__new__(FootGeometry)
        g.aim = self.aim
        g.foot_length_mm = self.foot_length_mm if foot_length_mm is None else foot_length_mm
        r = g.foot_length_mm / self.foot_length_mm
        heel = np.stack([self.heel_x, np.zeros(2)], axis=1)[:, None, :]        # (2, 1, 2) back of heel
        c = heel + (self.centres - heel) * r
        g.sigmas = self.sigmas * r
        share = self.share.copy()
        if midfoot_share is not None:
            rest = 1.0 - share[1]
            share = share * (1.0 - midfoot_share) / rest
            share[1] = midfoot_share
        if covered_only is not None:
            share = np.where(covered_only, share, 1e-9)
        g.share = share / share.sum()
        hc = c[:, 0, :]                                                         # heel centres (2, 2)
        for f, sign in ((0, -1.0), (1, 1.0)):
            if rot_deg is not None:
                a = np.deg2rad(rot_deg[f]) * sign * -1.0     # toes outwards: left foot turns anticlockwise
                rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
                c[f] = hc[f] + (c[f] - hc[f]) @ rot.T
            if shift is not None:
                c[f, :, 0] += sign * shift[f, 0]
                c[f, :, 1] += shift[f, 1]
        g.centres = c
        g.heel_x = c[:, 0, 0]
        return g

    def covered(self, layout, radius_mm: float = 20.0) -> np.ndarray:
        """(R,) True for the regions with a sensor of the foot within ``radius_mm`` of their
        centre on both feet (the covered zones; the rest is load no sensor sees)."""
        pos = layout.positions
        out = np.ones(len(self.share), bool)
        for f, foot in enumerate(("left", "right")):
            p = pos[layout.mask(foot=foot)]
            d = np.linalg.norm(self.aim[f][:, None, :] - p[None, :, :], axis=2).min(axis=1)
            out &= d <= radius_mm
        return out


def tilt_weights(centres: np.ndarray, base: np.ndarray, ty: np.ndarray, tx: np.ndarray | None = None,
                 iters: int = 12) -> np.ndarray:
    """Region weights (n, R) whose mean position is (tx, ty), by exponential tilting of ``base``.

    centres (R, 2) mm; ty, tx (n,) targets. With ``tx`` None only y is matched (x follows).
    Targets beyond the foot are approached as closely as the foot allows.
    """
    cy, cx, logb, ty = _tilt_axes(centres, base, ty)
    return _tilt_groups(cy, logb, centres[:, 1], ty, [(cx, centres[:, 0], tx, iters, ty.shape[0])])


def _tilt_axes(centres: np.ndarray, base: np.ndarray, ty: np.ndarray):
    """The scaled axes of a foot's regions, the log of the base weights and ``ty`` clipped to
    where the foot reaches (what every tilt of that foot starts from)."""
    cy = (centres[:, 1] - centres[:, 1].mean()) / 100.0
    cx = (centres[:, 0] - centres[:, 0].mean()) / 30.0
    logb = np.log(base)
    lo, hi = centres[:, 1].min() + 1.0, centres[:, 1].max() - 1.0
    return cy, cx, logb, _clip(ty, lo, hi)


TILT_TOL = 1e-9     # a tilt has converged when no row's Newton step moves it by more than this


def _tilt_groups(cy: np.ndarray, logb: np.ndarray, ceny: np.ndarray, ty: np.ndarray, groups,
                 start=None, final: list | None = None) -> np.ndarray:
    """Exponential tilting of several groups of rows in one loop (the arithmetic of each row is
    that of :func:`tilt_weights` on its own group: same operations, same order).

    ``groups``: (cx, cenx, tx or None, iters, rows): first the front-back-only groups (``tx``
    None), then the joint ones; all share ``cy``, ``logb`` and ``ceny`` (one foot's front-back
    axis; the feet share it) and ``ty`` (N,) holds every group's (clipped) targets one after the
    other. Each group iterates Newton steps until none of its rows moves by more than
    :data:`TILT_TOL` (Newton converges quadratically: the step after that one is below 1e-15),
    at most ``iters`` times. ``start``: (lam, mu) (N,) to start each row from (a neighbouring
    solution: a few steps instead of ten), else 0; ``final``, a list, receives the (lam, mu)
    reached. A row's numbers depend only on its own target and start, to rounding (the loop
    runs until every group of the call has converged)."""
    n = ty.shape[0]
    lam = np.zeros(n) if start is None else np.array(start[0], float)
    mu = np.zeros(n) if start is None else np.array(start[1], float)
    cxr = np.empty((n, cy.shape[0]))
    cy2 = cy ** 2
    spec = []
    a = 0
    kinds = [tx is not None for _, _, tx, _, _ in groups]
    assert kinds == sorted(kinds), "the front-back-only groups come first"
    for cx, cenx, tx, iters, rows in groups:
        cxr[a:a + rows] = cx
        spec.append((a, a + rows, cx, cenx, tx, iters, None if tx is None else (cx ** 2, cx * cy)))
        a += rows
    joint = [g for g in spec if g[4] is not None]
    j0 = joint[0][0] if joint else n                       # the joint rows are the last ones
    if joint:
        jspec = [(ga - j0, gb - j0, ga, gb, (cx, cx2, cxcy, cenx)) for ga, gb, cx, cenx, _, _, (cx2, cxcy) in joint]
        tx = joint[0][4] if len(joint) == 1 else np.concatenate([g[4] for g in joint])
        xs = [np.empty(n - j0) for _ in range(4)]          # each joint group's x products, in place
    amax, add = np.maximum.reduce, np.add.reduce           # what ndarray.max / .sum call
    done = [False] * len(spec)
    it = 0
    s = 0
    while not all(done):
        s = min(spec[done.index(False)][0], j0)            # rows of finished groups before it rest
        j = j0 - s
        lam_s, mu_s = lam[s:], mu[s:]
        z = logb + lam_s[:, None] * cy + mu_s[:, None] * cxr[s:]
        z -= amax(z, axis=1, keepdims=True)
        w = np.exp(z)
        w /= add(w, axis=1, keepdims=True)
        wcy = w @ cy
        vy = w @ cy2 - wcy ** 2
        ry = ty[s:] - (w @ ceny)
        step = np.zeros(n)
        if j > 0:                                          # front-back only
            dl = _clip(ry[:j] / 100.0 / np.maximum(vy[:j], 1e-6), -4, 4)
            lam_s[:j] += dl
            step[s:j0] = np.abs(dl)
        if joint:
            # each group's products with its own foot's x axis, then the rest on all joint rows
            for ga, gb, wa, wb, vecs in jspec:
                wg = w[wa - s:wb - s]
                for out, v in zip(xs, vecs):
                    np.matmul(wg, v, out=out[ga:gb])
            wcx, wcx2, wcxcy, mx = xs
            vx = wcx2 - wcx ** 2
            cxy = wcxcy - wcx * wcy[j:]
            rx = tx - mx
            vyj, ryj = vy[j:], ry[j:]
            det = np.maximum(vyj * vx - cxy ** 2, 1e-9)
            # Newton step on the 2x2 covariance (the Jacobian of the tilted mean)
            dl = _clip((vx * ryj / 100.0 - cxy * rx / 30.0) / det, -4, 4)
            dm = _clip((vyj * rx / 30.0 - cxy * ryj / 100.0) / det, -4, 4)
            lam_s[j:] += dl
            mu_s[j:] += dm
            step[j0:] = np.maximum(np.abs(dl), np.abs(dm))
        _clip(lam_s, -40, 40, out=lam_s)
        _clip(mu_s, -40, 40, out=mu_s)
        it += 1
        for k, (ga, gb, _, _, _, iters, _) in enumerate(spec):
            if not done[k] and ga >= s and (gb == ga or it >= iters or amax(step[ga:gb]) <= TILT_TOL):
                done[k] = True
    if final is not None:
        final.append((lam, mu))
    z = logb + lam[:, None] * cy + mu[:, None] * cxr
    z -= z.max(axis=1, keepdims=True)
    w = np.exp(z)
    return w / w.sum(axis=1, keepdims=True)


def _both_feet(aim: np.ndarray, base: np.ndarray, n: int):
    """When both feet's tilts can run in one loop with the numbers each gets alone — two rows or
    more (a one-row matrix-vector product rounds differently) and the feet's regions at the same
    front-back places (the reference foot's, always) — (cy, logb, (cx left, cx right)) and a
    function clipping a ``ty`` to the foot; else None."""
    if n < 2 or aim[0][:, 1].tobytes() != aim[1][:, 1].tobytes():
        return None
    cy, cx0, logb, _ = _tilt_axes(aim[0], base, np.zeros(0))
    cx1 = _tilt_axes(aim[1], base, np.zeros(0))[1]
    return cy, logb, (cx0, cx1), lambda ty: _tilt_axes(aim[0], base, ty)[3]


def _warm_start(geom, key: str, groups: int, n: int, warm: int):
    """Where the tilts of ``groups`` groups of ``n`` rows start: the first ``warm`` groups (the
    front-back-only ones) at their last row of the previous call on this geometry (the same
    person a few milliseconds earlier: two or three Newton steps from there instead of nine from
    nothing); the joint ones, and every group on the first call, from 0. (A joint tilt does not
    always converge — some points of a foot are beyond its reach — and where it does not, where
    it stops depends on where it started: it starts where it always has.)"""
    last = geom.__dict__.get("_tilt_warm", {}).get(key)
    if last is None:
        return None
    lam = np.zeros(groups * n)
    # a tilt pressed against its bounds (a target the foot cannot reach) is no place to start from
    lam[:warm * n] = np.repeat(np.where(np.abs(last) < 20.0, last, 0.0), n)
    return lam, np.zeros(groups * n)


def _keep_warm(geom, key: str, final: list, warm: int, n: int) -> None:
    lam, _ = final[0]
    geom.__dict__.setdefault("_tilt_warm", {})[key] = lam[np.arange(1, warm + 1) * n - 1]


def _median(d: np.ndarray) -> float:
    """``float(np.median(d))`` of a 1-D array of numbers without NaN, without np.median's
    overheads: the middle value, or the two middle ones added and halved (as np.median does)."""
    s = np.sort(d)
    m = s.shape[0] // 2
    return float(s[m]) if s.shape[0] % 2 else float((s[m - 1] + s[m]) / 2.0)


def apply_grip(w: np.ndarray, grip: np.ndarray) -> np.ndarray:
    """Region weights (n, R) of one foot with the toes gripping the floor (grip (n,) 0..1).

    The toe regions gain ``GRIP_TOE_GAIN x grip`` of their weight, taken from the midfoot and
    metatarsal heads (scaled down, never below ``GRIP_FLOOR`` of their weight); the heel keeps its
    load, so a toe press raises toe load while the heel stays loaded (METRICS.md, toe press)."""
    g = np.clip(grip, 0.0, 1.0)[:, None]
    toes = np.zeros(w.shape[1], bool)
    toes[list(TOE_REGIONS)] = True
    mid = ~toes
    mid[0] = False                                   # region 0 is the heel
    extra = (w[:, toes] * GRIP_TOE_GAIN * g).sum(axis=1)
    avail = w[:, mid].sum(axis=1) * (1.0 - GRIP_FLOOR)
    take = np.minimum(extra, avail)
    out = w.copy()
    scale_t = np.where(extra > 0, take / np.where(extra > 0, extra, 1.0), 0.0)
    out[:, toes] = w[:, toes] * (1.0 + GRIP_TOE_GAIN * g * scale_t[:, None])
    msum = w[:, mid].sum(axis=1)
    out[:, mid] = w[:, mid] * (1.0 - take / np.where(msum > 0, msum, 1.0))[:, None]
    return out


def foot_loads(geom: FootGeometry, cop: np.ndarray, load_n: np.ndarray):
    """Region loads (n, 2, R) in N for a desired whole-body CoP (n, 2) and total load (n,).

    ``cop`` may carry a third column, the toe grip (0..1) of both feet (see :func:`apply_grip`).
    Returns (region_loads, true_cop (n, 2), true_load (n,)).
    """
    if hasattr(cop, "left_share"):
        return feet_loads(geom, cop, load_n)
    grip = None
    if cop.ndim == 2 and cop.shape[1] > 2:
        grip = cop[:, 2]
        cop = cop[:, :2]
    n = cop.shape[0]
    ty = cop[:, 1]
    w = np.empty((n, 2, len(geom.share)))
    natx = np.empty((n, 2))
    aim = geom.aim
    both = _both_feet(aim, geom.share, n)
    if both is not None:                      # both feet in one loop (the same numbers)
        cy, logb, cxs, clip_ty = both
        tyc = clip_ty(ty)
        fin = []
        wy = _tilt_groups(cy, logb, aim[0][:, 1], np.concatenate([tyc, tyc]),
                          [(cxs[f], aim[f][:, 0], None, 12, n) for f in range(2)],
                          start=_warm_start(geom, "body", 2, n, 2), final=fin)
        _keep_warm(geom, "body", fin, 2, n)
        w[:, 0], w[:, 1] = wy[:n], wy[n:]
    else:
        for f in range(2):
            w[:, f] = tilt_weights(aim[f], geom.share, ty)
    for f in range(2):
        natx[:, f] = w[:, f] @ aim[f, :, 0]
    span = natx[:, 1] - natx[:, 0]
    frac_left = np.clip((natx[:, 1] - cop[:, 0]) / np.where(span > 1, span, 1.0), 0.0, 1.0)
    # Leaning past a foot's natural line: all weight on that foot, its CoP pushed sideways.
    for f, side in ((0, frac_left >= 1.0), (1, frac_left <= 0.0)):
        if side.any():
            w2 = tilt_weights(aim[f], geom.share, ty[side], cop[side, 0])
            # where the foot cannot reach that point, keep the forward position it can reach
            ok = np.abs(w2 @ aim[f, :, 1] - w[side, f] @ aim[f, :, 1]) < 3.0
            idx = np.flatnonzero(side)[ok]
            w[idx, f] = w2[ok]
    if grip is not None and np.any(grip > 0):
        for f in range(2):
            w[:, f] = apply_grip(w[:, f], grip)
    fr = np.stack([frac_left, 1.0 - frac_left], axis=1)
    region = w * (fr * load_n[:, None])[:, :, None]
    total = region.sum(axis=(1, 2))
    pos = np.einsum("nfr,frk->nk", region, geom.centres)
    with np.errstate(invalid="ignore", divide="ignore"):
        true_cop = np.where(total[:, None] > 1e-9, pos / total[:, None], np.nan)
    return region, true_cop, total


def feet_loads(geom: FootGeometry, target, load_n: np.ndarray):
    """Region loads (n, 2, R) for a per-foot target (:class:`firmware.sim.person.FootTarget`):
    ``left_share`` of ``load_n`` on the left foot, each foot's load spread so that its CoP is the
    target's (as near as that foot allows), toe grip applied. Same returns as :func:`foot_loads`."""
    n = len(target)
    w = np.empty((n, 2, len(geom.share)))
    cops = (target.left_cop, target.right_cop)
    aim = geom.aim
    both = _both_feet(aim, geom.share, n)
    if both is not None:
        # the four tilts below (each foot, front-back only and joint) in one loop: the same numbers
        cy, logb, cxs, clip_ty = both
        tys = [clip_ty(c[:, 1]) for c in cops]
        fin = []
        wa = _tilt_groups(cy, logb, aim[0][:, 1], np.concatenate(tys + tys),
                          [(cxs[f], aim[f][:, 0], None, 12, n) for f in range(2)]
                          + [(cxs[f], aim[f][:, 0], cops[f][:, 0], 16, n) for f in range(2)],
                          start=_warm_start(geom, "feet", 4, n, 2), final=fin)
        _keep_warm(geom, "feet", fin, 2, n)
    for f, c in enumerate(cops):
        cen = aim[f]
        if both is not None:
            wy, wj = wa[f * n:(f + 1) * n], wa[(2 + f) * n:(3 + f) * n]
        else:
            wy = tilt_weights(cen, geom.share, c[:, 1])             # front-back only: always converges
            wj = tilt_weights(cen, geom.share, c[:, 1], c[:, 0], iters=16)
        # the joint tilt can fail near the foot's edge: keep it only where it lands closer
        ey = np.abs(wy @ cen[:, 1] - c[:, 1]) + 0.3 * np.abs(wy @ cen[:, 0] - c[:, 0])
        ej = np.abs(wj @ cen[:, 1] - c[:, 1]) + 0.3 * np.abs(wj @ cen[:, 0] - c[:, 0])
        w[:, f] = np.where((ej < ey)[:, None], wj, wy)
    if target.grip is not None and np.any(target.grip > 0):
        for f in range(2):
            w[:, f] = apply_grip(w[:, f], target.grip)
    fr = np.stack([target.left_share, 1.0 - target.left_share], axis=1)
    region = w * (fr * load_n[:, None])[:, :, None]
    total = region.sum(axis=(1, 2))
    pos = np.einsum("nfr,frk->nk", region, geom.centres)
    with np.errstate(invalid="ignore", divide="ignore"):
        true_cop = np.where(total[:, None] > 1e-9, pos / total[:, None], np.nan)
    return region, true_cop, total


def sensor_forces(geom: FootGeometry, layout, region: np.ndarray) -> np.ndarray:
    """Force (n, S) in N each FSR feels: the pressure field averaged over its active disc."""
    out = np.empty((region.shape[0], len(layout.sensors)))
    for i, (f, v) in enumerate(_disc_weights(geom, layout)):
        out[:, i] = region[:, f, :] @ v
    return out


def _disc_weights(geom: FootGeometry, layout) -> list:
    """(foot, (R,) N per N of each region's load) for each sensor of ``layout`` on ``geom``: the
    share of a region's Gaussian pressure that falls on the sensor's active disc. A function of
    the geometry and the layout alone, computed once per pair (kept on the geometry)."""
    cache = geom.__dict__.setdefault("_disc_weights", {})
    hit = cache.get(id(layout))
    if hit is not None and hit[0] is layout and hit[1] == (geom.centres.tobytes(), geom.sigmas.tobytes()):
        return hit[2]
    pos = layout.positions
    feet = np.array([0 if s.foot == "left" else 1 for s in layout.sensors])
    a2 = (FSR_ACTIVE_DIAMETER_MM / 2) ** 2 / 4.0  # variance of a uniform disc along one axis
    out = []
    for p, f in zip(pos, feet):
        sx2 = geom.sigmas[f, :, 0] ** 2 + a2
        sy2 = geom.sigmas[f, :, 1] ** 2 + a2
        d = geom.centres[f] - p
        dens = np.exp(-0.5 * (d[:, 0] ** 2 / sx2 + d[:, 1] ** 2 / sy2)) / (2 * np.pi * np.sqrt(sx2 * sy2))
        out.append((f, dens * FSR_ACTIVE_AREA_MM2))
    cache[id(layout)] = (layout, (geom.centres.tobytes(), geom.sigmas.tobytes()), out)
    return out


class FSRBank:
    """The FSRs of a mat: per-part spread, hysteresis and creep (stateful), then the divider.

    ``conductance`` in siemens; ``volts`` at the ADC input. Hysteresis and creep depend on the
    recent load history, kept as low-passed states updated with the true time step.
    """

    K_S_PER_N = 80e-6      # Interlink-like slope, ~80 µS/N at light load
    F_KNEE_N = 25.0        # saturation knee
    F_ACT_N = 0.2          # actuation threshold

    def __init__(self, layout, rng: np.random.Generator, spread: float = 0.25, hysteresis: float = 0.05,
                 creep: float = 0.08, noise_v: float = 0.0004):
        n = len(layout.sensors)
        self.gain = rng.uniform(1 - spread, 1 + spread, n) if spread > 0 else np.ones(n)
        self.hysteresis = hysteresis
        self.creep = creep
        self.noise_v = noise_v
        self.rng = rng
        self.vcc = layout.adc.vcc
        self.rm = layout.divider_ohms()
        self.bleed_s = 1.0 / layout.adc.bleed_ohms if layout.adc.bleed_ohms else 0.0
        self._slow = np.zeros(n)   # ~1 s low-pass of force (hysteresis)
        self._load_time = np.zeros(n)  # ~60 s low-pass of "loaded" (creep)
        self._t = None

    def nominal_conductance(self, force: np.ndarray) -> np.ndarray:
        fe = np.maximum(force - self.F_ACT_N, 0.0)
        return self.K_S_PER_N * fe / (1.0 + fe / self.F_KNEE_N)

    def _lowpass(self, x: np.ndarray, t: np.ndarray, state: np.ndarray, tau: float) -> np.ndarray:
        """First-order low-pass of x (n, S) along time, continuing from ``state``."""
        out = np.empty_like(x)
        prev_t = self._t if self._t is not None else t[0]
        if x.shape[0] > 8:
            from ..dsp import iir1
            dt = max(_median(np.diff(t)), 1e-6)
            a = 1.0 - np.exp(-dt / tau)
            a0 = 1.0 - np.exp(-max(t[0] - prev_t, 0.0) / tau)
            first = state + a0 * (x[0] - state)
            out[0] = first
            out[1:] = iir1(a * x[1:], 1.0 - a, first)
        else:
            s = state.copy()
            for k in range(x.shape[0]):
                a = 1.0 - np.exp(-max(t[k] - prev_t, 0.0) / tau)
                s += a * (x[k] - s)
                out[k] = s
                prev_t = t[k]
        state[:] = out[-1]
        return out

    def volts(self, force: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = self.nominal_conductance(force) * self.gain
        if self.hysteresis or self.creep:
            slow = self._lowpass(force, t, self._slow, 1.0)
            loaded = self._lowpass((force > 1.0).astype(float), t, self._load_time, 60.0)
            # unloading reads high, loading low (≈ ±hysteresis); creep raises G under sustained load
            g = g * (1.0 + self.hysteresis * np.tanh((slow - force) / 2.0)) * (1.0 + self.creep * loaded)
        self._t = float(t[-1])
        gt = g + self.bleed_s
        rg = self.rm * gt
        v = self.vcc * rg / (1.0 + rg)
        if self.noise_v:
            v = v + self.rng.normal(0.0, self.noise_v, v.shape)
        return np.clip(v, 0.0, self.vcc)


# -- the published FSR 402 curve --------------------------------------------------------------
# Adafruit's FSR guide tabulates an Interlink FSR 402's resistance at four forces (HARDWARE.md,
# "Published curve points"): 0.2 N -> 30 kΩ, 1 N -> 6 kΩ, 10 N -> 1 kΩ, 100 N -> 250 Ω.
PUBLISHED_POINTS_N_OHM = ((0.2, 30e3), (1.0, 6e3), (10.0, 1e3), (100.0, 250.0))
# A smoothly broken power law through those four points, G = G1·F^P1 / (1 + F/FS)^(P1 − P2):
# exponent P1 at light load flattening to P2 above the knee FS. Its four constants are the exact
# solution through the four points above (least squares on log G, residual < 1e-6) — nothing
# else: not the calibration model, not the former simulator.
PUB_G1_S = 2.0799e-4        # S at 1 N before the knee term (from the four points)
PUB_P1 = 1.1052             # light-load exponent (from the four points)
PUB_P2 = 0.5643             # exponent above the knee: the flattening above ~10 N (from the four points)
PUB_FS_N = 1.9764           # knee force (from the four points)
# Below its break force an FSR is switch-like (HARDWARE.md: "above ~100 kΩ the response is
# switch-like"; actuation ≈ 0.2 N, Interlink datasheet): the conductance is multiplied by
# 1 − exp(−(F/Fb)^BREAK_SHARPNESS). The sharpness is this simulator's choice (not published).
BREAK_SHARPNESS = 3.0
# Creep: "drift < 5 % per decade of time under constant load" (Interlink) — and an FSR 406 lost
# 12 % of its resistance from 5 s to 60 s under 100 g (HARDWARE.md): a scenario's
# creep_per_decade is the rise at CREEP_REF_N, growing with load as (F/CREEP_REF_N)^CREEP_LOAD_EXP
# (the growth with load is this simulator's assumption; capped at 1.5× the reference).
CREEP_REF_N = 20.0          # the 402's nominal top of range (Interlink datasheet)
CREEP_LOAD_EXP = 0.5
CREEP_T0_S = 1.0            # creep counts decades from 1 s under load
CREEP_RECOVER_S = 20.0      # unloaded, the creep state relaxes with this time constant (assumption)
LOADED_N = 1.0              # a part counts as loaded above 1 N
# Drift over a session: temperature changes the response by −5 to −15 % (Interlink); a foot
# warms the parts over minutes. Each part drifts by its own fraction (scenario drift_sd, mean
# −drift_sd) with this time constant (assumption).
DRIFT_TAU_S = 600.0


def published_conductance(force: np.ndarray) -> np.ndarray:
    """Conductance (S) of the nominal FSR 402 at ``force`` (N), the curve through the published
    points (no break force)."""
    f = np.maximum(np.asarray(force, float), 0.0)
    return PUB_G1_S * f ** PUB_P1 / (1.0 + f / PUB_FS_N) ** (PUB_P1 - PUB_P2)


class PublishedFSRBank:
    """The FSRs of a mat after the published FSR 402 curve, each part with its own shape.

    Per part, drawn from ``rng`` with the scenario's spreads: a scale (log-normal), the two
    exponents (relative normal), the saturation knee (log-normal) and the break force
    (log-normal around ``break_n``); the scenario's ``sensitivity`` scales every part. States
    (updated with the true time step, like the real parts): hysteresis on a 1 s low-pass of the
    force, creep growing with the logarithm of the time under load and with the load, relaxing
    when unloaded, and a drift over the session. ``repeat`` (per part) is the gain redrawn at
    each step-on by the mat (:meth:`new_step`). Same interface as :class:`FSRBank`.
    """

    def __init__(self, layout, rng: np.random.Generator, scenario):
        n = len(layout.sensors)
        sc = scenario
        self.scenario = sc
        self.rng = rng
        self.scale = sc.sensitivity * np.exp(rng.normal(0.0, sc.scale_sd, n) - sc.scale_sd ** 2 / 2)
        self.p1 = PUB_P1 * (1.0 + rng.normal(0.0, sc.exponent_sd, n))
        self.p2 = np.minimum(PUB_P2 * (1.0 + rng.normal(0.0, sc.exponent_sd, n)), self.p1)
        self.fs = PUB_FS_N * np.exp(rng.normal(0.0, sc.sat_sd, n))
        self.fb = sc.break_n * np.exp(rng.normal(0.0, sc.break_sd, n))
        self.creep = np.maximum(sc.creep_per_decade * (1.0 + rng.normal(0.0, 0.3, n)), 0.0) if sc.creep_per_decade else np.zeros(n)
        self.drift = rng.normal(-sc.drift_sd, sc.drift_sd, n) if sc.drift_sd else np.zeros(n)
        self.repeat = np.ones(n)
        self.hysteresis = sc.hysteresis
        self.noise_v = sc.noise_v
        self.vcc = layout.adc.vcc
        self.rm = layout.divider_ohms()
        self.bleed_s = 1.0 / layout.adc.bleed_ohms if layout.adc.bleed_ohms else 0.0
        self.gain = self.scale          # what a "sensitivity" of each part is, for tests
        self._slow = np.zeros(n)
        self._loaded_s = np.zeros(n)
        self._t = None
        self._t0 = None

    def new_step(self) -> None:
        """A step-on: the parts' repeatability (±repeat_sd) is drawn again."""
        sd = self.scenario.repeat_sd
        self.repeat = 1.0 + self.rng.normal(0.0, sd, self.repeat.shape) if sd else np.ones_like(self.repeat)

    def nominal_conductance(self, force: np.ndarray) -> np.ndarray:
        """Each part's conductance (S) at ``force`` (n, S) without creep, hysteresis or drift."""
        f = np.maximum(np.asarray(force, float), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = self.scale * PUB_G1_S * f ** self.p1 / (1.0 + f / self.fs) ** (self.p1 - self.p2)
            brk = 1.0 - np.exp(-(f / self.fb) ** BREAK_SHARPNESS)
        return np.nan_to_num(g * brk)

    def _loaded_time(self, force: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Seconds under load (n, S): grows by dt while loaded, relaxes (CREEP_RECOVER_S) when not.
        The linear recurrence L_k = a_k·L_(k−1) + b_k solved in closed form, in chunks."""
        out = np.empty_like(force)
        prev_t = self._t if self._t is not None else t[0]
        dt = np.diff(np.concatenate([[prev_t], t]))
        dt = np.maximum(dt, 0.0)
        loaded = force > LOADED_N
        state = self._loaded_s.copy()
        for a in range(0, len(t), 2000):
            sl = slice(a, a + 2000)
            la = np.where(loaded[sl], 0.0, -dt[sl, None] / CREEP_RECOVER_S)    # log a_k
            b = np.where(loaded[sl], dt[sl, None], 0.0)
            cum = np.cumsum(la, axis=0)
            acc = np.cumsum(b * np.exp(-cum), axis=0)
            out[sl] = np.exp(cum) * (state + acc)
            state = out[sl][-1]
        self._loaded_s[:] = state
        return out

    def volts(self, force: np.ndarray, t: np.ndarray) -> np.ndarray:
        force = np.asarray(force, float)
        t = np.asarray(t, float)
        if self._t0 is None:
            self._t0 = float(t[0])
        g = self.nominal_conductance(force) * self.repeat
        if self.hysteresis:
            slow = FSRBank._lowpass(self, force, t, self._slow, 1.0)
            # unloading reads high, loading low (≈ ±hysteresis: Interlink's "≈ +10 %" between them)
            g = g * (1.0 + self.hysteresis * np.tanh((slow - force) / 2.0))
        if np.any(self.creep):
            ls = self._loaded_time(force, t)
            load = np.minimum((np.maximum(force, 0.0) / CREEP_REF_N) ** CREEP_LOAD_EXP, 1.5)
            g = g * (1.0 + self.creep * load * np.log10(1.0 + ls / CREEP_T0_S))
        if np.any(self.drift):
            g = g * (1.0 + self.drift * (1.0 - np.exp(-(t[:, None] - self._t0) / DRIFT_TAU_S)))
        self._t = float(t[-1])
        gt = g + self.bleed_s
        rg = self.rm * gt
        v = self.vcc * rg / (1.0 + rg)
        if self.noise_v:
            v = v + self.rng.normal(0.0, self.noise_v, v.shape)
        return np.clip(v, 0.0, self.vcc)


def to_codes(volts: np.ndarray, adc) -> np.ndarray:
    """ADC codes for input volts (quantisation and input limits of the layout's ADC)."""
    # the ADS1115 rounds to the nearest code; the MCP3008's SAR truncates (floor)
    codes = np.rint(volts / adc.volts_per_code) if adc.type == "ads1115" else np.floor(volts / adc.volts_per_code)
    lo = -32768 if adc.type == "ads1115" else 0
    return np.clip(codes, lo, adc.max_code)
