"""Sessions out of footmat: CSV (+ metadata sidecar), JSON and C3D, all read from the session folder.

The session is read and checked by :mod:`trainer.sessions.reader` before anything is written: a
last row cut short by a crash is left out and said so (``notes``); anything else wrong raises
:class:`~firmware.errors.DataFileError` naming the file, the line and the fix. Outputs are written
through temporary files (:class:`firmware.fileio.AtomicFile`) and renamed at the end, so a failed
export leaves every existing file as it was. An export never replaces one of the session's own
files.

Formats
-------
``csv``   the trace's rows exactly as recorded (units in the column names; an empty field is a
          missing value), plus ``<stem>.meta.json``: everything in ``session.json``, the columns with
          their units, the events and what the export found (frames, rate, notes).
``json``  one object: everything in ``session.json``, ``events``, ``export`` (as in the sidecar) and
          ``samples`` = ``{"columns", "units", "frames", "rows"}`` — one list per frame in column
          order, numbers as recorded, ``null`` for a missing value (pandas:
          ``DataFrame(d["samples"]["rows"], columns=d["samples"]["columns"])``).
``c3d``   the biomechanics standard (:mod:`trainer.formats.c3d` says what goes where).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from firmware.errors import DataFileError, UsageError
from firmware.fileio import AtomicFile

from trainer import __version__
from trainer.formats.c3d import c3d_writer
from trainer.sessions import format as sfmt
from trainer.sessions.reader import (Session, SessionFolder, column_description, column_unit, iter_rows,
                                     no_gc, open_session, read_session)

FORMATS = ("csv", "json", "c3d")


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def _open_out(path: Path, mode: str = "w") -> AtomicFile:
    """The output file, written beside its target until committed."""
    try:
        return AtomicFile(path, mode)
    except OSError as e:
        raise UsageError(f"cannot write {str(Path(path))!r} ({e.strerror})", "give a writable --out") from None


def default_out(folder: Path, fmt: str) -> Path:
    """``<session>/<session name>.<fmt>``: the export lives with its session."""
    return Path(folder) / f"{Path(folder).name}.{fmt}"


def sidecar_path(csv_path: Path) -> Path:
    """``<stem>.meta.json`` beside the CSV file."""
    p = Path(csv_path)
    stem = p.name[:-4] if p.name.lower().endswith(".csv") else p.name
    return p.with_name(stem + ".meta.json")


def _resolve_out(sf: SessionFolder, fmt: str, out) -> Path:
    if out is None:
        return default_out(sf.folder, fmt)
    out = Path(out)
    if out.is_dir():
        return out / f"{sf.folder.name}.{fmt}"
    return out


def _check_targets(sf: SessionFolder, targets: list[Path]) -> None:
    own = {(sf.folder / n).resolve() for n in sfmt.OWN_FILES}
    for t in map(Path, targets):
        if t.resolve() in own:
            raise UsageError(f"--out {str(t)!r} is one of the session's own files",
                             "give another file name for the export")


def export_info(sf: SessionFolder, fmt: str, frames: int, rate_hz: float, t0: float | None, t1: float | None) -> dict:
    """What an export found: format, source, software, frames, rate, times, notes, the columns."""
    return {
        "format": fmt,
        "source": str(sf.folder),
        "software": {"footmat": __version__},
        "frames": frames,
        "rate_hz": rate_hz,
        "first_t_s": t0,
        "last_t_s": t1,
        "complete": sf.complete,
        "notes": list(sf.notes),
        "columns": [{"name": h, "unit": column_unit(h), "description": column_description(h)} for h in sf.header],
    }


def _first_last_t(first: str | None, last: str | None):
    """The first and last time stamps as written → floats (None when there is none)."""
    return (float(first) if first else None), (float(last) if last else None)


def export_csv(sf: SessionFolder, out: Path) -> list[Path]:
    """The trace's rows as recorded → ``out``, metadata → ``<stem>.meta.json``."""
    out = Path(out)
    side = sidecar_path(out)
    _check_targets(sf, [out, side])
    f = _open_out(out)
    frames, first, last = 0, None, None
    try:
        f.fh.write(",".join(sf.header) + "\n")
        with no_gc():
            for k, t_first, t_last, text in iter_rows(sf):
                f.fh.write(text)
                frames += k
                first = first or t_first
                last = t_last
        if frames == 0:
            _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
        t0, t1 = _first_last_t(first, last)
        meta = dict(sf.meta)
        meta["events"] = sf.events
        meta["export"] = export_info(sf, "csv", frames, float(sf.meta["sample_rate_hz"]), t0, t1)
        meta["export"]["file"] = out.name
        s = _open_out(side)
        try:
            s.fh.write(json.dumps(_jsonable(meta), indent=2, allow_nan=False) + "\n")
        except BaseException:
            s.discard()
            raise
    except BaseException:
        f.discard()
        raise
    f.commit()
    s.commit()
    return [out, side]


def export_json(sf: SessionFolder, out: Path) -> list[Path]:
    """session.json + events + export info + every sample (rows in column order, null = missing)."""
    out = Path(out)
    _check_targets(sf, [out])
    f = _open_out(out)
    frames, first, last = 0, None, None
    try:
        head = dict(sf.meta)
        head["events"] = sf.events
        # written first, completed at the end (frames and times are known only then)
        body = json.dumps(_jsonable(head), indent=1, allow_nan=False)
        f.fh.write(body[:-2] + ",\n")
        f.fh.write(' "samples": {\n  "columns": ' + json.dumps(sf.header) + ",\n  \"units\": "
                   + json.dumps([column_unit(h) for h in sf.header]) + ',\n  "rows": [\n')
        tail = ""
        with no_gc():
            for k, t_first, t_last, rows in iter_rows(sf, as_json=True):
                f.fh.write(tail + rows[:-2])    # the last row's ",\\n" waits: no comma after the final row
                tail = ",\n"
                frames += k
                first = first or t_first
                last = t_last
        if frames == 0:
            _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
        t0, t1 = _first_last_t(first, last)
        info = export_info(sf, "json", frames, float(sf.meta["sample_rate_hz"]), t0, t1)
        f.fh.write(f'\n  ],\n  "frames": {frames}\n }},\n "export": '
                   + json.dumps(_jsonable(info), allow_nan=False) + "\n}\n")
    except BaseException:
        f.discard()
        raise
    f.commit()
    return [out]


def _jsonable(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        return _jsonable(obj.item())
    return obj


def export_c3d(sess: Session, out: Path, *, fast: bool = True) -> list[Path]:
    """Write the session as C3D → ``out`` (:func:`trainer.formats.c3d.c3d_writer`; ``fast``: the
    frames as one array, byte for byte the file the package's own frame writer gives)."""
    out = Path(out)
    _check_targets(sess.sf, [out])
    w = c3d_writer(sess, fast=fast)
    f = _open_out(out, "wb")
    try:
        w.write(f.fh)
    except BaseException:
        f.discard()
        raise
    f.commit()
    return [out]


# --------------------------------------------------------------------------- entry point
def export_session(path, fmt: str, out=None, notes: list | None = None) -> list[Path]:
    """Export the session at ``path`` as ``fmt`` (csv, json, c3d) → the files written. What the
    reader noticed (incomplete, cut short, an older format) is added to ``notes``."""
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r} is not one of {', '.join(FORMATS)}", "give --format csv, json or c3d")
    sf = open_session(path)
    target = _resolve_out(sf, fmt, out)
    if fmt == "csv":
        files = export_csv(sf, target)
    elif fmt == "json":
        files = export_json(sf, target)
    else:
        files = export_c3d(read_session(sf, text=False), target)    # C3D holds no text column
    if notes is not None:
        notes.extend(sf.notes)
    return files
