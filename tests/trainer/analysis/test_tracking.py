"""The pure tracking measures: gain and phase at a harmonic, the lag search and its pinned flag,
the direction verdict, coherence, inter-loop phase coherence (Rayleigh) and the F-test."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.analysis import tracking as tr

P = 10.0
FS = 50.0


def eight(t):
    """A figure-eight: x at f0, y at 2 f0 with a second harmonic so it is not time-symmetric."""
    w = 2 * np.pi * np.asarray(t) / P
    return np.stack([40 * np.sin(w), 30 * np.sin(2 * w) + 10 * np.cos(4 * w + 0.7)], axis=1)


def test_gain_and_phase_at_each_axis_harmonic():
    t = np.arange(0, P, 1 / FS)
    cop = 0.5 * eight(t - 1.0)                  # half size, 1 s late
    gp = tr.gain_phase(t, cop, eight(t), P)
    assert gp["x"]["harmonic"] == 1 and gp["y"]["harmonic"] == 2
    assert gp["x"]["gain"] == pytest.approx(0.5, abs=0.01) and gp["y"]["gain"] == pytest.approx(0.5, abs=0.02)
    assert gp["x"]["phase_deg"] == pytest.approx(-36.0, abs=0.5)       # 1 s of a 10 s loop
    assert gp["y"]["phase_deg"] == pytest.approx(-72.0, abs=0.5)       # 2 f0: twice the angle
    assert gp["x"]["phase_s"] == pytest.approx(-1.0, abs=0.02) and gp["y"]["phase_s"] == pytest.approx(-1.0, abs=0.02)


def test_lag_search_covers_half_a_period_and_flags_a_pinned_lag():
    t = np.arange(0, P, 1 / FS)
    for lag in (0.4, 2.0, -1.5, 4.5):
        got, corr, pinned = tr.lag_search(t, eight(t - lag), eight, P)
        assert got == pytest.approx(lag, abs=P / 240 + 1e-9) and not pinned and corr > 1.9
    # half a period late: the best lag is at the edge of the search, flagged, never a number
    got, _, pinned = tr.lag_search(t, eight(t - P / 2), eight, P)
    assert pinned and abs(got) == pytest.approx(P / 2)


def test_direction_verdict():
    t = np.arange(0, P, 1 / FS)
    fwd = tr.lag_search(t, eight(t - 0.5), eight, P)[1]
    rev = tr.lag_search(t, eight(t - 0.5), eight, P, reverse=True)[1]
    assert tr.direction_verdict(fwd, rev) == "right way round"
    back = eight(-t)
    fwd = tr.lag_search(t, back, eight, P)[1]
    rev = tr.lag_search(t, back, eight, P, reverse=True)[1]
    assert tr.direction_verdict(fwd, rev) == "wrong way round"
    assert tr.direction_verdict(0.4, 0.35) == "unclear"


def test_session_measures_need_their_minimum_loops():
    assert tr.coherence([(1 + 0j, 1 + 0j)] * 2) is None
    assert tr.phase_coherence([10.0, 12.0]) is None
    assert tr.coherence([(1 + 0j, 1 + 0j), (0.9 + 0.1j, 1 + 0j), (1.1 - 0.1j, 1 + 0j)]) > 0.95
    rng = np.random.default_rng(1)
    locked = tr.phase_coherence(list(rng.normal(-20, 5, 6)))
    scattered = tr.phase_coherence(list(rng.uniform(-180, 180, 6)))
    assert locked["above_chance"] and locked["value"] > 0.9
    assert scattered["value"] < locked["value"]
    # Zar's table: critical R for n = 10 at alpha 0.05 is sqrt(2.910 / 10)
    assert tr.rayleigh_level(10) == pytest.approx(np.sqrt(2.910 / 10), abs=0.005)


def test_following_at_all_f_test():
    t = np.arange(0, 3 * P, 1 / FS)
    rng = np.random.default_rng(2)
    follow = eight(t) + rng.normal(0, 5, (t.size, 2))
    out = tr.session_measures([], [], follow, FS, 3)
    assert out["following"]["following"] is True
    assert out["following"]["x"]["F_critical"] == pytest.approx(4 * (0.05 ** -0.25 - 1), abs=0.01)
    noise = np.cumsum(rng.normal(0, 1, (t.size, 2)), axis=0) * 0.3
    assert tr.session_measures([], [], noise, FS, 3)["following"]["following"] is False
    still = np.zeros((t.size, 2))
    assert tr.session_measures([], [], still, FS, 3)["following"]["following"] is False
    assert tr.session_measures([], [], follow[: int(2 * P * FS)], FS, 2)["following"] is None
