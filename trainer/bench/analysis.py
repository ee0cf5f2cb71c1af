"""Bench section `analysis`: the full sway-metric set on one hour of 200 Hz CoP (PRODUCT.md §8).

Keys: ``one_hour_200hz_s`` (median wall time of :func:`trainer.analysis.sway.sway_metrics`, imports
warmed up), ``peak_mb`` (peak memory the computation allocates, by tracemalloc), plus the same
with 1 % of the samples missing and the time of the named ``quijoux`` pipeline over the hour.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc

FS_HZ = 200.0
SECONDS = 3600
REPEAT = 5


def _one_hour(seed: int = 10):
    """A deterministic quiet-standing-like CoP: slow drifts, sway near 0.2-1 Hz, sensor noise (mm)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = int(SECONDS * FS_HZ)
    t = np.arange(n) / FS_HZ
    walk = np.cumsum(rng.normal(0.0, 0.05, (n, 2)), axis=0)
    walk -= np.linspace(walk[0], walk[-1], n)          # a bounded drift, not an ever-growing walk
    sway = np.column_stack([2.0 * np.sin(2 * np.pi * 0.31 * t) + 1.0 * np.sin(2 * np.pi * 0.83 * t + 1),
                            3.0 * np.sin(2 * np.pi * 0.23 * t + 2) + 0.8 * np.sin(2 * np.pi * 0.61 * t)])
    xy = walk + sway + rng.normal(0.0, 0.1, (n, 2))
    return xy[:, 0].copy(), xy[:, 1].copy()


def _median_time(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _peak_mb(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def analysis() -> dict:
    import numpy as np

    from trainer.analysis.quijoux import quijoux_pipeline
    from trainer.analysis.sway import sway_metrics

    x, y = _one_hour()
    sway_metrics(x[:4000], y[:4000], FS_HZ)           # warm up: scipy.signal imported here, not timed
    full = _median_time(lambda: sway_metrics(x, y, FS_HZ))
    peak = _peak_mb(lambda: sway_metrics(x, y, FS_HZ))

    xg, yg = x.copy(), y.copy()
    gaps = np.random.default_rng(11).choice(x.size, x.size // 100, replace=False)
    xg[gaps] = np.nan
    yg[gaps] = np.nan
    with_gaps = _median_time(lambda: sway_metrics(xg, yg, FS_HZ))

    quijoux_pipeline(x[:8000], y[:8000], FS_HZ)       # warm up
    pipe = _median_time(lambda: sway_metrics(*quijoux_pipeline(x, y, FS_HZ, select=None)[:3]), repeat=3)
    return {
        "one_hour_200hz_s": round(full, 4),
        "peak_mb": round(peak, 1),
        "samples": int(x.size),
        "one_hour_200hz_1pct_missing_s": round(with_gaps, 4),
        "quijoux_pipeline_one_hour_200hz_s": round(pipe, 4),
        "target_s": 0.5,
    }
