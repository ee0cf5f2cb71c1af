"""Reading a session folder back (PRODUCT.md §6): checked metadata, events and trace rows.

:func:`open_session` checks a folder before anything reads its rows: ``session.json`` must be a
JSON object with the session's keys, ``trace.csv`` must have the required columns. :func:`iter_rows`
then streams the trace in checked blocks — every record has the header's width and a number (or
nothing = NaN) in every numeric column — as CSV text or as JSON arrays; :func:`read_session` reads a
whole session into arrays (:class:`Session`). A last row cut short by a crash is left out and said
so (``notes``); anything else wrong raises :class:`~firmware.errors.DataFileError` naming the file,
the line and the fix. The file layout itself is :mod:`trainer.sessions.format`'s; this module adds
the fast checked paths the report, the exports and the bench read through.
"""
from __future__ import annotations

import collections
import gc
import json
import re
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError

from trainer.sessions import format as sfmt
from trainer.sessions.format import REQUIRED_COLUMNS, TEXT_COLUMNS

CHUNK_ROWS = 40000               # records are checked and converted this many at a time
READ_ROWS = 10000                # … by read_session: its temporaries stay small enough to be reused

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
    """What a trace column holds, in words (the column list of the exports)."""
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
def no_gc():
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
    whole = _whole_pattern(tuple(sf.header))     # one C pass: quicker than the numpy check when no numbers are made
    width = len(sf.header)
    quoted = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS]
    with sfmt.TraceLines(sf.trace, required=REQUIRED_COLUMNS) as tr:
        for nos, lines, text in tr.text_chunks(CHUNK_ROWS):
            if whole.fullmatch(text) is None:     # one record off the fast path: each on its own
                out = _slow_block(sf, line_pat, block_pat, repl, nos, lines, as_json)
                if as_json:
                    text = out
            elif as_json:
                text = _json_rows(text, width, quoted)
            yield lines, text
        for n in tr.notes:
            if n not in sf.notes:
                sf.notes.append(n)


@lru_cache(maxsize=8)
def _whole_pattern(header: tuple):
    """Every line of a block a plain record of ``header`` (one match, nothing allocated per line)."""
    line = _line_patterns(list(header))[1].pattern
    return re.compile(f"(?:{line}\n)*+")


def _json_rows(text: str, width: int, quoted: list[int]) -> str:
    """Checked plain records (each exactly ``width`` fields, no quote, no comma or backslash
    inside a field) → JSON arrays, one per line, ``[…],\n`` each: the brackets, the text fields'
    quotes and ``null`` for an empty number inserted into the bytes at once (numpy)."""
    b = np.frombuffer(text.encode("utf-8"), np.uint8)
    nl = np.flatnonzero(b == 10)
    commas = np.flatnonzero(b == 44).reshape(len(nl), width - 1)
    starts = np.empty((len(nl), width), np.int64)
    starts[0, 0] = 0
    starts[1:, 0] = nl[:-1] + 1
    starts[:, 1:] = commas + 1
    ends = np.empty_like(starts)
    ends[:, :-1] = commas
    ends[:, -1] = nl
    pos, val = [starts[:, 0]], [np.full(len(nl), ord("["), np.uint8)]
    for j in range(width):
        if j in quoted:
            pos += [starts[:, j], ends[:, j]]
            val += [np.full(len(nl), 34, np.uint8)] * 2
        else:
            empty = starts[:, j][starts[:, j] == ends[:, j]]
            for ch in b"null":
                pos.append(empty)
                val.append(np.full(len(empty), ch, np.uint8))
    pos += [nl, nl]
    val += [np.full(len(nl), ord("]"), np.uint8), np.full(len(nl), ord(","), np.uint8)]
    # positions interleaved column by column: equal positions keep this order (a stable sort)
    return np.insert(b, np.concatenate(pos), np.concatenate(val)).tobytes().decode("utf-8")


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


# --------------------------------------------------------------------------- plain records with numpy
_P10 = 10.0 ** np.arange(23)      # exact powers of ten (10**22 is the last one a float holds exactly)
_P10_INT = 10 ** np.arange(19, dtype=np.int64)
_CLASS = np.full(256, 5, np.uint8)          # byte classes for _plain_block
_CLASS[48:58], _CLASS[45], _CLASS[46], _CLASS[44], _CLASS[10] = 0, 1, 2, 3, 3
_CLASS[[*range(10), *range(11, 32), 34, 92]] = 4
_EXACT_DIGITS = 15                 # up to this many digits, digits / 10**decimals is the correctly rounded float


@dataclass
class _Plain:
    """A block of plain records as byte positions: ``b`` its bytes, ``starts``/``ends`` each field's
    (rows × width, the end being its separator), ``sep_count`` the separators up to each byte (a
    byte's field number), ``digit``/``minus``/``dot`` where those are in the numeric fields."""

    b: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    sep_count: np.ndarray
    digit: np.ndarray
    digit_mask: np.ndarray
    minus: np.ndarray
    dot: np.ndarray


def _plain_block(text: str, width: int, textcols) -> _Plain | None:
    """Check a block of records the way the fast path's pattern would (every line ``width`` fields;
    a numeric field a number as footmat writes it — ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?`` — or empty,
    never empty in the first column; a text field without quote, backslash or control character),
    with numpy over the bytes → their positions (:class:`_Plain`), or None when a record is not one
    (then :func:`_slow_block` checks each record on its own and names the bad one)."""
    if not text or not text.endswith("\n") or '"' in text:
        return None
    b = np.frombuffer(text.encode("utf-8"), np.uint8)
    issep = (b == 44) | (b == 10)
    seps = np.flatnonzero(issep)
    n = seps.size // width
    if n == 0 or seps.size != n * width:
        return None
    ends = seps.reshape(n, width)
    if not (b[ends[:, -1]] == 10).all() or (b[ends[:, :-1]] == 10).any():
        return None                          # a line with another number of fields
    starts = np.empty_like(ends)
    starts.flat[0] = 0
    starts.flat[1:] = seps[:-1] + 1
    if (starts[:, 0] == ends[:, 0]).any():
        return None                          # no time
    d = np.zeros(b.size + 1, np.int8)
    for j in textcols:
        d[starts[:, j]] += 1
        d[ends[:, j]] -= 1
    intext = np.cumsum(d[:-1], dtype=np.int8).view(np.bool_)
    cls = _CLASS[b]                          # 0 digit, 1 '-', 2 '.', 3 separator, 4 never in text, 5 other
    if (cls[intext] == 4).any():
        return None
    cls[intext] = 6                          # text: no rule below
    if ((cls == 4) | (cls == 5)).any():
        return None                          # a numeric field holds something else than [0-9.-]
    digit = cls == 0
    minus = np.flatnonzero(cls == 1)
    dots = np.flatnonzero(cls == 2)
    nxt = np.append(cls[1:], 3)
    if minus.size and ((_prev(cls, minus) != 3) | (nxt[minus] != 0)).any():
        return None                          # '-' not first or not before a digit
    if dots.size and ((_prev(cls, dots) != 0) | (nxt[dots] != 0)).any():
        return None                          # a dot not between digits
    zeros = np.flatnonzero((b == 48) & digit & (nxt == 0))
    if zeros.size and np.isin(_prev(cls, zeros), (1, 3)).any():
        return None                          # a leading zero
    sep_count = np.cumsum(cls == 3, dtype=np.int32)
    if dots.size > 1 and (np.diff(sep_count[dots]) == 0).any():
        return None                          # two dots in one field
    return _Plain(b, starts, ends, sep_count, np.flatnonzero(digit), digit, minus, dots)


def _prev(cls, at):
    """The class of the byte before each of ``at`` (a separator before the first)."""
    out = cls[np.maximum(at - 1, 0)]
    out[at == 0] = 3
    return out


def _plain_numbers(pl: _Plain, cols) -> np.ndarray:
    """The numeric columns ``cols`` of a checked block (rows × len(cols), NaN where empty): each
    field's digits as one integer over 10**decimals — the correctly rounded float, as float() and
    loadtxt give it — and float() of the text for a field of more than 15 digits."""
    b, starts, ends = pl.b, pl.starts.ravel(), pl.ends.ravel()
    nf = starts.size
    cd = np.cumsum(pl.digit_mask, dtype=np.int32)    # digits up to each byte
    at_end = np.zeros(nf + 1, np.int32)
    at_end[1:] = cd[ends]                             # digits up to each field's end (0 before the first)
    ndig = np.diff(at_end)
    fid = pl.sep_count[pl.digit]                     # each digit's field
    power = np.minimum(at_end[1:][fid] - cd[pl.digit], 18)    # digits after it in its field
    # a field's digits as one integer: the difference of a running sum at its ends (int64 wraps
    # around past 2**63, but a difference of two wrapped sums is exact when the field's own
    # integer is below 2**63 — always with up to 15 digits; longer fields are read by float())
    run = np.zeros(fid.size + 1, np.int64)
    np.cumsum((b[pl.digit] - np.uint8(48)).astype(np.int64) * _P10_INT[power], out=run[1:])
    mant = (run[at_end[1:]] - run[at_end[:-1]]).astype(np.float64)
    dec = np.zeros(nf, np.int64)
    dfid = pl.sep_count[pl.dot]
    dec[dfid] = ends[dfid] - pl.dot - 1
    val = mant / _P10[np.minimum(dec, 22)]
    val[pl.sep_count[pl.minus]] *= -1.0
    val[starts == ends] = np.nan
    val = val.reshape(pl.starts.shape)[:, cols]
    big = ndig.reshape(pl.starts.shape)[:, cols] > _EXACT_DIGITS
    if big.any():
        raw = pl.b.tobytes()
        r, k = np.nonzero(big)
        j = np.asarray(cols)[k]
        val[r, k] = [float(raw[a:e]) for a, e in zip(pl.starts[r, j].tolist(), pl.ends[r, j].tolist())]
    return val


def _plain_texts(pl: _Plain, j: int) -> list[str]:
    """Text column ``j`` of a checked block: one str per record."""
    m = np.zeros(pl.b.size + 1, np.int8)
    m[pl.starts[:, j]] += 1
    m[pl.ends[:, j] + 1] -= 1                        # the field and its separator
    sel = pl.b[np.cumsum(m[:-1], dtype=np.int8).view(np.bool_)]
    sel[sel == 44] = 10
    return sel.tobytes().decode("utf-8").split("\n")[:-1]


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
    """Read and check a whole session folder → :class:`Session` (numbers as float64 arrays).

    Plain records (what footmat writes) are checked and converted a block at a time with numpy
    over the bytes (:func:`_plain_block`); a record read line by line (quoted text, an older
    format's) is checked and converted on its own.
    """
    sf = open_session(path) if not isinstance(path, SessionFolder) else path
    numeric = [i for i, h in enumerate(sf.header) if h not in TEXT_COLUMNS]
    textcol = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS]
    width = len(sf.header)
    blocks, texts = [], {sf.header[i]: [] for i in textcol}
    pats = None

    def plain(text):                                    # a run of plain records → (numbers, texts) or None
        pl = _plain_block(text, width, textcol)
        if pl is None:
            return None
        return _plain_numbers(pl, numeric), [_plain_texts(pl, i) for i in textcol]

    def take(part):                                     # a part's results, in the file's order
        nonlocal pats
        if len(part) == 2:                              # records read line by line
            rows, txts = part
            blocks.append(np.array(rows, float))
            for i, t in zip(textcol, txts):
                texts[sf.header[i]].extend(t)
            return
        fut, first, k, text = part
        got = fut.result()
        if got is None:                                 # names the bad record (raises)
            pats = pats or _line_patterns(sf.header)
            lines = [ln + "\n" for ln in text[:-1].split("\n")]
            _slow_block(sf, pats[1], pats[0], pats[2], range(first, first + k), lines, False)
            raise AssertionError(f"{sf.trace}: lines {first}-{first + k - 1} passed one check and not the other")
        blocks.append(got[0])
        for i, t in zip(textcol, got[1]):
            texts[sf.header[i]].extend(t)

    # numpy lets go of the GIL for most of a block's work: two blocks are converted at once
    from concurrent.futures import ThreadPoolExecutor

    pending = collections.deque()
    with no_gc(), ThreadPoolExecutor(max_workers=2) as pool, \
            sfmt.TraceLines(sf.trace, required=REQUIRED_COLUMNS) as tr:
        for pieces in tr.raw_chunks(READ_ROWS):
            rows, txts = [], [[] for _ in textcol]      # records read line by line, in order
            for p in pieces:
                if isinstance(p[1], str):               # a run of plain records
                    if rows:
                        pending.append((rows, txts))
                        rows, txts = [], [[] for _ in textcol]
                    first, text, k = p
                    pending.append((pool.submit(plain, text), first, k, text))
                    continue
                no, fields, text = p
                pats = pats or _line_patterns(sf.header)
                _slow_block(sf, pats[1], pats[0], pats[2], [no], [text], False)
                if fields is None:
                    fields = sfmt.split_record(text)
                rows.append([sfmt.to_float(fields[i]) for i in numeric])
                for t, i in zip(txts, textcol):
                    t.append(fields[i])
            if rows:
                pending.append((rows, txts))
            while len(pending) > 4:                     # a few blocks in flight, not the whole file
                take(pending.popleft())
        while pending:
            take(pending.popleft())
        for n in tr.notes:
            if n not in sf.notes:
                sf.notes.append(n)
    if not blocks or sum(len(b) for b in blocks) == 0:
        _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
    num = {sf.header[i]: np.concatenate([b[:, k] for b in blocks]) for k, i in enumerate(numeric)}
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
