"""firmware.ads1115: the register-level schedule against simulated chips on the fake bus.

Behaviour, not timing: rates are checked in virtual time (deterministic). The faults (failing
bus, stuck and lost chips) are tests/firmware/test_ads1115_faults.py.
"""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from firmware import ads1115 as ads
from firmware.ads1115 import ceiling_frames_per_s, config_word, layout_ceiling, open_ads1115, open_i2c_bus
from firmware.clock import VirtualClock
from firmware.errors import DeviceClosed, LayoutError, SensorError
from firmware.frames import Flag
from firmware.layout import load_layout, parse_layout, reference_layout
from firmware.sim.ads1115 import SimADS1115
from firmware.sim.i2c import FakeI2C

VOLTS = {0x48: (0.50, 0.60, 0.70, 0.75), 0x49: (0.80, 0.90, 1.00, 1.05)}


@pytest.fixture
def layout():
    return load_layout("default-6")


def make_bus(layout, clock, *, khz=400, timing=True, osc=None, volts=VOLTS):
    bus = FakeI2C(clock, khz, timing)
    for addr in layout.adc.addresses:
        v = volts[addr]
        bus.devices[addr] = SimADS1115(lambda ch, t, v=v: v[ch], clock, timing,
                                       osc_error=(osc or {}).get(addr, 0.0))
    return bus


def expected(layout, volts=VOLTS):
    fs = layout.adc.full_scale_v
    return np.array([int(round(volts[s.address][s.index] / fs * 32768)) for s in layout.sensors], float)


def assert_never_invented(block, layout):
    """Every value is the right code or NaN, and every NaN frame is flagged."""
    nan = np.isnan(block.raw)
    assert np.all(block.raw[~nan] == np.broadcast_to(expected(layout), block.raw.shape)[~nan])
    unread = nan.any(axis=1)
    flagged = (block.flags & (Flag.READ_ERROR | Flag.TIMEOUT)) != 0
    assert not np.any(unread & ~flagged)


# -- constants and the ceiling ----------------------------------------------------------------
def test_register_tables_match_the_driver():
    from adafruit_ads1x15 import ads1115 as drv115
    from adafruit_ads1x15 import ads1x15 as drv

    assert ads.PGA_BITS == drv._ADS1X15_CONFIG_GAIN
    assert ads.DATA_RATE_BITS == drv115._ADS1115_CONFIG_DR
    assert ads.CONFIG_MODE_SINGLE == drv.Mode.SINGLE
    assert ads.CONFIG_OS == drv._ADS1X15_CONFIG_OS_SINGLE


def test_config_word_is_what_the_stock_driver_writes(layout):
    """The hot path starts exactly the conversion AnalogIn would (cross-check at the wire)."""
    from adafruit_ads1x15 import ADS1115, AnalogIn

    clock = VirtualClock()
    bus = make_bus(layout, clock)
    chip = bus.devices[0x48]
    seen = []
    original = chip.write
    chip.write = lambda data: (seen.append(bytes(data)), original(data))[1]
    dev = ADS1115(bus, gain=1, data_rate=860, address=0x48)
    for ain in range(4):
        seen.clear()
        AnalogIn(dev, ain).value
        starts = [d for d in seen if len(d) == 3 and d[0] == 1 and d[1] & 0x80]
        assert starts[0] == bytes([1, config_word(ain, 1, 860) >> 8, config_word(ain, 1, 860) & 0xFF])


def test_ceiling_of_the_reference_configuration():
    assert ceiling_frames_per_s([3, 3], 860, 400) == pytest.approx(255.4, abs=0.1)
    assert ceiling_frames_per_s([3, 3], 860, 100) == pytest.approx(144.9, abs=0.1)
    # one channel after another through AnalogIn is far below either
    assert ceiling_frames_per_s([4, 4], 860, 400) < ceiling_frames_per_s([3, 3], 860, 400)
    assert ceiling_frames_per_s([3], 128, 400) < 128 / 3


def test_schedule_follows_the_bottleneck(layout):
    for khz, schedule in ((400, "pipelined"), (100, "serial")):
        clock = VirtualClock()
        src = open_ads1115(layout, clock, 200.0, i2c=make_bus(layout, clock, khz=khz))
        assert src.reader.schedule == schedule
        assert src.reader.bus_khz == khz


# -- reading ------------------------------------------------------------------------------------
@pytest.mark.parametrize("khz", [100, 400])
def test_frames_carry_the_right_codes(layout, khz):
    clock = VirtualClock()
    src = open_ads1115(layout, clock, None, i2c=make_bus(layout, clock, khz=khz))
    assert src.rate_hz == (200.0 if khz == 400 else 115.0)   # 80 % of the ceiling when below 200
    b = src.read(50)
    assert np.all(b.raw == expected(layout))
    assert not b.flags.any()
    assert np.all(np.diff(b.t) > 0)


def test_values_agree_with_analogin(layout):
    """Cross-check: the register-level reader and the stock AnalogIn read the same codes."""
    from adafruit_ads1x15 import ADS1115, AnalogIn

    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    frame = src.read(3).raw[-1]
    chips = {a: ADS1115(bus, gain=1, data_rate=860, address=a) for a in layout.adc.addresses}
    stock = [AnalogIn(chips[s.address], s.index).value for s in layout.sensors]
    assert frame.tolist() == stock


def test_gain_and_data_rate_are_applied():
    d = reference_layout(6).to_dict()
    d["adc"]["gain"] = 4
    d["adc"]["data_rate"] = 128
    layout = parse_layout(d)
    clock = VirtualClock()
    src = open_ads1115(layout, clock, math.inf, i2c=make_bus(layout, clock))
    b = src.read(20)
    assert np.all(b.raw == expected(layout))      # FS 1.024 V: 0.5 V → 16000
    assert b.raw[0, 0] == 16000
    per_frame = np.median(np.diff(b.t))
    assert per_frame == pytest.approx(3 / 128, rel=0.05)  # 3 rounds of 1/128 s


def test_both_chips_convert_at_once(layout):
    """Virtual time per frame is about 3 conversions, not 6 (one after another)."""
    clock = VirtualClock()
    src = open_ads1115(layout, clock, math.inf, i2c=make_bus(layout, clock))
    b = src.read(200)
    rate = (len(b) - 1) / (b.t[-1] - b.t[0])
    assert rate > 1 / (6 / 860)          # faster than any sequential schedule could be
    assert rate <= layout_ceiling(layout) * 1.001
    assert rate > 0.95 * layout_ceiling(layout)


def test_stamps_are_the_middle_of_the_conversions(layout):
    clock = VirtualClock()
    src = open_ads1115(layout, clock, 200.0, i2c=make_bus(layout, clock))
    src.read(10)
    t_before = clock.now()
    b = src.read(1)
    assert t_before < b.t[0] < clock.now()
    assert np.diff(src.read(20).t) == pytest.approx(np.full(19, 1 / 200), abs=2e-4)


def test_eight_sensors_four_per_chip():
    layout = load_layout("default-8")
    clock = VirtualClock()
    src = open_ads1115(layout, clock, 150.0, i2c=make_bus(layout, clock))
    b = src.read(20)
    assert b.raw.shape == (20, 8)
    assert np.all(b.raw == expected(layout))


@pytest.mark.parametrize("osc", [{0x48: 0.10, 0x49: -0.10}, {0x48: -0.08, 0x49: 0.09}])
def test_oscillator_spread_is_learned(layout, osc):
    clock = VirtualClock()
    src = open_ads1115(layout, clock, math.inf, i2c=make_bus(layout, clock, osc=osc))
    b = src.read(600)
    assert_never_invented(b, layout)
    assert not b.flags.any()
    assert src.counters["timeouts"] == 0
    for chip, err in zip(src.reader.chips, (osc[0x48], osc[0x49])):
        measured = chip.est + src.reader.t_head
        assert measured == pytest.approx((1 + err) / 860, rel=0.01)


def test_instant_chips_need_no_waiting(layout):
    """Simulated chips that convert instantly (timing off) are read serially, without waits."""
    clock = VirtualClock()
    src = open_ads1115(layout, clock, 200.0, i2c=make_bus(layout, clock, timing=False), conversion_s=0.0)
    assert src.reader.schedule == "serial"
    b = src.read(20)
    assert np.all(b.raw == expected(layout))


# -- opening -----------------------------------------------------------------------------------
def test_missing_chip_at_start_is_one_line_naming_address_and_fix(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    del bus.devices[0x49]
    with pytest.raises(SensorError) as info:
        open_ads1115(layout, clock, 200.0, i2c=bus)
    msg = str(info.value)
    assert "\n" not in msg
    assert "0x49" in msg and "i2cdetect -y 1" in msg and "ADDR" in msg and "VDD" in msg


def test_allow_missing_reports_the_chip_and_picks_it_up_later(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    chip = bus.devices[0x48]
    chip.power_off()
    src = open_ads1115(layout, clock, 200.0, i2c=bus, allow_missing=True)
    status = src.reader.chip_status()[0]
    assert status["state"] == "missing" and "i2cdetect" in status["error"]
    b = src.read(20)
    assert np.isnan(b.raw[:, :3]).all()
    chip.power_on()
    b = src.read(200)
    assert np.all(b.raw[-1] == expected(layout))
    assert src.reader.chip_status()[0]["state"] == "ok"


def test_no_i2c_bus_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    with pytest.raises(SensorError) as info:
        open_i2c_bus(1)
    msg = str(info.value)
    assert "i2c-1" in msg and "raspi-config" in msg and "\n" not in msg


def test_no_permission_names_the_i2c_group(monkeypatch, tmp_path):
    (tmp_path / "i2c-1").write_bytes(b"")
    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    monkeypatch.setattr(ads.os, "access", lambda p, mode: False)   # (root may access anything)
    with pytest.raises(SensorError) as info:
        open_i2c_bus(1)
    assert "i2c group" in str(info.value)


def test_blinka_bus_not_enabled_error_is_translated(monkeypatch, tmp_path):
    import types

    (tmp_path / "i2c-1").write_bytes(b"")
    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    monkeypatch.setattr(ads.os, "access", lambda p, mode: True)
    fake = types.ModuleType("adafruit_extended_bus")

    def extended(bus):
        raise RuntimeError("I2C Bus #1 not found, check if enabled in config!")

    fake.ExtendedI2C = extended
    monkeypatch.setitem(sys.modules, "adafruit_extended_bus", fake)
    monkeypatch.setenv("BLINKA_SKIP_DEPENDENCY_CHECK", "1")
    with pytest.raises(SensorError) as info:
        open_i2c_bus(1)
    assert "not enabled" in str(info.value) and "do_i2c" in str(info.value)


def test_wrong_layout_type_is_refused():
    layout = reference_layout(6, adc_type="mcp3008")
    with pytest.raises(LayoutError):
        open_ads1115(layout, VirtualClock(), 200.0, i2c=FakeI2C())


def test_importing_and_failing_to_open_never_imports_board():
    code = ("import sys, firmware.ads1115 as a\n"
            "try:\n    a.open_i2c_bus(7)\nexcept Exception as e:\n    print(type(e).__name__)\n"
            "print('board' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["SensorError", "False"]


def test_close_is_safe_twice_and_then_refuses(layout):
    clock = VirtualClock()
    src = open_ads1115(layout, clock, 200.0, i2c=make_bus(layout, clock))
    src.read(2)
    src.close()
    src.close()
    with pytest.raises(DeviceClosed):
        src.read(1)
    with pytest.raises(DeviceClosed):
        src.reader.read_frame()


def test_free_running_with_every_chip_gone_does_not_spin(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, math.inf, i2c=bus)
    src.read(5)
    for chip in bus.devices.values():
        chip.power_off()
    t0 = clock.now()
    b = src.read(50)
    assert np.isnan(b.raw).all() and np.all((b.flags & Flag.READ_ERROR) != 0)
    assert clock.now() - t0 > 0.5          # frames paced by the probes' back-off, not a busy loop
