"""Known answers through the full pipeline: simulated mat → driver → calibration → CoP → drill."""
import json

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.backend import open_sim
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.estimate.cop import CopModel
from trainer.drills.engine import DrillEngine, SpiralDrill
from trainer.estimate.estimator import Estimator
from trainer.app.live import run_drill
from trainer.drills.targets import inside_hull, spiral
from trainer.app.simcal import nominal_sim_calibration
from trainer.app.simperson import Follower, natural_centre

from tests.simcal import sim_calibration

DOCUMENTED_COP_ERROR_MM = 15.0   # calibrated, 6 sensors, inside the hull (bench `accuracy` gives the RMS)


def test_cop_known_answer_from_forces():
    layout = load_layout()
    f = np.zeros((3, 6))
    f[0, :] = 10.0                                   # even: centre of the sensors
    f[1, 0] = 50.0                                   # all on the left heel
    f[2] = [0, 0, 0, 0, 0, 0]                        # nobody on the mat
    cb = CopModel(layout)(f)
    assert np.allclose(cb.cop[0], layout.positions.mean(axis=0))
    assert np.allclose(cb.cop[1], layout.positions[0]) and cb.left_pct[1] == 100.0
    assert np.all(np.isnan(cb.cop[2])) and np.isnan(cb.left_pct[2])


@pytest.mark.parametrize("point", [(0.0, 110.0), (-40.0, 90.0), (30.0, 160.0)])
def test_standing_at_a_known_point_gives_that_cop(point):
    layout = load_layout()
    cal = sim_calibration(layout, 2)
    person = ScriptedPerson(Script.still(*point), seed=2, sway_mm=0.0)
    mat = SimMat(layout, person, seed=2)
    block = open_sim(layout, mat, VirtualClock()).read(200)     # through the real driver
    cb = CopModel(layout)(cal.forces(block.raw, layout))
    est = np.nanmean(cb.cop, axis=0)
    assert np.hypot(*(est - block.true_cop.mean(axis=0))) < DOCUMENTED_COP_ERROR_MM


def test_spiral_visits_waypoints_in_order_inside_the_hull():
    for name in ("default-6", "default-8"):
        layout = load_layout(name)
        path = spiral(layout, natural_centre(layout))
        labels = [w.label for w in path.waypoints]
        n = len(labels) // 2
        assert labels[0] == "left heel" and labels[n - 1] == "left toes" and labels[n] == "right heel"
        assert inside_hull(path.dense(1000), path.hull).all()
        times = path.waypoint_times()
        assert np.all(np.diff(times) > 0)
        for w, t in zip(path.waypoints, times):
            assert np.allclose(path.position(t)[0], w.xy, atol=1.0)
        rev = spiral(layout, natural_centre(layout), direction="toes-to-heel", start_foot="right")
        assert rev.waypoints[0].label == "right toes"


def run_follower(seed=3, **kw):
    layout = load_layout()
    follower = Follower(natural_centre(layout), layout=layout, **kw)
    person = ScriptedPerson(follower, seed=seed)
    mat = SimMat(layout, person, seed=seed)
    estimator = Estimator(layout, sim_calibration(layout, seed), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=2), layout, person.weight_n, 200.0, time_cap_s=60)
    follower.engine = engine
    run_drill(VectorSimSource(mat, VirtualClock()), engine, estimator=estimator)
    return engine.results()[0], engine


def test_faithful_follower_passes_the_checks_on_the_feet():
    """A faithful follower on the realistic mat through the whole pipeline: the weight goes across
    and each foot rolls in order; the score has room above it (issue 23: no ceiling)."""
    summary, engine = run_follower()
    assert 45 <= summary["score"] < 97
    assert all(lp["waypoints_in_order"] and lp["roll_in_order"] and lp["transfer_ok"] for lp in summary["loops"])
    kinds = [e[1] for e in engine.events]
    assert kinds.index("start") < kinds.index("end") and "cue" in kinds


def test_wrong_way_round_is_caught():
    summary, _ = run_follower(reverse=True)
    assert not any(lp["waypoints_in_order"] for lp in summary["loops"])
    assert summary["score"] < 60


def test_demo_runs_headless_and_leaves_a_session(cli, tmp_path):
    code, out, err = cli("demo", "--seconds", "20", "--no-plot", "--out", str(tmp_path / "s"))
    assert code == 0, err
    folder = next((tmp_path / "s").iterdir())
    assert {p.name for p in folder.iterdir()} >= {"trace.csv", "events.csv", "session.json", "report.png"}
    meta = json.loads((folder / "session.json").read_text())
    for key in ("drill", "params", "person", "started_at", "duration_s", "sample_rate_hz", "complete", "layout",
                "calibration", "software", "pain", "summary", "methods"):
        assert key in meta
    assert meta["complete"] is True and meta["drill"] == "spiral" and meta["sample_rate_hz"] == 200
    header = (folder / "trace.csv").read_text().splitlines()[0].split(",")
    for col in ("t_s", "left_heel_raw", "left_heel_n", "total_n", "cop_x_mm", "cop_y_mm", "left_pct",
                "target_x_mm", "target_y_mm", "phase", "flags", "true_cop_x_mm", "true_cop_y_mm"):
        assert col in header
    assert "score" in out and "default person" in err and "a calibration fitted on this simulated mat" in err and "nominal" not in err


def test_known_lag_is_measured():
    layout = load_layout()
    lags = {}
    for lag in (0.25, 0.75):
        follower = Follower(natural_centre(layout))
        person = ScriptedPerson(follower, seed=5, lag_s=lag)
        mat = SimMat(layout, person, seed=5)
        estimator = Estimator(layout, sim_calibration(layout, 5), person.weight_n, 200.0)
        engine = DrillEngine(SpiralDrill(loops=2), layout, person.weight_n, 200.0, time_cap_s=60)
        follower.engine = engine
        run_drill(VectorSimSource(mat, VirtualClock()), engine, estimator=estimator)
        lags[lag] = np.mean([lp["lag_ms"] for lp in engine.results()[0]["loops"]])
    # the mat and its display add their own delay; the difference is the person's
    assert abs((lags[0.75] - lags[0.25]) - 500.0) <= 50.0


def test_skipped_waypoint_is_caught():
    layout = load_layout()
    own = spiral(layout, natural_centre(layout), skip=(3,))          # never goes to the right heel
    summary, _ = run_follower(path_fn=lambda a: own.position(a))
    assert not any(lp["waypoints_in_order"] for lp in summary["loops"])


def test_step_off_pauses_and_the_gap_is_not_scored():
    summary, engine = run_follower(step_off=[(12.0, 4.0)])
    kinds = [e[1] for e in engine.events]
    assert "pause" in kinds and "resume" in kinds
    t_pause = next(e[0] for e in engine.events if e[1] == "pause")
    assert t_pause - 12.0 <= 0.5 + 0.3           # 0.3 s to step off, then detected within 0.5 s
    assert summary["pauses"] == 1 and 3.0 < summary["paused_s"] < 6.0
    steady, _ = run_follower()
    assert summary["score"] >= steady["score"] - 10   # the gap did not count against the person


def test_holding_on_is_noted():
    summary, engine = run_follower(hold_on=[(10.0, 8.0, 0.3)])
    assert summary["holding_on_events"] >= 1
    assert any(e[1] == "holding_on" for e in engine.events)


def test_pause_control_and_button(monkeypatch):
    """The button (gpiozero mock pins): press pauses and resumes, hold stops; nothing is scored while paused."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from trainer.app.drill import open_controls

    factory = MockFactory(pin_class=MockPWMPin)
    monkeypatch.setattr(Device, "pin_factory", factory)
    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=3)
    mat = SimMat(layout, person, seed=3)
    estimator = Estimator(layout, sim_calibration(layout, 3), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=2), layout, person.weight_n, 200.0, time_cap_s=60)
    follower.engine = engine
    controls = open_controls(layout, engine, pin_factory=factory)
    src = VectorSimSource(mat, VirtualClock())
    button = factory.pin(layout.controls.button_pin)
    try:
        def press(hold=0.05):
            button.drive_low()
            import time
            time.sleep(hold)
            button.drive_high()
            time.sleep(0.05)

        def until(pred, limit=4000):
            for _ in range(limit):
                if pred():
                    return
                engine.process(estimator.estimate(src.read(10)))
            raise AssertionError("never happened")

        until(lambda: engine.state == "running")
        assert controls.status == "recording"
        press()
        until(lambda: engine.state == "paused")
        for _ in range(100):                       # 5 s paused: nothing scored
            engine.process(estimator.estimate(src.read(10)))
        assert engine.state == "paused"
        press()
        until(lambda: engine.state == "running")
        press(hold=1.3)                            # hold: stop
        until(lambda: engine.done)
        summary, _ = engine.results()
        assert summary["pauses"] == 1 and summary["paused_s"] >= 5.0
        assert summary["end"] == "stopped"
    finally:
        controls.close()


def test_stepping_off_is_not_noted_as_holding_on():
    summary, engine = run_follower(step_off=[(12.0, 4.0)])
    assert summary["pauses"] == 1 and summary["holding_on_events"] == 0


def test_loop_preview_score_in_the_background_matches_the_foreground():
    """Live drills score a finished loop off the live loop's thread; the figure is the same."""
    import threading

    scores = {}
    for background in (False, True):
        layout = load_layout()
        follower = Follower(natural_centre(layout))
        person = ScriptedPerson(follower, seed=3)
        estimator = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
        engine = DrillEngine(SpiralDrill(loops=2, period_s=8.0), layout, person.weight_n, 200.0)
        engine.score_in_background = background
        follower.engine = engine
        src = VectorSimSource(SimMat(layout, person, seed=3), VirtualClock())
        seen = []
        preview = engine._preview_score
        engine._preview_score = lambda run: (seen.append(threading.current_thread()), preview(run))
        while engine.snapshot.loop < 2 and not engine.done:
            engine.process(estimator.estimate(src.read()))
        for t in seen:
            if t is not threading.main_thread():
                t.join(10)
        assert seen and all((t is not threading.main_thread()) == background for t in seen)
        scores[background] = engine.snapshot.last_score
    assert scores[False] is not None and scores[True] == scores[False]
