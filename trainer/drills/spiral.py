"""The spiral drill (PRODUCT.md §1, seed 000): follow the loop heel → ball → toes → other foot."""
from __future__ import annotations

import numpy as np

from trainer.analysis.tracking import METHODS, score_loop

from .base import DrillRun
from .targets import spiral


class SpiralDrill(DrillRun):
    name = "spiral"

    def __init__(self, *, loops: int = 3, period: float = 12.0, amplitude: float = 0.6,
                 direction: str = "heel-to-toes", start_foot: str = "left", reach_mm: dict | None = None,
                 period_s: float | None = None):
        self.loops = int(loops)
        self.period_s = float(period_s if period_s is not None else period)
        self.amplitude = float(amplitude)
        self.direction = direction
        self.start_foot = start_foot
        self.reach_mm = reach_mm
        self.path = None
        self._dense = None

    @property
    def params(self) -> dict:
        return {"loops": self.loops, "period": self.period_s, "amplitude": self.amplitude,
                "direction": self.direction, "start-foot": self.start_foot}

    @property
    def active_duration_s(self) -> float:
        return self.loops * self.period_s

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        reach = self.reach_mm if self.reach_mm is not None else getattr(person, "reach_mm", None)
        self.path = spiral(layout, centre, amplitude=self.amplitude, period_s=self.period_s,
                           direction=self.direction, start_foot=self.start_foot, reach_mm=reach)
        self._dense = self.path.dense()
        return self.path

    def target(self, a):
        return self.path.position(a)

    def cue(self, a) -> np.ndarray:
        return self.path.phase_index(a)

    def labels(self) -> list[str]:
        return [w.label for w in self.path.waypoints]

    def path_xy(self):
        return self._dense

    def score(self, run, fs):
        loops = []
        for k in range(self.loops):
            sel = (run.a >= k * self.period_s) & (run.a < (k + 1) * self.period_s)
            if sel.sum() < fs * self.period_s * 0.5:
                continue
            loops.append(score_loop(run.a[sel], run.cop[sel], run.target[sel], self.path, fs))
        score = round(float(np.mean([lp["score"] for lp in loops])), 1) if loops else None
        summary = {"score": score, "loops": loops, "reach_mm": round(self.path.mean_reach_mm, 1),
                   "centre_mm": [round(float(c), 1) for c in self.path.centre],
                   "waypoints": [{"label": w.label, "x_mm": round(float(w.xy[0]), 1),
                                  "y_mm": round(float(w.xy[1]), 1)} for w in self.path.waypoints]}
        methods = dict(METHODS)
        methods["path"] = ("periodic cubic spline through the waypoints, constant speed; waypoint = centre + "
                           f"amplitude ({self.amplitude}) x reach x unit(sensor - centre), reach = person's reach "
                           "on this mat (from `limits`) or 70 % of the distance to the sensor hull")
        return summary, methods
