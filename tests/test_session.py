import json

import numpy as np

from firmware.layout import load_layout
from trainer.session import SessionWriter


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
    assert row1["t_s"] == "0.0050" and row1["left_toes_raw"] == "" and row1["cop_x_mm"] == ""
    assert row1["target_x_mm"] == "" and row1["flags"] == "read_error"
    ev = (w.folder / "events.csv").read_text().splitlines()
    assert ev[0] == "t_s,kind,detail" and ev[1].startswith("0.0100,cue,")
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
