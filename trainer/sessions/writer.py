"""Recording a session folder (PRODUCT.md §6): trace.csv, events.csv, session.json — crash-safe.

The file layout is :mod:`trainer.sessions.format`'s; this module only appends to the files.

``session.json`` is written at the start with ``complete: false`` and replaced atomically at
the end. ``trace.csv`` and ``events.csv`` are appended in blocks, handed to the operating
system every ``FLUSH_EVERY_S`` (a killed process loses no more than that) and fsynced every
``FSYNC_EVERY_S`` (a power cut loses no more than that plus one block). NaN is an empty field.
Times (``t_s``) are written with full float precision so a replay sees the very same stamps.

The session is entered in the history (:mod:`trainer.sessions.history`) when it starts and again when
it ends, so a killed session is listed, as incomplete, wherever its folder is.

``session.json`` holds ``pain.before`` from the first write, so a killed session keeps it.
"""
from __future__ import annotations

import math
import os
import platform
import time
from datetime import datetime, timezone
from itertools import repeat
from pathlib import Path

import numpy as np

from firmware.errors import UsageError
from firmware.fileio import atomic_write_json, fsync_dir
from firmware.frames import Flag

from trainer.sessions import format as sformat
from trainer.sessions.format import exact as _exact
from trainer.sessions.history import index_session

FLUSH_EVERY_S = 0.2   # to the OS: survives a killed process
FSYNC_EVERY_S = 0.5   # to the disk: survives a power cut


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
    from trainer import __version__
    return {"footmat": __version__, "python": platform.python_version(), "platform": platform.platform()}


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


def flags_text(frame_flags, drill_flags: list[str]) -> list[str]:
    """The trace's ``flags`` column: the acquisition's Flag names, then the drill's own flag."""
    out = []
    for f, e in zip(frame_flags, drill_flags):
        parts = [Flag(int(f)).names()] if f else []
        if e:
            parts.append(e)
        out.append("|".join(p for p in parts if p))
    return out


class SessionWriter:
    """Writes one session. ``columns`` are the trace's per-sensor names (from the layout)."""

    def __init__(self, root: Path, drill: str, *, layout, calibration: dict, params: dict, person: dict,
                 sample_rate_hz: float, simulated: bool, clock_start: float, person_id: str | None = None,
                 pain_before: int | None = None, level=None, on_note=None):
        self.on_note = on_note      # called with what the person should be told (history trouble)
        self.notes: list[str] = []
        self.started = datetime.now(timezone.utc)
        self.folder = new_folder(Path(root), drill, self.started)
        self.clock_start = clock_start   # the source clock's reading at started_at
        self.simulated = simulated
        self.names = layout.names
        self.meta = sformat.new_meta(
            drill=drill, params=params, person=person, person_id=person_id,
            started_at=self.started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            sample_rate_hz=sample_rate_hz, layout=layout.to_dict(), calibration=calibration,
            software=software_info(), pain_before=pain_before, level=level)
        atomic_write_json(self.folder / sformat.META_FILE, _jsonable(self.meta))
        self.columns = sformat.trace_columns(self.names, simulated)
        self._trace = open(self.folder / sformat.TRACE_FILE, "w", encoding="utf-8", newline="")
        self._events = open(self.folder / sformat.EVENTS_FILE, "w", encoding="utf-8", newline="")
        self._trace.write(sformat.header_line(self.columns))
        self._events.write(sformat.header_line(sformat.EVENT_COLUMNS))
        self._last_sync = self._last_flush = time.monotonic()
        self.syncs = 0
        self._sync()
        fsync_dir(self.folder)
        self.last_t = 0.0
        self.frames = 0
        self.closed = False
        self._index()

    def _index(self) -> None:
        note = _index(self.folder)
        if note:
            self.notes.append(note)
            if self.on_note is not None:
                self.on_note(note)

    def rel(self, t_clock) -> np.ndarray:
        return np.asarray(t_clock, float) - self.clock_start

    def write_block(self, eblock, target, phase: list[str], flags: list[str]) -> None:
        """Append a block of estimated frames (:class:`~trainer.estimate.block.EstimatedBlock`)
        with what the drill added to each: ``target`` (n, 2), ``phase`` and its own ``flags``
        (text; written after the names of the frame's acquisition flags)."""
        self.write(eblock.t, eblock.raw, eblock.forces, eblock.total, eblock.cop, eblock.left_pct, target, phase,
                   flags_text(eblock.flags, flags), eblock.true_cop)

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
            tf = sformat.text_field   # phase and flags by the csv module's rules (a cue may hold commas)
            phase, flags = map(tf, phase), map(tf, flags)
            cols = (head, phase, flags, pieces[1::2]) if self.simulated else (head, phase, flags)
            self._trace.write("\n".join(map(",".join, zip(*cols))) + "\n")
        self.last_t = float(t[-1])
        self.frames += n
        self._maybe_sync()

    def event(self, t_clock: float, kind: str, detail: str = "") -> None:
        self._events.write(sformat.event_line(float(self.rel(t_clock)), kind, detail))
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
        self.syncs += 1

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
        atomic_write_json(self.folder / sformat.META_FILE, _jsonable(self.meta))
        self.closed = True
        self._index()
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
        self._index()


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


def _index(folder: Path) -> str | None:
    """Enter the session in the history; a history problem never costs the recording: it is
    returned as a note (``footmat history`` reconciles the folder later)."""
    try:
        index_session(folder)
    except Exception as e:  # noqa: BLE001 — the session is on disk; `footmat history` reconciles it
        return (f"note: session not entered in the history yet ({e.__class__.__name__}: {e}); "
                "footmat history will pick it up")
    return None
