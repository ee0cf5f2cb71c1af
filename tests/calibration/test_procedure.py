"""The guided procedure (steps, hands-free advance, time-outs), `footmat calibrate`, the fits'
refusals and the known-weight fit."""
import json

import numpy as np
import pytest

from calibration import fit, store
from calibration.procedure import Procedure, weight_newtons
from firmware.clock import VirtualClock
from firmware.errors import CalibrationError
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import Script, ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.commands.calibrate import run_procedure
from trainer.app.simcal import ProcedureFollower, nominal_sim_calibration
from trainer.app.simperson import natural_centre

RATE = 200.0


def run_sim(proc, layout, script, seed=1, max_seconds=300.0):
    guide = nominal_sim_calibration(layout)
    src = VectorSimSource(SimMat(layout, ScriptedPerson(script, seed=seed), seed=seed), VirtualClock(), RATE)
    events = []
    run_procedure(src, layout, proc, guide, RATE, on_event=lambda *e: events.append(e), max_seconds=max_seconds)
    return events


def test_hands_free_procedure_runs_every_step_in_under_two_minutes():
    layout = load_layout()
    c = natural_centre(layout)
    proc = Procedure(layout, c, nominal_sim_calibration(layout), weight_n=weight_newtons(kg=70))
    events = run_sim(proc, layout, ProcedureFollower(proc, c))
    kinds = [k for _, k, _ in events]
    assert proc.done and not proc.failed and kinds[-1] == "done"
    assert kinds.count("step") == len(proc.steps) == 2 + 13 + 3
    assert "countdown" in kinds and kinds.count("recorded") == 1 + 13 + 3
    assert len(proc.pose_raw) == 13 and len(proc.val_raw) == 3 and len(proc.tare_raw) >= 2 * RATE - 1
    # each pose was held still about 3 s (the detector's 1 s window + 2 s recorded)
    assert all(len(r) >= 2 * RATE - 1 for r in proc.pose_raw)
    steps = [d for _, k, d in events if k == "step"]
    assert steps[0].startswith("1/18: step off") and "lean onto the left heel" in steps[3]
    cal = proc.calibration(calibrated_by="ann")
    assert cal.validation["duration_s"] < 120
    assert cal.fit["condition_number"] < fit.MAX_CONDITION
    assert cal.validation["total_load_err_pct_creep_corrected_median"] < 3.0
    assert [s["state"] for s in cal.validation["sensors"]] == ["ok"] * 6
    st = proc.status()
    assert st.done and st.progress == 1.0


def test_someone_never_still_is_told_and_the_procedure_stops():
    layout = load_layout()
    c = natural_centre(layout)
    proc = Procedure(layout, c, nominal_sim_calibration(layout), weight_n=weight_newtons(kg=70), timeout_s=8.0)
    events = run_sim(proc, layout, ProcedureFollower(proc, c, fidget=True))
    kinds = [k for _, k, _ in events]
    assert kinds.count("timeout") == 1 and kinds[-1] == "failed" and proc.failed
    assert "not been still" in events[-1][2] and "even stance" in events[-1][2]
    with pytest.raises(CalibrationError, match="not been still"):
        proc.calibration()


def test_a_mat_that_never_reads_empty_times_out_at_the_tare():
    layout = load_layout()
    proc = Procedure(layout, natural_centre(layout), nominal_sim_calibration(layout), weight_n=686.0, timeout_s=5.0)
    events = run_sim(proc, layout, Script.still(0, 110))      # nobody steps off
    assert proc.failed and "read empty" in events[-1][2] and proc.index == 0


def test_the_weight_step_waits_for_the_weight_without_timing_out():
    layout = load_layout()
    c = natural_centre(layout)
    guide = nominal_sim_calibration(layout)
    proc = Procedure(layout, c, guide, timeout_s=20.0)
    src = VectorSimSource(SimMat(layout, ScriptedPerson(ProcedureFollower(proc, c), seed=2), seed=2),
                          VirtualClock(), RATE)
    asked = []

    def ask(p):
        asked.append(p.status().kind)
        if len(asked) > 40:            # 10 s later: the person types 154 lb
            p.set_weight(lb=154)

    run_procedure(src, layout, proc, guide, RATE, ask_weight=ask, max_seconds=300)
    assert asked[0] == "weight" and len(asked) == 41 and proc.done and not proc.failed
    assert abs(proc.weight_n - 154 / 2.2046226218 * 9.80665) < 1e-6


def test_weight_refusals():
    with pytest.raises(CalibrationError, match="once"):
        weight_newtons(70, 154)
    with pytest.raises(CalibrationError, match="outside"):
        weight_newtons(kg=7)
    assert weight_newtons(lb=154.32358) == pytest.approx(70 * 9.80665, rel=1e-6)


def test_poses_that_do_not_add_up_are_refused_naming_a_pose():
    from trainer.app.simcal import simulate_poses
    from calibration.poses import fit_poses

    layout = load_layout()
    poses = fit_poses(layout, natural_centre(layout))
    un, pr, _, person = simulate_poses(layout, poses, seed=3, spread=0.25)
    t, _ = fit.tare(un, layout)
    shape = store.nominal(layout).shape
    g, sc, info = fit.fit_body_weight(pr, layout, t, person.weight_n, shape, [p[0] for p in poses])
    assert info["rms_residual_pct_bw"] < 2 and np.all(sc > 0.5) and np.all(sc < 2)
    # one pose recorded while holding on (half the weight): refused, that pose named
    pr_bad = list(pr)
    pr_bad[4] = pr_bad[0][:, :] * 0 + np.nanmedian(un, axis=0)
    with pytest.raises(CalibrationError, match="repeat 'lean onto the right heel'|repeat the lean onto"):
        fit.fit_body_weight(pr_bad, layout, t, person.weight_n, shape, [p[0] for p in poses])


def test_footmat_calibrate_sim_hands_free_writes_the_file(cli, tmp_path, footmat_home):
    out = tmp_path / "cal.json"
    code, stdout, err = cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--out", str(out))
    assert code == 0, err
    d = json.loads(out.read_text())
    assert d["version"] == store.VERSION and d["layout_name"] == "default-6"
    assert d["validation"]["poses"] == ["diagonal lean, left back", "diagonal lean, right forward", "even stance again"]
    assert all("scale" in s and "alpha" in s for s in d["sensors"])
    assert "check poses (not used in the fit)" in stdout and "The calibration is" in stdout
    cal = store.load(out, load_layout())
    assert np.all(cal.gain > 0)
    # default output: the mat's calibration under FOOTMAT_HOME; --json is JSON only
    code, stdout, err = cli("calibrate", "--backend", "sim", "--weight-lb", "154", "--json")
    assert code == 0 and json.loads(stdout)["file"].endswith("calibration-default-6.json")
    assert (footmat_home / "calibration-default-6.json").is_file()


def test_a_failed_calibration_never_replaces_a_good_file(cli, tmp_path, monkeypatch):
    out = tmp_path / "cal.json"
    out.write_text("good")
    monkeypatch.setattr(fit, "MAX_MISFIT_PCT", 0.0)          # every fit is refused
    code, _, err = cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--out", str(out))
    lines = [ln for ln in err.splitlines() if ln.startswith("footmat calibrate:")]
    assert code == 2 and len(lines) == 1 and "repeat" in lines[0] and "Traceback" not in err
    assert out.read_text() == "good"


def test_calibrate_refusals_are_one_line_exit_2(cli, tmp_path):
    with pytest.raises(SystemExit) as e:
        cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--weight-lb", "150")
    assert e.value.code == 2
    code, _, err = cli("calibrate", "--backend", "replay:x", "--weight-kg", "70")
    assert code == 2 and "live mat" in err
    bad = tmp_path / "other.json"
    cal = store.nominal(load_layout("default-8"))
    cal.save(bad)
    code, _, err = cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--calibration", str(bad))
    assert code == 2 and "not 'default-6'" in err and err.count("footmat calibrate:") == 1


def test_version_1_files_still_load_and_bad_values_are_refused(tmp_path):
    layout = load_layout()
    d = store.nominal(layout).to_dict()
    d["version"] = 1
    for s in d["sensors"]:
        del s["scale"]
    p = tmp_path / "v1.json"
    p.write_text(json.dumps(d))
    assert np.allclose(store.load(p, layout).scale, 1.0)
    d["sensors"][0]["scale"] = -1
    p.write_text(json.dumps(d))
    with pytest.raises(CalibrationError, match="out of range"):
        store.load(p, layout)
    p.write_text(json.dumps(d | {"sensors": "x"}))
    with pytest.raises(CalibrationError, match="incomplete"):
        store.load(p, layout)


def _procedure_on(scenario, seed):
    layout = load_layout()
    c = natural_centre(layout)
    guide = nominal_sim_calibration(layout)
    proc = Procedure(layout, c, guide, weight_n=weight_newtons(kg=70))
    person = ScriptedPerson(ProcedureFollower(proc, c), seed=seed)
    src = VectorSimSource(SimMat(layout, person, seed=seed, scenario=scenario), VirtualClock(), RATE)
    events = []
    run_procedure(src, layout, proc, guide, RATE, on_event=lambda *e: events.append(e), max_seconds=300)
    return proc, events


@pytest.mark.parametrize("scenario, seed", [("realistic", 5), ("misplaced", 1), ("realistic", 7)])
def test_mats_unlike_the_guide_are_calibrated_not_refused(scenario, seed):
    # realistic 7: the deep lean onto the left toes, judged by the other foot's drop from the
    # even stance (OTHER_FOOT_DROP); refused without it
    # both were refused before issue 22's fix: the guide's gains (an ideal mat's) read the light
    # lean onto one foot below 55 % on that foot; the even stance is now the reference
    proc, events = _procedure_on(scenario, seed)
    assert proc.done and not proc.failed, [e for e in events if e[1] in ("timeout", "failed")]
    cal = proc.calibration()
    assert cal.fit["rms_residual_pct_bw"] < 3.0


def test_stillness_is_judged_from_the_raw_conductance():
    from calibration.procedure import stillness_signals

    layout = load_layout()
    raw = np.zeros((3, 6))
    raw[1] = 8000.0                              # every sensor pressed alike: the centre of the sensors
    raw[2, 0] = np.nan
    cop, total = stillness_signals(raw, layout)
    assert np.all(np.isnan(cop[0])) and total[0] == 0.0        # an empty mat has no centre
    assert np.allclose(cop[1], layout.positions.mean(axis=0)) and total[1] > 0
    assert np.all(np.isnan(cop[2]))                            # an unread channel: no centre


def test_footmat_calibrate_and_check_honour_the_sim_scenario(cli, tmp_path, footmat_home):
    code, stdout, err = cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--sim-scenario", "worn",
                            "--out", str(tmp_path / "c.json"))
    assert code == 0, err
    assert "scenario worn" in stdout + err
    code, stdout, err = cli("calibrate", "--backend", "sim", "--weight-kg", "70", "--sim-scenario", "nope")
    assert code == 2 and "nope" in err
    code, stdout, err = cli("check", "--backend", "sim", "--seconds", "1", "--sim-scenario", "misplaced")
    assert "scenario misplaced" in " ".join((stdout + err).split())
