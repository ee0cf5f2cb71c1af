"""Weight-shift and balance drills (issue 8): scripted simulated people in virtual time, through
the drill engine (DrillEngine + run_drill + VectorSimSource) or the CLI (--backend sim)."""
import json

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.sessions import people
from trainer.drills.engine import DrillEngine
from trainer.estimate.estimator import Estimator
from trainer.drills import get
from trainer.drills.limits import DIRECTIONS, LimitsDrill, hull_edge_mm, unit
from trainer.drills.shift import ShiftForwardBack, ShiftLeftRight
from trainer.drills.spiral import SpiralDrill
from trainer.drills.stance import OneLegDrill, StanceDrill
from trainer.app.live import run_drill
from trainer.app.simperson import Follower, natural_centre, standing_point
from trainer.analysis.sway import METRIC_UNITS

from tests.simcal import sim_calibration

DOCUMENTED_COP_ERROR_MM = 15.0   # as tests/trainer/app/test_pipeline.py: calibrated 6-sensor mat, inside the hull


def run(drill, *, layout="default-6", seed=4, centre=None, lag_s=0.25, who=None, **scenario):
    """Run ``drill`` with a scripted simulated person; returns (summary, methods, engine)."""
    layout = load_layout(layout)
    cal = sim_calibration(layout, seed)      # calibrate_on_sim, fitted once per layout and seed
    follower = Follower(natural_centre(layout) if centre is None else centre, **scenario)
    person = ScriptedPerson(follower, seed=seed, lag_s=lag_s)
    mat = SimMat(layout, person, seed=seed)
    estimator = Estimator(layout, cal, person.weight_n, 200.0)
    engine = DrillEngine(drill, layout, person.weight_n, 200.0, time_cap_s=200, person=who)
    follower.engine = engine
    run_drill(VectorSimSource(mat, VirtualClock()), engine, estimator=estimator)
    summary, methods = engine.results()
    return summary, methods, engine


# -- limits ---------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["default-6", "default-8"])
def test_known_lean_distance_is_measured_as_the_excursion(layout):
    for lean in (30.0, 50.0):
        summary, methods, _ = run(LimitsDrill(lean_time=4), layout=layout, lean_mm=lean)
        rows = summary["directions"]
        assert [r["direction"] for r in rows] == list(DIRECTIONS)
        for r in rows:
            assert abs(r["max_excursion_mm"] - lean) <= DOCUMENTED_COP_ERROR_MM, r
            assert r["endpoint_excursion_mm"] <= r["max_excursion_mm"] + 0.1
            assert r["directional_control_pct"] > 70 and r["movement_velocity_mm_s"] > 0
            assert r["return_time_s"] is not None          # the return was detected
        assert abs(np.mean([r["max_excursion_mm"] for r in rows]) - lean) <= 6.0
        for key in ("reaction_time_s", "movement_velocity_mm_s", "endpoint_excursion_mm", "max_excursion_mm",
                    "directional_control_pct", "reach_mm"):
            assert key in methods


def test_known_reaction_delay_is_measured():
    quick, _, _ = run(LimitsDrill(lean_time=4))
    slow, _, _ = run(LimitsDrill(lean_time=4), reaction_s=0.8)
    for q, s in zip(quick["directions"], slow["directions"]):
        assert abs((s["reaction_time_s"] - q["reaction_time_s"]) - 0.8) <= 0.1, (q, s)
    # the simulated person's own 0.25 s lag plus the mat's: no more than about 0.45 s in all
    assert all(0.15 <= q["reaction_time_s"] <= 0.45 for q in quick["directions"])


def test_limits_targets_never_beyond_the_shown_reach():
    layout = load_layout()
    centre = natural_centre(layout)
    person = people.Person("ann", 60.0, reach_mm={"forward": 40.0, "back": 999.0})
    drill = LimitsDrill(lean_time=4)
    drill.build(layout, centre, person)
    tgt = {d: np.hypot(*(drill.target(np.array([drill.cue_time(k) + 1.0]))[0] - centre))
           for k, d in enumerate(DIRECTIONS)}
    assert tgt["forward"] == pytest.approx(40.0)
    # the whole zone (radius 15 % of its distance) inside the hull
    assert tgt["back"] == pytest.approx(hull_edge_mm(layout, centre, unit("back")) / 1.15)
    # a new direction: the theoretical limit of stability (1.70 m: 132 mm), brought inside the hull
    assert tgt["left"] == pytest.approx(min(1700 * 0.5527 * np.tan(np.radians(8)),
                                            hull_edge_mm(layout, centre, unit("left")) / 1.15))
    assert drill.targets["forward"]["radius_mm"] == pytest.approx(15.0)      # 15 % of 40 mm is below the floor


def test_the_limits_scorer_returns_the_reach_and_writes_nothing(capsys):
    summary, _, _ = run(LimitsDrill(lean_time=4), who=people.Person("ann", 70.0))
    assert "reach_saved" not in summary and len(summary["reach_mm"]) == 8
    assert people.names() == [] and capsys.readouterr().err == ""


def test_default_person_reach_is_not_saved(cli, tmp_path):
    code, out, err = cli("drill", "limits", "--lean-time", "4", "--backend", "sim", "--no-plot",
                         "--out", str(tmp_path / "s"))
    assert code == 0, err
    meta = json.loads(next((tmp_path / "s").iterdir()).joinpath("session.json").read_text())
    assert meta["summary"]["reach_saved"] is False and "not saved" in meta["summary"]["note"]
    assert "not saved" in err and people.names() == []


def test_limits_saves_the_reach_and_every_target_path_scales_to_it(cli, tmp_path):
    assert cli("person", "add", "ann", "--weight-kg", "60", "--height-cm", "165")[0] == 0
    layout = load_layout()
    centre = natural_centre(layout)
    before = people.load("ann")
    assert before.reach_mm is None
    code, out, err = cli("drill", "limits", "--person", "ann", "--lean-time", "4", "--backend", "sim", "--no-plot",
                         "--out", str(tmp_path / "s"))
    assert code == 0, err
    meta = json.loads(next((tmp_path / "s").iterdir()).joinpath("session.json").read_text())
    s = meta["summary"]
    assert s["reach_saved"] is True and meta["complete"] is True
    ann = people.load("ann")
    assert set(ann.reach_mm) == set(DIRECTIONS) and "on this mat" in ann.reach_note
    assert ann.weight_kg == 60.0 and ann.height_cm == 165.0              # nothing else changed
    for d, v in ann.reach_mm.items():
        assert v <= s["hull_mm"][d] + 0.05                               # never beyond the sensor hull
        assert v == pytest.approx(s["reach_mm"][d], abs=0.05)

    # the spiral on the feet: its whole-body path never goes further back than the saved
    # backward reach (the working foot's heel target moves forward until it fits)
    default = SpiralDrill()
    default.build(layout, centre, people.Person("default", 70.0, is_default=True))
    mine = SpiralDrill()
    mine.build(layout, centre, ann)
    assert np.min(mine.path_xy()[:, 1]) >= centre[1] - ann.reach_mm["back"] - 0.5

    # a smaller saved reach pulls every target in: the spiral, the shifts and the limits targets
    people.save_reach("ann", {d: 30.0 for d in DIRECTIONS}, "reach on this mat (test)")
    small = people.load("ann")
    sp = SpiralDrill()
    sp.build(layout, centre, small)
    assert np.min(sp.path_xy()[:, 1]) >= centre[1] - 30.0 - 0.5
    short_back = people.Person("bo", 70.0, reach_mm={d: 10.0 for d in DIRECTIONS})
    sp.build(layout, centre, short_back)          # a backward reach the default path goes beyond
    assert np.min(default.path_xy()[:, 1]) < centre[1] - 10.0 - 5.0
    assert np.min(sp.path_xy()[:, 1]) >= centre[1] - 10.0 - 0.5
    for cls in (ShiftLeftRight, ShiftForwardBack):
        sh = cls(amplitude=0.5)
        sh.build(layout, centre, small)
        assert np.hypot(*(sh.path_xy() - centre).T) == pytest.approx([15.0, 15.0])
    lim = LimitsDrill()
    lim.build(layout, centre, small)
    assert all(t["reach_mm"] == 30.0 for t in lim.targets.values())


# -- stance ---------------------------------------------------------------------------------

@pytest.mark.parametrize("left_pct,flagged", [(50.0, False), (62.0, True), (40.0, True)])
def test_known_left_right_split_is_reported_within_2pp(left_pct, flagged):
    layout = load_layout()
    summary, methods, _ = run(StanceDrill(duration=20), centre=standing_point(layout, left_pct))
    assert abs(summary["left_pct"] - left_pct) <= 2.0
    assert summary["asymmetry_pp"] == pytest.approx(abs(2 * summary["left_pct"] - 100), abs=0.02)
    assert summary["asymmetry_flag"] is flagged
    assert ("note" in summary) is flagged
    for key in METRIC_UNITS:                         # the sway metrics under their METRICS.md names
        assert np.isfinite(summary[key]) and key in methods
    assert 0 < summary["heel_pct_left"] < 100 and 0 < summary["heel_pct_right"] < 100
    assert summary["sway_duration_s"] == pytest.approx(20.0, abs=0.1)


def test_stance_pause_is_excluded_and_the_split_kept():
    layout = load_layout()
    summary, _, engine = run(StanceDrill(duration=20), centre=standing_point(layout, 60.0), step_off=[(10.0, 3.0)])
    assert summary["pauses"] == 1 and summary["paused_s"] > 2.0
    assert abs(summary["left_pct"] - 60.0) <= 2.0
    assert summary["sway_duration_s"] == pytest.approx(20.0, abs=0.3)   # 20 s of standing, the pause left out


# -- one-leg --------------------------------------------------------------------------------

@pytest.mark.parametrize("foot", ["left", "right"])
def test_one_leg_time_held_until_the_foot_comes_down(foot):
    lag = 0.25
    summary, methods, _ = run(OneLegDrill(foot=foot, max_time=10), give_up_s=6.0, lag_s=lag)
    assert summary["foot"] == foot and summary["lifted"] and summary["touched_down"] and not summary["capped"]
    expected = 6.0 + lag - summary["lift_at_s"]       # the foot comes down when the person gives up
    assert abs(summary["held_s"] - expected) <= 0.3
    assert summary["standing_foot_load_pct"] > 95
    for key in METRIC_UNITS:
        assert key in summary and key in methods
    assert summary["sway_duration_s"] > 2.0


def test_one_leg_time_held_is_capped():
    summary, _, engine = run(OneLegDrill(max_time=8))
    assert summary["held_s"] == 8.0 and summary["capped"] and not summary["touched_down"]
    assert engine.drill.active_duration_s <= 8 + 5      # the drill itself ends soon after the cap
    assert get("one-leg").time_cap_s and get("limits").time_cap_s   # safety caps on the whole drill


def test_one_leg_never_lifted_is_said():
    summary, _, _ = run(OneLegDrill(max_time=5), give_up_s=0.0)
    assert summary["held_s"] == 0.0 and not summary["lifted"] and "never came off" in summary["note"]


# -- shifts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [ShiftLeftRight, ShiftForwardBack])
def test_shift_figures_per_pace(cls):
    summary, methods, engine = run(cls(cycles=2))
    paces = summary["paces"]
    assert [p["pace_s"] for p in paces] == [3.0, 2.0, 1.0]
    for p in paces:
        for key in ("on_axis_velocity_mm_s", "directional_control_pct", "rhythm_error_ms"):
            assert p[key] is not None and key in methods
        assert p["directional_control_pct"] > 80          # a compliant person moves along the axis
        assert p["beats"] == 4
        # the person's 0.25 s lag is the rhythm error (the mat adds a little)
        assert 200 <= p["rhythm_error_ms"] <= 400
    v = [p["on_axis_velocity_mm_s"] for p in paces]
    assert v[0] < v[1] < v[2]                              # faster pace, faster movement
    assert sum(1 for e in engine.events if e[1] == "beat") == 3 * 4


def test_shift_rhythm_error_follows_a_known_delay():
    on_time, _, _ = run(ShiftLeftRight(cycles=2, paces="3"))
    late, _, _ = run(ShiftLeftRight(cycles=2, paces="3"), reaction_s=0.4)
    d = late["paces"][0]["lag_ms"] - on_time["paces"][0]["lag_ms"]
    assert abs(d - 400) <= 60


def test_shift_off_axis_movement_lowers_directional_control():
    layout = load_layout()
    centre = natural_centre(layout)
    good, _, _ = run(ShiftLeftRight(cycles=2, paces="2"))

    def diagonal(a):      # moves as far forward/back as sideways
        d = ShiftLeftRight(cycles=2, paces="2")
        d.build(layout, centre)
        off = d.person_offset(a)
        return centre + np.stack([off[:, 0], np.abs(off[:, 0])], axis=1)

    bad, _, _ = run(ShiftLeftRight(cycles=2, paces="2"), path_fn=diagonal)
    assert bad["paces"][0]["directional_control_pct"] < good["paces"][0]["directional_control_pct"] - 40


def test_bad_paces_are_refused(cli):
    code, out, err = cli("drill", "shift-lr", "--paces", "9", "--backend", "sim", "--no-plot")
    assert code == 2 and "--paces" in err and "Traceback" not in err


# -- every drill through the CLI, without a terminal ----------------------------------------

@pytest.mark.parametrize("argv,keys", [
    (["stance", "--duration", "10"], ["left_pct", "heel_pct_left", "heel_pct_right", "asymmetry_pp",
                                      "ellipse95_area_mm2", "mean_velocity_mm_s"]),
    (["one-leg", "--foot", "right", "--max-time", "5"], ["foot", "held_s", "mean_velocity_mm_s"]),
    (["shift-lr", "--cycles", "1", "--paces", "1"], ["paces"]),
    (["shift-ap", "--cycles", "1", "--paces", "2,1"], ["paces"]),
])
def test_drill_runs_headless_and_records_its_summary(cli, tmp_path, argv, keys):
    code, out, err = cli("drill", *argv, "--backend", "sim", "--no-plot", "--out", str(tmp_path / "s"))
    assert code == 0, err
    folder = next((tmp_path / "s").iterdir())
    meta = json.loads((folder / "session.json").read_text())
    assert meta["complete"] is True and meta["drill"] == argv[0]
    for k in keys:
        assert k in meta["summary"]
    assert meta["methods"]
    if argv[0].startswith("shift"):
        for p in meta["summary"]["paces"]:
            assert {"pace_s", "on_axis_velocity_mm_s", "directional_control_pct", "rhythm_error_ms"} <= set(p)
    if argv[0] == "one-leg":
        assert meta["summary"]["foot"] == "right" and meta["summary"]["held_s"] <= 5.0
    header = (folder / "trace.csv").read_text().splitlines()[0].split(",")
    assert "target_x_mm" in header and "phase" in header
