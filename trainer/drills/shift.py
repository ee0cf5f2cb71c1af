"""Rhythmic weight shift (NeuroCom RWS): move between two targets with the beat.

``shift-lr`` between a left and a right target, ``shift-ap`` between a forward and a back one.
Each pace (3, 2, 1 s a movement by default) is a block: 2 s at the centre ("get ready"), then
``cycles`` back-and-forth cycles of a sinusoidal target, starting and ending at the centre. A
beat marks each arrival at a target. The targets lie at ``amplitude`` × the person's reach in
that direction (their reach on this mat from `limits`, capped by the sensor hull, or 70 % of the
distance to the hull): never further than the person has shown they can go.
"""
from __future__ import annotations

import numpy as np

from firmware.errors import UsageError

from trainer.analysis.zones import METHODS as ZONE_METHODS
from trainer.analysis.zones import MAX_SPEED_MM_S, bounded_dc, score_presentation, summarise

from .base import FEEDBACK_METHOD, DrillRun, plural, sentences
from .limits import LOWPASS_HZ, STREAM_MARGIN_S, ZONE_MIN_RADIUS_MM, ZONE_RADIUS_FRACTION, lowpass, reach_toward, rounded, unit, zone_radius

LEAD_S = 2.0      # at the centre before each pace
TAIL_S = 1.0      # at the centre after the last pace (a lagging person finishes the movement)
LATE_MS = 400        # feedback: turning later than this after the beat is "behind the beat"
HOLD_FRACTION = 0.2   # of a pace: how long a turn must stay inside the target's zone to be a success

METHODS = {
    "series": f"whole-body CoP as recorded, low-passed zero-lag (2nd-order Butterworth, {LOWPASS_HZ:g} Hz, "
              "forward-backward) for velocities, path lengths and turning points; on-axis p = (CoP - centre) . u "
              "with u the unit vector from the centre toward the first target, off-axis q across it; each "
              "pace is scored from its first movement to 0.5 s after its last",
    "on_axis_velocity_mm_s": "sum |dp| / duration: the mean speed along the intended axis (METRICS.md, NeuroCom)",
    "target_velocity_mm_s": "the same for the target: (reach_a + reach_b) x amplitude / pace",
    "directional_control_pct": "100 x (sum |dp| - sum |dq|) / sum |dp| (METRICS.md: (on-axis - off-axis "
                               "excursion)/on-axis; the vendor's exact form is not public)",
    "rhythm_error_ms": "mean |t_turn - t_beat| over the beats of the pace: t_beat = the target's arrival at a "
                       "target, t_turn = when the person's on-axis CoP is furthest toward that target within "
                       "half a pace either side",
    "lag_ms": "mean signed t_turn - t_beat (positive: behind the beat)",
    "rhythm_sd_ms": "standard deviation of t_turn - t_beat (steadiness of the rhythm)",
    "excursion_pct": "mean over beats of the on-axis CoP at the turn / the target's distance x 100",
    "tracking_rms_mm": "sqrt(mean |CoP - target|^2) over the pace (CoP as recorded)",
    "target_points": "target = centre + amplitude x reach x u: reach = the person's reach on this mat in that "
               "direction (from `limits`, capped by the sensor hull) or 70 % of the distance to the hull",
    "zones": f"each beat is one presentation of the target it arrives at: a zone of radius "
             f"{100 * ZONE_RADIUS_FRACTION:g} % of the target's distance (at least {ZONE_MIN_RADIUS_MM:g} mm), from half a pace before the beat to half "
             f"a pace after; hold time {HOLD_FRACTION:g} x the pace; the target direction runs from the centre "
             "(trainer.analysis.zones; `targets` lists the presentations in order, `target_points` the two targets)",
    **{f"zone_{k}": v for k, v in ZONE_METHODS.items()},
}


def parse_paces(text) -> tuple[float, ...]:
    try:
        paces = tuple(float(p) for p in str(text).replace(" ", "").split(",") if p)
    except ValueError:
        paces = ()
    if not paces or any(not 0.5 <= p <= 6.0 for p in paces):
        raise UsageError(f"--paces {text!r} is not a list of paces", "give seconds a movement, e.g. --paces 3,2,1")
    return paces


class ShiftDrill(DrillRun):
    name = "shift"
    DIRS = ("left", "right")

    def __init__(self, *, cycles: int = 3, amplitude: float = 0.6, paces="3,2,1"):
        self.cycles = int(cycles)
        self.amplitude = float(amplitude)
        self.paces = parse_paces(paces)
        self.params = {"cycles": self.cycles, "amplitude": self.amplitude,
                       "paces": ",".join(f"{p:g}" for p in self.paces)}
        starts, t = [], 0.0
        for p in self.paces:
            starts.append(t)
            t += LEAD_S + 2 * self.cycles * p
        self.block_start = np.array(starts)
        self._duration = t + TAIL_S
        self.reach = {}
        self.dist = {}

    @property
    def active_duration_s(self) -> float:
        return self._duration

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        for d in self.DIRS:
            reach, edge, src = reach_toward(layout, self.centre, d, person)
            self.reach[d] = {"reach_mm": reach, "edge_mm": edge, "source": src}
            self.dist[d] = self.amplitude * reach

    # -- the timeline ---------------------------------------------------------------------
    def _where(self, a):
        """Per active time: pace block index, time into its movement part (NaN outside it)."""
        a = np.atleast_1d(np.asarray(a, float))
        j = np.clip(np.searchsorted(self.block_start, a, side="right") - 1, 0, len(self.paces) - 1)
        pace = np.array(self.paces)[j]
        tau = a - self.block_start[j] - LEAD_S
        moving = (tau >= 0) & (tau < 2 * self.cycles * pace)
        return j, pace, np.where(moving, tau, np.nan)

    def _s(self, a):
        _, pace, tau = self._where(a)
        return np.nan_to_num(np.sin(np.pi * tau / pace)), pace, tau

    def person_offset(self, a, lean_mm=None):
        s, _, _ = self._s(a)
        ua, ub = unit(self.DIRS[0]), unit(self.DIRS[1])
        da = self.dist[self.DIRS[0]] if lean_mm is None else float(lean_mm)
        db = self.dist[self.DIRS[1]] if lean_mm is None else float(lean_mm)
        return np.where(s[:, None] >= 0, s[:, None] * da * ua, -s[:, None] * db * ub)

    def target(self, a):
        return self.centre + self.person_offset(a)

    def person_cop(self, a):
        return self.target(a)

    def labels(self) -> list[str]:
        return ([f"shift to the {d}" if d in ("left", "right") else f"shift {d}" for d in self.DIRS]
                + [f"get ready: {p:g} s a movement" for p in self.paces])

    def cue(self, a):
        j, pace, tau = self._where(a)
        toward_b = np.cos(np.pi * np.nan_to_num(tau) / pace) < 0
        return np.where(np.isnan(tau), 2 + j, toward_b.astype(int))

    def beat_times(self) -> list[tuple[float, int, int]]:
        """(active time, pace index, +1 toward the first target / -1 the second) of every arrival."""
        out = []
        for j, p in enumerate(self.paces):
            m0 = self.block_start[j] + LEAD_S
            for m in range(2 * self.cycles):
                out.append((m0 + p / 2 + m * p, j, 1 if m % 2 == 0 else -1))
        return out

    def beats(self, a0: float, a1: float) -> list[float]:
        return [b for b, _, _ in self.beat_times() if a0 < b <= a1]

    def path_xy(self):
        if not self.dist:
            return None
        return np.array([self.centre + self.dist[self.DIRS[0]] * unit(self.DIRS[0]),
                         self.centre + self.dist[self.DIRS[1]] * unit(self.DIRS[1])])

    # -- scoring --------------------------------------------------------------------------
    # -- scoring, pace by pace (streaming: the engine keeps about one pace's frames) ------------
    # Unit j: pace j's movements (to half a second after its last) with STREAM_MARGIN_S more either
    # side, so the zero-lag low-pass of the window equals the whole run's where it is used.

    def units(self):
        out = []
        for j, pace in enumerate(self.paces):
            m0 = self.block_start[j] + LEAD_S
            out.append((m0 - STREAM_MARGIN_S, m0 + 2 * self.cycles * pace + 0.5 + STREAM_MARGIN_S))
        return out

    def start_scoring(self) -> None:
        self._parts = {}

    def score_unit(self, j, run, fs):
        if run is None:
            a, cop, target = np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2))
        else:
            a, cop, target = run.a, run.cop, run.target
        lp = lowpass(cop, fs, a=a) if len(a) else cop
        self._parts[j] = (self._pace(j, a, lp, cop, target, fs), self._zones(j, a, cop, fs))
        return None

    def summarise(self, fs):
        parts = [self._parts[j] for j in range(len(self.paces))]
        return self._summary([p[0] for p in parts], [z for p in parts for z in p[1]])

    def _zones(self, j, a, cop, fs) -> list[dict]:
        out = []
        for b, jb, sign in self.beat_times():
            if jb != j:
                continue
            pace = self.paces[j]
            d = self.DIRS[0] if sign > 0 else self.DIRS[1]
            sel = (a >= b - pace / 2) & (a < b + pace / 2)
            centre = self.centre + self.dist[d] * unit(d)
            row = score_presentation(a[sel], cop[sel], centre, zone_radius(self.dist[d]),
                                     hold_s=HOLD_FRACTION * pace, fs=fs, origin=self.centre, end_t=b + pace / 2)
            out.append({"direction": d, "pace_s": pace, **row})
        return out

    def zone_scores(self, run, fs) -> list[dict]:
        """Each beat as one presentation of the zone of the target it arrives at (CoP as recorded)."""
        return [z for j in range(len(self.paces)) for z in self._zones(j, run.a, run.cop, fs)]

    def _pace(self, j, a_all, cop, cop_raw, target, fs) -> dict:
        """The row of pace ``j`` (``cop`` low-passed, ``cop_raw`` as recorded)."""
        ua = unit(self.DIRS[0])
        perp = np.array([-ua[1], ua[0]])
        rel = cop - self.centre
        p, q = rel @ ua, rel @ perp
        pace = self.paces[j]
        m0 = self.block_start[j] + LEAD_S
        m1 = m0 + 2 * self.cycles * pace
        sel = (a_all >= m0) & (a_all < m1 + 0.5)
        row = {"pace_s": pace}
        if sel.sum() < fs * pace:
            row["note"] = "too few frames at this pace (paused?)"
            return row
        a, ps, qs = a_all[sel], p[sel], q[sel]
        stepok = np.diff(a) <= 2.0 / fs          # no path length across a gap (trainer.analysis.zones)
        dur = float(np.diff(a)[stepok].sum()) + 1.0 / fs
        on = float(np.sum(np.abs(np.diff(ps))[stepok]))
        off = float(np.sum(np.abs(np.diff(qs))[stepok]))
        errs, exc = [], []
        for b, jb, sign in self.beat_times():
            if jb != j:
                continue
            w = (a >= b - pace / 2) & (a < b + pace / 2)
            if w.sum() < 3:
                continue
            k = int(np.argmax(sign * ps[w]))
            errs.append(float(a[w][k] - b))
            d = self.dist[self.DIRS[0] if sign > 0 else self.DIRS[1]]
            exc.append(100.0 * sign * float(ps[w][k]) / d)
        d2 = np.sum((cop_raw[sel] - target[sel]) ** 2, axis=1)
        d2 = d2[np.isfinite(d2)]
        flags = []
        vel = on / dur
        if vel > MAX_SPEED_MM_S:
            flags.append(f"on_axis_velocity_mm_s refused: {vel:.0f} mm/s is above {MAX_SPEED_MM_S:g} mm/s")
            vel = None
        dc, f2 = bounded_dc(100.0 * (on - off) / on if on > 0 else None)
        flags += f2
        if flags:
            row["flags"] = flags
        row.update({
            "on_axis_velocity_mm_s": rounded(vel),
            "target_velocity_mm_s": rounded((self.dist[self.DIRS[0]] + self.dist[self.DIRS[1]]) / pace),
            "directional_control_pct": rounded(dc),
            "rhythm_error_ms": rounded(1000 * np.mean(np.abs(errs)), 0) if errs else None,
            "lag_ms": rounded(1000 * np.mean(errs), 0) if errs else None,
            "rhythm_sd_ms": rounded(1000 * np.std(errs), 0) if len(errs) > 1 else None,
            "excursion_pct": rounded(np.mean(exc)) if exc else None,
            "tracking_rms_mm": rounded(np.sqrt(d2.mean())) if d2.size else None,
            "beats": len(errs),
        })
        return row

    def score(self, run, fs):
        """The whole run at once (a replay, a trace): the run low-passed whole, the same rows."""
        cop = lowpass(run.cop, fs, a=run.a)
        rows = [self._pace(j, run.a, cop, run.cop, run.target, fs) for j in range(len(self.paces))]
        return self._summary(rows, self.zone_scores(run, fs))

    def _summary(self, rows, zone_rows):
        summary = {
            "axis": "-".join(self.DIRS),
            "paces": rows,
            "target_points": [{"direction": d, "distance_mm": round(self.dist[d], 1),
                         "x_mm": round(float(self.centre[0] + self.dist[d] * unit(d)[0]), 1),
                         "y_mm": round(float(self.centre[1] + self.dist[d] * unit(d)[1]), 1),
                         "reach_mm": round(self.reach[d]["reach_mm"], 1), "reach_from": self.reach[d]["source"]}
                        for d in self.DIRS],
            "centre_mm": [round(float(c), 1) for c in self.centre],
        }
        for key in ("directional_control_pct", "rhythm_error_ms", "on_axis_velocity_mm_s"):
            vals = [r[key] for r in rows if r.get(key) is not None]
            summary[f"mean_{key}"] = round(float(np.mean(vals)), 1) if vals else None
        zones = summarise(zone_rows)
        summary["targets"] = zones["targets"]
        for key in ("hits", "successes", "crossings", "gaps", "biodex_score"):
            summary[key] = zones[key]
        summary["feedback"] = self.feedback(summary)
        methods = dict(METHODS)
        methods["feedback"] = FEEDBACK_METHOD
        return summary, methods

    def _side(self, d: str) -> str:
        return {"forward": "forward", "back": "back"}.get(d, f"to the {d}")

    def feedback(self, summary: dict) -> str:
        """Plain sentences: the beats reached, the side that fell short, the pace that lagged, and
        the one thing to try next."""
        targets = summary["targets"]
        scored = [r for r in summary["paces"] if r.get("beats")]
        if not scored:
            return sentences("Too little of the drill was done to say how the shifts went",
                             "Next time, stay on the mat until the last beat")
        n = len(targets)
        first = (f"You reached the target on {summary['hits']} of {n} beats" if summary["hits"]
                 else f"None of the {n} beats reached its target")
        per = {d: [t for t in targets if t["direction"] == d] for d in self.DIRS}
        rate = {d: sum(t["hit"] for t in ts) / max(1, len(ts)) for d, ts in per.items()}
        short = min(self.DIRS, key=lambda d: (rate[d], d != self.DIRS[1]))
        other = self.DIRS[1] if short == self.DIRS[0] else self.DIRS[0]
        lagging = max(scored, key=lambda r: r.get("lag_ms") or 0)
        lag = lagging.get("lag_ms") or 0
        dc = summary.get("mean_directional_control_pct")
        if rate[short] < rate[other]:
            second = (f"Shifting {self._side(other)} went further: {sum(t['hit'] for t in per[other])} of "
                      f"{len(per[other])} beats there against {sum(t['hit'] for t in per[short])} of "
                      f"{len(per[short])} {self._side(short)}")
            nxt = f"Next time, shift a little further {self._side(short)} before you turn"
        elif rate[short] < 1:
            second = f"Both sides fell short on {plural(n - summary['hits'], 'beat')}"
            nxt = "Next time, let your whole body travel all the way to each target before you turn"
        else:
            second = "You got all the way to both targets"
            nxt = None
        if lag > LATE_MS:
            third = (f"At {lagging['pace_s']:g} seconds a movement you turned about {lag / 1000:.1f} s after the "
                     f"beat")
            nxt = nxt or "Next time, start each shift a little earlier so you arrive on the beat"
        elif dc is not None and dc < 80:
            third = "Some of the movement went across the line between the targets rather than along it"
            nxt = nxt or "Next time, keep the movement on a straight line between the two targets"
        elif summary.get("mean_rhythm_error_ms") is not None:
            # the figure shown beside it ("how far off the beat"), not "kept with the beat" at 332 ms
            third = f"Your turns came within about {summary['mean_rhythm_error_ms'] / 1000:.1f} s of the beat"
        else:
            third = "Your turns kept with the beat"
        nxt = nxt or "Next time, try a larger amplitude: the targets can move further out"
        return sentences(first, second, third, nxt)


class ShiftLeftRight(ShiftDrill):
    name = "shift-lr"
    DIRS = ("left", "right")


class ShiftForwardBack(ShiftDrill):
    name = "shift-ap"
    DIRS = ("forward", "back")
