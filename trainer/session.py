"""The session folder (PRODUCT.md §6): trace.csv, events.csv, session.json — crash-safe.

``session.json`` is written at the start with ``complete: false`` and replaced atomically at
the end. ``trace.csv`` and ``events.csv`` are appended in blocks, handed to the operating
system every ``FLUSH_EVERY_S`` (a killed process loses no more than that) and fsynced every
``FSYNC_EVERY_S`` (a power cut loses no more than that plus one block). NaN is an empty field.
Times (``t_s``) are written with full float precision so a replay sees the very same stamps.

The session is entered in the history (:mod:`trainer.history`) when it starts and again when
it ends, so a killed session is listed, as incomplete, wherever its folder is.

Loaders (:func:`load_meta`, :func:`read_events`; the trace is streamed by
:class:`firmware.replay.TraceReader`) refuse damaged files with one line and never change them.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import time
from datetime import datetime, timezone
from itertools import repeat
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError, UsageError
from firmware.fileio import atomic_write_json, fsync_dir

FLUSH_EVERY_S = 0.2   # to the OS: survives a killed process
FSYNC_EVERY_S = 0.5   # to the disk: survives a power cut
MAX_JSON_BYTES = 50 * 1024 * 1024


def new_folder(root: Path, drill: str, started: datetime) -> Path:
    """`<root>/<YYYYmmdd-HHMMSS>-<drill>` (with -2, -3 … when taken), created."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the session folder in {str(root)!r} ({e.strerror})",
                         "give a writable --out DIR") from None
    base = f"{started.strftime('%Y%m%d-%H%M%S')}-{drill}"
    for k in range(1, 10000):
        p = root / (base if k == 1 else f"{base}-{k}")
        try:
            p.mkdir()
            return p
        except FileExistsError:
            continue
    raise UsageError(f"too many sessions named {base} in {root}", "use another --out DIR")


def software_info() -> dict:
    from . import __version__
    return {"footmat": __version__, "python": platform.python_version(), "platform": platform.platform()}


def _exact(x: float) -> str:
    """A finite float as the shortest text that reads back as the same float, positional.

    ``repr`` gives those digits (the same as numpy's Dragon4); it switches to exponent
    notation outside 1e-4 <= |x| < 1e16, and there numpy writes the long positional form.
    """
    s = repr(x)
    return np.format_float_positional(x, unique=True, trim="0") if "e" in s else s


def fmt_time(t: float) -> str:
    """A time stamp as the shortest text that reads back as the same float (replay is exact)."""
    # positional, never exponent notation (1.25e-05 would trip spreadsheets and strict readers)
    return _exact(float(t)) if math.isfinite(t) else ""


def _raw_formats(raw: np.ndarray) -> list:
    """Per raw-code column of a block: "%.0f" when every finite value in it is integral (ADC
    codes: written as integers), else None (each value written with full precision)."""
    whole = raw == np.rint(raw)
    if whole.all():
        return ["%.0f"] * raw.shape[1]
    whole |= ~np.isfinite(raw)
    return ["%.0f" if w else None for w in whole.all(axis=0).tolist()]


def _no_nonfinite(text: str) -> str:
    """Empty the fields %-formatting wrote for NaN and ±inf ("nan", "inf", "-inf"; Python never
    writes "-nan"); the other fields of formatted numbers hold only digits, ".", "-", "+", "e"."""
    if "n" not in text:
        return text
    if "inf" in text:
        text = text.replace("-inf", "").replace("inf", "")
    return text.replace("nan", "")


class SessionWriter:
    """Writes one session. ``columns`` are the trace's per-sensor names (from the layout)."""

    def __init__(self, root: Path, drill: str, *, layout, calibration: dict, params: dict, person: dict,
                 sample_rate_hz: float, simulated: bool, clock_start: float):
        self.started = datetime.now(timezone.utc)
        self.folder = new_folder(Path(root), drill, self.started)
        self.clock_start = clock_start   # the source clock's reading at started_at
        self.simulated = simulated
        self.names = layout.names
        self.meta = {
            "drill": drill,
            "params": params,
            "person": person,
            "started_at": self.started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "duration_s": 0.0,
            "sample_rate_hz": sample_rate_hz,
            "complete": False,
            "layout": layout.to_dict(),
            "calibration": calibration,
            "software": software_info(),
            "pain": {"before": None, "after": None},
            "summary": {},
            "methods": {},
        }
        atomic_write_json(self.folder / "session.json", self.meta)
        cols = ["t_s"] + [f"{n}_raw" for n in self.names] + [f"{n}_n" for n in self.names] + [
            "total_n", "cop_x_mm", "cop_y_mm", "left_pct", "target_x_mm", "target_y_mm", "phase", "flags"]
        if simulated:
            cols += ["true_cop_x_mm", "true_cop_y_mm"]
        self.columns = cols
        self._trace = open(self.folder / "trace.csv", "w", encoding="utf-8", newline="")
        self._events = open(self.folder / "events.csv", "w", encoding="utf-8", newline="")
        self._trace.write(",".join(cols) + "\n")
        self._events.write("t_s,kind,detail\n")
        self._last_sync = self._last_flush = time.monotonic()
        self._sync()
        fsync_dir(self.folder)
        self.last_t = 0.0
        self.frames = 0
        self.closed = False
        self.syncs = 0
        _index(self.folder)

    def rel(self, t_clock) -> np.ndarray:
        return np.asarray(t_clock, float) - self.clock_start

    def write(self, t_clock, raw, forces, total, cop, left_pct, target, phase: list[str], flags: list[str],
              true_cop=None) -> None:
        """Append a block of frames (arrays of n rows).

        Plain Python and one %-format per block: at 200 frames/s in blocks of a few frames, numpy's
        per-call cost (a call per column) was most of the time."""
        t = self.rel(t_clock)
        n = t.shape[0]
        if n == 0:
            return
        raw = np.asarray(raw, float)
        forces = np.asarray(forces, float)
        raw_fmt = _raw_formats(raw)
        # the numbers of a frame in one %-format; "%r" is the time stamp's shortest round-trip text
        # (exponent notation is mended below)
        fmt = ",".join(["%r"] + [f or "%s" for f in raw_fmt] + ["%.2f"] * (forces.shape[1] + 6))
        if self.simulated:
            fmt += "\n%.2f,%.2f"   # phase and flags go in between
            tcs = np.asarray(true_cop, float).tolist() if true_cop is not None else repeat((math.nan, math.nan))
        else:
            tcs = repeat(())
        flat = []
        add = flat.extend
        # zip, here and below: a block is as long as its shortest column (an array without columns
        # sets no length)
        for ts, r, f, tot, c, lp, g, tc in zip(
                t.tolist(), raw.tolist() if raw.shape[1] else repeat(()),
                forces.tolist() if forces.shape[1] else repeat(()), np.asarray(total, float).tolist(),
                np.asarray(cop, float).tolist(), np.asarray(left_pct, float).tolist(),
                np.asarray(target, float).tolist(), tcs):
            add((ts, *r, *f, tot, c[0], c[1], lp, g[0], g[1]))
            if self.simulated:
                add((tc[0], tc[1]))
        k = fmt.count("%")
        m = len(flat) // k
        if m:
            for j, spec in enumerate(raw_fmt, 1):
                if spec is None:   # raw codes that are not all integers (never from an ADC): full precision
                    flat[j::k] = [_exact(x) if math.isfinite(x) else "" for x in flat[j::k]]
            text = _no_nonfinite("\n".join([fmt] * m) % tuple(flat))
            pieces = text.split("\n")
            head = pieces[::2] if self.simulated else pieces
            if "e" in text:   # a time stamp in exponent notation: positional instead
                for i, p in enumerate(head):
                    ts, rest = p.split(",", 1)
                    if "e" in ts:
                        head[i] = f"{_exact(float(ts))},{rest}"
            cols = (head, phase, flags, pieces[1::2]) if self.simulated else (head, phase, flags)
            self._trace.write("\n".join(map(",".join, zip(*cols))) + "\n")
        self.last_t = float(t[-1])
        self.frames += n
        self._maybe_sync()

    def event(self, t_clock: float, kind: str, detail: str = "") -> None:
        detail = str(detail).replace("\n", " ").replace('"', "'")
        if "," in detail:
            detail = f'"{detail}"'
        self._events.write(f"{fmt_time(float(self.rel(t_clock)))},{kind},{detail}\n")
        self._maybe_sync()

    def _maybe_sync(self) -> None:
        now = time.monotonic()
        if now - self._last_sync >= FSYNC_EVERY_S:
            self._sync()
        elif now - self._last_flush >= FLUSH_EVERY_S:
            self._trace.flush()
            self._events.flush()
            self._last_flush = now

    def _sync(self) -> None:
        for fh in (self._trace, self._events):
            fh.flush()
            os.fsync(fh.fileno())
        self._last_sync = self._last_flush = time.monotonic()
        self.syncs = getattr(self, "syncs", 0) + 1

    def finish(self, summary: dict, methods: dict, pain: dict | None = None, complete: bool = True,
               extra: dict | None = None) -> Path:
        """Close the files and replace session.json with the final one."""
        if self.closed:
            return self.folder
        self._sync()
        self._trace.close()
        self._events.close()
        self.meta.update(duration_s=round(self.last_t, 4), complete=complete, summary=summary, methods=methods)
        if pain is not None:
            self.meta["pain"] = pain
        if extra:
            self.meta.update(extra)
        atomic_write_json(self.folder / "session.json", _jsonable(self.meta))
        self.closed = True
        _index(self.folder)
        return self.folder

    def abort(self) -> None:
        """Leave the session as it is (incomplete), files closed and synced."""
        if self.closed:
            return
        try:
            self._sync()
        finally:
            self._trace.close()
            self._events.close()
            self.closed = True
        _index(self.folder)


def _jsonable(obj):
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    return obj


def _index(folder: Path) -> None:
    """Enter the session in the history; a history problem never costs the recording."""
    try:
        from .history import index_session
        index_session(folder)
    except Exception as e:  # noqa: BLE001 — the session is on disk; `footmat history` reconciles it
        from .commands.common import say
        say(f"note: session not entered in the history yet ({e.__class__.__name__}: {e}); "
            "footmat history will pick it up")


def read_session_json(folder: Path) -> dict:
    return load_meta(folder)


_META_TYPES = {"drill": str, "params": dict, "person": dict, "started_at": str, "duration_s": (int, float),
               "sample_rate_hz": (int, float), "complete": bool, "layout": dict, "calibration": dict}


def load_meta(path) -> dict:
    """``session.json`` of a session (folder or file), checked; one clear error if damaged."""
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / "session.json"
    where = f"session file {p}"
    try:
        if p.stat().st_size > MAX_JSON_BYTES:
            raise DataFileError(f"{where} is larger than {MAX_JSON_BYTES // 2**20} MB", "it is not a session.json")
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataFileError(f"{where} not found", "give a session folder (see: footmat history)") from None
    except OSError as e:
        raise DataFileError(f"cannot read {where} ({e.strerror})", "check the path and permissions") from None
    try:
        meta = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise DataFileError(f"{where} is not valid JSON ({e.__class__.__name__})",
                            "restore it from a backup (the file was not changed)") from None
    if not isinstance(meta, dict):
        raise DataFileError(f"{where} is not a JSON object", "restore it from a backup (the file was not changed)")
    for key, typ in _META_TYPES.items():
        v = meta.get(key)
        if not isinstance(v, typ) or (typ is not bool and isinstance(v, bool)):
            raise DataFileError(f"{where} has no usable {key!r}", "restore it from a backup (the file was not changed)")
    if not (math.isfinite(meta["sample_rate_hz"]) and 0 < meta["sample_rate_hz"] <= 100_000):
        raise DataFileError(f"{where} has sample_rate_hz {meta['sample_rate_hz']!r}", "restore it from a backup")
    if not (math.isfinite(meta["duration_s"]) and meta["duration_s"] >= 0):
        raise DataFileError(f"{where} has duration_s {meta['duration_s']!r}", "restore it from a backup")
    if parse_started_at(meta["started_at"]) is None:
        raise DataFileError(f"{where} has started_at {meta['started_at'][:40]!r}, not an ISO 8601 time",
                            "restore it from a backup")
    for key in ("summary", "pain", "methods"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise DataFileError(f"{where} has a {key!r} that is not an object", "restore it from a backup")
    return meta


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_started_at(text: str) -> datetime | None:
    """``started_at`` as an aware UTC datetime, or None when it is not ISO 8601."""
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc)


def read_events(folder) -> list[tuple[str, str, str]]:
    """``events.csv`` as (t_s text, kind, detail) rows; a torn last line is ignored."""
    p = Path(folder) / "events.csv"
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise DataFileError(f"cannot read {p} ({e.strerror})", "check the permissions") from None
    if b"\x00" in data:
        cut = data.index(b"\x00")
        if data[cut:].strip(b"\x00\r\n\t ") != b"":
            raise DataFileError(f"events file {p} holds NUL bytes", "the file is damaged; restore it from a backup")
        data = data[:cut]
    if data and not data.endswith(b"\n"):
        data = data[:data.rfind(b"\n") + 1]   # a torn last line
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"events file {p} is not UTF-8 text", "the file is damaged; restore it from a backup") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    if rows[0] != ["t_s", "kind", "detail"]:
        raise DataFileError(f"events file {p} does not start with t_s,kind,detail", "the file is damaged")
    out = []
    for no, r in enumerate(rows[1:], 2):
        if not r:
            continue
        if len(r) != 3:
            raise DataFileError(f"events file {p} line {no} has {len(r)} fields, not 3", "the file is damaged")
        try:
            if not math.isfinite(float(r[0])):
                raise ValueError
        except ValueError:
            raise DataFileError(f"events file {p} line {no} has no time", "the file is damaged") from None
        out.append((r[0], r[1], r[2]))
    return out
