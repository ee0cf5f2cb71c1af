"""The render bench keeps the simulated chips' cost apart from the product's (issue 33): the
meter times exactly the simulated chips' work, and nothing of the driver's."""
import time

import numpy as np

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.backend import open_sim
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptedPerson
from trainer.app.simperson import natural_centre
from trainer.bench.render import SimMeter


def _source():
    layout = load_layout("default-6")
    person = ScriptedPerson(Script.still(*natural_centre(layout)), seed=1)
    return open_sim(layout, SimMat(layout, person, seed=1), VirtualClock(), 200.0)


def _spin(s):
    t0 = time.thread_time()
    while time.thread_time() - t0 < s:
        pass


def test_the_meter_times_the_simulated_chips_and_not_the_driver():
    source = _source()
    chips = list(source.reader.i2c.devices.values())
    for chip in chips:               # a chip whose every conversion costs 2 ms of CPU
        inner = chip.source

        def slow(channel, t, inner=inner):
            _spin(0.002)
            return inner(channel, t)

        chip.source = slow
    meter = SimMeter(source)
    before = sum(c.conversions for c in chips)
    block = source.read(20)
    conversions = sum(c.conversions for c in chips) - before
    assert len(block) == 20 and conversions == 20 * len(source.layout.sensors)
    assert 0.002 * conversions <= meter.cpu_s < 0.002 * conversions + 0.05
    assert meter.calls >= 2 * conversions          # at least a start and a read of each
    source.close()


def test_the_meter_leaves_other_sources_untouched():
    metered, plain = _source(), _source()
    meter = SimMeter(metered)
    plain.read(10)
    assert meter.calls == 0 and meter.cpu_s == 0.0
    a = metered.read(10)
    assert meter.calls > 0
    b = _source().read(10)
    assert np.array_equal(a.raw, b.raw)       # timed chips answer the same
    metered.close()
    plain.close()
