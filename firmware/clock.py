"""Injected time: a real clock for the Pi and live demos, a virtual one for tests.

Both offer ``now()`` (seconds, monotonic) and ``sleep_until(t)``. The virtual clock jumps
instead of sleeping, so an hour of drill runs in seconds and is deterministic.
"""
from __future__ import annotations

import time


class RealClock:
    """Wall-clock time from ``time.perf_counter``."""

    virtual = False

    def now(self) -> float:
        return time.perf_counter()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def sleep_until(self, t: float) -> None:
        self.sleep(t - self.now())

    def __repr__(self) -> str:
        return "<RealClock>"


class VirtualClock:
    """A clock that only moves when told to (``advance``/``sleep``)."""

    virtual = True

    def __init__(self, start: float = 0.0):
        self._t = float(start)

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._t += seconds

    sleep = advance

    def sleep_until(self, t: float) -> None:
        if t > self._t:
            self._t = float(t)

    def __repr__(self) -> str:
        return f"<VirtualClock t={self._t:.6f}>"
