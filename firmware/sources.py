"""Frame sources: what the rest of footmat reads the mat through.

A source has ``layout``, ``rate_hz``, ``clock``, ``has_truth`` and ``read(max_n) -> FrameBlock``.
:class:`Sampler` turns a per-frame *reader* (``read_frame() -> (raw (S,), flags)``) into frames
at a fixed rate: on a virtual clock synchronously (each ``read`` produces the next frames), on a
real clock in one acquisition thread feeding a bounded buffer that ``read`` drains, so drawing
never slows sampling. :class:`VectorSimSource` is the fast path straight from the simulator's
physics to codes, for big batch tests and benchmarks.
"""
from __future__ import annotations

import collections
import threading

import numpy as np

from .errors import DeviceClosed
from .frames import FrameBlock, Flag


class Sampler:
    def __init__(self, reader, layout, clock, rate_hz: float = 200.0, *, chunk_s: float = 0.05,
                 buffer_s: float = 5.0, truth=None):
        self.reader = reader
        self.layout = layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        self.period = 1.0 / self.rate_hz
        self.chunk = max(1, int(round(chunk_s * self.rate_hz)))
        self.truth = truth  # callable() -> (cop (2,), load) of the frame just read, or None
        self.has_truth = truth is not None
        self.counters = {"frames": 0, "dropped": 0, "late": 0, "flagged": 0, "max_jitter_ms": 0.0}
        self._buf = collections.deque(maxlen=max(16, int(buffer_s * self.rate_hz)))
        self._next_t = None
        self._thread = None
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._error = None
        self.closed = False

    # -- one frame -------------------------------------------------------------------------
    def _one(self):
        if self._next_t is None:
            self._next_t = self.clock.now()
        self.clock.sleep_until(self._next_t)
        t_start = self.clock.now()
        raw, flags = self.reader.read_frame()
        t = self.clock.now()
        jitter = t_start - self._next_t
        if jitter > self.period:
            flags |= Flag.LATE
            self.counters["late"] += 1
            self._next_t = t_start  # do not try to catch up with a burst
        self.counters["max_jitter_ms"] = max(self.counters["max_jitter_ms"], jitter * 1e3)
        self._next_t += self.period
        self.counters["frames"] += 1
        if flags:
            self.counters["flagged"] += 1
        truth = self.truth() if self.truth else (None, None)
        # stamp at the middle of the frame's conversions
        return 0.5 * (t_start + t), raw, int(flags), truth

    @staticmethod
    def _block(items, has_truth) -> FrameBlock:
        t = np.array([i[0] for i in items])
        raw = np.array([i[1] for i in items], dtype=float)
        flags = np.array([i[2] for i in items], dtype=np.uint16)
        if has_truth:
            cop = np.array([i[3][0] for i in items], dtype=float).reshape(-1, 2)
            load = np.array([i[3][1] for i in items], dtype=float)
            return FrameBlock(t, raw, flags, cop, load)
        return FrameBlock(t, raw, flags)

    # -- threaded acquisition (real clock) ---------------------------------------------------
    def start(self) -> "Sampler":
        if self.closed:
            raise DeviceClosed("the sampler is closed", "open a new source")
        if self.clock.virtual or self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._loop, name="footmat-acquisition", daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        try:
            while not self._stop.is_set():
                item = self._one()
                with self._cond:
                    if len(self._buf) == self._buf.maxlen:
                        self.counters["dropped"] += 1
                    self._buf.append(item)
                    self._cond.notify_all()
        except BaseException as e:  # surfaced to the reader
            self._error = e
            with self._cond:
                self._cond.notify_all()

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        """The next frames: virtual clock → exactly ``max_n`` (default one chunk); real clock →
        whatever the acquisition thread has buffered (waiting up to ``timeout`` for one)."""
        if self.closed:
            raise DeviceClosed("the sampler is closed", "open a new source")
        if self.clock.virtual:
            n = self.chunk if max_n is None else max_n
            return self._block([self._one() for _ in range(n)], self.has_truth)
        self.start()
        with self._cond:
            if not self._buf and self._error is None:
                self._cond.wait(timeout)
            if self._error is not None:
                raise self._error
            n = len(self._buf) if max_n is None else min(max_n, len(self._buf))
            items = [self._buf.popleft() for _ in range(n)]
        if not items:
            return FrameBlock.empty(len(self.layout.sensors), self.has_truth)
        return self._block(items, self.has_truth)

    def close(self) -> None:
        if self.closed:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        close = getattr(self.reader, "close", None)
        if close:
            close()
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"<Sampler {self.rate_hz:g} Hz {'closed' if self.closed else 'open'} frames={self.counters['frames']}>"


class VectorSimSource:
    """Frames straight from the simulated mat's physics (no bus), on a virtual clock."""

    has_truth = True

    def __init__(self, mat, clock, rate_hz: float = 200.0, chunk_s: float = 0.05):
        self.mat = mat
        self.layout = mat.layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        self.chunk = max(1, int(round(chunk_s * rate_hz)))
        self._k = 0
        self._t0 = clock.now()
        self.counters = {"frames": 0, "dropped": 0, "late": 0, "flagged": 0, "max_jitter_ms": 0.0}
        self.closed = False

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        n = self.chunk if max_n is None else max_n
        t = self._t0 + (self._k + np.arange(n)) / self.rate_hz
        self._k += n
        block = self.mat.frames(t)
        self.clock.sleep_until(t[-1])
        self.counters["frames"] += n
        return block

    def close(self) -> None:
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
