"""The live loop's seams (trainer/app/live.py): source → estimator → engine → writer, through
public methods only; the recorder writes an estimated block as the columns it holds."""
import numpy as np

from firmware.clock import VirtualClock
from firmware.frames import Flag, FrameBlock
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.app.live import run_drill
from trainer.app.simcal import nominal_sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.engine import DrillEngine, SpiralDrill
from trainer.estimate.estimator import Estimator
from trainer.sessions.writer import SessionWriter, flags_text


def writer(tmp_path, layout, name):
    return SessionWriter(tmp_path / name, "spiral", layout=layout, calibration={}, params={}, person={"name": "t"},
                         sample_rate_hz=200.0, simulated=True, clock_start=0.0)


def test_write_block_writes_what_write_writes(tmp_path):
    layout = load_layout()
    est = Estimator(layout, nominal_sim_calibration(layout), 686.0, 200.0)
    raw = np.full((4, 6), 9000.0)
    raw[2, 1] = np.nan
    block = FrameBlock(np.arange(4) / 200.0, raw, np.array([0, 0, Flag.READ_ERROR, Flag.LATE | Flag.RETRIED]),
                       true_cop=np.zeros((4, 2)))
    eb = est.estimate(block)
    target, phase, flags = np.ones((4, 2)), ["left heel"] * 4, ["", "holding_on", "", "holding_on"]
    a, b = writer(tmp_path, layout, "a"), writer(tmp_path, layout, "b")
    a.write_block(eb, target, phase, flags)
    b.write(eb.t, eb.raw, eb.forces, eb.total, eb.cop, eb.left_pct, target, phase, flags_text(eb.flags, flags),
            eb.true_cop)
    fa, fb = a.finish({}, {}), b.finish({}, {})
    text = (fa / "trace.csv").read_text()
    assert text == (fb / "trace.csv").read_text()
    assert [line.split(",")[-3] for line in text.splitlines()[1:]] == ["", "holding_on", "read_error",
                                                                        "retried|late|holding_on"]


def test_the_live_loop_estimates_each_block_once_and_records_the_estimators_events(tmp_path):
    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=3)
    est = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=1, period_s=6.0), layout, person.weight_n, 200.0)
    follower.engine = engine
    seen = []
    estimate = est.estimate
    est.estimate = lambda block: (seen.append(len(block)), estimate(block))[1]
    w = writer(tmp_path, layout, "s")
    frames = run_drill(VectorSimSource(SimMat(layout, person, seed=3), VirtualClock()), engine, w, estimator=est)
    folder = w.finish(*engine.results())
    assert sum(seen) == frames and engine.done
    events = (folder / "events.csv").read_text()
    assert "rescale" in events and "end" in events         # the estimator's events reach events.csv
    assert len((folder / "trace.csv").read_text().splitlines()) == frames + 1
