"""Bench section `web`: the live mirror (issue 30, PRODUCT.md §10).

- ``live_p95_ms`` / ``live_p50_ms`` / ``live_max_ms``: a frame on the mat → a WebSocket client of
  ``/api/live``, same machine. A real ``footmat drill spiral`` process (simulated mat, real time,
  no view) publishes to a real uvicorn server (``create_app``, in a thread of this process); the
  client (this process's main thread, the bearer token) takes each state's ``mono`` — the newest
  frame's time stamped by the mat's sampler on the machine's monotonic clock, the same clock in
  every process — from its own ``time.perf_counter()`` on arrival. The first :data:`LIVE_S` seconds
  of states count, from the drill's first (its countdown, then the drill). A frame that arrives just after a state was sent waits for the next one as well
  (``live_interval_ms``, the median gap between states).
- ``live_updates_per_s``: states received per second while the drill runs.
- ``publish_cpu_us_per_state`` (median, and p95): the publisher's CPU time (thread time) in the live
  loop for one state: reading the engine's view state, encoding it and sending it, with a server
  reading and a browser watching; ``publish_idle_cpu_us`` the same call when no server listens (it
  only looks at the clock; a server nobody watches costs the same);
  ``publish_slow_server_cpu_us`` (median, and max) with a server that never reads (its queue
  full: each call builds its state, finds ``EAGAIN`` and drops the oldest); ``state_bytes`` a
  state's size (median). Spiral, virtual time, every block published.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time

import numpy as np

LIVE_S = 5.0              # seconds of the drill's states measured
DRILL = ["drill", "spiral", "--loops", "1", "--period", "8", "--backend", "sim", "--no-plot", "--realtime",
         "--pain-before", "0", "--pain-after", "0", "--audio", "off"]


def web() -> dict:
    out = publish_cost()
    out.update(live_stream())
    return out


# -- the publisher's cost in the live loop ------------------------------------------------------
def publish_cost() -> dict:
    from firmware.clock import VirtualClock
    from firmware.layout import load_layout
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptedPerson
    from firmware.sim.vector import VectorSimSource
    from trainer.app.publish import WATCHED_NAME, Publisher, SocketAddress, socket_path
    from trainer.app.simcal import nominal_sim_calibration
    from trainer.app.simperson import Follower, natural_centre
    from trainer.drills.engine import DrillEngine, SpiralDrill
    from trainer.estimate.estimator import Estimator

    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=3)
    est = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=1, period_s=5.0), layout, person.weight_n, 200.0)
    follower.engine = engine
    src = VectorSimSource(SimMat(layout, person, seed=3), VirtualClock(), chunk_s=0.025)
    path = socket_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    addr = SocketAddress(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(addr.address)
    server.setblocking(False)
    watched = path.with_name(WATCHED_NAME)
    watched.touch()                      # a browser watches (else a publisher builds nothing)
    slow_path = path.parent / "slow" / path.name         # a server that never reads: its queue full
    slow_path.parent.mkdir(exist_ok=True)
    slow_addr = SocketAddress(slow_path)
    slow_server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    slow_server.bind(slow_addr.address)
    slow_path.with_name(WATCHED_NAME).touch()
    pub = Publisher(engine, max_hz=1e9)
    idle = Publisher(engine, path=path.with_name("nobody.sock"), max_hz=1e9)
    slow = Publisher(engine, path=slow_path, max_hz=1e9)
    busy, free, stuck, sizes = [], [], [], []
    try:
        while not engine.done:
            b = src.read()
            engine.process(est.estimate(b))
            t0 = time.thread_time()
            pub.publish(float(b.t[-1]))
            t1 = time.thread_time()
            idle.publish(float(b.t[-1]))
            t2 = time.thread_time()
            slow.publish(float(b.t[-1]))
            t3 = time.thread_time()
            busy.append(t1 - t0)
            free.append(t2 - t1)
            stuck.append(t3 - t2)
            while True:
                try:
                    data = server.recv(1 << 20)
                except BlockingIOError:
                    break
                if data.startswith(b'{"k":"state"'):
                    sizes.append(len(data))
    finally:
        server.close()
        addr.close()
        slow_server.close()
        slow_addr.close()
        path.unlink(missing_ok=True)
        watched.unlink(missing_ok=True)
    busy_us, free_us = np.array(busy) * 1e6, np.array(free) * 1e6
    return {"publish_cpu_us_per_state": round(float(np.median(busy_us)), 1),
            "publish_cpu_p95_us": round(float(np.percentile(busy_us, 95)), 1),
            "publish_idle_cpu_us": round(float(np.median(free_us)), 2),
            "publish_slow_server_cpu_us": round(float(np.median(np.array(stuck) * 1e6)), 1),
            "publish_slow_server_max_us": round(float(np.max(np.array(stuck) * 1e6)), 1),
            "publish_slow_server_dropped": slow.stats["dropped"],
            "publish_cpu_pct_at_40hz": round(float(np.median(busy_us)) * 40 / 1e4, 2),
            "state_bytes": int(np.median(sizes)) if sizes else None,
            "publish_states": len(busy)}


# -- a drill process → the server → a WebSocket client ------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _watch(url: str, token: str, proc, seconds: float, timeout_s: float = 90.0):
    import websockets

    got = []
    t_start = time.perf_counter()
    first = None
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                                  max_size=1 << 22) as ws:
        while True:
            now = time.perf_counter()
            if first is not None and now - first >= seconds:
                break
            if now - t_start > timeout_s or (proc.poll() is not None and first is None):
                break
            try:
                raw = await asyncio.wait_for(ws.recv(), 2.0)
            except asyncio.TimeoutError:
                continue
            t = time.perf_counter()
            m = json.loads(raw)
            if m.get("k") == "end":
                break
            if m.get("k") == "state" and m.get("mono") is not None:
                if first is None:
                    first = t
                got.append((t, float(m["mono"]), int(m["seq"])))
    return got, (None if first is None else first - t_start)


def live_stream() -> dict:
    import uvicorn

    from trainer.web.app import create_app
    from trainer.web.context import make_context

    token = secrets.token_urlsafe(24)
    ctx = make_context(token=token)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.05)
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "trainer.cli", *DRILL], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        got, first_s = asyncio.run(_watch(f"ws://127.0.0.1:{port}/api/live", token, proc, LIVE_S))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        server.should_exit = True
        thread.join(15)
    if len(got) < 2:
        return {"live_p95_ms": None, "live_updates_per_s": None,
                "live_note": "no state of the drill reached the client"}
    t = np.array([g[0] for g in got])
    mono = np.array([g[1] for g in got])
    lat = (t - mono) * 1e3
    seqs = [g[2] for g in got]
    return {"live_p95_ms": round(float(np.percentile(lat, 95)), 1),
            "live_p50_ms": round(float(np.median(lat)), 1),
            "live_max_ms": round(float(lat.max()), 1),
            "live_updates_per_s": round((len(got) - 1) / float(t[-1] - t[0]), 1),
            "live_interval_ms": round(float(np.median(np.diff(t))) * 1e3, 1),
            "live_states": len(got),
            "live_lost": int(seqs[-1] - seqs[0] + 1 - len(set(seqs))),
            "live_measured_s": round(float(t[-1] - t[0]), 2),
            "live_first_state_s": None if first_s is None else round(first_s, 2),
            "live_setup": f"footmat {' '.join(DRILL)} as its own process → footmat serve's app (uvicorn, this "
                          "process) → a WebSocket client with the bearer token (this process); latency from the "
                          "newest frame of each state (the sampler's monotonic time stamp) to its arrival"}
