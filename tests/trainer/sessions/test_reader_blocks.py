"""read_session's block paths (issue 33) against the csv module and float(): a session of more
than one block whose length is no multiple of a block, with missing values and time stamps of 17
digits; cues the block path refuses (a backslash, a tab, a comma, a quote) read record by record;
``text=False``."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from calibration.store import nominal
from firmware.layout import load_layout
from trainer.bench.export import synthetic_session
from trainer.sessions import reader
from trainer.sessions.writer import SessionWriter


def by_csv(folder):
    """The trace as the csv module and float() read it: (numbers by column, texts by column)."""
    with open(folder / "trace.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head, rows = rows[0], rows[1:]
    num = {h: np.array([float(r[i]) if r[i] else math.nan for r in rows])
           for i, h in enumerate(head) if h not in ("phase", "flags")}
    text = {h: [r[i] for r in rows] for i, h in enumerate(head) if h in ("phase", "flags")}
    return num, text


def assert_same(sess, folder):
    num, text = by_csv(folder)
    assert sess.num.keys() == num.keys()
    for h, v in num.items():                 # bit for bit, NaN where empty, -0.0 kept
        assert sess.num[h].view(np.int64).tolist() == v.view(np.int64).tolist(), h
    assert {h: list(v) for h, v in sess.text.items()} == text


def test_more_than_one_block_not_a_multiple_with_missing_values(tmp_path):
    folder = synthetic_session(tmp_path, 61.3)          # 12,260 frames: a block and a part
    rows = sum(1 for _ in open(folder / "trace.csv")) - 1
    assert rows == 12260 and rows % reader.READ_ROWS
    sess = reader.read_session(folder)
    assert_same(sess, folder)
    assert np.isnan(sess.num["cop_x_mm"]).sum() > 100    # the pause and the unreadable frame
    lean = reader.read_session(folder, text=False)
    assert lean.text == {}
    for h in sess.num:
        assert np.array_equal(lean.num[h], sess.num[h], equal_nan=True)


def _session(tmp_path, phases, seconds=3.0, rate=200.0, t_noise=True):
    layout = load_layout("default-6")
    n = int(seconds * rate)
    w = SessionWriter(tmp_path, "spiral", layout=layout, calibration=nominal(layout).to_dict(), params={},
                      person={"name": "t", "weight_kg": 70.0, "default": False}, sample_rate_hz=rate,
                      simulated=False, clock_start=0.1)
    rng = np.random.default_rng(1)
    k = np.arange(n)
    t = 0.1 + k / rate + (rng.normal(0, 1e-7, n) if t_noise else 0)   # a real clock's 17-digit stamps
    forces = rng.uniform(-5, 300, (n, 6))
    raw = np.rint(4000 + 30 * forces)
    cop = rng.normal(0, 50, (n, 2))
    cop[::97] = np.nan
    w.write(t, raw, forces, forces.sum(axis=1), cop, rng.uniform(0, 100, n), np.full((n, 2), np.nan),
            [phases[i % len(phases)] for i in range(n)], [""] * n)
    w.finish({"score": 1.0}, {})
    return w.folder


@pytest.mark.parametrize("cue", ["back\\slash", "a\ttab", "centre, stand tall", 'say "ready"', "plain"])
def test_cues_off_the_block_path_are_read_record_by_record(tmp_path, cue):
    folder = _session(tmp_path, ["plain", cue, cue, "plain"])
    sess = reader.read_session(folder)
    assert_same(sess, folder)
    assert cue in set(sess.text["phase"])
    assert len(sess.t_s) == 600 and np.all(np.diff(sess.t_s) > 0)


def test_seventeen_digit_time_stamps_are_the_floats_they_name(tmp_path):
    folder = _session(tmp_path, ["plain"], seconds=60.0)
    stamps = [ln.split(",", 1)[0] for ln in open(folder / "trace.csv").read().splitlines()[1:]]
    assert sum(len(s) > 16 for s in stamps) > len(stamps) // 2       # the long path is what is tested
    assert_same(reader.read_session(folder), folder)


def test_a_bad_number_in_the_second_block_is_named(tmp_path):
    folder = synthetic_session(tmp_path, 61.0)
    lines = (folder / "trace.csv").read_text().splitlines(keepends=True)
    f = lines[11000].split(",")
    f[3] = "01.5"                                        # a leading zero: not a number footmat writes
    lines[11000] = ",".join(f)
    (folder / "trace.csv").write_text("".join(lines))
    with pytest.raises(reader.DataFileError, match="line 11001, column left_toes_raw: '01.5' is not a number"):
        reader.read_session(folder)


@pytest.mark.parametrize("first_cue", ["a long cue " * 30, "a quoted, long cue " * 20])
def test_numbers_array_grows_when_the_first_block_misjudges_the_file(tmp_path, monkeypatch, first_cue):
    # the numbers' array is sized from the first block's bytes a record: long (or quoted, read
    # record by record) first records make it far too small, and it must grow without losing a row
    monkeypatch.setattr(reader, "READ_ROWS", 50)
    folder = _session(tmp_path, [first_cue] * 60 + ["x"] * 5940, seconds=30.0)
    grown = []
    empty = np.empty
    monkeypatch.setattr(reader.np, "empty", lambda shape, *a, **k: grown.append(shape) or empty(shape, *a, **k))
    sess = reader.read_session(folder)
    assert sess.frames == 6000
    sizes = [s[1] for s in grown if isinstance(s, tuple) and len(s) == 2 and s[0] == len(sess.num)]
    assert len(sizes) >= 3 and sizes[1] < 6000 <= sizes[-1]      # sized too small, then grown
    assert_same(sess, folder)


def test_cues_with_commas_are_read_block_by_block(tmp_path, monkeypatch):
    # the stance drill's cue holds commas (quoted in the file) on every frame of its phase: such
    # records are read with the blocks, not one by one, and read back the same; a cue with a quote
    # inside still goes record by record
    monkeypatch.setattr(reader, "READ_ROWS", 997)
    cue = "stand still, weight even, eyes forward"
    folder = _session(tmp_path, [cue] * 2900 + ['say "ready", now'] * 100, seconds=15.0)
    assert open(folder / "trace.csv").read().count(f'"{cue}"') == 2900
    one_by_one = []
    slow = reader._slow_block
    monkeypatch.setattr(reader, "_slow_block", lambda sf, lp, bp, rp, nos, lines, js: (
        one_by_one.extend(nos), slow(sf, lp, bp, rp, nos, lines, js))[1])
    sess = reader.read_session(folder)
    assert_same(sess, folder)
    assert len(one_by_one) == 100 and min(one_by_one) == 2902                   # the quote-in-quote cue only
    one_by_one.clear()
    rows = [r for _, _, _, r in reader.iter_rows(reader.open_session(folder), as_json=True)]
    assert len(one_by_one) == 100
    got = json.loads("[" + "".join(rows)[:-2] + "]")
    assert [g[reader.open_session(folder).header.index("phase")] for g in got] == list(sess.text["phase"])


def _with_quote_opened(folder, index):
    """trace.csv with the phase field of record ``index`` opening a quote it never closes."""
    lines = (folder / "trace.csv").read_text().splitlines(keepends=True)
    head = lines[0].rstrip("\n").split(",")
    f = lines[index].split(",")
    f[head.index("phase")] = '"' + f[head.index("phase")]
    lines[index] = ",".join(f)
    (folder / "trace.csv").write_text("".join(lines))
    return len(lines)


def test_a_quote_never_closed_in_the_middle_is_named_not_the_rest_dropped(tmp_path):
    folder = _session(tmp_path, ["plain"])
    before = (folder / "trace.csv").read_bytes()
    _with_quote_opened(folder, 300)
    damaged = (folder / "trace.csv").read_bytes()
    assert damaged != before
    with pytest.raises(reader.DataFileError, match="line 301 opens a quote that is never closed"):
        reader.read_session(folder)
    assert (folder / "trace.csv").read_bytes() == damaged          # nothing rewritten


def test_a_quote_never_closed_on_the_last_line_is_a_recording_cut_short(tmp_path):
    folder = _session(tmp_path, ["plain"])
    n = _with_quote_opened(folder, -1 + len((folder / "trace.csv").read_text().splitlines()))
    sess = reader.read_session(folder)
    assert len(sess.t_s) == n - 2                                    # the header and the torn record
    assert any("cut short" in note for note in sess.notes)
