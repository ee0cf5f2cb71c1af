"""Sway (posturography) metrics of a centre-of-pressure series, exactly as METRICS.md defines them.

Pure functions over numpy arrays. Units: CoP in mm, time in s, rate in Hz; footmat's frame is
x to the right (medio-lateral, ML) and y forward (antero-posterior, AP). Every metric name
carries its unit (``ellipse95_area_mm2``, ``mean_velocity_mm_s`` …) and :data:`METHODS` records
its definition and parameters, so a figure can always be traced back to how it was computed.

The one entry point other code needs is :func:`sway_metrics`::

    >>> import numpy as np
    >>> t = np.arange(6000) / 100.0
    >>> m = sway_metrics(5 * np.cos(2 * np.pi * 0.5 * t), 5 * np.sin(2 * np.pi * 0.5 * t), 100.0)
    >>> round(m["mean_distance_mm"], 6), round(m["mean_power_frequency_hz"], 2)
    (5.0, 0.5)

Metrics are computed on the CoP as given (the ``raw`` pipeline). The named pipelines that
prepare a series before the metrics (the Quijoux reference: SWARII resampling to 25 Hz and a
zero-lag 10 Hz low-pass) and the net CoP of two feet are :mod:`trainer.analysis.quijoux`.

numpy is imported at module level: this module is imported inside commands' ``run``, never at
``footmat --help`` time. scipy (Welch) is imported inside the functions using it.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "METHODS", "METRIC_UNITS", "sway_metrics", "ellipse95_area", "f_quantile_2",
    "path_length", "mean_velocity", "mean_power_frequency", "welch_psd", "mean_distance",
    "rms_distance", "sway_area_per_s", "mean_frequency", "mean_frequency_axis",
]

# The metric names of sway_metrics() and their units, in report order.
METRIC_UNITS: dict[str, str] = {
    "ellipse95_area_mm2": "mm²",
    "mean_velocity_mm_s": "mm/s",
    "mean_power_frequency_hz": "Hz",
    "path_length_mm": "mm",
    "mean_distance_mm": "mm",
    "rms_distance_mm": "mm",
    "rms_x_mm": "mm",
    "rms_y_mm": "mm",
    "range_x_mm": "mm",
    "range_y_mm": "mm",
    "sway_area_per_s_mm2_s": "mm²/s",
    "mean_frequency_hz": "Hz",
    "mean_frequency_x_hz": "Hz",
    "mean_frequency_y_hz": "Hz",
    "mean_distance_x_mm": "mm",
    "mean_distance_y_mm": "mm",
    "mean_velocity_x_mm_s": "mm/s",
    "mean_velocity_y_mm_s": "mm/s",
}

_GAPS = ("Rows where x or y is NaN are removed and counted (n_excluded), never averaged in; "
         "differences are taken only between samples adjacent in the original series.")

METHODS: dict[str, dict] = {
    "ellipse95_area_mm2": {
        "definition": "95 % prediction ellipse: pi*sqrt(det(cov(x, y; ddof=1))) * F_0.95(2, n-2) "
                      "* 2(n-1)(n+1)/(n(n-2))",
        "parameters": {"probability": 0.95, "covariance_ddof": 1},
        "reference": "Santos & Duarte 2016 (COParea); Schubert & Kirchner 2014 (prediction, not confidence, "
                     "ellipse). Quijoux 2021's population-moment form is smaller by (n-1)/n.",
    },
    "mean_velocity_mm_s": {
        "definition": "sum(sqrt(dx^2 + dy^2)) / (n / fs)  (divides by n/fs, not (n-1)/fs)",
        "parameters": {},
        "reference": "Santos & Duarte 2016 (COPvelo); Prieto et al. 1996",
    },
    "mean_power_frequency_hz": {
        "definition": "per axis Welch PSD, mpf = trapz(f*P)/trapz(P); combined "
                      "(mpf_x*sum(P_x) + mpf_y*sum(P_y)) / (sum(P_x) + sum(P_y))",
        "parameters": {"method": "scipy.signal.welch", "window": "hann", "nperseg": "n//2",
                       "noverlap": "n//4", "nfft": "n//2", "detrend": "constant", "scaling": "density",
                       "gaps": "rows with NaN removed, the remaining samples joined"},
        "reference": "Santos & Duarte 2016 (COPmfreq)",
    },
    "path_length_mm": {
        "definition": "sum(sqrt(dx^2 + dy^2))",
        "parameters": {},
        "reference": "Prieto et al. 1996 (total excursion); Quijoux et al. 2021 (sway length)",
    },
    "mean_distance_mm": {
        "definition": "mean(R), R = sqrt(x^2 + y^2) of the mean-removed signal",
        "parameters": {},
        "reference": "Prieto et al. 1996; Quijoux et al. 2021",
    },
    "rms_distance_mm": {
        "definition": "sqrt(mean(R^2)) of the mean-removed signal",
        "parameters": {},
        "reference": "Prieto et al. 1996; Quijoux et al. 2021",
    },
    "rms_x_mm": {"definition": "sqrt(mean(x^2)) of the mean-removed ML signal (= population std)",
                 "parameters": {}, "reference": "Prieto et al. 1996"},
    "rms_y_mm": {"definition": "sqrt(mean(y^2)) of the mean-removed AP signal (= population std)",
                 "parameters": {}, "reference": "Prieto et al. 1996"},
    "range_x_mm": {"definition": "max(x) - min(x)", "parameters": {}, "reference": "Prieto et al. 1996"},
    "range_y_mm": {"definition": "max(y) - min(y)", "parameters": {}, "reference": "Prieto et al. 1996"},
    "sway_area_per_s_mm2_s": {
        "definition": "sum(|x[k+1]*y[k] - x[k]*y[k+1]|) / (2T) on the mean-removed signal, "
                      "T = (number of differences)/fs = (n-1)/fs",
        "parameters": {},
        "reference": "Prieto et al. 1996; Quijoux et al. 2021 (T = (n-1)/fs)",
    },
    "mean_frequency_hz": {
        "definition": "mean_velocity / (2*pi*mean_distance)",
        "parameters": {},
        "reference": "Prieto et al. 1996 (Quijoux 2021 takes the mean speed over the n-1 differences, "
                     "higher by n/(n-1))",
    },
    "mean_frequency_x_hz": {
        "definition": "mean(|vx|) / (4*sqrt(2)*mean(|x|)), vx = fs*dx, x mean-removed",
        "parameters": {}, "reference": "Prieto et al. 1996; Quijoux et al. 2021",
    },
    "mean_frequency_y_hz": {
        "definition": "mean(|vy|) / (4*sqrt(2)*mean(|y|)), vy = fs*dy, y mean-removed",
        "parameters": {}, "reference": "Prieto et al. 1996; Quijoux et al. 2021",
    },
    "mean_distance_x_mm": {"definition": "mean(|x|) of the mean-removed ML signal", "parameters": {},
                           "reference": "Prieto et al. 1996"},
    "mean_distance_y_mm": {"definition": "mean(|y|) of the mean-removed AP signal", "parameters": {},
                           "reference": "Prieto et al. 1996"},
    "mean_velocity_x_mm_s": {"definition": "sum(|dx|) / (n / fs)", "parameters": {},
                             "reference": "Prieto et al. 1996"},
    "mean_velocity_y_mm_s": {"definition": "sum(|dy|) / (n / fs)", "parameters": {},
                             "reference": "Prieto et al. 1996"},
    "_series": {
        "definition": "x = medio-lateral (right +), y = antero-posterior (forward +), mm; "
                      "n samples at fs Hz",
        "parameters": {"missing": _GAPS},
        "reference": "METRICS.md",
    },
}

_F95 = 0.95


# --------------------------------------------------------------------------- single metrics
def f_quantile_2(p: float, d2: float) -> float:
    """Quantile of the F(2, d2) distribution, in closed form.

    F(2, d2) has CDF 1 − (1 + 2x/d2)^(−d2/2), so its quantile is (d2/2)·((1−p)^(−2/d2) − 1);
    exact, and it spares importing scipy.stats (≈ 0.3 s).
    """
    if not (0.0 < p < 1.0) or not d2 > 0:
        return math.nan
    return 0.5 * d2 * math.expm1(-2.0 / d2 * math.log1p(-p))


def ellipse95_area(x: np.ndarray, y: np.ndarray) -> float:
    """Area (mm²) of the 95 % prediction ellipse of (x, y) — METRICS.md ``ellipse95_area``."""
    n = int(np.size(x))
    if n < 3:
        return math.nan
    xc = x - x.mean()
    yc = y - y.mean()
    sxx = float(np.dot(xc, xc)) / (n - 1)
    syy = float(np.dot(yc, yc)) / (n - 1)
    sxy = float(np.dot(xc, yc)) / (n - 1)
    det = max(sxx * syy - sxy * sxy, 0.0)
    return math.pi * math.sqrt(det) * f_quantile_2(_F95, n - 2) * 2.0 * (n - 1) * (n + 1) / (n * (n - 2))


def path_length(x: np.ndarray, y: np.ndarray) -> float:
    """Σ√(Δx² + Δy²) in mm."""
    return float(np.hypot(np.diff(np.asarray(x, float)), np.diff(np.asarray(y, float))).sum())


def mean_velocity(x: np.ndarray, y: np.ndarray, fs_hz: float) -> float:
    """Path length / (n/fs) in mm/s (n samples, so a 60 s trial at 100 Hz divides by 60 s)."""
    n = np.size(x)
    return path_length(x, y) / (n / fs_hz) if n > 1 else math.nan


def welch_psd(v: np.ndarray, fs_hz: float):
    """Welch PSD of one axis with METRICS.md's parameters: (f, P)."""
    from scipy.signal import welch

    n = int(np.size(v))
    nperseg = n // 2
    return welch(v, fs=fs_hz, window="hann", nperseg=nperseg, noverlap=n // 4, nfft=nperseg,
                 detrend="constant", scaling="density")


def _trapz(y: np.ndarray, x: np.ndarray) -> float:
    # numpy 2 renamed trapz to trapezoid; the sum is the same trapezoidal rule.
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) * 0.5)


def mean_power_frequency(x: np.ndarray, y: np.ndarray, fs_hz: float) -> float:
    """Combined mean power frequency (Hz) of the two axes — METRICS.md ``mean_power_frequency``."""
    if np.size(x) < 8:
        return math.nan
    num = 0.0
    den = 0.0
    for v in (x, y):
        f, p = welch_psd(np.asarray(v, float), fs_hz)
        area = _trapz(p, f)
        if not area > 0:
            continue
        total = float(p.sum())
        num += _trapz(f * p, f) / area * total
        den += total
    return num / den if den > 0 else math.nan


def mean_distance(x: np.ndarray, y: np.ndarray) -> float:
    """mean √(x² + y²) of the mean-removed signal, mm."""
    return float(np.hypot(x - x.mean(), y - y.mean()).mean()) if np.size(x) else math.nan


def rms_distance(x: np.ndarray, y: np.ndarray) -> float:
    """√mean(x² + y²) of the mean-removed signal, mm."""
    if not np.size(x):
        return math.nan
    xc = x - x.mean()
    yc = y - y.mean()
    return math.sqrt((float(np.dot(xc, xc)) + float(np.dot(yc, yc))) / xc.size)


def sway_area_per_s(x: np.ndarray, y: np.ndarray, fs_hz: float) -> float:
    """Σ|x[k+1]·y[k] − x[k]·y[k+1]| / (2T), T = (n−1)/fs, on the mean-removed signal; mm²/s."""
    n = np.size(x)
    if n < 2:
        return math.nan
    xc = x - x.mean()
    yc = y - y.mean()
    tri = np.abs(xc[1:] * yc[:-1] - xc[:-1] * yc[1:]).sum()
    return float(tri) / (2.0 * (n - 1) / fs_hz)


def mean_frequency(x: np.ndarray, y: np.ndarray, fs_hz: float) -> float:
    """mean_velocity / (2π·mean_distance), Hz."""
    md = mean_distance(x, y)
    return mean_velocity(x, y, fs_hz) / (2 * math.pi * md) if md > 0 else math.nan


def mean_frequency_axis(v: np.ndarray, fs_hz: float) -> float:
    """mean|v'| / (4√2·mean|v|) of one mean-removed axis, Hz."""
    if np.size(v) < 2:
        return math.nan
    md = float(np.abs(v - v.mean()).mean())
    return float(np.abs(np.diff(v)).mean()) * fs_hz / (4 * math.sqrt(2) * md) if md > 0 else math.nan


# --------------------------------------------------------------------------- the full set
def _nan_result(n_total: int, n_valid: int, fs_hz: float) -> dict:
    out = {k: math.nan for k in METRIC_UNITS}
    out.update(n_samples=n_valid, n_excluded=n_total - n_valid,
               duration_s=n_valid / fs_hz if fs_hz > 0 else math.nan, fs_hz=float(fs_hz))
    return out


def sway_metrics(x_mm, y_mm, fs_hz: float) -> dict:
    """The full METRICS.md sway set of a CoP series.

    Parameters
    ----------
    x_mm, y_mm : array_like, shape (n,)
        Medio-lateral (right +) and antero-posterior (forward +) CoP in mm, sampled uniformly at
        ``fs_hz``. NaN marks a sample without CoP (dropped frame, stepped off): such rows are
        removed and counted in ``n_excluded``, never averaged in; a difference (velocity, path,
        sway area) is taken only between samples that were adjacent in the original series.
    fs_hz : float
        Sampling rate in Hz.

    Returns
    -------
    dict
        The keys of :data:`METRIC_UNITS` (floats, NaN when undefined — e.g. fewer than 3
        samples, or a motionless CoP for the frequencies), plus ``n_samples`` (used),
        ``n_excluded`` (NaN rows), ``duration_s`` (= n_samples/fs) and ``fs_hz``.
        :data:`METHODS` documents each one.
    """
    x = np.asarray(x_mm, dtype=float).ravel()
    y = np.asarray(y_mm, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x has {x.size} samples and y {y.size}; they must be the same length")
    try:
        fs = float(fs_hz)
    except (TypeError, ValueError):
        fs = math.nan
    if not (math.isfinite(fs) and fs > 0):
        raise ValueError(f"sampling rate {fs_hz!r} Hz must be a positive number")
    n_total = x.size
    valid = np.isfinite(x) & np.isfinite(y)
    all_valid = bool(valid.all())
    if not all_valid:
        adjacent = valid[1:] & valid[:-1]
        x = x[valid]
        y = y[valid]
        # positions in the compacted series of the differences between originally adjacent samples
        adjacent = adjacent[valid[:-1]][: max(x.size - 1, 0)]
    n = x.size
    if n < 3:
        return _nan_result(n_total, n, fs)

    xc = x - x.mean()
    yc = y - y.mean()
    # the spectrum first, then the rest, freeing each temporary as soon as it is summed: the
    # peak memory stays a few copies of the series (bench section `analysis`)
    mpf = mean_power_frequency(xc, yc, fs)
    range_x = float(x.max() - x.min())
    range_y = float(y.max() - y.min())
    del x, y
    sxx = float(np.dot(xc, xc))
    syy = float(np.dot(yc, yc))
    sxy = float(np.dot(xc, yc))
    r = np.hypot(xc, yc)
    md = float(r.mean())
    del r
    mdx = float(np.abs(xc).mean())
    mdy = float(np.abs(yc).mean())
    cross = xc[1:] * yc[:-1]
    cross -= xc[:-1] * yc[1:]
    np.abs(cross, out=cross)
    if not all_valid:
        cross = cross[adjacent]
    n_diff = cross.size
    tri = float(cross.sum())
    del cross
    dx = np.diff(xc)
    dy = np.diff(yc)
    if not all_valid:
        dx = dx[adjacent]
        dy = dy[adjacent]
    path = float(np.hypot(dx, dy).sum())
    np.abs(dx, out=dx)
    np.abs(dy, out=dy)
    abs_dx = float(dx.sum())
    abs_dy = float(dy.sum())
    del dx, dy
    dur = n / fs
    det = max(sxx * syy - sxy * sxy, 0.0) / (n - 1) ** 2
    ell = math.pi * math.sqrt(det) * f_quantile_2(_F95, n - 2) * 2.0 * (n - 1) * (n + 1) / (n * (n - 2))
    vel = path / dur
    k = 4 * math.sqrt(2)

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else math.nan

    out = {
        "ellipse95_area_mm2": ell,
        "mean_velocity_mm_s": vel,
        "mean_power_frequency_hz": mpf,
        "path_length_mm": path,
        "mean_distance_mm": md,
        "rms_distance_mm": math.sqrt((sxx + syy) / n),
        "rms_x_mm": math.sqrt(sxx / n),
        "rms_y_mm": math.sqrt(syy / n),
        "range_x_mm": range_x,
        "range_y_mm": range_y,
        "sway_area_per_s_mm2_s": ratio(tri, 2.0 * n_diff / fs),
        "mean_frequency_hz": ratio(vel, 2 * math.pi * md),
        "mean_frequency_x_hz": ratio(ratio(abs_dx * fs, n_diff), k * mdx),
        "mean_frequency_y_hz": ratio(ratio(abs_dy * fs, n_diff), k * mdy),
        "mean_distance_x_mm": mdx,
        "mean_distance_y_mm": mdy,
        "mean_velocity_x_mm_s": abs_dx / dur,
        "mean_velocity_y_mm_s": abs_dy / dur,
        "n_samples": int(n),
        "n_excluded": int(n_total - n),
        "duration_s": dur,
        "fs_hz": fs,
    }
    return out
