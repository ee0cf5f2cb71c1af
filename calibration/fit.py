"""Tare, the body-weight fit, the known-weight fit and the validation figures.

Tare: with nobody on the mat, each sensor's conductance (what the bleed resistor and a resting
FSR leave) and its noise floor in codes.

Body-weight fit (PRODUCT.md §5): in every still pose the sensor forces sum to the body weight W.
With the model F_i = gain_i·φ(g_i/scale_i) (model.py) it runs in two stages:

1. *Identifiability and gains.* With scale 1, H[j, i] = mean φ(g_i) in pose j and H·gain = W is
   linear; the poses load each sensor mostly on its own, so H is well conditioned. The condition
   number of H (columns scaled to unit norm) is reported, and an ill-conditioned H is refused,
   naming the sensor whose lean would pin it down.
2. *Per-part curvature.* The leans are held at two depths (poses.py), so each sensor is seen at
   a light and a heavy load and its conductance scale (where its curve saturates) is visible in
   the sums. Non-linear least squares on (log gain, log scale) minimises the pose misfits in % of
   W plus two priors that keep the 2·S parameters determined: a part's scale is 1 ± 25 %
   (Interlink's part-to-part spread; one % of misfit weighs as much as a scale off by 8 %), and
   the two sensors of a mirrored pair (same zone, x mirrored) see the same share of their zone's
   load (gain ratio 1 ± 5 %) — the mat is built symmetric, so their difference is in the parts.
   A pose set that still does not add up (rms misfit above ``MAX_MISFIT_PCT``) is refused,
   naming the pose to repeat.

Known-weight fit (for makers): a known mass on one sensor's disc at one or more loads gives that
part's scale (with two or more loads) directly; the body-weight fit then keeps it.
"""
from __future__ import annotations

import numpy as np

from firmware.errors import CalibrationError

from .model import conductance_s, shape_force

MAX_CONDITION = 50.0
MAX_MISFIT_PCT = 6.0          # rms of the poses' (sum − W)/W after the fit
SCALE_SIGMA = 0.25            # prior spread of a part's conductance scale (log)
SCALE_PRIOR_WEIGHT = 3.0      # 1 % of W misfit ≡ log-scale of SCALE_SIGMA / 3
PAIR_SIGMA = 0.05             # mirrored sensors' gain ratio 1 ± 5 %
DRIFT_SIGMA = 0.10            # creep over the procedure: 0 ± 10 % a minute
CREEP_REFERENCE_S = 25.0      # the calibration reads true this long after stepping on
EXPONENT_SIGMA = 0.3          # the mat's parts share one curve exponent: the prior's p ± 0.3


def tare(raw_unloaded: np.ndarray, layout) -> tuple[np.ndarray, np.ndarray]:
    """(tare conductance (S,), noise floor in codes (S,)) from unloaded frames (n, S)."""
    raw = np.asarray(raw_unloaded, float)
    if raw.ndim != 2 or raw.shape[0] < 10:
        raise CalibrationError(f"only {raw.shape[0] if raw.ndim else 0} unloaded frames for the tare",
                               "step off the mat for 2 s")
    g = np.nanmedian(conductance_s(raw, layout), axis=0)
    noise = np.nanstd(raw, axis=0)
    if not np.all(np.isfinite(g)):
        bad = layout.names[int(np.flatnonzero(~np.isfinite(g))[0])]
        raise CalibrationError(f"sensor {bad} could not be read during the tare", "check the mat with footmat check")
    return np.maximum(g, 0.0), np.maximum(noise, 0.5)


def tared_ms(raw: np.ndarray, layout, tare_s: np.ndarray) -> np.ndarray:
    """Tared conductance (n, S) in mS (≥ 0; NaN where unread)."""
    return np.maximum((conductance_s(raw, layout) - tare_s) * 1e3, 0.0)


def design_matrix(poses: list[np.ndarray], layout, tare_s: np.ndarray, shape, scale=None) -> np.ndarray:
    """H (P, S): mean shape force of each sensor in each pose (raw frames (n_j, S) each)."""
    a, b, p = shape
    sc = 1.0 if scale is None else np.asarray(scale, float)
    return np.array([np.nanmean(shape_force(tared_ms(r, layout, tare_s) / sc, a, b, p), axis=0) for r in poses])


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


def mirror_pairs(layout, tol_mm: float = 3.0) -> list[tuple[int, int]]:
    """(left, right) sensor indices of the same zone at mirrored positions."""
    pos = layout.positions
    out = []
    for i, s in enumerate(layout.sensors):
        if s.foot != "left":
            continue
        for j, r in enumerate(layout.sensors):
            if r.foot == "right" and r.zone == s.zone and np.hypot(pos[i, 0] + pos[j, 0], pos[i, 1] - pos[j, 1]) <= tol_mm:
                out.append((i, j))
                break
    return out


def fit_body_weight(pose_raw: list[np.ndarray], layout, tare_s: np.ndarray, weight_n: float, shape,
                    pose_names: list[str] | None = None, scale=None, pose_times=None, fit_exponent: bool = True):
    """Per-sensor (gain, scale, info) from still poses (raw frames (n_j, S) each) of a person of
    ``weight_n``. ``scale`` given (from the known-weight fit) is kept; else it is fitted.
    ``pose_times`` (s since the person stepped on, one per pose) let the fit take out the slow
    creep of the FSRs over the procedure (readings × (1 + drift·minutes), drift 0 ± 10 %/min),
    so the calibration refers to a mat that has carried the person for ``CREEP_REFERENCE_S``
    (a drill's first half-minute): a mat just stepped on then reads a few % low, one loaded for
    minutes a few % high, and the live adjuster (live.py) rescales either back to body weight.
    With ``fit_exponent`` (and no fixed scales) the parts' shared curve exponent p is fitted too
    (prior: the shape's p ± ``EXPONENT_SIGMA``; parts of one batch share their shape better than
    the published curve of another batch does); ``info["shape"]`` is the (a, b, p) to use with
    the returned gains. Refuses an ill-conditioned pose set or poses that do not add up, naming
    what to repeat."""
    from scipy.optimize import least_squares

    names = layout.names
    pose_names = list(pose_names or [f"pose {k + 1}" for k in range(len(pose_raw))])
    if not weight_n or not np.isfinite(weight_n) or weight_n <= 0:
        raise CalibrationError(f"body weight {weight_n!r} N is not usable", "enter your weight in kg or lb")
    gs = [tared_ms(r, layout, tare_s) for r in pose_raw]
    for g, pn in zip(gs, pose_names):
        if g.shape[0] == 0 or not np.all(np.isfinite(np.nanmean(g, axis=0))):
            raise CalibrationError(f"the pose {pose_names[pose_names.index(pn)]!r} has no readable frames",
                                   "check the mat with footmat check, then repeat that pose")
    fixed = scale is not None
    sc0 = np.ones(len(names)) if scale is None else np.asarray(scale, float)
    a, b, p = shape
    H = np.array([np.nanmean(shape_force(g / sc0, a, b, p), axis=0) for g in gs])
    gain0, info = fit_gains(H, weight_n, names, pose_names)
    S = len(names)
    pairs = mirror_pairs(layout)
    # per-pose frame means of g and g^p are all the fit needs: keep the sums cheap
    W = float(weight_n)

    minutes = None if pose_times is None else (np.asarray(pose_times, float) - CREEP_REFERENCE_S) / 60.0

    # the mean of φ(g/scale) over a pose's frames is a·<g>/scale + b·<g^p>/scale^p:
    # (P, S) moment tables make every evaluation of the fit a few small products; with the
    # exponent fitted too, <g^p'> is recomputed for each trial p' (13 poses × a few hundred frames)
    m1 = np.array([np.nanmean(g, axis=0) for g in gs])
    mp = np.array([np.nanmean(g ** p, axis=0) for g in gs])

    def moment(pp):
        return mp if pp == p else np.array([np.nanmean(g ** pp, axis=0) for g in gs])

    def totals(gain, sc, drift=0.0, pp=p):
        tot = (a * m1 / sc + b * moment(pp) / sc ** pp) @ gain
        return tot if minutes is None else tot / (1.0 + drift * minutes)

    drift = 0.0
    p_fit = p
    fit_p = fit_exponent and not fixed
    if fixed:
        gain, sc = gain0, sc0
        method = "gains by NNLS on the body-weight poses; part scales from the known-weight fit"
    else:
        def resid(th):
            lg, ls = th[:S], th[S:2 * S]
            d = th[2 * S] if minutes is not None else 0.0
            dp = th[2 * S + 1] if fit_p else 0.0
            r = [(totals(np.exp(lg), np.exp(ls), d, p + dp) - W) / W * 100.0,
                 SCALE_PRIOR_WEIGHT * ls / SCALE_SIGMA, [d / DRIFT_SIGMA], [dp / EXPONENT_SIGMA]]
            if pairs:
                r.append(np.array([(lg[i] - lg[j]) / PAIR_SIGMA for i, j in pairs]))
            return np.concatenate(r)

        th0 = np.concatenate([np.log(np.maximum(gain0, 1e-6 * max(gain0.max(), 1e-9) + 1e-12)),
                              np.zeros(S + 1 + (1 if fit_p else 0))])
        lo = np.full(th0.size, -np.inf)
        hi = np.full(th0.size, np.inf)
        if fit_p:                              # keep p' > 1 (the shape stays convex and monotone)
            lo[-1], hi[-1] = 1.05 - p, 3.0
        sol = least_squares(resid, th0, method="trf", x_scale=1.0, bounds=(lo, hi))
        gain, sc = np.exp(sol.x[:S]), np.exp(sol.x[S:2 * S])
        drift = float(sol.x[2 * S]) if minutes is not None else 0.0
        p_fit = p + float(sol.x[2 * S + 1]) if fit_p else p
        method = ("non-linear least squares on log gain and log part scale: pose misfits in % of body weight, "
                  f"prior scale 1 ± {SCALE_SIGMA:.0%} (weight {SCALE_PRIOR_WEIGHT:g}), mirrored pairs' gain ratio "
                  f"1 ± {PAIR_SIGMA:.0%}" + (f", the parts' shared curve exponent p ± {EXPONENT_SIGMA:g}" if fit_p else ""))
    res = (totals(gain, sc, drift, p_fit) - W) / W * 100.0
    rms = float(np.sqrt(np.mean(res ** 2)))
    info = {"condition_number": info["condition_number"], "poses": pose_names,
            "residual_pct_bw": [round(float(r), 3) for r in res], "rms_residual_pct_bw": round(rms, 3),
            "mirror_pairs": [[names[i], names[j]] for i, j in pairs], "method": method,
            "scale_fixed": fixed, "creep_pct_per_min": round(drift * 100.0, 2),
            "shape": [float(a), float(b), round(float(p_fit), 4)]}
    if rms > MAX_MISFIT_PCT:
        worst = int(np.argmax(np.abs(res)))
        raise CalibrationError(
            f"the poses do not add up to your weight (rms misfit {rms:.1f} % > {MAX_MISFIT_PCT:g} %; "
            f"worst: {pose_names[worst]!r}, {res[worst]:+.1f} %)",
            f"repeat {pose_names[worst]!r} standing still without holding on, and check the weight entered")
    return gain, sc, info


def fit_known_weight(g_ms_levels: list[np.ndarray], forces_n, shape) -> tuple[float, float, dict]:
    """One sensor loaded with known forces (N) on its disc: (disc gain, part scale, info).

    ``g_ms_levels``: tared conductance samples (mS) at each load. With one load only the gain is
    fitted (scale 1); with two or more, the scale too (where the part saturates)."""
    from scipy.optimize import least_squares

    f = np.asarray(forces_n, float)
    gm = np.array([float(np.nanmean(g)) for g in g_ms_levels])
    if f.size == 0 or f.size != gm.size or np.any(f <= 0) or not np.all(np.isfinite(gm)):
        raise CalibrationError("the known-weight fit needs a positive weight and readable frames for each load",
                               "place the weight on the sensor's disc and hold it still for 3 s")
    if np.any(gm <= 1e-6):
        k = int(np.flatnonzero(gm <= 1e-6)[0])
        raise CalibrationError(f"the sensor did not respond to the {f[k]:.3g} N load",
                               "centre the weight on the sensor's disc (use a puck the size of the disc)")
    a, b, p = shape
    if f.size == 1:
        gain = float(f[0] / shape_force(gm, a, b, p)[0])
        return gain, 1.0, {"loads_n": f.tolist(), "residual_pct": [0.0]}

    def resid(th):
        return (np.exp(th[0]) * shape_force(gm / np.exp(th[1]), a, b, p) - f) / f * 100.0

    g0 = float(np.median(f / shape_force(gm, a, b, p)))
    sol = least_squares(resid, [np.log(g0), 0.0])
    gain, sc = float(np.exp(sol.x[0])), float(np.exp(sol.x[1]))
    return gain, sc, {"loads_n": f.tolist(), "residual_pct": [round(float(r), 3) for r in resid(sol.x)]}


def validate(cal, layout, pose_raw: list[np.ndarray], weight_n: float, pose_names: list[str]) -> dict:
    """Figures on poses *not used in the fit*: total-load error (% of W) per pose, its median and
    worst, and each sensor's health (noise floor, whether it responded in any pose)."""
    W = float(weight_n)
    errs, lr = [], []
    resp = np.zeros(len(layout.sensors), bool)
    left = layout.mask(foot="left")
    for r in pose_raw:
        f = cal.forces(r, layout)
        tot = np.nansum(f, axis=1)
        errs.append(float((np.nanmean(tot) - W) / W * 100.0))
        lr.append(float(np.nanmean(np.nansum(f[:, left], axis=1) / np.where(tot > 0, tot, np.nan)) * 100.0))
        resp |= np.nanmean(f, axis=0) > 1.0
    health = []
    for i, n in enumerate(layout.names):
        z = float(cal.noise_codes[i]) if len(cal.noise_codes) else 0.0
        state = "ok" if resp[i] else "no response"
        if z > 50:
            state = "noisy"
        health.append({"name": n, "noise_codes": round(z, 2), "state": state})
    abs_err = np.abs(errs)
    return {"poses": list(pose_names), "total_load_err_pct": [round(e, 2) for e in errs],
            "total_load_err_pct_median": round(float(np.median(abs_err)), 2) if errs else None,
            "total_load_err_pct_worst": round(float(abs_err.max()), 2) if errs else None,
            "left_pct": [round(v, 1) for v in lr], "sensors": health}


def stance_template(cal, layout, raw_even) -> list[dict]:
    """How a person standing evenly spreads each foot's load, as ``cal`` reads it in the even
    stance ``raw_even`` (frames (n, S)): for each disc that is not a heel, the log of its load over
    its own foot's heel load, the two feet averaged as mirror images (the calibration's landing
    error of one foot's disc is halved). The placement re-estimate (trainer.estimate.placement)
    uses it at each step-on: standing evenly, a disc that now reads ×3 of this ratio landed on its
    pressure peak. A share of the weight between the feet is no part of it."""
    f = np.nanmean(cal.forces(np.asarray(raw_even, float), layout), axis=0)
    sensors = layout.sensors
    floor = 1e-3 * max(float(np.nansum(f)), 1e-9)
    out = []
    for i, s in enumerate(sensors):
        if s.zone == "heel":
            continue
        heel = [j for j, r in enumerate(sensors) if r.foot == s.foot and r.zone == "heel"]
        twin = [j for j, r in enumerate(sensors) if r.foot != s.foot and r.zone == s.zone]
        oheel = [j for j, r in enumerate(sensors) if r.foot != s.foot and r.zone == "heel"]
        if not heel or not np.isfinite(f[i]) or not f[heel[0]] > floor:
            continue
        ratios = [np.log(max(f[i], floor) / f[heel[0]])]
        if twin and oheel and f[oheel[0]] > floor and np.isfinite(f[twin[0]]):
            ratios.append(np.log(max(f[twin[0]], floor) / f[oheel[0]]))
        out.append({"sensor": layout.names[i], "heel": layout.names[heel[0]],
                    "log_ratio": round(float(np.mean(ratios)), 4)})
    return out
