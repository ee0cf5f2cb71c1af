"""Each drill's own pictures on its report page (:mod:`trainer.ui.report`).

``PANELS[drill](fig, box, sess, layout, summary)`` draws that drill's figures inside ``box``
(``[x0, y0, width, height]`` in figure fractions) and returns the axes it drew. A panel is drawn
only when its data exists, so a page never shows an empty frame: what a drill did not record
is simply not pictured (its figures still stand in the appendix).
"""
from __future__ import annotations

import math

import numpy as np

from trainer.ui.scene import COLORS, draw_feet

INACTIVE = ("waiting", "countdown", "paused", "done")
LEFT_C, RIGHT_C, TARGET_C, COP_C, GOOD_C, MISS_C = "#0072b2", "#e69f00", "#009e73", "#d55e00", "#009e73", "#cc3311"
DIRECTION_DEG = {"forward": 90, "forward-right": 45, "right": 0, "back-right": -45, "back": -90,
                 "back-left": -135, "left": 180, "forward-left": 135}


def running_mask(sess) -> np.ndarray:
    phase = sess.text.get("phase")
    return np.ones(sess.frames, bool) if phase is None else ~np.isin(phase, INACTIVE)


def _boxes(box, n: int, gap: float = 0.08):
    """Split ``box`` into ``n`` side-by-side boxes."""
    x0, y0, w, h = box
    wi = (w - gap * (n - 1)) / n
    return [[x0 + i * (wi + gap), y0, wi, h] for i in range(n)]


def _layout_panels(fig, box, panels):
    """Draw the panels that have data side by side; ``panels`` = [(has_data, draw(ax))]."""
    todo = [p for ok, p in panels if ok]
    axes = []
    for b, draw in zip(_boxes(box, len(todo)), todo):
        ax = fig.add_axes(b)
        draw(ax)
        axes.append(ax)
    return axes


def _nums(items, key):
    return [it.get(key) if isinstance(it, dict) and isinstance(it.get(key), (int, float)) else math.nan
            for it in items or []]


def ellipse_points(x, y, n: int = 100, chi2: float = 5.991):
    """Outline of the 95 % ellipse of the points (x, y) (chi-square 2 d.o.f.), or None."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    cov = np.cov(x[ok], y[ok])
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0, None)
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    pts = vecs @ (np.sqrt(chi2 * vals)[:, None] * circle)
    return pts[0] + x[ok].mean(), pts[1] + y[ok].mean()


def _percent_bars(ax, x, values) -> None:
    """Bars of 0–100 figures with each value written on top (a missing value: no bar, no number)."""
    ax.bar(x, np.nan_to_num(values), color=LEFT_C)
    for i, s in zip(x, values):
        if math.isfinite(s):
            ax.text(i, s + 2, f"{s:.0f}", ha="center", fontsize=8)
    ax.set_xticks(x)
    ax.set_ylim(0, 105)


def _feet_ax(ax, layout):
    draw_feet(ax, layout)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


# -- spiral ------------------------------------------------------------------------------------
WORKING_SHARE_PCT = 55.0     # a foot is the working foot while it carries at least this share


def working_foot_paths(sess, layout, run) -> dict:
    """{foot: (n, 2) mm} each foot's own CoP (the estimator's, from the recorded forces) while it
    carried at least :data:`WORKING_SHARE_PCT` % of the weight during the drill, NaN elsewhere;
    {} when the session holds no forces."""
    from trainer.estimate.cop import from_force_columns

    cb = from_force_columns(sess.num, layout)
    if cb is None or "left_pct" not in sess.num:
        return {}
    left = sess.num["left_pct"]
    with np.errstate(invalid="ignore"):
        working = {"left": run & (left >= WORKING_SHARE_PCT), "right": run & (left <= 100.0 - WORKING_SHARE_PCT)}
    out = {}
    for foot, cop in (("left", cb.cop_left), ("right", cb.cop_right)):
        xy = np.where(working[foot][:, None], cop, np.nan)
        if np.isfinite(xy).all(axis=1).any():
            out[foot] = xy
    return out


def spiral(fig, box, sess, layout, summary):
    """The spiral on the feet (PRODUCT.md §1): each foot's zones (heel, ball, toes) as rings and
    that foot's own CoP while it was the working foot, drawn on the foot; the whole-body path and
    its target, the compact summary, between the feet."""
    from matplotlib.patches import Circle

    run = running_mask(sess)
    x = np.where(run, sess.num["cop_x_mm"], np.nan)
    y = np.where(run, sess.num["cop_y_mm"], np.nan)
    tx, ty = sess.num.get("target_x_mm"), sess.num.get("target_y_mm")
    has_target = tx is not None and np.isfinite(tx).any()
    scores = _nums(summary.get("loops"), "score")
    feet = working_foot_paths(sess, layout, run)
    zones = summary.get("zones") if isinstance(summary.get("zones"), dict) else {}

    def path(ax):
        _feet_ax(ax, layout)
        ringed = False
        for foot in ("left", "right"):
            for z in zones.get(foot) or []:
                if not all(isinstance(z.get(k), (int, float)) for k in ("x_mm", "y_mm", "radius_mm")):
                    continue
                ax.add_patch(Circle((z["x_mm"], z["y_mm"]), z["radius_mm"], fill=False, ec=TARGET_C, lw=2,
                                    alpha=0.8, zorder=4, label=None if ringed else "heel, ball and toes zones"))
                ringed = True
        for k, (foot, xy) in enumerate(feet.items()):
            ax.plot(xy[:, 0], xy[:, 1], color=LEFT_C, lw=0.9, zorder=5,
                    label=None if k else "each foot's own path, under load")
        if has_target:
            ax.plot(tx, ty, color=TARGET_C, lw=3, alpha=0.6, label="the path to follow (whole body)")
        ax.plot(x, y, color=COP_C, lw=0.8, label="where your weight went")
        # four entries: below the loop scores, where the page has room (under the feet they ran
        # into the figures below)
        ax.legend(loc="upper left", bbox_to_anchor=(x0 + w * 0.62, y0 + h * 0.1), bbox_transform=fig.transFigure,
                  fontsize=8, frameon=False)
        ax.set_title("Your path on the feet")

    def loops(ax):
        _percent_bars(ax, np.arange(1, len(scores) + 1), scores)
        ax.set_xlabel("loop")
        ax.set_ylabel("score (0–100)")
        ax.set_title("Score of each loop")

    x0, y0, w, h = box
    axes = []
    if np.isfinite(x).any():
        ax = fig.add_axes([x0, y0, w * 0.55, h])
        path(ax)
        axes.append(ax)
    if scores:
        ax = fig.add_axes([x0 + w * 0.66, y0 + h * 0.25, w * 0.34, h * 0.55])
        loops(ax)
        axes.append(ax)
    return axes


# -- shifts ------------------------------------------------------------------------------------
def shift(fig, box, sess, layout, summary):
    lr = summary.get("axis", "left-right") == "left-right" or sess.meta.get("drill") == "shift-lr"
    col, tcol = ("cop_x_mm", "target_x_mm") if lr else ("cop_y_mm", "target_y_mm")
    centre = summary.get("centre_mm") or [0.0, 0.0]
    c = centre[0] if lr else centre[1]
    run = running_mask(sess)
    t = sess.t_s
    v = np.where(run, sess.num[col] - c, np.nan)
    tgt = sess.num.get(tcol)
    tgt = None if tgt is None or not np.isfinite(tgt).any() else np.where(run, tgt - c, np.nan)
    paces = summary.get("paces") or []
    dc = _nums(paces, "directional_control_pct")
    word = ("right", "left") if lr else ("forward", "back")

    def trace(ax):
        if tgt is not None:
            ax.plot(t, tgt, color=TARGET_C, lw=3, alpha=0.6, label="target")
        for p in summary.get("target_points") or []:
            d = (p.get("x_mm") if lr else p.get("y_mm"))
            if isinstance(d, (int, float)):
                ax.axhline(d - c, color=TARGET_C, ls=":", lw=1)
        ax.plot(t, v, color=COP_C, lw=0.8, label="your weight")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(f"← {word[1]}   (mm)   {word[0]} →")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.set_title("Your weight against the targets")

    def per_pace(ax):
        labels = [f"{p.get('pace_s', '?'):g} s" if isinstance(p.get("pace_s"), (int, float)) else "?" for p in paces]
        _percent_bars(ax, np.arange(len(dc)), dc)
        ax.set_xticklabels(labels)
        ax.set_xlabel("time per movement")
        ax.set_ylabel("how straight you moved (%)")
        ax.set_title("At each pace")

    x0, y0, w, h = box
    axes = []
    if np.isfinite(v).any():
        ax = fig.add_axes([x0, y0 + 0.05 * h, w * 0.6, h * 0.9])
        trace(ax)
        axes.append(ax)
    if any(math.isfinite(s) for s in dc):
        ax = fig.add_axes([x0 + w * 0.72, y0 + h * 0.2, w * 0.28, h * 0.6])
        per_pace(ax)
        axes.append(ax)
    return axes


# -- limits ------------------------------------------------------------------------------------
def limits(fig, box, sess, layout, summary):
    centre = summary.get("centre_mm") or [0.0, 0.0]
    reach = summary.get("reach_mm") if isinstance(summary.get("reach_mm"), dict) else {}
    hull = summary.get("hull_mm") if isinstance(summary.get("hull_mm"), dict) else {}
    dirs = [d for d in summary.get("directions") or [] if isinstance(d, dict)]
    hits = {t.get("direction"): t for t in summary.get("targets") or [] if isinstance(t, dict)}

    def pt(name, dist):
        a = math.radians(DIRECTION_DEG[name])
        return centre[0] + dist * math.cos(a), centre[1] + dist * math.sin(a)

    def polygon(d: dict):
        names = [n for n in DIRECTION_DEG if isinstance(d.get(n), (int, float))]
        xy = [pt(n, d[n]) for n in names]
        return np.array(xy + xy[:1]) if xy else None

    def reach_ax(ax):
        _feet_ax(ax, layout)
        hp = polygon(hull)
        if hp is not None:
            ax.plot(hp[:, 0], hp[:, 1], color="0.5", ls="--", lw=1, label="edge of the sensors")
        rp = polygon(reach)
        if rp is not None:
            ax.fill(rp[:, 0], rp[:, 1], color=LEFT_C, alpha=0.25)
            ax.plot(rp[:, 0], rp[:, 1], color=LEFT_C, lw=2, label="how far you leaned")
        for d in dirs:
            name, dist = d.get("direction"), d.get("target_mm")
            if name in DIRECTION_DEG and isinstance(dist, (int, float)):
                hit = bool((hits.get(name) or {}).get("hit"))
                px, py = pt(name, dist)
                ax.plot(px, py, "o" if hit else "x", ms=8, color=GOOD_C if hit else MISS_C,
                        mfc="none" if hit else None, mew=2)
        ax.plot([], [], "o", color=GOOD_C, mfc="none", mew=2, label="target reached")
        if any(not (hits.get(d.get("direction")) or {}).get("hit") for d in dirs):
            ax.plot([], [], "x", color=MISS_C, mew=2, label="target missed")
        ax.legend(loc="lower center", fontsize=8, frameon=False, ncol=2)
        ax.set_title("How far you leaned, in 8 directions")

    pct = _nums(dirs, "max_excursion_pct")
    dc = _nums(dirs, "directional_control_pct")

    def bars(ax):
        names = [str(d.get("direction", "?")).replace("forward", "fwd") for d in dirs]
        yy = np.arange(len(names))
        ax.barh(yy - 0.2, np.nan_to_num(pct), 0.4, color=LEFT_C, label="furthest lean (% of target)")
        ax.barh(yy + 0.2, np.nan_to_num(dc), 0.4, color=RIGHT_C, label="how straight (%)")
        ax.set_yticks(yy)
        ax.set_yticklabels(names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 120)
        ax.axvline(100, color="0.5", lw=0.8)
        ax.set_xlabel("%")
        ax.legend(loc="lower left", fontsize=7, frameon=True, bbox_to_anchor=(0, -0.45))
        ax.set_title("Each direction")

    x0, y0, w, h = box
    axes = []
    if reach or dirs:
        ax = fig.add_axes([x0, y0, w * 0.55, h])
        reach_ax(ax)
        axes.append(ax)
    if any(math.isfinite(v) for v in pct + dc):
        ax = fig.add_axes([x0 + w * 0.7, y0 + h * 0.3, w * 0.3, h * 0.62])
        bars(ax)
        axes.append(ax)
    return axes


# -- stance and one-leg ------------------------------------------------------------------------
def _sway_ax(ax, x, y, title):
    ok = np.isfinite(x) & np.isfinite(y)
    cx, cy = np.nanmean(x[ok]), np.nanmean(y[ok])
    ax.plot(x - cx, y - cy, color=COP_C, lw=0.5, alpha=0.8, label="your sway")
    e = ellipse_points(x - cx, y - cy)
    if e is not None:
        ax.plot(e[0], e[1], color=LEFT_C, lw=2, label="95 % of it inside")
    reach = [x[ok] - cx, y[ok] - cy] + ([e[0], e[1]] if e is not None else [])
    lim = max(5.0, float(np.nanmax(np.abs(np.concatenate(reach)))) * 1.1)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("← left   (mm)   right →")
    ax.set_ylabel("← back   (mm)   forward →")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    ax.set_title(title)


def stance(fig, box, sess, layout, summary):
    run = running_mask(sess)
    x = sess.num["cop_x_mm"][run]
    y = sess.num["cop_y_mm"][run]
    shares = [(k, lab) for k, lab in (("left_pct", "left foot"), ("right_pct", "right foot"),
                                      ("heel_pct_left", "left heel"), ("heel_pct_right", "right heel"))
              if isinstance(summary.get(k), (int, float))]

    def share_ax(ax):
        vals = [summary[k] for k, _ in shares]
        cols = [LEFT_C if "left" in k else RIGHT_C for k, _ in shares]
        yy = np.arange(len(shares))
        ax.barh(yy, vals, color=cols)
        for i, v in zip(yy, vals):
            ax.text(v + 1, i, f"{v:.0f} %", va="center", fontsize=9)
        ax.axvline(50, color="0.4", ls="--", lw=1)
        ax.set_yticks(yy)
        ax.set_yticklabels([lab for _, lab in shares], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the weight (a heel: of its foot; 50 % = even)")
        ax.set_title("How your weight was shared")

    return _layout_panels(fig, [box[0] + 0.06, box[1], box[2] - 0.06, box[3]], [
        (bool(shares), share_ax),
        (int((np.isfinite(x) & np.isfinite(y)).sum()) >= 3, lambda ax: _sway_ax(ax, x, y, "Your sway while standing")),
    ])


def one_leg(fig, box, sess, layout, summary):
    run = running_mask(sess)
    lift = summary.get("lift_at_s")
    if isinstance(lift, (int, float)):
        t_run = sess.t_s - sess.t_s[np.argmax(run)] if run.any() else sess.t_s
        run = run & (t_run >= lift + 1.0)       # the second of lifting the other foot is not sway
    foot = summary.get("foot", "left")
    # the standing foot's own CoP, as the scorer measured its sway: from the sensors' forces
    # (the whole-body CoP adds the lifted foot's few newtons of noise 170 mm away)
    own = _foot_cop(sess, layout, foot)
    x = (own[:, 0] if own is not None else sess.num.get(f"{foot}_cop_x_mm", sess.num["cop_x_mm"]))[run]
    y = (own[:, 1] if own is not None else sess.num.get(f"{foot}_cop_y_mm", sess.num["cop_y_mm"]))[run]
    front_back_only = summary.get("sway_note") is not None and summary.get("ellipse95_area_mm2") is None
    held, cap = summary.get("held_s"), summary.get("max_time_s")

    def held_ax(ax):
        ax.barh([0], [held], color=LEFT_C if foot == "left" else RIGHT_C, height=0.5)
        ax.text(held, 0, f"  {held:.0f} s", va="center", fontsize=11)
        if isinstance(cap, (int, float)):
            ax.axvline(cap, color="0.4", ls="--", lw=1)
            ax.text(cap, 0.45, "limit", ha="center", fontsize=8)
        ax.set_xlim(0, (cap if isinstance(cap, (int, float)) else held) * 1.25 or 1)
        ax.set_ylim(-0.6, 0.7)
        ax.set_yticks([])
        ax.set_xlabel("seconds")
        ax.set_title(f"Time on your {foot} foot")

    x0, y0, w, h = box
    axes = []
    if isinstance(held, (int, float)):
        ax = fig.add_axes([x0, y0 + h * 0.55, w * 0.45, h * 0.25])
        held_ax(ax)
        axes.append(ax)
    if int((np.isfinite(x) & np.isfinite(y)).sum()) >= 3:
        ax = fig.add_axes([x0 + w * 0.55, y0, w * 0.45, h * 0.95])
        if front_back_only:
            _front_back_ax(ax, sess.t_s[run], y, f"Sway on the {foot} foot")
        else:
            _sway_ax(ax, x, y, f"Sway on the {foot} foot")
        axes.append(ax)
    return axes


def _foot_cop(sess, layout, foot: str):
    """(n, 2) ``foot``'s own CoP from the recorded sensors' forces (the estimator's CoP model), or
    None when the session holds no forces."""
    from trainer.estimate.cop import from_force_columns

    cb = from_force_columns(sess.num, layout)
    return None if cb is None else (cb.cop_left if foot == "left" else cb.cop_right)


def _front_back_ax(ax, t, y, title):
    """Front-back sway over time (a foot whose sensors lie in one line shows no side-to-side)."""
    ok = np.isfinite(y)
    ax.plot(t[ok] - t[ok][0], y[ok] - np.nanmean(y[ok]), color=COP_C, lw=0.6,
            label="your sway, front-back\n(side to side: not measured,\nthe foot's sensors lie in one line)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("seconds")
    ax.set_ylabel("← back   (mm)   forward →")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    ax.set_title(title)


# -- heel raises and toe press -----------------------------------------------------------------
def heel_raises(fig, box, sess, layout, summary):
    sets = [s for s in summary.get("sets") or [] if isinstance(s, dict)]
    reps = [(s.get("set", i + 1), r) for i, s in enumerate(sets) for r in s.get("rep_list") or [] if isinstance(r, dict)]

    def sets_ax(ax):
        n = np.arange(1, len(sets) + 1)
        got = _nums(sets, "reps")
        want = _nums(sets, "target_reps")
        rej = [len(s.get("rejected") or []) for s in sets]
        ax.bar(n, np.nan_to_num(got), color=LEFT_C, label="counted")
        ax.bar(n, rej, bottom=np.nan_to_num(got), color=MISS_C, label="not counted")
        for i, g, wnt in zip(n, got, want):
            if math.isfinite(wnt):
                ax.plot([i - 0.4, i + 0.4], [wnt, wnt], color="0.2", ls="--", lw=1)
            if math.isfinite(g):
                ax.text(i, g / 2, f"{g:.0f}", ha="center", color="white", fontsize=10)
        ax.set_xticks(n)
        ax.set_xlabel("set  (dashed: reps asked)")
        ax.set_ylabel("raises")
        if any(rej):
            ax.legend(fontsize=8, frameon=False)
        ax.set_title("Raises in each set")

    def tempo_ax(ax):
        for k, (sset, cols) in enumerate(((1, LEFT_C), (2, RIGHT_C), (3, TARGET_C))):
            pts = [(i + 1, r.get("duration_s"), r.get("top_s")) for i, (s, r) in enumerate(reps) if s == sset]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=3, color=cols, label=f"set {sset}: whole raise")
                ax.plot([p[0] for p in pts], [p[2] for p in pts], "s:", ms=3, color=cols, alpha=0.6,
                        label=f"set {sset}: time at the top")
        ax.set_ylim(0, max(4.0, max((r.get("duration_s") or 0) for _, r in reps) * 1.2))
        ax.set_xlabel("raise")
        ax.set_ylabel("seconds")
        ax.legend(fontsize=7, frameon=False, loc="lower right", ncol=2)
        ax.set_title("Tempo of each raise")

    return _layout_panels(fig, box, [(bool(sets), sets_ax), (bool(reps), tempo_ax)])


def toe_press(fig, box, sess, layout, summary):
    holds = [h for h in summary.get("holds") or [] if isinstance(h, dict)]
    asked = summary.get("hold_s")
    dur = _nums(holds, "duration_s")
    ratio = _nums(holds, "toe_load_ratio")

    def holds_ax(ax):
        n = np.arange(1, len(holds) + 1)
        # a hold a few samples short of the time asked is drawn as held (the feedback counts it as full)
        ok = [math.isfinite(d) and (not isinstance(asked, (int, float)) or d >= 0.95 * asked) for d in dur]
        ax.bar(n, np.nan_to_num(dur), color=[GOOD_C if o else MISS_C for o in ok])
        if isinstance(asked, (int, float)):
            ax.axhline(asked, color="0.3", ls="--", lw=1, label=f"hold asked ({asked:g} s)")
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        ax.set_xticks(n)
        ax.set_xlabel("hold")
        ax.set_ylabel("seconds held")
        ax.set_title("Each toe hold")

    def ratio_ax(ax):
        n = np.arange(1, len(holds) + 1)
        ax.plot(n, ratio, "o-", color=LEFT_C)
        ax.axhline(1, color="0.5", ls=":", lw=1)
        ax.set_ylim(0, max(2.0, np.nanmax(ratio) * 1.2))
        ax.set_xticks(n)
        ax.set_xlabel("hold  (1 = as standing)")
        ax.set_ylabel("toe load × standing")
        ax.set_title("How hard the toes pressed")

    return _layout_panels(fig, box, [(bool(holds), holds_ax), (any(math.isfinite(r) for r in ratio), ratio_ax)])


def load_only(fig, box, sess, layout, summary):
    """A drill without pictures of its own: the path on the feet."""
    run = running_mask(sess)
    x = np.where(run, sess.num["cop_x_mm"], np.nan)
    y = np.where(run, sess.num["cop_y_mm"], np.nan)
    if not np.isfinite(x).any():
        return []
    ax = fig.add_axes([box[0], box[1], box[2] * 0.55, box[3]])
    _feet_ax(ax, layout)
    ax.plot(x, y, color=COP_C, lw=0.8)
    ax.set_title("Where your weight went")
    return [ax]


PANELS = {"spiral": spiral, "shift-lr": shift, "shift-ap": shift, "limits": limits, "stance": stance,
          "one-leg": one_leg, "heel-raises": heel_raises, "toe-press": toe_press}


def panels_for(drill: str):
    return PANELS.get(drill, load_only)


__all__ = ["PANELS", "panels_for", "ellipse_points", "running_mask", "COLORS"]
