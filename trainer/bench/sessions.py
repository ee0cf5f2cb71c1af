"""Bench section `sessions`: a long recording at 200 Hz keeps memory flat (PRODUCT.md §8, §9).

To stay inside the bench's time budget the recorder runs ``SECONDS`` (5 min) of 200 Hz frames,
not a full hour: it keeps no per-frame state, so ``growth_mb`` (allocated at the end minus after
the first minute, ~0 when flat) is what shows that an hour peaks no higher.

Keys: ``one_hour_peak_mb`` (peak memory the recorder allocates, tracemalloc, over the run),
``growth_mb``, ``recorded_s``, ``write_us_per_frame`` (tracemalloc on, so pessimistic),
``one_hour_trace_mb`` (trace.csv size scaled to an hour), ``replay_peak_mb`` and
``replay_us_per_frame`` (streaming it back through the replay source), ``index_s``.
"""
from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

FS_HZ = 200.0
SECONDS = 300
BLOCK = 10


def _frames(n_sensors: int, rng):
    import numpy as np

    raw = rng.integers(4000, 12000, (BLOCK, n_sensors)).astype(float)
    forces = raw / 50.0
    cop = rng.normal(0.0, 30.0, (BLOCK, 2)) + [0.0, 110.0]
    return raw, forces, forces.sum(1), cop, np.full(BLOCK, 50.0), cop + 1.0


def sessions() -> dict:
    import numpy as np

    from firmware.clock import VirtualClock
    from firmware.layout import load_layout
    from trainer.sessions.replay import open_replay

    from trainer.sessions.history import index_session
    from trainer.sessions.writer import SessionWriter

    layout = load_layout()
    rng = np.random.default_rng(5)
    blocks = int(SECONDS * FS_HZ / BLOCK)
    phase = ["left heel"] * BLOCK
    flags = [""] * BLOCK
    with tempfile.TemporaryDirectory(prefix="footmat-bench-") as tmp:
        import os
        old_home = os.environ.get("FOOTMAT_HOME")
        os.environ["FOOTMAT_HOME"] = str(Path(tmp) / "home")
        try:
            tracemalloc.start()
            t0 = time.perf_counter()
            w = SessionWriter(Path(tmp) / "s", "spiral", layout=layout, calibration={}, params={},
                              person={"name": "bench"}, sample_rate_hz=FS_HZ, simulated=True, clock_start=0.0)
            after_minute = None
            for k in range(blocks):
                raw, forces, total, cop, left, truth = _frames(len(layout.sensors), rng)
                t = (k * BLOCK + np.arange(BLOCK)) / FS_HZ
                w.write(t, raw, forces, total, cop, left, cop, phase, flags, truth)
                if k == int(60 * FS_HZ / BLOCK):
                    after_minute = tracemalloc.get_traced_memory()[0]
            end = tracemalloc.get_traced_memory()[0]
            folder = w.finish({"score": 50.0}, {})
            write_s = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            trace_mb = (folder / "trace.csv").stat().st_size / 1e6
            t0 = time.perf_counter()
            index_session(folder)
            index_s = time.perf_counter() - t0
            tracemalloc.start()
            t0 = time.perf_counter()
            src = open_replay(folder, layout, VirtualClock(), time_base=0.0)
            n = 0
            while not src.exhausted:
                n += len(src.read(200))
            src.close()
            replay_s = time.perf_counter() - t0
            _, replay_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            if old_home is None:
                os.environ.pop("FOOTMAT_HOME", None)
            else:
                os.environ["FOOTMAT_HOME"] = old_home
    return {
        "one_hour_peak_mb": round(peak / 1e6, 2),
        "growth_mb": round((end - after_minute) / 1e6, 3),
        "recorded_s": SECONDS,
        "write_us_per_frame": round(write_s / n * 1e6, 1),
        "one_hour_trace_mb": round(trace_mb * 3600 / SECONDS, 1),
        "replay_us_per_frame": round(replay_s / n * 1e6, 1),
        "replay_peak_mb": round(replay_peak / 1e6, 2),
        "index_s": round(index_s, 2),
    }
