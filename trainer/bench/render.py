"""Bench sections `render` and `latency`, and `startup.first_frame_s` (PRODUCT.md §8).

Every measurement runs in a child process (``python -m trainer.bench.render KIND``) so the view
gets a real window: the child uses TkAgg on ``$DISPLAY``, or on an ``Xvfb`` this module starts
when there is no display, and falls back to the offscreen Agg canvas when neither Tk nor Xvfb is
there (the ``canvas`` key says which). The CPU share is the child's own (all its threads; an X
server's drawing is not in it).

- ``render``: the whole live drill — the simulated mat read through the real driver with the
  chips converting instantly, paced by the real clock at 200 Hz, the engine, the session
  recorder and the view at 30 fps — run by ``trainer.app.live.run_drill``: view frames per second,
  achieved sampling rate (and late/dropped frames), CPU % of one core: the product's share
  (``cpu_pct_one_core``, the targets') with the simulated chips' own cost measured inside the
  same run and kept apart (``sim_cpu_pct_one_core``, :class:`SimMeter`), and the total.
- ``latency``: a step response. A simulated person with no lag, sway or smoothing steps their
  *true* CoP between two points 70 mm apart at random moments; the time from each step to the
  end of the first frame whose drawn marker has moved half-way (display filter included) is
  measured; median and p95, at 30 fps and at 60 fps.
- ``first_frame_s``: from starting ``footmat demo`` (a fresh ``FOOTMAT_HOME``) to the first
  frame of the view on screen; median of three.
"""
from __future__ import annotations

import json
import os
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from firmware.clock import RealClock
from firmware.layout import load_layout
from firmware.sim.backend import open_sim
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptBuilder, ScriptedPerson

from trainer.app import drill as runner
from trainer.app.live import run_drill
from trainer.app.simcal import nominal_sim_calibration
from trainer.app.simperson import natural_centre
from trainer.bench import temporary_home
from trainer.bench.live import live_spiral
from trainer.drills.engine import DrillEngine, SpiralDrill
from trainer.estimate.estimator import Estimator
from trainer.ui.display_filter import CopFilter, step_response_half_ms

RENDER_S = 15.0
STEPS = 30


# -- the display the children draw on -------------------------------------------------------------
def _tk_ok(env) -> bool:
    r = subprocess.run([sys.executable, "-c", "import tkinter; tkinter.Tk().destroy()"], env=env,
                       capture_output=True, timeout=30)
    return r.returncode == 0



def start_xvfb(screen: str = "1024x768x24"):
    """Start a virtual X server on a free display; returns (process, display number or None)."""
    r_fd, w_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w_fd), "-screen", "0", screen, "-nolisten", "tcp"],
                            pass_fds=(w_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w_fd)
    data = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not data.endswith(b"\n"):
        ready, _, _ = select.select([r_fd], [], [], 0.2)
        if ready:
            chunk = os.read(r_fd, 16)
            if not chunk:
                break
            data += chunk
    os.close(r_fd)
    return proc, (data.decode().strip() or None)

class _Display:
    """DISPLAY for the children: the user's, a private Xvfb, or none (Agg)."""

    def __init__(self):
        self.proc = None
        self.env = dict(os.environ)
        self.env.pop("FOOTMAT_FULLSCREEN", None)
        if self.env.get("DISPLAY") and _tk_ok(self.env):
            self.env["MPLBACKEND"] = "TkAgg"
            self.canvas = f"TkAgg window on {self.env['DISPLAY']}"
            return
        if shutil.which("Xvfb"):
            num = self._start_xvfb()
            if num is not None:
                self.env["DISPLAY"] = f":{num}"
                if _tk_ok(self.env):
                    self.env["MPLBACKEND"] = "TkAgg"
                    self.canvas = f"TkAgg window on Xvfb :{num} (1024x768x24)"
                    return
                self.close()
        self.env.pop("DISPLAY", None)
        self.env["MPLBACKEND"] = "Agg"
        self.canvas = "offscreen Agg canvas (no display, Tk or Xvfb)"

    def _start_xvfb(self):
        self.proc, num = start_xvfb()
        return num

    def close(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _child(kind: str, display: _Display, *args: str, timeout: float = 240) -> dict:
    env = dict(display.env)        # FOOTMAT_HOME: the bench's temporary home (trainer.bench.temporary_home)
    r = subprocess.run([sys.executable, "-m", "trainer.bench.render", kind, *args], env=env,
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"{kind} child failed: {tail}"}
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["canvas"] = display.canvas
    return out


# -- sections ---------------------------------------------------------------------------------------
def render() -> dict:
    with _Display() as d:
        out = _child("render", d, str(RENDER_S), "30")
        out["at_60fps"] = _child("render", d, str(RENDER_S), "60")     # the same drill, the view at 60 fps
    out["setup"] = ("default-6, simulated ADS1115 chips converting instantly read through the register-level "
                    "driver on the fake bus, real clock at 200 Hz, drill engine + session recorder + view at 30 fps "
                    "(at_60fps: at 60 fps), "
                    f"run by trainer.app.live.run_drill for {RENDER_S:g} s (countdown included). CPU = the process's "
                    "user+system time over wall time: total_cpu_pct_one_core is all of it; cpu_pct_one_core is the "
                    "product's share, which EXCLUDES only the simulated chips (sim_cpu_pct_one_core: the thread CPU "
                    "time inside each simulated ADS1115's write/read, i.e. its register emulation, conversions and the "
                    "simulated mat's physics and person, work the real chips do on a Pi) and INCLUDES the real "
                    "driver, the sampler thread and the fake bus's own transaction code (standing in for the Pi's "
                    "busio/kernel I2C cost). Split of the product's share by thread: view_cpu_pct_one_core (the "
                    "view's frames, thread CPU), acquisition_cpu_pct_one_core (driver + sampler), "
                    "loop_cpu_pct_one_core (estimator, engine, display filter, recorder, the loop), "
                    "other_cpu_pct_one_core; view_pct_one_core / view_ms_per_frame are wall time in the view's frames "
                    "(GIL and CPU waits included); view_frames_unchanged: frames counted in view_fps whose pixels "
                    "were all the last frame's (no marker or trail vertex moved a pixel), so nothing was drawn or "
                    "copied. source_only: the simulated mat read alone, split the same way")
    return out


def latency() -> dict:
    with _Display() as d:
        at30 = _child("latency", d, "30", str(STEPS))
        at60 = _child("latency", d, "60", str(STEPS))
    out = dict(at30)
    out["at_60fps"] = at60
    out["filter"] = {"kind": "2nd-order 10 Hz Butterworth, causal, every sample",
                     "delay_ms": round(CopFilter(200.0).delay_ms, 1),
                     "step_half_ms_at_200hz": step_response_half_ms(200.0)}
    out["setup"] = (f"{STEPS} steps of the simulator's true CoP (70 mm left-right, no lag/sway/smoothing), "
                    "simulated chips at 200 Hz on the real clock, engine + display filter + view; latency = "
                    "step time to the end of the first frame whose drawn marker is half-way")
    return out


def first_frame_s(repeat: int = 3) -> float:
    times = []
    with _Display() as d:
        for _ in range(repeat):
            with temporary_home(fresh=True) as first_home:     # a first start: an empty home each time
                env = dict(d.env, FOOTMAT_HOME=str(first_home))
                t0 = time.monotonic()
                p = subprocess.Popen([sys.executable, "-m", "trainer.bench.render", "first_frame"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                line = p.stdout.readline()
                t1 = time.monotonic()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if line.startswith("first frame"):
                times.append(t1 - t0)
    return round(statistics.median(times), 3) if times else float("nan")


# -- the children -------------------------------------------------------------------------------------
class SimMeter:
    """CPU time the *simulated* chips cost, measured inside the run: each simulated ADS1115's
    ``write`` / ``read`` (its register emulation, the conversion it finishes and the simulated
    mat's physics and person behind it), timed with the calling thread's CPU clock. On a Pi that
    work is done by the chips themselves. The real driver (``firmware.ads1115`` on the Adafruit
    ``I2CDevice``), the sampler and the fake bus's own transaction code (standing in for Blinka's
    busio and the kernel's ioctl, which a Pi pays instead) stay outside it: the product's figure."""

    def __init__(self, source):
        self.cpu_s = 0.0
        self.calls = 0
        bus = getattr(getattr(source, "reader", None), "i2c", None)
        for chip in getattr(bus, "devices", {}).values():
            for name in ("write", "read"):
                setattr(chip, name, self._timed(getattr(chip, name)))   # the instance's, the class untouched

    def _timed(self, fn):
        clock = time.thread_time

        def timed(*args):
            t0 = clock()
            try:
                return fn(*args)
            finally:
                self.cpu_s += clock() - t0
                self.calls += 1

        return timed


def _thread_cpu_s(thread) -> float:
    """CPU seconds of a running thread (0 when it is not running, or the OS cannot tell)."""
    ident = getattr(thread, "ident", None)
    if ident is None:
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(ident))
    except (AttributeError, OSError):
        return 0.0


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _pct(s: float, wall: float) -> float:
    return round(100 * s / wall, 1)


def _child_render(seconds: float, fps: float) -> dict:
    from trainer.ui.view import LiveView     # matplotlib: only in the child that draws

    live = live_spiral(loops=3, period_s=12.0)
    source, layout = live.source, live.layout
    sim = SimMeter(source)
    view = LiveView(layout, title="footmat — bench render", fps=fps)
    f0 = view.frames_drawn
    main0 = time.thread_time()
    c0 = _cpu_s()
    t0 = time.perf_counter()
    acq = {}

    def on_block(block, engine):        # the acquisition thread's CPU, read while it runs
        acq["s"] = _thread_cpu_s(getattr(source, "_thread", None))

    frames = run_drill(source, live.engine, live.writer, view, estimator=live.estimator, max_seconds=seconds,
                       on_block=on_block)
    wall = time.perf_counter() - t0
    total = _cpu_s() - c0
    main = time.thread_time() - main0
    counters = dict(source.counters)
    live.close()
    view.close()
    drawn = max(view.frames_drawn - f0, 1)
    product = total - sim.cpu_s
    acq_s = acq.get("s", 0.0)
    return {"view_fps": round((view.frames_drawn - f0) / wall, 1), "sampling_hz": round(frames / wall, 1),
            "cpu_pct_one_core": _pct(product, wall),
            "sim_cpu_pct_one_core": _pct(sim.cpu_s, wall),
            "total_cpu_pct_one_core": _pct(total, wall),
            "target_fps": fps, "seconds": round(wall, 2),
            "view_ms_per_frame": round(1e3 * view.draw_s / drawn, 2),
            "view_pct_one_core": _pct(view.draw_s, wall),
            "view_cpu_ms_per_frame": round(1e3 * view.draw_cpu_s / drawn, 2),
            # frames on the grid whose pixels were all the last frame's (nothing moved a pixel): counted
            # in view_fps, nothing drawn or copied for them
            "view_frames_unchanged": view.frames_unchanged,
            "view_cpu_pct_one_core": _pct(view.draw_cpu_s, wall),
            # the product's share split by thread: the acquisition thread without the simulated chips
            # (driver + sampler), the live loop without the view (estimator, engine, display filter,
            # recorder, the loop itself), and the rest (start-up of threads, the engine's scoring thread)
            "acquisition_cpu_pct_one_core": _pct(max(acq_s - sim.cpu_s, 0.0), wall),
            "loop_cpu_pct_one_core": _pct(main - view.draw_cpu_s, wall),
            "other_cpu_pct_one_core": _pct(max(total - main - acq_s, 0.0), wall),
            "source_only": _source_only(min(seconds, 5.0)),
            "frames": frames, "late": counters.get("late"), "dropped": counters.get("dropped"),
            "max_jitter_ms": round(float(counters.get("max_jitter_ms") or 0.0), 2)}


def _source_only(seconds: float) -> dict:
    """The simulated mat alone (physics + chips + driver + acquisition thread), the simulated
    chips' share (:class:`SimMeter`) apart: what the view cannot change."""
    layout = load_layout("default-6")
    person = ScriptedPerson(Script.still(*natural_centre(layout)), seed=1)
    source = open_sim(layout, SimMat(layout, person, seed=1), RealClock(), 200.0)
    sim = SimMeter(source)
    c0 = _cpu_s()
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < seconds:
        n += len(source.read())
    wall = time.perf_counter() - t0
    total = _cpu_s() - c0
    source.close()
    return {"sampling_hz": round(n / wall, 1), "cpu_pct_one_core": _pct(total - sim.cpu_s, wall),
            "sim_cpu_pct_one_core": _pct(sim.cpu_s, wall), "total_cpu_pct_one_core": _pct(total, wall)}


def _child_latency(fps: float, steps: int) -> dict:
    from trainer.ui.view import LiveView     # matplotlib: only in the child that draws

    layout = load_layout("default-6")
    cal = nominal_sim_calibration(layout)
    clock = RealClock()
    c = natural_centre(layout)
    a, b = c + [-35.0, 0.0], c + [35.0, 0.0]
    rng = np.random.default_rng(5)
    view = LiveView(layout, title="footmat — bench latency", fps=fps)
    t_start = clock.now() + 0.5
    sb = ScriptBuilder(*a, t0=t_start)
    sb.hold(1.0)
    step_t = []
    for i in range(steps):
        p = b if i % 2 == 0 else a
        sb.move_to(*p, 1e-6)
        step_t.append(sb.now)
        sb.hold(float(rng.uniform(0.45, 0.65)))
    person = ScriptedPerson(sb.build(), lag_s=0.0, sway_mm=0.0, smooth_s=0.0, seed=1)
    source = open_sim(layout, SimMat(layout, person, seed=1), clock, 200.0)
    estimator = Estimator(layout, cal, person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=1, period_s=600.0), layout, person.weight_n, 200.0)
    drawn_t, drawn = [], []
    draw = view.maybe_draw

    def recorded(*args, **kw):       # the live loop's own frames, as they reach the screen
        if draw(*args, **kw):
            drawn_t.append(view.last_draw_t)
            drawn.append(view.drawn_cop.copy())
            return True
        return False

    view.maybe_draw = recorded
    end = step_t[-1] + 0.6
    f0 = view.frames_drawn
    t0 = time.perf_counter()
    run_drill(source, engine, None, view, estimator=estimator, max_seconds=end - clock.now())
    wall = time.perf_counter() - t0
    fps_got = (view.frames_drawn - f0) / wall
    source.close()
    view.close()
    drawn_t = np.array(drawn_t)
    drawn = np.array(drawn)
    lat = []
    bounds = step_t + [end]
    for i, ts in enumerate(step_t):
        before = drawn[(drawn_t > ts - 0.15) & (drawn_t < ts)]
        after = drawn[(drawn_t > ts + 0.3) & (drawn_t < bounds[i + 1])]
        if not len(before) or not len(after):
            continue
        p0, p1 = np.nanmedian(before, axis=0), np.nanmedian(after, axis=0)
        u = p1 - p0
        if not np.hypot(*u) > 10.0:
            continue
        sel = drawn_t >= ts
        prog = (drawn[sel] - p0) @ u / (u @ u)
        k = np.flatnonzero(prog >= 0.5)
        if k.size:
            lat.append(1e3 * (drawn_t[sel][k[0]] - ts))
    lat = np.array(lat)
    return {"p50_ms": round(float(np.median(lat)), 1) if lat.size else None,
            "p95_ms": round(float(np.percentile(lat, 95)), 1) if lat.size else None,
            "max_ms": round(float(lat.max()), 1) if lat.size else None,
            "view_fps": round(fps_got, 1), "target_fps": fps, "steps_measured": int(lat.size)}


def _child_first_frame() -> None:
    """Run ``footmat demo``; print when its view has drawn its first frame, then leave."""
    from trainer.ui import view               # matplotlib: only in the child that draws

    draw = view.LiveView.draw

    def first_draw(self):
        draw(self)
        if self.interactive:
            self.fig.canvas.flush_events()
        print("first frame", flush=True)
        os._exit(0)

    view.LiveView.draw = first_draw
    runner.has_display = lambda: True       # offscreen Agg when there is no display at all
    from ..cli import main

    out = tempfile.mkdtemp(prefix="demo-", dir=os.environ["FOOTMAT_HOME"])   # removed with the bench's home
    main(["demo", "--seconds", "20", "--out", out])


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "render":
        print(json.dumps(_child_render(float(argv[1]), float(argv[2]))))
    elif kind == "latency":
        print(json.dumps(_child_latency(float(argv[1]), int(argv[2]))))
    elif kind == "first_frame":
        _child_first_frame()
    else:
        raise SystemExit(f"unknown measurement {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
