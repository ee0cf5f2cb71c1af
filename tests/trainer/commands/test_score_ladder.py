"""A graded ladder of scripted spiral traces, scored through `footmat score`: its order and the
bands of METRICS.md ("What a score must do")."""
from __future__ import annotations

import json

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer import drills

from .test_score import write_csv

CENTRE = (0.0, 118.0)


def _drill(period=12.0, loops=3):
    d = drills.get("spiral")
    run = d.make(d.resolve({"period": period, "loops": loops}))
    run.build(load_layout("default-6"), np.array(CENTRE), None)
    return run


def _sway(n, rms_mm, seed, pole=0.97):
    """Low-frequency sway (AR(1) noise) of the given rms per axis."""
    from scipy.signal import lfilter

    e = lfilter([1.0], [1.0, -pole], np.random.default_rng(seed).normal(0, 1, (n, 2)), axis=0)
    return e * rms_mm / e.std(axis=0)


def make_trace(tmp_path, name, *, period=12.0, lag=0.0, size=1.0, sway=0.0, reverse=False, still=False,
               share=1.0, skip=None, random_mm=None, seed=1, per_foot=True):
    """A trace file of a person doing the drill's own spiral on the feet, degraded as asked."""
    run = _drill(period)
    p = run.path
    a = np.arange(0, run.active_duration_s, 0.02)
    aa = (-a if reverse else a) - lag
    s = p.share_on("left", aa)
    lc, rc = p.foot_cop("left", aa), p.foot_cop("right", aa)
    s = 0.5 + (s - 0.5) * share * size
    for c, f in ((lc, "left"), (rc, "right")):
        m = p.zones[f].xy.mean(axis=0)
        c[:] = m + (c - m) * size
    if skip:                      # the foot turns back at the ball instead of rolling on to the toes
        z = p.zones[skip].xy
        c = lc if skip == "left" else rc
        beyond = (c - z[1]) @ (z[2] - z[1]) > 0
        c[beyond] = z[1]
    if still:
        s = np.full_like(s, 0.5)
        lc[:] = p.zones["left"].rest
        rc[:] = p.zones["right"].rest
    if random_mm:                  # wanders about, whatever the target does
        s = 0.5 + 0.1 * _sway(a.size, 1.0, seed + 7)[:, 0]
        lc[:] = p.zones["left"].rest + _sway(a.size, random_mm, seed + 1)
        rc[:] = p.zones["right"].rest + _sway(a.size, random_mm, seed + 2)
    if sway:
        e = _sway(a.size, sway, seed)
        lc, rc = lc + e, rc + e
    wb = s[:, None] * lc + (1 - s[:, None]) * rc
    cols = {"cop_x_mm": wb[:, 0], "cop_y_mm": wb[:, 1], "left_pct": 100 * s}
    if per_foot:
        cols.update({"left_cop_x_mm": lc[:, 0], "left_cop_y_mm": lc[:, 1],
                     "right_cop_x_mm": rc[:, 0], "right_cop_y_mm": rc[:, 1]})
    return write_csv(tmp_path / f"{name}.csv", a, cols)


def score(cli, path, *extra) -> dict:
    code, out, err = cli("score", "spiral", str(path), "--json", "--centre", f"{CENTRE[0]},{CENTRE[1]}", *extra)
    assert code == 0, err
    return json.loads(out)["summary"]


GOOD = dict(lag=0.3, size=0.93, sway=2.0)
LADDER = [      # best first: each is a degradation of the one before (or of the good follower)
    ("perfect", {}),
    ("good follower", GOOD),
    ("good, 0.8 s late", {**GOOD, "lag": 0.8}),
    ("good, 1.5 s late", {**GOOD, "lag": 1.5}),
]
GROSS = [
    ("skips the left toes", {"skip": "left"}),
    ("wrong way round", {"reverse": True}),
    ("half size", {"size": 0.5}),
    ("stands still", {"still": True}),
    ("weight kept in the middle", {"share": 0.0}),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from tests.conftest import run_cli

    class _Cap:      # run_cli reads the captured output; a module fixture has no capsys
        def readouterr(self):
            import sys
            out, err = sys.stdout.getvalue(), sys.stderr.getvalue()
            sys.stdout.seek(0), sys.stdout.truncate(), sys.stderr.seek(0), sys.stderr.truncate()
            return out, err

    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("ladder")
    out = {}
    for name, kw in LADDER + GROSS + [("more sway", {**GOOD, "sway": 6.0}), ("smaller", {**GOOD, "size": 0.8}),
                                      ("random sway", {"random_mm": 15.0})]:
        path = make_trace(tmp, name.replace(" ", "_").replace(",", ""), **kw)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code, text, err = run_cli(_Cap(), "score", "spiral", str(path), "--json", "--centre",
                                      f"{CENTRE[0]},{CENTRE[1]}")
        assert code == 0, err
        out[name] = json.loads(text)["summary"]
    return out


def test_the_ladder_is_in_order_and_in_its_bands(scored):
    s = {k: v["score"] for k, v in scored.items()}
    print("ladder:", json.dumps(s))
    assert s["perfect"] >= 97
    assert 70 <= s["good follower"] <= 95
    ranked = [s[name] for name, _ in LADDER]
    assert ranked == sorted(ranked, reverse=True) and len(set(ranked)) == len(ranked), s
    assert s["good follower"] > s["more sway"] and s["good follower"] > s["smaller"], s
    for name, _ in GROSS:
        assert s[name] < 60, (name, s[name])
    assert s["random sway"] < 30, s


def test_no_ceiling_for_a_realistic_follower(scored):
    loops = [lp["score"] for lp in scored["good follower"]["loops"]]
    assert max(loops) < 100 and min(loops) >= 60


def test_the_gross_failures_are_named(scored):
    skip = scored["skips the left toes"]
    assert all(lp["roll_in_order"]["left"] is False for lp in skip["loops"])
    assert all(lp["roll_in_order"]["right"] for lp in skip["loops"])
    assert "left toes" in skip["feedback"]
    rev = scored["wrong way round"]
    assert all(lp["direction"] == "wrong way round" for lp in rev["loops"])
    assert "other way" in rev["feedback"]
    mid = scored["weight kept in the middle"]
    assert all(lp["transfer_ok"] is False for lp in mid["loops"])
    assert "70 %" in mid["feedback"]
    assert scored["stands still"]["following"]["following"] is False
    assert scored["random sway"]["following"]["following"] is False
    assert scored["perfect"]["following"]["following"] is True


def test_lag_counts_as_phase_of_the_loop(tmp_path, cli):
    by_period = {}
    for period in (8.0, 16.0):
        by_period[period] = score(cli, make_trace(tmp_path, f"late{period:g}", period=period, lag=1.0),
                                  "--period", str(period))
    assert by_period[16.0]["score"] > by_period[8.0]["score"]
    lp8, lp16 = by_period[8.0]["loops"][1], by_period[16.0]["loops"][1]
    assert lp8["lag_ms"] == pytest.approx(1000, abs=60) and lp16["lag_ms"] == pytest.approx(1000, abs=80)
    assert lp8["lag_phase_deg"] == pytest.approx(45, abs=3) and lp16["lag_phase_deg"] == pytest.approx(22.5, abs=2)


def test_smoothness_counts(tmp_path, cli):
    t = np.arange(0, 36, 0.02)
    run = _drill()
    xy = run.target(t)
    shaky = xy + 1.5 * np.sign(np.sin(2 * np.pi * 4 * t))[:, None]     # a 4 Hz tremor, 1.5 mm
    p = write_csv(tmp_path / "shaky.csv", t, {"cop_x_mm": shaky[:, 0], "cop_y_mm": shaky[:, 1]})
    q = write_csv(tmp_path / "plain.csv", t, {"cop_x_mm": xy[:, 0], "cop_y_mm": xy[:, 1]})
    a, b = score(cli, q), score(cli, p)
    assert all(lp["score_parts"]["smoothness"] < 0.95 for lp in b["loops"])
    assert b["score"] < a["score"]


def test_a_whole_body_trace_skips_the_foot_checks_and_never_fails_them(tmp_path, cli):
    s = score(cli, make_trace(tmp_path, "wb", skip="left", per_foot=False))
    assert {k["check"] for k in s["skipped"]} >= {"foot_roll", "visits"}
    assert all(lp["visits"] is None and lp["score_parts"]["visits"] == 1.0 for lp in s["loops"])


def test_the_feedback_is_plain(scored):
    for name, summ in scored.items():
        fb = summ["feedback"]
        n = fb.count(". ") + 1
        assert 2 <= n <= 4, (name, fb)
        assert "_" not in fb and "sparc" not in fb.lower() and "rms" not in fb.lower(), fb
