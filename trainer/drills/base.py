"""What every drill run shares: the frames of the running phase, and defaults for runs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainer.estimate.block import EstimatedBlock


@dataclass(eq=False, kw_only=True)
class RunData(EstimatedBlock):
    """The running frames of a drill (pauses and countdown excluded): the estimated frames
    (:class:`~trainer.estimate.block.EstimatedBlock`: ``t``, ``cop``, ``forces``, ``total``,
    ``left_pct``, per-foot CoP, loads and heel shares, …) with the drill's own columns."""

    a: np.ndarray            # (n,) active time, s
    target: np.ndarray       # (n, 2) mm (NaN where none)
    layout: object = None
    weight_n: float = float("nan")

    def __post_init__(self):
        super().__post_init__()
        n = len(self)
        if np.shape(self.a) != (n,) or np.shape(self.target) != (n, 2):
            raise ValueError(f"inconsistent RunData: {n} frames, but a {np.shape(self.a)}, "
                             f"target {np.shape(self.target)}")


class DrillRun:
    """Defaults: no target, one cue, no beats, no loops."""

    name = "drill"
    loops = 0
    period_s = None

    def __init__(self, **params):
        self.params = params

    def build(self, layout, centre, person=None):
        self.layout = layout
        self.centre = np.asarray(centre, float)

    @property
    def active_duration_s(self) -> float:
        raise NotImplementedError

    def target(self, a) -> np.ndarray:
        return np.full((np.size(a), 2), np.nan)

    def person_cop(self, a) -> np.ndarray:
        t = self.target(a)
        bad = ~np.all(np.isfinite(t), axis=1)
        t[bad] = self.centre
        return t

    def cue(self, a) -> np.ndarray:
        return np.zeros(np.size(a), int)

    def labels(self) -> list[str]:
        return [self.name]

    def beats(self, a0: float, a1: float) -> list[float]:
        return []

    def loop_of(self, a: float) -> int:
        return 0 if not self.period_s else int(a // self.period_s)

    def path_xy(self):
        """Points of the target path to draw (or None)."""
        return None

    def score(self, run: RunData, fs: float):
        raise NotImplementedError


FEEDBACK_METHOD = ("two to four plain sentences derived from the figures: what went well, then the one thing "
                   "to try next, in the drill's own terms")


def sentences(*parts) -> str:
    """The feedback text: the given sentences that are not empty (at most four), each ending in a
    full stop, joined by spaces."""
    out = []
    for p in parts:
        if not p:
            continue
        p = p.strip()
        out.append(p if p[-1] in ".!?" else p + ".")
    return " ".join(out[:4])


def seconds(x: float) -> str:
    """A duration as a person says it: '1 second', '2.5 seconds'."""
    v = round(float(x), 1)
    text = f"{v:g}"
    return f"{text} second" + ("" if text == "1" else "s")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
