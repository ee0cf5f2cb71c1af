"""The fast simulated source: frames straight from the simulated mat's physics to codes.

No bus and no driver (:func:`firmware.sim.backend.open_sim` is the path through the driver
code): for big batch tests, calibrations in virtual time and benchmarks.
"""
from __future__ import annotations

import numpy as np

from firmware.frames import FrameBlock, FrameSource


AHEAD_S = 0.1   # the physics is worked out at least this far at a time (one call serves several reads)


class VectorSimSource(FrameSource):
    """Frames straight from the simulated mat's physics (no bus), on a virtual clock.

    The mat's physics costs about as much for one frame as for twenty, so frames are worked out
    :data:`AHEAD_S` at a time (or a read's worth, when more) and handed out as they are read: the
    frames of a read are those the mat gives at their times whatever the reads' sizes (a person
    following a drill sees the engine's decisions as they stand when their frames are worked out,
    as through the chips: firmware.sim.mat.SimMat.GRID_N)."""

    has_truth = True

    def __init__(self, mat, clock, rate_hz: float = 200.0, chunk_s: float = 0.05, ahead_s: float = AHEAD_S):
        self.mat = mat
        self.layout = mat.layout
        self.clock = clock
        self.rate_hz = float(rate_hz)
        self.chunk = max(1, int(round(chunk_s * rate_hz)))
        self._ahead = max(1, int(round(ahead_s * rate_hz)))
        self._buf = None        # frames worked out and not read yet
        self._k = 0             # frames worked out so far
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
        buf = self._buf
        have = 0 if buf is None else len(buf)
        if have < n:
            m = max(n - have, self._ahead)
            new = self.mat.frames(self._t0 + (self._k + np.arange(m)) / self.rate_hz)
            self._k += m
            buf = new if have == 0 else FrameBlock.concat([buf, new])
        block = buf[:n]
        self._buf = buf[n:] if len(buf) > n else None
        self.clock.sleep_until(block.t[-1])
        self.counters["frames"] += n
        return block

    def close(self) -> None:
        self.closed = True
