"""The numpy stand-ins for scipy on the live path agree with scipy: the first-order filters
(short or long, in one pass or block by block) and the periodic cubic spline of the paths."""
import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings, strategies as st

from firmware.dsp import butter1_lowpass, iir1, lowpass1


@pytest.mark.parametrize("fc,fs", [(2.0, 200.0), (10.0, 100.0), (0.5, 1000.0)])
def test_butterworth_coefficients_are_scipys(fc, fs):
    b, a = ss.butter(1, fc, fs=fs)
    assert np.allclose(butter1_lowpass(fc, fs), (b[0], b[1], a[1]), rtol=1e-12)
    with pytest.raises(ValueError):
        butter1_lowpass(fs / 2, fs)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), c=st.sampled_from([0.0, 1e-6, 0.3, -0.7, 0.939, 0.99995, 1.0]),
       seed=st.integers(0, 2 ** 16))
def test_iir1_is_lfilter(n, c, seed):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3)) * 50 + 20
    y0 = rng.normal(size=3)
    y = iir1(u, c, y0)
    if n:
        ref, _ = ss.lfilter([1.0], [1.0, -c], u, axis=0, zi=(c * y0)[None, :])
        assert np.allclose(y, ref, rtol=1e-10, atol=1e-9 * max(1.0, np.abs(ref).max()))
    assert y.shape == u.shape


def test_lowpass_block_by_block_is_one_pass_and_lfilter():
    b0, b1, a1 = butter1_lowpass(2.0, 200.0)
    x = np.random.default_rng(1).normal(size=(5000, 2)).cumsum(axis=0) + 100
    b, a = ss.butter(1, 2.0, fs=200.0)
    ref, _ = ss.lfilter(b, a, x, axis=0, zi=ss.lfilter_zi(b, a)[:, None] * x[0])
    whole = lowpass1(x, b0, b1, a1, x[0], x[0])
    assert np.allclose(whole, ref, rtol=1e-12)
    parts, xp, yp = [], x[0], x[0]
    for k in range(0, 5000, 7):
        y = lowpass1(x[k:k + 7], b0, b1, a1, xp, yp)
        parts.append(y)
        xp, yp = x[min(k + 7, 5000) - 1], y[-1]
    assert np.allclose(np.concatenate(parts), ref, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 2 ** 16))
def test_periodic_cubic_is_scipys(n, seed):
    from scipy.interpolate import CubicSpline

    from trainer.drills.targets import periodic_cubic

    rng = np.random.default_rng(seed)
    x = np.concatenate([[0.0], np.cumsum(rng.uniform(5, 80, n))])
    y = rng.normal(size=(n + 1, 2)) * 40
    y[-1] = y[0]
    u = np.concatenate([np.linspace(0, x[-1], 500), x])
    ref = CubicSpline(x, y, bc_type="periodic")(u)
    assert np.allclose(periodic_cubic(x, y, u), ref, atol=1e-9 * max(1.0, np.abs(ref).max()))
