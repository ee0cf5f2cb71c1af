"""Tare and the body-weight fit.

Tare: with nobody on the mat, each sensor's conductance (what the bleed resistor and a resting
FSR leave) and its noise floor in codes. Body-weight fit: in every still pose the sensor forces
sum to the body weight, so with poses that load each sensor mostly on its own (PRODUCT.md §5)
the per-sensor gains are the non-negative least-squares solution of H·gain = W, where
H[j, i] = mean shape force of sensor i in pose j. The fit reports the condition number of H
(columns scaled to unit norm) and refuses an ill-conditioned result, naming the sensor the poses
do not pin down.
"""
from __future__ import annotations

import numpy as np

from firmware.errors import CalibrationError

from .model import conductance_s, shape_force

MAX_CONDITION = 50.0


def tare(raw_unloaded: np.ndarray, layout) -> tuple[np.ndarray, np.ndarray]:
    """(tare conductance (S,), noise floor in codes (S,)) from unloaded frames (n, S)."""
    raw = np.asarray(raw_unloaded, float)
    if raw.shape[0] < 10:
        raise CalibrationError(f"only {raw.shape[0]} unloaded frames for the tare", "step off the mat for 2 s")
    g = np.nanmedian(conductance_s(raw, layout), axis=0)
    noise = np.nanstd(raw, axis=0)
    return np.maximum(g, 0.0), np.maximum(noise, 0.5)


def design_matrix(poses: list[np.ndarray], layout, tare_s: np.ndarray, shape) -> np.ndarray:
    """H (P, S): mean shape force of each sensor in each pose (raw frames (n_j, S) each)."""
    a, b, p = shape
    return np.array([np.nanmean(shape_force((conductance_s(r, layout) - tare_s) * 1e3, a, b, p), axis=0)
                     for r in poses])


def fit_gains(H: np.ndarray, weight_n: float | np.ndarray, names: list[str], pose_names: list[str] | None = None):
    """Per-sensor gains with H·gain ≈ W; returns (gain, info). Refuses an ill-conditioned H."""
    from scipy.optimize import nnls

    H = np.asarray(H, float)
    w = np.broadcast_to(np.asarray(weight_n, float), (H.shape[0],)).copy()
    if not np.all(np.isfinite(H)):
        raise CalibrationError("a pose has unreadable sensors", "check the mat with footmat check, then repeat the pose")
    norms = np.linalg.norm(H, axis=0)
    dead = np.flatnonzero(norms < 1e-9)
    if dead.size:
        raise CalibrationError(f"sensor {names[dead[0]]} felt nothing in any pose",
                               f"check it with footmat check --guided, then repeat the lean onto {names[dead[0]]}")
    Hs = H / norms
    sv = np.linalg.svd(Hs, compute_uv=True)
    cond = float(sv[1][0] / max(sv[1][-1], 1e-12)) if H.shape[0] >= H.shape[1] else float("inf")
    if not np.isfinite(cond) or cond > MAX_CONDITION:
        # the sensor that loads most on the least-determined direction is the one to pin down
        weakest = names[int(np.argmax(np.abs(sv[2][-1])))] if H.shape[0] >= H.shape[1] else names[-1]
        raise CalibrationError(
            f"the poses do not pin down every sensor (condition number {cond:.3g} > {MAX_CONDITION:g})",
            f"repeat the lean onto {weakest} with most of your weight on it")
    gs, _ = nnls(Hs, w)
    gain = gs / norms
    resid = H @ gain - w
    return gain, {"condition_number": round(cond, 3), "poses": pose_names or [],
                  "residual_pct_bw": [round(float(r / w[0] * 100), 3) for r in resid]}
