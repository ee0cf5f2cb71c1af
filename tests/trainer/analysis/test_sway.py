"""Sway metrics (trainer.analysis.sway): known answers from the formulas and properties; the
published values of real recordings are tests/trainer/analysis/test_published.py."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.analysis import sway

CORE = ("ellipse95_area_mm2", "mean_velocity_mm_s", "mean_power_frequency_hz")


def circle(radius=5.0, f_hz=0.5, fs=100.0, cycles=30):
    n = int(round(cycles * fs / f_hz))
    t = np.arange(n) / fs
    return radius * np.cos(2 * np.pi * f_hz * t), radius * np.sin(2 * np.pi * f_hz * t), n


def random_walk(seed: int, n: int = 3000, scale: float = 0.3):
    rng = np.random.default_rng(seed)
    xy = np.cumsum(rng.normal(0.0, scale, (n, 2)), axis=0)
    return xy[:, 0], xy[:, 1]


# --------------------------------------------------------------------------- known answers
def test_f_quantile_closed_form_matches_scipy():
    from scipy.stats import f

    for d2 in (1, 2, 5, 30, 748, 5998, 719998):
        assert sway.f_quantile_2(0.95, d2) == pytest.approx(f.ppf(0.95, 2, d2), rel=1e-10)
    assert math.isnan(sway.f_quantile_2(0.95, 0))


def test_circle_known_answers():
    r, f, fs = 5.0, 0.5, 100.0
    x, y, n = circle(r, f, fs)
    m = sway.sway_metrics(x, y, fs)
    step = 2 * np.pi * f / fs
    assert m["n_samples"] == n and m["n_excluded"] == 0 and m["duration_s"] == pytest.approx(n / fs)
    assert m["mean_distance_mm"] == pytest.approx(r, rel=1e-12)
    assert m["rms_distance_mm"] == pytest.approx(r, rel=1e-12)
    assert m["rms_x_mm"] == pytest.approx(r / math.sqrt(2), rel=1e-12)
    assert m["rms_y_mm"] == pytest.approx(r / math.sqrt(2), rel=1e-12)
    assert m["range_x_mm"] == pytest.approx(2 * r, rel=1e-12)
    assert m["range_y_mm"] == pytest.approx(2 * r, rel=1e-12)
    chord = 2 * r * math.sin(step / 2)
    assert m["path_length_mm"] == pytest.approx((n - 1) * chord, rel=1e-12)
    assert m["mean_velocity_mm_s"] == pytest.approx((n - 1) * chord / (n / fs), rel=1e-12)
    # each step sweeps a triangle of area r² sin(step)/2 about the centre; T = (n-1)/fs
    assert m["sway_area_per_s_mm2_s"] == pytest.approx(r * r * math.sin(step) * fs / 2, rel=1e-12)
    assert m["mean_frequency_hz"] == pytest.approx(m["mean_velocity_mm_s"] / (2 * math.pi * r), rel=1e-12)
    assert m["mean_frequency_hz"] == pytest.approx(f, rel=2e-3)
    # cov = diag(r²/2 · n/(n-1)) → area = π r² F (n+1)/(n-2)
    expected = math.pi * r * r * sway.f_quantile_2(0.95, n - 2) * (n + 1) / (n - 2)
    assert m["ellipse95_area_mm2"] == pytest.approx(expected, rel=1e-12)
    # a pure tone on a Welch bin: the Hann window spreads it symmetrically, so the mean is f
    assert m["mean_power_frequency_hz"] == pytest.approx(f, rel=1e-9)


def test_straight_line_at_constant_speed():
    fs, v, n = 50.0, 4.0, 1000
    x = v * np.arange(n) / fs
    y = np.zeros(n)
    m = sway.sway_metrics(x, y, fs)
    assert m["path_length_mm"] == pytest.approx(v * (n - 1) / fs, rel=1e-12)
    assert m["mean_velocity_mm_s"] == pytest.approx(v * (n - 1) / n, rel=1e-12)
    assert m["mean_velocity_x_mm_s"] == pytest.approx(m["mean_velocity_mm_s"], rel=1e-12)
    assert m["mean_velocity_y_mm_s"] == 0.0
    assert m["ellipse95_area_mm2"] == 0.0                 # all on one line
    assert m["sway_area_per_s_mm2_s"] == pytest.approx(0.0, abs=1e-9)
    assert m["rms_y_mm"] == 0.0 and m["range_y_mm"] == 0.0
    assert m["range_x_mm"] == pytest.approx(v * (n - 1) / fs, rel=1e-12)
    assert m["rms_x_mm"] == pytest.approx(v / fs * math.sqrt((n * n - 1) / 12), rel=1e-12)
    assert m["mean_distance_x_mm"] == pytest.approx(v / fs * n / 4, rel=1e-3)
    assert math.isnan(m["mean_frequency_y_hz"])           # no movement in y: 0/0, reported as NaN
    # per axis: mean|v| / (4√2·mean|x|) with mean|v| = v and mean|x| = (n/4)/fs·v
    assert m["mean_frequency_x_hz"] == pytest.approx(v / (4 * math.sqrt(2) * m["mean_distance_x_mm"]), rel=1e-12)


def test_axis_forms_match_their_definitions_on_a_random_walk():
    x, y = random_walk(3)
    fs = 100.0
    m = sway.sway_metrics(x, y, fs)
    xc, yc = x - x.mean(), y - y.mean()
    assert m["mean_frequency_x_hz"] == pytest.approx(
        np.abs(np.diff(x)).mean() * fs / (4 * math.sqrt(2) * np.abs(xc).mean()), rel=1e-12)
    assert m["mean_frequency_y_hz"] == pytest.approx(sway.mean_frequency_axis(y, fs), rel=1e-12)
    assert m["sway_area_per_s_mm2_s"] == pytest.approx(sway.sway_area_per_s(x, y, fs), rel=1e-12)
    assert m["ellipse95_area_mm2"] == pytest.approx(sway.ellipse95_area(x, y), rel=1e-12)
    assert m["mean_velocity_mm_s"] == pytest.approx(sway.mean_velocity(x, y, fs), rel=1e-12)
    assert m["path_length_mm"] == pytest.approx(sway.path_length(x, y), rel=1e-12)
    assert m["mean_distance_mm"] == pytest.approx(sway.mean_distance(x, y), rel=1e-12)
    assert m["rms_distance_mm"] == pytest.approx(sway.rms_distance(x, y), rel=1e-12)
    assert m["mean_frequency_hz"] == pytest.approx(sway.mean_frequency(x, y, fs), rel=1e-12)
    assert m["mean_power_frequency_hz"] == pytest.approx(sway.mean_power_frequency(x, y, fs), rel=1e-12)
    # the ellipse against an independent eigenvalue form with the same factor
    n = x.size
    lam = np.linalg.eigvalsh(np.cov(x, y, ddof=1))
    area = math.pi * math.sqrt(lam[0] * lam[1]) * sway.f_quantile_2(0.95, n - 2) * 2 * (n - 1) * (n + 1) / (n * (n - 2))
    assert m["ellipse95_area_mm2"] == pytest.approx(area, rel=1e-9)


def test_mean_power_frequency_matches_a_direct_welch():
    from scipy.signal import welch

    x, y = random_walk(5, n=2001)
    fs = 100.0
    num = den = 0.0
    for v in (x, y):
        f, p = welch(v, fs, "hann", nperseg=1000, noverlap=500, nfft=1000, detrend="constant")
        mpf = np.sum((f * p)[1:] + (f * p)[:-1]) / np.sum(p[1:] + p[:-1])
        num += mpf * p.sum()
        den += p.sum()
    assert sway.mean_power_frequency(x, y, fs) == pytest.approx(num / den, rel=1e-12)


def test_every_metric_has_a_method_and_a_unit_in_its_name():
    units = {"mm2": "mm²", "mm": "mm", "hz": "Hz", "mm_s": "mm/s", "mm2_s": "mm²/s"}
    for name, unit in sway.METRIC_UNITS.items():
        assert name in sway.METHODS and sway.METHODS[name]["definition"]
        assert any(name.endswith("_" + suf) and units[suf] == unit for suf in units), name
    m = sway.sway_metrics(*random_walk(1, 100), 100.0)
    assert set(sway.METRIC_UNITS) <= set(m)
    for required in ("ellipse95_area_mm2", "mean_velocity_mm_s", "mean_power_frequency_hz", "path_length_mm",
                     "mean_distance_mm", "rms_distance_mm", "rms_x_mm", "rms_y_mm", "range_x_mm", "range_y_mm",
                     "sway_area_per_s_mm2_s", "mean_frequency_hz", "mean_frequency_x_hz", "mean_frequency_y_hz"):
        assert required in m


# --------------------------------------------------------------------------- missing samples
def test_nan_rows_are_removed_counted_and_not_bridged():
    x, y = random_walk(7, n=500)
    fs = 100.0
    xn, yn = x.copy(), y.copy()
    xn[100] = np.nan
    yn[250:253] = np.nan
    m = sway.sway_metrics(xn, yn, fs)
    keep = np.isfinite(xn) & np.isfinite(yn)
    assert m["n_excluded"] == 4 and m["n_samples"] == 496
    # differences only between originally adjacent samples
    steps = np.hypot(np.diff(x), np.diff(y))
    adjacent = keep[1:] & keep[:-1]
    assert m["path_length_mm"] == pytest.approx(steps[adjacent].sum(), rel=1e-12)
    assert m["mean_velocity_mm_s"] == pytest.approx(steps[adjacent].sum() / (496 / fs), rel=1e-12)
    assert m["ellipse95_area_mm2"] == pytest.approx(sway.ellipse95_area(x[keep], y[keep]), rel=1e-12)
    assert m["rms_distance_mm"] == pytest.approx(sway.rms_distance(x[keep], y[keep]), rel=1e-12)
    assert all(math.isfinite(m[k]) for k in sway.METRIC_UNITS)


def test_too_few_samples_give_nan_not_an_error():
    m = sway.sway_metrics([1.0, np.nan, 2.0], [0.0, 0.0, np.nan], 100.0)
    assert m["n_samples"] == 1 and m["n_excluded"] == 2
    assert all(math.isnan(m[k]) for k in sway.METRIC_UNITS)
    m = sway.sway_metrics([], [], 100.0)
    assert m["n_samples"] == 0


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError):
        sway.sway_metrics([1.0, 2.0], [1.0], 100.0)
    with pytest.raises(ValueError):
        sway.sway_metrics([1.0, 2.0], [1.0, 2.0], 0.0)


# --------------------------------------------------------------------------- properties
walks = st.builds(random_walk, st.integers(0, 10_000), st.integers(40, 400), st.floats(0.05, 3.0))
LENGTHS = ("mean_distance_mm", "rms_distance_mm", "rms_x_mm", "rms_y_mm", "range_x_mm", "range_y_mm",
           "path_length_mm", "mean_velocity_mm_s", "mean_distance_x_mm", "mean_distance_y_mm",
           "mean_velocity_x_mm_s", "mean_velocity_y_mm_s")
AREAS = ("ellipse95_area_mm2", "sway_area_per_s_mm2_s")
FREQS = ("mean_frequency_hz", "mean_frequency_x_hz", "mean_frequency_y_hz", "mean_power_frequency_hz")


@settings(max_examples=40, deadline=None)
@given(walks, st.floats(-500, 500), st.floats(-500, 500), st.floats(0.1, 20))
def test_translation_and_scale(xy, dx, dy, s):
    x, y = xy
    a = sway.sway_metrics(x, y, 100.0)
    b = sway.sway_metrics(s * x + dx, s * y + dy, 100.0)
    for k in LENGTHS:
        assert b[k] == pytest.approx(s * a[k], rel=1e-7, abs=1e-9)
    for k in AREAS:
        assert b[k] == pytest.approx(s * s * a[k], rel=1e-6, abs=1e-9)
    for k in FREQS:
        assert b[k] == pytest.approx(a[k], rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(walks, st.floats(0, 2 * math.pi))
def test_rotation_invariant_metrics(xy, angle):
    x, y = xy
    c, s = math.cos(angle), math.sin(angle)
    a = sway.sway_metrics(x, y, 100.0)
    b = sway.sway_metrics(c * x - s * y, s * x + c * y, 100.0)
    for k in ("ellipse95_area_mm2", "mean_velocity_mm_s", "path_length_mm", "mean_distance_mm", "rms_distance_mm",
              "sway_area_per_s_mm2_s", "mean_frequency_hz"):
        assert b[k] == pytest.approx(a[k], rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(walks, st.integers(0, 50), st.integers(0, 50))
def test_nan_padding_at_the_ends_changes_nothing_but_the_count(xy, before, after):
    x, y = xy
    pad = lambda v: np.concatenate([np.full(before, np.nan), v, np.full(after, np.nan)])  # noqa: E731
    a = sway.sway_metrics(x, y, 100.0)
    b = sway.sway_metrics(pad(x), pad(y), 100.0)
    assert b["n_excluded"] == before + after
    for k in sway.METRIC_UNITS:
        assert b[k] == pytest.approx(a[k], rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(walks)
def test_time_reversal_and_axis_swap(xy):
    x, y = xy
    a = sway.sway_metrics(x, y, 100.0)
    r = sway.sway_metrics(x[::-1], y[::-1], 100.0)
    for k in sway.METRIC_UNITS:
        if k == "mean_power_frequency_hz":
            continue        # Welch's periodic Hann window is not symmetric in time
        assert r[k] == pytest.approx(a[k], rel=1e-9, abs=1e-12)
    s = sway.sway_metrics(y, x, 100.0)
    for k in ("ellipse95_area_mm2", "mean_velocity_mm_s", "mean_power_frequency_hz", "mean_distance_mm"):
        assert s[k] == pytest.approx(a[k], rel=1e-9)
    assert s["rms_x_mm"] == pytest.approx(a["rms_y_mm"], rel=1e-12)
    assert s["mean_frequency_x_hz"] == pytest.approx(a["mean_frequency_y_hz"], rel=1e-12)
