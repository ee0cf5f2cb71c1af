"""The calibration model's prior curve and the known-weight fit, from published FSR 402 points only.

The points are those of ../shared/HARDWARE.md ("Published curve points for an honest simulator",
Adafruit's FSR guide): 0.2 N → 30 kΩ, 1 N → 6 kΩ, 10 N → 1 kΩ, 100 N → 250 Ω. Nothing here reads
the simulator (firmware/sim/): the parts below are built from those points and HARDWARE.md's
description of how parts differ (exponent, break force, saturation as well as scale)."""
import numpy as np
import pytest

from calibration import fit, model, store
from firmware.errors import CalibrationError
from firmware.layout import load_layout

# HARDWARE.md, as (force N, resistance Ω): the test's own copy, so a changed constant in the
# model cannot carry the test along with it
HARDWARE_MD_POINTS_OHM = [(0.2, 30e3), (1.0, 6e3), (10.0, 1e3), (100.0, 250.0)]


def published_points_ms():
    return [(f, 1e3 / r) for f, r in HARDWARE_MD_POINTS_OHM]


def test_prior_is_the_fit_of_the_published_fsr402_points():
    pts = published_points_ms()
    assert np.allclose(model.PUBLISHED_FSR402_POINTS, pts)
    a, b, p, rms = model.fit_published_shape(pts)
    # the shipped constants are that fit, rounded
    assert model.PRIOR_SHAPE == pytest.approx((a, b, p), rel=0.01)
    assert store.nominal(load_layout()).shape == pytest.approx(model.PRIOR_SHAPE)
    assert rms < 0.05
    f = np.array([q[0] for q in pts])
    g = np.array([q[1] for q in pts])
    rel = model.shape_force(g, *model.PRIOR_SHAPE) / f - 1
    assert np.all(np.abs(rel) < 0.06)
    # the former prior (the simulator's curve) misses the published points by far more
    rel_old = model.shape_force(g, 15.81, 9.26, 4.0) / f - 1
    assert np.max(np.abs(rel_old)) > 0.5


def part_conductance_ms(force_n, *, scale=1.0, exponent=1.0, break_n=0.0):
    """Conductance (mS) of a part of the published family: the published curve interpolated in
    log–log, its exponent multiplied by ``exponent`` about 10 N (parts differ in shape),
    multiplied by ``scale``, and switch-like below its ``break_n`` (no conduction)."""
    pts = published_points_ms()
    lf = np.log([q[0] for q in pts])
    lg = np.log([q[1] for q in pts])
    f = np.asarray(force_n, float)
    lg_pub = np.interp(np.log(f), lf, lg)
    g10 = np.interp(np.log(10.0), lf, lg)
    g = scale * np.exp(g10 + exponent * (lg_pub - g10))
    return np.where(f > break_n, g, 0.0)


def test_known_weight_fit_follows_a_part_of_another_shape():
    """A part whose curve is not the prior times a scale: a flatter exponent (×0.8) and 20 % more
    conductance. Three known loads on its disc; the fitted part predicts held-out loads well,
    where the prior with a one-load gain (a pure scale) cannot."""
    shape = store.nominal(load_layout()).shape
    part = dict(scale=1.2, exponent=0.8, break_n=0.15)
    loads = np.array([3.0, 10.0, 30.0])
    held_out = np.array([2.0, 6.0, 15.0, 40.0])
    gain, sc, info = fit.fit_known_weight([np.array([part_conductance_ms(f, **part)]) for f in loads], loads, shape)
    assert max(abs(r) for r in info["residual_pct"]) < 8
    pred = gain * model.shape_force(part_conductance_ms(held_out, **part) / sc, *shape)
    err = np.abs(pred / held_out - 1)
    assert np.all(err < 0.08), err
    # one load only: the prior scaled to that load; the part's other shape shows at the others
    g1, s1, _ = fit.fit_known_weight([np.array([part_conductance_ms(10.0, **part)])], [10.0], shape)
    err1 = np.abs(g1 * model.shape_force(part_conductance_ms(held_out, **part) / s1, *shape) / held_out - 1)
    assert err1.max() > 2 * err.max() and err1.max() > 0.15
    # a part with the prior's own shape (exponent 1) but 20 % more sensitive: its scale is found
    _, sc_same, _ = fit.fit_known_weight([np.array([part_conductance_ms(f, scale=1.2)]) for f in loads], loads, shape)
    _, sc_ref, _ = fit.fit_known_weight([np.array([part_conductance_ms(f)]) for f in loads], loads, shape)
    assert sc_same / sc_ref == pytest.approx(1.2, rel=0.05)
    with pytest.raises(CalibrationError, match="did not respond"):
        fit.fit_known_weight([np.array([0.0])], [10.0], shape)
