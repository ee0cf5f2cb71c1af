"""FSR model: raw code → volts → conductance → newtons, per sensor.

volts = code × volts_per_code; the FSR sits on top of a divider resistor RM with an optional
bleed resistor Rb across it, so Vout = Vcc·RM·Gt/(1 + RM·Gt) with Gt = G_fsr + 1/Rb, hence
G_fsr = Vout/(RM·(Vcc − Vout)) − 1/Rb. Force is a smooth monotone curve of the tared
conductance g = max(G − G_tare, 0) (in mS), per sensor i:

    F_i = gain_i · φ(g / scale_i),   φ(x) = a·x + b·x^p   (a, b ≥ 0, p > 1)

— linear at light load (conductance ∝ force, HARDWARE.md) and steepening where the FSR
saturates; zero at the actuation threshold (the tare), monotone and smooth everywhere (unlike the
two-piece fit of the Adafruit guide). ``φ`` is the shape of one FSR type: the prior curve, fitted
to the published FSR 402 points only (``PUBLISHED_FSR402_POINTS``, never to a simulator's curve).
``scale_i`` is the part's conductance sensitivity (parts differ by up to ±25 %: a more sensitive
part reaches the same conductance at a lighter load, so its curve saturates later in force), and
``gain_i`` turns the force on the sensor's disc into the share of body weight its zone carries.
Both are fitted per sensor (fit.py); the nominal model has scale 1.

Expanded, F = α·g + β·g^p with α = gain·a/scale and β = gain·b/scale^p: two non-negative
coefficients per sensor, which is how ``sensor_force`` evaluates it (two multiplies and a power
per frame and sensor).
"""
from __future__ import annotations

import numpy as np


def volts(raw: np.ndarray, adc) -> np.ndarray:
    return np.asarray(raw, float) * adc.volts_per_code


def conductance_s(raw: np.ndarray, layout) -> np.ndarray:
    """FSR conductance (S) from raw codes (n, S); NaN stays NaN."""
    adc = layout.adc
    v = np.clip(volts(raw, adc), 0.0, adc.vcc * 0.9995)
    rm = layout.divider_ohms()
    g = v / (rm * (adc.vcc - v))
    if adc.bleed_ohms:
        g = g - 1.0 / adc.bleed_ohms
    return g


def shape_force(g_ms: np.ndarray, a: float, b: float, p: float) -> np.ndarray:
    g = np.maximum(g_ms, 0.0)
    return a * g + b * g ** p


def coefficients(gain, scale, shape) -> tuple[np.ndarray, np.ndarray, float]:
    """(α (S,), β (S,), p) of F = α·g + β·g^p for per-sensor ``gain`` and ``scale``."""
    a, b, p = shape
    gain = np.asarray(gain, float)
    scale = np.asarray(scale, float)
    return gain * a / scale, gain * b / scale ** p, float(p)


def sensor_force(g_ms: np.ndarray, gain, scale, shape) -> np.ndarray:
    """Force (n, S) in N from tared conductance (n, S) in mS; NaN stays NaN."""
    alpha, beta, p = coefficients(gain, scale, shape)
    g = np.maximum(g_ms, 0.0)
    return alpha * g + beta * g ** p


def fit_shape(force_n: np.ndarray, g_s: np.ndarray, p: float = 3.0) -> tuple[float, float, float]:
    """Least-squares (a, b) ≥ 0 of F = a·g + b·g^p to a reference curve (g in S)."""
    from scipy.optimize import nnls

    g = np.asarray(g_s) * 1e3
    A = np.stack([g, g ** p], axis=1)
    (a, b), _ = nnls(A, np.asarray(force_n, float))
    return float(a), float(b), float(p)


# Published points for an Interlink FSR 402, as Adafruit's FSR guide tabulates them (resistance at
# the force), quoted in ../shared/HARDWARE.md ("Published curve points for an honest simulator"):
# 0.2 N → 30 kΩ, 1 N → 6 kΩ, 10 N → 1 kΩ, 100 N → 250 Ω. As (force N, conductance mS):
PUBLISHED_FSR402_POINTS = ((0.2, 1 / 30), (1.0, 1 / 6), (10.0, 1.0), (100.0, 4.0))


def fit_published_shape(points=PUBLISHED_FSR402_POINTS, exponents=None) -> tuple[float, float, float, float]:
    """(a, b, p, rms relative error) of F = a·g + b·g^p fitted to (force N, conductance mS) points
    in relative error (each point weighs the same whatever its force): (a, b) ≥ 0 by NNLS for each
    p on a 0.05 grid over 1.2–4, the p with the smallest rms kept."""
    from scipy.optimize import nnls

    f = np.array([q[0] for q in points], float)
    g = np.array([q[1] for q in points], float)
    best = None
    for p in (np.round(np.arange(1.2, 4.0001, 0.05), 2) if exponents is None else exponents):
        A = np.stack([g, g ** p], axis=1)
        (a, b), _ = nnls(A / f[:, None], np.ones(f.size))
        rms = float(np.sqrt(np.mean(((A @ [a, b]) - f) ** 2 / f ** 2)))
        if best is None or rms < best[3]:
            best = (float(a), float(b), float(p), rms)
    return best


# The prior: fit_published_shape() on the four published points, rounded (2.9 % rms relative
# error; −3.7 % at 0.2 N, +4.4 % at 1 N, −1.1 % at 10 N, +0.1 % at 100 N). Near-linear at light
# load (≈ 5.7 N per mS, i.e. ≈ 176 µS/N) and steepening above 10 N where the FSR saturates.
# tests/calibration/test_model.py refits the points and checks these constants.
PRIOR_SHAPE = (5.68, 4.21, 2.1)
DATASHEET_SHAPE = PRIOR_SHAPE          # the former name, kept for callers


def datasheet_shape() -> tuple[float, float, float]:
    """The prior curve (published FSR 402 points; see ``PRIOR_SHAPE``)."""
    return PRIOR_SHAPE
