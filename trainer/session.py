"""The session folder (PRODUCT.md §6): trace.csv, events.csv, session.json — crash-safe.

``session.json`` is written at the start with ``complete: false`` and replaced atomically at
the end. ``trace.csv`` and ``events.csv`` are appended in blocks and fsynced about once a
second, so a killed process or a power cut loses at most about a second. NaN is an empty field.
"""
from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from firmware.errors import UsageError
from firmware.fileio import atomic_write_json, fsync_dir

FSYNC_EVERY_S = 1.0


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


def _fmt(values: np.ndarray, decimals: int) -> list[str]:
    """Numbers as text, NaN as an empty field."""
    out = np.char.mod(f"%.{decimals}f", np.nan_to_num(values, nan=0.0))
    return np.where(np.isfinite(values), out, "").tolist()


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
        self._last_sync = time.monotonic()
        self._sync()
        fsync_dir(self.folder)
        self.last_t = 0.0
        self.frames = 0
        self.closed = False

    def rel(self, t_clock) -> np.ndarray:
        return np.asarray(t_clock, float) - self.clock_start

    def write(self, t_clock, raw, forces, total, cop, left_pct, target, phase: list[str], flags: list[str],
              true_cop=None) -> None:
        """Append a block of frames (arrays of n rows)."""
        t = self.rel(t_clock)
        n = t.shape[0]
        if n == 0:
            return
        cols = [_fmt(t, 4)]
        cols += [_fmt(raw[:, i], 0) for i in range(raw.shape[1])]
        cols += [_fmt(forces[:, i], 2) for i in range(forces.shape[1])]
        cols += [_fmt(total, 2), _fmt(cop[:, 0], 2), _fmt(cop[:, 1], 2), _fmt(left_pct, 2),
                 _fmt(target[:, 0], 2), _fmt(target[:, 1], 2), phase, flags]
        if self.simulated:
            tc = true_cop if true_cop is not None else np.full((n, 2), np.nan)
            cols += [_fmt(tc[:, 0], 2), _fmt(tc[:, 1], 2)]
        self._trace.write("".join(",".join(row) + "\n" for row in zip(*cols)))
        self.last_t = float(t[-1])
        self.frames += n
        self._maybe_sync()

    def event(self, t_clock: float, kind: str, detail: str = "") -> None:
        detail = str(detail).replace("\n", " ").replace('"', "'")
        if "," in detail:
            detail = f'"{detail}"'
        self._events.write(f"{float(self.rel(t_clock)):.4f},{kind},{detail}\n")
        self._maybe_sync()

    def _maybe_sync(self) -> None:
        if time.monotonic() - self._last_sync >= FSYNC_EVERY_S:
            self._sync()

    def _sync(self) -> None:
        for fh in (self._trace, self._events):
            fh.flush()
            os.fsync(fh.fileno())
        self._last_sync = time.monotonic()

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


def read_session_json(folder: Path) -> dict:
    return json.loads((Path(folder) / "session.json").read_text(encoding="utf-8"))
