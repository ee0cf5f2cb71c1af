"""firmware.mcp3008 through gpiozero's real MCP3008 against SimMCP3008 on the mock SPI wire."""
from __future__ import annotations

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.errors import DeviceClosed, LayoutError, SensorError
from firmware.frames import Flag
from firmware.layout import reference_layout
from firmware.mcp3008 import open_mcp3008
from firmware.sim.mcp3008 import SimMCP3008

VOLTS = (0.0, 0.5, 1.0, 1.65, 2.5, 3.3, 0.2, 3.0)


@pytest.fixture
def layout():
    return reference_layout(6, adc_type="mcp3008", name="mcp-6")


@pytest.fixture
def factory(monkeypatch):
    """A mock Pi installed as gpiozero's default (its software SPI needs that on x86), reset after."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    f = MockFactory()
    monkeypatch.setattr(Device, "pin_factory", f)
    yield f
    f.reset()


@pytest.fixture
def chip(factory):
    c = SimMCP3008(lambda ch, t: VOLTS[ch], vref=3.3, pin_factory=factory)
    yield c
    c.close()


def test_known_codes_through_gpiozero(chip):
    """HARDWARE.md: 0, 0.5, 1.0, 1.65, 2.5, 3.3 V at 3.3 V → 0, 155, 310, 512, 775, 1023."""
    from gpiozero import MCP3008

    devs = [MCP3008(channel=ch) for ch in range(6)]
    try:
        assert [d.raw_value for d in devs] == [0, 155, 310, 512, 775, 1023]
    finally:
        for d in devs:
            d.close()


def test_code_formula_is_the_datasheets():
    c = SimMCP3008.code.__get__(type("X", (), {"vref": 3.3})())
    assert c(3.3 * 100 / 1024) == 100
    assert c(3.3 * 100.9 / 1024) == 100
    assert c(-0.1) == 0 and c(4.0) == 1023


def test_differential_reads_pairs(chip):
    from gpiozero import MCP3008

    d = MCP3008(channel=5, differential=True)   # CH5 − CH4 = 3.3 − 2.5 V
    try:
        assert d.raw_value == chip.code(0.8)
    finally:
        d.close()


def test_frames_follow_the_layout_channels(layout, chip, factory):
    clock = VirtualClock()
    src = open_mcp3008(layout, clock, 200.0, pin_factory=factory)
    b = src.read(10)
    want = [chip.code(VOLTS[s.index]) for s in layout.sensors]
    assert np.all(b.raw == want)
    assert np.all((b.flags & Flag.SATURATED) != 0)        # CH5 sits at 3.3 V = 1023
    assert np.allclose(np.diff(b.t), 1 / 200)
    src.close()


def test_pin_factory_passed_in_is_enough(layout, monkeypatch):
    """No default factory set: open_mcp3008 installs the given one while building, then restores."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    f = MockFactory()
    monkeypatch.setattr(Device, "pin_factory", None)
    SimMCP3008(lambda ch, t: 1.0, pin_factory=f)
    src = open_mcp3008(layout, VirtualClock(), 100.0, pin_factory=f)
    try:
        assert Device.pin_factory is None
        assert np.all(src.read(3).raw == 310)
    finally:
        src.close()
        f.reset()


def test_no_pin_factory_is_one_line(layout, monkeypatch):
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory

    def none():
        raise BadPinFactory("Unable to load any default pin factory!")

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(none))
    with pytest.raises(SensorError) as info:
        open_mcp3008(layout, VirtualClock(), 200.0)
    msg = str(info.value)
    assert "\n" not in msg and "--backend sim" in msg


def test_spi_not_enabled_on_a_real_factory_is_one_line(layout, monkeypatch):
    """Hardware SPI failing (no /dev/spidev0.0) makes gpiozero fall back to bit-banging with a
    warning; on a real Pi that means SPI is off, which must be said, not silently slow."""
    import warnings

    from gpiozero import Device
    from gpiozero.exc import SPISoftwareFallback

    class FakeDevice:
        def __init__(self, **kw):
            warnings.warn(SPISoftwareFallback("failed to initialize hardware SPI, falling back to software "
                                              "(error was: [Errno 2] No such file or directory)"))

        def close(self):
            pass

    import gpiozero

    monkeypatch.setattr(gpiozero, "MCP3008", FakeDevice)
    monkeypatch.setattr(Device, "pin_factory", object())   # not a MockFactory
    with pytest.raises(SensorError) as info:
        open_mcp3008(layout, VirtualClock(), 200.0)
    assert "do_spi" in str(info.value) and "\n" not in str(info.value)


def test_spi_errors_are_retried_counted_and_flagged(layout, chip, factory, monkeypatch):
    src = open_mcp3008(layout, VirtualClock(), 200.0, pin_factory=factory)
    dev = src.reader.devices[2]
    calls = {"n": 0}
    cls = type(dev)
    original = cls.raw_value

    def flaky(self):
        if self is dev:
            calls["n"] += 1
            if calls["n"] % 3 == 0 or calls["n"] > 20:
                raise OSError(5, "Input/output error")
        return original.fget(self)

    monkeypatch.setattr(cls, "raw_value", property(flaky))
    b = src.read(20)
    c = src.counters
    assert c["spi_errors"] > 0 and c["retries"] > 0
    assert (b.flags & Flag.RETRIED).any()
    bad = np.isnan(b.raw[:, 2])
    assert bad[-1] and np.all((b.flags[bad] & Flag.READ_ERROR) != 0)
    assert not np.isnan(b.raw[:, [0, 1, 3, 4, 5]]).any()
    monkeypatch.undo()
    src.close()


def test_absent_chip_reads_zero_everywhere(layout, chip, factory):
    chip.absent = True
    src = open_mcp3008(layout, VirtualClock(), 200.0, pin_factory=factory)
    assert np.all(src.read(5).raw == 0)
    src.close()


def test_wrong_layout_type_is_refused(factory):
    with pytest.raises(LayoutError):
        open_mcp3008(reference_layout(6), VirtualClock(), 200.0, pin_factory=factory)


def test_close_twice_then_refuses(layout, chip, factory):
    src = open_mcp3008(layout, VirtualClock(), 200.0, pin_factory=factory)
    src.close()
    src.close()
    with pytest.raises(DeviceClosed):
        src.reader.read_frame()


def test_open_sim_reads_an_mcp3008_layout(layout):
    """--backend sim with an MCP3008 layout: the mat through gpiozero on its own mock factory."""
    from firmware.sim.backend import open_sim
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson

    mat = SimMat(layout, ScriptedPerson(Script.still(0, 110), seed=1), seed=1)
    src = open_sim(layout, mat, VirtualClock(), 200.0)
    b = src.read(20)
    assert src.has_truth and b.true_cop.shape == (20, 2)
    assert np.all((b.raw > 100) & (b.raw < 600))    # a person standing: mid-range codes
    v = mat._cache[0]                      # the voltages the chip converted for the last frame
    assert np.all(b.raw[-1] == np.floor(v / 3.3 * 1024))
    src.close()
