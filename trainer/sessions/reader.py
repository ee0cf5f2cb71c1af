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
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError

from trainer.sessions import format as sfmt
from trainer.sessions.format import REQUIRED_COLUMNS, TEXT_COLUMNS

READ_ROWS = 10000                # records are checked and converted this many at a time

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
    """Yield the trace's data records in checked blocks: ``(count, first, last, text)``.

    ``count`` records, ``first`` and ``last`` the time stamps (``t_s`` as written) of the first
    and the last, ``text`` the records as canonical CSV text (each ending in '\\n'; plain records
    are the file's own text, see :meth:`~trainer.sessions.format.TraceLines.raw_chunks`) — or,
    with ``as_json``, the same rows as JSON arrays (``[…],\\n`` each; text quoted, empty = null).
    Every record has a number (or nothing) in every numeric column; a torn last line is left out
    and noted. Plain blocks are checked (:func:`_plain_block`, :func:`_plain_numbers`) two at a
    time on a pool of two threads while the caller writes the one before.
    """
    from concurrent.futures import ThreadPoolExecutor

    block_pat, line_pat, repl = _line_patterns(sf.header, groups=as_json)
    width = len(sf.header)
    numeric = [i for i, h in enumerate(sf.header) if h not in TEXT_COLUMNS]
    quoted = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS]

    def plain(text):                        # a run of plain records → its output text, or None
        pl = _plain_block(text, width, quoted)
        if pl is None or _plain_numbers(pl, numeric, values=False) is None:
            return None
        return _json_rows(pl, quoted) if as_json else text

    def slow(nos, lines):                   # records checked (and converted) one by one
        out = _slow_block(sf, line_pat, block_pat, repl, nos, lines, as_json)
        return out if as_json else "".join(lines)

    def take(part):
        if part[0] is None:                 # records read line by line
            nos, lines = part[1], part[2]
            return len(lines), _t_text(lines[0]), _t_text(lines[-1]), slow(nos, lines)
        fut, first, k, text = part
        out = fut.result()
        if out is None:                     # a record off the fast path: each checked on its own
            lines = [ln + "\n" for ln in text[:-1].split("\n")]
            out = slow(range(first, first + k), lines)
        return k, _t_text(text), _t_text(text[text.rfind("\n", 0, len(text) - 1) + 1:]), out

    pending = collections.deque()
    with ThreadPoolExecutor(max_workers=2) as pool, sfmt.TraceLines(sf.trace, required=REQUIRED_COLUMNS) as tr:
        for pieces in tr.raw_chunks(READ_ROWS, quoted=True):
            nos, lines = [], []
            for p in pieces:
                if isinstance(p[1], str):   # a run of plain records
                    if lines:
                        pending.append((None, nos, lines))
                        nos, lines = [], []
                    first, text, k = p
                    pending.append((pool.submit(plain, text), first, k, text))
                else:
                    nos.append(p[0])
                    lines.append(p[2])
            if lines:
                pending.append((None, nos, lines))
            while len(pending) > 4:         # a few blocks in flight, not the whole file
                yield take(pending.popleft())
        while pending:
            yield take(pending.popleft())
        for n in tr.notes:
            if n not in sf.notes:
                sf.notes.append(n)


def _t_text(record: str) -> str:
    """A record's time stamp as written (the first field: a number, never quoted)."""
    return record[:record.index(",")]


def _json_rows(pl: _Plain, quoted: list[int]) -> str:
    """Checked plain records (:func:`_plain_block`: no quote, comma or backslash inside a field)
    → JSON arrays, one per line, ``[…],\\n`` each: the brackets, the text fields' quotes and
    ``null`` for an empty number inserted into the bytes at once (numpy)."""
    b = pl.b[_PAD:]
    starts, ends = pl.starts - _PAD, pl.ends - _PAD
    n, width = starts.shape
    nl = ends[:, -1]
    pos, val = [starts[:, 0]], [np.full(n, ord("["), np.uint8)]
    for j in range(width):
        if j in quoted:                      # quotes around the text, unless the file has them
            bare = b[starts[:, j]] != 34
            pos += [starts[bare, j], ends[bare, j]]
            val += [np.full(np.count_nonzero(bare), 34, np.uint8)] * 2
        else:
            empty = starts[:, j][starts[:, j] == ends[:, j]]
            for ch in b"null":
                pos.append(empty)
                val.append(np.full(len(empty), ch, np.uint8))
    pos += [nl, nl]
    val += [np.full(n, ord("]"), np.uint8), np.full(n, ord(","), np.uint8)]
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
# A block of plain records is read with numpy field by field rather than byte by byte: each
# numeric field's last 8 bytes (24 for a longer field) are gathered as unaligned 64-bit words,
# laid out a field a column, checked and summed into the integer its digits spell a row of
# bytes at a time.
_PAD = 24                          # bytes before a block's first record: every window starts at 0 or later
_P10 = 10.0 ** np.arange(23)       # exact powers of ten (10**22 is the last one a float holds exactly)
_P10_U = np.array([10 ** k for k in range(20)], np.uint64)
_P10_U32 = _P10_U[:10].astype(np.uint32)
_P10_LD = np.cumprod(np.full(24, 10, np.longdouble)) / 10      # 10**0 … 10**23 (exact in 64 bits and more)
_WIDE = np.finfo(np.longdouble).nmant >= 63     # a long double with the 64 bits the digits of a time stamp need
_F53 = 2 ** 53                     # below this an integer is exact as a float: digits / 10**decimals is correctly rounded
_BAD_BYTES = np.zeros(256, np.bool_)
_BAD_BYTES[[*range(10), *range(11, 32), 34, 92]] = True    # never in a plain record: control characters, '"', '\\'


@dataclass
class _Plain:
    """A block of plain records as positions: ``b`` its bytes after :data:`_PAD` bytes of padding,
    ``starts``/``ends`` each field's first byte and separator in ``b`` (rows × width), ``words``
    the same bytes and a little more padding as aligned 64-bit words."""

    b: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    words: np.ndarray

    @property
    def rows(self) -> int:
        return self.starts.shape[0]


def _plain_block(text: str, width: int, textcols=()) -> _Plain | None:
    """Check the shape of a block of records the way the fast path's pattern would — every line
    ``width`` fields, the first one never empty, no control character or backslash anywhere, a
    quote only around a whole field of one of the text columns ``textcols`` that holds no quote
    (a cue with a comma, as the csv module writes it; its commas are not separators) — and find
    its fields (:class:`_Plain`); None when a record is not one (then :func:`_slow_block` checks
    each record on its own and names the bad one). The numbers are checked by
    :func:`_plain_numbers`. The bytes are this thread's scratch: a block is done with (numbers,
    texts, JSON) before the thread reads the next."""
    if not text or not text.endswith("\n") or "\\" in text:
        return None
    quotes = '"' in text
    if quotes and not len(textcols):
        return None
    raw = text.encode("utf-8")
    size = _PAD + len(raw)
    b = _SCRATCH.array("block", (size + 16 - size % 8,))    # whole 64-bit words, and one to spare
    b[:_PAD] = 10
    b[size:] = 10
    body = b[_PAD:size]
    body[:] = np.frombuffer(raw, np.uint8)
    m1, m2 = (a.view(np.bool_) for a in (_SCRATCH.array("mask1", body.shape), _SCRATCH.array("mask2", body.shape)))
    np.less(body, np.uint8(32), out=m1)
    np.not_equal(body, np.uint8(10), out=m2)
    m1 &= m2
    if m1.any():
        return None                          # a control character
    np.equal(body, np.uint8(44), out=m1)
    if quotes:                               # commas inside quotes are not separators
        np.equal(body, np.uint8(34), out=m2)
        inq = np.cumsum(m2, dtype=np.int8)
        inq &= 1
        m1 &= inq == 0
    np.equal(body, np.uint8(10), out=m2)
    if quotes and (m2 & (inq == 1)).any():
        return None                          # a quoted newline
    m1 |= m2
    seps = np.flatnonzero(m1)
    n = seps.size // width
    if n == 0 or seps.size != n * width:
        return None
    seps += _PAD
    ends = seps.reshape(n, width)
    if np.count_nonzero(m2) != n or not (b[ends[:, -1]] == 10).all():
        return None                          # a line with another number of fields
    starts = _SCRATCH.array("starts", ends.shape, seps.dtype)
    flat = starts.reshape(-1)
    flat[0] = _PAD - 1
    flat[1:] = seps[:-1]
    flat += 1
    if (starts[:, 0] == ends[:, 0]).any():
        return None                          # no time
    if quotes:                               # every quote first or last of a quoted text field
        cols = list(textcols)
        fs, fe = starts[:, cols], ends[:, cols]
        q = b[fs] == 34
        if (np.count_nonzero(body == 34) != 2 * np.count_nonzero(q) or (fe - fs)[q].min() < 3
                or not (b[fe[q] - 1] == 34).all()):
            return None
    return _Plain(b[:size], starts, ends, b.view("<u8"))


class _Scratch(threading.local):
    """Each thread's working arrays, reused from block to block: fresh ones for every block cost
    the kernel a page fault for every 4 KB (a third of the work, measured). An array handed out
    under a name is valid until the same thread asks for that name again."""

    def __init__(self):
        self.bufs = {}

    def array(self, name: str, shape, dtype=np.uint8) -> np.ndarray:
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        buf = self.bufs.get(name)
        if buf is None or buf.size < size:
            buf = self.bufs[name] = np.empty(max(size, 1 << 16), np.uint8)
        return buf[:size].view(dtype).reshape(shape)


_SCRATCH = _Scratch()


def _window_check(B: np.ndarray, first: np.ndarray, work: list):
    """Fields right-aligned in windows ``B`` (W × m bytes, a column a field; field k from row
    ``first[k]``) → (digit values, 0 elsewhere; the dots; the minus signs; the bad bytes), each
    W × m, written into ``work`` (eight W × m byte arrays). A field is good when every byte is a
    digit except one optional leading '-' before a digit and one optional '.' between digits,
    with no leading zero."""
    d, ins, dig, dot, minus, head, nxt, bad = work
    ins, dig, dot, minus, head, nxt, bad = (a.view(np.bool_) for a in (ins, dig, dot, minus, head, nxt, bad))
    row = np.arange(B.shape[0], dtype=np.int8)[:, None]
    np.greater_equal(row, first, out=ins)    # inside the field
    np.subtract(B, np.uint8(48), out=d)
    np.less(d, np.uint8(10), out=dig)
    dig &= ins
    np.equal(B, np.uint8(46), out=dot)
    dot &= ins
    np.equal(B, np.uint8(45), out=minus)
    minus &= ins
    np.equal(row, first, out=head)           # the field's first byte
    nxt[:-1] = dig[1:]                       # a digit follows
    nxt[-1] = False
    np.bitwise_or(dig, dot, out=bad)
    bad |= minus
    np.greater(ins, bad, out=bad)            # a byte that is none of those
    np.bitwise_and(head, nxt, out=ins)       # (ins is free from here)
    np.greater(minus, ins, out=ins)          # a '-' not first or not before a digit
    bad |= ins
    np.bitwise_and(dig[:-1], nxt[1:], out=ins[1:])
    ins[0] = False
    np.greater(dot, ins, out=ins)            # a '.' not between digits
    bad |= ins
    np.greater(head, minus, out=head)        # where the first digit is …
    head[1:] |= minus[:-1]
    np.equal(B, np.uint8(48), out=ins)
    ins &= head
    ins &= nxt                               # … a 0 before another digit
    bad |= ins
    d *= dig
    return d, dot, minus, bad


def _windows(words64, e, words: int, out: np.ndarray) -> np.ndarray:
    """The ``8 * words`` bytes before each of the ends ``e`` → ``out``, (8 * words) × m, a column a
    field. ``words64`` is the block as aligned 64-bit words: each window word is two aligned
    words shifted together (an unaligned gather costs numpy several times more)."""
    m = e.size
    win = _SCRATCH.array("win", (m, words), np.uint64)
    at, sh = _SCRATCH.array("at", (m,), np.int64), _SCRATCH.array("sh", (m,), np.int64)
    hi = _SCRATCH.array("hi", (m,), np.uint64)
    ush = sh.view(np.uint64)
    for j in range(words):
        np.subtract(e, 8 * (words - j), out=at)
        np.bitwise_and(at, 7, out=sh)
        sh <<= 3                                   # the bits to shift out of the first word
        at >>= 3
        w = win[:, j]
        np.take(words64, at, out=w)
        w >>= ush
        at += 1
        np.take(words64, at, out=hi)
        np.subtract(np.uint64(64), ush, out=ush)
        hi <<= ush                                 # (a shift by 64 gives 0)
        w |= hi
    np.copyto(out, win.view(np.uint8).reshape(m, 8 * words).T)
    return out


def _short_numbers(u64, e, L, values: bool = True):
    """Every field as if it held at most 8 bytes (its last 8 bytes) → (values or None, bad); the
    values and checks of longer fields are not meaningful here (:func:`_long_numbers` redoes them)."""
    m = e.size
    work = _SCRATCH.array("short", (9, 8, m))
    B = _windows(u64, e, 1, work[8])
    first = (8 - np.minimum(L, 8)).astype(np.int8)
    D, dot, minus, bad = _window_check(B, first, list(work[:8]))
    bad = bad.any(axis=0) | (dot.sum(axis=0, dtype=np.uint8) > 1)
    if not values:
        return None, bad
    x = D[0].astype(np.uint32)
    q = dot[0] * np.uint8(7)
    t = np.empty_like(x)
    k8 = np.empty(m, np.uint8)
    for k in range(1, 8):                    # the digits (a dot skipped) and how many follow the dot
        np.multiply(x, np.uint32(10), out=t)
        t += D[k]
        np.copyto(x, t, where=~dot[k])
        np.multiply(dot[k], np.uint8(7 - k), out=k8)
        q += k8
    val = x / _P10[q]
    val[minus.any(axis=0)] *= -1.0
    return val, bad


def _long_numbers(u64, e, L, values: bool = True):
    """Fields of 9 to 24 bytes → (values, bad, slow): ``slow`` those whose digits spell an integer too
    large for an exact quotient here (float() reads them); only ``bad`` without ``values``."""
    m = e.size
    work = np.empty((9, 24, m), np.uint8)
    B = _windows(u64, e, 3, work[8])
    D, dot, minus, bad = _window_check(B, (24 - L).astype(np.int8), list(work[:8]))
    bad = bad.any(axis=0) | (dot.sum(axis=0, dtype=np.uint8) > 1)
    if not values:
        return None, bad, None
    has = dot.any(axis=0)
    dc = np.where(has, dot.argmax(axis=0), -1)
    shifted = np.zeros_like(D)
    shifted[1:] = D[:-1]
    D = np.where(np.arange(24)[:, None] <= dc, shifted, D)      # the dot taken out
    s = np.empty((3, m), np.uint64)
    for j in range(3):
        w = D[8 * j].astype(np.uint64)
        for k in range(8 * j + 1, 8 * j + 8):
            w *= np.uint64(10)
            w += D[k]
        s[j] = w
    q = np.where(has, 23 - dc, 0)
    fits = s[0] < 1800                                         # below 1.8e19 < 2**64
    x = s[0] * _P10_U[16] + s[1] * _P10_U[8] + s[2]
    val = np.full(m, np.nan)
    exact = fits & (x < _F53) & (q <= 22)
    val[exact] = x[exact].astype(np.float64) / _P10[q[exact]]
    slow = ~exact
    if _WIDE and slow.any():
        # 64 bits hold the digits exactly and the quotient is rounded once to 64 bits; rounding
        # that to a float gives the correctly rounded float unless it lies exactly halfway
        # between two floats (then float() decides)
        k = np.flatnonzero(slow & fits)
        r = x[k].astype(np.longdouble) / _P10_LD[q[k]]
        f = r.astype(np.float64)
        gap = np.abs(r - f.astype(np.longdouble)) * 2
        ulp = np.spacing(f).astype(np.longdouble)
        sure = (gap != ulp) & (gap * 2 != ulp)
        val[k[sure]] = f[sure]
        slow[k[sure]] = False
    val[minus.any(axis=0)] *= -1.0
    return val, bad, slow & ~bad


def _plain_numbers(pl: _Plain, cols, values: bool = True):
    """The numeric columns ``cols`` of a block → (len(cols) × rows) floats, a column a row (NaN
    where empty), or None when a field is not a number as footmat writes it —
    ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?``. Each is the correctly rounded float, as float() gives it:
    its digits as one integer over 10**decimals, exact below 2**53, through a 64-bit long double
    up to 19 digits, float() past that. With ``values=False`` only the check: True or None."""
    cols = list(cols)
    e = pl.ends[:, cols].T.ravel()
    L = e - pl.starts[:, cols].T.ravel()
    u64 = pl.words
    val, bad = _short_numbers(u64, e, L, values)
    longer = L > 8
    bad &= ~longer
    if bad.any():
        return None
    if longer.any():
        k = np.flatnonzero(longer & (L <= 24))
        v, lbad, slow = _long_numbers(u64, e[k], L[k], values)
        if lbad.any():
            return None
        if not values:
            k, slow = k[:0], np.zeros(0, np.bool_)
        else:
            val[k] = v
        rest = np.concatenate([k[slow], np.flatnonzero(L > 24)])
        if rest.size:
            raw = pl.b.tobytes()
            num = re.compile(_NUM)
            texts = [raw[a:z] for a, z in zip((e[rest] - L[rest]).tolist(), e[rest].tolist())]
            if not all(num.fullmatch(t.decode("latin-1")) for t in texts):
                return None
            if values:
                val[rest] = [float(t) for t in texts]
    if not values:
        return True
    val[L == 0] = np.nan
    return val.reshape(len(cols), pl.rows)


def _plain_texts(pl: _Plain, j: int) -> list[str]:
    """Text column ``j`` of a checked block: one str per record (a quoted field without its quotes)."""
    s = pl.starts[:, j]
    q = pl.b[s] == 34
    s = s + q
    lens = pl.ends[:, j] - q - s + 1                 # the field and its separator (or closing quote)
    tail = np.cumsum(lens)
    idx = np.arange(int(tail[-1])) + np.repeat(s - (tail - lens), lens)
    sel = pl.b[idx]
    sel[tail - 1] = 10
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


def read_session(path, text: bool = True) -> Session:
    """Read and check a whole session folder → :class:`Session` (numbers as float64 arrays; with
    ``text=False`` the text columns are checked but not kept: ``Session.text`` is empty).

    Plain records (what footmat writes) are checked and converted a block at a time with numpy
    (:func:`_plain_block`, :func:`_plain_numbers`); a record read line by line (quoted text, an
    older format's) is checked and converted on its own.
    """
    sf = open_session(path) if not isinstance(path, SessionFolder) else path
    numeric = [i for i, h in enumerate(sf.header) if h not in TEXT_COLUMNS]
    textcol = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS and text]
    width = len(sf.header)
    texts = {sf.header[i]: [] for i in textcol}
    pats = None
    # every column in one array (a column a row), filled as the blocks come: sized from the file
    # and the first block's bytes a record (pages never written are never used), grown if short
    store = {"all": np.empty((len(numeric), 0)), "at": 0, "size": sf.trace.stat().st_size}

    def put(nums, nbytes):
        arr, at, k = store["all"], store["at"], nums.shape[1]
        if at + k > arr.shape[1]:
            guess = int(store["size"] / max(nbytes / max(k, 1), 1) * 1.02) + 1024
            grown = np.empty((len(numeric), max(at + k, guess, 2 * arr.shape[1])))
            grown[:, :at] = arr[:, :at]
            store["all"] = arr = grown
        arr[:, at:at + k] = nums
        store["at"] = at + k

    alltext = [i for i, h in enumerate(sf.header) if h in TEXT_COLUMNS]

    def plain(text):                                    # a run of plain records → (numbers, texts) or None
        pl = _plain_block(text, width, alltext)
        nums = None if pl is None else _plain_numbers(pl, numeric)
        if nums is None:
            return None
        return nums, [_plain_texts(pl, i) for i in textcol]

    def take(part):                                     # a part's results, in the file's order
        nonlocal pats
        if len(part) == 2:                              # records read line by line
            rows, txts = part
            put(np.array(rows, float).reshape(len(rows), len(numeric)).T, 1 << 30)
            for i, t in zip(textcol, txts):
                texts[sf.header[i]].extend(t)
            return
        fut, first, k, text = part
        got = fut.result()
        if got is None:         # a record off the fast path: each checked on its own (a bad one is named)
            pats = pats or _line_patterns(sf.header)
            lines = [ln + "\n" for ln in text[:-1].split("\n")]
            _slow_block(sf, pats[1], pats[0], pats[2], range(first, first + k), lines, False)
            # good records all the same, e.g. a cue with a backslash or a tab
            rows = [sfmt.split_record(ln) if '"' in ln else ln[:-1].split(",") for ln in lines]
            got = (np.array([[sfmt.to_float(r[i]) for i in numeric] for r in rows], float).reshape(k, -1).T,
                   [[r[i] for r in rows] for i in textcol])
        put(got[0], len(text))
        for i, t in zip(textcol, got[1]):
            texts[sf.header[i]].extend(t)

    # numpy lets go of the GIL for most of a block's work: two blocks are converted at once
    from concurrent.futures import ThreadPoolExecutor

    pending = collections.deque()
    with no_gc(), ThreadPoolExecutor(max_workers=2) as pool, \
            sfmt.TraceLines(sf.trace, required=REQUIRED_COLUMNS) as tr:
        for pieces in tr.raw_chunks(READ_ROWS, quoted=True):
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
    if store["at"] == 0:
        _fail(sf.trace, "has a header but no rows", "the session recorded nothing; record it again")
    num = {sf.header[i]: store["all"][k, :store["at"]] for k, i in enumerate(numeric)}
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
