"""The bench's accuracy protocol on the honest simulated mats (issue 22): a mat calibrated once
through the calibration procedure, measured in a later session where the feet landed again and
with another person, by the product's estimator, against the simulator's truth."""
import numpy as np

from trainer.bench import pipeline


def test_a_mat_calibrated_once_and_measured_in_another_session_and_with_another_person():
    r = pipeline.accuracy_sessions("default-6", "ideal", mats=1, sessions=(1,), cross_person=True)
    assert r["scenario"] == "ideal" and r["mats"] == 1 and r["sessions_per_mat"] == 2
    assert r["windows"] == 2 * 22                      # standing + 15 whole-body + 6 per-foot poses, twice
    for part in (r, r["cross_person"]):
        for k in ("cop_rms_mm", "cop_rms_ml_mm", "cop_rms_ap_mm", "total_load_err_pct_median", "lr_share_err_pp"):
            assert np.isfinite(part[k]) and part[k] >= 0
        assert part["cop_rms_mm"] ** 2 == __import__("pytest").approx(
            part["cop_rms_ml_mm"] ** 2 + part["cop_rms_ap_mm"] ** 2, rel=0.02)
    # the ideal mat, feet where the layout expects them: whole-body poses within a few cm
    assert r["cop_rms_mm"] < 60


def test_the_session_script_holds_every_pose_on_the_mat():
    from firmware.layout import load_layout

    layout = load_layout()
    script, windows = pipeline._session_script(layout, 3)
    assert len(windows) == 22 and all(b - a == 1.5 for a, b in windows)
    t = np.array([(a + b) / 2 for a, b in windows])
    feet, on, sup = script.at(t)
    assert np.all(on == 1) and np.all(sup == 0)
    # the six per-foot poses: 70 % on the left foot three times, then 30 %
    assert np.allclose(feet.left_share[-6:], [0.7, 0.7, 0.7, 0.3, 0.3, 0.3])
    assert np.all(np.diff(feet.left_cop[-6:-3, 1]) > 0)     # left heel -> ball -> towards the toes
