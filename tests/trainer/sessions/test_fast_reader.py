"""The numpy reader of plain trace records (trainer.sessions.reader._plain_block / _plain_numbers,
issue 33): it accepts exactly the records the line pattern accepts — plus text fields quoted whole
as the csv module writes a cue with a comma — and every number it gives is
the float the text names (float() / loadtxt), bit for bit — short fields, fields of 9 to 24 bytes
(a time stamp's 17 digits: the long double path, halfway cases included) and longer ones."""
from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
from hypothesis import given, settings, strategies as st

from trainer.sessions.reader import _NUM, _TXT, _plain_block, _plain_numbers, _plain_texts

HEADER = ["t_s", "a_raw", "b_n", "phase", "flags", "c_mm"]
TEXT = [3, 4]
NUMERIC = [0, 1, 2, 5]

number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),      # shortest repr
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}"),           # the writer's 2 places
    st.integers(-10**20, 10**20).map(str),
    st.from_regex(r"-?[0-9]{1,19}\.[0-9]{1,19}", fullmatch=True),               # more digits than exact
    st.integers(2 ** 53 - 2, 2 ** 64).map(str),                                  # past a float's 53 bits
    st.builds(lambda m, q: f"{m[:-q]}.{m[-q:]}" if 0 < q < len(m) else m,        # a time stamp's 15-20 digits
              st.integers(10 ** 14, 10 ** 20).map(str), st.integers(0, 19)),
    st.sampled_from(["9007199254740993", "9007199254740993.0", "900719925474099.3", "0.0049999999999954525",
                     "2.4899999999999696", "18446744073709551615", "18446744073709551616", "1.8446744073709551617"]),
)
junk = st.sampled_from(["", "-", ".", "1.", ".5", "01", "-01", "1.2.3", "1e5", "+1", "1-2", " 1", "nan", "0x1",
                        "00.5", "-0", "0", "-0.0", "١"])
plain_text = st.text("abc xyz|éü-0.9", max_size=6)
quoted_text = st.text("ab, c|é", min_size=1, max_size=6).map(lambda t: f'"{t}"')      # a cue with a comma
good_text = st.one_of(plain_text, plain_text, quoted_text)
text = st.one_of(plain_text, plain_text, quoted_text, st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
                 st.sampled_from(['""', '"a""b"', '"a"b', 'a"b"', '"a\nb"', '"a\\b"', '"a,b', 'a,b"']))
# what is accepted: numbers as footmat writes them, text plain or quoted whole (no quote, backslash
# or control character inside)
QTXT = r'"[^"\\\x00-\x1f]++"'
LINE = re.compile(",".join([_NUM, f"(?:{_NUM})?+", f"(?:{_NUM})?+", f"(?:{_TXT}|{QTXT})", f"(?:{_TXT}|{QTXT})",
                            f"(?:{_NUM})?+"]))


valid_number = number.filter(lambda x: re.fullmatch(_NUM, x) is not None)


@st.composite
def record(draw, valid=False):
    f = [draw(valid_number if valid else st.one_of(number, junk)) for _ in NUMERIC]
    if not f[0] and valid:
        f[0] = "0"
    t = [draw(good_text if valid else text) for _ in TEXT]
    return ",".join([f[0], f[1], f[2], t[0], t[1], f[3]])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(record(), min_size=1, max_size=3), st.lists(record(valid=True), min_size=1, max_size=8)))
def test_accepts_exactly_what_the_line_pattern_accepts_and_reads_every_number_exactly(lines):
    text = "".join(ln + "\n" for ln in lines)
    want = all(LINE.fullmatch(ln) for ln in lines)
    pl = _plain_block(text, len(HEADER), TEXT)
    got = None if pl is None else _plain_numbers(pl, NUMERIC)
    assert (got is not None) == bool(want), lines
    if pl is not None:                      # the check alone (CSV/JSON export) accepts the same
        assert (_plain_numbers(pl, NUMERIC, values=False) is not None) == bool(want), lines
    if got is None:
        return
    got = got.T                             # a column a row
    rows = [next(csv.reader(io.StringIO(ln))) for ln in lines]
    exp = np.array([[float(r[i]) if r[i] else math.nan for i in NUMERIC] for r in rows])
    assert np.array_equal(got.view(np.int64), exp.view(np.int64)) or np.array_equal(got, exp, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(exp))
    for k, j in enumerate(TEXT):
        assert _plain_texts(pl, j) == [r[j] for r in rows]
