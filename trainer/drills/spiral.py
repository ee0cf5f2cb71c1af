"""The spiral drill (PRODUCT.md §1, seed 000): the spiral on the feet — most of the weight onto one
foot, that foot rolling heel → ball → toes, then over to the other foot.

The path is :class:`~trainer.drills.feet.FootSpiralPath`: the engine's target columns stay the
whole-body target (derived from the per-foot parts); :meth:`SpiralDrill.foot_target` gives the
per-foot parts (share on each foot, each foot's own CoP, the working foot and its zone) for the
view and :meth:`SpiralDrill.person_feet` the same for the simulated person.
"""
from __future__ import annotations

import numpy as np

from firmware.sim.person import FootTarget
from trainer.analysis.tracking import METHODS, MIN_LOOPS

from . import spiral_score
from .base import DrillRun
from .feet import DEFAULT_SHARE_PCT, FootSpiralPath


def lean_points(calibration, layout) -> dict | None:
    """Sensor name → the foot's CoP (x, y) in the calibration's lean onto that sensor, when the
    calibration recorded it (``fit["lean_cop_mm"]``), else None."""
    fit = getattr(calibration, "fit", None) or {}
    pts = fit.get("lean_cop_mm") if isinstance(fit, dict) else None
    if not isinstance(pts, dict):
        return None
    names = {s.name for s in layout.sensors}
    out = {k: (float(v[0]), float(v[1])) for k, v in pts.items() if k in names and len(v) == 2}
    return out or None


class SpiralDrill(DrillRun):
    name = "spiral"

    def __init__(self, *, loops: int = 3, period: float = 12.0, amplitude: float = 0.6,
                 direction: str = "heel-to-toes", start_foot: str = "left", reach_mm: dict | None = None,
                 period_s: float | None = None, share: float = DEFAULT_SHARE_PCT, calibration=None):
        self.loops = int(loops)
        self.period_s = float(period_s if period_s is not None else period)
        self.amplitude = float(amplitude)
        self.direction = direction
        self.start_foot = start_foot
        self.reach_mm = reach_mm
        self.share = float(share)
        self.calibration = calibration      # set by whoever has it: the zones come from its lean poses
        self.path = None
        self._dense = None

    @property
    def params(self) -> dict:
        return {"loops": self.loops, "period": self.period_s, "amplitude": self.amplitude,
                "direction": self.direction, "start-foot": self.start_foot, "share": self.share}

    @property
    def active_duration_s(self) -> float:
        return self.loops * self.period_s

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        reach = self.reach_mm if self.reach_mm is not None else getattr(person, "reach_mm", None)
        self.path = FootSpiralPath(layout, centre, share_pct=self.share, amplitude=self.amplitude,
                                   period_s=self.period_s, direction=self.direction, start_foot=self.start_foot,
                                   reach_mm=reach, lean_points=lean_points(self.calibration, layout))
        self._dense = self.path.dense()
        return self.path

    def target(self, a):
        return self.path.position(a)

    def foot_target(self, a) -> dict:
        """The per-foot target at active time(s) ``a``: ``left_share`` (0..1), ``left_cop`` and
        ``right_cop`` (n, 2) mm, ``working`` foot (n,), ``zone`` (n,) index of the waypoint cued,
        ``zones`` {foot: (m, 2) zone centres} and ``radius_mm`` {foot: (m,)}."""
        p = self.path
        return {"left_share": p.share_on("left", a), "left_cop": p.foot_cop("left", a),
                "right_cop": p.foot_cop("right", a), "working": p.working_foot(a), "zone": p.phase_index(a),
                "zones": {f: z.xy for f, z in p.zones.items()}, "radius_mm": {f: z.radius_mm for f, z in p.zones.items()}}

    def cued_zone(self, a: float) -> tuple[int, str]:
        """(index of the waypoint cued, the working foot) at one active time: :meth:`foot_target`'s
        ``zone`` and ``working`` without its share and CoP lookups (the view reads it every frame)."""
        aa = np.array([a], dtype=float)
        return int(self.path.phase_index(aa)[0]), str(self.path.working_foot(aa)[0])

    def person_feet(self, a) -> FootTarget:
        """Where a compliant simulated person puts their weight, foot by foot."""
        p = self.path
        return FootTarget(p.share_on("left", a), p.foot_cop("left", a), p.foot_cop("right", a))

    def cue(self, a) -> np.ndarray:
        return self.path.phase_index(a)

    def labels(self) -> list[str]:
        return [w.label for w in self.path.waypoints]

    def path_xy(self):
        return self._dense

    # -- scoring, loop by loop (streaming: the engine keeps two loops' frames) ------------------
    # A loop is scored on its own frames, its zones looked for from half a loop before it to half
    # a loop after (the lag shifts them): unit k is that window, [k - 1/2, k + 3/2) loops. The
    # session's following F-test is fed each whole loop's CoP (tracking.StreamingFTest) instead
    # of keeping the frames; ``score`` on a whole run keeps the window and tests it at once.

    def units(self):
        P = self.period_s
        return [((k - 0.5) * P, (k + 1.5) * P) for k in range(self.loops)]

    def start_scoring(self) -> None:
        self._scored = []
        self._n_full = 0
        self._ftest = None

    def _loop(self, k: int, run, fs):
        """(the loop's figures, or None when under half of it ran; its frames' indices when whole)."""
        P = self.period_s
        sel = (run.a >= k * P) & (run.a < (k + 1) * P)
        if sel.sum() < fs * P * 0.5:
            return None, None
        idx = np.flatnonzero(sel)
        near = np.flatnonzero((run.a >= (k - 0.5) * P) & (run.a < (k + 1.5) * P))
        lp = spiral_score.score_loop(run.a[idx], _Frames(run, idx), self.path, fs, loop=k,
                                     around=(run.a[near], _Frames(run, near)))
        lp["loop"] = k + 1
        return lp, (idx if sel.sum() >= fs * P * 0.95 else None)

    def score_unit(self, k, run, fs):
        if run is None:
            return None
        lp, full = self._loop(k, run, fs)
        if lp is not None:
            self._scored.append(lp)
        if full is not None:
            if self._ftest is None:
                from trainer.analysis.tracking import StreamingFTest
                self._ftest = StreamingFTest(fs, self.period_s, self.path.centre)
            self._ftest.add_loop(run.cop[full])
            self._n_full += 1
        return None

    def summarise(self, fs):
        sess = spiral_score.session(self._scored, None, fs, self._n_full, streamed=self._ftest)
        return self._summary(self._scored, sess)

    def score(self, run, fs):
        """The whole run at once (a replay, a trace, the live view's loop preview): the same loop
        figures; the following F-test on the whole loops' CoP kept together."""
        loops, full = [], []
        for k in range(self.loops):
            lp, idx = self._loop(k, run, fs)
            if lp is not None:
                loops.append(lp)
            if idx is not None:
                full.append(idx)
        window = np.concatenate(full) if full else None
        sess = spiral_score.session(loops, None if window is None else run.cop[window], fs, len(full))
        return self._summary(loops, sess)

    def _summary(self, loops, sess):
        P = self.period_s
        score = round(float(np.mean([lp["score"] for lp in loops])), 1) if loops else None
        if score is not None and sess["following"] is not None and not sess["following"]["following"]:
            score = min(score, 30.0)
        summary = {"score": score, "loops": loops, "reach_mm": round(self.path.mean_reach_mm, 1),
                   "centre_mm": [round(float(c), 1) for c in self.path.centre],
                   "share_pct": self.share, **sess,
                   "waypoints": [{"label": w.label, "x_mm": round(float(w.xy[0]), 1),
                                  "y_mm": round(float(w.xy[1]), 1)} for w in self.path.waypoints],
                   "zones": {f: [{"label": z.labels[k], "x_mm": round(float(z.xy[k][0]), 1),
                                  "y_mm": round(float(z.xy[k][1]), 1), "radius_mm": round(float(z.radius_mm[k]), 1)}
                                 for k in range(len(z.xy))] for f, z in self.path.zones.items()},
                   "feedback": spiral_score.feedback(loops, sess, self.share, P, direction=self.direction)}
        methods = dict(METHODS)
        src = self.path.zones[self.path.feet[0]].source
        methods["path"] = (
            f"the spiral on the feet: the working foot carries share ({self.share:g} %) of body weight from its "
            "first zone to its last (a raised sine through 50 % at each cross-over); its own CoP passes its zones "
            "at (j + 1/2)/m of its half loop, the other foot rests half-way between its heel and ball zones; "
            "whole-body target = share x working CoP + (1 - share) x other CoP; backward excursion capped by "
            "the person's backward reach (from `limits`) when known")
        methods["zones"] = (f"zone = c + (0.3 + amplitude) x (p - c) (at most 0.95), p per sensor = {src}"
                            + ("" if src.startswith("calibration") else
                               " (the calibration holds no per-foot lean CoP, so the layout's sensor positions "
                               "stand in for the range each foot covered)")
                            + "; visit radius = min(25 mm, 0.45 x the distance "
                            "to that foot's nearest other zone)")
        methods["visits"] = ("judged on the working foot's own CoP during its half loop (shifted by the lag): a zone "
                             "is visited when that CoP comes within its radius; in order = every zone visited and "
                             "their times of closest approach increasing; whole-body closest_approach_mm is "
                             "reported only (whole-body ball and toes are closer than the mat resolves)")
        methods["transfer"] = (f"transfer_pct = median share on the working foot while the target holds it at the "
                               f"full share; transfer_ok = at least share - {spiral_score.SHARE_TOLERANCE_PP:g} "
                               "percentage points on both feet")
        methods["waypoints_in_order"] = "both feet's roll_in_order (null without per-foot data)"
        methods["roll_in_order"] = methods["visits"]
        methods["closest_approach_mm"] = ("per whole-body waypoint: min distance CoP-waypoint during that waypoint's phase "
                                          "(shifted by the lag); reported, not judged")
        methods["transfer_pct"] = methods["transfer_ok"] = methods["transfer"]
        methods["gain_x"] = methods["gain_y"] = methods["phase_x_deg"] = methods["phase_y_deg"] = METHODS["gain_phase"]
        methods["score_parts"] = "the factors of the loop score (see score)"
        methods["minimum_loops"] = ", ".join(f"{k}: {v}" for k, v in MIN_LOOPS.items())
        methods["score"] = spiral_score.SCORE_METHOD
        methods["loops_score"] = "mean of the loop scores (at most 30 when the following F-test fails)"
        methods["feedback"] = "two to four sentences from the figures: what went well, then the one thing to try next"
        return summary, methods


class _Frames:
    """The frames ``idx`` of a RunData, as the columns the loop scorer reads."""

    def __init__(self, run, idx):
        self.cop = run.cop[idx]
        self.target = run.target[idx]
        self.cop_left = run.cop_left[idx]
        self.cop_right = run.cop_right[idx]
        self.left_pct = run.left_pct[idx]
