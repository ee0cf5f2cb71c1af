"""A recorded session as a frame source: the trace's raw codes and time stamps played back.

:func:`open_replay` gives a source with the same API as the live ones (``read(max_n)``,
``close()``, ``counters``, ``layout``, ``rate_hz``, ``has_truth``), so the drill engine cannot
tell a replay from the mat. The trace is read a block at a time (memory stays flat for an hour
at 200 Hz); a torn last line — a killed process or a power cut mid-write — is ignored, damage
anywhere else is refused with one line that names the line and the fix.

Time: each block's ``t`` is ``time_base + t_s`` (``t_s`` as recorded). With a virtual clock the
replay runs as fast as it can; with a real clock frames are released when due, at ``speed``
times real time. ``time_base`` defaults to the clock's reading at open, so a recorder started on
the same clock sees the recorded ``t_s`` again.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError, DeviceClosed
from firmware.frames import Flag, FrameBlock, FrameSource

from .format import TraceLines, session_folder, session_rate

_FLAG_BITS = {f.name.lower(): int(f) for f in Flag}


def flags_from_text(text: str) -> int:
    """Frame flag bits from a trace's ``flags`` field (engine notes such as holding_on are not frame flags)."""
    bits = 0
    for part in text.split("|"):
        bits |= _FLAG_BITS.get(part, 0)
    return bits


class TraceReader:
    """``trace.csv`` as frame blocks: ``t_s`` (s), raw codes (n, S), frame flags, true CoP.

    ``names`` are the layout's sensor names; their ``<name>_raw`` columns must all be present.
    Records come from :class:`~trainer.sessions.format.TraceLines` (a torn last line is left out
    and counted in ``torn_lines``); ``t_s`` must be finite and non-decreasing; an empty raw
    field is NaN (a channel that could not be read).
    """

    def __init__(self, path, names: list[str]):
        self.lines = TraceLines(path, required=("t_s",) + tuple(f"{n}_raw" for n in names))
        cols = self.lines.columns
        self.path = self.lines.path
        self.columns = cols
        self._i_t = cols.index("t_s")
        self._i_raw = [cols.index(f"{n}_raw") for n in names]
        self._i_flags = cols.index("flags") if "flags" in cols else None
        self.has_truth = "true_cop_x_mm" in cols and "true_cop_y_mm" in cols
        self._i_truth = (cols.index("true_cop_x_mm"), cols.index("true_cop_y_mm")) if self.has_truth else None
        self.n_sensors = len(names)
        self._last_t = -math.inf
        self.rows = 0

    @property
    def torn_lines(self) -> int:
        return self.lines.torn_lines

    @property
    def notes(self) -> list[str]:
        return self.lines.notes

    def read(self, n: int) -> FrameBlock:
        """Up to ``n`` frames (fewer only at the end of the trace)."""
        nos, rows = self.lines.read(n)
        ts, raws, flags, truths = [], [], [], []
        fail = self.lines._fail
        for no, f in zip(nos, rows):
            try:
                t = float(f[self._i_t])
            except ValueError:
                fail(no, f"has a t_s that is not a number ({f[self._i_t][:20]!r})", "the trace is damaged; "
                     "fix or delete that line (the file was not changed)")
            if not math.isfinite(t):
                fail(no, "has no finite t_s", "the trace is damaged; fix or delete that line")
            if t < self._last_t:
                fail(no, f"goes back in time (t_s {t:g} after {self._last_t:g})",
                     "the trace is damaged; fix or delete that line")
            self._last_t = t
            try:
                raw = [float(f[i]) if f[i] else math.nan for i in self._i_raw]
                if self._i_truth:
                    truths.append([float(f[i]) if f[i] else math.nan for i in self._i_truth])
            except ValueError:
                fail(no, "has a raw code or true CoP that is not a number", "the trace is damaged; "
                     "fix or delete that line (the file was not changed)")
            if any(math.isinf(v) for v in raw):
                fail(no, "has an infinite raw code", "the trace is damaged; fix or delete that line")
            ts.append(t)
            raws.append(raw)
            flags.append(flags_from_text(f[self._i_flags]) if self._i_flags is not None else 0)
        self.rows += len(ts)
        k = len(ts)
        raw = np.array(raws, dtype=float).reshape(k, self.n_sensors)
        if self.has_truth:
            return FrameBlock(np.array(ts, dtype=float), raw, np.array(flags, dtype=np.uint16),
                              np.array(truths, dtype=float).reshape(k, 2), np.full(k, np.nan))
        return FrameBlock(np.array(ts, dtype=float), raw, np.array(flags, dtype=np.uint16))

    @property
    def exhausted(self) -> bool:
        return self.lines.exhausted

    def close(self) -> None:
        self.lines.close()


class ReplaySource(FrameSource):
    """Frames of a recorded trace, paced on ``clock`` (see the module docstring)."""

    def __init__(self, folder: Path, layout, clock, rate_hz: float, *, speed: float = 1.0,
                 time_base: float | None = None, chunk_s: float = 0.05):
        if not (isinstance(speed, (int, float)) and math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        self.folder = folder
        self.layout = layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        self.speed = float(speed)
        self.chunk = max(1, int(round(chunk_s * self.rate_hz)))
        self.reader = TraceReader(folder / "trace.csv", layout.names)
        self.has_truth = self.reader.has_truth
        self.time_base = clock.now() if time_base is None else float(time_base)
        self._pace0 = None          # (clock reading, t_s) of the first frame released
        self._ahead = None          # frames read from the file but not yet due
        self.counters = {"frames": 0, "dropped": 0, "late": 0, "flagged": 0, "unreadable": 0,
                         "max_jitter_ms": 0.0, "jitter_ms": 0.0, "i2c_errors": 0, "retries": 0, "timeouts": 0,
                         "torn_lines": 0}
        self.closed = False

    @property
    def exhausted(self) -> bool:
        """True once every recorded frame has been handed out."""
        return self.reader.exhausted and (self._ahead is None or len(self._ahead) == 0)

    def _due(self, t_s: float) -> float:
        c0, t0 = self._pace0
        return c0 + (t_s - t0) / self.speed

    def _take(self, n: int) -> FrameBlock:
        if self._ahead is None or len(self._ahead) == 0:
            self._ahead = self.reader.read(max(n, self.chunk))
        block, self._ahead = self._ahead[:n], self._ahead[n:]
        return block

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        """The next frames: on a virtual clock ``max_n`` (default one chunk of 50 ms) at once; on a
        real clock the frames due by now (waiting up to ``timeout`` for the next one)."""
        if self.closed:
            raise DeviceClosed("the replay is closed", "open it again")
        n = self.chunk if max_n is None else max_n
        if self.clock.virtual:
            block = self._take(n)
            if len(block) and self._pace0 is None:
                self._pace0 = (self.clock.now(), float(block.t[0]))
            if len(block):
                self.clock.sleep_until(self._due(float(block.t[-1])))
            return self._count(block)
        if self._ahead is None or len(self._ahead) == 0:
            self._ahead = self.reader.read(self.chunk)
        if len(self._ahead) == 0:
            return self._count(self._ahead)
        if self._pace0 is None:
            self._pace0 = (self.clock.now(), float(self._ahead.t[0]))
        first_due = self._due(float(self._ahead.t[0]))
        now = self.clock.now()
        if first_due > now:
            if first_due - now > timeout:
                self.clock.sleep(timeout)
                return self._count(self._ahead[:0])
            self.clock.sleep_until(first_due)
            now = self.clock.now()
        parts = []
        got = 0
        while got < n:
            if self._ahead is None or len(self._ahead) == 0:
                self._ahead = self.reader.read(self.chunk)
                if len(self._ahead) == 0:
                    break
            due = np.array([self._due(float(t)) for t in self._ahead.t])
            k = min(int(np.searchsorted(due, now, side="right")), n - got)
            if k == 0:
                break
            parts.append(self._ahead[:k])
            self._ahead = self._ahead[k:]
            got += k
            if len(self._ahead):
                break
        if not parts:
            return self._count(FrameBlock.empty(len(self.layout.sensors), self.has_truth))
        return self._count(FrameBlock.concat(parts) if len(parts) > 1 else parts[0])

    def _count(self, block: FrameBlock) -> FrameBlock:
        k = len(block)
        self.counters["torn_lines"] = self.reader.torn_lines
        if k:
            self.counters["frames"] += k
            self.counters["flagged"] += int(np.count_nonzero(block.flags))
            self.counters["unreadable"] += int(np.count_nonzero(np.any(np.isnan(block.raw), axis=1)))
            block.t = block.t + self.time_base
        return block

    def close(self) -> None:
        if not self.closed:
            self.reader.close()
            self.closed = True

    def __repr__(self) -> str:
        return (f"<ReplaySource {self.folder.name} x{self.speed:g} {'closed' if self.closed else 'open'} "
                f"frames={self.counters['frames']}>")


def open_replay(path, layout, clock, rate_hz: float | None = None, *, speed: float = 1.0,
                time_base: float | None = None) -> ReplaySource:
    """A source replaying the session at ``path`` (folder, session.json or trace.csv).

    ``layout`` must have the session's sensors (``footmat replay`` uses the session's own
    layout). ``rate_hz`` defaults to the session's ``sample_rate_hz``; the frames keep their
    recorded time stamps whatever the rate says.
    """
    folder = session_folder(path)
    rate = session_rate(folder) or rate_hz
    if rate is None:
        raise DataFileError(f"session {folder} has no usable sample_rate_hz in session.json",
                            "restore session.json, or pass the rate")
    return ReplaySource(folder, layout, clock, rate, speed=speed, time_base=time_base)
