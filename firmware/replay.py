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

import json
import math
from pathlib import Path

import numpy as np

from .errors import DataFileError, DeviceClosed
from .frames import Flag, FrameBlock

MAX_LINE_BYTES = 64 * 1024
_FLAG_BITS = {f.name.lower(): int(f) for f in Flag}


def session_folder(path) -> Path:
    """The session folder for a folder, its ``session.json`` or its ``trace.csv``."""
    p = Path(path).expanduser()
    if p.is_file() and p.name in ("session.json", "trace.csv", "events.csv"):
        p = p.parent
    if not p.is_dir():
        raise DataFileError(f"no session at {str(p)!r}", "give a session folder (see: footmat history)")
    if not (p / "trace.csv").is_file():
        raise DataFileError(f"{str(p)!r} has no trace.csv — not a footmat session folder",
                            "give a session folder (see: footmat history)")
    return p


def flags_from_text(text: str) -> int:
    """Frame flag bits from a trace's ``flags`` field (engine notes such as holding_on are not frame flags)."""
    bits = 0
    for part in text.split("|"):
        bits |= _FLAG_BITS.get(part, 0)
    return bits


class TraceReader:
    """Streams ``trace.csv`` in blocks: ``t_s`` (s), raw codes (n, S), frame flags, true CoP.

    ``names`` are the layout's sensor names; their ``<name>_raw`` columns must all be present.
    Rows must have as many fields as the header and a finite, non-decreasing ``t_s``; an empty
    raw field is NaN (a channel that could not be read). The last line may be torn (no newline,
    or a tail of NUL bytes after a power cut): it is ignored and counted in ``torn_lines``.
    """

    def __init__(self, path, names: list[str]):
        self.path = Path(path)
        self.where = f"trace {self.path}"
        try:
            self._fh = open(self.path, "rb")
        except OSError as e:
            raise DataFileError(f"cannot read {self.where} ({e.strerror})", "check the path and permissions") from None
        self.line_no = 0
        self.torn_lines = 0
        self.rows = 0
        self._last_t = -math.inf
        self._eof = False
        try:
            header = self._next_line()
            if header is None:
                self._fail(1, "is empty (no header)", "the session was stopped before it recorded anything")
            cols = header.split(",")
            if "t_s" not in cols:
                self._fail(1, "has no t_s column — not a footmat trace", "give a footmat session folder")
            missing = [n for n in names if f"{n}_raw" not in cols]
            if missing:
                self._fail(1, f"has no raw column for sensor(s) {', '.join(missing)} of the layout",
                           "replay it with the session's own layout (footmat replay uses it)")
        except BaseException:
            self._fh.close()
            raise
        self.columns = cols
        self.width = len(cols)
        self._i_t = cols.index("t_s")
        self._i_raw = [cols.index(f"{n}_raw") for n in names]
        self._i_flags = cols.index("flags") if "flags" in cols else None
        self.has_truth = "true_cop_x_mm" in cols and "true_cop_y_mm" in cols
        self._i_truth = (cols.index("true_cop_x_mm"), cols.index("true_cop_y_mm")) if self.has_truth else None
        self.n_sensors = len(names)

    def _fail(self, line: int, what: str, fix: str):
        raise DataFileError(f"{self.where} line {line} {what}", fix)

    def _next_line(self) -> str | None:
        """The next complete line as text, or None at the end (a torn last line is dropped)."""
        if self._eof:
            return None
        raw = self._fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            self._eof = True
            return None
        self.line_no += 1
        if b"\x00" in raw:
            # a power cut can leave the file's new length filled with NUL bytes: a torn tail, if
            # nothing but NULs and whitespace follows
            rest = raw[raw.index(b"\x00"):] + self._fh.read()
            if rest.strip(b"\x00\r\n\t ") == b"":
                self.torn_lines += 1
                self._eof = True
                return None
            self._fail(self.line_no, "holds NUL bytes", "the trace is damaged; restore it from a backup")
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_LINE_BYTES:
                self._fail(self.line_no, f"is longer than {MAX_LINE_BYTES} bytes", "the trace is damaged")
            self.torn_lines += 1          # the last line, cut short by a kill or a power cut
            self._eof = True
            return None
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            self._fail(self.line_no, "is not UTF-8 text", "the trace is damaged; restore it from a backup")

    def _parse(self, line: str, no: int):
        fields = line.split(",")
        if len(fields) != self.width:
            return None, f"has {len(fields)} fields, the header {self.width}"
        try:
            t = float(fields[self._i_t])
        except ValueError:
            return None, f"has a t_s that is not a number ({fields[self._i_t][:20]!r})"
        if not math.isfinite(t):
            return None, "has no finite t_s"
        try:
            raw = [float(fields[i]) if fields[i] else math.nan for i in self._i_raw]
            truth = ([float(fields[i]) if fields[i] else math.nan for i in self._i_truth]
                     if self._i_truth else None)
        except ValueError:
            return None, "has a raw code or true CoP that is not a number"
        if any(math.isinf(v) for v in raw):
            return None, "has an infinite raw code"
        flags = flags_from_text(fields[self._i_flags]) if self._i_flags is not None else 0
        return (t, raw, flags, truth), None

    def read(self, n: int) -> FrameBlock:
        """Up to ``n`` frames (fewer only at the end of the trace)."""
        ts, raws, flags, truths = [], [], [], []
        while len(ts) < n:
            line = self._next_line()
            if line is None:
                break
            no = self.line_no
            if not line.strip():
                continue
            row, err = self._parse(line, no)
            if row is None:
                # a bad row is a torn line only when nothing follows it
                if self._next_line() is None:
                    self.torn_lines += 1
                    break
                self._fail(no, err, "the trace is damaged; fix or delete that line (the file was not changed)")
            t = row[0]
            if t < self._last_t:
                self._fail(no, f"goes back in time (t_s {t:g} after {self._last_t:g})",
                           "the trace is damaged; fix or delete that line")
            self._last_t = t
            ts.append(t)
            raws.append(row[1])
            flags.append(row[2])
            if row[3] is not None:
                truths.append(row[3])
        self.rows += len(ts)
        k = len(ts)
        raw = np.array(raws, dtype=float).reshape(k, self.n_sensors)
        if self.has_truth:
            return FrameBlock(np.array(ts), raw, np.array(flags, dtype=np.uint16),
                              np.array(truths, dtype=float).reshape(k, 2), np.full(k, np.nan))
        return FrameBlock(np.array(ts), raw, np.array(flags, dtype=np.uint16))

    @property
    def exhausted(self) -> bool:
        return self._eof

    def close(self) -> None:
        self._fh.close()


def _session_rate(folder: Path) -> float | None:
    try:
        v = json.loads((folder / "session.json").read_bytes().decode("utf-8")).get("sample_rate_hz")
        v = float(v)
    except (OSError, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    return v if math.isfinite(v) and v > 0 else None


class ReplaySource:
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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
    rate = _session_rate(folder) or rate_hz
    if rate is None:
        raise DataFileError(f"session {folder} has no usable sample_rate_hz in session.json",
                            "restore session.json, or pass the rate")
    return ReplaySource(folder, layout, clock, rate, speed=speed, time_base=time_base)
