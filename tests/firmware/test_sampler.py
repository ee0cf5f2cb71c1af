"""firmware.sampler.Sampler and the simulated backend built on it (open_sim)."""
from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from firmware.backends import open_source
from firmware.clock import RealClock, VirtualClock
from firmware.errors import DeviceClosed, SensorError
from firmware.frames import Flag
from firmware.layout import load_layout
from firmware.sampler import Sampler
from firmware.sim.vector import VectorSimSource


@pytest.fixture
def layout():
    return load_layout("default-6")


class StepReader:
    """A reader whose frames take ``cost`` seconds of the clock and carry a counter."""

    def __init__(self, clock, n=6, cost=0.001, stamp=True):
        self.clock = clock
        self.n = n
        self.cost = cost
        self.stamp = stamp
        self.k = 0
        self.counters = {"i2c_errors": 0, "custom": 0}
        self.closed = False
        self.flags = {}

    def read_frame(self):
        t0 = self.clock.now()
        self.clock.sleep(self.cost)
        self.k += 1
        self.counters["custom"] += 1
        raw = np.full(self.n, float(self.k))
        flags = self.flags.get(self.k, Flag(0))
        if flags & Flag.READ_ERROR:
            raw[0] = np.nan
        if self.stamp:
            return raw, flags, t0 + 0.25 * self.cost
        return raw, flags

    def close(self):
        self.closed = True


def test_virtual_clock_gives_exactly_the_frames_asked(layout):
    clock = VirtualClock()
    s = Sampler(StepReader(clock), layout, clock, 100.0)
    b = s.read(50)
    assert len(b) == 50 and b.raw[:, 0].tolist() == list(range(1, 51))
    assert np.allclose(np.diff(b.t), 0.01)
    assert b.t[0] == pytest.approx(0.00025)           # the reader's own stamp
    assert len(s.read()) == s.chunk == 5              # default: one 50 ms chunk


def test_without_a_stamp_the_middle_of_the_read_is_used(layout):
    clock = VirtualClock()
    s = Sampler(StepReader(clock, stamp=False, cost=0.002), layout, clock, 100.0)
    assert s.read(1).t[0] == pytest.approx(0.001)


def test_counters_are_one_dict_with_the_reader(layout):
    clock = VirtualClock()
    r = StepReader(clock)
    s = Sampler(r, layout, clock, 100.0)
    assert r.counters is s.counters
    s.read(7)
    assert s.counters["custom"] == 7 and s.counters["frames"] == 7
    for key in ("dropped", "late", "flagged", "unreadable", "i2c_errors", "retries", "timeouts",
                "jitter_ms", "max_jitter_ms"):
        assert key in s.counters


def test_flags_and_unreadable_frames_are_counted(layout):
    clock = VirtualClock()
    r = StepReader(clock)
    r.flags = {2: Flag.RETRIED, 3: Flag.READ_ERROR, 5: Flag.TIMEOUT}
    s = Sampler(r, layout, clock, 100.0)
    b = s.read(6)
    assert s.counters["flagged"] == 3 and s.counters["unreadable"] == 2
    assert np.isnan(b.raw[2, 0]) and b.flags[2] == Flag.READ_ERROR


def test_a_slow_frame_is_flagged_late_and_not_caught_up_in_a_burst(layout):
    clock = VirtualClock()
    r = StepReader(clock, cost=0.001)
    s = Sampler(r, layout, clock, 100.0)
    s.read(3)
    r.cost = 0.025                                    # 2.5 periods
    s.read(1)
    r.cost = 0.001
    b = s.read(3)
    assert (b.flags & Flag.LATE).any()
    assert s.counters["late"] >= 1 and s.counters["max_jitter_ms"] > 10
    assert np.all(np.diff(b.t) >= 0.0099)             # paced again, no burst


def test_free_running_does_not_pace(layout):
    clock = VirtualClock()
    s = Sampler(StepReader(clock, cost=0.002), layout, clock, math.inf)
    b = s.read(10)
    assert np.allclose(np.diff(b.t), 0.002)
    assert s.counters["late"] == 0


def test_rate_must_be_positive(layout):
    with pytest.raises(ValueError):
        Sampler(StepReader(VirtualClock()), layout, VirtualClock(), 0.0)


def test_real_clock_thread_fills_a_bounded_buffer_and_counts_drops(layout):
    clock = RealClock()
    r = StepReader(clock, cost=0.0)
    s = Sampler(r, layout, clock, 500.0, buffer_s=0.04)   # room for 20 frames
    try:
        s.start()
        deadline = time.perf_counter() + 3.0
        while s.counters["dropped"] == 0 and time.perf_counter() < deadline:
            time.sleep(0.02)
        assert s.counters["dropped"] > 0
        b = s.read()
        assert 0 < len(b) <= 20
        assert np.all(np.diff(b.raw[:, 0]) > 0)           # oldest dropped, order kept
    finally:
        s.close()
    assert r.closed


def test_real_clock_read_waits_then_returns_empty(layout):
    clock = RealClock()

    class Never(StepReader):
        def read_frame(self):
            time.sleep(0.05)
            raise RuntimeError("boom")

    s = Sampler(Never(clock), layout, clock, 100.0)
    with pytest.raises(RuntimeError, match="boom"):
        s.read(timeout=1.0)
    s.close()


def test_close_stops_the_thread_and_is_safe_twice(layout):
    clock = RealClock()
    r = StepReader(clock, cost=0.0005)
    s = Sampler(r, layout, clock, 200.0)
    s.read(timeout=1.0)
    s.close()
    s.close()
    k = r.k
    time.sleep(0.05)
    assert r.k == k
    assert not any(t.name == "footmat-acquisition" and t.is_alive() for t in threading.enumerate())
    with pytest.raises(DeviceClosed):
        s.read()


def test_vector_source_has_the_same_counter_keys(layout):
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson

    v = VectorSimSource(SimMat(layout, ScriptedPerson(Script.still(0, 110))), VirtualClock())
    s = Sampler(StepReader(VirtualClock()), layout, VirtualClock(), 100.0)
    assert set(s.counters) - {"custom"} <= set(v.counters)


# -- open_sim ----------------------------------------------------------------------------------
def _mat(layout, seed=1):
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson

    return SimMat(layout, ScriptedPerson(Script.still(0, 110), weight_kg=70, seed=seed), seed=seed)


def test_open_sim_uses_the_register_level_reader_with_truth(layout):
    from firmware.ads1115 import ADS1115Reader
    from firmware.sim.backend import open_sim

    src = open_sim(layout, _mat(layout), VirtualClock(), 200.0)
    assert isinstance(src.reader, ADS1115Reader)
    b = src.read(40)
    assert src.has_truth and b.true_cop.shape == (40, 2) and b.true_load.shape == (40,)
    assert np.all(b.raw > 1000) and not b.flags.any()
    assert b.true_load[-1] == pytest.approx(70 * 9.80665, rel=0.02)
    assert np.allclose(np.diff(b.t), 0.005)


def test_open_sim_matches_the_vectorised_path(layout):
    """Same mat, same times: the driver path and the physics-to-codes path agree (noise aside)."""
    from firmware.sim.backend import open_sim

    src = open_sim(layout, _mat(layout, 3), VirtualClock(), 200.0)
    b = src.read(20)
    vec = VectorSimSource(_mat(layout, 3), VirtualClock(), 200.0).read(20)
    assert np.all(np.abs(b.raw - vec.raw) < 40)    # 0.4 mV noise ≈ 3 codes; FSR state from different steps


def test_open_sim_timing_faithful_in_virtual_time(layout):
    from firmware.sim.backend import open_sim

    clock = VirtualClock()
    src = open_sim(layout, _mat(layout), clock, math.inf, timing=True)
    b = src.read(50)
    assert src.reader.schedule == "pipelined"
    rate = (len(b) - 1) / (b.t[-1] - b.t[0])
    assert 200 < rate < 256


def test_open_sim_stock_driver_for_comparison(layout):
    from firmware.sim.backend import AnalogInReader, open_sim

    src = open_sim(layout, _mat(layout), VirtualClock(), 200.0, stock_driver=True)
    assert isinstance(src.reader, AnalogInReader)
    assert np.all(src.read(5).raw > 1000)


def test_open_sim_exposes_chips_for_fault_injection(layout):
    from firmware.sim.backend import open_sim

    src = open_sim(layout, _mat(layout), VirtualClock(), 200.0)
    src.reader.i2c.devices[0x48].power_off()
    b = src.read(10)
    assert np.isnan(b.raw[:, :3]).all() and np.all((b.flags & Flag.READ_ERROR) != 0)
    assert src.counters["unreadable"] == 10


def test_open_source_on_a_machine_without_the_bus(layout, monkeypatch, tmp_path):
    import firmware.ads1115 as ads

    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    with pytest.raises(SensorError) as info:
        open_source("ads1115", layout, RealClock(), 200.0)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError):
        open_source("usb", layout, RealClock())


# -- acquisition in its own process ----------------------------------------------------------------
def test_process_sampler_hands_over_every_frame_in_order_with_the_counters(layout):
    from firmware.sampler import ProcessSampler

    clock = RealClock()
    s = ProcessSampler(StepReader(clock, cost=0.0005), layout, clock, 400.0)
    got = [s.read(timeout=2.0)]
    time.sleep(0.3)
    got.append(s.read())
    k = np.concatenate([b.raw[:, 0] for b in got])
    assert len(k) > 20
    assert np.array_equal(k, np.arange(1, len(k) + 1))        # none lost, none repeated, in order
    assert s.counters["frames"] >= len(k) and s.counters["custom"] >= len(k)   # the reader's own too
    assert np.all(np.diff(np.concatenate([b.t for b in got])) > 0)
    s.close()
    s.close()
    assert s.reader.closed
    with pytest.raises(DeviceClosed):
        s.read()


def test_process_sampler_overwrites_the_oldest_when_nobody_reads_and_counts_them(layout):
    from firmware.sampler import ProcessSampler

    clock = RealClock()
    s = ProcessSampler(StepReader(clock, cost=0.0005), layout, clock, 500.0, buffer_s=0.04)   # 20 frames
    s.read(timeout=2.0)
    time.sleep(0.4)
    b = s.read()
    s.close()
    assert len(b) <= 20 and s.counters["dropped"] > 0
    assert np.all(np.diff(b.raw[:, 0]) == 1)                   # what is handed out is contiguous


def test_process_sampler_raises_the_readers_error_in_the_reader(layout):
    from firmware.sampler import ProcessSampler

    class Broken(StepReader):
        def read_frame(self):
            if self.k >= 3:
                raise SensorError("chip 0x48 is gone", "check the wiring")
            return super().read_frame()

    clock = RealClock()
    s = ProcessSampler(Broken(clock), layout, clock, 200.0)
    with pytest.raises(SensorError, match="0x48"):
        for _ in range(50):
            s.read(timeout=0.2)
    s.close()


def test_process_sampler_reads_the_adafruit_driver_on_the_injected_bus(layout):
    from firmware.sampler import ProcessSampler
    from trainer.bench.acquisition import _bus, _expected

    clock = RealClock()
    base = open_source("ads1115", layout, clock, 100.0, i2c=_bus(layout, clock, 400))
    s = ProcessSampler(base.reader, layout, clock, 100.0)
    b = s.read(timeout=3.0)
    time.sleep(0.2)
    b = s.read()
    s.close()
    ok = ~np.isnan(b.raw).any(axis=1)
    assert ok.sum() > 5 and np.array_equal(b.raw[ok], np.broadcast_to(_expected(layout), b.raw[ok].shape))


def test_process_sampler_on_a_virtual_clock_is_the_synchronous_sampler(layout):
    from firmware.sampler import ProcessSampler

    clock = VirtualClock()
    s = ProcessSampler(StepReader(clock), layout, clock, 100.0)
    assert len(s.read(7)) == 7 and s._proc is None
    s.close()
