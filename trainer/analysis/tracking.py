"""Tracking a periodic target path (METRICS.md, "Tracking a target path" and "Tracking measures
added in turn 2"): pure functions over CoP and target series.

Per loop (one period of ``n`` frames, active time ``t``): RMS error, gain and phase per axis at
that axis's harmonic, the lag as a phase searched over ±½ period (flagged when pinned at the
edge), a direction verdict, SPARC smoothness. Over the session (several loops): magnitude-squared
coherence at each axis's harmonic, inter-loop phase coherence against its Rayleigh threshold, and
the "following at all" F-test. Every figure's method is in ``METHODS``.
"""
from __future__ import annotations

import numpy as np

LAG_STEPS = 120                  # lag candidates on each side of 0 (½ period / 120 apart)
LAG_CHUNK = 8                    # lags searched together (an (n, 8) array: fewer, larger steps, in cache)
HARMONIC = {"x": 1, "y": 2}      # a figure-eight: left-right once a loop, heel-toes twice
F_NEIGHBOURS = 2                 # K = 2 × F_NEIGHBOURS bins: f ± 1/T, f ± 2/T
F_ALPHA = 0.05
RAYLEIGH_ALPHA = 0.05
MIN_LOOPS = {"coherence": 3, "phase_coherence": 3, "following": 3}

METHODS = {
    "rms_mm": "sqrt(mean |CoP - target|^2) over the loop's running frames with a CoP (mm)",
    "rms_pct_reach": "rms_mm / the loop's size (mean distance of the whole-body waypoints from the centre) x 100",
    "gain_phase": "per axis at its harmonic of the loop frequency f0 (x: f0, y: 2 f0): gain = |X_cop(f)|/|X_target(f)|, "
                  "phase = arg X_cop(f) - arg X_target(f) in degrees (a lag is negative), and the same in seconds "
                  "(phase / 360 / f); X = the loop's discrete Fourier coefficient, the loop's mean removed",
    "lag": "argmax over lags -P/2..P/2 (P/240 steps) of the summed per-axis Pearson correlation between CoP(t) and "
           "target(t - lag); lag_phase_deg = 360 lag / P; a lag within one step of the edge is flagged "
           "(lag_pinned) and its lag_ms is null",
    "lag_ms": "the lag of `lag` in ms (null when pinned); lag_phase_deg the same as a phase of the loop",
    "rms_lag_corrected_mm": "rms of CoP(t) - target(t - lag) (the unshifted target when the lag is pinned)",
    "direction": "the best correlation with the path forwards vs the path run backwards (target(-t - lag), "
                 "every lag): 'right way round' when forwards is larger by > 0.1 and > 1 (the sum of the two axes' "
                 "correlations: both must follow), 'wrong way round' when backwards is, else 'unclear'",
    "sparc": "spectral arc length of the CoP speed profile (Balasubramanian 2015; CoP 5 Hz low-passed): fc 10 Hz, "
             "amplitude threshold 0.05, zero padding 4; sparc_target the same for the target",
    "wing_asymmetry": "|a - b|/(a + b) of the CoP path lengths (5 Hz low-passed) during the left-foot "
                      "and right-foot phases of the loop",
    "coherence": f"magnitude-squared coherence of CoP and target at each axis's harmonic, the loops as segments: "
                 f"|sum_k C_k T_k*|^2 / (sum|C_k|^2 sum|T_k|^2); null below {MIN_LOOPS['coherence']} loops",
    "phase_coherence": f"inter-loop phase coherence R = |mean_k exp(i phase_k)| of each axis's phase; Rayleigh test "
                       f"p = exp(sqrt(1 + 4N + 4(N^2 - N^2 R^2)) - (1 + 2N)) (Zar 2010), above chance when p < "
                       f"{RAYLEIGH_ALPHA}; chance_level = the R where p = {RAYLEIGH_ALPHA}; null below "
                       f"{MIN_LOOPS['phase_coherence']} loops",
    "following": f"F-test of the CoP power at each axis's harmonic over the whole window (T = whole loops) against "
                 f"the mean of K = {2 * F_NEIGHBOURS} neighbouring bins (f +- 1/T, +- 2/T), F(2, 2K), alpha "
                 f"{F_ALPHA}; following = both axes significant; null below {MIN_LOOPS['following']} loops",
}


def rms(a: np.ndarray, b: np.ndarray) -> float:
    d = np.sum((a - b) ** 2, axis=1)
    d = d[np.isfinite(d)]
    return float(np.sqrt(d.mean())) if d.size else float("nan")


def sparc(speed: np.ndarray, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05) -> float:
    """Spectral arc length of a speed profile (Balasubramanian et al. 2015)."""
    speed = np.asarray(speed, float)
    speed = speed[np.isfinite(speed)]
    if speed.size < 8 or not np.any(speed > 0):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(len(speed))) + padlevel))
    f = np.arange(0, fs, fs / nfft)
    mag = np.abs(np.fft.fft(speed, nfft))
    mag = mag / mag.max()
    sel = f <= fc
    f, mag = f[sel], mag[sel]
    above = np.flatnonzero(mag >= amp_th)
    if above.size == 0:
        return float("nan")
    f, mag = f[above[0]:above[-1] + 1], mag[above[0]:above[-1] + 1]
    df = np.diff(f) / (f[-1] - f[0]) if f[-1] > f[0] else np.zeros(len(f) - 1)
    return float(-np.sum(np.sqrt(df ** 2 + np.diff(mag) ** 2)))


def lowpass(x: np.ndarray, fs: float, fc: float = 5.0) -> np.ndarray:
    from scipy.signal import butter, filtfilt

    ok = np.all(np.isfinite(x), axis=1)
    out = np.full_like(x, np.nan)
    if ok.sum() > 15:
        b, a = butter(2, fc, fs=fs)
        out[ok] = filtfilt(b, a, x[ok], axis=0)
    return out


def path_sparc(xy: np.ndarray, fs: float) -> float:
    sm = lowpass(xy, fs, 5.0)
    return sparc(np.hypot(*np.diff(sm, axis=0).T) * fs, fs)


def fourier(t: np.ndarray, x: np.ndarray, freq: float) -> complex:
    """The mean-removed Fourier coefficient of ``x(t)`` at ``freq`` (frames with a value only)."""
    ok = np.isfinite(x)
    if ok.sum() < 8:
        return complex("nan")
    xv = x[ok] - x[ok].mean()
    return complex(np.mean(xv * np.exp(-2j * np.pi * freq * t[ok])))


def gain_phase(t: np.ndarray, cop: np.ndarray, target: np.ndarray, period_s: float) -> dict:
    """Per axis: harmonic, gain, phase (deg) and the phase as seconds at that harmonic."""
    out = {}
    for ax, h in HARMONIC.items():
        i = 0 if ax == "x" else 1
        f = h / period_s
        c, g = fourier(t, cop[:, i], f), fourier(t, target[:, i], f)
        if not (np.isfinite(c) and np.isfinite(g)) or abs(g) == 0:
            out[ax] = {"harmonic": h, "gain": None, "phase_deg": None, "phase_s": None}
            continue
        ph = float(np.degrees(np.angle(c / g)))
        out[ax] = {"harmonic": h, "gain": round(abs(c) / abs(g), 3), "phase_deg": round(ph, 1),
                   "phase_s": round(ph / 360.0 / f, 3)}
    return out


def _corr(c: np.ndarray, g: np.ndarray) -> float:
    c = c - c.mean(axis=0)
    g = g - g.mean(axis=0)
    den = np.linalg.norm(c, axis=0) * np.linalg.norm(g, axis=0)
    return float(np.sum((c * g).sum(axis=0) / np.maximum(den, 1e-12)))


def lag_search(t: np.ndarray, cop: np.ndarray, target_fn, period_s: float, reverse: bool = False,
               target_xy=None):
    """(lag s, best summed correlation, pinned) over lags −P/2..P/2; ``reverse`` runs the path backwards.
    ``target_xy``: ``target_fn``'s two columns as their own arrays (the same values), when the
    path has them: each lag's sums are then worked out on contiguous columns, in the same order."""
    ok = np.all(np.isfinite(cop), axis=1)
    if ok.sum() < 20:
        return float("nan"), float("nan"), False
    t, c = t[ok], cop[ok]
    step = period_s / 2 / LAG_STEPS
    lags = np.arange(-LAG_STEPS, LAG_STEPS + 1) * step
    # _corr at every lag, the CoP's side (centred, its norm) worked out once instead of at each lag
    c = c - c.mean(axis=0)
    c_norm = np.linalg.norm(c, axis=0)
    tt = -t if reverse else t
    vals = np.empty(len(lags))
    if target_xy is not None:
        # LAG_CHUNK lags at a time, one column each: (n, L) arrays summed over their rows, which
        # numpy adds row by row, as .sum/.mean/norm(axis=0) add the (n, 2) arrays of the loop
        # below (never pairwise: a chunk has two columns or more) — the same numbers, lag by lag
        cx, cy = c[:, 0:1], c[:, 1:2]
        n = len(tt)
        for k0 in range(0, len(lags), LAG_CHUNK):
            k1 = min(k0 + LAG_CHUNK, len(lags))
            k0 = min(k0, k1 - 2)
            gx, gy = target_xy(tt[:, None] - lags[None, k0:k1])
            gx = gx - gx.sum(axis=0) / n
            gy = gy - gy.sum(axis=0) / n
            vals[k0:k1] = ((cx * gx).sum(axis=0) / np.maximum(c_norm[0] * np.sqrt((gx * gx).sum(axis=0)), 1e-12)
                           + (cy * gy).sum(axis=0) / np.maximum(c_norm[1] * np.sqrt((gy * gy).sum(axis=0)), 1e-12))
        k = int(np.argmax(vals))
        pinned = k <= 0 or k >= len(lags) - 1
        return float(lags[k]), float(vals[k]), bool(pinned)
    for i, lag in enumerate(lags):
        g = target_fn(tt - lag)
        g = g - g.mean(axis=0)
        den = c_norm * np.linalg.norm(g, axis=0)
        vals[i] = float(np.sum((c * g).sum(axis=0) / np.maximum(den, 1e-12)))
    k = int(np.argmax(vals))
    pinned = k <= 0 or k >= len(lags) - 1
    return float(lags[k]), float(vals[k]), bool(pinned)


def direction_verdict(fwd: float, rev: float) -> str:
    if not (np.isfinite(fwd) and np.isfinite(rev)):
        return "unclear"
    if fwd > rev + 0.1 and fwd > 1.0:
        return "right way round"
    if rev > fwd + 0.1 and rev > 1.0:
        return "wrong way round"
    return "unclear"


def coherence(coefs: list[tuple[complex, complex]]) -> float | None:
    """Magnitude-squared coherence from per-loop (CoP, target) coefficients at one frequency."""
    pairs = [(c, g) for c, g in coefs if np.isfinite(c) and np.isfinite(g)]
    if len(pairs) < MIN_LOOPS["coherence"]:
        return None
    c = np.array([p[0] for p in pairs])
    g = np.array([p[1] for p in pairs])
    den = np.sum(abs(c) ** 2) * np.sum(abs(g) ** 2)
    return round(float(abs(np.sum(c * np.conj(g))) ** 2 / den), 3) if den > 0 else None


def rayleigh_p(r: float, n: int) -> float:
    """P-value of a mean resultant length ``r`` of ``n`` angles under uniformity (Zar 2010, 27.4)."""
    z = n * r * r
    p = np.exp(np.sqrt(1 + 4 * n + 4 * (n * n - n * n * r * r)) - (1 + 2 * n))
    return float(min(1.0, max(0.0, p))) if np.isfinite(p) else float(np.exp(-z))


def rayleigh_level(n: int, alpha: float = RAYLEIGH_ALPHA) -> float:
    """The mean resultant length whose Rayleigh p-value is ``alpha`` for ``n`` angles."""
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rayleigh_p(mid, n) > alpha else (lo, mid)
    return hi


def phase_coherence(phases_deg: list) -> dict | None:
    ph = np.radians([p for p in phases_deg if p is not None and np.isfinite(p)])
    if ph.size < MIN_LOOPS["phase_coherence"]:
        return None
    itc = float(abs(np.mean(np.exp(1j * ph))))
    p = rayleigh_p(itc, ph.size)
    return {"value": round(itc, 3), "chance_level": round(rayleigh_level(ph.size), 3), "p": round(p, 4),
            "above_chance": bool(p < RAYLEIGH_ALPHA)}


def f_test(x: np.ndarray, fs: float, bin_index: int) -> dict | None:
    """Power at ``bin_index`` of the series (a whole number of loops long) vs its K neighbours."""
    x = np.asarray(x, float)
    if np.isnan(x).any():
        ok = np.isfinite(x)
        if ok.sum() < 0.8 * x.size:
            return None
        x = np.interp(np.arange(x.size), np.flatnonzero(ok), x[ok])
    p = np.abs(np.fft.rfft(x - x.mean())) ** 2
    nb = [bin_index + d for d in range(-F_NEIGHBOURS, F_NEIGHBOURS + 1) if d != 0]
    if min(nb) < 1 or max(nb) >= p.size:
        return None
    return _f_verdict(float(p[bin_index]), p[nb], float(p.sum()), x.size)


def _f_verdict(power: float, neighbours, total: float, n: int) -> dict:
    """The F-test's verdict from the power at the bin, its neighbours' and the total power."""
    k = len(neighbours)
    if total <= 1e-9 * n:        # no movement at all: nothing follows
        return {"F": 0.0, "F_critical": round(k * (F_ALPHA ** (-1.0 / k) - 1.0), 2), "significant": False}
    noise = float(np.mean(neighbours))
    F = float(power / noise) if noise > 0 else float("inf")
    crit = k * (F_ALPHA ** (-1.0 / k) - 1.0)     # F(2, 2K) upper tail: (1 + F/K)^-K
    return {"F": round(min(F, 1e9), 2), "F_critical": round(crit, 2), "significant": bool(F > crit)}


MOMENTS = 48     # Taylor terms of the streamed DFT (|delta| <= 2 pi x 2/3 for 3 loops: < 1e-20 left)


class StreamingFTest:
    """The following F-test of :func:`session_measures` over whole loops, fed loop by loop, keeping
    ``MOMENTS`` complex numbers per loop and axis instead of the loop's frames.

    The window's DFT at bin j (N frames, K loops; j = h K + d, h the axis's harmonic, |d| <= 2) is
    a sum over the loops of e^{-i w o} sum_m x[o + m] e^{-i w m} (o the loop's first frame in the
    window, w = 2 pi j / N). With w0 = 2 pi h / L (L = the nominal frames of a loop) and
    u = m / L: e^{-i w m} = e^{-i w0 m} sum_p (-i (w - w0) L)^p / p! u^p, so each loop keeps
    mu_p = sum_m x[o + m] e^{-i w0 m} u^p and the bins are summed once N and K are known. NaNs are
    bridged linearly inside the loop (the whole-trace test bridges across loops: the two differ
    only for a NaN at a loop's edge); the total power (for 'no movement at all') is Parseval's."""

    def __init__(self, fs: float, period_s: float, centre=(0.0, 0.0)):
        self.fs = fs
        self.L = float(round(period_s * fs))
        self.centre = np.asarray(centre, float)
        self.n = 0
        self.finite = 0
        self.loops = 0
        self.offsets = []
        self.mu = {ax: [] for ax in HARMONIC}
        self.sums = {ax: [0.0, 0.0, 0.0] for ax in HARMONIC}    # sum x, sum x^2, sum (-1)^n x

    def add_loop(self, cop: np.ndarray) -> None:
        cop = np.asarray(cop, float)
        m = np.arange(len(cop))
        u = m / self.L
        powers = u[:, None] ** np.arange(MOMENTS)          # (n, MOMENTS)
        sign = np.where((self.n + m) % 2 == 0, 1.0, -1.0)
        ok_all = np.all(np.isfinite(cop), axis=1)
        for i, (ax, h) in enumerate(HARMONIC.items()):
            x = cop[:, i] - self.centre[i]
            ok = np.isfinite(x)
            if not ok.all():
                x = np.interp(m, m[ok], x[ok]) if ok.any() else np.zeros_like(x)
            w = x * np.exp(-2j * np.pi * h * m / self.L)
            self.mu[ax].append(w @ powers)
            sm = self.sums[ax]
            sm[0] += float(x.sum())
            sm[1] += float(x @ x)
            sm[2] += float(sign @ x)
        self.finite += int(ok_all.sum())
        self.offsets.append(self.n)
        self.n += len(cop)
        self.loops += 1

    def _bin(self, ax: str, j: int) -> complex:
        w = 2 * np.pi * j / self.n
        delta = (w - 2 * np.pi * HARMONIC[ax] / self.L) * self.L
        p = np.arange(MOMENTS)
        coef = np.cumprod(np.concatenate([[1.0 + 0j], np.full(MOMENTS - 1, -1j * delta) / p[1:]]))
        mu = np.array(self.mu[ax])                           # (loops, MOMENTS)
        return complex(np.exp(-1j * w * np.array(self.offsets, float)) @ (mu @ coef))

    def test(self, ax: str) -> dict | None:
        """:func:`f_test` of axis ``ax`` over the loops added."""
        n = self.n
        if not n or self.finite < 0.8 * n:
            return None
        b = HARMONIC[ax] * self.loops
        nb = [b + d for d in range(-F_NEIGHBOURS, F_NEIGHBOURS + 1) if d != 0]
        if min(nb) < 1 or max(nb) >= n // 2 + 1:
            return None
        s, s2, alt = self.sums[ax]
        ss = max(0.0, s2 - s * s / n)
        # one-sided power: (N sum (x - mean)^2 + |X[N/2]|^2 for an even N) / 2 (X[0] = 0)
        total = (n * ss + (alt ** 2 if n % 2 == 0 else 0.0)) / 2.0
        power = abs(self._bin(ax, b)) ** 2
        return _f_verdict(power, np.array([abs(self._bin(ax, j)) ** 2 for j in nb]), total, n)

    def following(self) -> dict | None:
        """The ``following`` entry of :func:`session_measures`."""
        if self.loops < MIN_LOOPS["following"]:
            return None
        tests = {ax: self.test(ax) for ax in HARMONIC}
        if all(v is not None for v in tests.values()):
            return {**tests, "following": all(v["significant"] for v in tests.values())}
        return None


def session_measures(loops_coefs: list[dict], loop_phases: list[dict], cop_window: np.ndarray | None,
                     fs: float, n_loops_window: int, streamed: StreamingFTest | None = None) -> dict:
    """Coherence, inter-loop phase coherence and the following F-test over the session (on
    ``cop_window``, or, streamed, from ``streamed``)."""
    out = {"coherence": {}, "phase_coherence": {}, "following": None}
    for ax in HARMONIC:
        out["coherence"][ax] = coherence([lc[ax] for lc in loops_coefs])
        out["phase_coherence"][ax] = phase_coherence([lp[ax] for lp in loop_phases])
    if streamed is not None:
        out["following"] = streamed.following()
    elif cop_window is not None and n_loops_window >= MIN_LOOPS["following"]:
        tests = {ax: f_test(cop_window[:, i], fs, HARMONIC[ax] * n_loops_window) for i, ax in enumerate(HARMONIC)}
        if all(v is not None for v in tests.values()):
            out["following"] = {**tests, "following": all(v["significant"] for v in tests.values())}
    return out
