"""Sessions out of footmat: CSV (+ metadata sidecar), JSON and C3D, all read from the session folder.

One reader checks a session folder (PRODUCT.md §6) before anything is written: ``session.json``
must be a JSON object with the session's keys, ``trace.csv`` must have the required columns and
every row must have the header's width with numbers (or empty = NaN) in every numeric column. A
last row cut short by a crash is left out and said so (``notes``); anything else wrong raises
:class:`~firmware.errors.DataFileError` naming the file, the line and the fix. Outputs are written
through temporary files and renamed at the end, so a failed export leaves every existing file as
it was.

Formats
-------
``csv``   the trace's rows exactly as recorded (units in the column names; an empty field is a
          missing value), plus ``<stem>.meta.json``: everything in ``session.json``, the columns with
          their units, the events and what the export found (frames, rate, notes).
``json``  one object: everything in ``session.json``, ``events``, ``export`` (as in the sidecar) and
          ``samples`` = ``{"columns", "units", "frames", "rows"}`` — one list per frame in column
          order, numbers as recorded, ``null`` for a missing value (pandas:
          ``DataFrame(d["samples"]["rows"], columns=d["samples"]["columns"])``).
``c3d``   the biomechanics standard, written with the ``c3d`` package: points ``COP`` (and
          ``TARGET``, ``TRUE_COP`` when recorded) in mm (z = 0, residual −1 where missing), analog
          channels for each sensor's force (N), the total load (N), the left-foot share (%) and each
          sensor's raw ADC code (count), one analog sample per frame at the session's rate, with
          ANALOG:SCALE 1, OFFSET 0, GEN_SCALE 1 and UNITS filled in. Sessions longer than 65,535
          frames keep every frame: the header's 16-bit count says 65,535 and
          TRIAL:ACTUAL_START_FIELD/ACTUAL_END_FIELD (two 16-bit words each) and POINT:LONG_FRAMES
          carry the real count. Group FOOTMAT holds the start time, drill, completeness and the
          time of the first frame.
"""
from __future__ import annotations

import gc
import json
import math
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from firmware.errors import DataFileError, UsageError

from trainer.sessions import format as sfmt
from trainer.sessions.format import REQUIRED_COLUMNS, TEXT_COLUMNS

FORMATS = ("csv", "json", "c3d")
CHUNK_ROWS = 40000               # records are checked and converted this many at a time

# A number as footmat writes it (no leading zeros, so it is also a JSON number); empty = missing.
_NUM = r"-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+"   # possessive: no backtracking
# Text fields on the fast path: no delimiter, quote, backslash or control character (JSON-safe as
# is). Any other text (quoted by the csv rules) takes the slow path, record by record.
_TXT = r'[^,\n"\\\x00-\x1f]*+'

_UNIT_SUFFIXES = (("_raw", "count"), ("_n", "N"), ("_mm", "mm"), ("_pct", "%"), ("_s", "s"))


def column_unit(name: str) -> str:
    """The unit a trace column's name ends with ('' for text columns)."""
    if name in TEXT_COLUMNS:
        return ""
    for suf, unit in _UNIT_SUFFIXES:
        if name.endswith(suf):
            return unit
    return ""


def column_description(name: str) -> str:
    fixed = {
        "t_s": "time since the session's started_at",
        "total_n": "total load on the mat",
        "cop_x_mm": "centre of pressure, x (to the right)",
        "cop_y_mm": "centre of pressure, y (forward)",
        "left_pct": "share of the load on the left foot",
        "target_x_mm": "target, x (empty when the drill has no path)",
        "target_y_mm": "target, y (empty when the drill has no path)",
        "phase": "drill phase (countdown, paused, the current cue ...)",
        "flags": "frame flags ('|'-separated), empty when none",
        "true_cop_x_mm": "simulator's true centre of pressure, x",
        "true_cop_y_mm": "simulator's true centre of pressure, y",
    }
    if name in fixed:
        return fixed[name]
    if name.endswith("_raw"):
        return f"{name[:-4].replace('_', ' ')}: raw ADC code"
    if name.endswith("_n"):
        return f"{name[:-2].replace('_', ' ')}: force"
    return name


# --------------------------------------------------------------------------- reading a session
@dataclass
class SessionFolder:
    """A checked session folder: its metadata, trace header and events (rows are read on demand)."""

    folder: Path
    meta: dict
    header: list[str]
    events: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def trace(self) -> Path:
        return self.folder / sfmt.TRACE_FILE

    @property
    def complete(self) -> bool:
        return bool(self.meta.get("complete"))

    @property
    def numeric(self) -> list[str]:
        return [h for h in self.header if h not in TEXT_COLUMNS]


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def open_session(path) -> SessionFolder:
    """Check a session folder (or its session.json / trace.csv) → :class:`SessionFolder`."""
    p = sfmt.session_folder(path)
    meta = sfmt.load_meta(p)
    with sfmt.TraceLines(p / sfmt.TRACE_FILE, required=REQUIRED_COLUMNS) as tr:
        header = tr.columns
    notes = sfmt.status_notes(meta)
    events = [{"t_s": float(t), "kind": k, "detail": d} for t, k, d in sfmt.read_events(p, notes)]
    return SessionFolder(p, meta, header, events, notes)


@contextmanager
def _no_gc():
    """Millions of short-lived strings: the cyclic collector only slows this down (nothing cycles)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _line_patterns(header: list[str], groups: bool = False):
    """(block pattern: one whole line per match, line pattern, JSON replacement template).

    With ``groups`` the block pattern captures each run of numeric fields and each text field,
    so one ``subn`` both checks every line and turns it into a JSON array (text quoted).
    """
    parts, repl, run = [], [], []
    for i, h in enumerate(header):
        if h in TEXT_COLUMNS:
            if run:
                parts.append("(" + ",".join(run) + ")" if groups else ",".join(run))
                repl.append(f"\\g<{len(repl) + 1}>")
                run = []
            parts.append(f"({_TXT})" if groups else _TXT)
            repl.append(f'"\\g<{len(repl) + 1}>"')
        else:
            run.append(_NUM if i == 0 else f"(?:{_NUM})?+")
    if run:
        parts.append("(" + ",".join(run) + ")" if groups else ",".join(run))
        repl.append(f"\\g<{len(repl) + 1}>")
    line = ",".join(parts)
    return re.compile(f"^{line}\n", re.M), re.compile(line), "[" + ",".join(repl) + "],\n"


def iter_rows(sf: SessionFolder, as_json: bool = False):
    """Yield the trace's data records in checked blocks: ``(lines, text)``.

    ``lines`` are the block's records as CSV text (each ending in '\\n'; see
    :meth:`~trainer.sessions.format.TraceLines.text_blocks`), ``text`` their concatenation — or,
    with ``as_json``, the same rows as JSON arrays (``[…],\\n`` each; text quoted, empty = null).
    Every record has a number (or nothing) in every numeric column; a torn last line is left out
    and noted.
    """
    block_pat, line_pat, repl = _line_patterns(sf.header, groups=as_json)
    with sfmt.TraceLines(sf.trace, required=REQUIRED_COLUMNS) as tr:
        for nos, lines in tr.text_blocks(CHUNK_ROWS):
            text = "".join(lines)
            if as_json:
                out, k = block_pat.subn(repl, text)
            else:
                k = len(block_pat.findall(text))
            if k != len(lines):
                out = _slow_block(sf, line_pat, block_pat, repl, nos, lines, as_json)
                if as_json:
                    text = out
            elif as_json:
                text = _nulls(out)
            yield lines, text
        for n in tr.notes:
            if n not in sf.notes:
                sf.notes.append(n)


def _nulls(rows: str) -> str:
    """Empty fields of fast-path JSON rows (no text holds a comma there) → null."""
    return rows.replace(",,", ",null,").replace(",,", ",null,").replace(",]", ",null]")


def _slow_block(sf: SessionFolder, line_pat, block_pat, repl, nos, lines, as_json):
    """A block with a record off the fast path: each record checked on its own; records whose text
    needs quoting are converted field by field. Returns the JSON text (or None for CSV)."""
    out = []
    numeric = [h not in TEXT_COLUMNS for h in sf.header]
    num = re.compile(_NUM)
    for no, ln in zip(nos, lines):
        if line_pat.fullmatch(ln[:-1]):
            if as_json:
                out.append(_nulls(block_pat.sub(repl, ln)))
            continue
        fields = sfmt.split_record(ln)
        if fields is None or len(fields) != len(sf.header):
            _fail(sf.trace, f"line {no} is not a record of {len(sf.header)} fields",
                  "fix or delete that line (the file was not changed)")
        for name, isnum, v in zip(sf.header, numeric, fields):
            if isnum and not num.fullmatch(v) and not (v == "" and name != "t_s"):
                what = "an empty field" if v == "" else repr(v[:40])
                _fail(sf.trace, f"line {no}, column {name}: {what} is not a number", "fix or delete that line")
        if as_json:
            out.append("[" + ",".join((v or "null") if isnum else json.dumps(v, ensure_ascii=False)
                                      for isnum, v in zip(numeric, fields)) + "],\n")
    return "".join(out) if as_json else None


@dataclass
class Session:
    """A session's samples as arrays: ``num[col]`` float (NaN = missing), ``text[col]`` str arrays."""

    sf: SessionFolder
    t_s: "object"
    num: dict
    text: dict
    rate_hz: float

    @property
    def frames(self) -> int:
        return int(self.t_s.size)

    @property
    def meta(self) -> dict:
        return self.sf.meta

    @property
    def notes(self) -> list[str]:
        return self.sf.notes


def read_session(path) -> Session:
    """Read and check a whole session folder → :class:`Session` (numbers as float64 arrays)."""
    import numpy as np

    sf = open_session(path) if not isinstance(path, SessionFolder) else path
    numeric = [i for i, h in enumerate(sf.header) if h not in TEXT_COLUMNS]
    textcol = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS]
    blocks, texts = [], {sf.header[i]: [] for i in textcol}
    with _no_gc():
        for lines, text in iter_rows(sf):
            if '"' in text:    # a cue that needed quoting: this block record by record
                rows = [sfmt.split_record(ln) for ln in lines]
                blocks.append(np.array([[sfmt.to_float(r[i]) for i in numeric] for r in rows], float))
                for i in textcol:
                    texts[sf.header[i]].extend(r[i] for r in rows)
                continue
            filled = text.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
            arr = np.loadtxt(filled.splitlines(), delimiter=",", usecols=numeric, dtype=float,
                             comments=None, ndmin=2)
            blocks.append(arr)
            if textcol:
                last = max(textcol) + 2
                for ln in lines:
                    f = ln.split(",", last)
                    for i in textcol:
                        texts[sf.header[i]].append(f[i])
    data = np.concatenate(blocks) if blocks else np.zeros((0, len(numeric)))
    if data.shape[0] == 0:
        _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
    num = {sf.header[i]: np.ascontiguousarray(data[:, k]) for k, i in enumerate(numeric)}
    t = num["t_s"]
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        _fail(sf.trace, f"time goes backwards at line {int(back[0]) + 3}", "restore it from a backup")
    rate = float(sf.meta["sample_rate_hz"])
    if t.size > 2:
        dt = float(np.median(np.diff(t)))
        if dt > 0 and abs(1.0 / dt / rate - 1) > 0.01:
            sf.notes.append(f"session.json says {rate:g} Hz but the time stamps give {1 / dt:.3f} Hz, which is used")
            rate = 1.0 / dt
    text = {k: np.array(v, dtype=object) for k, v in texts.items()}
    return Session(sf, t, num, text, rate)


# --------------------------------------------------------------------------- writing
class _AtomicFile:
    """A file written to a temporary name beside its target and renamed by :meth:`commit`."""

    def __init__(self, path: Path, mode: str = "w"):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError as e:
            raise UsageError(f"cannot write {str(self.path)!r} ({e.strerror})", "give a writable --out") from None
        self.fh = os.fdopen(fd, mode, **({"encoding": "utf-8", "newline": ""} if "b" not in mode else {}))

    def commit(self) -> Path:
        from firmware.fileio import fsync_dir

        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(self.tmp, mode)
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)
        return self.path

    def discard(self) -> None:
        try:
            self.fh.close()
        finally:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass


def default_out(folder: Path, fmt: str) -> Path:
    """``<session>/<session name>.<fmt>``: the export lives with its session."""
    return Path(folder) / f"{Path(folder).name}.{fmt}"


def sidecar_path(csv_path: Path) -> Path:
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
    from trainer import __version__

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
    f = float(first.split(",", 1)[0]) if first else None
    l_ = float(last.split(",", 1)[0]) if last else None
    return f, l_


def export_csv(sf: SessionFolder, out: Path) -> list[Path]:
    """The trace's rows as recorded → ``out``, metadata → ``<stem>.meta.json``."""
    out = Path(out)
    side = sidecar_path(out)
    _check_targets(sf, [out, side])
    f = _AtomicFile(out)
    frames, first, last = 0, None, None
    try:
        f.fh.write(",".join(sf.header) + "\n")
        with _no_gc():
            for lines, text in iter_rows(sf):
                f.fh.write(text)
                frames += len(lines)
                first = first or lines[0]
                last = lines[-1]
        if frames == 0:
            _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
        t0, t1 = _first_last_t(first, last)
        meta = dict(sf.meta)
        meta["events"] = sf.events
        meta["export"] = export_info(sf, "csv", frames, float(sf.meta["sample_rate_hz"]), t0, t1)
        meta["export"]["file"] = out.name
        s = _AtomicFile(side)
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
    f = _AtomicFile(out)
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
        with _no_gc():
            for lines, rows in iter_rows(sf, as_json=True):
                f.fh.write(tail + rows[:-2])    # the last row's ",\\n" waits: no comma after the final row
                tail = ",\n"
                frames += len(lines)
                first = first or lines[0]
                last = lines[-1]
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


# --------------------------------------------------------------------------- C3D
POINTS = (("COP", "cop_x_mm", "cop_y_mm", "centre of pressure (z = 0: the mat's surface)"),
          ("TARGET", "target_x_mm", "target_y_mm", "the drill's target"),
          ("TRUE_COP", "true_cop_x_mm", "true_cop_y_mm", "simulator's true centre of pressure"))


def c3d_channels(sess: Session) -> list[tuple[str, str, str, str]]:
    """Analog channels: (label, trace column, unit, description)."""
    layout = sess.meta["layout"]
    sensors = layout.get("sensor") or []
    where = {s.get("name"): (s.get("x_mm"), s.get("y_mm")) for s in sensors if isinstance(s, dict)}
    ch = []
    names = [h[:-2] for h in sess.sf.header if h.endswith("_n") and h != "total_n"]
    for n in names:
        x, y = where.get(n, (None, None))
        at = f" at ({x:g}, {y:g}) mm" if isinstance(x, (int, float)) and isinstance(y, (int, float)) else ""
        ch.append((f"F_{n}".upper(), f"{n}_n", "N", f"{n.replace('_', ' ')} FSR force{at}"))
    ch.append(("F_TOTAL", "total_n", "N", "total load on the mat"))
    ch.append(("LEFT_PCT", "left_pct", "%", "share of the load on the left foot"))
    for n in names:
        if f"{n}_raw" in sess.num:
            ch.append((f"RAW_{n}".upper(), f"{n}_raw", "count", f"{n.replace('_', ' ')} raw ADC code"))
    return ch


def c3d_points(sess: Session) -> list[tuple[str, str, str, str]]:
    return [p for p in POINTS if p[1] in sess.num and p[2] in sess.num]


def export_c3d(sess: Session, out: Path, *, fast: bool = True) -> list[Path]:
    """Write the session as C3D (float format, one analog sample per frame) → ``out``.

    The metadata is written by ``c3d.Writer``; with ``fast`` the frames go out as one array
    (the package writes them one at a time: ~30 s for an hour at 200 Hz) — byte for byte the
    same file, which tests/trainer/formats/test_export.py checks against ``fast=False``.
    """
    import c3d
    import numpy as np

    sf = sess.sf
    out = Path(out)
    _check_targets(sf, [out])
    n = sess.frames
    pts = c3d_points(sess)
    chans = c3d_channels(sess)
    rate = float(sess.rate_hz)
    w = _writer_class()(point_rate=rate, analog_rate=rate, point_scale=-1.0, point_units="mm  ")
    w.set_point_labels([p[0] for p in pts])
    w.set_analog_labels([c[0] for c in chans])
    w.set_analog_general_scale(1.0)
    w.set_analog_scales([1.0] * len(chans))
    w.set_analog_offsets([0] * len(chans))
    pg, ag = w.point_group, w.analog_group
    _str_array(pg, "DESCRIPTIONS", "Point descriptions", [p[3] for p in pts])
    _str_array(ag, "DESCRIPTIONS", "Analog channel descriptions", [c[3] for c in chans])
    _str_array(ag, "UNITS", "Analog channel units", [c[2] for c in chans])
    from trainer import __version__

    man = w.get_create("MANUFACTURER")
    _str(man, "COMPANY", "Software maker", "footmat")
    _str(man, "SOFTWARE", "Software", "footmat")
    _str(man, "VERSION_LABEL", "Software version", str(__version__))
    person = sess.meta.get("person") if isinstance(sess.meta.get("person"), dict) else {}
    subj = w.get_create("SUBJECTS")
    subj.add("USED", "Number of subjects", 2, "<H", 1)
    _str_array(subj, "NAMES", "Subject names", [str(person.get("name") or "unknown")])
    fm = w.get_create("FOOTMAT")
    _str(fm, "STARTED_AT", "Session start, ISO 8601 UTC", str(sess.meta.get("started_at")))
    _str(fm, "DRILL", "Drill", str(sess.meta.get("drill")))
    _str(fm, "SESSION", "Session folder name", sf.folder.name)
    fm.add("COMPLETE", "1 if the session ended normally", 2, "<h", int(sf.complete))
    fm.add("FIRST_T_S", "Time of the first frame since STARTED_AT (s)", 4, "<f", float(sess.t_s[0]))
    fm.add("FRAMES", "Frames in the file", 4, "<I", n)

    P = np.zeros((n, len(pts), 5), np.float32)
    for j, (_, cx, cy, _) in enumerate(pts):
        x, y = sess.num[cx], sess.num[cy]
        ok = np.isfinite(x) & np.isfinite(y)
        P[:, j, 0] = np.where(ok, x, 0.0)
        P[:, j, 1] = np.where(ok, y, 0.0)
        P[:, j, 3] = np.where(ok, 0.0, -1.0)
    A = np.empty((n, len(chans), 1), np.float32)
    for j, (_, col, _, _) in enumerate(chans):
        A[:, j, 0] = sess.num[col]
    if fast and _FrameBlock.usable(w):
        w._frames = _FrameBlock(P, A)
    else:
        w.add_frames(list(zip(P, A)))
    f = _AtomicFile(out, "wb")
    try:
        w.write(f.fh)
    except BaseException:
        f.discard()
        raise
    f.commit()
    return [out]


class _FrameBlock:
    """All frames as arrays, standing in for c3d.Writer's list of (points, analog) pairs."""

    def __init__(self, points, analog):
        self.points, self.analog = points, analog     # (n, P, 5) and (n, A, 1) float32

    @staticmethod
    def usable(writer) -> bool:
        return isinstance(getattr(writer, "_frames", None), list) and hasattr(writer, "_write_frames_block")

    def __len__(self):
        return len(self.points)

    def __bool__(self):
        return len(self.points) > 0

    def __getitem__(self, i):
        return self.points[i], self.analog[i]

    def __iter__(self):
        return zip(self.points, self.analog)


def _writer_class():
    import c3d
    import numpy as np

    class Writer(c3d.Writer):
        def _write_frames(self, handle):
            if not isinstance(self._frames, _FrameBlock):
                return super()._write_frames(handle)
            return self._write_frames_block(handle)

        def _write_frames_block(self, handle):
            # float format (POINT:SCALE < 0) as c3d.Writer writes it: x, y, z, then the
            # residual/camera word as a float (-1 = invalid, 0 = valid, residual 0, no camera)
            if self.point_scale >= 0:
                raise ValueError("the block writer handles the float format only")
            fr = self._frames
            n = len(fr)
            pts = fr.points[:, :, :4].copy()
            valid = pts[:, :, 3] >= 0
            pts[:, :, 3] = np.where(valid, np.rint(pts[:, :, 3] / abs(self.point_scale)), -1.0)
            scales, offsets = self.get_analog_transform()
            ana = fr.analog * (1.0 / scales)[None] + offsets[None]
            rows = np.concatenate([pts.reshape(n, -1), np.swapaxes(ana, 1, 2).reshape(n, -1)], axis=1)
            step = 1 << 16
            for a in range(0, n, step):
                handle.write(rows[a:a + step].astype("<f4").tobytes())
            # Pad to the 512-byte block as the package does — unless the padding could hold a
            # whole frame: ezc3d (1.7.2) counts a long file's frames from its size and would read
            # that padding as one more (all-zero) frame.
            if (-handle.tell()) % 512 < rows.shape[1] * 4:
                self._pad_block(handle)

    return Writer


def _ascii(text: str) -> str:
    """C3D strings are fixed-width bytes: non-ASCII characters become '?'."""
    return str(text).encode("ascii", "replace").decode("ascii")


def _str(group, name: str, desc: str, value: str) -> None:
    value = _ascii(value) or " "
    group.add_str(name, desc, value, len(value))


def _str_array(group, name: str, desc: str, values: list[str]) -> None:
    values = [_ascii(v) for v in values]
    width = max([1] + [len(v) for v in values])
    group.add_str(name, desc, "".join(v.ljust(width) for v in values), width, len(values))


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
        files = export_c3d(read_session(sf), target)
    if notes is not None:
        notes.extend(sf.notes)
    return files
