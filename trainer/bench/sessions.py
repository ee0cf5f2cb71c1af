"""Bench section `sessions`: a long recording at 200 Hz keeps memory flat (PRODUCT.md §8, §9).

To stay inside the bench's time budget the recorder runs ``SECONDS`` (5 min) of 200 Hz frames,
not a full hour: it keeps no per-frame state, so ``growth_mb`` (allocated at the end minus after
the first minute, ~0 when flat) is what shows that an hour peaks no higher.

Keys: ``one_hour_peak_mb`` (peak memory the recorder allocates, tracemalloc, over the run),
``growth_mb``, ``recorded_s``, ``write_us_per_frame`` (tracemalloc on, so pessimistic),
``one_hour_trace_mb`` (trace.csv size scaled to an hour), ``replay_peak_mb`` and
``replay_us_per_frame`` (streaming it back through the replay source), ``index_s``.

``drill_rss_growth_mb_per_h``: a real drill process (``footmat drill heel-raises --backend sim`` in
virtual time, ``MPLBACKEND=Agg``, its own FOOTMAT_HOME) of ``DRILL_MINUTES`` virtual minutes; its
resident memory (/proc) is sampled against the virtual time the session's trace.csv has reached,
and the least-squares slope after ``WARMUP_MIN`` virtual minutes, up to the drill's end (samples
taken once the trace has stopped — scoring, the report — are left out), is the growth per hour
(``drill_rss_fit_minutes``: the virtual minutes the slope is fitted over). The whole app runs —
simulated mat and person, estimator, engine (scoring rep by rep), session writer, events — but no
live view: with ``--no-plot`` (and Agg, which has no display) none is built, so the view's own
memory (its trail is a fixed-length buffer) is not part of the figure.
"""
from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

FS_HZ = 200.0
SECONDS = 300
BLOCK = 10
# heel raises, 3 sets of 40 at 3 s a beat with 5 min rests: 34 virtual minutes
DRILL_ARGS = ("heel-raises", "--sets", "3", "--reps", "40", "--tempo", "3", "--rest", "300")
DRILL_MINUTES = 34.2
WARMUP_MIN = 3.0


def _last_t(folder: Path) -> float | None:
    """The time of the last complete row of the trace being written under ``folder``."""
    paths = [p for p in folder.rglob("trace.csv*") if p.is_file()]
    if not paths:
        return None
    path = max(paths, key=lambda p: p.stat().st_mtime)
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            lines = fh.read().split(b"\n")
    except OSError:
        return None
    for line in reversed(lines[:-1]):      # the last piece may be a row half written
        try:
            return float(line.split(b",", 1)[0])
        except ValueError:
            continue
    return None


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def drill_rss_growth(args=DRILL_ARGS, warmup_min: float = WARMUP_MIN, poll_s: float = 0.5) -> dict:
    """Resident-memory growth of a real drill process (MB per virtual hour), fitted after warm-up."""
    import os
    import subprocess
    import sys

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="footmat-bench-drill-") as tmp:
        env = dict(os.environ, MPLBACKEND="Agg", FOOTMAT_HOME=str(Path(tmp) / "home"))
        out = Path(tmp) / "sessions"
        cmd = [sys.executable, "-m", "trainer.cli", "drill", *args, "--backend", "sim", "--no-plot",
               "--out", str(out), "--audio", "off"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples = []
        try:
            while proc.poll() is None:
                time.sleep(poll_s)
                rss = _rss_mb(proc.pid)
                t = _last_t(out) if out.exists() else None
                if rss is not None and t is not None:
                    samples.append((t, rss))
            err = proc.stderr.read().decode(errors="replace")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"the bench drill failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
    s = np.array(samples)
    if len(s):
        # the drill's memory while it runs: once the trace stops advancing the drill has ended and
        # the process scores, writes and draws the report (which reads the whole trace back) at
        # the same virtual time; those samples are not the drill's growth
        s = s[s[:, 0] < s[:, 0].max()]
    fit = s[s[:, 0] >= warmup_min * 60.0] if len(s) else s
    if len(fit) < 5:
        return {"drill_rss_growth_mb_per_h": None, "drill_rss_fit_minutes": 0.0}
    slope = np.polyfit(fit[:, 0] / 3600.0, fit[:, 1], 1)[0]
    return {"drill_rss_growth_mb_per_h": round(float(slope), 2),
            "drill_rss_fit_minutes": round(float(fit[-1, 0] - fit[0, 0]) / 60.0, 1),
            "drill_rss_start_mb": round(float(fit[0, 1]), 1), "drill_rss_end_mb": round(float(fit[-1, 1]), 1),
            "drill": " ".join(args)}


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
        **drill_rss_growth(),
        "one_hour_peak_mb": round(peak / 1e6, 2),
        "growth_mb": round((end - after_minute) / 1e6, 3),
        "recorded_s": SECONDS,
        "write_us_per_frame": round(write_s / n * 1e6, 1),
        "one_hour_trace_mb": round(trace_mb * 3600 / SECONDS, 1),
        "replay_us_per_frame": round(replay_s / n * 1e6, 1),
        "replay_peak_mb": round(replay_peak / 1e6, 2),
        "index_s": round(index_s, 2),
    }
