"""The fast simulated source: frames straight from the simulated mat's physics to codes.

No bus and no driver (:func:`firmware.sim.backend.open_sim` is the path through the driver
code): for big batch tests, calibrations in virtual time and benchmarks.
"""
from __future__ import annotations

import numpy as np

from firmware.frames import FrameBlock, FrameSource


class VectorSimSource(FrameSource):
    """Frames straight from the simulated mat's physics (no bus), on a virtual clock."""

    has_truth = True

    def __init__(self, mat, clock, rate_hz: float = 200.0, chunk_s: float = 0.05):
        self.mat = mat
        self.layout = mat.layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        self.chunk = max(1, int(round(chunk_s * rate_hz)))
        self._k = 0
        self._t0 = clock.now()
        self.counters = {"frames": 0, "dropped": 0, "late": 0, "flagged": 0, "unreadable": 0,
                         "max_jitter_ms": 0.0, "jitter_ms": 0.0, "i2c_errors": 0, "retries": 0, "timeouts": 0}
        self.closed = False

    @property
    def exhausted(self) -> bool:
        """Never: the simulated person stands on the mat for as long as it is read."""
        return False

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        n = self.chunk if max_n is None else max_n
        t = self._t0 + (self._k + np.arange(n)) / self.rate_hz
        self._k += n
        block = self.mat.frames(t)
        self.clock.sleep_until(t[-1])
        self.counters["frames"] += n
        return block

    def close(self) -> None:
        self.closed = True
