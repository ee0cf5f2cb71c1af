"""Readers for CoP recordings: footmat sessions and other people's force-plate exports.

Everything comes out in footmat's frame — x to the right (medio-lateral), y forward
(antero-posterior), millimetres — on a uniform time grid at the recording's rate, with NaN where
a slot has no usable CoP. Why each slot was left out is kept per slot (:attr:`Recording.reason`)
and counted by :attr:`Recording.excluded`; nothing is dropped silently and nothing invented.

Formats recognised from the file itself (:func:`read_recording`):

``footmat``  a session folder or its ``trace.csv`` (``t_s``, ``cop_x_mm``, ``cop_y_mm``, ``phase``,
             ``flags``; empty field = NaN): rows in phase ``countdown`` or ``paused``, before the
             drill (``waiting``) or after it (``done``), or without CoP, are left out.
``bds``      Santos & Duarte 2016 BDS trials: tab-separated ``Time[s] … Fz[N] … COPx[cm] COPy[cm]``;
             COPx is antero-posterior, COPy medio-lateral (AMTI plate, subject facing +x).
``pds``      dos Santos et al. 2017 PDS trials (two plates): metres, X antero-posterior,
             Z medio-lateral (right +), Y vertical; the plate's net CoP ``COPNET_*`` plus each
             foot's CoP and load.
``amti``     AMTI CSV export: ``key,value`` metadata lines, then ``MocapFrame, MocapTime,
             DeviceFrame, Fx, Fy, Fz, Mx, My, Mz, Cx, Cy, Cz``; CoP = (My/Fz, Mx/Fz) in m
             (as Quijoux et al. 2021: ML from My, AP from Mx), rate from the metadata.
``table``    any other delimited table of numbers, read with ``columns=`` (and ``units=``,
             ``rate_hz=`` when the header cannot tell).

Rows whose vertical load is zero (a dropped frame: an AMTI export writes all-zero rows) or below
20 % of the recording's median load (nobody on the plate) are left out and counted.

A file that cannot be read (missing, empty, binary, too large, wrong columns, text where numbers
belong) raises :class:`~firmware.errors.DataFileError` with one line saying what and how to fix
it; an option that cannot be used raises :class:`~firmware.errors.UsageError`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError, UsageError

from trainer.sessions import format as sfmt

MAX_BYTES = 1 << 30          # a recording larger than this is refused, not read into memory
MAX_LINE_CHARS = 1 << 16     # no recording has a 64 KiB line; a binary or corrupt file may
HEAD_LINES = 1000            # lines searched for the header and the first row of numbers
CHUNK_LINES = 1 << 16        # rows converted to numbers at a time (memory stays ~8 bytes/value)

UNITS_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}
# trace.csv phases that are not the exercise (trainer/drills/engine.py: waiting → countdown → running
# (drill phases, paused) → done)
EXCLUDED_PHASES = ("waiting", "countdown", "paused", "done")

# Why a slot holds no CoP. Code 0 = used.
REASONS = ("used", "waiting", "countdown", "paused", "done", "no_cop", "dropped_frame", "unloaded",
           "missing_frame")
_R = {name: np.int8(i) for i, name in enumerate(REASONS)}
REASON_HELP = {
    "waiting": "phase waiting (before the countdown)",
    "countdown": "phase countdown (before the drill)",
    "paused": "phase paused (stepped off)",
    "done": "phase done (after the drill)",
    "no_cop": "no CoP in the row (empty or NaN)",
    "dropped_frame": "dropped frame: vertical load 0",
    "unloaded": "vertical load below 20 % of the median (nobody on the plate)",
    "missing_frame": "no row for this time slot (gap in the time column)",
}


@dataclass(frozen=True)
class Recording:
    """A CoP recording in footmat's frame on a uniform time grid.

    ``x_mm``/``y_mm`` are NaN where a slot has no usable CoP and ``reason`` (codes into
    :data:`REASONS`) says why; ``t_s`` is each slot's time on the file's own time axis, ``fs_hz``
    the rate; ``frame`` says how the file's axes were mapped; ``notes`` anything else worth
    knowing. ``left_pct`` (load on the left foot, %), ``feet`` (per-foot CoP in mm and load in N)
    and ``plate_net`` (the plates' own net CoP) when the file has them.
    """

    path: str
    format: str
    fs_hz: float
    t_s: np.ndarray
    x_mm: np.ndarray
    y_mm: np.ndarray
    reason: np.ndarray
    frame: str
    notes: tuple = ()
    left_pct: np.ndarray | None = None
    feet: dict | None = None
    plate_net: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.x_mm.size)

    @property
    def excluded(self) -> dict[str, int]:
        """Slots left out, by reason (only reasons that occur)."""
        counts = np.bincount(self.reason.astype(np.intp), minlength=len(REASONS))
        return {REASONS[i]: int(c) for i, c in enumerate(counts) if i and c}

    def window(self, start_s: float | None, end_s: float | None) -> "Recording":
        """The slots with start ≤ t < end (either may be None), as a new Recording."""
        lo = -math.inf if start_s is None else start_s
        hi = math.inf if end_s is None else end_s
        idx = np.flatnonzero((self.t_s >= lo) & (self.t_s < hi))
        if idx.size == 0:
            raise UsageError(f"window {_fmt_s(start_s)}:{_fmt_s(end_s)} s holds no sample of {self.path} "
                             f"(its time runs {self.t_s[0]:.3f}–{self.t_s[-1]:.3f} s)",
                             "give --window START:END in seconds inside that range")
        cut = slice(int(idx[0]), int(idx[-1]) + 1)
        return replace(
            self, t_s=self.t_s[cut], x_mm=self.x_mm[cut], y_mm=self.y_mm[cut], reason=self.reason[cut],
            left_pct=None if self.left_pct is None else self.left_pct[cut],
            feet=None if self.feet is None else {k: v[cut] for k, v in self.feet.items()},
            plate_net=None if self.plate_net is None else self.plate_net[cut])


def _fmt_s(v) -> str:
    return "" if v is None else f"{v:g}"


# --------------------------------------------------------------------------- low-level reading
def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def _check_file(path: Path) -> None:
    """Refuse, before reading it, a file that is missing, empty, huge or binary."""
    if not path.exists():
        _fail(path, "no such file", "check the path")
    if not path.is_file():
        _fail(path, "is not a file", "give a recording file or a footmat session folder")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError as e:
        _fail(path, f"cannot be read ({e.strerror})", "check its permissions")
    if size == 0:
        _fail(path, "is empty", "give a recording with a header and rows of numbers")
    if size > MAX_BYTES:
        _fail(path, f"is {size / 1e9:.1f} GB, more than the {MAX_BYTES / 1e9:.1f} GB footmat reads",
              "cut it into parts (e.g. with split) and analyse each")
    nul = head.find(b"\x00")
    if nul >= 0:
        _fail(path, f"is binary (a NUL byte at offset {nul}), not a text recording",
              "export the recording as text (CSV or tab-separated)")
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if not (len(head) < size and e.start >= len(head) - 4):   # not just a character cut at the end
            _fail(path, f"is not UTF-8 text (byte {head[e.start]:#04x} at offset {e.start})",
                  "export the recording as UTF-8 text")


class _Lines:
    """The lines of a text file, numbered, checked for binary content and absurd length."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, encoding="utf-8-sig", errors="strict", newline=None)
        self.no = 0
        self.last_had_newline = True

    def __iter__(self):
        return self

    def __next__(self) -> str:
        try:
            line = self.fh.readline(MAX_LINE_CHARS + 2)
        except UnicodeDecodeError:
            _fail(self.path, f"is not UTF-8 text (after line {self.no})", "export the recording as UTF-8 text")
        except OSError as e:
            _fail(self.path, f"cannot be read ({e.strerror})", "check the file")
        if not line:
            raise StopIteration
        self.no += 1
        if len(line) > MAX_LINE_CHARS:
            _fail(self.path, f"line {self.no} is longer than {MAX_LINE_CHARS} characters — not a recording",
                  "give a text export with one sample per line")
        if "\x00" in line:
            _fail(self.path, f"line {self.no} holds binary data", "export the recording as text")
        self.last_had_newline = line.endswith("\n")
        return line.rstrip("\r\n")

    def close(self) -> None:
        self.fh.close()


def _split(line: str, delim: str | None) -> list[str]:
    return line.split() if delim is None else line.split(delim)


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _numeric_row(line: str) -> bool:
    fields = _split(line, _guess_delim(line))
    return len(fields) >= 2 and all(_is_number(f) for f in fields)


def _guess_delim(line: str) -> str | None:
    for d in ("\t", ",", ";"):
        if d in line:
            return d
    return None


class _Columns:
    """Stream the data rows, keeping the wanted columns: numbers as float arrays, text as lists.

    ``numeric``/``text`` map a key to a column index. Rows are converted ``CHUNK_LINES`` at a
    time, so memory stays near 8 bytes per kept value. ``line_no`` holds each row's line number.
    """

    def __init__(self, path, lines: _Lines, delim, header: list[str], numeric: dict[str, int],
                 text: dict[str, int] | None = None, *, empty_is_nan: bool = False,
                 allow_cut_last_line: bool = False, first_rows: list[tuple[int, str]] = ()):
        self.path = path
        self.header = header
        self.delim = delim
        self.nh = len(header)
        self.numeric = numeric
        self.text_cols = text or {}
        self.empty_is_nan = empty_is_nan
        self._chunks = {k: [] for k in numeric}
        self._line_chunks: list[np.ndarray] = []
        self.text = {k: [] for k in self.text_cols}
        self._seen: dict[str, str] = {}
        self.cut_last_line = False
        nos: list[int] = []
        raw: list[str] = []
        for no, line in first_rows:
            if line.strip():
                nos.append(no)
                raw.append(line)
        for line in lines:
            if line.strip():
                nos.append(lines.no)
                raw.append(line)
                if len(raw) > CHUNK_LINES:
                    # keep the newest line back: it may be the last, cut short by a crash
                    self._convert(nos[:-1], raw[:-1])
                    nos, raw = nos[-1:], raw[-1:]
        if raw and allow_cut_last_line and not lines.last_had_newline \
                and len(_split(raw[-1], delim)) != self.nh:
            self.cut_last_line = True
            nos.pop()
            raw.pop()
        self._convert(nos, raw)
        self.num = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in self._chunks.items()}
        self.line_no = np.concatenate(self._line_chunks) if self._line_chunks else np.zeros(0, np.int64)
        self.rows = int(self.line_no.size)

    def _convert(self, nos: list[int], raw: list[str]) -> None:
        """Split a block of rows, check their widths, convert the wanted columns."""
        if not raw:
            return
        nh = self.nh
        rows = [_split(line, self.delim) for line in raw]
        for i, fields in enumerate(rows):
            if len(fields) != nh:
                if len(fields) == nh + 1 and not fields[-1].strip():   # a trailing delimiter
                    fields.pop()
                else:
                    _fail(self.path, f"line {nos[i]} has {len(fields)} fields, the header has {nh}",
                          "fix or delete that line (is it cut short, or is the delimiter different?)")
        for k, idx in self.numeric.items():
            col = [r[idx] for r in rows]
            if self.empty_is_nan:
                col = [v if v and not v.isspace() else "nan" for v in col]
            try:
                arr = np.array(col, dtype=float)
            except ValueError:
                for no, v in zip(nos, col):
                    if not _is_number(v):
                        what = repr(v.strip()) if v.strip() else "an empty field"
                        _fail(self.path, f"line {no}, column {self.header[idx].strip()!r}: {what} is not a number",
                              "fix or delete that line")
                raise
            if np.isinf(arr).any():
                no = nos[int(np.flatnonzero(np.isinf(arr))[0])]
                _fail(self.path, f"line {no}, column {self.header[idx].strip()!r}: an infinite value",
                      "fix or delete that line")
            self._chunks[k].append(arr)
        for k, idx in self.text_cols.items():
            seen = self._seen                       # phases repeat: keep one string of each
            self.text[k].extend(seen.setdefault(v, v) for v in (r[idx].strip() for r in rows))
        self._line_chunks.append(np.array(nos, dtype=np.int64))


# --------------------------------------------------------------------------- time and load
def _rate_from_time(path, t: np.ndarray) -> float:
    if t.size < 2:
        _fail(path, f"has {t.size} row(s) of data", "give a recording of at least a few seconds")
    if not np.all(np.isfinite(t)):
        _fail(path, "has rows without a time value", "fix the time column or give --rate HZ")
    med = float(np.median(np.diff(t)))
    if not med > 0:
        _fail(path, "has a time column that does not increase", "fix the time column or give --rate HZ")
    fs = 1.0 / med
    # time stamps are printed with a few decimals: snap to a round rate when within 0.05 %
    for cand in (round(fs), round(fs, 1)):
        if cand > 0 and abs(fs / cand - 1) < 5e-4:
            return float(cand)
    return fs


def _grid(path, t: np.ndarray, fs: float, line_no: np.ndarray):
    """Slot of each row on a uniform grid at ``fs``: gaps over 1.5 periods leave empty slots."""
    dt = np.diff(t)
    bad = np.flatnonzero(~(dt > 0))
    if bad.size:
        i = int(bad[0])
        _fail(path, f"time does not increase at line {int(line_no[i + 1])} ({t[i]:g} s, then {t[i + 1]:g} s)",
              "fix the time column, or give --rate HZ to ignore it")
    steps = np.where(dt > 1.5 / fs, np.rint(dt * fs), 1).astype(np.int64)
    k = np.concatenate(([0], np.cumsum(steps)))
    n = int(k[-1]) + 1
    if n > 4 * t.size + 1000:
        _fail(path, f"its time column spans {n} samples at {fs:g} Hz but it has {t.size} rows",
              "check the time column, or give --rate HZ to ignore it")
    return k, t[0] + np.arange(n) / fs


def _time_and_rate(p, t_col, rows: int, rate_hz, declared=None, default=None):
    """Time of each row and the rate: --rate wins (the time column then only gives the start),
    then a rate the file declares, then the time column; else ``default`` or ask for --rate."""
    if rate_hz:
        t0 = float(t_col[0]) if t_col is not None and t_col.size and np.isfinite(t_col[0]) else 0.0
        return t0 + np.arange(rows) / rate_hz, float(rate_hz)
    if t_col is not None:
        return t_col, float(declared or _rate_from_time(p, t_col))
    fs = declared or default
    if not fs:
        raise UsageError(f"{p} has no time column and gives no sampling rate", "give --rate HZ")
    return np.arange(rows) / fs, float(fs)


def _load_reason(load: np.ndarray) -> np.ndarray:
    """Dropped frames (load ≤ 0 or NaN) and unloaded rows (below 20 % of the median load)."""
    reason = np.zeros(load.size, np.int8)
    dropped = ~(load > 0)
    med = float(np.median(load[~dropped])) if (~dropped).any() else 0.0
    reason[~dropped & (load < 0.2 * med)] = _R["unloaded"]
    reason[dropped] = _R["dropped_frame"]
    return reason


def _finish(p, fmt, cols: _Columns, t, x, y, reason, fs, frame, notes=(), *, left_pct=None, feet=None,
            plate_net=None) -> Recording:
    """Mark NaN CoP as no_cop, put everything on the time grid, check something is usable."""
    reason = reason.copy()
    reason[(reason == 0) & ~(np.isfinite(x) & np.isfinite(y))] = _R["no_cop"]
    used = reason == 0
    x = np.where(used, x, np.nan)
    y = np.where(used, y, np.nan)
    k, tg = _grid(p, t, fs, cols.line_no)
    n = tg.size

    def put(v, fill=np.nan):
        out = np.full((n,) + v.shape[1:], fill, dtype=v.dtype if fill is not np.nan else float)
        out[k] = v
        return out

    notes = list(notes)
    if n > t.size:
        notes.append(f"{n - t.size} time slot(s) have no row (gaps in the time column)")
    if cols.cut_last_line:
        notes.append("the last line is cut short (the recording was interrupted) and is ignored")
    rec = Recording(
        path=str(p), format=fmt, fs_hz=float(fs), t_s=tg, x_mm=put(x), y_mm=put(y),
        reason=put(reason, _R["missing_frame"]), frame=frame, notes=tuple(notes),
        left_pct=None if left_pct is None else put(np.where(used, left_pct, np.nan)),
        feet=None if feet is None else {kk: put(v) for kk, v in feet.items()},
        plate_net=None if plate_net is None else put(plate_net))
    if not used.any():
        _fail(p, "has no row with a usable CoP "
                 f"({', '.join(f'{v} {k}' for k, v in rec.excluded.items())})",
              "check that the file holds a loaded recording")
    return rec


# --------------------------------------------------------------------------- options
_TIME_NAMES = ("t_s", "time", "time[s]", "time (s)", "time_s", "t", "mocaptime", "timestamp")
_FZ_NAMES = ("fz", "fz[n]", "fz (n)", "fz_n", "total_n", "grfnet_y")
_UNIT_RE = re.compile(r"(?:[\[(]\s*(mm|cm|m)\s*[\])]|[_ ](mm|cm|m))\s*$", re.IGNORECASE)


def _norm(name: str) -> str:
    return name.strip().lower()


def _find(header: list[str], names) -> int | None:
    normed = [_norm(h) for h in header]
    for nm in names:
        if nm in normed:
            return normed.index(nm)
    return None


def _unit_of(name: str) -> float | None:
    m = _UNIT_RE.search(name.strip())
    return UNITS_MM[(m.group(1) or m.group(2)).lower()] if m else None


def parse_columns(columns: str | None) -> list[str] | None:
    """--columns "X,Y" → two column specs (or None)."""
    if columns is None:
        return None
    parts = columns.split(",")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise UsageError(f"--columns {columns!r} must name two columns",
                         "e.g. --columns COPy,COPx (medio-lateral, then antero-posterior; "
                         "'-' before one flips its sign)")
    return [p.strip() for p in parts]


def parse_units(units: str | None) -> float | None:
    """--units → millimetres per unit (or None)."""
    if units is None:
        return None
    u = units.strip().lower()
    if u not in UNITS_MM:
        raise UsageError(f"unknown unit {units!r}", f"use one of: {', '.join(UNITS_MM)}")
    return UNITS_MM[u]


def _pick(p, header: list[str], spec: str) -> tuple[int, float]:
    """A --columns entry → (index, sign): a name (case/space-insensitive) or a 1-based number."""
    s, sign = spec, 1.0
    normed = [_norm(h) for h in header]
    if s.lower() not in normed and s.startswith("-"):
        s, sign = s[1:].strip(), -1.0
    if s.lower() in normed:
        return normed.index(s.lower()), sign
    if s.isdigit() and 1 <= int(s) <= len(header):
        return int(s) - 1, sign
    raise UsageError(f"no column {spec!r} in {p} (its columns: {', '.join(h.strip() for h in header)})",
                     "give --columns X,Y: the medio-lateral and antero-posterior CoP columns, "
                     "by name or 1-based number ('-' before one flips its sign)")


def _chosen(p, header, col_spec, unit_mm, default_mm):
    """Indices and scale factors (sign × mm per unit) of the --columns choice."""
    (ix, sx), (iy, sy) = (_pick(p, header, c) for c in col_spec)
    ux = unit_mm or _unit_of(header[ix]) or default_mm
    uy = unit_mm or _unit_of(header[iy]) or default_mm
    if ux is None or uy is None:
        raise UsageError(f"the unit of columns {header[ix].strip()!r}, {header[iy].strip()!r} in {p} is not "
                         "in the header", "give --units mm, cm or m")
    frame = (f"columns {header[ix].strip()} → x (ML, right +), {header[iy].strip()} → y (AP, forward +)"
             f"{' with a sign flipped' if min(sx, sy) < 0 else ''}, ×{ux:g} and ×{uy:g} → mm")
    return ix, iy, sx * ux, sy * uy, frame


def _meta_rate(meta_lines) -> float | None:
    keys = ("export frame rate", "capture frame rate", "mocap rate", "sample rate", "sampling rate",
            "sampling frequency", "rate", "fs")
    meta = {}
    for _, ln in meta_lines:
        parts = [s.strip() for s in re.split(r"[,\t;:=]", ln, maxsplit=2)]
        if len(parts) >= 2 and parts[0]:
            meta[parts[0].lower()] = parts[1]
    for key in keys:
        try:
            v = float(meta.get(key, "nan").split()[0])
        except (ValueError, IndexError):
            continue
        if math.isfinite(v) and v > 0:
            return v
    return None


# --------------------------------------------------------------------------- entry point
def read_recording(path, *, columns: str | None = None, units: str | None = None,
                   rate_hz: float | None = None) -> Recording:
    """Read a footmat session or an external force-plate recording → :class:`Recording`.

    ``columns`` ("X,Y": the medio-lateral and antero-posterior CoP columns, by name or 1-based
    number, '-' to flip a sign), ``units`` (mm, cm, m) and ``rate_hz`` override what the file
    says or supply what it cannot tell.
    """
    p = Path(path)
    session_rate = None
    session_notes = []
    if p.name == "session.json" and (p.parent / "trace.csv").is_file():
        p = p.parent
    if p.is_dir():
        trace = p / "trace.csv"
        if not trace.is_file():
            _fail(p, "is a folder without trace.csv, so not a footmat session",
                  "give a session folder, a trace.csv or a recording file")
        session_rate = sfmt.session_rate(p)
        session_notes = _session_notes(p)
        p = trace
    elif p.name == "trace.csv":
        session_rate = sfmt.session_rate(p.parent)
        session_notes = _session_notes(p.parent)
    col_spec = parse_columns(columns)
    unit_mm = parse_units(units)
    if rate_hz is not None and not (isinstance(rate_hz, (int, float)) and math.isfinite(rate_hz) and rate_hz > 0):
        raise UsageError(f"--rate {rate_hz!r} must be a positive number of Hz", "e.g. --rate 100")
    _check_file(p)
    lines = _Lines(p)
    try:
        rec = _read(p, lines, col_spec, unit_mm, rate_hz, session_rate)
    finally:
        lines.close()
    return replace(rec, notes=tuple(session_notes) + rec.notes) if session_notes else rec


def _session_notes(folder: Path) -> list[str]:
    """What the session's own metadata says a reader should mention (incomplete)."""
    try:
        return sfmt.status_notes(sfmt.load_meta(folder))
    except DataFileError:
        return []


def _read(p: Path, lines: _Lines, col_spec, unit_mm, rate_hz, session_rate) -> Recording:
    head: list[tuple[int, str]] = []
    for line in lines:
        head.append((lines.no, line))
        if line.strip():
            break
    if not head or not head[-1][1].strip():
        _fail(p, "holds only blank lines", "give a recording with a header and rows of numbers")
    first = head[-1][1]
    delim = _guess_delim(first)
    header = _split(first, delim)
    names = {_norm(f) for f in header}
    if {"t_s", "cop_x_mm", "cop_y_mm"} <= names:
        return _read_footmat(p, lines, delim, header, col_spec, unit_mm, rate_hz, session_rate)
    if {"copx[cm]", "copy[cm]"} <= names:
        return _read_bds(p, lines, delim, header, col_spec, unit_mm, rate_hz)
    if {"copnet_x", "copnet_z", "rgrf_y", "lgrf_y"} <= names:
        return _read_pds(p, lines, delim, header, col_spec, unit_mm, rate_hz)
    # not a one-line header: look for the first row of numbers (AMTI metadata, other tables)
    if not _numeric_row(first):
        for line in lines:
            head.append((lines.no, line))
            if line.strip() and _numeric_row(line):
                break
            if lines.no >= HEAD_LINES:
                break
    data_at = next((i for i, (_, ln) in enumerate(head) if ln.strip() and _numeric_row(ln)), None)
    if data_at is None:
        _fail(p, f"has no row of numbers in its first {lines.no} lines — not a CoP recording",
              "give a footmat session, a BDS/PDS/AMTI export, or a table of numbers with --columns")
    delim = _guess_delim(head[data_at][1])
    width = len(_split(head[data_at][1], delim))
    hdr_i = next((i for i in range(data_at - 1, -1, -1) if head[i][1].strip()), None)
    header = None
    if hdr_i is not None:
        cand = _split(head[hdr_i][1], delim)
        if len(cand) == width:
            header = cand
    meta_lines = head[:hdr_i] if header is not None else head[:data_at]
    first_rows = head[data_at:]
    if header is not None and {"fz", "mx", "my"} <= {_norm(h) for h in header}:
        return _read_amti(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz)
    if header is None:
        header = [str(i + 1) for i in range(width)]
    return _read_table(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz)


def _no_rows(p, cols: _Columns, fix: str) -> None:
    if cols.rows == 0:
        _fail(p, "has a header but no rows of data", fix)


class _TraceColumns:
    """A footmat trace's wanted columns, read by the session format's reader (cues may hold any
    text; a torn last line is left out and noted in ``notes``)."""

    cut_last_line = False

    def __init__(self, path, numeric: dict[str, int], text: dict[str, int]):
        with sfmt.TraceLines(path) as tr:
            self.num, self.text, self.line_no = sfmt.read_columns(tr, numeric, text)
            self.notes = list(tr.notes)
        self.rows = int(self.line_no.size)


def _read_footmat(p, lines, delim, header, col_spec, unit_mm, rate_hz, session_rate) -> Recording:
    h = [_norm(x) for x in header]
    num = {"t": h.index("t_s"), "x": h.index("cop_x_mm"), "y": h.index("cop_y_mm")}
    if "left_pct" in h:
        num["left"] = h.index("left_pct")
    sx = sy = 1.0
    frame = "footmat frame as recorded: x right (ML), y forward (AP), mm"
    if col_spec:
        num["x"], num["y"], sx, sy, frame = _chosen(p, header, col_spec, unit_mm, 1.0)
    elif unit_mm:
        sx = sy = unit_mm
    text = {"phase": h.index("phase")} if "phase" in h else {}
    cols = _TraceColumns(p, num, text)
    _no_rows(p, cols, "record a session first (footmat drill …)")
    t = cols.num["t"]
    if not np.all(np.isfinite(t)):
        bad = int(cols.line_no[np.flatnonzero(~np.isfinite(t))[0]])
        _fail(p, f"line {bad} has no t_s", "the trace is damaged; fix or delete that line")
    reason = np.zeros(cols.rows, np.int8)
    if text:
        phase = np.asarray(cols.text["phase"], dtype=object)
        for ph in EXCLUDED_PHASES:
            reason[phase == ph] = _R[ph]
    notes = list(cols.notes)
    if rate_hz:
        t, fs = _time_and_rate(p, t, cols.rows, rate_hz)
    else:
        measured = _rate_from_time(p, t)
        fs = measured
        if session_rate and abs(measured / session_rate - 1) < 0.01:
            fs = session_rate
        elif session_rate:
            notes.append(f"session.json says {session_rate:g} Hz but the time stamps give "
                         f"{measured:.2f} Hz, which is used")
    return _finish(p, "footmat", cols, t, cols.num["x"] * sx, cols.num["y"] * sy, reason, fs, frame, notes,
                   left_pct=cols.num.get("left"))


def _read_bds(p, lines, delim, header, col_spec, unit_mm, rate_hz) -> Recording:
    h = [_norm(x) for x in header]
    num = {"x": h.index("copy[cm]"), "y": h.index("copx[cm]")}
    if "time[s]" in h:
        num["t"] = h.index("time[s]")
    if "fz[n]" in h:
        num["fz"] = h.index("fz[n]")
    sx = sy = unit_mm or 10.0
    frame = "BDS (AMTI plate, subject facing +x): x = COPy (ML), y = COPx (AP), cm → mm"
    if col_spec:
        num["x"], num["y"], sx, sy, frame = _chosen(p, header, col_spec, unit_mm, 10.0)
    cols = _Columns(p, lines, delim, header, num)
    _no_rows(p, cols, "give a complete BDS trial file")
    c = cols.num
    reason = _load_reason(c["fz"]) if "fz" in c else np.zeros(cols.rows, np.int8)
    t, fs = _time_and_rate(p, c.get("t"), cols.rows, rate_hz, default=100.0)
    return _finish(p, "bds", cols, t, c["x"] * sx, c["y"] * sy, reason, fs, frame)


def _read_pds(p, lines, delim, header, col_spec, unit_mm, rate_hz) -> Recording:
    h = [_norm(x) for x in header]
    need = ["time", "rgrf_y", "lgrf_y", "rcop_x", "rcop_z", "lcop_x", "lcop_z", "copnet_x", "copnet_z"]
    missing = [n for n in need if n not in h]
    if missing:
        _fail(p, f"looks like a PDS file but has no column {', '.join(missing)}", "give a complete PDS grf file")
    num = {n: h.index(n) for n in need}
    u = unit_mm or 1000.0
    frame = ("PDS (lab frame: X forward, Y up, Z right): x = COPNET_Z (ML), y = COPNET_X (AP), m → mm; "
             "each foot likewise from LCOP/RCOP, loads LGRF_Y/RGRF_Y")
    if col_spec:
        num["ox"], num["oy"], sx, sy, frame = _chosen(p, header, col_spec, unit_mm, 1000.0)
    cols = _Columns(p, lines, delim, header, num)
    _no_rows(p, cols, "give a complete PDS grf file")
    c = cols.num
    fl, fr = c["lgrf_y"], c["rgrf_y"]
    plate = np.column_stack([c["copnet_z"], c["copnet_x"]]) * u
    x, y = (c["ox"] * sx, c["oy"] * sy) if col_spec else (plate[:, 0], plate[:, 1])
    feet = {"cop_l": np.column_stack([c["lcop_z"], c["lcop_x"]]) * u, "f_l": fl,
            "cop_r": np.column_stack([c["rcop_z"], c["rcop_x"]]) * u, "f_r": fr}
    with np.errstate(invalid="ignore", divide="ignore"):
        left = 100.0 * fl / (fl + fr)
    t, fs = _time_and_rate(p, c["time"], cols.rows, rate_hz)
    return _finish(p, "pds", cols, t, x, y, _load_reason(fl + fr), fs, frame,
                   left_pct=left, feet=feet, plate_net=plate)


def _read_amti(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz) -> Recording:
    h = [_norm(x) for x in header]
    num = {"fz": h.index("fz"), "mx": h.index("mx"), "my": h.index("my")}
    ti = _find(header, ("mocaptime", "time"))
    if ti is not None:
        num["t"] = ti
    u = unit_mm or 1000.0
    frame = ("AMTI plate frame (z down, subject facing +y): x = My/Fz (ML, = -Cx), y = Mx/Fz (AP, = Cy), "
             "m → mm, as Quijoux et al. 2021")
    if col_spec:
        num["ox"], num["oy"], sx, sy, frame = _chosen(p, header, col_spec, unit_mm, 1000.0)
    cols = _Columns(p, lines, delim, header, num, first_rows=first_rows)
    _no_rows(p, cols, "give a complete AMTI export")
    c = cols.num
    reason = _load_reason(c["fz"])
    ok = reason == 0
    safe_fz = np.where(ok, c["fz"], 1.0)
    if col_spec:
        x, y = c["ox"] * sx, c["oy"] * sy
    else:
        x, y = c["my"] / safe_fz * u, c["mx"] / safe_fz * u
    t, fs = _time_and_rate(p, c.get("t"), cols.rows, rate_hz, declared=_meta_rate(meta_lines))
    return _finish(p, "amti", cols, t, x, y, reason, fs, frame)


def _read_table(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz) -> Recording:
    if not col_spec:
        _fail(p, f"is not a recording footmat recognises (columns: {', '.join(h.strip() for h in header)})",
              "give --columns X,Y (the medio-lateral and antero-posterior CoP columns) and, where the "
              "header does not say, --units mm|cm|m and --rate HZ")
    ix, iy, sx, sy, frame = _chosen(p, header, col_spec, unit_mm, None)
    num = {"x": ix, "y": iy}
    ti = _find(header, _TIME_NAMES)
    if ti is not None and ti not in (ix, iy):
        num["t"] = ti
    fi = _find(header, _FZ_NAMES)
    if fi is not None and fi not in (ix, iy):
        num["fz"] = fi
    declared = _meta_rate(meta_lines)
    if rate_hz is None and "t" not in num and declared is None:
        raise UsageError(f"{p} has no time column and its header gives no rate", "give --rate HZ")
    cols = _Columns(p, lines, delim, header, num, empty_is_nan=True, first_rows=first_rows)
    _no_rows(p, cols, "give a recording with rows of numbers")
    c = cols.num
    reason = _load_reason(c["fz"]) if "fz" in c else np.zeros(cols.rows, np.int8)
    t, fs = _time_and_rate(p, c.get("t"), cols.rows, rate_hz, declared=declared)
    return _finish(p, "table", cols, t, c["x"] * sx, c["y"] * sy, reason, fs, frame)
