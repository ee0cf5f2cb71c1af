"""The frame type that crosses from `firmware` to the rest: a block of frames as numpy arrays.

A :class:`FrameBlock` holds ``n`` frames of ``S`` sensors: ``t`` (s, stamped when converted, on
the source's clock), ``raw`` (ADC codes as float, NaN where a channel could not be read) and
``flags`` (a bitmask per frame, :class:`Flag`). With the simulated mat it also carries the
simulator's ground truth (true CoP in mm, true total load in N). Blocks, not single frames,
cross the seams so the processing stays vectorised; one frame is a block of one.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

import numpy as np


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
