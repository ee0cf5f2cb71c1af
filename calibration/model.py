"""FSR model: raw code → volts → conductance → newtons, per sensor.

volts = code × volts_per_code; the FSR sits on top of a divider resistor RM with an optional
bleed resistor Rb across it, so Vout = Vcc·RM·Gt/(1 + RM·Gt) with Gt = G_fsr + 1/Rb, hence
G_fsr = Vout/(RM·(Vcc − Vout)) − 1/Rb. Force is a smooth monotone curve of the tared
conductance g = max(G − G_tare, 0) (in mS), per sensor i:

    F_i = gain_i · φ(g / scale_i),   φ(x) = a·x + b·x^p   (a, b ≥ 0, p > 1)

— linear at light load (conductance ∝ force, HARDWARE.md) and steepening where the FSR
saturates; zero at the actuation threshold (the tare), monotone and smooth everywhere (unlike the
two-piece fit of the Adafruit guide). ``φ`` is the shape of one FSR type (the datasheet curve).
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


# F = a·g + b·g^p (g in mS) fitted, in relative error, to the typical FSR 402 curve of the
# Interlink datasheet (≈ 80 µS/N at light load, ≈ 0.9 mS at 20 N, ≈ 1.4 mS at 60 N):
# 3 % rms over 0.5–60 N, worst near the 0.2 N actuation threshold.
DATASHEET_SHAPE = (15.81, 9.26, 4.0)


def datasheet_shape() -> tuple[float, float, float]:
    return DATASHEET_SHAPE
