"""The estimator (trainer/estimate/estimator.py) and its container (block.py): known answers,
the CoP once per block, the same numbers as the former in-engine estimate, and the drill engine
on estimated blocks giving the very summary and events it gave before the estimator left it."""
import json
from pathlib import Path

import numpy as np
import pytest

from calibration.live import LiveAdjuster
from firmware.clock import VirtualClock
from firmware.frames import FrameBlock
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from trainer.app.live import run_drill
from trainer.app.simcal import nominal_sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.base import RunData
from trainer.drills.engine import DrillEngine, DrillRows, SpiralDrill
from trainer.estimate import cop as cop_module
from trainer.estimate.block import EstimatedBlock
from trainer.estimate.cop import MIN_LOAD_FRACTION, CopModel
from trainer.estimate.estimator import Estimator
from trainer.estimate.stillness import StateDetector
from trainer.sessions.writer import _jsonable

RATE = 200.0
W = 700.0          # body weight, N
REFERENCE = Path(__file__).with_name("spiral_reference.json")


class Identity:
    """A calibration whose newtons are the raw numbers (known answers without a model)."""

    def forces(self, raw, layout):
        return np.array(raw, float)


def frames(rows, t0=0.0, flags=None):
    raw = np.asarray(rows, float)
    n = raw.shape[0]
    return FrameBlock(t0 + np.arange(n) / RATE, raw, np.zeros(n, np.uint16) if flags is None else flags)


@pytest.fixture
def layout():
    return load_layout("default-6")


# -- the container ------------------------------------------------------------------------------

def test_estimated_block_checks_its_shapes_in_one_place(layout):
    eb = Estimator(layout, Identity(), W, RATE, live_adjust=False).estimate(frames(np.full((4, 6), 100.0)))
    assert len(eb) == 4 and eb.n_sensors == 6 and eb.true_cop is None and eb.events == []
    cols = eb.columns()
    with pytest.raises(ValueError, match="cop"):
        EstimatedBlock(**cols | {"cop": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="forces"):
        EstimatedBlock(**cols | {"forces": np.zeros((4, 5))})
    with pytest.raises(ValueError, match="still"):
        EstimatedBlock(**cols | {"still": np.zeros(3, bool)})
    with pytest.raises(ValueError, match="true_cop"):
        EstimatedBlock(**cols, true_cop=np.zeros((2, 2)))
    part = eb.take(slice(1, 3))
    assert len(part) == 2 and np.array_equal(part.t, eb.t[1:3]) and np.array_equal(eb[[0, 3]].forces, eb.forces[[0, 3]])
    both = EstimatedBlock.concat([part, eb.take(np.array([True, False, False, True]))])
    assert len(both) == 4 and np.array_equal(both.t, eb.t[[1, 2, 0, 3]])
    with pytest.raises(ValueError):
        EstimatedBlock.concat([])


def test_run_data_is_an_estimated_block_with_the_drill_columns(layout):
    eb = Estimator(layout, Identity(), W, RATE, live_adjust=False).estimate(frames(np.full((3, 6), 100.0)))
    run = RunData(**eb.columns(), a=np.arange(3.0), target=np.zeros((3, 2)), layout=layout, weight_n=W)
    assert isinstance(run, EstimatedBlock) and np.array_equal(run.cop, eb.cop)
    with pytest.raises(ValueError, match="target"):
        RunData(**eb.columns(), a=np.arange(3.0), target=np.zeros((2, 2)))


# -- known answers ------------------------------------------------------------------------------

def test_known_answers_whole_body_per_foot_and_shares(layout):
    est = Estimator(layout, Identity(), W, RATE, live_adjust=False)
    rows = [[100.0] * 6,                       # even: the centre of the sensors, half on each foot
            [500.0, 0, 0, 0, 0, 0],            # all on the left heel
            [0.0] * 6]                         # nobody on the mat
    eb = est.estimate(frames(rows))
    pos = layout.positions
    assert np.allclose(eb.cop[0], pos.mean(axis=0)) and eb.left_pct[0] == pytest.approx(50.0)
    assert eb.total[0] == pytest.approx(600.0) and eb.load_left[0] == eb.load_right[0] == pytest.approx(300.0)
    assert np.allclose(eb.cop_left[0], pos[:3].mean(axis=0)) and np.allclose(eb.cop_right[0], pos[3:].mean(axis=0))
    assert eb.heel_pct_left[0] == pytest.approx(100 / 3)
    assert np.allclose(eb.cop[1], pos[0]) and eb.left_pct[1] == 100.0 and eb.heel_pct_left[1] == 100.0
    assert np.isnan(eb.cop_right[1]).all() and eb.load_right[1] == 0.0
    assert np.isnan(eb.cop[2]).all() and np.isnan(eb.left_pct[2]) and eb.total[2] == 0.0
    assert np.array_equal(eb.raw, np.asarray(rows)) and np.array_equal(eb.forces, np.asarray(rows))


def test_an_unread_channel_is_never_zero_newtons(layout):
    eb = Estimator(layout, Identity(), W, RATE, live_adjust=False).estimate(
        frames([[100.0, np.nan, 100, 100, 100, 100]], flags=np.array([1], np.uint16)))
    assert np.isnan(eb.cop[0]).all() and np.isnan(eb.total[0]) and np.isnan(eb.load_left[0])
    assert eb.load_right[0] == pytest.approx(300.0) and eb.flags[0] == 1


def test_still_person_is_still_after_a_window_and_holding_on_below_90_percent(layout):
    est = Estimator(layout, Identity(), W, RATE, live_adjust=False)
    eb = est.estimate(frames(np.full((300, 6), 0.8 * W / 6)))      # 1.5 s still, mat carries 80 %
    assert not eb.still[:150].any() and eb.still[210:].all() and eb.holding_on[210:].all()
    assert not eb.unloaded.any()


def test_a_still_person_on_the_toes_reading_light_is_not_holding_on(layout):
    """On the balls or toes the discs miss load (issue 22): 80 % of W read with the heels carrying
    5 % of each foot's load is no support; the same total on the heels is."""
    est = Estimator(layout, Identity(), W, RATE, live_adjust=False)
    heel = layout.mask(zone="heel")
    row = np.where(heel, 0.05 * 0.4 * W, 0.95 * 0.4 * W / 2)          # per foot: heel 5 %, ball and toes
    eb = est.estimate(frames(np.tile(row, (300, 1))))
    assert eb.still[210:].all() and eb.total[0] == pytest.approx(0.8 * W) and not eb.holding_on.any()
    flat = Estimator(layout, Identity(), W, RATE, live_adjust=False).estimate(
        frames(np.tile(np.where(heel, 0.5 * 0.4 * W, 0.5 * 0.4 * W / 2), (300, 1))))
    assert flat.holding_on[210:].all()


def test_retare_after_three_seconds_unloaded(layout):
    est = Estimator(layout, Identity(), W, RATE)
    offsets = np.array([0.5, 0.2, 0.4, 0.3, 0.6, 0.1])             # tare noise: the mat is empty
    got = [est.estimate(frames(np.tile(offsets, (50, 1)), t0=k * 0.25)) for k in range(20)]
    events = [e for eb in got for e in eb.events]
    assert [e[1] for e in events] == ["retare"]           # once per unloaded stretch
    # unloaded once the detector's 1 s window is: from t = 1 s; re-tared 3 s later
    assert events[0][0] == pytest.approx(4.0, abs=0.26) and "left_heel=0.5 left_ball=0.2" in events[0][2]
    loaded = est.estimate(frames(np.tile(offsets + 100.0, (5, 1)), t0=5.0))
    assert np.allclose(loaded.forces, 100.0)                        # the offsets are subtracted


def test_rescale_to_body_weight_while_still(layout):
    est = Estimator(layout, Identity(), W, RATE)
    got = [est.estimate(frames(np.full((20, 6), 0.95 * W / 6), t0=k * 0.1)) for k in range(60)]
    kinds = [e[1] for eb in got for e in eb.events]
    assert "rescale" in kinds and "drift_warning" not in kinds      # 5 %: inside the band, no drift warning
    assert np.nanmean(got[-1].total) == pytest.approx(W, rel=0.01)   # scaled to body weight over seconds
    assert np.allclose(got[0].total, 0.95 * W)


def test_an_empty_block_is_an_empty_estimated_block(layout):
    eb = Estimator(layout, Identity(), W, RATE).estimate(FrameBlock.empty(6))
    assert len(eb) == 0 and eb.forces.shape == (0, 6) and eb.cop.shape == (0, 2) and eb.events == []


# -- once per block, and the same numbers as the estimate the engine used to make ----------------

@pytest.mark.parametrize("live_adjust", [True, False])
def test_the_full_cop_is_computed_once_per_block(layout, monkeypatch, live_adjust):
    calls = []
    real = CopModel.__call__
    monkeypatch.setattr(cop_module.CopModel, "__call__", lambda self, f: (calls.append(len(f)), real(self, f))[1])
    est = Estimator(layout, Identity(), W, RATE, live_adjust=live_adjust)
    for k in range(5):
        est.estimate(frames(np.full((10, 6), 100.0), t0=k * 0.05))
    assert calls == [10] * 5


def test_whole_body_is_the_full_passes_cop_bit_for_bit(layout):
    rng = np.random.default_rng(1)
    f = rng.uniform(-5, 200, (500, 6))
    f[rng.random((500, 6)) < 0.02] = np.nan
    f[:50] *= 0.01                                                 # below the load threshold
    model = CopModel(layout, min_load_n=MIN_LOAD_FRACTION * W)
    cop, total = model.whole_body(f)
    cb = model(f)
    assert np.array_equal(cop, cb.cop, equal_nan=True) and np.array_equal(total, cb.total, equal_nan=True)


def former_estimate(layout, cal, blocks):
    """The estimate as DrillEngine.process made it before the estimator: forces, CoP, detector,
    adjuster, then the CoP again."""
    model = CopModel(layout, min_load_n=MIN_LOAD_FRACTION * W)
    det, adj = StateDetector(RATE, W), LiveAdjuster(cal, layout, W)
    out = []
    for b in blocks:
        forces = cal.forces(b.raw, layout)
        cb = model(forces)
        st = det.update(cb.cop, np.nan_to_num(cb.total))
        forces, events = adj.adjust(b.t, forces, cb.total, st.still, st.unloaded)
        out.append((forces, model(forces), st, events))
    return out


def test_same_numbers_as_the_former_in_engine_estimate(layout):
    follower = Follower(natural_centre(layout), step_off=[(3.0, 4.0)], hold_on=[(8.0, 2.0, 0.3)])
    person = ScriptedPerson(follower, seed=2)
    src = VectorSimSource(SimMat(layout, person, seed=2), VirtualClock(), RATE)
    blocks = [src.read(int(n)) for n in np.random.default_rng(3).integers(1, 25, 160)]
    cal = nominal_sim_calibration(layout)
    # the former estimate had no placement re-estimate (trainer.estimate.placement, on by default)
    est = Estimator(layout, cal, W, RATE, placement=False)
    for b, (forces, cb, st, events) in zip(blocks, former_estimate(layout, cal, blocks)):
        eb = est.estimate(b)
        assert eb.events == events
        assert np.array_equal(eb.forces, forces, equal_nan=True)
        for name in ("cop", "cop_left", "cop_right", "load_left", "load_right", "total", "left_pct",
                     "heel_pct_left", "heel_pct_right"):
            assert np.array_equal(getattr(eb, name), getattr(cb, name), equal_nan=True), name
        for name in ("still", "unloaded", "holding_on"):
            assert np.array_equal(getattr(eb, name), getattr(st, name)), name
        assert eb.true_cop is b.true_cop and eb.raw is b.raw and eb.t is b.t


# -- the engine on estimated blocks -------------------------------------------------------------

def reference_run(**engine_kw):
    """The simulated spiral of spiral_reference.json (recorded with the estimate inside the engine):
    2 loops of 8 s, a 4.5 s step off (pause, re-tare), holding on for 4 s (rescale, holding_on)."""
    layout = load_layout()
    follower = Follower(natural_centre(layout), step_off=[(12.0, 4.5)], hold_on=[(19.0, 4.0, 0.3)])
    person = ScriptedPerson(follower, seed=3)
    # recorded before the placement re-estimate (on by default now): the engine's numbers, not its inputs
    estimator = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, RATE, placement=False)
    engine = DrillEngine(SpiralDrill(loops=2, period_s=8.0), layout, person.weight_n, RATE, time_cap_s=60)
    follower.engine = engine
    n = run_drill(VectorSimSource(SimMat(layout, person, seed=3), VirtualClock()), engine, estimator=estimator)
    return n, engine


def test_engine_on_estimated_blocks_gives_the_summary_and_events_it_gave_before():
    ref = json.loads(REFERENCE.read_text())
    n, engine = reference_run()
    summary, _ = engine.results()
    assert n == ref["frames"]
    assert json.loads(json.dumps(_jsonable(summary))) == ref["summary"]
    assert [list(e) for e in engine.events] == ref["events"]
    kinds = {e[1] for e in engine.events}
    assert {"retare", "rescale", "pause", "resume", "holding_on"} <= kinds


def test_engine_public_steering_and_rows(layout):
    est = Estimator(layout, nominal_sim_calibration(layout), W, RATE)
    engine = DrillEngine(SpiralDrill(loops=1, period_s=8.0), layout, W, RATE)
    assert not engine.started and engine.path_xy() is None and np.isnan(engine.active(1.0)).all()
    rows = engine.process(est.estimate(frames(np.full((10, 6), 1000.0))))
    assert isinstance(rows, DrillRows) and rows.target.shape == (10, 2) and len(rows.phase) == len(rows.flags) == 10
    with pytest.raises(TypeError):
        engine.process(frames(np.full((2, 6), 1000.0)))            # raw frames: the estimator's job
    engine.finish(0.06, "stopped")
    engine.finish(0.07, "again")                                    # already done: nothing happens
    assert engine.done and [e for e in engine.events if e[1] == "end"] == [(0.06, "end", "stopped")]



def write_reference():
    """Re-record spiral_reference.json after an intended change of the simulator or the estimate
    (``python tests/trainer/estimate/test_estimator.py``): say in the commit what changed."""
    n, engine = reference_run()
    summary, _ = engine.results()
    REFERENCE.write_text(json.dumps({"frames": n, "summary": _jsonable(summary),
                                     "events": [list(e) for e in engine.events]}, indent=1) + "\n")


if __name__ == "__main__":
    write_reference()
