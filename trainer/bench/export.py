"""Bench section `export`: CSV, JSON and C3D exports of one hour of a 200 Hz session (PRODUCT.md §8).

Keys: ``csv_one_hour_s``, ``json_one_hour_s`` and ``c3d_one_hour_s`` (target ≤ 2 s each), each
the wall time of the whole export (reading and checking the session folder included), with
``<fmt>_one_hour_cpu_s`` beside it (this process's CPU time: what a busy machine does not
inflate), plus the file sizes and the time to read the session alone.

:func:`synthetic_session` writes the session through the real :class:`~trainer.sessions.writer.SessionWriter`
(the tests use it too, e.g. for a C3D longer than 65,535 frames).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from calibration.store import nominal
from firmware.layout import load_layout
from trainer.formats.export import export_session
from trainer.sessions.reader import read_session
from trainer.sessions.writer import SessionWriter

FS_HZ = 200.0
SECONDS = 3600
# The bench session's clock reading at its start: a monotonic clock a day after boot. The recorder
# writes t_s = clock - start, so nearly every stamp has 16-18 digits, as in a real recording (from
# a start of 100.0 most stamps were 6-8 digits: a kinder file to read).
CLOCK_START = 86400.123


def synthetic_session(root, seconds: float = 60.0, rate_hz: float = FS_HZ, *, seed: int = 3,
                      complete: bool = True, block: int = 4000, layout_name: str = "default-6",
                      clock_start: float = 100.0) -> Path:
    """A spiral-like session of ``seconds`` at ``rate_hz`` written by SessionWriter → its folder
    (``clock_start``: the source clock's reading at the start; see :data:`CLOCK_START`).

    Deterministic for a seed: 2 s of countdown, then a figure-eight CoP with sensor noise, a
    pause (stepped off: no CoP, near-zero load) in the middle, a few ``holding_on`` flags and
    one flagged (unreadable) frame whose raw codes and forces are missing.
    """
    layout = load_layout(layout_name)
    names = layout.names
    pos = layout.positions
    left = layout.mask(foot="left")
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate_hz))
    w = SessionWriter(Path(root), "spiral", layout=layout, calibration=nominal(layout).to_dict(),
                      params={"loops": max(1, int(seconds // 12)), "period": 12.0, "backend": "sim"},
                      person={"name": "synthetic", "weight_kg": 70.0, "default": False},
                      sample_rate_hz=rate_hz, simulated=True, clock_start=clock_start)
    w.event(clock_start, "cue", "get ready")
    centre = pos.mean(axis=0)
    pause = (int(0.5 * n), int(0.5 * n) + int(1.5 * rate_hz))
    labels = ["left heel", "left ball", "left toes", "right heel", "right ball", "right toes"]
    for a in range(0, n, block):
        k = np.arange(a, min(n, a + block))
        t = k / rate_hz
        ph = 2 * np.pi * t / 12.0
        target = np.column_stack([centre[0] + 45 * np.sin(ph), centre[1] + 40 * np.sin(2 * ph)])
        cop = target + rng.normal(0.0, 3.0, target.shape)
        # forces: share the 686 N body weight by inverse distance to the CoP (a smooth, plausible split)
        d = np.linalg.norm(pos[None, :, :] - cop[:, None, :], axis=2)
        wgt = 1.0 / (d + 20.0) ** 2
        forces = 686.0 * wgt / wgt.sum(axis=1, keepdims=True) + rng.normal(0.0, 1.0, wgt.shape)
        raw = np.clip(np.rint(4000 + 30 * forces), 0, 32767)
        phase = np.array([labels[int(i)] for i in ((t % 12.0) // 2.0)], dtype=object)
        phase[t < 2.0] = "countdown"
        target[t < 2.0] = np.nan
        off = (k >= pause[0]) & (k < pause[1])
        phase[off] = "paused"
        forces[off] = rng.normal(0.0, 0.5, (int(off.sum()), len(names)))
        cop[off] = np.nan
        total = forces.sum(axis=1)
        lp = 100.0 * forces[:, left].sum(axis=1) / total
        lp[off] = np.nan
        flags = np.array([""] * k.size, dtype=object)
        flags[(k % 9973) == 17] = "holding_on"
        bad = k == n // 3
        if bad.any():
            raw[bad] = np.nan
            forces[bad] = np.nan
            total[bad] = np.nan
            cop[bad] = np.nan
            lp[bad] = np.nan
            flags[bad] = "unreadable"
        w.write(clock_start + t, raw, forces, total, cop, lp, target, list(phase), list(flags), true_cop=target)
        for i in np.flatnonzero((k % int(2 * rate_hz)) == 0):
            w.event(clock_start + t[i], "cue", phase[i])
    summary = {"score": 80.0, "loops": [{"score": 75.0 + i % 20, "rms_mm": 10.0 + i % 7}
                                        for i in range(max(1, int(seconds // 12)))], "frames": n}
    if complete:
        w.finish(summary, {"score": "synthetic"}, pain={"before": 4, "after": 2})
    else:
        w.abort()
    return w.folder


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _timed_cpu(fn) -> tuple[float, float]:
    """(wall s, CPU s of this process) of ``fn()``."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def export() -> dict:
    with tempfile.TemporaryDirectory(prefix="footmat-bench-export-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        folder = synthetic_session(tmp / "sessions", SECONDS, FS_HZ, clock_start=CLOCK_START)
        make_s = time.perf_counter() - t0
        read_s = _timed(lambda: read_session(folder))
        out = {}
        for fmt in ("csv", "json", "c3d"):
            f = tmp / f"one_hour.{fmt}"
            wall, cpu = _timed_cpu(lambda: export_session(folder, fmt, f))
            out[f"{fmt}_one_hour_s"] = round(wall, 3)
            out[f"{fmt}_one_hour_cpu_s"] = round(cpu, 3)
            out[f"{fmt}_mb"] = round(f.stat().st_size / 1e6, 1)
        out.update(frames=int(SECONDS * FS_HZ), read_session_s=round(read_s, 3),
                   trace_mb=round((folder / "trace.csv").stat().st_size / 1e6, 1),
                   write_session_s=round(make_s, 3), target_s=2.0)
        return out
