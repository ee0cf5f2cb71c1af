"""The hands-free pain rating (issue 27): a person on the mat cannot type, so the number 0-10 moves
as they lean left or right, and standing still for 2 s confirms it. The mat's button confirms too.

A small engine-style state machine driven by CoP frames (:meth:`PainRating.feed`), with the text
a view or terminal shows (:attr:`PainRating.status`, :attr:`PainRating.cue`):

- ``centre``: the first :data:`CENTRE_S` of standing fixes where "upright" is;
- ``rating``: a lean past :data:`LEAN_MM` to the right adds one at once and one more every
  :data:`REPEAT_S` while held; to the left subtracts (0..10);
- standing still near the centre (within :data:`NEUTRAL_MM`) for :data:`CONFIRM_S` confirms, once
  the number has been moved at least once (so stepping on and standing does not record a
  rating nobody chose); :meth:`press` (the button) confirms at any time;
- ``done`` (``value`` is the rating) or ``timeout`` after :data:`TIMEOUT_S` (no rating).

Stepping off the mat pauses the still timer; nothing else. Stdlib and numpy only.
"""
from __future__ import annotations

import math

CENTRE_S = 1.0      # s of standing that fix the upright centre
LEAN_MM = 30.0      # a lean this far sideways from the centre moves the number (well past sway)
NEUTRAL_MM = 15.0   # within this of the centre counts as upright (quiet sway is ~5 mm)
REPEAT_S = 0.7      # a held lean moves one more every REPEAT_S
CONFIRM_S = 2.0     # standing still this long confirms
TIMEOUT_S = 90.0    # no confirmation by then: no rating (skipped)


class PainRating:
    def __init__(self, start: int = 0, *, when: str = "now"):
        self.value = max(0, min(10, int(start)))
        self.when = when
        self.state = "centre"
        self.moved = False
        self._t0 = None
        self._centre_sum, self._centre_n = 0.0, 0
        self._centre = None
        self._lean_side = 0
        self._next_step = math.inf
        self._still_since = None
        self.t = 0.0

    @property
    def done(self) -> bool:
        return self.state in ("done", "timeout")

    @property
    def result(self) -> int | None:
        return self.value if self.state == "done" else None

    @property
    def cue(self) -> str:
        if self.state == "centre":
            return "stand still and upright"
        if self.state == "done":
            return f"pain {self.value} recorded"
        if self.state == "timeout":
            return "no pain rating recorded"
        return "lean left or right to change, stand still 2 s to confirm"

    @property
    def view_cue(self) -> str:
        """The cue for the live view: the number as the headline, what to do as the hint."""
        return f"pain {self.value} of 10: {self.cue}"

    def snapshot(self, t: float, cop):
        """A :class:`~trainer.drills.state.Snapshot` the existing live view draws (its cue text)."""
        import numpy as np

        from trainer.drills.state import Snapshot

        return Snapshot(t=float(t), state="running" if not self.done else "done",
                        cop=np.asarray(cop, float), cue=self.view_cue)

    @property
    def status(self) -> str:
        return f"Pain {self.when}: {self.value} / 10 — {self.cue}"

    def press(self, t: float | None = None) -> None:
        """The button: confirms the number shown."""
        if not self.done:
            self.state = "done"

    def feed(self, t: float, x_mm: float, on_mat: bool = True) -> bool:
        """One frame: time (s), the sideways CoP (mm, + = right), whether someone stands on the
        mat. Returns True when the number changed."""
        if self.done:
            return False
        self.t = t
        if self._t0 is None:
            self._t0 = t
        if t - self._t0 >= TIMEOUT_S:
            self.state = "timeout"
            return False
        if not on_mat or not math.isfinite(x_mm):
            self._still_since = None
            self._lean_side = 0
            return False
        if self.state == "centre":
            self._centre_sum += x_mm
            self._centre_n += 1
            if self._centre_n and t - self._t0 >= CENTRE_S:
                self._centre = self._centre_sum / self._centre_n
                self.state = "rating"
            return False
        dx = x_mm - self._centre
        side = 1 if dx > LEAN_MM else -1 if dx < -LEAN_MM else 0
        changed = False
        if side != 0:
            self._still_since = None
            if side != self._lean_side:
                self._lean_side = side
                self._next_step = t
            if t >= self._next_step:
                new = max(0, min(10, self.value + side))
                changed = new != self.value
                self.value = new
                self.moved = True
                self._next_step = t + REPEAT_S
            return changed
        self._lean_side = 0
        if abs(dx) <= NEUTRAL_MM:
            if self._still_since is None:
                self._still_since = t
            elif self.moved and t - self._still_since >= CONFIRM_S:
                self.state = "done"
        else:
            self._still_since = None
        return False


def run(frames, rating: PainRating, on_change=None) -> int | None:
    """Drive ``rating`` with ``frames``: an iterable of (t, x_mm, on_mat) until it is done;
    ``on_change(rating)`` after every change of number or state. Returns the rating or None."""
    last = (rating.value, rating.state)
    for t, x, on in frames:
        rating.feed(t, x, on)
        if on_change is not None and (rating.value, rating.state) != last:
            on_change(rating)
        last = (rating.value, rating.state)
        if rating.done:
            break
    return rating.result
