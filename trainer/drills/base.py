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

    def window(self, a0: float, a1: float) -> "RunData":
        """The frames with active time in [a0, a1)."""
        ks = np.flatnonzero((self.a >= a0) & (self.a < a1))
        return RunData(**self.take(ks).columns(), a=self.a[ks], target=self.target[ks], layout=self.layout,
                       weight_n=self.weight_n)


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

    # -- scoring ------------------------------------------------------------------------------
    # A drill scores either the whole run at once (``score``), or, streaming, unit by unit: it
    # lists its units (``units()``: active-time windows [a0, a1), in order of a1 — a rep, a press,
    # a lean, a pace, a loop with half a loop either side) and scores each on its own frames as it
    # completes (``score_unit``), keeping only the
    # per-unit results; ``summarise`` builds the summary from them. The engine then keeps at most
    # the frames of the units not yet scored, so an hour costs what a minute costs; ``score`` on a
    # whole run (a replay, a trace) goes through the very same units.

    def units(self) -> list[tuple[float, float]] | None:
        """The units scored on their own (active-time windows), or None: the whole run at once."""
        return None

    def start_scoring(self) -> None:
        """Forget any per-unit results (a new run)."""

    def score_unit(self, i: int, run: RunData | None, fs: float) -> float | None:
        """Score unit ``i`` on its frames (None: the drill never reached it) and keep the result.
        May return an active time: an event still going on at the unit's end (a press held across
        it) starts there, so the next unit's frames start there too (it is scored in that unit)."""
        raise NotImplementedError

    def summarise(self, fs: float):
        """(summary, methods) from the per-unit results."""
        raise NotImplementedError

    def score(self, run: RunData, fs: float):
        units = self.units()
        if units is None:
            raise NotImplementedError
        self.start_scoring()
        carry = None
        for i, (a0, a1) in enumerate(units):
            w = run.window(a0 if carry is None else min(carry, a0), a1)
            carry = self.score_unit(i, w if len(w) else None, fs)
        return self.summarise(fs)


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
