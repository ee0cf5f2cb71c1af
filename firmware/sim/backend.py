"""`--backend sim`: the simulated mat read through the same driver code as the Pi.

ADS1115 layouts: simulated ADS1115 chips on a fake I2C bus, read by the register-level
scheduler of :mod:`firmware.ads1115` (the hot path of the real backend). MCP3008 layouts: a
simulated MCP3008 on gpiozero's mock SPI, read by :mod:`firmware.mcp3008`.

``timing=False`` (the default) makes the chips convert instantly and the bus take no time — the
cheap path for drills and demos (the simulated physics, not the bus, is then the cost).
``timing=True`` makes them timing-faithful: conversions take 1/DR (× ``1 + osc_error``) and
every transaction holds the bus for its wire time at ``khz`` — on a virtual clock for free, on a
real clock for real (``footmat bench --section acquisition``).

:class:`AnalogInReader` is the stock-driver path (one ``AnalogIn`` read after another), kept as
the comparison; it has no deadline, so a stuck chip hangs it (HARDWARE.md).
"""
from __future__ import annotations

import numpy as np

from ..ads1115 import open_ads1115
from ..frames import Flag
from ..mcp3008 import open_mcp3008
from ..sampler import Sampler
from .ads1115 import SimADS1115
from .i2c import FakeI2C


def mat_source(layout, mat, address=None):
    """``source(channel, t) -> volts`` of one chip (ADS1115 ``address``, or the MCP3008)."""
    index = {s.index: i for i, s in enumerate(layout.sensors) if address is None or s.address == address}

    def source(channel, t):
        i = index.get(channel)
        return mat.voltage(i, t) if i is not None else 0.0

    return source


def build_bus(layout, mat, clock, timing: bool = False, khz: int | None = None,
              osc_error: float | dict = 0.0) -> FakeI2C:
    """A fake bus with one simulated ADS1115 per address of the layout, wired to the mat.
    ``osc_error``: one value for every chip, or {address: value}."""
    bus = FakeI2C(clock, khz or layout.adc.bus_khz, timing)
    for addr in layout.adc.addresses:
        err = osc_error.get(addr, 0.0) if isinstance(osc_error, dict) else osc_error
        bus.devices[addr] = SimADS1115(mat_source(layout, mat, addr), clock, timing, osc_error=err)
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


def _truth(mat):
    def truth():
        cache = mat._cache
        return (cache[1], cache[2]) if cache is not None else (np.full(2, np.nan), np.nan)

    return truth


def open_sim(layout, mat, clock, rate_hz: float = 200.0, *, timing: bool = False, khz: int | None = None,
             osc_error: float | dict = 0.0, stock_driver: bool = False, prepare=None,
             allow_missing: bool = False) -> Sampler:
    """A source reading the simulated mat through the real driver code at ``rate_hz``.

    The chips are reachable for fault injection: ``source.reader.i2c`` is the
    :class:`FakeI2C` (``.devices[addr]`` the chips, ``.fail`` the transaction hook);
    with an MCP3008 layout ``source.reader.sim_chip`` is the :class:`SimMCP3008`.
    ``prepare(bus_or_chip)`` runs before the chips are set up (a chip missing at start);
    ``allow_missing`` is passed to :func:`~firmware.ads1115.open_ads1115`.
    """
    if layout.adc.type == "mcp3008":
        return _open_sim_mcp3008(layout, mat, clock, rate_hz, prepare)
    bus = build_bus(layout, mat, clock, timing, khz, osc_error)
    if prepare is not None:
        prepare(bus)
    if stock_driver:
        reader = AnalogInReader(layout, bus)
        reader.i2c = bus
        return Sampler(reader, layout, clock, rate_hz, truth=_truth(mat))
    source = open_ads1115(layout, clock, rate_hz, i2c=bus, conversion_s=None if timing else 0.0,
                          allow_missing=allow_missing)
    source.truth = _truth(mat)
    source.has_truth = True
    return source


def _open_sim_mcp3008(layout, mat, clock, rate_hz, prepare=None):
    from gpiozero.pins.mock import MockFactory

    from .mcp3008 import SimMCP3008    # gpiozero's mock SPI

    factory = MockFactory()
    chip = SimMCP3008(mat_source(layout, mat), clock, layout.adc.vcc, pin_factory=factory)
    if prepare is not None:
        prepare(chip)
    source = open_mcp3008(layout, clock, rate_hz, pin_factory=factory)
    source.reader.sim_chip = chip
    source.truth = _truth(mat)
    source.has_truth = True
    return source
