import json

import numpy as np
import pytest

from calibration import store
from calibration.fit import design_matrix, fit_gains, tare
from calibration.poses import fit_poses
from firmware.errors import CalibrationError
from firmware.layout import load_layout
from trainer.app.simcal import calibrate_on_sim, simulate_poses
from trainer.app.simperson import natural_centre


def test_file_round_trip_and_refusals(tmp_path):
    layout = load_layout()
    cal = calibrate_on_sim(layout, seed=3)
    path = tmp_path / "cal.json"
    cal.save(path)
    back = store.load(path, layout)
    assert np.allclose(back.gain, cal.gain) and np.allclose(back.tare_s, cal.tare_s)
    raw = np.full((2, 6), 8000.0)
    assert np.allclose(back.forces(raw, layout), cal.forces(raw, layout))
    d = json.loads(path.read_text())
    assert d["version"] == store.VERSION and d["layout_name"] == "default-6" and d["fit"]["condition_number"] > 0
    with pytest.raises(CalibrationError, match="not 'default-8'"):
        store.load(path, load_layout("default-8"))
    future = tmp_path / "future.json"
    future.write_text(json.dumps(d | {"version": 99}))
    with pytest.raises(CalibrationError, match="newer"):
        store.load(future, layout)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,')
    with pytest.raises(CalibrationError, match="not valid JSON"):
        store.load(bad, layout)
    assert bad.read_text() == '{"version": 1,'


def test_calibration_file_error_is_one_line_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    code, _, err = cli("demo", "--no-plot", "--seconds", "5", "--calibration", str(bad))
    errors = [ln for ln in err.splitlines() if ln.startswith("footmat demo:")]
    assert code == 2 and len(errors) == 1 and "calibration bad.json" in errors[0] and "Traceback" not in err


def test_fit_recovers_known_relative_gains():
    """Two mats that differ only in their FSR parts: the fit's gains follow the parts."""
    layout = load_layout()
    poses = fit_poses(layout, natural_centre(layout))
    gains = []
    for spread in (0.0, 0.25):
        un, pr, _, person = simulate_poses(layout, poses, seed=7, spread=spread)
        t, _ = tare(un, layout)
        H = design_matrix(pr, layout, t, store.nominal(layout).shape)
        g, info = fit_gains(H, person.weight_n, layout.names)
        assert info["condition_number"] < 50
        gains.append(g)
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson
    parts = SimMat(layout, ScriptedPerson(Script.still(0, 110)), seed=7, spread=0.25).fsr.gain
    ratio = gains[1] / gains[0]
    # a part with more conductance per newton needs a smaller gain; the fit sees it
    assert np.corrcoef(ratio, 1 / parts)[0, 1] > 0.9


def test_five_poses_are_refused_as_degenerate():
    layout = load_layout()
    c = natural_centre(layout)
    pos = layout.positions
    # even / heels / toes / left / right: leaves left/right gain combinations undetermined
    poses = [("even", c), ("heels", np.array([c[0], pos[:, 1].min() + 5])),
             ("toes", np.array([c[0], pos[:, 1].max() - 5])),
             ("left", np.array([pos[0, 0], c[1]])), ("right", np.array([pos[3, 0], c[1]]))]
    un, pr, _, person = simulate_poses(layout, poses, seed=1, noise_v=0.0)
    t, _ = tare(un, layout)
    H = design_matrix(pr, layout, t, store.nominal(layout).shape)
    with pytest.raises(CalibrationError, match="repeat the lean onto"):
        fit_gains(H, person.weight_n, layout.names)
