"""The live mirror's sending end (trainer/app/publish.py): what a drill publishes on
$FOOTMAT_HOME/run/live.sock, and that it never waits for a server — none, a slow one, or one that
goes away."""
import json
import os
import select
import socket
import threading
import time

import numpy as np
import pytest

from firmware.clock import RealClock, VirtualClock
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.app import publish
from trainer.app.live import run_drill
from trainer.app.publish import Publisher, SocketAddress, socket_path
from trainer.app.simcal import nominal_sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.engine import DrillEngine, SpiralDrill
from trainer.drills.status import DrillStatus
from trainer.drills.targets import foot_outline, heel_x
from trainer.estimate.estimator import Estimator


def rig(loops=1, period_s=6.0, clock=None):
    """A simulated person on the simulated mat doing the spiral: (source, estimator, engine)."""
    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=3)
    est = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=loops, period_s=period_s), layout, person.weight_n, 200.0)
    follower.engine = engine
    # on a real clock, blocks of 25 ms as the mat's sampler hands them over (the live loop's BLOCK_S)
    src = VectorSimSource(SimMat(layout, person, seed=3), clock or VirtualClock(), chunk_s=0.025 if clock else 0.05)
    return src, est, engine


def step(src, est, engine):
    b = src.read()
    engine.process(est.estimate(b))
    return float(b.t[-1])


class Server:
    """The server's end of the channel, as trainer.web.live binds it (a plain datagram socket)."""

    def __init__(self, path, watched=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        if watched:                                   # a browser watches (the server keeps this file then)
            path.with_name(publish.WATCHED_NAME).touch()
        self.addr = SocketAddress(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.addr.address)
        self.sock.setblocking(False)

    def recv_all(self):
        out = []
        while True:
            try:
                out.append(json.loads(self.sock.recv(1 << 20)))
            except BlockingIOError:
                return out

    def close(self):
        self.sock.close()
        self.addr.close()


class ReadingServer(Server):
    """A server that reads as it comes (a thread), as the app's event loop does: a Unix datagram
    socket queues only net.unix.max_dgram_qlen (10) messages."""

    def __init__(self, path):
        super().__init__(path)
        self.got, self._stop = [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if r:
                self.got.extend(self.recv_all())

    def close(self):
        self._stop.set()
        self.thread.join(2)
        self.got.extend(self.recv_all())
        super().close()


def test_without_a_server_a_publisher_does_nothing_and_looks_again_once_a_second(footmat_home):
    src, est, engine = rig()
    pub = Publisher(engine, retry_s=1.0)
    assert pub.path == footmat_home / "run" / "live.sock"
    for _ in range(40):
        assert pub.publish(step(src, est, engine)) is False
    assert not pub.connected and pub.stats["built"] == 0 and pub.stats["sent"] == 0
    # a server appears: found at the next look (here made due at once), hello first, then states
    server = Server(socket_path())
    try:
        pub._retry_at = 0.0
        assert pub.publish(step(src, est, engine)) is True
        msgs = server.recv_all()
        assert [m["k"] for m in msgs] == ["hello", "state"]
    finally:
        server.close()


def test_a_server_nobody_watches_gets_nothing_until_someone_does(footmat_home):
    src, est, engine = rig()
    server = Server(socket_path(), watched=False)
    pub = Publisher(engine, max_hz=1e6, retry_s=0.0)
    try:
        for _ in range(20):
            assert pub.publish(step(src, est, engine)) is False
        assert pub.connected and pub.stats["built"] == 0 and server.recv_all() == []
        publish.watched_path().touch()                # a browser connects
        assert pub.publish(step(src, est, engine))
        assert [m["k"] for m in server.recv_all()] == ["hello", "state"]
        publish.watched_path().unlink()               # and leaves
        assert pub.publish(step(src, est, engine)) is False and server.recv_all() == []
    finally:
        server.close()


def test_the_messages_are_the_mat_views_geometry_and_the_engines_view_state(footmat_home):
    src, est, engine = rig()
    server = Server(socket_path())
    pub = Publisher(engine, max_hz=1e6)
    reader = DrillStatus(engine, engine.layout, "full")
    seen_running, states = False, []
    try:
        while not engine.done:
            t = step(src, est, engine)
            assert pub.publish(t)
            got = server.recv_all()
            expect = reader.read(engine.snapshot)
            st = [m for m in got if m["k"] == "state"][-1]
            states.append(st)
            assert st["t"] == pytest.approx(expect.t, abs=1e-3) and st["mono"] == t
            assert (st["state"], st["cue"], st["hint"]) == (expect.state, expect.cue, expect.hint)
            assert st["counter"]["value"] == expect.counter.value and st["counter"]["label"] == expect.counter.label
            if expect.state == "running":
                seen_running = True
                assert st["cop"] == pytest.approx(expect.cop.tolist(), abs=0.06)
                assert st["forces"] == pytest.approx(np.asarray(expect.forces).tolist(), abs=0.06)
                for f in ("left", "right"):
                    assert st["feet"][f]["cop"] == pytest.approx(expect.feet[f].cop.tolist(), abs=0.06)
                    assert st["feet"][f]["share"] == pytest.approx(expect.feet[f].share, abs=6e-4)
                assert st["ring"]["label"] == expect.ring.label and st["ring"]["foot"] == expect.ring.foot
                assert st["ring"]["xy"] == pytest.approx(expect.ring.xy.tolist(), abs=0.06)
                assert st["ring"]["inside"] == expect.ring.inside
                assert set(st["zones"]) == {"left", "right"}
        pub.close("complete")
        tail = server.recv_all()
    finally:
        server.close()
    assert seen_running
    assert [s["seq"] for s in states] == list(range(1, len(states) + 1))
    assert tail[-1] == {"k": "end", "reason": "complete", "wall": tail[-1]["wall"]}
    assert tail[-2]["k"] == "state" and tail[-2]["state"] == "done"
    # the hello: the layout's sensors, the view's own foot outlines, the drill, the target path
    layout = engine.layout
    pub2 = Publisher(engine)
    hello = pub2.hello(engine.path_xy())
    assert hello["drill"] == "spiral" and hello["layout"] == layout.name
    assert [(s["name"], s["x"], s["y"]) for s in hello["sensors"]] == [(s.name, s.x_mm, s.y_mm) for s in layout.sensors]
    for f in ("left", "right"):
        ref = np.array(foot_outline(layout.foot_length_mm, heel_x(layout, f), f))
        assert np.allclose(hello["outlines"][f], ref, atol=0.06)
    assert 2 < len(hello["path"]) <= publish.PATH_MAX_POINTS


def test_a_slow_server_costs_the_loop_nothing_the_oldest_messages_are_dropped(footmat_home):
    src, est, engine = rig(loops=1, period_s=4.0)
    server = Server(socket_path())      # reads nothing until the end: its queue (10 datagrams) fills
    pub = Publisher(engine, max_hz=1e6, queue_n=8)
    worst = 0.0
    try:
        while not engine.done:
            t = step(src, est, engine)
            t0 = time.thread_time()
            pub.publish(t)
            worst = max(worst, time.thread_time() - t0)
            assert len(pub.queue) <= 8
        assert pub.stats["dropped"] > 0 and pub.connected
        newest = json.loads(pub.queue[-1])["seq"]
        assert newest == pub.seq                      # the newest stays, the oldest went
        first = server.recv_all()
        pub.flush()                                   # room again: what waited goes, newest last
        later = server.recv_all()
        newest = pub.seq
        pub._hello_due = True                         # (as when a hello has fallen out of the queue)
        pub.publish(step(src, est, engine))
        again = server.recv_all()
    finally:
        server.close()
    assert worst < 0.05                               # CPU of one call: never a wait
    assert first and later and later[-1]["seq"] == newest
    seqs = [m["seq"] for m in first + later if m["k"] == "state"]
    assert seqs == sorted(seqs) and len(seqs) < pub.seq    # in order, the missing ones dropped
    assert [m["k"] for m in first][:2] == ["hello", "state"] and [m["k"] for m in again] == ["hello", "state"]
    assert "hello" in [m["k"] for m in later]     # the target path's hello (made while the server was full) survived


def test_a_server_that_goes_away_is_forgotten_and_found_again(footmat_home):
    src, est, engine = rig()
    path = socket_path()
    server = Server(path)
    pub = Publisher(engine, max_hz=1e6, retry_s=0.0)
    assert pub.publish(step(src, est, engine)) and pub.connected
    server.close()
    os.unlink(path)
    assert pub.publish(step(src, est, engine)) is False or not pub.connected
    assert not pub.connected and not pub.queue
    server = Server(path)                             # a new server: a hello again, then states
    try:
        assert pub.publish(step(src, est, engine))
        assert [m["k"] for m in server.recv_all()][:2] == ["hello", "state"]
    finally:
        server.close()


def test_a_long_home_path_is_reached_through_its_open_folder(tmp_path, monkeypatch):
    home = tmp_path / ("deep" * 30) / "home"
    monkeypatch.setenv("FOOTMAT_HOME", str(home))
    assert len(str(socket_path())) > publish.SUN_PATH_MAX
    src, est, engine = rig()
    server = Server(socket_path())
    try:
        assert server.addr.address.startswith("/proc/self/fd/") and socket_path().exists()
        pub = Publisher(engine)
        assert pub.publish(step(src, est, engine))
        assert [m["k"] for m in server.recv_all()] == ["hello", "state"]
    finally:
        server.close()


def test_the_live_loop_publishes_on_a_real_clock_only(footmat_home):
    server = ReadingServer(socket_path())
    try:
        src, est, engine = rig(loops=1, period_s=6.0)
        run_drill(src, engine, estimator=est, max_seconds=1.0)          # virtual time: nothing
        time.sleep(0.1)
        assert server.got == []
        src, est, engine = rig(loops=1, period_s=6.0, clock=RealClock())
        t0 = time.perf_counter()
        run_drill(src, engine, estimator=est, max_seconds=2.0)          # real time, no view: ~40 a second
        wall = time.perf_counter() - t0
    finally:
        server.close()
    msgs = server.got
    states = [m for m in msgs if m["k"] == "state"]
    assert msgs[0]["k"] == "hello" and msgs[-1]["k"] == "end"
    # a state for every block of 25 ms (at most MAX_HZ): >= 25 for each second of the mat's frames
    # (the wall clock can run behind them when the machine is busy: this counts what was published)
    span = states[-1]["mono"] - states[0]["mono"]
    assert span > 1.5 and (len(states) - 1) / span >= 25, (len(states), span, wall)
    assert all(0 <= time.perf_counter() - s["mono"] < 10 for s in states)     # frames stamped on the monotonic clock


def test_with_a_view_the_states_sent_are_the_ones_the_view_drew(footmat_home):
    from trainer.ui.view import LiveView

    server = ReadingServer(socket_path())
    src, est, engine = rig(loops=1, period_s=6.0, clock=RealClock())
    view = LiveView(engine.layout)                      # Agg: drawn off screen, at 30 fps
    drawn = []
    draw = view.maybe_draw

    def maybe_draw(*a, **kw):
        ok = draw(*a, **kw)
        if ok:
            drawn.append((view.status.t, view.status.cue, view.status.counter.value))
        return ok
    view.maybe_draw = maybe_draw
    try:
        run_drill(src, engine, view=view, estimator=est, max_seconds=1.5)
    finally:
        view.close()
        server.close()
    states = [m for m in server.got if m["k"] == "state"]
    assert server.got[-1]["k"] == "end"
    sent = [(m["t"], m["cue"], m["counter"]["value"]) for m in states[:-1]]     # the last: read at the end
    assert len(sent) >= 0.9 * len(drawn) and len(drawn) >= 20
    assert all(any(abs(t - d[0]) < 1e-3 and (c, v) == d[1:] for d in drawn) for t, c, v in sent)
