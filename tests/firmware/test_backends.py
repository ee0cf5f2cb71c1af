"""firmware.backends.open_source, the one place a backend is chosen, and the FrameSource protocol
every source declares."""
from __future__ import annotations

import numpy as np
import pytest

from firmware.backends import open_source
from firmware.clock import RealClock, VirtualClock
from firmware.errors import LayoutError, SensorError, UsageError
from firmware.frames import FrameBlock, FrameSource
from firmware.layout import load_layout
from firmware.sampler import Sampler
from firmware.sim.faults import chip_faults_hook, parse_faults, swapped
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptedPerson
from firmware.sim.vector import VectorSimSource


@pytest.fixture
def layout():
    return load_layout("default-6")


def _conforms(source) -> None:
    assert isinstance(source, FrameSource) and FrameSource in type(source).__mro__
    assert source.exhausted is False
    assert source.rate_hz > 0 and source.layout is not None and isinstance(source.counters, dict)
    assert isinstance(source.clock.virtual, bool) and isinstance(source.has_truth, bool)


def test_sim_through_the_driver_is_a_sampler_with_truth(layout):
    with open_source("sim", layout, VirtualClock(), script=Script.still(0, 110), person_kg=60, seed=2) as src:
        _conforms(src)
        assert isinstance(src, Sampler) and src.rate_hz == 200.0 and src.has_truth
        block = src.read(20)
        assert isinstance(block, FrameBlock) and len(block) == 20 and block.true_cop is not None
        assert src.counters["frames"] == 20
    assert src.closed


def test_sim_vector_and_driver_read_the_same_mat(layout):
    def mat():
        return SimMat(layout, ScriptedPerson(Script.still(0, 110), weight_kg=70, seed=3), seed=3)

    vec = open_source("sim", layout, VirtualClock(), 100.0, mat=mat(), vector=True)
    _conforms(vec)
    assert isinstance(vec, VectorSimSource) and vec.rate_hz == 100.0
    drv = open_source("sim", layout, VirtualClock(), 100.0, mat=mat())
    a, b = vec.read(10), drv.read(10)
    assert np.array_equal(a.raw[0], b.raw[0]) and np.allclose(a.raw, b.raw, rtol=0.01)


def test_sim_options_reach_the_simulated_chips(layout):
    faults, chips = parse_faults(["left_heel=open", "0x49=stuck"], layout)
    mat = SimMat(layout, ScriptedPerson(Script.still(0, 110), seed=1), seed=1)
    mat.faults.update(faults)
    src = open_source("sim", layout, VirtualClock(), 200.0, mat=swapped(mat, layout, "left_ball,left_toes"),
                      prepare=chip_faults_hook(chips), allow_missing=True)
    assert src.reader.i2c.devices[0x49].stuck
    block = src.read(50)
    assert np.isnan(block.raw[:, 3:]).all()             # the stuck chip's sensors are unread


def test_sim_needs_a_person(layout):
    with pytest.raises(ValueError):
        open_source("sim", layout, VirtualClock())
    with pytest.raises(TypeError):
        open_source("sim", layout, VirtualClock(), script=Script.still(0, 110), vector=True, timing=True)


def test_unknown_backend_is_one_usage_line(layout):
    with pytest.raises(UsageError) as info:
        open_source("usb", layout, VirtualClock())
    assert "\n" not in str(info.value) and "'usb'" in str(info.value)


def test_hardware_backends_go_to_their_drivers(layout, monkeypatch, tmp_path):
    import firmware.ads1115 as ads

    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    with pytest.raises(SensorError):
        open_source("ads1115", layout, RealClock())
    with pytest.raises(LayoutError):                     # default-6 is wired for ADS1115 chips
        open_source("mcp3008", layout, RealClock())


def test_ads1115_on_a_given_bus(layout):
    from firmware.sim.backend import build_bus

    clock = VirtualClock()
    mat = SimMat(layout, ScriptedPerson(Script.still(0, 110), seed=1), seed=1)
    with open_source("ads1115", layout, clock, 200.0, i2c=build_bus(layout, mat, clock), conversion_s=0.0) as src:
        _conforms(src)
        assert not src.has_truth and len(src.read(5)) == 5


def test_real_chips_on_the_real_clock_are_read_in_a_process_of_their_own(layout):
    """The product's default (issue 33): the ADS1115 driver on a real clock acquires in its own
    process — every frame the chips' values, handed over in order; ``thread`` keeps the thread."""
    import time

    from firmware.sampler import ProcessSampler
    from trainer.bench.acquisition import _bus, _expected

    clock = RealClock()
    src = open_source("ads1115", layout, clock, 100.0, i2c=_bus(layout, clock, 400))
    try:
        assert isinstance(src, ProcessSampler) and src.acquisition[0] == "process"
        _conforms(src)
        src.read(timeout=3.0)
        time.sleep(0.3)
        b = src.read(timeout=1.0)
        assert src._proc is not None and src._proc.pid != __import__("os").getpid()
    finally:
        src.close()
    ok = ~np.isnan(b.raw).any(axis=1)
    assert ok.sum() > 5 and np.array_equal(b.raw[ok], np.broadcast_to(_expected(layout), b.raw[ok].shape))
    assert np.all(np.diff(b.t) > 0)
    with open_source("ads1115", layout, clock, 100.0, i2c=_bus(layout, clock, 400), acquisition="thread") as src:
        assert type(src) is Sampler and src.acquisition == ("thread", "asked for")


def test_the_simulated_mat_keeps_the_thread_and_says_why(layout):
    from firmware.backends import acquisition_for

    with open_source("sim", layout, RealClock(), script=Script.still(0, 110), seed=1) as src:
        assert type(src) is Sampler and src.acquisition[0] == "thread"
        assert "engine" in src.acquisition[1]
    with open_source("sim", layout, VirtualClock(), script=Script.still(0, 110), seed=1) as src:
        assert src.acquisition[0] == "synchronous" and len(src.read(4)) == 4
    assert acquisition_for("ads1115", VirtualClock())[0] == "synchronous"
    assert acquisition_for("mcp3008", RealClock())[0] == "process"
    with pytest.raises(ValueError):
        open_source("sim", layout, VirtualClock(), script=Script.still(0, 110), acquisition="fast")


def test_a_replay_is_a_frame_source(layout, tmp_path):
    from trainer.sessions.replay import ReplaySource, open_replay
    from trainer.sessions.writer import SessionWriter

    clock = VirtualClock()
    src = open_source("sim", layout, clock, script=Script.still(0, 110), vector=True)
    block = src.read(30)
    n, s = len(block), len(layout.sensors)
    w = SessionWriter(tmp_path, "test", layout=layout, calibration={}, params={}, person={},
                      sample_rate_hz=200.0, simulated=True, clock_start=0.0)
    w.write(block.t, block.raw, np.zeros((n, s)), np.zeros(n), np.zeros((n, 2)), np.zeros(n), np.zeros((n, 2)),
            [""] * n, [""] * n, block.true_cop)
    folder = w.finish({}, {})
    rep = open_replay(folder, layout, VirtualClock())
    assert isinstance(rep, ReplaySource)
    _conforms(rep)
    assert len(rep.read(100)) == n and rep.exhausted
    rep.close()
