"""A simulated ADS1115 at register level (datasheet SBAS444, §8.5 / §9.6).

Four registers behind a persistent pointer: conversion (0), config (1, power-on 0x8583),
Lo_thresh (2, 0x8000), Hi_thresh (3, 0x7FFF). A 1-byte write sets the pointer; a 3-byte write
sets the pointer and writes a register. Writing config with OS=1 in single-shot mode starts a
conversion of the MUX-selected input; writing OS=1 while a conversion runs does not start
another. OS reads 0 until the conversion completes (1/data rate later, on the chip's clock, times
``1 + osc_error`` — the datasheet allows ±10 %); then the conversion register holds
``round(V / FS × 32768)``, clipped to the 16-bit range, where V is the input at the middle of the
conversion (the converter integrates over it). Until then the conversion register keeps the
previous result, so it can be read while the next conversion runs. Reads return the pointed
register, big-endian; reading more than two bytes repeats it (no auto-increment).

Faults: ``stuck`` makes a conversion never finish (to test deadlines); ``absent`` makes the chip
vanish from the bus (it NACKs); :meth:`power_off` / :meth:`power_on` make it vanish and come back
with its power-on registers, as a chip that lost its supply does.
"""
from __future__ import annotations

from .i2c import SimChip

POWER_ON_CONFIG = 0x8583
FULL_SCALE = {0: 6.144, 1: 4.096, 2: 2.048, 3: 1.024, 4: 0.512, 5: 0.256, 6: 0.256, 7: 0.256}
DATA_RATES = (8, 16, 32, 64, 128, 250, 475, 860)


class SimADS1115(SimChip):
    """One chip. ``source(channel, t) -> volts`` gives the voltage on AIN0..AIN3 at time t."""

    def __init__(self, source, clock=None, timing: bool = False, osc_error: float = 0.0):
        self.source = source
        self.clock = clock
        self.timing = timing and clock is not None
        self.osc_error = osc_error
        self.stuck = False
        self.absent = False
        self.conversions = 0
        self._reset()

    def _reset(self) -> None:
        self.pointer = 0
        self.regs = [0, POWER_ON_CONFIG, 0x8000, 0x7FFF]
        self._busy_until = None
        self._started = None
        self._pending = None  # (channel, full scale) of the running conversion

    def power_off(self) -> None:
        """The chip loses its supply: it leaves the bus and forgets its registers."""
        self.absent = True
        self._reset()

    def power_on(self) -> None:
        self.absent = False

    # -- helpers ----------------------------------------------------------------------------
    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else 0.0

    def conversion_time(self, config: int | None = None) -> float:
        """Seconds one conversion takes at the data rate of ``config`` (default: the register)."""
        config = self.regs[1] if config is None else config
        dr = DATA_RATES[(config >> 5) & 0x7]
        return (1.0 / dr) * (1.0 + self.osc_error)

    @property
    def converting(self) -> bool:
        self._finish_if_due()
        return self._pending is not None

    def _finish_if_due(self) -> None:
        if self._pending is None or self.stuck:
            return
        clock = self.clock
        if self.timing:
            if clock.now() < self._busy_until:
                return
            t = 0.5 * (self._started + self._busy_until)
        else:
            t = clock.now() if clock is not None else 0.0
        channel, fs = self._pending
        v = self.source(channel, t)
        code = int(round(v / fs * 32768))
        code = max(-32768, min(32767, code))
        self.regs[0] = code & 0xFFFF
        self.regs[1] |= 0x8000
        self._pending = None
        self.conversions += 1

    def _start(self, config: int) -> None:
        mux = (config >> 12) & 0x7
        if mux < 4:
            raise NotImplementedError("differential inputs are not simulated")  # footmat uses AINx vs GND
        fs = FULL_SCALE[(config >> 9) & 0x7]
        self._pending = (mux - 4, fs)
        self._started = self._now()
        # (an instant chip is never busy: its conversion time is not worked out)
        self._busy_until = self._started + self.conversion_time(config) if self.timing else None
        self.regs[1] = config & 0x7FFF  # OS reads 0 while converting

    # -- bus side ---------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self._pending is not None:
            self._finish_if_due()
        if not data:
            return  # address probe
        self.pointer = data[0] & 0x3
        if len(data) >= 3:
            value = (data[1] << 8) | data[2]
            if self.pointer == 1:
                single_shot = value & 0x0100
                if value & 0x8000 and single_shot and self._pending is None:
                    self._start(value)
                else:
                    keep_os = self.regs[1] & 0x8000 if self._pending is None else 0
                    self.regs[1] = (value & 0x7FFF) | keep_os
            elif self.pointer in (2, 3):
                self.regs[self.pointer] = value
        # (continuous mode is not simulated: footmat uses single-shot only, HARDWARE.md)

    def read(self, n: int) -> bytes:
        if self._pending is not None:
            self._finish_if_due()
        v = self.regs[self.pointer]
        out = bytes(((v >> 8) & 0xFF, v & 0xFF))
        return out if n == 2 else (out * ((n + 1) // 2))[:n]

    def __repr__(self) -> str:
        state = "absent" if self.absent else "stuck" if self.stuck else "ok"
        return f"<SimADS1115 {state} conversions={self.conversions}>"
