"""Physics of the simulated mat: where a person's load falls on the foot, what each FSR feels,
how an FSR answers, the divider and the ADC.

The load of each foot is spread over seven plantar regions (heel, lateral midfoot, outer border
/ 5th metatarsal head, 1st–2nd and 3rd–4th metatarsal heads, hallux, lesser toes), each a 2-D
Gaussian pressure blob. Some of that load falls where no sensor is (midfoot, lesser toes, outer
border on the 6-sensor mat), so the sensors' CoP is *not* the true CoP — as on a real mat. The
region weights that put a foot's CoP at a requested point come from exponential tilting of the
quiet-standing weights (a smooth, monotone map that cannot leave the foot).

The FSR answer is a saturating rational curve G = s·k·F/(1 + F/Fk) above an actuation
threshold, with per-part spread s, hysteresis and creep — deliberately *not* the power law the
calibration fits (ARCHITECTURE.md, seam 2).
"""
from __future__ import annotations

import numpy as np

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
    """Region centres and spreads for both feet, placed where the layout expects the feet."""

    def __init__(self, layout):
        k = layout.foot_length_mm / 260.0
        pos = layout.positions
        self.centres = np.zeros((2, len(REGIONS), 2))
        self.sigmas = np.zeros((2, len(REGIONS), 2))
        for f, foot in enumerate(("left", "right")):
            sign = -1.0 if foot == "left" else 1.0
            m = layout.mask(foot=foot)
            heel = layout.mask(foot=foot, zone="heel")
            # the foot sits where its heel sensor is (or, without one, where the foot's sensors are)
            hx = abs(pos[heel, 0].mean()) if heel.any() else abs(pos[m, 0].mean()) + 15 * k
            self.centres[f, :, 0] = sign * (hx + (REGIONS[:, 0] - 85.0) * k)
            self.centres[f, :, 1] = REGIONS[:, 1] * k
            self.sigmas[f] = REGIONS[:, 2:4] * k
        self.share = REGIONS[:, 4] / REGIONS[:, 4].sum()
        self.foot_length_mm = layout.foot_length_mm

    def natural_cop(self) -> np.ndarray:
        """Quiet-standing CoP of each foot (2, 2)."""
        return np.einsum("r,frk->fk", self.share, self.centres)


def tilt_weights(centres: np.ndarray, base: np.ndarray, ty: np.ndarray, tx: np.ndarray | None = None,
                 iters: int = 12) -> np.ndarray:
    """Region weights (n, R) whose mean position is (tx, ty), by exponential tilting of ``base``.

    centres (R, 2) mm; ty, tx (n,) targets. With ``tx`` None only y is matched (x follows).
    Targets beyond the foot are approached as closely as the foot allows.
    """
    n = ty.shape[0]
    cy = (centres[:, 1] - centres[:, 1].mean()) / 100.0
    cx = (centres[:, 0] - centres[:, 0].mean()) / 30.0
    lam = np.zeros(n)
    mu = np.zeros(n)
    logb = np.log(base)
    lo, hi = centres[:, 1].min() + 1.0, centres[:, 1].max() - 1.0
    ty = np.clip(ty, lo, hi)
    for _ in range(iters):
        z = logb + lam[:, None] * cy + mu[:, None] * cx
        z -= z.max(axis=1, keepdims=True)
        w = np.exp(z)
        w /= w.sum(axis=1, keepdims=True)
        my = w @ centres[:, 1]
        vy = w @ cy ** 2 - (w @ cy) ** 2
        ry = ty - my
        if tx is None:
            lam += np.clip(ry / 100.0 / np.maximum(vy, 1e-6), -4, 4)
        else:
            mx = w @ centres[:, 0]
            vx = w @ cx ** 2 - (w @ cx) ** 2
            cxy = w @ (cx * cy) - (w @ cx) * (w @ cy)
            rx = tx - mx
            det = np.maximum(vy * vx - cxy ** 2, 1e-9)
            # Newton step on the 2x2 covariance (the Jacobian of the tilted mean)
            dl = (vx * ry / 100.0 - cxy * rx / 30.0) / det
            dm = (vy * rx / 30.0 - cxy * ry / 100.0) / det
            lam += np.clip(dl, -4, 4)
            mu += np.clip(dm, -4, 4)
        lam = np.clip(lam, -40, 40)
        mu = np.clip(mu, -40, 40)
    z = logb + lam[:, None] * cy + mu[:, None] * cx
    z -= z.max(axis=1, keepdims=True)
    w = np.exp(z)
    return w / w.sum(axis=1, keepdims=True)


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
    for f in range(2):
        w[:, f] = tilt_weights(geom.centres[f], geom.share, ty)
        natx[:, f] = w[:, f] @ geom.centres[f, :, 0]
    span = natx[:, 1] - natx[:, 0]
    frac_left = np.clip((natx[:, 1] - cop[:, 0]) / np.where(span > 1, span, 1.0), 0.0, 1.0)
    # Leaning past a foot's natural line: all weight on that foot, its CoP pushed sideways.
    for f, side in ((0, frac_left >= 1.0), (1, frac_left <= 0.0)):
        if side.any():
            w2 = tilt_weights(geom.centres[f], geom.share, ty[side], cop[side, 0])
            # where the foot cannot reach that point, keep the forward position it can reach
            ok = np.abs(w2 @ geom.centres[f, :, 1] - w[side, f] @ geom.centres[f, :, 1]) < 3.0
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
    for f, c in enumerate((target.left_cop, target.right_cop)):
        cen = geom.centres[f]
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
    pos = layout.positions
    feet = np.array([0 if s.foot == "left" else 1 for s in layout.sensors])
    a2 = (FSR_ACTIVE_DIAMETER_MM / 2) ** 2 / 4.0  # variance of a uniform disc along one axis
    out = np.empty((region.shape[0], len(pos)))
    for i, (p, f) in enumerate(zip(pos, feet)):
        sx2 = geom.sigmas[f, :, 0] ** 2 + a2
        sy2 = geom.sigmas[f, :, 1] ** 2 + a2
        d = geom.centres[f] - p
        dens = np.exp(-0.5 * (d[:, 0] ** 2 / sx2 + d[:, 1] ** 2 / sy2)) / (2 * np.pi * np.sqrt(sx2 * sy2))
        out[:, i] = region[:, f, :] @ (dens * FSR_ACTIVE_AREA_MM2)
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
            dt = max(float(np.median(np.diff(t))), 1e-6)
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


def to_codes(volts: np.ndarray, adc) -> np.ndarray:
    """ADC codes for input volts (quantisation and input limits of the layout's ADC)."""
    # the ADS1115 rounds to the nearest code; the MCP3008's SAR truncates (floor)
    codes = np.rint(volts / adc.volts_per_code) if adc.type == "ads1115" else np.floor(volts / adc.volts_per_code)
    lo = -32768 if adc.type == "ads1115" else 0
    return np.clip(codes, lo, adc.max_code)
