"""Target zones (METRICS.md "Reach drills: target zones"): scripted traces with known entries,
exits and holds give exact figures; gaps are flagged and never bridged; figures are bounded."""
import numpy as np
import pytest

from trainer.analysis.zones import bounded_dc, bounded_speed, presentations, score_zones

FS = 100.0


def trace(pieces, fs=FS):
    """(t, cop, centre, radius) from pieces (samples, cop xy, target xy or None, radius)."""
    t, cop, cen, rad = [], [], [], []
    k = 0
    for n, xy, tgt, r in pieces:
        for _ in range(n):
            t.append(k / fs)
            cop.append(xy)
            cen.append(tgt if tgt is not None else (np.nan, np.nan))
            rad.append(r)
            k += 1
    return np.array(t), np.array(cop, float), np.array(cen, float), np.array(rad, float)


A, B, C, D = (100.0, 0.0), (0.0, 100.0), (-100.0, 0.0), (0.0, -100.0)


def scripted():
    return trace([
        # presentation 1: target A; enter at 1.0 s, 0.5 s in, out, 1.5 s in, overshoot 15 mm, 0.4 s in, home
        (100, (0, 0), A, 10), (50, (100, 0), A, 10), (50, (80, 0), A, 10), (150, (105, 0), A, 10),
        (10, (125, 0), A, 10), (40, (98, 3), A, 10), (100, (0, 0), A, 10),
        # presentation 2: target B, never reached
        (300, (0, 0), B, 10),
        # presentation 3: target C, entered at 1.0 s and held to the end (2.0 s)
        (100, (0, 0), C, 10), (200, (-95, 5), C, 10),
        # no target shown for 1 s, then presentation 4: D, entered after 0.5 s, 0.25 s stay, home
        (100, (0, 0), None, np.nan), (50, (0, 0), D, 12), (25, (0, -90), D, 12), (75, (0, 0), D, 12),
    ])


def test_a_scripted_trace_gives_exact_hits_dwell_crossings_and_time_to_target():
    t, cop, cen, rad = scripted()
    s = score_zones(t, cop, cen, rad, hold_s=1.0, fs=FS)
    got = [(r["hit"], r["time_to_target_s"], r["dwell_s"], r["success"], r["crossings"], r["overshoot_mm"], r["gaps"])
           for r in s["targets"]]
    assert got == [
        (True, 1.0, 1.5, True, 2, 15.0, 0),
        (False, None, 0.0, False, 0, 0.0, 0),
        (True, 1.0, 2.0, True, 0, 0.0, 0),
        (True, 0.5, 0.25, False, 0, 0.0, 0),
    ]
    assert [r["start_s"] for r in s["targets"]] == [0.0, 5.0, 8.0, 12.0]
    assert (s["hits"], s["successes"], s["crossings"]) == (3, 2, 2)
    assert s["biodex_score"] == pytest.approx((3 - 2) / 3, abs=1e-3)


def test_hold_time_decides_success():
    t, cop, cen, rad = scripted()
    assert score_zones(t, cop, cen, rad, hold_s=0.25, fs=FS)["successes"] == 3
    assert score_zones(t, cop, cen, rad, hold_s=1.6, fs=FS)["successes"] == 1
    assert score_zones(t, cop, cen, rad, hold_s=2.5, fs=FS)["successes"] == 0


def test_a_new_presentation_starts_when_the_target_moves():
    t, cop, cen, rad = trace([(10, (0, 0), A, 10), (10, (0, 0), (101.0, 0.0), 10), (10, (0, 0), (101.0, 0.0), 11),
                              (5, (0, 0), None, np.nan), (10, (0, 0), A, 10)])
    assert [(s.start, s.stop) for s in presentations(cen, rad)] == [(0, 10), (10, 20), (20, 30), (35, 45)]


def test_no_hit_no_biodex_score():
    t, cop, cen, rad = trace([(200, (0, 0), A, 10)])
    s = score_zones(t, cop, cen, rad, hold_s=1.0)
    assert s["hits"] == 0 and s["biodex_score"] is None and s["targets"][0]["time_to_target_s"] is None


def _with_gap(t, cop, cen, rad, t0, seconds):
    keep = (t < t0) | (t >= t0 + seconds - 1e-9)
    return t[keep], cop[keep], cen[keep], rad[keep]


def test_a_half_second_gap_is_flagged_and_never_bridged():
    # 4 s at target A: home for 1 s, then inside; 0.5 s of data lost at 2.0 s, inside again after
    t, cop, cen, rad = _with_gap(*trace([(100, (0, 0), A, 10), (300, (100, 0), A, 10)]), 2.0, 0.5)
    r = score_zones(t, cop, cen, rad, hold_s=1.0, fs=FS)["targets"][0]
    assert r["gaps"] == 1 and any("gap" in f for f in r["flags"])
    assert r["hit"] and r["time_to_target_s"] == 1.0
    assert r["dwell_s"] == 1.5              # 2.5 s .. 4.0 s; the stay is not run across the gap (1.0 .. 4.0)
    assert r["crossings"] == 0              # inside before and after the gap: no leave seen
    assert r["success"]
    # speed over the steps without a gap only: 100 mm over 3.99 s less the 0.51 s step across the gap
    assert r["mean_speed_mm_s"] == pytest.approx(100 / 3.48, abs=0.05)


def test_velocity_across_a_gap_is_excluded_and_bounded():
    # a slow move (50 mm/s) with a 0.5 s gap across which the CoP seems to jump 650 mm
    t = np.arange(0, 4, 0.01)
    x = 50.0 * t
    x[t >= 2.5] += 650.0
    cop = np.c_[x, np.zeros_like(x)]
    keep = (t < 2.0) | (t >= 2.5 - 1e-9)
    v, flags = bounded_speed(t[keep], cop[keep], FS)
    assert v == pytest.approx(50.0, rel=1e-6) and flags == []
    bridged = np.hypot(*np.diff(cop[keep], axis=0).T).sum() / (t[keep][-1] - t[keep][0])
    assert bridged > 200                    # what a straight-line bridge would have said
    # a gap is found without being told the rate
    v2, _ = bounded_speed(t[keep], cop[keep])
    assert v2 == pytest.approx(50.0, rel=1e-6)


def test_figures_outside_physical_bounds_are_refused_with_a_flag():
    t = np.arange(0, 1, 0.01)
    cop = np.c_[1500.0 * t, np.zeros_like(t)]
    v, flags = bounded_speed(t, cop, FS)
    assert v is None and "1500" in flags[0]
    assert bounded_dc(-120.0) == (None, ["directional_control_pct refused: -120 % is below -100 %"])
    assert bounded_dc(-40.0) == (-40.0, [])


def test_undefined_cop_is_never_inside():
    t, cop, cen, rad = trace([(50, (0, 0), A, 10), (50, (np.nan, np.nan), A, 10), (50, (100, 0), A, 10)])
    r = score_zones(t, cop, cen, rad, hold_s=0.2, fs=FS)["targets"][0]
    assert r["time_to_target_s"] == 1.0 and r["dwell_s"] == 0.5
