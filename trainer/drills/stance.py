"""Quiet stance (weight distribution and sway) and one-leg stance.

``stance``: stand still for ``duration`` s (30 by default); the left/right split and the heel
share of each foot (Biodex/BTrackS weight distribution, the seeds' "weight distribution"), an
asymmetry flag above 7 percentage points, and the sway metrics of METRICS.md on the CoP as
recorded.

``one-leg``: stand on one foot as long as is comfortable; the time held (capped at
``max_time``) and the sway of the standing foot's CoP. The drill cannot end early when the
foot comes down (the engine gives a drill no data while it runs), so it lasts its cap; the
time held is found afterwards.
"""
from __future__ import annotations

import numpy as np

from firmware.errors import UsageError
from trainer.analysis.sway import METHODS as SWAY_METHODS
from trainer.analysis.sway import METRIC_UNITS, sway_metrics

from .base import FEEDBACK_METHOD, DrillRun, seconds, sentences
from .limits import rounded, with_gaps

ASYMMETRY_FLAG_PP = 7.0
ONE_LEG_OFF_FRACTION = 0.10    # the lifted foot carries less than this share of the mat's load
TOUCHDOWN_S = 0.2              # … and above it for this long is a touchdown
LIFT_MIN_S = 0.5               # a lift shorter than this is not a hold
SETTLE_S = 1.0                 # sway of the standing foot from this long after lift-off
# Side-to-side sway of one foot is seen only when its discs spread across the foot: with heel,
# ball and toes in a line (the 6-sensor layout: 4 mm apart across) a foot's CoP stays on that line
# whatever the foot does (HARDWARE.md), and an area or side-to-side range of it measures the
# layout, not the person (a one-leg hold read 0.11 mm², its picture ~80 mm²).
SIDE_SPREAD_MIN_MM = 10.0
SIDE_TO_SIDE_KEYS = ("ellipse95_area_mm2", "sway_area_per_s_mm2_s", "rms_x_mm", "range_x_mm", "mean_distance_x_mm",
                     "mean_velocity_x_mm_s", "mean_frequency_x_hz")


def side_spread_mm(layout, foot: str) -> float:
    """How far ``foot``'s discs spread across the foot: the largest distance of one from the line
    through its heel-most and toe-most discs (mm); 0 with fewer than three discs."""
    pos = np.asarray(layout.positions, float)[layout.mask(foot=foot)]
    if len(pos) < 3:
        return 0.0
    a, b = pos[np.argmin(pos[:, 1])], pos[np.argmax(pos[:, 1])]
    d = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
    return float(np.max(np.abs((pos[:, 0] - a[0]) * d[1] - (pos[:, 1] - a[1]) * d[0])))
LEAD_S = 5.0                   # one-leg: time to shift and lift before the cap starts to matter


def sway_figures(a, xy, fs) -> tuple[dict, dict]:
    """The METRICS.md sway set of a CoP series (gaps at pauses kept), and their methods."""
    xy = with_gaps(a, xy, fs)
    m = sway_metrics(xy[:, 0], xy[:, 1], fs)
    figs = {k: rounded(m[k], 4 if k.endswith("_hz") else 2) for k in METRIC_UNITS}
    figs["sway_duration_s"] = rounded(m["duration_s"], 2)
    figs["sway_n_excluded"] = int(m["n_excluded"])
    methods = {k: SWAY_METHODS[k] for k in METRIC_UNITS if k in SWAY_METHODS}
    methods["sway_series"] = "trainer.analysis.sway.sway_metrics on the CoP as recorded (raw pipeline, no filter, no " \
                             "detrend), at the sample rate; a pause leaves a gap no difference crosses"
    return figs, methods


def zone_pct(forces, layout, foot: str, zone: str) -> float:
    """100 x (sum of the zone's force) / (sum of the foot's force) over the frames."""
    f = np.nan_to_num(np.maximum(forces, 0.0))
    foot_sum = float(f[:, layout.mask(foot=foot)].sum())
    return 100.0 * float(f[:, layout.mask(foot=foot, zone=zone)].sum()) / foot_sum if foot_sum > 0 else float("nan")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of each run of True."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(int))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1))


class StanceDrill(DrillRun):
    name = "stance"

    def __init__(self, *, duration: float = 30.0):
        self.duration = float(duration)
        self.params = {"duration": self.duration}

    @property
    def active_duration_s(self) -> float:
        return self.duration

    def labels(self) -> list[str]:
        return ["stand still, weight even, eyes forward"]

    def person_offset(self, a, lean_mm=None):
        return np.zeros((np.size(a), 2))        # stays where they stand

    def score(self, run, fs):
        ok = np.isfinite(run.load_left) & np.isfinite(run.load_right) & np.all(np.isfinite(run.cop), axis=1)
        ll, lr = float(run.load_left[ok].sum()), float(run.load_right[ok].sum())
        left = 100.0 * ll / (ll + lr) if ll + lr > 0 else float("nan")
        asym = abs(2.0 * left - 100.0)
        summary = {
            "left_pct": rounded(left, 2), "right_pct": rounded(100.0 - left, 2),
            "heel_pct_left": rounded(zone_pct(run.forces[ok], run.layout, "left", "heel"), 2),
            "heel_pct_right": rounded(zone_pct(run.forces[ok], run.layout, "right", "heel"), 2),
            "asymmetry_pp": rounded(asym, 2),
            "asymmetry_flag": bool(asym > ASYMMETRY_FLAG_PP),
            "load_pct_body_weight": rounded(100.0 * np.nanmean(run.total) / run.weight_n, 1)
            if np.isfinite(run.weight_n) else None,
        }
        if summary["asymmetry_flag"]:
            heavier = "left" if left > 50 else "right"
            summary["note"] = (f"weight asymmetry {asym:.1f} percentage points (more on the {heavier} foot): "
                               f"above {ASYMMETRY_FLAG_PP:g}")
        figs, sway_methods = sway_figures(run.a, run.cop, fs)
        summary.update(figs)
        methods = {
            "left_pct": "100 x sum F_left / sum (F_left + F_right) over the running frames with a CoP",
            "heel_pct_left": "100 x sum F_heel / sum F_foot (that foot's heel sensor(s)); forefoot % = 100 - heel %",
            "heel_pct_right": "as heel_pct_left, right foot",
            "asymmetry_pp": f"|left_pct - right_pct| in percentage points; flagged above {ASYMMETRY_FLAG_PP:g}",
            "load_pct_body_weight": "mean total load on the mat / body weight x 100 (well under 100: holding on)",
        }
        methods.update(sway_methods)
        summary["feedback"] = stance_feedback(summary, self.duration)
        methods["feedback"] = FEEDBACK_METHOD
        return summary, methods


QUIET_SWAY_MM_S = 15.0    # feedback: a mean sway speed above this is "a lot of movement" for quiet standing


def stance_feedback(s: dict, duration: float) -> str:
    """Plain sentences from a stance summary: the split between the feet, the heels, how still,
    and the one thing to try next."""
    left = s.get("left_pct")
    if left is None:
        return sentences("No standing was measured this time", "Next time, stand on the mat with both feet until the end")
    heavier, lighter = ("left", "right") if left > 50 else ("right", "left")
    share = max(left, 100.0 - left)
    stood = seconds(s.get("sway_duration_s") or duration)
    first = (f"You stood for {stood} with {share:.0f} % of your weight on your {heavier} foot" if s.get("asymmetry_flag")
             else f"You stood for {stood} with {left:.0f} % of your weight on your left foot and {100 - left:.0f} % "
                  "on your right")
    if s.get("asymmetry_flag"):
        second = f"Your {heavier} foot carried more, {s['asymmetry_pp']:.0f} points more than the {lighter}"
        nxt = f"Next time, let a little more weight settle onto your {lighter} foot, knees soft"
    else:
        second = "Your weight was shared evenly between your feet"
        nxt = None
    heels = [v for v in (s.get("heel_pct_left"), s.get("heel_pct_right")) if v is not None]
    third = None
    if heels:
        h = sum(heels) / len(heels)
        third = f"Your heels carried about {h:.0f} % of each foot's load"
        if nxt is None and h > 70:
            nxt = "Next time, let your weight come a little forward, toward the balls of your feet"
        elif nxt is None and h < 30:
            nxt = "Next time, let your weight settle back a little onto your heels"
    v = s.get("mean_velocity_mm_s")
    if nxt is None and v is not None and v > QUIET_SWAY_MM_S:
        nxt = "Next time, try to stand a little quieter: soften your knees and rest your eyes on a point ahead"
    nxt = nxt or "Next time, try it with your eyes closed, a chair within reach"
    return sentences(first, second, third, nxt)


class OneLegDrill(DrillRun):
    name = "one-leg"

    def __init__(self, *, foot: str = "left", max_time: float = 30.0):
        if foot not in ("left", "right"):
            raise UsageError(f"--foot {foot!r} is not left or right", "give --foot left or --foot right")
        self.foot = foot
        self.other = "right" if foot == "left" else "left"
        self.max_time = float(max_time)
        self.params = {"foot": foot, "max-time": self.max_time}
        self.stand_x = None

    @property
    def active_duration_s(self) -> float:
        return LEAD_S + self.max_time

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        pos = layout.positions[layout.mask(foot=self.foot)]
        # a little outside the foot's sensor line: all the weight is on that foot
        sign = -1.0 if self.foot == "left" else 1.0
        self.stand_x = float(pos[:, 0].mean()) + sign * 20.0

    def labels(self) -> list[str]:
        return [f"stand on your {self.foot} foot, lift the {self.other}: hold as long as is comfortable"]

    def person_offset(self, a, lean_mm=None):
        """A compliant simulated person shifts onto the foot over 1.5 s from 0.5 s and stays."""
        a = np.atleast_1d(np.asarray(a, float))
        f = 0.5 - 0.5 * np.cos(np.pi * np.clip((a - 0.5) / 1.5, 0.0, 1.0))
        out = np.zeros((a.size, 2))
        out[:, 0] = f * (self.stand_x - self.centre[0])
        return out

    def person_cop(self, a):
        return self.centre + self.person_offset(a)

    def score(self, run, fs):
        if self.foot == "left":
            other, standing, cop_foot = run.load_right, run.load_left, run.cop_left
        else:
            other, standing, cop_foot = run.load_left, run.load_right, run.cop_right
        total = np.nan_to_num(other) + np.nan_to_num(standing)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, np.nan_to_num(other) / total, 1.0)
        single = share < ONE_LEG_OFF_FRACTION
        a = run.a
        summary = {"foot": self.foot, "held_s": 0.0, "capped": False, "lifted": False, "touched_down": False,
                   "max_time_s": self.max_time}
        lifts = [(i, j) for i, j in _runs(single) if a[j] - a[i] >= LIFT_MIN_S or j == len(a) - 1]
        if not lifts:
            summary["note"] = f"the {self.other} foot never came off the mat"
            figs, sway_methods = sway_figures(a[:0], np.zeros((0, 2)), fs)
            summary.update(figs)
            summary["feedback"] = self.feedback(summary)
            return summary, self._methods(sway_methods)
        start = lifts[0][0]
        end = len(a) - 1
        for i, j in _runs(~single):
            if i > start and a[j] - a[i] >= TOUCHDOWN_S:
                end = i
                summary["touched_down"] = True
                break
        held = float(a[end] - a[start])
        summary["lifted"] = True
        summary["held_s"] = round(min(held, self.max_time), 2)
        summary["capped"] = bool(held >= self.max_time)
        summary["lift_at_s"] = round(float(a[start]), 2)
        t_end = a[start] + min(held, self.max_time)
        sel = (a >= a[start] + SETTLE_S) & (a <= t_end)
        summary["standing_foot_load_pct"] = rounded(
            100.0 * np.nansum(standing[sel]) / max(np.nansum(total[sel]), 1e-9)) if sel.any() else None
        figs, sway_methods = sway_figures(a[sel], cop_foot[sel], fs)
        summary.update(figs)
        if run.layout is not None and side_spread_mm(run.layout, self.foot) < SIDE_SPREAD_MIN_MM:
            for k in SIDE_TO_SIDE_KEYS:
                summary[k] = None
            summary["sway_note"] = (f"front-back sway only: the {self.foot} foot's sensors lie in one line (heel, "
                                    "ball, toes), so its side-to-side sway is not measured (a layout with an outer "
                                    "sensor measures it)")
        if not summary["touched_down"] and not summary["capped"]:
            summary["note"] = "the drill ended before the foot came down"
        summary["feedback"] = self.feedback(summary)
        return summary, self._methods(sway_methods)

    def feedback(self, s: dict) -> str:
        """Plain sentences: how long the foot held, how it ended, the one thing to try next."""
        if not s["lifted"]:
            return sentences(f"Your {self.other} foot did not come off the mat, so no hold was timed",
                             f"Next time, move all your weight onto your {self.foot} foot first, then lift the "
                             f"{self.other} a few centimetres, with a chair within reach")
        first = f"You stood on your {self.foot} foot for {seconds(s['held_s'])}"
        if s["capped"]:
            second = "That is the full time this drill counts"
            nxt = f"Next time, try standing on your {self.other} foot, or set a longer time"
        elif s["touched_down"]:
            second = f"Then your {self.other} foot came down to the mat"
            nxt = ("Next time, aim for a few seconds more: rest your eyes on a point ahead and keep the "
                   f"{self.foot} knee soft")
        else:
            second = "The drill ended while you were still up"
            nxt = f"Next time, set a longer time to find out how long your {self.foot} foot can hold"
        load = s.get("standing_foot_load_pct")
        third = (f"Your {self.foot} foot carried {load:.0f} % of your weight while you held" if load is not None
                 and load < 97 else None)
        return sentences(first, second, third, nxt)

    def _methods(self, sway_methods: dict) -> dict:
        m = {
            "held_s": f"from lift-off (the {self.other} foot carrying < {100 * ONE_LEG_OFF_FRACTION:g} % of the mat's "
                      f"load for >= {LIFT_MIN_S:g} s) to touchdown (>= that share for {TOUCHDOWN_S:g} s) or the end, "
                      f"capped at max_time_s ({self.max_time:g} s); pauses (stepped off) excluded",
            "standing_foot_load_pct": "the standing foot's share of the mat's load while held",
        }
        m.update(sway_methods)
        m["feedback"] = FEEDBACK_METHOD
        m["sway_series"] = ("sway of the standing foot: that foot's own CoP (its sensors only), from "
                            f"{SETTLE_S:g} s after lift-off to touchdown or the cap, as recorded (raw pipeline); "
                            f"when the foot's sensors spread less than {SIDE_SPREAD_MIN_MM:g} mm across it (in one "
                            f"line), the side-to-side figures ({', '.join(SIDE_TO_SIDE_KEYS)}) are null and the "
                            "two-axis ones (speed, path, distance) measure the front-back sway")
        return m
