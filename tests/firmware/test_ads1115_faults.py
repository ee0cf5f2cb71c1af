"""firmware.ads1115 when the bus or a chip fails: retries, a chip set aside, stuck and lost chips,
late reads — never an invented value, never a hang.

Behaviour, not timing: deadlines are checked in virtual time (deterministic); on the real clock
only generous deadlines that catch a hang are asserted.
"""
from __future__ import annotations

import errno
import math
import time

import numpy as np
import pytest

from firmware.ads1115 import ADS1115Reader, open_ads1115
from firmware.clock import RealClock, VirtualClock
from firmware.errors import ConversionTimeout, SensorError
from firmware.frames import Flag
from firmware.layout import load_layout
from firmware.sim.i2c import RandomFailures
from tests.firmware.test_ads1115 import assert_never_invented, expected, make_bus


@pytest.fixture
def layout():
    return load_layout("default-6")


# -- faults -------------------------------------------------------------------------------------
def test_transient_errors_are_retried_counted_and_never_invent(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, math.inf, i2c=bus)
    bus.fail = hook = RandomFailures(0.05, seed=1)
    b = src.read(400)
    assert hook.count > 100
    assert src.counters["i2c_errors"] == hook.count == bus.failures
    assert src.counters["retries"] <= src.counters["i2c_errors"]
    assert (b.flags & Flag.RETRIED).any()
    assert_never_invented(b, layout)
    # almost every frame is still complete
    assert np.isnan(b.raw).any(axis=1).mean() < 0.05


@pytest.mark.parametrize("code", [errno.EREMOTEIO, errno.EIO])
def test_both_transient_errnos_are_retried(layout, code):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    state = {"n": 0}

    def once_every_7(addr):
        state["n"] += 1
        return code if state["n"] % 7 == 0 else None

    bus.fail = once_every_7
    b = src.read(100)
    assert src.counters["retries"] == src.counters["i2c_errors"] > 0
    assert not np.isnan(b.raw).any()
    assert np.all(b.raw == expected(layout))


def test_other_errnos_are_not_retried(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    bus.fail = lambda addr: errno.ETIMEDOUT if addr == 0x49 else None
    b = src.read(20)
    assert src.counters["retries"] == 0
    assert src.counters["i2c_errors"] >= 1
    assert np.isnan(b.raw[:, 3:]).all() and not np.isnan(b.raw[:, :3]).any()
    assert np.all((b.flags & Flag.READ_ERROR) != 0)


def test_a_chip_that_always_fails_is_set_aside_not_waited_for(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    bus.fail = lambda addr: errno.EREMOTEIO if addr == 0x49 else None
    b = src.read(200)
    assert np.all(b.raw[:, :3] == expected(layout)[:3])
    assert np.isnan(b.raw[:, 3:]).all()
    assert src.reader.chip_status()[1]["state"] == "lost"
    # probed with a back-off, not hammered every frame
    assert src.counters["i2c_errors"] < 3 * 200
    assert src.counters["late"] == 0


def test_stuck_chip_is_reported_within_half_a_second(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    src.read(10)
    bus.devices[0x49].stuck = True
    t0 = clock.now()
    hit = None
    while hit is None and clock.now() - t0 < 0.5:
        b = src.read(1)
        if b.flags[0] & Flag.TIMEOUT:
            hit = b
    assert hit is not None, "no TIMEOUT flag within 0.5 s"
    assert np.isnan(hit.raw[0, 3:]).any()      # (it may have got stuck mid-frame)
    status = src.reader.chip_status()[1]
    assert status["state"] == "stuck"
    assert isinstance(src.reader.chips[1].error, ConversionTimeout)
    assert "0x49" in status["error"]
    assert src.counters["timeouts"] >= 1
    # the other chip keeps being read
    b = src.read(20)
    assert np.all(b.raw[-5:, :3] == expected(layout)[:3])
    assert np.isnan(b.raw[-5:, 3:]).all() and np.all((b.flags[-5:] & Flag.TIMEOUT) != 0)
    src.close()


def test_stuck_chip_on_the_real_clock_is_reported_and_close_stops_the_thread(layout):
    """The acquisition thread on the wall clock: the same report, and close() ends the thread.
    (How soon is checked in virtual time above; here the deadline only catches a hang.)"""
    clock = RealClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    try:
        src.read(timeout=1.0)
        bus.devices[0x49].stuck = True
        deadline = time.perf_counter() + 10.0
        hit = None
        while hit is None and time.perf_counter() < deadline:
            b = src.read(timeout=0.1)
            rows = np.flatnonzero((b.flags & Flag.TIMEOUT) != 0)
            if rows.size:
                hit = b[rows[0]:rows[0] + 1]
        assert hit is not None, "no TIMEOUT flag within 10 s"
        assert src.reader.chip_status()[1]["state"] == "stuck"
        # the other chip keeps being read: the last 5 of the next 10 frames or more (the first block
        # after the hit can be a single frame that the stuck chip's deadline cut short, on a busy
        # machine). A thread held up past a result's validity drops that channel and flags the frame
        # READ_ERROR (a late read, counted): on the wall clock of a loaded machine that can happen to
        # any frame, so the frames compared are the ones not so flagged.
        blocks, end = [], time.perf_counter() + 5.0
        clean = lambda: sum(int(((x.flags & Flag.READ_ERROR) == 0).sum()) for x in blocks)
        while clean() < 10 and time.perf_counter() < end:
            blocks.append(src.read(timeout=1.0))
        raw = np.concatenate([x.raw for x in blocks if len(x)])
        flags = np.concatenate([x.flags for x in blocks if len(x)])
        ok = raw[(flags & Flag.READ_ERROR) == 0]
        assert len(ok) >= 10 and np.all(ok[-5:, :3] == expected(layout)[:3])
    finally:
        src.close()
    assert not src._thread.is_alive()          # close() stopped the thread, not its join timeout


def test_read_channel_raises_a_typed_timeout_quickly(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    assert src.reader.read_channel(4) == expected(layout)[4]
    bus.devices[0x49].stuck = True
    t0 = clock.now()
    with pytest.raises(ConversionTimeout) as info:
        src.reader.read_channel(4)
    assert clock.now() - t0 < 0.05
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, SensorError)
    assert "0x49" in str(info.value) and "\n" not in str(info.value)
    src.close()


def test_stuck_chip_recovers(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    src.read(10)
    bus.devices[0x48].stuck = True
    b = src.read(40)
    assert (b.flags & Flag.TIMEOUT).any()
    assert np.isnan(b.raw[-1, :3]).all()
    bus.devices[0x48].stuck = False
    b = src.read(40)
    assert np.all(b.raw[-1] == expected(layout))
    assert src.counters["recovered"] >= 1
    assert src.reader.chip_status()[0]["state"] == "ok"


def test_chip_that_disappears_and_comes_back(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    src.read(10)
    bus.devices[0x49].power_off()
    b = src.read(100)
    assert np.isnan(b.raw[-50:, 3:]).all()
    assert np.all((b.flags[-50:] & Flag.READ_ERROR) != 0)
    assert np.all(b.raw[:, :3] == expected(layout)[:3])
    assert "0x49" in src.reader.chip_status()[1]["error"]
    bus.devices[0x49].power_on()     # power-on registers: the scheduler's config writes set it up
    b = src.read(100)
    assert np.all(b.raw[-10:] == expected(layout))
    assert src.counters["chip_lost"] >= 1 and src.counters["recovered"] >= 1


def test_a_late_read_is_dropped_not_mislabelled(layout, monkeypatch):
    """If the thread is held up past the next conversion, that result is NaN — never the next
    channel's code under this channel's name."""
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    src = open_ads1115(layout, clock, math.inf, i2c=bus)
    reader = src.reader
    assert reader.schedule == "pipelined"
    original = ADS1115Reader._result
    calls = {"n": 0}

    def held_up(self, c):
        calls["n"] += 1
        if calls["n"] % 5 == 0 and c.converting is not None:
            clock.advance(0.002)          # preempted for 2 ms: the next conversion finished
        return original(self, c)

    monkeypatch.setattr(ADS1115Reader, "_result", held_up)
    b = src.read(100)
    assert reader.counters["late_reads"] > 0
    assert_never_invented(b, layout)


def test_nothing_hangs_on_a_stuck_chip_at_open(layout):
    clock = VirtualClock()
    bus = make_bus(layout, clock)
    bus.devices[0x48].stuck = True
    src = open_ads1115(layout, clock, 200.0, i2c=bus)
    b = src.read(20)
    assert np.isnan(b.raw[:, :3]).all() and np.all(b.raw[:, 3:] == expected(layout)[3:])
    assert src.reader.chip_status()[0]["state"] == "stuck"
