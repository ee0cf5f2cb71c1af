"""Reading any delimited text table safely: the file checked before it is read, lines numbered
and checked as they come, rows streamed into float arrays a block at a time.

A file that is missing, empty, huge, binary or not UTF-8 is refused with one line
(:func:`check_file`); a line too long or holding binary data, a row whose width differs from the
header's, or text where a number belongs raises :class:`~firmware.errors.DataFileError` naming the
line and the column. The delimiter is a tab, a comma or a semicolon (the first found), else runs of
white space. Header names are compared stripped and lower-cased (:func:`norm_name`).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError

MAX_BYTES = 1 << 30          # a recording larger than this is refused, not read into memory
MAX_LINE_CHARS = 1 << 16     # no recording has a 64 KiB line; a binary or corrupt file may
CHUNK_LINES = 1 << 16        # rows converted to numbers at a time (memory stays ~8 bytes/value)


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def check_file(path: Path) -> None:
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


class Lines:
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


def split_fields(line: str, delim: str | None) -> list[str]:
    """The fields of a line (``delim`` None: runs of white space)."""
    return line.split() if delim is None else line.split(delim)


def is_number(s: str) -> bool:
    """Whether ``float`` reads the text (NaN and inf included)."""
    try:
        float(s)
        return True
    except ValueError:
        return False


def numeric_row(line: str) -> bool:
    """A row of at least two numbers (a data row, not a header or metadata)."""
    fields = split_fields(line, guess_delim(line))
    return len(fields) >= 2 and all(is_number(f) for f in fields)


def guess_delim(line: str) -> str | None:
    """The first of tab, comma, semicolon the line holds; None = white space."""
    for d in ("\t", ",", ";"):
        if d in line:
            return d
    return None


class Columns:
    """Stream the data rows, keeping the wanted columns: numbers as float arrays, text as lists.

    ``numeric``/``text`` map a key to a column index. Rows are converted ``CHUNK_LINES`` at a
    time, so memory stays near 8 bytes per kept value. ``line_no`` holds each row's line number.
    """

    def __init__(self, path, lines: Lines, delim, header: list[str], numeric: dict[str, int],
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
                and len(split_fields(raw[-1], delim)) != self.nh:
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
        rows = [split_fields(line, self.delim) for line in raw]
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
                    if not is_number(v):
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


# --------------------------------------------------------------------------- the header
def norm_name(name: str) -> str:
    """A header name as compared: stripped, lower case."""
    return name.strip().lower()


def find_column(header: list[str], names) -> int | None:
    """Index of the first of ``names`` (normalised) the header holds, or None."""
    normed = [norm_name(h) for h in header]
    for nm in names:
        if nm in normed:
            return normed.index(nm)
    return None


def declared_rate(meta_lines) -> float | None:
    """The sampling rate the metadata lines above a table declare (``key,value``), or None."""
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
