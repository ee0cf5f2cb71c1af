"""`--backend sim`: simulated ADS1115 chips on a fake I2C bus, read through the real
`adafruit_ads1x15` driver (the simple path: one `AnalogIn` read per channel)."""
from __future__ import annotations

import numpy as np

from ..frames import Flag
from ..sources import Sampler
from .ads1115 import SimADS1115
from .i2c import FakeI2C


def build_bus(layout, mat, clock, timing: bool = False, khz: int | None = None) -> FakeI2C:
    """A fake bus with one simulated ADS1115 per address of the layout, wired to the mat."""
    bus = FakeI2C(clock, khz or layout.adc.bus_khz, timing)
    for addr in layout.adc.addresses:
        index = {s.index: i for i, s in enumerate(layout.sensors) if s.address == addr}

        def source(channel, t, index=index):
            i = index.get(channel)
            return mat.voltage(i, t) if i is not None else 0.0

        bus.devices[addr] = SimADS1115(source, clock, timing)
    return bus


class AnalogInReader:
    """Reads every sensor through the stock driver (`ADS1115` + `AnalogIn`), one after another."""

    def __init__(self, layout, i2c):
        from adafruit_ads1x15 import ADS1115, AnalogIn

        self.layout = layout
        chips = {a: ADS1115(i2c, gain=layout.adc.gain, data_rate=layout.adc.data_rate, address=a)
                 for a in layout.adc.addresses}
        self.channels = [AnalogIn(chips[s.address], s.index) for s in layout.sensors]
        self.errors = 0

    def read_frame(self):
        raw = np.empty(len(self.channels))
        flags = Flag(0)
        for i, ch in enumerate(self.channels):
            try:
                raw[i] = ch.value
            except OSError:
                raw[i] = np.nan
                flags |= Flag.READ_ERROR
                self.errors += 1
        if np.nanmax(raw, initial=-1) >= 32767:
            flags |= Flag.SATURATED
        return raw, flags


def open_sim(layout, mat, clock, rate_hz: float = 200.0) -> Sampler:
    """A source reading the simulated mat through the real driver at ``rate_hz``."""
    if layout.adc.type != "ads1115":
        raise NotImplementedError("the simulated MCP3008 path belongs to the sensor layer")
    bus = build_bus(layout, mat, clock)
    reader = AnalogInReader(layout, bus)

    def truth():
        cache = mat._cache
        return (cache[1], cache[2]) if cache is not None else (np.full(2, np.nan), np.nan)

    return Sampler(reader, layout, clock, rate_hz, truth=truth)
