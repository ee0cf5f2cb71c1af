"""What a session's frames allow at best: per-disc factors fitted in hindsight (issue 22).

The product's Estimator learns, as the session goes, one factor per disc for where the feet landed
this time (trainer.estimate.placement) from the only thing the mat knows about the loads: they add
up to the body weight W. The accuracy bench measures it window by window. These figures say how far
that kind of estimate could go on the same frames if it knew the whole session at once:

- ``hindsight_totals``: one constant factor per disc, fitted to *every* window of the session at
  once (past and future) so that each window's loads add up to W — the information the mat has,
  used perfectly. What the Estimator reaches above it is the cost of learning as the session goes.
- ``hindsight_totals_load_positions``: the same factors, each ball and toe disc's load centred
  toward its foot's outer border (trainer.estimate.cop.load_positions) for the CoP.
- ``hindsight_totals_curve``: those factors and one coverage curve for both feet (the share of a
  foot's load its discs see by where along the foot the load is, held at 1 up to the middle of the
  foot: the Estimator's CoverageAdjuster), fitted the same way.
- ``hindsight_foot_loads``: one constant factor per disc fitted to each foot's *true* load in
  every window — information no mat has (the simulator's truth): what constant per-disc factors on
  this layout could reach at all. What remains is the discs' point sampling (a pose moves load
  between covered and uncovered parts of the foot), creep and hysteresis within the session.

Each is fitted on the windows' mean forces as calibrated (before any re-estimate or rescale) and
gives the accuracy bench's rows for those windows (x, y CoP error mm, |total − load| % W, left
share error pp), so :func:`trainer.bench.pipeline._summarise` reads them as it reads the Estimator's.
"""
from __future__ import annotations

import numpy as np

#: the log factors' prior: 0 ± 1/RIDGE (loose: it only keeps a disc no window loads at 1)
RIDGE = 0.01
KINDS = ("hindsight_totals", "hindsight_totals_load_positions", "hindsight_totals_curve", "hindsight_foot_loads")
#: the coverage curve's knots (heel disc 0 → toe-most disc 1), its log value 0 ± 1/CURVE_RIDGE,
#: held at 0 up to CURVE_PIN (trainer.estimate.placement: COVERAGE_KNOTS, COVERAGE_PIN_BELOW)
CURVE_KNOTS = (0.0, 0.25, 0.5, 0.75, 1.0)
CURVE_RIDGE = 0.05
CURVE_PIN = 0.5


def _fit(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Log factors u (S,) with ``rows`` @ exp(u) ≈ ``target`` (least squares, ridge RIDGE)."""
    from scipy.optimize import least_squares

    S = rows.shape[1]
    fit = least_squares(lambda u: np.concatenate([rows @ np.exp(u) - target, RIDGE * u]), np.zeros(S),
                        jac=lambda u: np.vstack([rows * np.exp(u)[None, :], RIDGE * np.eye(S)]))
    return fit.x


def _curve_loads(F: np.ndarray, feet: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Each foot's load (n, 2) from forces ``F`` (n, S), per-disc log factors and the curve's free
    knots in ``theta``: Σ kᵢFᵢ over the foot × exp(g(u)), u where along the foot its load is."""
    S = F.shape[1]
    knots = np.asarray(CURVE_KNOTS)
    free = knots > CURVE_PIN
    g = np.zeros(len(knots))
    g[free] = theta[S:]
    T = np.maximum(F * np.exp(theta[:S])[None, :], 0.0)
    out = np.empty((len(F), 2))
    for f in (0, 1):
        m = feet == f
        Tf, yf = T[:, m], y[m]
        s = Tf.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.clip(((Tf @ yf) / s - yf.min()) / max(float(np.ptp(yf)), 1e-9), 0.0, 1.0)
        out[:, f] = s * np.exp(np.interp(np.nan_to_num(u), knots, g))
    return out


def _fit_curve(F: np.ndarray, feet: np.ndarray, y: np.ndarray) -> np.ndarray:
    from scipy.optimize import least_squares

    S = F.shape[1]
    nfree = int(np.sum(np.asarray(CURVE_KNOTS) > CURVE_PIN))
    fit = least_squares(lambda th: np.concatenate([_curve_loads(F, feet, y, th).sum(axis=1) - 1.0,
                                                   RIDGE * th[:S], CURVE_RIDGE * th[S:]]), np.zeros(S + nfree))
    return fit.x


def hindsight_rows(layout, forces: np.ndarray, true_loads: np.ndarray, true_cop: np.ndarray,
                   weight_n: float) -> dict:
    """{kind: rows} for one session: ``forces`` (windows, S) each window's mean forces as calibrated
    (N), ``true_loads`` (windows, 2) each foot's mean true load (N), ``true_cop`` (windows, 2) the
    mean true whole-body CoP (mm). Rows are (x err mm, y err mm, |total − load| % W, left share err pp)."""
    from trainer.estimate.cop import load_positions

    F = np.nan_to_num(np.asarray(forces, float)) / weight_n
    L = np.asarray(true_loads, float) / weight_n
    feet = np.array([0 if s.foot == "left" else 1 for s in layout.sensors])
    left = (feet == 0).astype(float)
    u_tot = _fit(F, np.ones(len(F)))
    u_feet = np.zeros(len(feet))
    for f in (0, 1):
        m = feet == f
        u_feet[m] = _fit(F[:, m], L[:, f])
    share_true = L[:, 0] / L.sum(axis=1)
    y = np.asarray(layout.positions, float)[:, 1]
    theta = _fit_curve(F, feet, y)
    curve = _curve_loads(F, feet, y, theta)
    discs = np.asarray(layout.positions, float)
    true_cop = np.asarray(true_cop, float)

    def rows(cop, tot, share):      # the bench's rows (x, y err mm, |total − load| % W, share err pp)
        return [(float(cop[i, 0] - true_cop[i, 0]), float(cop[i, 1] - true_cop[i, 1]),
                 float(abs(tot[i] - L[i].sum()) * 100.0), float((share[i] - share_true[i]) * 100.0))
                for i in range(len(F))]

    out = {}
    for kind, u, pos in (("hindsight_totals", u_tot, discs),
                         ("hindsight_totals_load_positions", u_tot, load_positions(layout)),
                         ("hindsight_foot_loads", u_feet, discs)):
        T = np.maximum(F * np.exp(u)[None, :], 0.0)
        tot = T.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cop = (T @ pos) / tot[:, None]
            share = (T @ left) / tot
        out[kind] = rows(cop, tot, share)
    # the curve scales each foot's discs together: the CoP within a foot is its discs' (factors applied)
    T = np.maximum(F * np.exp(theta[:len(feet)])[None, :], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        foot_cop = np.stack([(T[:, feet == f] @ discs[feet == f]) / T[:, feet == f].sum(axis=1)[:, None]
                             for f in (0, 1)], axis=1)                      # (n, 2 feet, 2)
        tot = curve.sum(axis=1)
        cop = (curve[:, :, None] * foot_cop).sum(axis=1) / tot[:, None]
        share = curve[:, 0] / tot
    out["hindsight_totals_curve"] = rows(cop, tot, share)
    return {k: out[k] for k in KINDS}
