"""The sampler: the :class:`~firmware.frames.FrameSource` of every ADC backend.

:class:`Sampler` turns a per-frame *reader* (``read_frame() -> (raw (S,), flags)``) into frames
at a fixed rate: on a virtual clock synchronously (each ``read`` produces the next frames), on a
real clock in one acquisition thread feeding a bounded buffer that ``read`` drains, so drawing
never slows sampling. The readers are the ADS1115 and MCP3008 drivers (:mod:`firmware.ads1115`,
:mod:`firmware.mcp3008`), on the real chips or the simulated ones.
"""
from __future__ import annotations

import collections
import math
import threading

import numpy as np

from firmware.errors import DeviceClosed
from firmware.frames import FrameBlock, FrameSource, Flag

_LATE = int(Flag.LATE)
_UNREADABLE = int(Flag.READ_ERROR | Flag.TIMEOUT)


class Sampler(FrameSource):
    """Frames at ``rate_hz`` from a reader, stamped when converted.

    ``reader.read_frame()`` returns ``(raw (S,), flags)`` or ``(raw, flags, t)``, t being when
    the frame was converted (else the middle of the call is used). ``rate_hz=math.inf`` runs
    free, one frame after another (benchmarks). On a real clock one acquisition thread fills a
    bounded buffer (``buffer_s`` seconds; the oldest frames are dropped and counted when nobody
    reads); on a virtual clock :meth:`read` produces frames synchronously.

    ``counters`` (one dict, shared with the reader, which adds its own such as ``i2c_errors``,
    ``retries``, ``timeouts``): ``frames``, ``dropped``, ``late`` (a frame started more than a
    period after its slot), ``flagged`` (any flag), ``unreadable`` (a NaN in the frame),
    ``max_jitter_ms`` and ``jitter_ms`` (mean lateness of the frame starts, ms).
    """

    def __init__(self, reader, layout, clock, rate_hz: float = 200.0, *, chunk_s: float = 0.05,
                 buffer_s: float = 5.0, truth=None):
        self.reader = reader
        self.layout = layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        if not self.rate_hz > 0:
            raise ValueError(f"rate_hz must be positive, not {rate_hz!r}")
        self.free = math.isinf(self.rate_hz)
        self.period = 0.0 if self.free else 1.0 / self.rate_hz
        nominal = 200.0 if self.free else self.rate_hz
        self.chunk = max(1, int(round(chunk_s * nominal)))
        self.truth = truth  # callable() -> (cop (2,), load) of the frame just read, or None
        self.has_truth = truth is not None
        counters = {"frames": 0, "dropped": 0, "late": 0, "flagged": 0, "unreadable": 0,
                    "max_jitter_ms": 0.0, "jitter_ms": 0.0, "i2c_errors": 0, "retries": 0, "timeouts": 0}
        counters.update(getattr(reader, "counters", None) or {})
        self.counters = counters
        if hasattr(reader, "counters"):
            reader.counters = counters  # one dict: the reader counts into it
        self._jitter_sum = 0.0
        self._buf = collections.deque(maxlen=max(16, int(buffer_s * nominal)))
        self._next_t = None
        self._thread = None
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._error = None
        self.closed = False

    @property
    def exhausted(self) -> bool:
        """Never: a mat gives frames until it is closed."""
        return False

    # -- one frame -------------------------------------------------------------------------
    def _one(self):
        clock = self.clock
        counters = self.counters
        if self.free:
            t_start = clock.now()
            jitter = 0.0
        else:
            if self._next_t is None:
                self._next_t = clock.now()
            clock.sleep_until(self._next_t)
            t_start = clock.now()
            jitter = t_start - self._next_t
        out = self.reader.read_frame()
        raw, flags = out[0], int(out[1])       # the Flag bits as a plain int (enum ops cost µs a frame)
        t_end = clock.now()
        t = out[2] if len(out) > 2 else 0.5 * (t_start + t_end)
        if not self.free:
            if jitter > self.period:
                flags |= _LATE
                counters["late"] += 1
                self._next_t = t_start  # do not try to catch up with a burst
            self._next_t += self.period
            if jitter * 1e3 > counters["max_jitter_ms"]:
                counters["max_jitter_ms"] = jitter * 1e3
        counters["frames"] += 1
        self._jitter_sum += jitter
        counters["jitter_ms"] = self._jitter_sum / counters["frames"] * 1e3
        if flags:
            counters["flagged"] += 1
        if flags & _UNREADABLE:
            counters["unreadable"] += 1
        truth = self.truth() if self.truth else (None, None)
        return t, raw, flags, truth

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
        """Stop the acquisition thread and close the reader (safe to call twice)."""
        if self.closed:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        close = getattr(self.reader, "close", None)
        if close:
            close()
        self.closed = True

    def __repr__(self) -> str:
        rate = "free-running" if self.free else f"{self.rate_hz:g} Hz"
        return f"<Sampler {rate} {'closed' if self.closed else 'open'} frames={self.counters['frames']}>"


class ProcessSampler(Sampler):
    """A :class:`Sampler` whose acquisition runs in its own process (real clock), so that nothing
    the rest of the program does — drawing, recording, Python's GIL — can hold a conversion up.

    The child is forked with the reader as it is (a real Adafruit driver on its I2C bus, a
    simulated bus, gpiozero's SPI: the open file or mock goes with it), raises its own priority
    where the OS permits (``nice`` −10, as root), reads frames exactly as the threaded sampler
    does and writes them into a ring buffer in shared memory (``buffer_s`` seconds; when nobody
    reads, the oldest are overwritten and counted as ``dropped``), with the counters beside them.
    :meth:`read` copies what is new. An error in the child is raised by the next :meth:`read`. On
    a virtual clock it is the plain synchronous sampler.
    """

    _HEAD = 4            # int64: frames written, frames read, stop, error

    def __init__(self, *args, niceness: int = -10, **kwargs):
        super().__init__(*args, **kwargs)
        self.niceness = niceness
        self._proc = None
        self._keys = None

    def _map(self):
        import mmap

        n, s = self._buf.maxlen, len(self.layout.sensors)
        self._keys = [k for k, v in self.counters.items() if isinstance(v, (int, float))]
        sizes = [("head", np.int64, (self._HEAD,)), ("counters", np.float64, (len(self._keys),)),
                 ("t", np.float64, (n,)), ("raw", np.float64, (n, s)), ("cop", np.float64, (n, 2)),
                 ("load", np.float64, (n,)), ("flags", np.uint16, (n,))]
        total = sum(int(np.prod(shape)) * np.dtype(dt).itemsize for _, dt, shape in sizes)
        self._mm = mmap.mmap(-1, total + 64)
        off, self._shm = 0, {}
        for name, dt, shape in sizes:
            a = np.ndarray(shape, dt, buffer=self._mm, offset=off)
            a[...] = 0
            self._shm[name] = a
            off += a.nbytes
        self._n = n

    def start(self) -> "ProcessSampler":
        if self.closed:
            raise DeviceClosed("the sampler is closed", "open a new source")
        if self.clock.virtual or self._proc is not None:
            return self
        import multiprocessing

        self._map()
        self._err_r, self._err_w = multiprocessing.get_context("fork").Pipe(duplex=False)
        self._proc = multiprocessing.get_context("fork").Process(target=self._child, name="footmat-acquisition",
                                                                   daemon=True)
        self._proc.start()
        self._err_w.close()
        return self

    def _child(self):  # runs in the acquisition process
        import os
        import pickle

        try:
            os.setpriority(os.PRIO_PROCESS, 0, self.niceness)
        except (OSError, AttributeError):
            pass                                   # not permitted: the ordinary priority
        sh = self._shm
        head, keys, cnt = sh["head"], self._keys, sh["counters"]
        n = self._n
        try:
            while not head[2]:
                t, raw, flags, truth = self._one()
                w = int(head[0])
                if w - int(head[1]) >= n:
                    self.counters["dropped"] += 1
                i = w % n
                sh["t"][i] = t
                sh["raw"][i] = raw
                sh["flags"][i] = flags
                if self.has_truth:
                    sh["cop"][i] = truth[0]
                    sh["load"][i] = truth[1]
                for k, key in enumerate(keys):
                    cnt[k] = self.counters[key]
                head[0] = w + 1                    # published after the frame is in place
        except BaseException as e:  # noqa: BLE001 — handed to the reader
            try:
                self._err_w.send_bytes(pickle.dumps(e))
            except Exception:
                self._err_w.send_bytes(pickle.dumps(RuntimeError(f"{type(e).__name__}: {e}")))
            head[3] = 1
        finally:
            close = getattr(self.reader, "close", None)
            if close:
                try:
                    close()
                except Exception:
                    pass

    def _sync_counters(self):
        for k, key in enumerate(self._keys):
            v = float(self._shm["counters"][k])
            self.counters[key] = int(v) if isinstance(self.counters[key], int) else v

    def _raise_child_error(self):
        import pickle

        try:
            e = pickle.loads(self._err_r.recv_bytes())
        except Exception as why:   # noqa: BLE001
            e = RuntimeError(f"the acquisition process failed ({why})")
        self._error = e
        raise e

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        if self.closed:
            raise DeviceClosed("the sampler is closed", "open a new source")
        if self.clock.virtual:
            return super().read(max_n, timeout)
        if self._error is not None:
            raise self._error
        import time

        self.start()
        sh, head, n = self._shm, self._shm["head"], self._n
        r = int(head[1])
        deadline = time.monotonic() + timeout
        while int(head[0]) == r and not head[3] and time.monotonic() < deadline:
            time.sleep(0.0005)
        if head[3] and int(head[0]) == r:
            self._sync_counters()
            self._raise_child_error()
        w = int(head[0])
        r = max(r, w - n)                          # lapped: the oldest were overwritten (counted)
        if max_n is not None:
            w = min(w, r + max_n)
        idx = np.arange(r, w) % n
        t, raw, flags = sh["t"][idx], sh["raw"][idx], sh["flags"][idx]
        cop, load = (sh["cop"][idx], sh["load"][idx]) if self.has_truth else (None, None)
        lost = int(head[0]) - n - r                # overwritten while being copied
        if lost > 0:
            t, raw, flags = t[lost:], raw[lost:], flags[lost:]
            if cop is not None:
                cop, load = cop[lost:], load[lost:]
        head[1] = w
        self._sync_counters()
        return FrameBlock(t, raw, flags, cop, load)

    def close(self) -> None:
        if self.closed:
            return
        if self._proc is not None:
            self._shm["head"][2] = 1
            self._proc.join(2.0)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(2.0)
            self._sync_counters()
            self._err_r.close()
        close = getattr(self.reader, "close", None)
        if close:
            close()
        self.closed = True
