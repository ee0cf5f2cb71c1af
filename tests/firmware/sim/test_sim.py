import time

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.frames import FrameBlock
from firmware.layout import load_layout
from firmware.sim.ads1115 import SimADS1115
from firmware.sim.backend import open_sim
from firmware.sim.i2c import FakeI2C
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptBuilder, ScriptedPerson
from firmware.sim.vector import VectorSimSource


def test_real_driver_reads_back_given_voltages_within_one_code():
    from adafruit_ads1x15 import ADS1115, AnalogIn

    clock = VirtualClock()
    bus = FakeI2C(clock)
    volts = [0.0, 0.1234, 1.65, 3.3]
    bus.devices[0x48] = SimADS1115(lambda ch, t: volts[ch], clock)
    for gain, fs in ((1, 4.096), (2 / 3, 6.144)):
        ads = ADS1115(bus, gain=gain, data_rate=860, address=0x48)
        for pin, v in enumerate(volts):
            if v > fs:
                continue
            assert abs(AnalogIn(ads, pin).value - v / fs * 32768) <= 1


def test_missing_chip_is_reported_by_the_driver():
    from adafruit_ads1x15 import ADS1115

    with pytest.raises(ValueError, match="0x49"):
        ADS1115(FakeI2C(), address=0x49)


def still_mat(x=0.0, y=110.0, seed=0, **kw):
    layout = load_layout()
    person = ScriptedPerson(Script.still(x, y), weight_kg=70, seed=seed, sway_mm=0.0)
    return layout, SimMat(layout, person, seed=seed, **kw)


def test_still_person_has_that_true_cop_and_load():
    layout, mat = still_mat(-20.0, 120.0)
    block = VectorSimSource(mat, VirtualClock()).read(200)
    assert np.allclose(block.true_cop, [-20.0, 120.0], atol=0.5)
    assert np.allclose(block.true_load, 70 * 9.80665, rtol=0.01)


def test_step_off_drops_load_to_zero_and_raw_to_the_bleed_level():
    layout = load_layout()
    script = ScriptBuilder(0, 110).hold(1).step_off(0.3).hold(2).build()
    mat = SimMat(layout, ScriptedPerson(script, seed=1), seed=1)
    block = VectorSimSource(mat, VirtualClock()).read(200 * 3)
    assert block.true_load[:100].mean() > 600
    assert block.true_load[-100:].max() < 1.0
    # unloaded: the bleed resistor alone (~3.3 mV ≈ 26 codes), far from a loaded reading
    assert np.all(block.raw[-100:] < 60) and np.all(block.raw[-100:] > 5)


def test_same_seed_same_frames_both_paths():
    a = VectorSimSource(still_mat(seed=4)[1], VirtualClock()).read(300)
    b = VectorSimSource(still_mat(seed=4)[1], VirtualClock()).read(300)
    assert np.array_equal(a.raw, b.raw)
    layout, m1 = still_mat(seed=5)
    _, m2 = still_mat(seed=5)
    r1 = open_sim(layout, m1, VirtualClock()).read(50)
    r2 = open_sim(layout, m2, VirtualClock()).read(50)
    assert np.array_equal(r1.raw, r2.raw)


def test_vectorised_reads_of_any_size_give_the_same_frames():
    """The vectorised source works its frames out ahead and hands them out as they are read:
    reads of 1 to 50 frames give the frames one read of all of them gives (the codes exactly; the
    true CoP to rounding, the feet's tilts starting from the previous call's)."""
    layout = load_layout()

    def mat():
        s = ScriptBuilder(0, 110).hold(1).move_to(-50, 90, 2).move_to(40, 140, 2).hold(1).build()
        return SimMat(layout, ScriptedPerson(s, seed=3), seed=3, scenario="realistic")

    whole = VectorSimSource(mat(), VirtualClock()).read(1200)
    src, parts, sizes = VectorSimSource(mat(), VirtualClock()), [], [1, 3, 4, 10, 50, 7, 20, 21]
    while (done := sum(len(p) for p in parts)) < 1200:
        parts.append(src.read(min(sizes[len(parts) % len(sizes)], 1200 - done)))
        assert src.clock.now() == parts[-1].t[-1]           # the clock stands at the last frame read
    got = FrameBlock.concat(parts)
    assert np.array_equal(got.t, whole.t) and np.array_equal(got.raw, whole.raw)
    assert np.allclose(got.true_cop, whole.true_cop, rtol=0, atol=1e-9)
    assert np.allclose(got.true_load, whole.true_load, rtol=1e-12, atol=0)


def test_driver_path_agrees_with_vectorised_path():
    layout, m1 = still_mat(seed=6, noise_v=0.0, hysteresis=0.0, creep=0.0)
    _, m2 = still_mat(seed=6, noise_v=0.0, hysteresis=0.0, creep=0.0)
    drv = open_sim(layout, m1, VirtualClock()).read(40)
    vec = VectorSimSource(m2, VirtualClock()).read(40)
    assert np.all(np.abs(drv.raw - vec.raw) <= 2)


def test_holding_on_takes_weight_off_the_mat():
    layout = load_layout()
    script = ScriptBuilder(0, 110).hold(1).hold_on(0.3, 0.2).hold(2).build()
    mat = SimMat(layout, ScriptedPerson(script, seed=1), seed=1)
    block = VectorSimSource(mat, VirtualClock()).read(600)
    assert block.true_load[-50:].mean() == pytest.approx(0.7 * 686.5, rel=0.02)


def test_an_hour_of_virtual_time_runs_in_seconds():
    layout, mat = still_mat()
    src = VectorSimSource(mat, VirtualClock())
    t0 = time.perf_counter()
    n = 0
    for _ in range(36):
        n += len(src.read(200 * 100))
    assert n == 200 * 3600
    assert time.perf_counter() - t0 < 60   # generous: the bench reports the real figure
