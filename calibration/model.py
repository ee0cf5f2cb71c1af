"""FSR model: raw code → volts → conductance → newtons, per sensor.

volts = code × volts_per_code; the FSR sits on top of a divider resistor RM with an optional
bleed resistor Rb across it, so Vout = Vcc·RM·Gt/(1 + RM·Gt) with Gt = G_fsr + 1/Rb, hence
G_fsr = Vout/(RM·(Vcc − Vout)) − 1/Rb. Force is a smooth monotone curve of the tared
conductance g = max(G − G_tare, 0) (in mS):  F = gain · (a·g + b·g^p)  — linear at light load
(conductance ∝ force, HARDWARE.md) and steepening where the FSR saturates, with no
discontinuity (unlike the two-piece fit of the Adafruit guide). ``a, b, p`` are the shape shared
by one FSR type; ``gain`` is fitted per sensor.
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
