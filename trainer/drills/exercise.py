"""Exercise drills from the seeds: heel raises (seed 001) and toe presses (seeds 002, 004).

Both count events on the per-foot loads with the rules of METRICS.md "Exercise events":

- heel raise: the heel's share of its foot's load falls below ``UP_HEEL_PCT`` for at least
  ``UP_MIN_S`` (up), then returns above ``DOWN_FRACTION`` of its standing baseline (down), while
  the mat carries at least ``MIN_LOAD_FRACTION`` of body weight; lock-out ``LOCKOUT_S`` between
  events. A raise that never gets the heels fully off is *partial*, one quicker than half of the
  metronome's up-hold-down is *too fast*: both are listed as rejected, not counted.
- toe press: toe load at least ``PRESS_RATIO`` x its standing baseline while the heel keeps at
  least ``PRESS_HEEL_SHARE`` of the foot's load; a press held ``hold`` s (± ``HOLD_TOLERANCE_S``)
  or longer is a hold.

Times in the summaries (``t_s``, ``start_s``) are drill time: seconds since the drill started,
pauses excluded (the ``a`` of :class:`RunData`).
"""
from __future__ import annotations

import math

import numpy as np

from .base import FEEDBACK_METHOD, DrillRun, plural, seconds, sentences

LEAD_S = 3.0              # "stand tall" before each set / before the presses: the standing baseline
UP_HEEL_PCT = 10.0        # heel share of its foot's load (%) below which the heel is off
UP_MIN_S = 0.2            # … for at least this long
DOWN_FRACTION = 0.5       # back down: heel share above this fraction of its standing baseline
MIN_LOAD_FRACTION = 0.8   # of body weight, during a raise (less: holding on or stepping)
LOCKOUT_S = 0.2           # between events
NOISE_S = 0.1             # a dip shorter than this that never reaches the top is not a raise
BEATS_PER_REP = 4         # up, hold, down, heels down
TOO_FAST_FRACTION = 0.5   # of the metronome's up-hold-down (3 beats)

PRESS_RATIO = 2.0         # toe load vs its standing baseline
PRESS_HEEL_SHARE = 0.30   # of the foot's load, kept on the heel during a press
HOLD_TOLERANCE_S = 0.3
PRESS_MIN_S = 0.5         # shorter presses are noise, not even listed as short
PRESS_GAP_S = 0.2         # gaps shorter than this inside a press are bridged
TOE_BASELINE_FLOOR = 0.01  # of body weight: a toe sensor carrying less is taken as carrying this


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs (end exclusive) of the True runs of ``mask``."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _bridge(runs, max_gap: int):
    """Join runs separated by fewer than ``max_gap`` frames."""
    out = []
    for s, e in runs:
        if out and s - out[-1][1] < max_gap:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _smooth(x):
    """0 → 1 over x in [0, 1], with zero slope at both ends."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


def _zone_y(layout, zone: str) -> float | None:
    m = layout.mask(zone=zone)
    return float(layout.positions[m, 1].mean()) if m.any() else None


def forefoot_y(layout) -> float:
    """Where a heel raise puts the CoP: between the balls and the toes (heels then carry ~nothing)."""
    ball, toes = _zone_y(layout, "ball"), _zone_y(layout, "toes")
    if ball is not None and toes is not None:
        return ball + 0.4 * (toes - ball)
    return 0.9 * float(layout.positions[:, 1].max())


def _r(x, nd=2):
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


class HeelRaisesDrill(DrillRun):
    name = "heel-raises"

    def __init__(self, *, sets: int = 2, reps: int = 15, tempo: float = 1.0, rest: float = 30.0):
        self.sets = int(sets)
        self.reps = int(reps)
        self.tempo_s = float(tempo)
        self.rest_s = float(rest)
        self.loops = self.sets                 # the view's counter shows the set
        self.period_s = None
        self.params = {"sets": self.sets, "reps": self.reps, "tempo": self.tempo_s, "rest": self.rest_s}

    # -- timeline ---------------------------------------------------------------------------
    @property
    def rep_s(self) -> float:
        return BEATS_PER_REP * self.tempo_s

    @property
    def set_s(self) -> float:
        return LEAD_S + self.reps * self.rep_s

    def set_start(self, k: int) -> float:
        return k * (self.set_s + self.rest_s)

    @property
    def active_duration_s(self) -> float:
        return self.sets * self.set_s + (self.sets - 1) * self.rest_s

    def _where(self, a):
        """Per active time: set index, position in the set (s), and beat number within the reps (or -1)."""
        a = np.atleast_1d(np.asarray(a, float))
        k = np.clip(np.floor(a / (self.set_s + self.rest_s)), 0, self.sets - 1).astype(int)
        u = a - k * (self.set_s + self.rest_s)
        beat = np.where((u >= LEAD_S) & (u < self.set_s), np.floor((u - LEAD_S) / self.tempo_s), -1).astype(int)
        return k, u, beat

    def loop_of(self, a: float) -> int:
        # _where's set index for one time, in Python numbers (the engine asks once a frame)
        return min(max(math.floor(a / (self.set_s + self.rest_s)), 0), self.sets - 1)

    def labels(self) -> list[str]:
        return ["stand tall, heels down", "up onto the toes", "hold", "down slowly", "heels down", "rest"]

    def cue(self, a) -> np.ndarray:
        k, u, beat = self._where(a)
        out = np.where(beat >= 0, 1 + beat % BEATS_PER_REP, 0)
        return np.where(u >= self.set_s, 5, out)

    def beats(self, a0: float, a1: float) -> list[float]:
        out = []
        for k in range(self.sets):
            b0 = self.set_start(k) + LEAD_S
            j0 = max(0, math.floor((a0 - b0) / self.tempo_s))
            j1 = min(self.reps * BEATS_PER_REP - 1, math.floor((a1 - b0) / self.tempo_s))
            out += [b0 + j * self.tempo_s for j in range(j0, j1 + 1) if a0 < b0 + j * self.tempo_s <= a1]
        return out

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        self.top = np.array([self.centre[0], max(forefoot_y(layout), self.centre[1])])

    def rise(self, a) -> np.ndarray:
        """How far up (0..1) a person following the metronome is at active time ``a``."""
        _, u, beat = self._where(a)
        x = (u - LEAD_S) / self.tempo_s - np.maximum(beat, 0)   # position within the beat
        ph = np.where(beat >= 0, beat % BEATS_PER_REP, 3)
        frac = np.select([ph == 0, ph == 1, ph == 2], [_smooth(x), 1.0, 1.0 - _smooth(x)], 0.0)
        return np.where(beat >= 0, frac, 0.0)

    def person_cop(self, a) -> np.ndarray:
        f = self.rise(a)[:, None]
        return self.centre + f * (self.top - self.centre)

    # -- counting, rep by rep (streaming: the engine keeps one rep's frames) -------------------
    def units(self):
        """Windows of one rep (``rep_s``) each: the first of a set also holds its lead (the
        standing baseline), and the rest between sets is cut into rep-long windows too."""
        edges = []
        for k in range(self.sets):
            s0 = self.set_start(k)
            edges.append(s0)
            end = self.set_start(k + 1) if k < self.sets - 1 else s0 + self.set_s
            e = s0 + LEAD_S + self.rep_s
            while e < end - 1e-9:
                edges.append(e)
                e += self.rep_s
        return list(zip(edges, edges[1:] + [np.inf]))

    def set_of(self, a: float) -> int:
        """The set whose window [set start, next set's start) holds active time ``a``."""
        return int(np.clip(np.floor(a / (self.set_s + self.rest_s)), 0, self.sets - 1))

    def start_scoring(self) -> None:
        self._counter = HeelRaiseCounter(sets=self.sets, reps=self.reps, tempo_s=self.tempo_s)
        self._unit_sets = [self.set_of(a0) for a0, _ in self.units()]

    def score_unit(self, i, run, fs):
        return self._counter.add_set(self._unit_sets[i], run, fs, last=i == len(self._unit_sets) - 1)

    def summarise(self, fs):
        return self._counter.summary()


def _baseline(values: np.ndarray, a: np.ndarray, lead_s: float, fallback_pct: float = 75.0) -> float:
    sel = (a >= 0.5) & (a < lead_s) & np.isfinite(values)
    if sel.sum() >= 10:
        return float(np.median(values[sel]))
    v = values[np.isfinite(values)]
    return float(np.percentile(v, fallback_pct)) if v.size else float("nan")


class HeelRaiseCounter:
    """Heel raises counted window by window (streaming): ``add_set(k, run, fs)`` with the frames of
    each window of set ``k`` (a whole set, or one rep of it) as it completes (the first window's lead
    gives the standing baseline), ``summary()`` at the end."""

    def __init__(self, *, sets: int, reps: int, tempo_s: float):
        self.sets, self.reps, self.tempo_s = sets, reps, tempo_s
        self.base = None
        self.stand_y = float("nan")
        self.per_set = [{"set": k + 1, "reps": 0, "target_reps": reps, "rejected": [], "tempo_s": tempo_s,
                         "_reps": []} for k in range(sets)]
        self._asym_sum, self._asym_n = 0.0, 0
        self._heel_l, self._heel_r = [], []

    def add_set(self, k: int, run, fs: float, last: bool | None = None) -> float | None:
        """Count the raises in a window of set ``k``; a raise still up at the window's end — or
        ended so shortly before it that the lock-out could join it to the next one — is left for
        the next window's frames (unless ``last``, default: ``k`` is the last set): its start is
        returned."""
        if run is None or not len(run):
            return None
        a = run.a
        hl, hr = run.heel_pct_left, run.heel_pct_right
        if self.base is None:
            self.base = {"left": _baseline(hl, a, LEAD_S), "right": _baseline(hr, a, LEAD_S)}
            self.stand_y = _stand_y(run)
        base = self.base
        with np.errstate(invalid="ignore"):
            floor = (hl > DOWN_FRACTION * base["left"]) & (hr > DOWN_FRACTION * base["right"])
            top = (hl < UP_HEEL_PCT) & (hr < UP_HEEL_PCT)
        min_rep_s = TOO_FAST_FRACTION * 3 * self.tempo_s
        gap = max(1, int(round(LOCKOUT_S * fs)))
        excursions = _bridge(_runs(~floor), gap)
        last = k == self.sets - 1 if last is None else last
        carry = None
        if not last and excursions and len(a) - excursions[-1][1] < gap:
            carry = float(a[excursions[-1][0]])
            excursions = excursions[:-1]
        for i0, i1 in excursions:
            dur = float(a[i1] - a[i0]) if i1 < len(a) else float(a[-1] - a[i0])
            top_runs = _runs(top[i0:i1])
            top_s = float(max((e - s for s, e in top_runs), default=0)) / fs
            if top_s == 0 and dur < NOISE_S:
                continue
            tot = np.nan_to_num(run.total[i0:i1])
            load_min = float(tot.min()) / run.weight_n if np.isfinite(run.weight_n) and run.weight_n > 0 else 1.0
            hmin = np.nanmax(np.vstack([hl[i0:i1], hr[i0:i1]]), axis=0) if i1 > i0 else np.array([np.nan])
            heel_min = float(np.nanmin(hmin)) if np.isfinite(hmin).any() else float("nan")
            t_s = round(float(a[i0]), 2)
            if i1 >= len(a):
                reason = ("the drill ended before the heels came back down" if last
                          else "the set ended before the heels came back down")
            elif top_s < UP_MIN_S:
                reason = (f"partial: heels not fully off (lowest heel share {heel_min:.0f} % of the foot's load, "
                          f"needs < {UP_HEEL_PCT:.0f} % for {UP_MIN_S:.1f} s)")
            elif load_min < MIN_LOAD_FRACTION:
                reason = f"the mat carried only {100 * load_min:.0f} % of body weight (holding on or stepping)"
            elif dur < min_rep_s:
                reason = f"too fast: up and down in {dur:.2f} s (at least {min_rep_s:.1f} s at this tempo)"
            else:
                reason = None
            if reason:
                self.per_set[k]["rejected"].append({"t_s": t_s, "reason": reason})
                continue
            s0, s1 = max(top_runs, key=lambda r: r[1] - r[0])
            sel = slice(i0 + s0, i0 + s1)
            lp = run.left_pct[sel]
            d = (lp - (100.0 - lp))[np.isfinite(lp)]
            self._asym_sum += float(d.sum())
            self._asym_n += int(d.size)
            self._heel_l.append(np.nanmin(hl[sel]))
            self._heel_r.append(np.nanmin(hr[sel]))
            self.per_set[k]["reps"] += 1
            self.per_set[k]["_reps"].append({"t_s": t_s, "duration_s": round(dur, 2), "top_s": round(top_s, 2),
                                             "heel_min_pct": _r(heel_min, 1),
                                             "rise_mm": _r(np.nanmean(run.cop[sel, 1]) - self.stand_y, 1)})
        return carry

    def summary(self):
        return _heel_raise_summary(self)


def count_heel_raises(run, fs: float, *, sets: int, reps: int, tempo_s: float, set_starts: list[float]):
    """(summary, methods) for heel raises over the running frames (set by set, as streamed)."""
    c = HeelRaiseCounter(sets=sets, reps=reps, tempo_s=tempo_s)
    edges = list(set_starts[1:]) + [np.inf]
    carry = None
    for k in range(sets):
        w = run.window(set_starts[k] if carry is None else min(carry, set_starts[k]), edges[k])
        carry = c.add_set(k, w if len(w) else None, fs)
    return c.summary()


def _heel_raise_summary(c: HeelRaiseCounter):
    sets, reps, tempo_s = c.sets, c.reps, c.tempo_s
    per_set = [dict(s) for s in c.per_set]
    base = c.base or {"left": float("nan"), "right": float("nan")}
    for s in per_set:
        r = s.pop("_reps")
        s["mean_duration_s"] = _r(np.mean([x["duration_s"] for x in r])) if r else None
        s["mean_top_s"] = _r(np.mean([x["top_s"] for x in r])) if r else None
        s["rise_mm"] = _r(np.nanmean([x["rise_mm"] if x["rise_mm"] is not None else np.nan for x in r]), 1) if r else None
        s["rep_list"] = r
    if c._heel_l:
        asym = c._asym_sum / c._asym_n if c._asym_n else float("nan")
        heel_l = np.nanmean(c._heel_l)
        heel_r = np.nanmean(c._heel_r)
    else:
        asym, heel_l, heel_r = float("nan"), float("nan"), float("nan")
    total_reps = sum(s["reps"] for s in per_set)
    summary = {
        "score": round(100.0 * min(1.0, total_reps / max(1, sets * reps)), 1),
        "sets": per_set,
        "reps_total": total_reps,
        "rejected_total": sum(len(s["rejected"]) for s in per_set),
        "tempo_s": tempo_s,
        "lr_asymmetry": _r(asym, 1),
        "heel_at_top_pct": {"left": _r(heel_l, 1), "right": _r(heel_r, 1)},
        "baseline_heel_pct": {k: _r(v, 1) for k, v in base.items()},
    }
    methods = {
        "heel_raise": (f"per foot, heel share = heel sensor(s) / the foot's load; baseline = median over the "
                       f"{LEAD_S:.0f} s before the first set; a raise is a stretch where either heel is below "
                       f"{100 * DOWN_FRACTION:.0f} % of its baseline (gaps under {LOCKOUT_S} s bridged: lock-out); "
                       f"it counts when both heels are below {UP_HEEL_PCT:.0f} % for >= {UP_MIN_S} s (else "
                       f"'partial'), the mat carries >= {100 * MIN_LOAD_FRACTION:.0f} % of body weight throughout, "
                       f"and it lasts >= {TOO_FAST_FRACTION} x 3 beats (else 'too fast'); METRICS.md Exercise events"),
        "t_s": "drill time: seconds since the drill started, pauses excluded",
        "tempo_s": f"metronome: one beat per tempo_s; a rep = {BEATS_PER_REP} beats (up, hold, down, heels down)",
        "lr_asymmetry": "left minus right share of the load (percentage points) at the top of the counted raises",
        "rise_mm": "height proxy: forward shift of the CoP at the top vs standing",
        "score": "reps counted / reps asked, x 100 (capped at 100)",
        "feedback": FEEDBACK_METHOD,
    }
    summary["feedback"] = heel_raise_feedback(summary, sets=sets, reps=reps, tempo_s=tempo_s)
    return summary, methods


ASYMMETRY_PP = 10.0      # feedback: one foot carrying this many points more at the top is "more"


def heel_raise_feedback(s: dict, *, sets: int, reps: int, tempo_s: float) -> str:
    """Plain sentences: reps done of those asked, why others did not count, the foot that carried
    more at the top, and the one thing to try next."""
    asked = sets * reps
    done = s["reps_total"]
    first = (f"You did {done} of the {asked} heel raises asked" + (f" over {sets} sets" if sets > 1 else "")
             if done else f"None of the {asked} heel raises counted this time")
    reasons = [r["reason"] for st in s["sets"] for r in st["rejected"]]
    partial = sum(r.startswith("partial") for r in reasons)
    fast = sum(r.startswith("too fast") for r in reasons)
    held = sum("holding on" in r for r in reasons)
    second = third = nxt = None
    if partial:
        second = f"On {plural(partial, 'raise')} your heels did not come all the way off the mat"
        nxt = "Next time, rise all the way onto the balls of your feet before you come down"
    if fast:
        part = f"You went quicker than the beat on {plural(fast, 'raise')}"
        second = part if second is None else second
        third = part if second != part else None
        nxt = nxt or f"Next time, go with the beat: up, hold, down, each on its own beat ({seconds(tempo_s)} each)"
    if held and nxt is None:
        second = f"During {plural(held, 'raise')} the mat carried less than your full weight"
        nxt = "Next time, keep a hand only lightly on the support, so your legs do the lifting"
    asym = s.get("lr_asymmetry")
    if asym is not None and abs(asym) >= ASYMMETRY_PP:
        heavier, lighter = ("left", "right") if asym > 0 else ("right", "left")
        line = f"At the top, your {heavier} foot carried more of your weight than your {lighter}"
        if second is None:
            second = line
        elif third is None:
            third = line
        nxt = nxt or f"Next time, press evenly through both big toes, letting your {lighter} foot take its share"
    if second is None and not done:
        second = "Your heels did not come off the mat with the beat"
        nxt = nxt or "Next time, rise onto the balls of your feet on the up beat and hold there for a beat"
    if second is None and done:
        second = "Every raise that was started went all the way up at the beat's pace"
    if nxt is None:
        nxt = ("Next time, try a slower beat or a few more raises" if done >= asked else
               "Next time, keep going with the beat until the last raise")
    return sentences(first, second, third, nxt)


def _stand_y(run) -> float:
    sel = (run.a >= 0.5) & (run.a < LEAD_S)
    y = run.cop[sel, 1] if sel.sum() >= 10 else run.cop[:, 1]
    return float(np.nanmedian(y)) if np.isfinite(y).any() else float("nan")


class ToePressDrill(DrillRun):
    name = "toe-press"

    def __init__(self, *, reps: int = 10, hold: float = 3.0, relax: float = 4.0):
        self.reps = int(reps)
        self.hold_s = float(hold)
        self.relax_s = float(relax)
        self.loops = self.reps
        self.period_s = None
        self.params = {"reps": self.reps, "hold": self.hold_s, "relax": self.relax_s}

    @property
    def cycle_s(self) -> float:
        return self.hold_s + self.relax_s

    @property
    def active_duration_s(self) -> float:
        return LEAD_S + self.reps * self.cycle_s

    def _where(self, a):
        a = np.atleast_1d(np.asarray(a, float))
        u = a - LEAD_S
        k = np.where(u >= 0, np.floor(u / self.cycle_s), -1).astype(int)
        x = u - np.maximum(k, 0) * self.cycle_s
        return k, x

    def loop_of(self, a: float) -> int:
        u = a - LEAD_S                 # _where's press index for one time, in Python numbers
        return max(0, math.floor(u / self.cycle_s)) if u >= 0 else 0

    def labels(self) -> list[str]:
        return ["stand relaxed", "grip the floor with your toes", "relax"]

    def cue(self, a) -> np.ndarray:
        k, x = self._where(a)
        return np.where(k < 0, 0, np.where(x < self.hold_s, 1, 2))

    def beats(self, a0: float, a1: float) -> list[float]:
        """A beat when each press starts and when it ends (buzzer: press, release)."""
        times = []
        for j in range(self.reps):
            s = LEAD_S + j * self.cycle_s
            times += [s, s + self.hold_s]
        return [b for b in times if a0 < b <= a1]

    def person_grip(self, a) -> np.ndarray:
        """Toe grip (0..1) of a person pressing on the beats (0.2 s to grip and to let go)."""
        k, x = self._where(a)
        up = np.clip(x / 0.2, 0, 1)
        down = np.clip((x - self.hold_s) / 0.2, 0, 1)
        return np.where(k >= 0, up * (1 - down), 0.0)

    def person_cop(self, a) -> np.ndarray:
        g = self.person_grip(a)[:, None]
        return self.centre + g * np.array([0.0, 5.0])     # gripping moves the CoP a little forward

    # -- presses, one at a time (streaming: the engine keeps the lead and one press's frames) ----
    def units(self):
        starts = [0.0] + [LEAD_S + j * self.cycle_s for j in range(1, self.reps)]
        return list(zip(starts, starts[1:] + [np.inf]))

    def start_scoring(self) -> None:
        self._counter = ToePressCounter(hold_s=self.hold_s, reps=self.reps)

    def score_unit(self, i, run, fs):
        return self._counter.add(run, fs, last=i == self.reps - 1)

    def summarise(self, fs):
        return self._counter.summary()


class ToePressCounter:
    """Toe presses found press by press (streaming): ``add(run, fs)`` with each unit's frames as it
    completes (the first unit's lead gives each foot's standing toe load), ``summary()`` at the end."""

    def __init__(self, *, hold_s: float, reps: int | None):
        self.hold_s, self.reps = hold_s, reps
        self.base = None
        self.holds, self.short = [], []

    def add(self, run, fs: float, last: bool = True) -> float | None:
        """Find the presses in one unit's frames; a press still held at the unit's end (not the
        last) is left for the next unit: its start is returned."""
        if run is None or not len(run):
            return None
        layout = run.layout
        a = run.a
        w = run.weight_n if np.isfinite(run.weight_n) else 700.0
        if self.base is None:
            self.base = {}
            for foot in ("left", "right"):
                toes = layout.mask(foot=foot, zone="toes")
                if toes.any() and layout.mask(foot=foot, zone="heel").any():
                    tl = np.nan_to_num(run.forces[:, toes]).sum(axis=1)
                    self.base[foot] = max(_baseline(tl, a, LEAD_S, fallback_pct=25.0), TOE_BASELINE_FLOOR * w)
        cond = np.zeros(len(a), bool)
        per_foot = {}
        for foot, load in (("left", run.load_left), ("right", run.load_right)):
            if foot not in self.base:
                continue
            toes = layout.mask(foot=foot, zone="toes")
            heel = layout.mask(foot=foot, zone="heel")
            tl = np.nan_to_num(run.forces[:, toes]).sum(axis=1)
            hl = np.nan_to_num(run.forces[:, heel]).sum(axis=1)
            base = self.base[foot]
            with np.errstate(invalid="ignore", divide="ignore"):
                c = (tl >= PRESS_RATIO * base) & (hl >= PRESS_HEEL_SHARE * np.nan_to_num(load)) & (load > 0)
                per_foot[foot] = (c, tl / base, 100.0 * hl / np.where(load > 0, load, np.nan), base)
            cond |= c
        gap = max(1, int(round(PRESS_GAP_S * fs)))
        bridged = _bridge(_runs(cond), gap)
        presses = [r for r in bridged if (r[1] - r[0]) / fs >= PRESS_MIN_S]
        carry = None
        if not last and bridged and len(a) - bridged[-1][1] < gap:
            # held across the unit's end, or let go so shortly before it that the next frames could
            # still join it: the next unit has it
            carry = float(a[bridged[-1][0]])
            presses = [r for r in presses if r[0] < bridged[-1][0]]
        for i0, i1 in presses:
            dur = float(a[i1] - a[i0]) if i1 < len(a) else float(a[-1] - a[i0]) + 1.0 / fs
            feet = [f for f, (c, *_r) in per_foot.items() if c[i0:i1].mean() > 0.5]
            ratios = ([np.nanmean(per_foot[f][1][i0:i1]) for f in feet]
                      or [np.nanmean(per_foot[f][1][i0:i1]) for f in per_foot])
            heel = [np.nanmin(per_foot[f][2][i0:i1]) for f in feet] or [np.nan]
            item = {"start_s": round(float(a[i0]), 2), "duration_s": round(dur, 2),
                    "toe_load_ratio": _r(np.mean(ratios), 2),
                    "feet": "both" if len(feet) == 2 else (feet[0] if feet else "either"),
                    "heel_min_pct": _r(np.nanmin(heel), 1)}
            (self.holds if dur >= self.hold_s - HOLD_TOLERANCE_S else self.short).append(item)
        return carry

    def summary(self):
        return _toe_press_summary(self)


def detect_toe_presses(run, fs: float, *, hold_s: float, reps: int | None = None, starts=None):
    """(summary, methods) for toe presses over the running frames (unit by unit from ``starts``,
    the active times where the units begin; default: the whole run as one)."""
    c = ToePressCounter(hold_s=hold_s, reps=reps)
    starts = [0.0] if starts is None else list(starts)
    ends = starts[1:] + [np.inf]
    carry = None
    for a0, a1 in zip(starts, ends):
        w = run.window(a0 if carry is None else min(a0, carry), a1)
        carry = c.add(w if len(w) else None, fs, last=a1 == np.inf)
    return c.summary()


def _toe_press_summary(c: ToePressCounter):
    holds, short, hold_s, reps = c.holds, c.short, c.hold_s, c.reps
    per_foot = c.base or {}
    summary = {
        "score": round(100.0 * min(1.0, len(holds) / reps), 1) if reps else None,
        "holds": holds,
        "count": len(holds),
        "short": short,
        "hold_s": hold_s,
        "mean_hold_s": _r(np.mean([h["duration_s"] for h in holds])) if holds else None,
        "toe_baseline_n": {f: _r(v, 1) for f, v in per_foot.items()},
    }
    methods = {
        "toe_press": (f"per foot, toe load = toe sensor(s); baseline = median over the {LEAD_S:.0f} s before the "
                      f"first press (at least {100 * TOE_BASELINE_FLOOR:.0f} % of body weight); pressing while toe "
                      f"load >= {PRESS_RATIO} x baseline and the heel keeps >= {100 * PRESS_HEEL_SHARE:.0f} % of the "
                      f"foot's load, on either foot (gaps under {PRESS_GAP_S} s bridged, presses under "
                      f"{PRESS_MIN_S} s ignored); a hold lasts >= hold_s - {HOLD_TOLERANCE_S} s (shorter: 'short'); "
                      "METRICS.md Exercise events"),
        "start_s": "drill time: seconds since the drill started, pauses excluded",
        "toe_load_ratio": "mean over the hold of toe load / baseline, averaged over the pressing feet",
        "score": "holds / presses asked, x 100 (capped at 100)",
        "feedback": FEEDBACK_METHOD,
    }
    summary["feedback"] = toe_press_feedback(summary, reps=reps)
    return summary, methods


def toe_press_feedback(s: dict, *, reps: int | None) -> str:
    """Plain sentences: holds done of those asked, presses let go early, the foot that pressed, and
    the one thing to try next."""
    n, hold = s["count"], s["hold_s"]
    first = (f"You held {n}{f' of the {reps}' if reps else ''} toe presses for the full {seconds(hold)}" if n
             else f"None of the {f'{reps} ' if reps else ''}toe presses was held for {seconds(hold)} this time")
    short = s["short"]
    second = nxt = None
    if short:
        mean = sum(x["duration_s"] for x in short) / len(short)
        second = f"You let go early on {plural(len(short), 'press', 'presses')}, after about {seconds(mean)}"
        nxt = "Next time, keep gripping until the beat tells you to relax"
    feet = [h["feet"] for h in s["holds"] + short]
    one = [f for f in feet if f in ("left", "right")]
    third = None
    if one and len(one) >= len(feet) / 2:
        foot = max(("left", "right"), key=one.count)
        other = "right" if foot == "left" else "left"
        third = f"Most presses came from your {foot} foot"
        nxt = nxt or f"Next time, grip with the toes of your {other} foot as well"
    elif n:
        third = "Both feet gripped together"
    if not n and not short:
        second = "No press was strong enough to register"
        nxt = "Next time, grip the floor harder with your toes while your heels stay down"
    nxt = nxt or ("Next time, try a longer hold" if reps and n >= reps else
                  "Next time, press on every beat until the last one")
    return sentences(first, second, third, nxt)
