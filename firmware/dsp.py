"""Butterworth designs and first-order recursive filters in numpy, for the live path.

``scipy.signal`` takes ~0.7 s to import (it pulls in scipy.stats and parses docstrings), which
the first frame of a drill cannot afford; the live path needs only first-order low-passes (the
still detector's 2 Hz Butterworth, the simulated FSRs' hysteresis and creep). :func:`iir1` runs
``y[k] = c·y[k-1] + u[k]``: sample by sample for a short block, and for a long array in chunks
whose zero-state response is one cumulative sum (the chunk length keeps ``|c|^-L`` below 1e4,
so the result agrees with ``scipy.signal.lfilter`` to ~1e-12 relative), carried from chunk to
chunk by a scan that doubles its reach each step.
"""
from __future__ import annotations

import math

import numpy as np

SHORT = 32            # up to this many samples: the plain recursion


def iir1(u: np.ndarray, c: float, y_prev) -> np.ndarray:
    """``y[k] = c*y[k-1] + u[k]`` along axis 0, from ``y[-1] = y_prev`` (broadcast to u[0])."""
    u = np.asarray(u, float)
    n = u.shape[0]
    y = np.empty_like(u)
    prev = np.broadcast_to(np.asarray(y_prev, float), u.shape[1:]).copy()
    if n == 0:
        return y
    if c == 0.0:
        y[:] = u
        return y
    if n <= SHORT:
        if u.ndim <= 2:
            # the same recursion in Python floats (IEEE doubles: the same bits as numpy's
            # float64 element by element), without numpy's per-call cost on a live block's rows
            cf = float(c)
            if u.ndim == 1:
                p, out = float(prev), []
                for v in u.tolist():
                    p = cf * p + v
                    out.append(p)
            else:
                ps, out = prev.tolist(), []
                for row in u.tolist():
                    ps = [cf * a + v for a, v in zip(ps, row)]
                    out.append(ps)
            y[:] = out
            return y
        for k in range(n):
            prev = c * prev + u[k]
            y[k] = prev
        return y
    ac = abs(c)
    L = 256 if ac >= 1.0 else int(min(256, max(1, math.log(1e4) / -math.log(ac))))
    m = -(-n // L)
    up = np.zeros((m * L,) + u.shape[1:])
    up[:n] = u
    U = up.reshape((m, L) + u.shape[1:])
    shape = (1, L) + (1,) * (u.ndim - 1)
    p = (c ** np.arange(L)).reshape(shape)
    Z = p * np.cumsum(U / p, axis=1)                  # each chunk from a zero state
    # each chunk's end: end[i] = Z[i, -1] + c^L·end[i-1] — a scan over the chunks by doubling
    ends = Z[:, -1].copy()
    ends[0] += c ** L * prev
    f, d = c ** L, 1
    while d < m:
        ends[d:] = ends[d:] + f * ends[:-d]
        f, d = f * f, 2 * d
    carry = np.concatenate([prev[None], ends[:-1]])
    Y = Z + (c ** np.arange(1, L + 1)).reshape(shape) * carry[:, None]
    y[:] = Y.reshape((m * L,) + u.shape[1:])[:n]
    return y


def butter_sections(fc_hz: float, fs_hz: float, order: int = 2) -> list[tuple[float, ...]]:
    """Biquads ``(b0, b1, b2, a1, a2)`` of a Butterworth low-pass (bilinear, pre-warped)."""
    if order < 2 or order % 2:
        raise ValueError(f"order must be an even number ≥ 2, not {order!r}")
    if not 0 < fc_hz < fs_hz / 2:
        raise ValueError(f"cut-off {fc_hz!r} Hz must lie between 0 and half the sample rate ({fs_hz / 2:g} Hz)")
    k = math.tan(math.pi * fc_hz / fs_hz)
    out = []
    for i in range(order // 2):
        q = 1.0 / (2.0 * math.sin((2 * i + 1) * math.pi / (2 * order)))
        norm = 1.0 / (1.0 + k / q + k * k)
        b0 = k * k * norm
        out.append((b0, 2 * b0, b0, 2 * (k * k - 1) * norm, (1 - k / q + k * k) * norm))
    return out


def butter1_lowpass(fc_hz: float, fs_hz: float) -> tuple[float, float, float]:
    """First-order Butterworth low-pass (bilinear transform): (b0, b1, a1) of
    ``y[k] = b0·x[k] + b1·x[k-1] - a1·y[k-1]`` — the same numbers as ``scipy.signal.butter(1, fc, fs=fs)``."""
    if not 0 < fc_hz < fs_hz / 2:
        raise ValueError(f"cut-off {fc_hz} Hz must be between 0 and half of {fs_hz} Hz")
    k = math.tan(math.pi * fc_hz / fs_hz)
    b = k / (1.0 + k)
    return b, b, (k - 1.0) / (k + 1.0)


def lowpass1(x: np.ndarray, b0: float, b1: float, a1: float, x_prev, y_prev) -> np.ndarray:
    """``y[k] = b0·x[k] + b1·x[k-1] - a1·y[k-1]`` along axis 0, continuing from the previous
    input ``x_prev`` and output ``y_prev`` (for a steady start at x[0]: both x[0])."""
    x = np.asarray(x, float)
    if not x.shape[0]:
        return x.copy()
    xm1 = np.concatenate([np.broadcast_to(np.asarray(x_prev, float), x.shape[1:])[None], x[:-1]])
    return iir1(b0 * x + b1 * xm1, -a1, y_prev)
