"""Target zones (METRICS.md "Reach drills: target zones"): each presentation of a circular target
zone scored on its own, and the Biodex-style training score over all of them.

Pure functions over a time series: ``t`` (n,) s, the CoP ``cop`` (n, 2) mm (NaN where undefined),
and per sample the zone shown: ``centre`` (n, 2) mm (NaN where no zone is shown) and ``radius``
(n,) mm. A new presentation starts wherever the zone moves (centre or radius changes) or appears.

Gaps are never bridged: a step in ``t`` longer than ``GAP_PERIODS`` sample periods is a gap; it is
counted (``gaps``), no stay in a zone runs across it, and no velocity is taken across it. A figure
outside physical bounds (CoP speed above ``MAX_SPEED_MM_S``, directional control below −100 %) is
refused: reported as null, with a flag naming it.
"""
from __future__ import annotations

import numpy as np

GAP_PERIODS = 2.0          # a step in time longer than this many sample periods is a gap
MAX_SPEED_MM_S = 1000.0    # a CoP faster than this is not a person's (METRICS.md)
MIN_DC_PCT = -100.0        # directional control below this is not a figure

METHODS = {
    "presentation": "a target zone (centre, radius) shown without moving; a new one starts when the target "
                    "moves; each is scored on its own, from its cue (first sample shown) to its last sample",
    "hit": "the CoP enters the zone (distance to the centre <= radius) at least once",
    "time_to_target_s": "cue -> first sample inside the zone",
    "dwell_s": "the longest continuous stay inside: from its first sample inside to the first sample outside "
               "(or one sample period past its last, where the presentation ends or a gap cuts it); "
               "a stay never runs across a gap",
    "success": "dwell_s >= the hold time",
    "crossings": "boundary crossings: the times the CoP leaves the zone and comes back into it within the "
                 "presentation (a run of samples outside between two inside); the return home after the last "
                 "stay is not one; a gap between two samples inside is not one",
    "overshoot_mm": "the largest excursion past the zone's far edge along the target direction (from where the "
                    "CoP was at the cue to the zone's centre): max((CoP - centre) . u) - radius, at least 0",
    "gaps": f"steps in time longer than {GAP_PERIODS:g} sample periods inside the presentation: flagged, never "
            "bridged by interpolation",
    "mean_speed_mm_s": f"CoP path length / time over the steps without a gap; refused (null, flagged) above "
                       f"{MAX_SPEED_MM_S:g} mm/s",
    "biodex_score": "(hits - boundary crossings) / hits over all presentations (METRICS.md); null without a hit",
}


def sample_period(t: np.ndarray, fs: float | None = None) -> float:
    """The nominal sample period: 1/fs, or the median step of ``t``."""
    if fs:
        return 1.0 / float(fs)
    d = np.diff(np.asarray(t, float))
    d = d[np.isfinite(d) & (d > 0)]
    return float(np.median(d)) if d.size else float("nan")


def gap_after(t: np.ndarray, fs: float | None = None) -> np.ndarray:
    """(n - 1,) bool: True where the step from sample k to k + 1 is a gap."""
    t = np.asarray(t, float)
    dt = sample_period(t, fs)
    return np.diff(t) > GAP_PERIODS * dt


def segments(t: np.ndarray, fs: float | None = None) -> list[slice]:
    """The runs of samples with no gap between them, as slices."""
    n = len(t)
    if n == 0:
        return []
    cuts = np.flatnonzero(gap_after(t, fs)) + 1
    edges = [0, *cuts.tolist(), n]
    return [slice(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def bounded_speed(t, xy, fs: float | None = None) -> tuple[float | None, list[str]]:
    """Mean CoP speed (mm/s) over the steps without a gap (or a NaN end), and flags: a speed above
    ``MAX_SPEED_MM_S`` is refused (None, flagged)."""
    t = np.asarray(t, float)
    xy = np.asarray(xy, float)
    if len(t) < 2:
        return None, []
    step = np.hypot(*np.diff(xy, axis=0).T)
    dt = np.diff(t)
    ok = ~gap_after(t, fs) & np.isfinite(step) & (dt > 0)
    if not ok.any():
        return None, []
    v = float(step[ok].sum() / dt[ok].sum())
    if v > MAX_SPEED_MM_S:
        return None, [f"mean_speed_mm_s refused: {v:.0f} mm/s is above {MAX_SPEED_MM_S:g} mm/s"]
    return v, []


def bounded_dc(value: float | None, name: str = "directional_control_pct") -> tuple[float | None, list[str]]:
    """A directional control figure, or None and a flag when it is below −100 %."""
    if value is None or not np.isfinite(value):
        return None, []
    if value < MIN_DC_PCT:
        return None, [f"{name} refused: {value:.0f} % is below {MIN_DC_PCT:g} %"]
    return float(value), []


def presentations(centre: np.ndarray, radius: np.ndarray) -> list[slice]:
    """Runs of samples showing the same zone (finite centre and radius), in order."""
    c = np.asarray(centre, float)
    r = np.asarray(radius, float)
    shown = np.all(np.isfinite(c), axis=1) & np.isfinite(r) & (r > 0)
    out, start = [], None
    for k in range(len(r)):
        if not shown[k]:
            if start is not None:
                out.append(slice(start, k))
                start = None
            continue
        if start is not None and (np.any(np.abs(c[k] - c[start]) > 1e-6) or abs(r[k] - r[start]) > 1e-6):
            out.append(slice(start, k))
            start = None
        if start is None:
            start = k
    if start is not None:
        out.append(slice(start, len(r)))
    return out


def _r(v, nd):
    return None if v is None or not np.isfinite(v) else round(float(v), nd)


def score_presentation(t, cop, centre, radius: float, *, hold_s: float, fs: float | None = None,
                       origin=None, end_t: float | None = None) -> dict:
    """One presentation: the samples while a zone (``centre``, ``radius``) was shown.

    ``origin`` (2,): where the target direction starts (default: the CoP at the cue).
    ``end_t``: when the presentation ended (default: one sample period past its last sample).
    """
    t = np.asarray(t, float)
    cop = np.asarray(cop, float)
    centre = np.asarray(centre, float)
    n = len(t)
    dt = sample_period(t, fs)
    gap = gap_after(t, fs) if n > 1 else np.zeros(0, bool)
    dist = np.hypot(*(cop - centre).T) if n else np.zeros(0)
    with np.errstate(invalid="ignore"):
        inside = dist <= radius                       # NaN CoP: not inside
    known = np.isfinite(dist)
    out = {"hit": bool(inside.any()), "time_to_target_s": None, "dwell_s": 0.0, "success": False,
           "crossings": 0, "overshoot_mm": None, "gaps": int(gap.sum())}
    if n == 0:
        return out
    t_end = float(end_t) if end_t is not None else float(t[-1] + dt)
    # stays: runs of inside samples, cut at gaps
    stays = []
    k = 0
    while k < n:
        if not inside[k]:
            k += 1
            continue
        j = k
        while j + 1 < n and inside[j + 1] and not gap[j]:
            j += 1
        if j + 1 < n and not gap[j]:
            end = float(t[j + 1])
        else:
            end = min(float(t[j] + dt), t_end) if j + 1 >= n else float(t[j] + dt)
        stays.append((k, j, end - float(t[k])))
        k = j + 1
    if stays:
        out["time_to_target_s"] = _r(t[stays[0][0]] - t[0], 3)
        out["dwell_s"] = _r(max(s[2] for s in stays), 3)
        out["success"] = bool(max(s[2] for s in stays) >= hold_s - 1e-9)
        # leave and come back: a run of samples known to be outside between two stays
        crossings = 0
        for (_, j0, _), (k1, _, _) in zip(stays, stays[1:]):
            if np.any(known[j0 + 1:k1] & ~inside[j0 + 1:k1]):
                crossings += 1
        out["crossings"] = crossings
    o = np.asarray(origin, float) if origin is not None else (cop[np.flatnonzero(known)[0]] if known.any() else None)
    if o is not None and np.all(np.isfinite(o)):
        d = centre - o
        norm = float(np.hypot(*d))
        if norm > 1e-9 and known.any():
            u = d / norm
            along = (cop[known] - centre) @ u
            out["overshoot_mm"] = _r(max(0.0, float(along.max()) - radius), 1)
    speed, flags = bounded_speed(t, cop, fs)
    out["mean_speed_mm_s"] = _r(speed, 1)
    if out["gaps"]:
        flags = [f"{out['gaps']} gap(s) longer than {GAP_PERIODS:g} sample periods: not bridged"] + flags
    if flags:
        out["flags"] = flags
    return out


def score_zones(t, cop, centre, radius, *, hold_s: float, fs: float | None = None, origins=None) -> dict:
    """Every presentation of a zone in the series, scored on its own, and the totals.

    Returns ``{"targets": [...], "hits", "successes", "crossings", "biodex_score", "gaps"}``; each
    target has ``hit``, ``time_to_target_s``, ``dwell_s``, ``success``, ``crossings``,
    ``overshoot_mm``, ``gaps`` (and ``start_s``, ``x_mm``, ``y_mm``, ``radius_mm``, ``flags``).
    ``origins``: per presentation, where its target direction starts (default: the CoP at its cue).
    """
    t = np.asarray(t, float)
    cop = np.asarray(cop, float)
    centre = np.asarray(centre, float)
    radius = np.broadcast_to(np.asarray(radius, float), t.shape)
    if t.ndim != 1 or cop.shape != (len(t), 2) or centre.shape != (len(t), 2):
        raise ValueError(f"score_zones: t {t.shape}, cop {cop.shape}, centre {centre.shape} do not match")
    dt = sample_period(t, fs)
    targets = []
    pres = presentations(centre, radius)
    for i, sl in enumerate(pres):
        nxt = pres[i + 1].start if i + 1 < len(pres) else None
        end_t = float(t[nxt]) if nxt is not None and nxt == sl.stop else None
        origin = None if origins is None else origins[i]
        row = {"start_s": _r(t[sl.start], 3), "x_mm": _r(centre[sl.start, 0], 1), "y_mm": _r(centre[sl.start, 1], 1),
               "radius_mm": _r(radius[sl.start], 1)}
        row.update(score_presentation(t[sl], cop[sl], centre[sl.start], float(radius[sl.start]), hold_s=hold_s,
                                      fs=fs if fs else 1.0 / dt if np.isfinite(dt) and dt > 0 else None,
                                      origin=origin, end_t=end_t))
        targets.append(row)
    return summarise(targets)


def summarise(targets: list[dict]) -> dict:
    """Totals over scored presentations: hits, successes, crossings, gaps and the Biodex score."""
    hits = sum(1 for r in targets if r["hit"])
    crossings = sum(r["crossings"] for r in targets)
    return {"targets": targets, "hits": hits, "successes": sum(1 for r in targets if r["success"]),
            "crossings": crossings, "gaps": sum(r["gaps"] for r in targets),
            "biodex_score": round((hits - crossings) / hits, 3) if hits else None}


TRACE_COLUMNS = ("t_s", "cop_x_mm", "cop_y_mm", "target_x_mm", "target_y_mm", "target_radius_mm")


def score_trace(cols: dict, *, dwell_s: float) -> tuple[dict, dict]:
    """The generic target-zone drill on a recorded trace (``footmat score reach``): ``cols`` maps
    the trace's column names to arrays (``TRACE_COLUMNS``); a new presentation starts when the
    target moves. Returns (summary, methods); the summary has ``targets`` (one per presentation,
    in order), ``hits``, ``successes``, ``crossings``, ``gaps`` and ``biodex_score``."""
    missing = [c for c in TRACE_COLUMNS if c not in cols]
    if missing:
        raise KeyError(missing)
    t = np.asarray(cols["t_s"], float)
    cop = np.column_stack([cols["cop_x_mm"], cols["cop_y_mm"]]).astype(float)
    centre = np.column_stack([cols["target_x_mm"], cols["target_y_mm"]]).astype(float)
    fs = 1.0 / sample_period(t)
    summary = score_zones(t, cop, centre, cols["target_radius_mm"], hold_s=dwell_s, fs=fs)
    summary["dwell_s"] = dwell_s
    summary["presentations"] = len(summary["targets"])
    methods = dict(METHODS)
    methods["rate"] = f"the sample period is the median step of t_s ({1000.0 / fs:.2f} ms here)"
    methods["success"] = f"dwell_s >= the hold time given by --dwell ({dwell_s:g} s)"
    return summary, methods
