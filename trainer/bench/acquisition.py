"""Bench section `acquisition`: the ADS1115 schedule against the chips' physical limit.

Real clock, timing-faithful simulation: each simulated ADS1115 takes 1/DR per conversion and the
fake bus holds every transaction for its wire time at 100 or 400 kHz (spinning, not sleeping,
for the short holds), so Python's own overhead and the schedule's waits count as they would on
a Pi — only the Pi's slower CPU and kernel I2C latency are missing. The default-6 layout (6
sensors on 2 chips, 860 SPS), free-running (each frame as soon as the chips allow), read by a
consumer thread draining the buffer every 20 ms like a drill does.

Each channel gets its own constant input voltage, so every code read is checked: a value that
is not NaN but differs from its channel's code would be an invented or mis-assigned sample
(``wrong_values`` must be 0). ``frames_per_s`` is the median over 1-s windows of the frame
stamps (other processes on a shared machine cause brief stalls); ``frames_per_s_overall``
is frames / time over the whole run.
"""
from __future__ import annotations

import json
import math
import statistics
import time

import numpy as np

from firmware.ads1115 import layout_ceiling
from firmware.backends import open_source
from firmware.clock import RealClock, VirtualClock
from firmware.frames import Flag, FrameBlock
from firmware.layout import load_layout
from firmware.sampler import Sampler
from firmware.sim.ads1115 import SimADS1115
from firmware.sim.backend import AnalogInReader
from firmware.sim.i2c import FakeI2C, RandomFailures
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptedPerson

SECONDS_CLEAN = 6.0
SECONDS_FAULTS = 8.0
SECONDS_STOCK = 3.0
SECONDS_QUIET = 5.0          # under_load: the same source drained alone, then …
SECONDS_LOADED = 8.0         # … read by the live loop with the view at 60 fps, the recorder and the hogs
VOLTS = {0x48: (0.50, 0.60, 0.70, 0.75), 0x49: (0.80, 0.90, 1.00, 1.05)}


def _bus(layout, clock, khz: int):
    bus = FakeI2C(clock, khz, timing=True)
    for addr in layout.adc.addresses:
        volts = VOLTS[addr]
        bus.devices[addr] = SimADS1115(lambda ch, t, v=volts: v[ch], clock, True)
    return bus


def _expected(layout) -> np.ndarray:
    fs = layout.adc.full_scale_v
    return np.array([int(round(VOLTS[s.address][s.index] / fs * 32768)) for s in layout.sensors], float)


def _consume(source, seconds: float):
    """Drain ``source`` for ``seconds`` of wall time (as a drill's main loop does)."""
    blocks = []
    source.read(timeout=1.0)          # the first frames: thread running, estimates settling
    time.sleep(0.3)
    source.read()
    start = dict(source.counters)
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        time.sleep(0.02)
        b = source.read(timeout=0.5)
        if len(b):
            blocks.append(b)
    counters = {k: source.counters[k] - start.get(k, 0) for k in source.counters
                if isinstance(source.counters[k], int)}
    return FrameBlock.concat(blocks), counters


def _rates(block) -> tuple[float, float]:
    t = block.t
    overall = (len(t) - 1) / (t[-1] - t[0])
    edges = np.arange(t[0], t[-1], 1.0)
    counts = [np.count_nonzero((t >= a) & (t < a + 1.0)) for a in edges[:-1]] if len(edges) > 2 else []
    return (statistics.median(counts) if counts else overall), overall


def _run(layout, khz: int, seconds: float, fail_p: float = 0.0) -> dict:
    clock = RealClock()
    bus = _bus(layout, clock, khz)
    # the driver on the acquisition thread: the injected faults are counted on this side of the bus
    source = open_source("ads1115", layout, clock, math.inf, i2c=bus, acquisition="thread")
    hook = RandomFailures(fail_p, seed=5) if fail_p else None
    try:
        bus.fail = hook
        block, _ = _consume(source, seconds)
    finally:
        source.close()  # stops the acquisition thread: the counts below are final
    injected_total = hook.count if hook else 0
    errors_total = source.counters["i2c_errors"]
    fps, overall = _rates(block)
    ceiling = layout_ceiling(layout, khz)
    nan = np.isnan(block.raw)
    bad = (~nan) & (block.raw != _expected(layout))
    unread = nan.any(axis=1)
    flagged_unread = (block.flags & (Flag.READ_ERROR | Flag.TIMEOUT)) != 0
    return {"frames_per_s": round(fps, 1), "frames_per_s_overall": round(overall, 1),
            "ceiling_frames_per_s": round(ceiling, 1), "ratio": round(fps / ceiling, 3),
            "schedule": source.reader.schedule, "frames": int(len(block)),
            "frames_flagged": int(np.count_nonzero(block.flags)),
            "frames_unreadable": int(unread.sum()),
            "unreadable_not_flagged": int(np.count_nonzero(unread & ~flagged_unread)),
            "wrong_values": int(bad.sum()),
            "errors_counted": int(errors_total), "errors_injected": int(injected_total),
            "retries": int(source.counters["retries"]), "late_reads": int(source.counters["late_reads"]),
            "seconds": seconds}


def _stock(layout, khz: int, seconds: float) -> dict:
    """The stock driver (AnalogIn, channel after channel) on the same timing-faithful bus."""
    clock = RealClock()
    bus = _bus(layout, clock, khz)
    source = Sampler(AnalogInReader(layout, bus), layout, clock, math.inf)
    try:
        block, _ = _consume(source, seconds)
    finally:
        source.close()
    fps, _ = _rates(block)
    return {"frames_per_s": round(fps, 1), "ratio": round(fps / layout_ceiling(layout, khz), 3)}


def _stuck(layout) -> dict:
    """Wall time from a chip getting stuck to the first frame flagged TIMEOUT, and the rate after."""
    clock = RealClock()
    bus = _bus(layout, clock, 400)
    source = open_source("ads1115", layout, clock, 200.0, i2c=bus, acquisition="thread")   # the chip sticks here
    try:
        source.read(timeout=1.0)
        time.sleep(0.2)
        source.read()
        bus.devices[0x49].stuck = True
        t0 = time.perf_counter()
        seen = None
        while time.perf_counter() - t0 < 2.0 and seen is None:
            b = source.read(timeout=0.1)
            hit = np.flatnonzero((b.flags & Flag.TIMEOUT) != 0)
            if hit.size:
                seen = time.perf_counter() - t0
        time.sleep(1.0)
        b = source.read()
        rate = (len(b) - 1) / (b.t[-1] - b.t[0]) if len(b) > 1 else 0.0
        timeouts = source.counters["timeouts"]
    finally:
        source.close()
    return {"first_timeout_flag_ms": None if seen is None else round(seen * 1e3, 1),
            "frames_per_s_while_stuck": round(rate, 1), "timeouts_counted": int(timeouts),
            "deadline_ms": round((1.2 / layout.adc.data_rate + 0.001) * 1e3, 2)}


def _sim_cost(layout) -> dict:
    """CPU µs per frame of the simulated mat read through the driver (virtual clock)."""
    out = {}
    n = 1000
    for key, timing in (("sim_driver_us_per_frame", False), ("sim_driver_timed_us_per_frame", True)):
        mat = SimMat(layout, ScriptedPerson(Script.still(0, 110), weight_kg=70, seed=1), seed=1)
        src = open_source("sim", layout, VirtualClock(), 200.0, mat=mat, timing=timing)
        src.read(20)
        t0 = time.perf_counter()
        src.read(n)
        out[key] = round((time.perf_counter() - t0) / n * 1e6, 1)
    clock = VirtualClock()
    src = open_source("ads1115", layout, clock, 200.0, i2c=_bus(layout, clock, 400))
    src.read(20)
    t0 = time.perf_counter()
    src.read(n)
    out["driver_only_us_per_frame"] = round((time.perf_counter() - t0) / n * 1e6, 1)
    return out


def acquisition() -> dict:
    layout = load_layout("default-6")
    result = {"setup": ("default-6: 6 sensors on 2 ADS1115 at 860 SPS, gain 1; real clock; simulated chips "
                        "converting in 1/DR, fake bus holding each transaction for its wire time; "
                        "free-running register-level schedule; ceiling = best polling schedule with this "
                        "wiring (no ALERT/RDY), Python excluded")}
    for khz in (100, 400):
        result[f"bus_{khz}khz"] = _run(layout, khz, SECONDS_CLEAN)
    faults = _run(layout, 400, SECONDS_FAULTS, fail_p=0.01)
    faults["rate_vs_clean"] = round(faults["frames_per_s"] / result["bus_400khz"]["frames_per_s"], 3)
    faults["transaction_failure_p"] = 0.01
    result["faults_1pct"] = faults
    result["stock_driver_400khz"] = _stock(layout, 400, SECONDS_STOCK)
    result["stuck_chip"] = _stuck(layout)
    result.update(_sim_cost(layout))
    result["under_load"] = under_load()                       # the sampler the product opens (its own process)
    result["under_load"]["thread_sampler"] = under_load(kind="thread")    # the acquisition thread, for comparison
    return result


# -- under load ----------------------------------------------------------------------------------------
def under_load(quiet_s: float = SECONDS_QUIET, loaded_s: float = SECONDS_LOADED, kind: str = "auto") -> dict:
    """``frames_per_s`` of the 400-kHz source read by the real live loop (spiral drill, estimator,
    recorder writing the session, the view drawing at 60 fps, Agg offscreen) while one busy
    process per core but one (at least one) spins, against ``quiet_frames_per_s``: the same source
    drained alone, measured in the same child, just before. The child keeps matplotlib out of the
    bench; the busy processes are started and ended here, by their id."""
    import os
    import subprocess
    import sys

    hogs_n = max(1, (os.cpu_count() or 1) - 1)
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    p = subprocess.Popen([sys.executable, "-m", "trainer.bench.acquisition", "under_load", str(quiet_s),
                          str(loaded_s), str(hogs_n), kind], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    try:
        out, err = p.communicate(timeout=120 + quiet_s + loaded_s)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return {"error": "the under-load child did not finish in time"}
    if p.returncode:
        return {"error": (err.strip().splitlines() or ["under-load child failed"])[-1]}
    return json.loads(out.strip().splitlines()[-1])


def _spin():  # pragma: no cover - a busy process
    while True:
        pass


def _child_under_load(quiet_s: float, loaded_s: float, hogs_n: int, kind: str = "auto") -> dict:
    import multiprocessing

    from trainer.app.live import run_drill
    from trainer.bench.live import live_spiral
    from trainer.ui.view import LiveView

    layout = load_layout("default-6")
    clock = RealClock()

    def source():                         # kind: auto (the product's choice), process or thread
        return open_source("ads1115", layout, clock, math.inf, i2c=_bus(layout, clock, 400), acquisition=kind)

    src = source()
    try:
        quiet_block, _ = _consume(src, quiet_s)
    finally:
        src.close()
    quiet, _ = _rates(quiet_block)

    view = LiveView(layout, title="footmat — bench under load", fps=60.0)
    ctx = multiprocessing.get_context("spawn")
    hogs = [ctx.Process(target=_spin, daemon=True) for _ in range(hogs_n)]
    for h in hogs:
        h.start()
    stamps = []
    live = live_spiral(loops=50, period_s=12.0, source=lambda _layout, _clock: source())
    src = live.source
    try:
        f0 = view.frames_drawn
        t0 = time.perf_counter()
        run_drill(src, live.engine, live.writer, view, estimator=live.estimator, max_seconds=loaded_s,
                  on_block=lambda block, _engine: stamps.append(block.t))
        wall = time.perf_counter() - t0
        drawn = view.frames_drawn - f0
        counters = dict(src.counters)
    finally:
        src.close()
        for h in hogs:
            h.terminate()
            h.join(5)
        live.close()
        view.close()
    t = np.concatenate(stamps)
    loaded, overall = _rates(FrameBlock(t, np.zeros((len(t), 0)), np.zeros(len(t), np.uint16)))
    return {"frames_per_s": round(float(loaded), 1), "frames_per_s_overall": round(float(overall), 1),
            "quiet_frames_per_s": round(float(quiet), 1), "ratio": round(float(loaded / quiet), 3) if quiet else None,
            "view_fps": round(drawn / wall, 1), "busy_processes": hogs_n, "sampler": src.acquisition[0], "seconds": round(wall, 2),
            "late": int(counters.get("late") or 0), "dropped": int(counters.get("dropped") or 0),
            "scenario": ("the 400-kHz timing-faithful simulated chips (constant inputs), free-running; the live "
                         "loop of a spiral drill with the recorder and the view at 60 fps (Agg), "
                         f"{hogs_n} busy process(es)")}


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:2] == ["under_load"]:
        print(json.dumps(_child_under_load(float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])))
    else:
        print(json.dumps(acquisition(), indent=2))
