"""Tracking scores for target paths (METRICS.md, "Tracking a target path").

Pure functions over the frames of one loop: CoP (n, 2) and target (n, 2) in mm, active time
(n,) in s. Every figure's method is in ``METHODS`` (copied into session.json ``methods``).
"""
from __future__ import annotations

import numpy as np

LAG_MAX_S = 1.5
VISIT_MIN_MM = 20.0   # about twice a 6-sensor mat's CoP error (bench `accuracy`): nearer is "there"
METHODS = {
    "rms_mm": "sqrt(mean |CoP - target|^2) over the loop's running frames with a CoP (mm)",
    "rms_pct_reach": "rms_mm / mean waypoint reach x 100",
    "lag_ms": "argmax over lags 0..1500 ms (5 ms steps) of the summed per-axis Pearson correlation "
              "between CoP(t) and target(t - lag)",
    "rms_lag_corrected_mm": "rms of CoP(t) - target(t - lag_ms)",
    "closest_approach_mm": "per waypoint: min distance CoP-waypoint during that waypoint's phase "
                           "(phase shifted by the measured lag)",
    "waypoints_in_order": "every waypoint approached within max(30 % of its reach x amplitude, 20 mm), and the "
                          "times of closest approach increase in the path's order",
    "sparc": "spectral arc length of the CoP speed profile (Balasubramanian 2015): fc 10 Hz, "
             "amplitude threshold 0.05, zero padding 4",
    "wing_asymmetry": "|a - b|/(a + b) of the CoP path lengths (5 Hz low-passed) during the left-foot "
                      "and right-foot phases of the loop",
    "score": "100 x clip(1 - (rms_lag_corrected as % of reach - 15)/45, 0, 1) (errors under 15 % of reach are within what a 6-sensor mat resolves) x (1 if waypoints_in_order "
             "else 0.7) x lag factor (1 up to 600 ms, falling linearly to 0.5 at 1500 ms)",
    "loops_score": "mean of the loop scores",
}


def rms(a: np.ndarray, b: np.ndarray) -> float:
    d = np.sum((a - b) ** 2, axis=1)
    d = d[np.isfinite(d)]
    return float(np.sqrt(d.mean())) if d.size else float("nan")


def best_lag(t: np.ndarray, cop: np.ndarray, target_fn, max_lag_s: float = LAG_MAX_S, step_s: float = 0.005) -> float:
    """Lag (s) maximising the CoP–target cross-correlation; ``target_fn(t) -> (n, 2)``."""
    ok = np.all(np.isfinite(cop), axis=1)
    if ok.sum() < 20:
        return float("nan")
    t, c = t[ok], cop[ok]
    c = c - c.mean(axis=0)
    cn = np.linalg.norm(c, axis=0)
    best, best_v = 0.0, -np.inf
    for lag in np.arange(0.0, max_lag_s + 1e-9, step_s):
        g = target_fn(t - lag)
        g = g - g.mean(axis=0)
        gn = np.linalg.norm(g, axis=0)
        v = np.sum((c * g).sum(axis=0) / np.maximum(cn * gn, 1e-12))
        if v > best_v:
            best, best_v = lag, v
    return float(best)


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


def score_loop(t_active: np.ndarray, cop: np.ndarray, target: np.ndarray, path, fs: float) -> dict:
    """The METRICS.md figures for one loop of a spiral-like path."""
    reach = path.mean_reach_mm
    r = rms(cop, target)
    lag = best_lag(t_active, cop, path.position)
    lag_ok = np.isfinite(lag)
    shifted = path.position(t_active - (lag if lag_ok else 0.0))
    r_lc = rms(cop, shifted)
    phase = path.phase_index(t_active - (lag if lag_ok else 0.0))
    closest, t_close, visited = [], [], []
    for k, wp in enumerate(path.waypoints):
        sel = (phase == k) & np.all(np.isfinite(cop), axis=1)
        d_all = np.hypot(*(cop - wp.xy).T)
        closest.append(float(np.min(d_all[sel])) if sel.any() else float("nan"))
        visited.append(bool(sel.any() and np.min(d_all[sel]) <= max(0.3 * path.amplitude * wp.reach_mm, VISIT_MIN_MM)))
        dd = np.where(np.isfinite(d_all), d_all, np.inf)
        t_close.append(float(t_active[int(np.argmin(dd))]) if np.isfinite(dd).any() else np.nan)
    tc = np.array(t_close[1:])
    in_order = bool(all(visited) and np.all(np.diff(tc) > 0))
    smooth = lowpass(cop, fs, 5.0)
    speed = np.hypot(*np.diff(smooth, axis=0).T) * fs
    sp = sparc(speed, fs)
    feet = np.array([path.waypoints[k].foot for k in phase])
    seg = np.hypot(*np.diff(smooth, axis=0).T)
    a = float(np.nansum(seg[feet[1:] == "left"]))
    b = float(np.nansum(seg[feet[1:] == "right"]))
    wing = abs(a - b) / (a + b) if a + b > 0 else float("nan")
    pct_lc = 100.0 * r_lc / reach if reach > 0 else float("nan")
    base = np.clip(1.0 - (pct_lc - 15.0) / 45.0, 0.0, 1.0) if np.isfinite(pct_lc) else 0.0
    lag_factor = 1.0 if not lag_ok or lag <= 0.6 else max(0.5, 1.0 - 0.5 * (lag - 0.6) / 0.9)
    score = 100.0 * base * (1.0 if in_order else 0.7) * lag_factor
    return {
        "rms_mm": round(r, 2),
        "rms_pct_reach": round(100.0 * r / reach, 2) if reach > 0 else None,
        "lag_ms": round(lag * 1000.0, 1) if lag_ok else None,
        "rms_lag_corrected_mm": round(r_lc, 2),
        "waypoints_in_order": in_order,
        "closest_approach_mm": [round(c, 2) for c in closest],
        "sparc": round(sp, 3),
        "wing_asymmetry": round(wing, 3),
        "score": round(float(score), 1),
    }
