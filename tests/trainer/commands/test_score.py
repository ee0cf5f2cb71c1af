"""footmat score DRILL TRACE: a CSV or a session, the drill's own scorer, `skipped`, bad files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer import drills
from trainer.app.score import FLOW_KEYS, SCORERS


def _spiral(period=12.0, loops=3, centre=(0.0, 120.0)):
    d = drills.get("spiral")
    run = d.make(d.resolve({"period": period, "loops": loops}))
    run.build(load_layout("default-6"), np.array(centre), None)
    return run


def write_csv(path, t, cols: dict):
    names = ["t_s"] + list(cols)
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for k in range(len(t)):
            f.write(",".join([repr(float(t[k]))] + [("" if not np.isfinite(v[k]) else f"{v[k]:.3f}")
                                                   for v in cols.values()]) + "\n")
    return path


def test_perfect_whole_body_trace_names_every_per_foot_check_it_skips(tmp_path, cli):
    run = _spiral()
    t = np.arange(0, 36, 0.02)
    xy = run.target(t)
    p = write_csv(tmp_path / "t.csv", t, {"cop_x_mm": xy[:, 0], "cop_y_mm": xy[:, 1]})
    code, out, err = cli("score", "spiral", str(p), "--json", "--centre", "0,120")
    assert code == 0, err
    res = json.loads(out)
    s = res["summary"]
    assert len(s["loops"]) == 3
    skipped = {k["check"] for k in s["skipped"]}
    assert {"share_on_working_foot", "foot_roll", "visits"} <= skipped
    assert "tracking" not in skipped
    assert s["not_from_trace"] == list(FLOW_KEYS)
    assert not set(FLOW_KEYS) & set(s)


@pytest.mark.parametrize("text, what", [
    ("t_s,cop_x_mm\n0,1\n0.02,2\n", "lacks the column"),
    ("t_s,cop_x_mm,cop_y_mm\n0,1,2\n0.02,x,3\n", "is not a number"),
    ("t_s,cop_x_mm,cop_y_mm\n0,1,2\n0,1,3\n", "strictly increasing"),
    ("", "empty"),
    ("t_s,cop_x_mm,cop_y_mm,target_x_mm\n0,1,2,3\n0.02,1,3,4\n", "without its pair"),
])
def test_a_malformed_trace_is_one_line_and_exit_2(tmp_path, cli, text, what):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    code, out, err = cli("score", "spiral", str(p))
    assert code == 2 and out == ""
    assert what in err and "\n" not in err.strip() and "Traceback" not in err


def test_unknown_drill_or_missing_file_is_exit_2(tmp_path, cli):
    assert cli("score", "spiral", str(tmp_path / "none.csv"))[0] == 2
    p = write_csv(tmp_path / "t.csv", np.arange(0, 3, 0.1), {"cop_x_mm": np.zeros(30), "cop_y_mm": np.zeros(30)})
    code, _, err = cli("score", "heel-raises", str(p))
    assert code == 2 and "no trace scorer for the drill 'heel-raises'" in err
    assert err.count("footmat score:") == 1 and "footmat replay SESSION" in err      # one prefix; a way on


def test_a_routine_folder_is_named_with_its_parts_by_every_session_reader(tmp_path, cli):
    """`footmat today`/`routine` print a routine's folder; replay, export, analyze and score take one
    session: each says it is a routine, lists its parts and names one part's folder (exit 2)."""
    folder = tmp_path / "20261208-002329-routine-today"
    (folder / "20261208-002333-spiral").mkdir(parents=True)
    (folder / "routine.json").write_text(json.dumps({"routine": "today", "parts": [
        {"part": 1, "drill": "spiral", "session": "20261208-002333-spiral"},
        {"part": 2, "drill": "stance", "session": "20261208-002340-stance"}]}))
    for argv in (("replay",), ("export", "--format", "csv", "--out", str(tmp_path / "x.csv")), ("analyze",),
                 ("score", "spiral")):
        code, out, err = cli(*argv[:1], *((argv[1],) if argv[0] == "score" else ()), str(folder),
                             *(argv[1:] if argv[0] == "export" else ()))
        assert code == 2, (argv, err)
        line = err.strip()
        assert "\n" not in line and "routine of 2 parts (spiral, stance)" in line, (argv, line)
        assert str(folder / "20261208-002333-spiral") in line, (argv, line)


def test_a_session_reproduces_its_recorded_summary(tmp_path, cli):
    code, _, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--out", str(tmp_path / "s"),
                       "--pain-before", "1", "--pain-after", "1")
    assert code == 0, err
    folder = next((tmp_path / "s").iterdir())
    recorded = json.loads((folder / "session.json").read_text())["summary"]
    code, out, err = cli("score", "spiral", str(folder), "--json")
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert s["skipped"] == [] and s["not_from_trace"] == []
    _close(recorded, {k: v for k, v in s.items() if k in recorded})
    # the same session's trace outside its folder, and its CSV export: footmat's own columns (the
    # phase, each sensor's force) give the drill's score back, not one shifted by the waiting
    # and the countdown before the start
    (tmp_path / "alone").mkdir()
    alone = tmp_path / "alone" / "trace.csv"
    alone.write_bytes((folder / "trace.csv").read_bytes())
    code, _, err = cli("export", str(folder), "--format", "csv", "--out", str(tmp_path / "e.csv"))
    assert code == 0, err
    for trace in (alone, tmp_path / "e.csv"):
        code, out, err = cli("score", "spiral", str(trace), "--loops", "1", "--json")
        assert code == 0, err
        got = json.loads(out)["summary"]
        assert got["skipped"] == [], trace                        # each foot from the sensors' forces
        assert got["score"] == pytest.approx(recorded["score"], abs=0.5), trace
        assert [lp["score"] for lp in got["loops"]] == pytest.approx([lp["score"] for lp in recorded["loops"]], abs=1.0)
        assert got["trace"]["centre_mm"] == pytest.approx(recorded["centre_mm"], abs=0.2)


def _close(a, b, where="summary"):
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert abs(a - b) <= 1e-6, where
    else:
        assert a == b, where


def test_the_registry_has_one_entry_per_drill_with_named_checks():
    assert "spiral" in SCORERS
    for name, sc in SCORERS.items():
        assert sc.drill == name and (sc.trace_scorer or drills.get(name))   # reach: a trace-only drill
        assert all(c.needs and c.what for c in sc.checks)
