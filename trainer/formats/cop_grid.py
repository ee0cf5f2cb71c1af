"""A CoP recording on a uniform time grid (:class:`Recording`) and the rules every reader of
:mod:`trainer.formats.recordings` applies to build one.

Everything is in footmat's frame — x to the right (medio-lateral), y forward (antero-posterior),
millimetres — on a uniform grid at the recording's rate (:func:`time_and_rate`: ``--rate``, then a
rate the file declares, then its time column), with NaN where a slot has no usable CoP. Why each
slot was left out is kept per slot (codes into :data:`REASONS`): a phase that is not the exercise,
no CoP, a dropped frame (load 0), an unloaded row (below 20 % of the median load,
:func:`load_reason`), or no row for the slot (a gap in the time column). The CoP columns, their
signs and units come from the file's format or from ``--columns``/``--units``
(:func:`chosen_columns`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from firmware.errors import DataFileError, UsageError

from trainer.formats.text_table import Columns, norm_name

UNITS_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}
# trace.csv phases that are not the exercise (trainer/drills/engine.py: waiting → countdown → running
# (drill phases, paused) → done)
EXCLUDED_PHASES = ("waiting", "countdown", "paused", "done")

# Why a slot holds no CoP. Code 0 = used.
REASONS = ("used", "waiting", "countdown", "paused", "done", "no_cop", "dropped_frame", "unloaded",
           "missing_frame")
REASON_CODE = {name: np.int8(i) for i, name in enumerate(REASONS)}
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


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


# --------------------------------------------------------------------------- time and load
def rate_from_time(path, t: np.ndarray) -> float:
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


def time_and_rate(p, t_col, rows: int, rate_hz, declared=None, default=None):
    """Time of each row and the rate: --rate wins (the time column then only gives the start),
    then a rate the file declares, then the time column; else ``default`` or ask for --rate."""
    if rate_hz:
        t0 = float(t_col[0]) if t_col is not None and t_col.size and np.isfinite(t_col[0]) else 0.0
        return t0 + np.arange(rows) / rate_hz, float(rate_hz)
    if t_col is not None:
        return t_col, float(declared or rate_from_time(p, t_col))
    fs = declared or default
    if not fs:
        raise UsageError(f"{p} has no time column and gives no sampling rate", "give --rate HZ")
    return np.arange(rows) / fs, float(fs)


def load_reason(load: np.ndarray) -> np.ndarray:
    """Dropped frames (load ≤ 0 or NaN) and unloaded rows (below 20 % of the median load)."""
    reason = np.zeros(load.size, np.int8)
    dropped = ~(load > 0)
    med = float(np.median(load[~dropped])) if (~dropped).any() else 0.0
    reason[~dropped & (load < 0.2 * med)] = REASON_CODE["unloaded"]
    reason[dropped] = REASON_CODE["dropped_frame"]
    return reason


def finish_recording(p, fmt, cols: Columns, t, x, y, reason, fs, frame, notes=(), *, left_pct=None,
                     feet=None, plate_net=None) -> Recording:
    """Mark NaN CoP as no_cop, put everything on the time grid, check something is usable."""
    reason = reason.copy()
    reason[(reason == 0) & ~(np.isfinite(x) & np.isfinite(y))] = REASON_CODE["no_cop"]
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
        reason=put(reason, REASON_CODE["missing_frame"]), frame=frame, notes=tuple(notes),
        left_pct=None if left_pct is None else put(np.where(used, left_pct, np.nan)),
        feet=None if feet is None else {kk: put(v) for kk, v in feet.items()},
        plate_net=None if plate_net is None else put(plate_net))
    if not used.any():
        _fail(p, "has no row with a usable CoP "
                 f"({', '.join(f'{v} {k}' for k, v in rec.excluded.items())})",
              "check that the file holds a loaded recording")
    return rec


def require_rows(p, cols: Columns, fix: str) -> None:
    """Refuse a file with a header and no data rows."""
    if cols.rows == 0:
        _fail(p, "has a header but no rows of data", fix)


# --------------------------------------------------------------------------- which columns
_UNIT_RE = re.compile(r"(?:[\[(]\s*(mm|cm|m)\s*[\])]|[_ ](mm|cm|m))\s*$", re.IGNORECASE)


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
    normed = [norm_name(h) for h in header]
    if s.lower() not in normed and s.startswith("-"):
        s, sign = s[1:].strip(), -1.0
    if s.lower() in normed:
        return normed.index(s.lower()), sign
    if s.isdigit() and 1 <= int(s) <= len(header):
        return int(s) - 1, sign
    raise UsageError(f"no column {spec!r} in {p} (its columns: {', '.join(h.strip() for h in header)})",
                     "give --columns X,Y: the medio-lateral and antero-posterior CoP columns, "
                     "by name or 1-based number ('-' before one flips its sign)")


def chosen_columns(p, header, col_spec, unit_mm, default_mm):
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
