"""Scoring the spiral on the feet: per loop, over the session, the score with a gradient, and the
person's feedback (PRODUCT.md §1, §4; METRICS.md "Tracking measures added in turn 2" and
"What a score must do").

The pure signal measures are :mod:`trainer.analysis.tracking`'s; this module knows the path
(:class:`~trainer.drills.feet.FootSpiralPath`): which foot works when, its zones and the share.
"""
from __future__ import annotations

import numpy as np

from trainer.analysis import tracking as tr

SHARE_TOLERANCE_PP = 10.0     # the working foot carries its share when within this many points
CLOSE_PP = 3.0                # the feedback says "close to" the share asked only within this many points
PINNED_PHASE = 0.3            # the phase factor when the lag is pinned (the phase is not known)

SCORE_METHOD = (
    "loop score = 100 x accuracy x size x phase x smoothness x visits x transfer x direction, each 0..1: "
    "accuracy = 1 - 0.6 x rms_lag_corrected / loop size; size = mean over axes of min(gain, 1/gain); "
    "phase = 1 - 2.5 x |lag| / period (lag as a fraction of the loop, so 1 s late on a 16 s loop costs less than "
    f"on an 8 s loop; {PINNED_PHASE} when the lag is pinned); smoothness = 1 - 0.08 x (SPARC of the target - "
    "SPARC of the CoP), within 0.6..1; visits = 1, or 0.55 when a zone of the working foot is missed or out of "
    "order (a zone whose time, shifted by the lag, falls outside the recording is not judged); transfer = 0.6 + 0.4 x clip((depth - 50) / (share - 50 - tolerance), 0, 1) for the shallower "
    "foot; direction = 1, 0.5 when the wrong way round, 0.8 when unclear (unclear too when both feet carry 50 +- 5 %: no weight moved across). Visits and transfer count only "
    "when the trace has per-foot data (else 1, and the check is listed as skipped). Session score = mean of "
    "the loop scores, at most 30 when the 'following at all' F-test fails.")


def _round(x, nd=2):
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _per_foot(run) -> dict:
    have = {}
    for foot in ("left", "right"):
        c = getattr(run, f"cop_{foot}")
        have[foot] = bool(np.isfinite(c).all(axis=1).any())
    return have


def visits(path, foot: str, a: np.ndarray, cop_foot: np.ndarray, shift: float, loop: int) -> list[dict]:
    """Each zone of ``foot``: closest approach of that foot's own CoP during its working half of
    loop ``loop`` (both shifted by the lag), its radius, visited, and the time of closest approach."""
    z = path.zones[foot]
    a_s = a - shift
    work = (path.working_foot(a_s) == foot) & (np.floor(a_s / path.period_s) == loop)
    m0 = len(path.zones[path.feet[0]].xy)
    first = 0 if foot == path.feet[0] else m0
    due = loop * path.period_s + path.waypoint_times()[first:first + len(z.xy)] + shift
    half = path.period_s / (4 * len(z.xy))        # a zone's own stretch of the half loop
    out = []
    for k in range(len(z.xy)):
        d = np.hypot(*(cop_foot - z.xy[k]).T)
        d = np.where(work & np.isfinite(d), d, np.inf)
        i = int(np.argmin(d)) if d.size else 0
        best = float(d[i]) if d.size else np.inf
        judged = bool(a.size) and a[0] <= due[k] - half and due[k] + half <= a[-1]
        out.append({"zone": z.labels[k], "closest_mm": _round(best if np.isfinite(best) else np.nan),
                    "radius_mm": round(float(z.radius_mm[k]), 1),
                    "visited": bool(best <= z.radius_mm[k]) if judged or best <= z.radius_mm[k] else None,
                    "t_s": float(a[i]) if np.isfinite(best) else None})
    return out


def transfer_depth(path, foot: str, a: np.ndarray, left_pct: np.ndarray, shift: float, loop: int) -> float:
    """Median share (%) of body weight on ``foot`` while the target (shifted by the lag) holds it
    at its full share in loop ``loop``."""
    share = left_pct if foot == "left" else 100.0 - left_pct
    a_s = a - shift
    full = (path.share_on(foot, a_s) >= path.share - 1e-6) & (np.floor(a_s / path.period_s) == loop)
    v = share[full & np.isfinite(share)]
    return float(np.median(v)) if v.size else float("nan")


def score_loop(a: np.ndarray, run_sel, path, fs: float, loop: int = 0, around=None) -> dict:
    """The per-loop figures and score of loop ``loop`` (``run_sel``: its frames, active times ``a``;
    ``around``: (active times, frames) from half a loop before to half a loop after it, where the
    working foot's visits are looked for once shifted by the lag — default the loop's own)."""
    cop, target = run_sel.cop, run_sel.target
    size = path.mean_reach_mm
    r = tr.rms(cop, target)
    P = path.period_s
    xy = getattr(path, "position_xy", None)
    lag, corr, pinned = tr.lag_search(a, cop, path.position, P, target_xy=xy)
    _, rcorr, _ = tr.lag_search(a, cop, path.position, P, reverse=True, target_xy=xy)
    direction = tr.direction_verdict(corr, rcorr)
    lag_ok = np.isfinite(lag) and not pinned
    shift = lag if lag_ok else 0.0
    r_lc = tr.rms(cop, path.position(a - shift))
    axes = tr.gain_phase(a, cop, target, P)
    sp = tr.path_sparc(cop, fs)
    sp_t = tr.path_sparc(target, fs)
    # whole-body closest approach (reported; ball and toes are too close to judge on it)
    phase = path.phase_index(a - shift)
    closest = []
    for k, wp in enumerate(path.waypoints):
        sel = (phase == k) & np.all(np.isfinite(cop), axis=1)
        closest.append(_round(np.min(np.hypot(*(cop[sel] - wp.xy).T))) if sel.any() else None)
    feet = _per_foot(run_sel)
    foot_ok = all(feet.values())
    vis, depth, roll_ok = {}, {}, {}
    a_ext, ext = around if around is not None else (a, run_sel)
    if foot_ok:
        for foot in path.feet:
            v = visits(path, foot, a_ext, getattr(ext, f"cop_{foot}"), shift, loop)
            times = [x["t_s"] for x in v if x["visited"]]
            roll_ok[foot] = bool(all(x["visited"] is not False for x in v) and np.all(np.diff(times) > 0))
            for x in v:
                x.pop("t_s")
            vis[foot] = v
    share_ok = bool(np.isfinite(run_sel.left_pct).any())
    if share_ok:
        for foot in path.feet:
            depth[foot] = transfer_depth(path, foot, a_ext, ext.left_pct, shift, loop)
    smooth = tr.lowpass(cop, fs, 5.0)
    working = path.working_foot(a - shift)
    seg = np.hypot(*np.diff(smooth, axis=0).T)
    wl, wr = float(np.nansum(seg[working[1:] == "left"])), float(np.nansum(seg[working[1:] == "right"]))
    wing = abs(wl - wr) / (wl + wr) if wl + wr > 0 else float("nan")
    # -- the score's parts
    parts = {}
    if share_ok and depth and all(abs(v - 50) < 5 for v in depth.values()):
        direction = "unclear"        # no weight moved across: no loop to tell the way round of
    parts["accuracy"] = float(np.clip(1 - 0.6 * r_lc / size, 0, 1)) if np.isfinite(r_lc) and size > 0 else 0.0
    qs = [min(g, 1 / g) if g else 0.0 for g in (axes["x"]["gain"], axes["y"]["gain"]) if g is not None]
    parts["size"] = float(np.mean([np.clip(q, 0, 1) for q in qs])) if qs else 0.0
    parts["phase"] = float(np.clip(1 - 2.5 * abs(lag) / P, 0, 1)) if lag_ok else PINNED_PHASE
    parts["smoothness"] = (float(np.clip(1 - 0.08 * max(0.0, sp_t - sp), 0.6, 1))
                           if np.isfinite(sp) and np.isfinite(sp_t) else 0.6)
    parts["visits"] = (1.0 if all(roll_ok.values()) else 0.55) if foot_ok else 1.0
    if share_ok and all(np.isfinite(list(depth.values()))):
        need = 100 * path.share - 50 - SHARE_TOLERANCE_PP
        worst = min(depth.values())
        parts["transfer"] = 0.6 + 0.4 * float(np.clip((worst - 50) / need, 0, 1)) if need > 0 else 1.0
    else:
        parts["transfer"] = 1.0 if not share_ok else 0.6
    parts["direction"] = {"right way round": 1.0, "wrong way round": 0.5}.get(direction, 0.8)
    score = 100.0 * float(np.prod(list(parts.values())))
    out = {
        "rms_mm": _round(r), "rms_pct_reach": _round(100 * r / size) if size > 0 else None,
        "lag_ms": _round(1000 * lag, 1) if lag_ok else None,
        "lag_phase_deg": _round(360 * lag / P, 1) if lag_ok else None, "lag_pinned": bool(pinned),
        "rms_lag_corrected_mm": _round(r_lc), "gain_x": axes["x"]["gain"], "phase_x_deg": axes["x"]["phase_deg"],
        "phase_x_s": axes["x"]["phase_s"], "gain_y": axes["y"]["gain"], "phase_y_deg": axes["y"]["phase_deg"],
        "phase_y_s": axes["y"]["phase_s"], "direction": direction,
        "waypoints_in_order": bool(all(roll_ok.values())) if foot_ok else None,
        "closest_approach_mm": closest, "visits": vis if foot_ok else None,
        "roll_in_order": roll_ok if foot_ok else None,
        "transfer_pct": {f: _round(v, 1) for f, v in depth.items()} if share_ok else None,
        "transfer_ok": (bool(all(v >= 100 * path.share - SHARE_TOLERANCE_PP for v in depth.values()))
                        if share_ok else None),
        "sparc": _round(sp, 3), "sparc_target": _round(sp_t, 3), "wing_asymmetry": _round(wing, 3),
        "score_parts": {k: round(v, 3) for k, v in parts.items()},
        "score": round(score, 1),
    }
    out["_coefs"] = {ax: (tr.fourier(a, cop[:, i], tr.HARMONIC[ax] / P), tr.fourier(a, target[:, i], tr.HARMONIC[ax] / P))
                     for i, ax in enumerate(tr.HARMONIC)}
    return out


def session(loops: list[dict], cop_window, fs: float, n_full: int, streamed=None) -> dict:
    """The session measures (coherence, inter-loop phase coherence, following) from the loops (the
    following F-test on ``cop_window``, the whole loops' CoP, or ``streamed``: a
    :class:`~trainer.analysis.tracking.StreamingFTest` fed those loops one by one)."""
    coefs = [lp.pop("_coefs") for lp in loops]
    phases = [{"x": lp["phase_x_deg"], "y": lp["phase_y_deg"]} for lp in loops]
    return tr.session_measures(coefs, phases, cop_window, fs, n_full, streamed=streamed)


_ZONE_WORD = {"toes": "big toe", "ball": "ball of the foot", "heel": "heel", "outer ball": "outer edge of the foot"}


def feedback(loops: list[dict], sess: dict, share_pct: float, period_s: float,
             direction: str = "heel-to-toes") -> str:
    """Two to four plain sentences from the figures: what went well, the one thing to try next.

    The words follow the drill's ``direction`` (heel-to-toes or toes-to-heel). The share moved is
    "close to" the share asked only within :data:`CLOSE_PP` points; within the scorer's
    tolerance (``transfer_ok``, :data:`SHARE_TOLERANCE_PP`) it is said as such, and only when it
    is at least half the shift asked (51 % of 57 % is hardly a shift at all)."""
    first, last = ("heel", "toes") if direction == "heel-to-toes" else ("toes", "heel")
    if not loops:
        return "No whole loop was recorded, so there is nothing to score yet. Try again and follow the ring for a full loop."
    n = len(loops)
    good, todo = [], []
    following = (sess.get("following") or {}).get("following")
    directions = [lp["direction"] for lp in loops]
    lags = [lp["lag_ms"] / 1000 for lp in loops if lp["lag_ms"] is not None]
    lag = float(np.median(lags)) if lags else None
    gains = [g for lp in loops for g in (lp["gain_x"], lp["gain_y"]) if g is not None]
    gain = float(np.median(gains)) if gains else None
    rolls = [lp["roll_in_order"] for lp in loops if lp["roll_in_order"] is not None]
    depths = [lp["transfer_pct"] for lp in loops if lp["transfer_pct"]]
    missed = {}
    for lp in loops:
        for foot, vs in (lp["visits"] or {}).items():
            for v in vs:
                if v["visited"] is False:
                    missed.setdefault(v["zone"], 0)
                    missed[v["zone"]] += 1
    depth = {f: float(np.median([d[f] for d in depths if d.get(f) is not None])) for f in ("left", "right")} if depths else {}
    on_loops = "in your loop" if n == 1 else f"on all {n} loops"
    your_loops = "Your loop was" if n == 1 else "Your loops were"
    if rolls and all(all(r.values()) for r in rolls):
        good.append(f"You rolled each foot from {first} to {last} in order {on_loops}.")
    moved = min(depth.values()) if depth else None
    # the share moved is short of the share asked: outside the scorer's tolerance, or less than
    # half the shift asked (a low share asked is within the tolerance of no shift at all)
    short = moved is not None and (moved < share_pct - SHARE_TOLERANCE_PP or moved - 50 < (share_pct - 50) / 2)
    if moved is not None and not short:
        how = ("more than" if moved > share_pct + CLOSE_PP else "close to" if moved >= share_pct - CLOSE_PP
               else f"within {SHARE_TOLERANCE_PP:.0f} points of")
        good.append(f"You moved about {moved:.0f} % of your weight onto each foot, {how} the {share_pct:.0f} % asked.")
    if lag is not None and abs(lag) < 0.5 and directions.count("right way round") == n:
        good.append(f"You kept pace with the ring, about {abs(lag):.1f} seconds {'behind' if lag >= 0 else 'ahead of'} it.")
    if gain is not None and 0.85 <= gain <= 1.15:
        good.append(f"{your_loops} the full size of the target.")
    if following is False:
        todo.append("Your weight did not follow the loop this time: watch the ring and let your weight drift after it, slowly.")
    elif depth and 45 <= min(depth.values()) < share_pct - SHARE_TOLERANCE_PP:
        foot = min(depth, key=depth.get)
        todo.append(f"Your {foot} foot carried about {depth[foot]:.0f} % of your weight: shift further onto it, "
                    f"aiming for {share_pct:.0f} %.")
    elif directions.count("wrong way round") > n / 2:
        todo.append(f"You went round the other way: start on the {first} of the first foot and roll "
                    f"{'forward' if first == 'heel' else 'back'} to the {last}.")
    elif missed:
        zone = max(missed, key=missed.get)
        foot, part = zone.split(" ", 1)
        word = _ZONE_WORD.get(part, part)
        where = "in your loop" if n == 1 else f"on {missed[zone]} of {n} loops"
        todo.append(f"You did not reach your {foot} {part} {where}: press the {foot} {word} "
                    f"down before you cross over.")
    elif short:
        foot = min(depth, key=depth.get)
        todo.append(f"Your {foot} foot carried about {depth[foot]:.0f} % of your weight: shift further onto it, "
                    f"aiming for {share_pct:.0f} %.")
    elif lag is not None and abs(lag) >= 0.5:
        todo.append(f"You were about {abs(lag):.1f} seconds {'behind' if lag >= 0 else 'ahead of'} the ring: "
                    f"{'start each move as soon as the ring starts to move' if lag >= 0 else 'let the ring lead'}.")
    elif lag is None:
        todo.append("Your movement did not keep time with the ring: slow down and move with it.")
    elif gain is not None and gain < 0.85:
        todo.append(f"{your_loops} about {100 * gain:.0f} % of the target's size: go a little further each way.")
    elif any(lp["score_parts"]["smoothness"] < 0.9 for lp in loops):
        todo.append("Your movement was a little uneven: move slowly and evenly, without stopping at each point.")
    else:
        todo.append(f"Everything was on target: next time try a slower loop than {period_s:g} seconds, or more weight on each foot.")
    scores = [lp["score"] for lp in loops]
    tally = (f"Your best loop scored {max(scores):.0f} and your last {scores[-1]:.0f}." if n > 1
             else f"Your loop scored {scores[0]:.0f}.")
    return " ".join(good[:2] + todo + [tally])
