"""The live mirror's sending end (PRODUCT.md §10): a drill on the mat publishes its view state to a
running ``footmat serve`` on the same ``FOOTMAT_HOME``, which streams it to a coach's browser
(:mod:`trainer.web.live`).

**The channel** is a Unix *datagram* socket, ``$FOOTMAT_HOME/run/live.sock``, bound by the server.
Why that and not a localhost port: it needs no port to choose, record or collide on; the folder
is the user's own (``run/`` is made 0700), so no other local user can read the mirror or feed it
fake frames; a datagram is one message (no framing, no stream to resynchronise); and a send never
waits: the socket is non-blocking, a missing server is one failed ``send`` (``ENOENT`` /
``ECONNREFUSED``), a full server queue is ``EAGAIN``. A path longer than a socket address allows
(deep test folders) is reached through ``/proc/self/fd/N/`` of the open folder.

**It never slows the live loop.** :meth:`Publisher.publish` is called once per block of the live
loop (every ~25–33 ms) and:

- without a server, does nothing but look at the clock; it tries the socket again once every
  :data:`RETRY_S`;
- with a server that nobody watches (no ``run/live.watched``, which the server makes while a
  browser is connected), does nothing either; it looks for a watcher once every :data:`RETRY_S`
  and, when one comes, sends the geometry first (the live timers of a hold already under way then
  start from that moment: the figures that count are the scorer's, in the summary);
- at most :data:`MAX_HZ` times a second (with a view: each frame it draws) reads the engine's
  status (:class:`~trainer.drills.status.DrillStatus`: the same single view-state object the mat's
  view draws; the view's own when it has just drawn one at full feedback), encodes it compactly (JSON,
  mm to 0.1, newtons to 0.1) and appends it to a bounded queue (:data:`QUEUE_N` messages: the
  oldest is dropped when full);
- sends what the queue holds without blocking, and stops at the first ``EAGAIN`` (a slow server):
  the rest waits for the next block, the oldest falling out first.

With a view at full feedback, the states sent are the ones the view drew (one reading of the
drill's live timers: the same picture on the mat and in the browser); otherwise the publisher reads
its own, at full feedback (``person_feedback`` says what the person sees). A live loop without a
view that is watched waits on the publisher's grid (:meth:`Publisher.until_next`) rather than a
fixed :data:`~trainer.app.live.BLOCK_S` after each block, so a busy machine still streams
:data:`MAX_HZ` states a second; unwatched, the loop is as it was.

The server's end of a Unix datagram socket queues at most ``net.unix.max_dgram_qlen`` messages
(10 on Linux: ~300 ms of states); the server reads them as they come (an event-loop reader).

Measured by ``footmat bench --section web``: ``web.publish_cpu_us_per_state`` (thread CPU time of
one call with a server reading) and ``web.publish_idle_cpu_us`` (no server).

The messages (JSON objects, ``k`` their kind):

- ``{"k": "hello", ...}``: the geometry, sent first on every connection and whenever the target
  path changes: the layout's sensors (name, foot, zone, x, y mm), each foot's outline (the mat
  view's own :func:`~trainer.drills.targets.foot_outline`), the view's extent, the drill, the
  person, the target path;
- ``{"k": "state", ...}``: one frame: ``seq``, ``t`` (drill clock, s), ``mono`` (the newest frame's
  time on the machine's monotonic clock: ``time.perf_counter`` on Linux, the same in every process,
  for the latency bench), ``wall`` (epoch s at sending), the state, cue and hint, the CoP and
  target, each foot's CoP, share and heel %, each sensor's load (N), the ring, the spiral's zones,
  the counter, the score and whether the person is holding on;
- ``{"k": "end", ...}``: the drill has ended (its last state was sent just before).
"""
from __future__ import annotations

import errno
import json
import math
import os
import socket
import time
from collections import deque
from pathlib import Path

import numpy as np

SOCKET_NAME = "live.sock"
WATCHED_NAME = "live.watched"   # present while someone watches (the server makes it): states are built only then
MAX_HZ = 40.0          # at most this many states a second (a view's 30 fps: each frame it draws)
QUEUE_N = 8            # messages waiting for a slow server; the oldest are dropped first
RETRY_S = 1.0          # how often a publisher without a server looks for one
PATH_MAX_POINTS = 400  # the target path in a hello message
SUN_PATH_MAX = 107     # bytes of a Unix socket address (Linux: 108 with the NUL)


def run_dir(home: Path | None = None) -> Path:
    """``$FOOTMAT_HOME/run``: where a running ``footmat serve`` puts its live socket (0700)."""
    if home is None:
        from trainer.sessions import home as _home
        home = _home.home()
    return Path(home) / "run"


def socket_path(home: Path | None = None) -> Path:
    return run_dir(home) / SOCKET_NAME


def watched_path(home: Path | None = None) -> Path:
    return run_dir(home) / WATCHED_NAME


class SocketAddress:
    """A Unix socket path usable as an address: itself when short enough, else the same file
    through ``/proc/self/fd/N/`` of its open folder (kept open while this object lives)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd = None
        full = os.fsencode(str(self.path))
        if len(full) <= SUN_PATH_MAX:
            self.address = str(self.path)
        else:
            self._fd = os.open(self.path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            self.address = f"/proc/self/fd/{self._fd}/{self.path.name}"

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _r(v, nd: int = 1):
    """A JSON-ready number: rounded, None for NaN/inf/None."""
    if v is None:
        return None
    v = float(v)
    return round(v, nd) if math.isfinite(v) else None


def _xy(a, nd: int = 1):
    if a is None:
        return None
    a = np.asarray(a, float).reshape(-1)
    if a.size < 2 or not (math.isfinite(a[0]) and math.isfinite(a[1])):
        return None
    return [round(float(a[0]), nd), round(float(a[1]), nd)]


def _pts(a, nd: int = 1, max_points: int | None = None):
    """(n, 2) points as a list of [x, y] (rows with NaN left out), at most ``max_points``."""
    if a is None:
        return None
    a = np.asarray(a, float).reshape(-1, 2)
    a = a[np.all(np.isfinite(a), axis=1)]
    if max_points and len(a) > max_points:
        a = a[np.linspace(0, len(a) - 1, max_points).round().astype(int)]
    return np.round(a, nd).tolist()


def geometry(layout) -> dict:
    """The feet as the mat's view draws them (mm, x right, y forward): sensors, outlines, extent."""
    from trainer.drills.targets import foot_outline, heel_x

    outlines = {f: _pts(foot_outline(layout.foot_length_mm, heel_x(layout, f), f)) for f in ("left", "right")}
    pos = layout.positions
    return {
        "layout": layout.name,
        "foot_length_mm": float(layout.foot_length_mm),
        "sensors": [{"name": s.name, "foot": s.foot, "zone": s.zone, "x": float(s.x_mm), "y": float(s.y_mm)}
                    for s in layout.sensors],
        "outlines": outlines,
        # the view's own extent (trainer.ui.scene.draw_feet): 90 mm beside the sensors, 15 mm around the feet
        "extent": [float(pos[:, 0].min() - 90.0), -15.0, float(pos[:, 0].max() + 90.0),
                   float(layout.foot_length_mm + 15.0)],
    }


def encode_state(st, seq: int, mono: float | None, person_feedback: str | None = None) -> dict:
    """A :class:`~trainer.drills.status.ViewStatus` as a compact JSON-ready dict (mm to 0.1)."""
    feet = {f: {"cop": _xy(fs.cop), "share": _r(fs.share, 3), "heel": _r(fs.heel_pct)} for f, fs in st.feet.items()}
    ring = None
    if st.ring is not None:
        rg = st.ring
        ring = {"xy": _xy(rg.xy), "r": _r(rg.radius_mm), "foot": rg.foot, "label": rg.label, "inside": bool(rg.inside)}
    c = st.counter
    forces = None
    if st.forces is not None:
        forces = [_r(v) for v in np.asarray(st.forces, float).tolist()]
    return {
        "k": "state", "seq": seq, "t": _r(st.t, 3), "mono": mono, "wall": round(time.time(), 3),
        "state": st.state, "cue": st.cue, "hint": st.hint, "feedback": st.feedback, "person_feedback": person_feedback,
        "cop": _xy(st.cop), "target": _xy(st.target), "feet": feet, "forces": forces, "total_n": _r(st.total_n),
        "left_pct": _r(st.left_pct), "ring": ring, "working": st.working, "share_target_pct": _r(st.share_target_pct),
        "zones": None if st.foot_zones is None else {f: _pts(z) for f, z in st.foot_zones.items()},
        "score": _r(st.score), "holding_on": bool(st.holding_on),
        "counter": {"label": c.label, "value": c.value, "detail": c.detail, "progress": _r(c.progress, 3),
                    "beat": None if c.beat is None else [int(c.beat[0]), int(c.beat[1])]},
    }


def _dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Publisher:
    """Publishes a drill engine's view state to the live socket, never blocking (see the module).

    ``publish(frame_t, status=None)`` once per block of the live loop; ``close(reason)`` at the end.
    ``stats``: states built, sent, dropped (queue full), send attempts refused (no server).
    """

    def __init__(self, engine, layout=None, *, path: Path | None = None, feedback: str = "full",
                 person_feedback: str | None = None, max_hz: float = MAX_HZ, queue_n: int = QUEUE_N,
                 retry_s: float = RETRY_S, follows_view: bool = False):
        from trainer.drills.status import DrillStatus

        self.engine = engine
        self.layout = layout if layout is not None else engine.layout
        self.path = Path(path) if path is not None else socket_path()
        self.feedback = feedback
        self.person_feedback = person_feedback
        self.period = 1.0 / float(max_hz)
        self.retry_s = float(retry_s)
        self.queue: deque = deque(maxlen=int(queue_n))
        self._status_class = DrillStatus
        self.reader = DrillStatus(engine, self.layout, feedback)
        self.watched_path = self.path.with_name(WATCHED_NAME)
        self._watched = False
        self._watch_at = 0.0          # perf_counter when the watched flag is looked at again
        # with a view at full feedback, only the states the view drew are sent (one reading of the
        # drill's live timers, the same picture on the mat and in the browser)
        self.follows_view = bool(follows_view)
        self.stats = {"built": 0, "sent": 0, "dropped": 0, "refused": 0}
        self.seq = 0
        self._sock = None
        self._addr = None
        self._retry_at = 0.0          # perf_counter when the socket is tried again (no server)
        self._next = 0.0              # perf_counter when the next state is due
        self._path_sent = None        # the target path the last hello carried
        self._hello_due = True
        self._geometry = None
        self.closed = False
        self.error = None             # why the publisher stopped itself, if it did
        self._frame_t = None          # the newest frame's time seen

    # -- the socket ----------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._sock is not None

    @property
    def watched(self) -> bool:
        """A server listens and someone watches: states are being sent."""
        return self._sock is not None and self._watched and not self.closed

    def until_next(self) -> float:
        """Seconds until the next state is due (0: now): a live loop without a view that is
        watched waits this long, keeping the mirror's :data:`MAX_HZ`."""
        return max(0.0, self._next - time.perf_counter())

    def _connect(self, now: float) -> bool:
        self._retry_at = now + self.retry_s
        if not self.path.exists():
            return False
        addr = s = None
        try:
            addr = SocketAddress(self.path)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.connect(addr.address)
        except OSError:
            self.stats["refused"] += 1
            if s is not None:
                s.close()
            if addr is not None:
                addr.close()
            return False
        self._sock, self._addr = s, addr
        self._hello_due = True
        self._watched, self._watch_at = False, 0.0
        self.queue.clear()
        return True

    def _disconnect(self, now: float) -> None:
        if self._sock is not None:
            self._sock.close()
        if self._addr is not None:
            self._addr.close()
        self._sock = self._addr = None
        self.queue.clear()
        self._retry_at = now + self.retry_s

    def _enqueue(self, msg: bytes) -> None:
        if len(self.queue) == self.queue.maxlen:
            self.stats["dropped"] += 1        # the deque drops the oldest
            if self.queue[0].startswith(b'{"k":"hello"'):
                self._hello_due = True        # a hello is never lost: made again with the next state
        self.queue.append(msg)

    def flush(self, now: float | None = None) -> None:
        """Send what waits, without blocking: stop at a full server queue, forget it all (and look
        for a server again later) when the server has gone."""
        s = self._sock
        while self.queue and s is not None:
            try:
                s.send(self.queue[0])
            except BlockingIOError:
                return                            # the server is slow: the rest waits, bounded
            except OSError as e:
                if e.errno == errno.EMSGSIZE:     # never expected (a hello is a few kB); drop that one
                    self.queue.popleft()
                    continue
                self.stats["refused"] += 1
                self._disconnect(time.perf_counter() if now is None else now)
                return
            self.queue.popleft()
            self.stats["sent"] += 1

    # -- the messages --------------------------------------------------------------------------
    def hello(self, path_xy=None) -> dict:
        if self._geometry is None:
            self._geometry = geometry(self.layout)
        drill = getattr(self.engine, "drill", None)
        person = getattr(self.engine, "person", None)
        return {"k": "hello", **self._geometry, "drill": getattr(drill, "name", None),
                "person": getattr(person, "name", None), "feedback": self.feedback,
                "path": _pts(path_xy, max_points=PATH_MAX_POINTS)}

    def _path_changed(self, path_xy) -> bool:
        old = self._path_sent
        if path_xy is old:
            return False
        if path_xy is None or old is None:
            return True
        a, b = np.asarray(path_xy), np.asarray(old)
        return a.shape != b.shape or not np.array_equal(a, b)

    def publish(self, frame_t: float | None = None, status=None, *, force: bool = False) -> bool:
        """Publish the engine's newest state if one is due and a server listens; returns whether a
        state was queued. ``frame_t``: the newest frame's clock time (``perf_counter`` on a real
        clock); ``status``: a :class:`~trainer.drills.status.ViewStatus` just read for this frame
        at full feedback (the view's), else the publisher reads its own."""
        if self.closed:
            return False
        if frame_t is None:
            frame_t = self._frame_t
        self._frame_t = frame_t
        now = time.perf_counter()
        if self._sock is None:
            if now < self._retry_at or not self._connect(now):
                return False
        if now >= self._watch_at:           # is anyone watching? (one stat a second)
            self._watch_at = now + self.retry_s
            watched = self.watched_path.exists()
            if watched and not self._watched:
                self._hello_due = True      # a new watcher: the geometry first, live timers afresh
                self.reader = self._status_class(self.engine, self.layout, self.feedback)
            self._watched = watched
        if not self._watched and not force:
            self.queue.clear()
            return False
        # following a view: each frame it draws (its own fps is the limit); else at most MAX_HZ
        if not force and ((status is None) if self.follows_view else now < self._next):
            if self.queue:
                self.flush(now)
            return False
        # keep to the grid, never catching up with a burst
        self._next = now + self.period if now - self._next > self.period else self._next + self.period
        engine = self.engine
        path_xy = engine.path_xy() if hasattr(engine, "path_xy") else None
        if self._hello_due or self._path_changed(path_xy):
            self._enqueue(_dumps(self.hello(path_xy)))
            self._path_sent, self._hello_due = path_xy, False
        try:
            st = status if status is not None else self.reader.read(engine.snapshot)
            msg = _dumps(encode_state(st, self.seq + 1, None if frame_t is None else float(frame_t),
                                      self.person_feedback))
        except Exception as e:        # the mirror must never stop a drill: it stops itself
            self.error = f"{e.__class__.__name__}: {e}"
            self.closed = True
            self._disconnect(now)
            return False
        self.seq += 1
        self._enqueue(msg)
        self.stats["built"] += 1
        self.flush(now)
        return True

    def close(self, reason: str = "") -> None:
        """The drill has ended: its last state and an ``end`` message, if a server listens."""
        if self.closed:
            return
        try:
            if self._sock is not None:
                self.publish(force=True)
                self._enqueue(_dumps({"k": "end", "reason": reason, "wall": round(time.time(), 3)}))
                self.flush()
        finally:
            self.closed = True
            self._disconnect(time.perf_counter())


def open_publisher(engine, view=None) -> Publisher | None:
    """The live loop's publisher (a real clock only), or None when it cannot be made; it costs
    nothing while no ``footmat serve`` listens on this home."""
    try:
        return Publisher(engine, person_feedback=getattr(view, "feedback", None),
                         follows_view=view is not None and getattr(view, "feedback", None) == "full")
    except Exception:       # the mirror must never stop a drill
        return None
