"""What crosses from `firmware` to the rest: a block of frames as numpy arrays, and the
protocol of the sources that produce them.

A :class:`FrameBlock` holds ``n`` frames of ``S`` sensors: ``t`` (s, stamped when converted, on
the source's clock), ``raw`` (ADC codes as float, NaN where a channel could not be read) and
``flags`` (a bitmask per frame, :class:`Flag`). With the simulated mat it also carries the
simulator's ground truth (true CoP in mm, true total load in N). Blocks, not single frames,
cross the seams so the processing stays vectorised; one frame is a block of one.

A :class:`FrameSource` is anything the rest of footmat reads the mat through: the ADC samplers
(:class:`~firmware.sampler.Sampler`), the simulated mat (:func:`~firmware.sim.backend.open_sim`,
:class:`~firmware.sim.vector.VectorSimSource`) and a recorded session played back
(``trainer.sessions.replay.ReplaySource``). :func:`firmware.backends.open_source` chooses one.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import Protocol, runtime_checkable

import numpy as np

from firmware.clock import RealClock, VirtualClock


class Flag(IntFlag):
    """Why a frame is not a clean read (bitmask in ``FrameBlock.flags``)."""

    READ_ERROR = 1      # an I2C/SPI error: at least one channel could not be read (NaN)
    TIMEOUT = 2         # a conversion missed its deadline (channel NaN)
    RETRIED = 4         # a transient error was retried and the read succeeded
    SATURATED = 8       # a channel at the ADC's top code
    LATE = 16           # the frame came later than its slot (jitter beyond one period)

    def names(self) -> str:
        return "|".join(f.name.lower() for f in Flag if f in self)


@dataclass
class FrameBlock:
    t: np.ndarray                       # (n,) seconds
    raw: np.ndarray                     # (n, S) codes as float64, NaN = not read
    flags: np.ndarray                   # (n,) uint16, Flag bits
    true_cop: np.ndarray | None = None  # (n, 2) mm, simulator only
    true_load: np.ndarray | None = None  # (n,) N, simulator only

    def __post_init__(self):
        self.t = np.asarray(self.t, dtype=float)
        self.raw = np.asarray(self.raw, dtype=float)
        self.flags = np.asarray(self.flags, dtype=np.uint16)
        n = self.t.shape[0]
        if self.raw.ndim != 2 or self.raw.shape[0] != n or self.flags.shape != (n,):
            raise ValueError(f"inconsistent FrameBlock shapes: t {self.t.shape}, raw {self.raw.shape}, "
                             f"flags {self.flags.shape}")

    def __len__(self) -> int:
        return self.t.shape[0]

    @property
    def n_sensors(self) -> int:
        return self.raw.shape[1]

    def __getitem__(self, sl) -> "FrameBlock":
        return FrameBlock(self.t[sl], self.raw[sl], self.flags[sl],
                          None if self.true_cop is None else self.true_cop[sl],
                          None if self.true_load is None else self.true_load[sl])

    @staticmethod
    def empty(n_sensors: int, with_truth: bool = False) -> "FrameBlock":
        return FrameBlock(np.zeros(0), np.zeros((0, n_sensors)), np.zeros(0, np.uint16),
                          np.zeros((0, 2)) if with_truth else None, np.zeros(0) if with_truth else None)

    @staticmethod
    def concat(blocks: list["FrameBlock"]) -> "FrameBlock":
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            raise ValueError("nothing to concatenate")
        truth = all(b.true_cop is not None for b in blocks)
        return FrameBlock(np.concatenate([b.t for b in blocks]), np.concatenate([b.raw for b in blocks]),
                          np.concatenate([b.flags for b in blocks]),
                          np.concatenate([b.true_cop for b in blocks]) if truth else None,
                          np.concatenate([b.true_load for b in blocks]) if truth else None)


@runtime_checkable
class FrameSource(Protocol):
    """Frames of one mat, read a block at a time; every source declares it by subclassing.

    ``read(max_n, timeout)``: on a virtual clock the next ``max_n`` frames (default one chunk);
    on a real clock the frames buffered or due by now, waiting up to ``timeout`` seconds for the
    first (an empty block when none came). ``exhausted``: True once a finite source (a replay) has
    handed out its last frame; a live source never is. ``counters``: the acquisition counters
    (``frames``, ``dropped``, ``late``, ``flagged``, ``unreadable``, ``max_jitter_ms``,
    ``jitter_ms``, ``i2c_errors``, ``retries``, ``timeouts``, and a backend's own). ``clock``:
    the clock the frames are stamped on (``clock.virtual``: no real waiting). ``rate_hz``: the
    nominal frame rate. ``layout``: the mat's layout (one raw column per sensor).
    ``has_truth``: blocks carry the simulator's true CoP. ``close()`` is safe to call twice;
    ``with source:`` closes it.
    """

    layout: object
    clock: RealClock | VirtualClock
    rate_hz: float
    has_truth: bool
    counters: dict

    @property
    def exhausted(self) -> bool:
        """True once every frame the source will ever give has been read (False while live)."""
        return False

    def read(self, max_n: int | None = None, timeout: float = 1.0) -> FrameBlock:
        ...

    def close(self) -> None:
        ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
