"""Preparing a CoP series (trainer.analysis.quijoux): the net CoP of two feet, SWARII against its
definition, the spike purge and the Quijoux pipeline's steps."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trainer.analysis.test_sway import random_walk
from trainer.analysis import quijoux


# --------------------------------------------------------------------------- per-foot -> net CoP
def test_net_cop_is_the_load_weighted_mean():
    cl = np.array([[-100.0, 10.0], [-100.0, 10.0], [-90.0, 0.0], [np.nan, np.nan], [0.0, 0.0]])
    cr = np.array([[100.0, -10.0], [100.0, -10.0], [np.nan, np.nan], [110.0, 5.0], [1.0, 1.0]])
    fl = np.array([300.0, 100.0, 500.0, 0.0, 0.0])
    fr = np.array([300.0, 300.0, 0.0, 400.0, 0.0])
    net = quijoux.net_cop(cl, fl, cr, fr)
    assert net[0] == pytest.approx([0.0, 0.0])
    assert net[1] == pytest.approx([50.0, -5.0])
    assert net[2] == pytest.approx([-90.0, 0.0])      # right foot lifted: its missing CoP is ignored
    assert net[3] == pytest.approx([110.0, 5.0])
    assert np.isnan(net[4]).all()                      # nobody on the mat: NaN, never (0, 0)
    loaded_but_no_cop = quijoux.net_cop(cl[3:4], np.array([10.0]), cr[3:4], np.array([400.0]))
    assert np.isnan(loaded_but_no_cop).all()
    with pytest.raises(ValueError):
        quijoux.net_cop(cl[:, 0], fl, cr, fr)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000))
def test_net_cop_lies_between_the_feet(seed):
    rng = np.random.default_rng(seed)
    cl = rng.normal(-100, 20, (50, 2))
    cr = rng.normal(100, 20, (50, 2))
    fl, fr = rng.uniform(0.1, 500, 50), rng.uniform(0.1, 500, 50)
    net = quijoux.net_cop(cl, fl, cr, fr)
    w = (fl / (fl + fr))[:, None]
    assert np.allclose(net, w * cl + (1 - w) * cr)
    assert np.all(np.minimum(cl[:, 0], cr[:, 0]) <= net[:, 0] + 1e-9)
    assert np.all(net[:, 0] <= np.maximum(cl[:, 0], cr[:, 0]) + 1e-9)


# --------------------------------------------------------------------------- SWARII and the pipeline
def swarii_by_the_definition(t, s, rate=25.0, window=0.08):
    """SWARII written out sample by sample from Audiffren & Contal 2016 (the oracle)."""
    h = 0.5 * (window - 1e-6)
    c = max(0.0, t[0])
    out_t, out = [], []
    while c < t[-1]:
        rel = [i for i in range(len(t)) if abs(t[i] - c) < h]
        if len(rel) == 1:
            out_t.append(c)
            out.append(s[rel[0]])
        elif rel:
            num = 0.0
            den = 0.0
            for k, i in enumerate(rel):
                left = max(t[0], c - h) if (k == 0 or i == 0) else 0.5 * (t[i] + t[i - 1])
                right = min(t[-1], c + h) if k == len(rel) - 1 else 0.5 * (t[i + 1] + t[i])
                num += s[i] * (right - left)
                den += right - left
            out_t.append(c)
            out.append(num / den)
        c += 1.0 / rate
    return np.array(out_t), np.array(out)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([50.0, 100.0, 200.0]))
def test_swarii_matches_its_definition_on_jittered_samples(seed, fs):
    rng = np.random.default_rng(seed)
    n = 300
    t = np.sort(np.arange(n) / fs + rng.uniform(-0.3, 0.3, n) / fs) + 0.01
    t = t[np.concatenate(([True], np.diff(t) > 1e-6))]
    s = np.cumsum(rng.normal(0, 1, t.size))
    to, so = quijoux.swarii(t, s)
    te, se = swarii_by_the_definition(t, s)
    assert to.size == te.size
    assert np.allclose(to, te, atol=1e-12)
    assert np.allclose(so, se, rtol=1e-12, atol=1e-12)


def test_swarii_of_a_line_is_the_line_inside():
    t = np.arange(1000) / 100.0
    to, so = quijoux.swarii(t, 3.0 * t + 1.0, rate_hz=25.0)
    inside = (to > 0.1) & (to < t[-1] - 0.1)
    assert np.allclose(so[inside], 3.0 * to[inside] + 1.0, atol=1e-9)
    assert np.allclose(np.diff(to), 0.04)


def test_swarii_fills_an_empty_window_by_interpolation():
    t = np.concatenate([np.arange(0, 200), np.arange(230, 400)]) / 100.0   # 0.3 s without samples
    to, so = quijoux.swarii(t, 2.0 * t, rate_hz=25.0)
    assert np.allclose(np.diff(to), 0.04)
    assert np.all(np.isfinite(so))
    h = 0.5 * (0.08 - 1e-6)
    empty = np.array([not np.any(np.abs(t - c) < h) for c in to])
    assert empty.sum() == 6                                  # windows centred in 2.03 … 2.26 s
    i, j = np.flatnonzero(empty)[0] - 1, np.flatnonzero(empty)[-1] + 1
    line = so[i] + (so[j] - so[i]) * (to[i:j + 1] - to[i]) / (to[j] - to[i])
    assert np.allclose(so[i:j + 1], line, atol=1e-12)
    far = (to > 0.1) & (to < 3.9) & ((to < 1.9) | (to > 2.4))
    assert np.allclose(so[far], 2.0 * to[far], atol=1e-9)


def test_purge_drops_the_ends_the_start_and_a_spike():
    t = np.arange(100) / 100.0
    s = np.zeros((100, 2))
    s[50] = [30.0, 0.0]          # a one-sample spike of 30 mm that comes back
    s[70:73] = [[25.0, 0.0]] * 3  # a step that stays: not a spike
    s[73:] = [25.0, 0.0]
    tp, sp, spikes = quijoux.purge_artefacts(t, s)
    assert spikes == 1
    assert tp[0] == pytest.approx(0.1) and tp[-1] == pytest.approx(0.98)
    assert 0.5 not in np.round(tp, 6)
    assert np.round(0.7, 6) in np.round(tp, 6)
    assert tp.size == 100 - 10 - 1 - 1


def test_quijoux_pipeline_steps_and_rate():
    x, y = random_walk(2, n=8000, scale=0.05)
    px, py, fs, info = quijoux.quijoux_pipeline(x, y, 100.0)
    assert fs == 25.0
    assert info["purge"]["samples_in"] == 3000 and info["resample"]["samples_out"] == px.size
    assert px.size == 748          # 0.1 s … 29.98 s in 0.04 s steps, as the reference code
    with pytest.raises(ValueError):
        quijoux.quijoux_pipeline(x[:5000], y[:5000], 100.0)
    with pytest.raises(ValueError):
        quijoux.apply_pipeline("smooth", x, y, 100.0)
    rx, ry, rfs, rinfo = quijoux.apply_pipeline("raw", x, y, 100.0)
    assert rfs == 100.0 and rinfo["name"] == "raw" and np.array_equal(rx, x)
