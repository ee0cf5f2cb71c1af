import json

import numpy as np

from firmware.layout import load_layout
from trainer.sessions.writer import SessionWriter


def make(tmp_path, **kw):
    layout = load_layout()
    return SessionWriter(tmp_path, "spiral", layout=layout, calibration={"x": 1}, params={"loops": 1},
                         person={"name": "a"}, sample_rate_hz=200.0, simulated=kw.get("sim", True), clock_start=10.0)


def test_folder_naming_suffixes(tmp_path):
    a, b, c = make(tmp_path), make(tmp_path), make(tmp_path)
    names = sorted(p.folder.name for p in (a, b, c))
    base = a.folder.name
    assert b.folder.name in (base + "-2", base + "-3") or b.folder.name != base
    assert len(set(names)) == 3


def test_trace_events_and_json(tmp_path):
    w = make(tmp_path)
    meta = json.loads((w.folder / "session.json").read_text())
    assert meta["complete"] is False and meta["started_at"].endswith("Z")
    n = 4
    raw = np.arange(n * 6, dtype=float).reshape(n, 6)
    raw[1, 2] = np.nan
    cop = np.array([[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0], [5.0, 6.0]])
    w.write(10.0 + np.arange(n) * 0.005, raw, raw * 2, raw.sum(1), cop, np.full(n, 50.0), np.full((n, 2), np.nan),
            ["waiting"] * n, ["", "read_error", "", ""], cop)
    w.event(10.01, "cue", "left heel, then ball")
    w.finish({"score": 90}, {"score": "x"}, {"before": 3, "after": 2})
    lines = (w.folder / "trace.csv").read_text().splitlines()
    assert len(lines) == 1 + n
    row1 = dict(zip(lines[0].split(","), lines[2].split(",")))
    assert abs(float(row1["t_s"]) - 0.005) < 1e-12 and row1["left_toes_raw"] == "" and row1["cop_x_mm"] == ""
    assert row1["target_x_mm"] == "" and row1["flags"] == "read_error"
    ev = (w.folder / "events.csv").read_text().splitlines()
    assert ev[0] == "t_s,kind,detail" and abs(float(ev[1].split(",")[0]) - 0.01) < 1e-12
    assert ev[1].split(",", 1)[1] == 'cue,"left heel, then ball"'
    meta = json.loads((w.folder / "session.json").read_text())
    assert meta["complete"] is True and meta["summary"]["score"] == 90 and meta["pain"] == {"before": 3, "after": 2}
    assert meta["duration_s"] == 0.015


def test_aborted_session_stays_readable_and_incomplete(tmp_path):
    w = make(tmp_path)
    w.write(np.array([10.0]), np.zeros((1, 6)), np.zeros((1, 6)), np.zeros(1), np.zeros((1, 2)), np.zeros(1),
            np.zeros((1, 2)), ["x"], [""], None)
    w.abort()
    meta = json.loads((w.folder / "session.json").read_text())
    assert meta["complete"] is False
    assert len((w.folder / "trace.csv").read_text().splitlines()) == 2


def test_times_are_written_exactly(tmp_path):
    """t_s reads back as the very float written (replay needs the same stamps)."""
    w = make(tmp_path)
    t = 10.0 + np.array([0.0050125000000000005, 1 / 3, 2.000000001])
    w.write(t, np.zeros((3, 6)), np.zeros((3, 6)), np.zeros(3), np.zeros((3, 2)), np.zeros(3), np.zeros((3, 2)),
            ["x"] * 3, [""] * 3, None)
    w.finish({}, {})
    got = [float(r.split(",")[0]) for r in (w.folder / "trace.csv").read_text().splitlines()[1:]]
    assert got == list(t - 10.0)


def test_flushes_often_and_fsyncs_twice_a_second(tmp_path, monkeypatch):
    """Handed to the OS every 0.2 s (a kill loses no more), fsynced every 0.5 s (a power cut)."""
    import trainer.sessions.writer as session

    now = [0.0]
    monkeypatch.setattr(session.time, "monotonic", lambda: now[0])
    syncs = []
    real_fsync = session.os.fsync
    monkeypatch.setattr(session.os, "fsync", lambda fd: (syncs.append(now[0]), real_fsync(fd)))
    w = make(tmp_path)
    size = []
    for k in range(200):                      # 10 s of 50 ms blocks
        now[0] = k * 0.05
        t = 10.0 + k * 0.05 + np.arange(10) * 0.005
        w.write(t, np.ones((10, 6)), np.ones((10, 6)), np.ones(10), np.ones((10, 2)), np.ones(10),
                np.ones((10, 2)), ["x"] * 10, [""] * 10, None)
        size.append((now[0], (w.folder / "trace.csv").stat().st_size))
    times = sorted(set(syncs))
    assert max(np.diff(times)) <= 0.55
    # on disk (as the OS sees it) at most 0.25 s behind the last block written
    rows_per_byte = None
    for t_now, nbytes in size[20:]:
        text = (w.folder / "trace.csv").read_bytes()[:nbytes].decode()
        last = text.rstrip("\n").rsplit("\n", 1)[-1].split(",")[0]
        assert t_now + 0.045 - float(last) <= 0.25 + 1e-9
    w.abort()


def test_load_meta_refuses_damage_in_one_line(tmp_path):
    import pytest

    from firmware.errors import DataFileError
    from trainer.sessions.format import load_meta

    w = make(tmp_path)
    w.finish({"score": 1}, {})
    p = w.folder / "session.json"
    good = p.read_bytes()
    assert load_meta(w.folder)["summary"]["score"] == 1
    for bad in (b"", b"{", b"[]", good[: len(good) // 2], good.replace(b'"drill"', b'"drll"'),
                good.replace(b'"sample_rate_hz": 200.0', b'"sample_rate_hz": NaN'), b"\xff\xfe"):
        p.write_bytes(bad)
        with pytest.raises(DataFileError) as e:
            load_meta(w.folder)
        assert "\n" not in str(e.value) and str(p) in str(e.value)
        assert p.read_bytes() == bad


def test_read_events_ignores_a_torn_last_line(tmp_path):
    from trainer.sessions.format import read_events

    w = make(tmp_path)
    w.event(10.5, "cue", "left heel, then ball")
    w.abort()
    p = w.folder / "events.csv"
    p.write_bytes(p.read_bytes() + b"11.2,pau")
    assert read_events(w.folder) == [("0.5", "cue", "left heel, then ball")]
    p.write_bytes(p.read_bytes() + b"\x00" * 100)
    assert len(read_events(w.folder)) == 1


def test_times_never_use_exponent_notation(tmp_path):
    """A real-clock first frame lands microseconds after the start: still plain decimals."""
    w = make(tmp_path)
    t = np.array([10.0 + 1.25e-05, 10.0 + 0.0050125])
    w.write(t, np.zeros((2, 6)), np.zeros((2, 6)), np.zeros(2), np.zeros((2, 2)), np.zeros(2), np.zeros((2, 2)),
            ["x", "x"], ["", ""], None)
    w.finish({}, {})
    body = (w.folder / "trace.csv").read_text().splitlines()[1:]
    assert all("e-" not in line.split(",")[0] for line in body)
    assert abs(float(body[0].split(",")[0]) - 1.25e-05) < 1e-12
