"""The session folder's file format (PRODUCT.md §6): the only code that knows its layout.

A session is a folder holding ``session.json`` (the metadata), ``trace.csv`` (one row per frame)
and ``events.csv`` (``t_s,kind,detail``). Everything that writes or reads those files goes
through this module: the recorder, replay, report, export, analyze, history and score.

Versions
--------
``SCHEMA_VERSION`` 2 (``schema_version`` in session.json): text fields (``phase``, ``flags`` and
the events' ``detail``) follow the csv module's rules, so a cue may hold any text — commas,
quotes, newlines, non-ASCII. Version 1 is every session written before ``schema_version``
existed: its writer joined fields with a bare comma, so a cue holding a comma ("back to the
centre, stand tall") split the ``phase`` field in two. Those rows are read back with the phase
rejoined, and the reader says so once (:attr:`TraceLines.notes`).

Reading
-------
:class:`TraceLines` streams ``trace.csv`` as blocks of records (a record is one frame; a quoted
newline makes it span two physical lines). A torn last line — a process killed or the power cut
mid-write, possibly followed by NUL bytes — is left out and reported in ``notes``; damage anywhere
else raises :class:`~firmware.errors.DataFileError` naming the line and the fix. Files are never
changed by reading. NaN is an empty field.
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError

SCHEMA_VERSION = 2
META_FILE = "session.json"
TRACE_FILE = "trace.csv"
EVENTS_FILE = "events.csv"
REPORT_FILE = "report.png"
OWN_FILES = (TRACE_FILE, EVENTS_FILE, META_FILE, REPORT_FILE)

EVENT_COLUMNS = ("t_s", "kind", "detail")
TEXT_COLUMNS = ("phase", "flags")
REQUIRED_COLUMNS = ("t_s", "total_n", "cop_x_mm", "cop_y_mm", "left_pct", "target_x_mm", "target_y_mm",
                    "phase", "flags")
TRUTH_COLUMNS = ("true_cop_x_mm", "true_cop_y_mm")

MAX_JSON_BYTES = 50 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
CHUNK_BYTES = 1 << 23            # records are handed out about 8 MB at a time


def trace_columns(names, simulated: bool) -> list[str]:
    """The columns of a trace for a layout's sensor ``names`` (true CoP with the simulated mat)."""
    cols = (["t_s"] + [f"{n}_raw" for n in names] + [f"{n}_n" for n in names]
            + ["total_n", "cop_x_mm", "cop_y_mm", "left_pct", "target_x_mm", "target_y_mm", "phase", "flags"])
    return cols + list(TRUTH_COLUMNS) if simulated else cols


# --------------------------------------------------------------------------- writing text
@lru_cache(maxsize=4096)
def text_field(text: str) -> str:
    """``text`` as one CSV field, quoted by the csv module's rules where it must be. NUL
    characters are dropped: no cue holds one, and a NUL is how a power cut shows in a file."""
    if not text:
        return ""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return csv_line((text,))[:-1]


def csv_line(fields) -> str:
    """One CSV record (fields as text) ending in "\\n", by the csv module's rules. (The writer
    runs with its default "\\r\\n" terminator, which makes it quote a lone "\\r" too.)"""
    buf = io.StringIO()
    csv.writer(buf).writerow(fields)
    return buf.getvalue()[:-2] + "\n"


def fmt_time(t: float) -> str:
    """A time stamp as the shortest text that reads back as the same float, never in exponent
    notation (1.25e-05 would trip spreadsheets and strict readers); empty when not finite."""
    return exact(float(t)) if math.isfinite(t) else ""


def exact(x: float) -> str:
    """A finite float as the shortest text that reads back as the same float, positional.

    ``repr`` gives those digits (the same as numpy's Dragon4); it switches to exponent
    notation outside 1e-4 <= |x| < 1e16, and there numpy writes the long positional form.
    """
    s = repr(x)
    return np.format_float_positional(x, unique=True, trim="0") if "e" in s else s


def event_line(t_s: float, kind: str, detail) -> str:
    """One ``events.csv`` record: any detail text round-trips (NUL characters are dropped)."""
    return csv_line((fmt_time(t_s), str(kind).replace("\x00", ""), str(detail).replace("\x00", "")))


def header_line(columns) -> str:
    return ",".join(columns) + "\n"


# --------------------------------------------------------------------------- session.json
def new_meta(*, drill: str, params: dict, person: dict, person_id: str | None, started_at: str,
             sample_rate_hz: float, layout: dict, calibration: dict, software: dict,
             pain_before=None, level=None) -> dict:
    """The first ``session.json`` of a session (``complete: false`` until it ends normally)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "drill": drill,
        "params": params,
        "level": level,
        "person": person,
        "person_id": person_id,
        "started_at": started_at,
        "duration_s": 0.0,
        "sample_rate_hz": sample_rate_hz,
        "complete": False,
        "layout": layout,
        "calibration": calibration,
        "software": software,
        "pain": {"before": pain_before, "after": None},
        "summary": {},
        "methods": {},
    }


def schema_version(meta: dict) -> int:
    """The session's format version: 1 for sessions written before ``schema_version`` existed."""
    v = meta.get("schema_version", 1)
    return v if isinstance(v, int) and not isinstance(v, bool) else 1


def session_folder(path) -> Path:
    """The session folder for a folder, its ``session.json``, ``trace.csv`` or ``events.csv``."""
    p = Path(path).expanduser()
    if p.is_file() and p.name in (META_FILE, TRACE_FILE, EVENTS_FILE):
        p = p.parent
    if not p.exists():
        raise DataFileError(f"no session at {str(p)!r}: no such session folder",
                            "give a session folder (see: footmat history)")
    if not p.is_dir():
        raise DataFileError(f"{str(p)!r} is not a session folder",
                            "give the session's folder (it holds session.json and trace.csv)")
    missing = [f for f in (META_FILE, TRACE_FILE) if not (p / f).is_file()]
    routine = routine_parts(p) if missing else None
    if routine is not None:
        raise DataFileError(*routine)
    if missing:
        raise DataFileError(f"{str(p)!r} has no {' and no '.join(missing)}, so it is not a footmat session",
                            "give a session folder (it holds session.json and trace.csv; see: footmat history)")
    return p


def routine_parts(p) -> tuple[str, str] | None:
    """(what, fix) for a routine's folder (``footmat routine``, ``footmat today``: routine.json and
    a session folder per part) given where one session is expected; None for any other folder."""
    p = Path(p)
    try:
        meta = json.loads((p / "routine.json").read_text())
    except (OSError, ValueError):
        return None
    parts = [q for q in (meta.get("parts") or []) if isinstance(q, dict)] if isinstance(meta, dict) else []
    names = [str(q.get("drill")) for q in parts]
    first = next((q["session"] for q in parts if isinstance(q.get("session"), str) and (p / q["session"]).is_dir()), None)
    what = (f"{str(p)!r} is a routine of {len(parts)} part{'s' if len(parts) != 1 else ''}"
            + (f" ({', '.join(names)})" if names else "") + ", not one session")
    fix = (f"give one part's folder, e.g. {str(p / first)!r}" if first else "give one part's session folder") \
        + "; footmat report takes the whole routine"
    return what, fix


_META_TYPES = {"drill": str, "params": dict, "person": dict, "started_at": str, "duration_s": (int, float),
               "sample_rate_hz": (int, float), "complete": bool, "layout": dict, "calibration": dict}


def load_meta(path) -> dict:
    """``session.json`` of a session (folder or file), checked; one clear error if damaged."""
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / META_FILE
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
    sv = meta.get("schema_version", 1)
    if not isinstance(sv, int) or isinstance(sv, bool) or sv < 1:
        raise DataFileError(f"{where} has schema_version {sv!r}", "restore it from a backup")
    if sv > SCHEMA_VERSION:
        raise DataFileError(f"{where} has schema_version {sv}, newer than this footmat reads ({SCHEMA_VERSION})",
                            "update footmat")
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


def session_rate(folder) -> float | None:
    """The session's ``sample_rate_hz``, or None when session.json cannot tell (tolerant)."""
    try:
        v = float(json.loads((Path(folder) / META_FILE).read_bytes().decode("utf-8")).get("sample_rate_hz"))
    except (OSError, ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def status_notes(meta: dict, notes=()) -> list[str]:
    """What a reader says about a session that is not whole: incomplete, cut short, old format."""
    out = []
    if not meta.get("complete"):
        out.append("the session is incomplete (it did not end normally: stopped by a crash or power cut)")
    return out + [n for n in notes if n not in out]


# --------------------------------------------------------------------------- events.csv
def read_events(folder, notes: list | None = None) -> list[tuple[str, str, str]]:
    """``events.csv`` as (t_s text, kind, detail) rows; a torn last record is left out and noted."""
    p = Path(folder) / EVENTS_FILE
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        if notes is not None:
            notes.append("events.csv is missing")
        return []
    except OSError as e:
        raise DataFileError(f"cannot read {p} ({e.strerror})", "check the permissions") from None
    if b"\x00" in data:
        cut = data.index(b"\x00")
        if data[cut:].strip(b"\x00\r\n\t ") != b"":
            raise DataFileError(f"events file {p} holds NUL bytes", "the file is damaged; restore it from a backup")
        data = data[:cut]
    torn = bool(data) and not data.endswith(b"\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(f"events file {p} is not UTF-8 text", "the file is damaged; restore it from a backup") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        if not torn:
            raise DataFileError(f"events file {p} is not valid CSV ({e})", "restore it from a backup") from None
        rows = list(csv.reader(io.StringIO(text[:text.rfind("\n") + 1], newline="")))
        torn = False
        if notes is not None:
            notes.append("events.csv ends with a record cut short; it is left out")
    if not rows:
        return []
    if rows[0] != list(EVENT_COLUMNS):
        raise DataFileError(f"events file {p} does not start with t_s,kind,detail", "the file is damaged")
    out = []
    last = len(rows) - 1
    for i, r in enumerate(rows[1:], 1):
        if not r:
            continue
        bad = len(r) != 3
        if not bad:
            try:
                bad = not math.isfinite(float(r[0]))
            except ValueError:
                bad = True
        if bad:
            if i == last and torn:
                if notes is not None:
                    notes.append("events.csv ends with a record cut short; it is left out")
                continue
            what = f"has {len(r)} fields, not 3" if len(r) != 3 else "has no time"
            raise DataFileError(f"events file {p} record {i + 1} {what}", "the file is damaged")
        out.append((r[0], r[1], r[2]))
    return out


# --------------------------------------------------------------------------- trace.csv
def check_header(cols: list[str], where: str) -> None:
    import re

    if "t_s" not in cols or cols[0] != "t_s":
        raise DataFileError(f"{where} line 1 has no t_s first column — not a footmat trace",
                            "give a footmat session folder")
    if len(set(cols)) != len(cols) or not all(re.fullmatch(r"[A-Za-z0-9_]+", h) for h in cols):
        raise DataFileError(f"{where} has a damaged header (repeated or odd column names)", "restore it from a backup")


# A cue or flag text may hold newlines (quoted); more lines than this inside one quoted field that
# never closes is a damaged file, not a recording stopped mid-record
QUOTED_LINES_MAX = 3


class TraceLines:
    """``trace.csv`` streamed as blocks of records, each a list of field texts.

    ``columns`` is the header; every record handed out has exactly that many fields (older
    sessions' split cues rejoined). ``notes`` collects what a reader should say once: a torn last
    line left out, rows of an older format mended. ``line_of(k)`` is the physical line of the
    k-th record handed out so far (for error messages).
    """

    def __init__(self, path, required=("t_s",)):
        self.path = Path(path)
        self.where = f"trace {self.path}"
        try:
            self._fh = open(self.path, "rb")
        except OSError as e:
            raise DataFileError(f"cannot read {self.where} ({e.strerror})", "check the path and permissions") from None
        self.notes: list[str] = []
        self.torn_lines = 0
        self.legacy_rows = 0
        self.records = 0
        self.line_no = 0
        self._eof = False
        self._pending = None           # the next physical line, read ahead
        try:
            first = self._physical()
            if first is None:
                raise DataFileError(f"{self.where} is empty (no header)",
                                    "the session was stopped before it recorded anything")
            cols = first.rstrip("\r\n").split(",")
            check_header(cols, self.where)
            missing = [c for c in required if c not in cols]
            if missing:
                raise DataFileError(f"{self.where} lacks the column(s) {', '.join(missing)}",
                                    "give a footmat session's trace.csv")
        except BaseException:
            self._fh.close()
            raise
        self.columns = cols
        self.width = len(cols)
        self._i_phase = cols.index("phase") if "phase" in cols else None
        self._commas = self.width - 1
        self._avg = 256                # bytes per record, learnt from the chunks read
        self._careful = 0              # records still to read line by line before a chunk again
        self._backoff = 1              # how many, the next time a chunk is refused

    # -- physical lines
    def _physical(self) -> str | None:
        """The next whole physical line as text (with its newline), or None at the end; a torn
        last line (no newline, or NUL bytes to the end of the file) ends the file and is noted."""
        if self._eof:
            return None
        raw = self._fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            self._eof = True
            return None
        self.line_no += 1
        if b"\x00" in raw:
            rest = raw[raw.index(b"\x00"):] + self._fh.read()
            if rest.strip(b"\x00\r\n\t ") == b"":
                self._torn()        # a power cut: the file's new length filled with NUL bytes
                self._eof = True
                return None
            self._fail(self.line_no, "holds NUL bytes", "the trace is damaged; restore it from a backup")
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_LINE_BYTES:
                self._fail(self.line_no, f"is longer than {MAX_LINE_BYTES} bytes", "the trace is damaged")
            self._torn()
            self._eof = True
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(self.line_no, "is not UTF-8 text", "the trace is damaged; restore it from a backup")

    def _torn(self) -> None:
        self.torn_lines += 1
        self.notes.append(f"trace.csv line {self.line_no} is cut short (the recording stopped mid-row) "
                          "and is left out")

    def _fail(self, line: int, what: str, fix: str):
        raise DataFileError(f"{self.where} line {line} {what}", fix)

    # -- records
    def _record(self, split: bool = True):
        """(first line number, fields or None, the record as canonical CSV text with its newline)
        of the next record, or None at the end. ``split=False`` leaves a plain line unsplit."""
        while True:
            line = self._physical()
            if line is None:
                return None
            if line.strip():
                break
        no = self.line_no
        if '"' not in line:
            text = line.rstrip("\r\n")
            n = text.count(",") + 1
            if n == self.width:
                return no, (text.split(",") if split else None), text + "\n"
            if n > self.width and self._i_phase is not None:
                # written by footmat before schema_version 2: a cue's commas split the phase field
                fields = text.split(",")
                i, extra = self._i_phase, n - self.width
                fields[i:i + extra + 1] = [",".join(fields[i:i + extra + 1])]
                if self.legacy_rows == 0:
                    self.notes.append("trace.csv was written by an older footmat whose cue text split at "
                                      "commas; the cues are read back whole")
                self.legacy_rows += 1
                return no, fields, csv_line(fields)
            return self._bad(no, f"has {n} fields, the header {self.width}")
        text = line
        swallowed = 0
        while text.count('"') % 2:
            more = self._physical()
            if more is None:
                # a quoted field never closed. A recording stopped mid-cue leaves it on the last
                # line or two; one that swallowed more lines than a cue holds is a stray quote in
                # the middle of the file, and reading on would silently drop every later record
                if swallowed > QUOTED_LINES_MAX:
                    self._fail(no, f"opens a quote that is never closed (it runs over the {swallowed} lines "
                                   "after it to the end of the file)",
                               "the trace is damaged; fix or delete that line (the file was not changed)")
                if not self.torn_lines:
                    self._torn()
                return None
            swallowed += 1
            text += more
        fields = split_record(text)
        if fields is None:
            return self._bad(no, "is not a valid CSV record")
        if len(fields) != self.width:
            return self._bad(no, f"has {len(fields)} fields, the header {self.width}")
        return no, fields, text.rstrip("\r\n") + "\n"

    def _bad(self, no: int, what: str):
        """A damaged record is a torn line only when nothing follows it."""
        while True:
            nxt = self._physical()
            if nxt is None:
                if not self.torn_lines:
                    self.torn_lines += 1
                    self.notes.append(f"trace.csv line {no} is cut short (the recording stopped mid-row) "
                                      "and is left out")
                return None
            if nxt.strip():
                self._fail(no, what, "the trace is damaged; fix or delete that line (the file was not changed)")

    # -- plain records, a chunk at a time
    def _fast(self, n: int, quoted: bool = False):
        """Up to ``n`` plain records read as one chunk of the file: (first line number, their
        text joined, each with its newline, how many) — or None when the next record needs the
        line-by-line path (a quote, a CR, a NUL, invalid UTF-8, a blank, over-long or torn line,
        a record of another width); the file position is then where it was. Plain records are
        what footmat writes, so a whole trace normally goes through here, checked with numpy
        over the bytes exactly as :meth:`_record` checks each line. With ``quoted`` a record may
        also hold whole fields in quotes with no quote inside (a cue with a comma, as the csv
        module writes it); its commas inside quotes are not separators (the caller splits such
        records itself)."""
        if self._eof or self._commas == 0 or n < 1:
            return None
        fh = self._fh
        start = fh.tell()
        raw = fh.read(max(1 << 16, min(n, 1 << 16) * self._avg))
        end = raw.rfind(b"\n") + 1
        if end == 0:
            fh.seek(start)
            return None
        b = np.frombuffer(raw, np.uint8, count=end)
        nl = np.flatnonzero(b == 10)
        if nl.size > n:
            nl = nl[:n]
            end = int(nl[-1]) + 1
            b = b[:end]
        bad = end
        for byte in (13, 0) if quoted else (34, 13, 0):     # '"', CR, NUL: the careful path
            hit = np.flatnonzero(b == byte)
            if hit.size:
                bad = min(bad, int(hit[0]))
        comma_at = np.flatnonzero(b == 44)
        commas = np.diff(np.searchsorted(comma_at, nl), prepend=0)
        if quoted:
            q = np.flatnonzero(b == 34)
            if q.size:
                bad = min(bad, self._quotes(b, q, nl, comma_at, commas))
        longs = np.diff(nl, prepend=-1)
        wrong = np.flatnonzero((commas != self._commas) | (longs > MAX_LINE_BYTES))
        k = int(np.searchsorted(nl, bad))              # lines wholly before the first bad byte
        if wrong.size:
            k = min(k, int(wrong[0]))
        chunk = raw[:int(nl[k - 1]) + 1] if k else b""
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            k = int(np.searchsorted(nl, e.start))
            chunk = raw[:int(nl[k - 1]) + 1] if k else b""
            text = chunk.decode("utf-8")
        fh.seek(start + len(chunk))
        if not k:
            return None
        self._avg = max(16, len(chunk) // k + 1)
        first = self.line_no + 1
        self.line_no += k
        return first, text, k

    @staticmethod
    def _quotes(b, q, nl, comma_at, commas) -> int:
        """Quotes in a chunk (``_fast(quoted=True)``): the commas inside whole quoted fields are
        taken off each line's count; returns the first byte of the first line whose quotes are
        anything else (a quote inside a field, a quoted newline), or the chunk's end."""
        line = np.searchsorted(nl, q)                  # each quote's line
        per = np.bincount(line, minlength=nl.size)
        odd = np.flatnonzero(per % 2)
        first_bad = int(odd[0]) if odd.size else nl.size
        ok = line < first_bad
        q, line = q[ok], line[ok]
        op, cl = q[0::2], q[1::2]
        if op.size:
            before = np.where(op > 0, b[np.maximum(op - 1, 0)], 10)
            after = b[cl + 1]
            wrongq = ~(((before == 44) | (before == 10)) & ((after == 44) | (after == 10)) & (cl > op + 1))
            if wrongq.any():
                first_bad = min(first_bad, int(line[0::2][np.flatnonzero(wrongq)[0]]))
            inside = np.searchsorted(comma_at, cl) - np.searchsorted(comma_at, op)
            commas -= np.bincount(line[0::2], weights=inside, minlength=nl.size).astype(commas.dtype)
        return 0 if first_bad == 0 else int(nl[first_bad - 1]) + 1

    def _chunks(self, n: int, quoted: bool = False):
        """Up to ``n`` records: a list of pieces, each (first line number, joined text, count) for
        a plain run or (line number, fields, text) for one record read line by line."""
        pieces, have = [], 0
        while have < n:
            got = self._fast(n - have, quoted) if self._careful <= 0 else None
            if got is not None:
                self._backoff = 1
                pieces.append(got)
                have += got[2]
                continue
            if self._careful <= 0:
                # The chunk path refused the very next record (a quoted cue, say). A cue is written
                # on every frame of its phase, so the next records are likely the same: read the
                # next `_backoff` of them line by line before trying a chunk again (doubling while
                # it keeps refusing), instead of reading and scanning 64 KB for each one.
                self._careful = self._backoff
                self._backoff = min(2 * self._backoff, 4096)
            r = self._record()
            self._careful -= 1
            if r is None:
                break
            pieces.append(r)
            have += 1
        return pieces, have

    def read(self, n: int) -> tuple[list[int], list[list[str]]]:
        """Up to ``n`` records: (their line numbers, their fields); fewer only at the end."""
        nos, rows = [], []
        pieces, have = self._chunks(n)
        for p in pieces:
            if isinstance(p[1], str):
                first, text, k = p
                nos.extend(range(first, first + k))
                rows.extend([ln.split(",") for ln in text[:-1].split("\n")])
            else:
                nos.append(p[0])
                rows.append(p[1] if p[1] is not None else p[2][:-1].split(","))
        self.records += have
        return nos, rows

    def blocks(self, n: int = 20000):
        """Every record, ``n`` at a time: (line numbers, fields)."""
        while True:
            nos, rows = self.read(n)
            if not rows:
                return
            yield nos, rows

    def raw_chunks(self, n: int = 20000, quoted: bool = False):
        """Every record, up to ``n`` at a time, as a list of pieces: (first line number, the
        records' text joined — the file's own — and how many) for a run of plain records, or
        (line number, fields or None, the record as canonical CSV text) for one read line by line.
        With ``quoted`` a plain run may hold whole quoted fields (see :meth:`_fast`)."""
        while True:
            pieces, have = self._chunks(n, quoted)
            if not have:
                return
            self.records += have
            yield pieces

    def text_chunks(self, n: int = 20000):
        """Every record as canonical CSV text, ``n`` at a time: (line numbers, texts, the texts
        joined). Plain records are the file's own text; a record is quoted by the csv module's
        rules where its text needs it (and may then hold a newline)."""
        while True:
            pieces, have = self._chunks(n)
            if not have:
                return
            self.records += have
            nos, lines = [], []
            for p in pieces:
                if isinstance(p[1], str):
                    first, text, k = p
                    nos.extend(range(first, first + k))
                    lines.extend([ln + "\n" for ln in text[:-1].split("\n")])
                else:
                    nos.append(p[0])
                    lines.append(p[2])
            joined = pieces[0][1] if len(pieces) == 1 and isinstance(pieces[0][1], str) else "".join(lines)
            yield nos, lines, joined

    def text_blocks(self, n: int = 20000):
        """Every record as canonical CSV text (one record, its newline), ``n`` at a time:
        (line numbers, texts). Plain records are the file's own text; a record is quoted by the
        csv module's rules where its text needs it (and may then hold a newline)."""
        for nos, lines, _ in self.text_chunks(n):
            yield nos, lines

    @property
    def exhausted(self) -> bool:
        return self._eof

    def close(self) -> None:
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def split_record(text: str) -> list[str] | None:
    """The fields of one CSV record (it may hold quoted newlines), or None if it is not one."""
    body = text.rstrip("\r\n")
    try:
        rows = list(csv.reader(io.StringIO(body, newline="")))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def to_float(text: str) -> float:
    """A numeric field: empty is NaN."""
    return float(text) if text else math.nan


def read_columns(trace: TraceLines, numeric: dict, text: dict | None = None):
    """Read the rest of ``trace``, keeping some columns: ``numeric`` and ``text`` map a key to a
    column index. Returns (numbers as float arrays with NaN for empty, text lists, each record's
    line number). A field that is not a number raises a one-line error naming the line."""
    text = text or {}
    nums = {k: [] for k in numeric}
    txts = {k: [] for k in text}
    lines = []
    for nos, rows in trace.blocks():
        for k, i in numeric.items():
            try:
                nums[k].extend([float(r[i]) if r[i] else math.nan for r in rows])
            except ValueError:
                for no, r in zip(nos, rows):
                    try:
                        to_float(r[i])
                    except ValueError:
                        trace._fail(no, f"column {trace.columns[i]}: {r[i][:40]!r} is not a number",
                                    "fix or delete that line (the file was not changed)")
        for k, i in text.items():
            txts[k].extend([r[i] for r in rows])
        lines.extend(nos)
    return ({k: np.asarray(v, float) for k, v in nums.items()}, txts, np.asarray(lines, np.int64))
