"""The accuracy bench's spiral_drill figure: a moving person's spiral through the Estimator and the
drill engine, every running frame against the simulator's truth (the held-pose windows do not see
a moving person)."""
import numpy as np

import trainer.bench.pipeline as P
from firmware.layout import load_layout
from firmware.sim import scenarios
from trainer import drills


def test_a_spiral_is_measured_over_every_running_frame():
    P._CAL_MEMO.clear()
    layout = load_layout("default-6")
    r = P.spiral_drill(layout, scenarios.get("ideal"), [1])
    run = drills.get("spiral").make(drills.get("spiral").resolve({"loops": 2}))
    assert r["mats"] == 1 and abs(r["frames"] - run.active_duration_s * P.ACC_RATE) <= 0.01 * r["frames"]
    for k in ("cop_rms_ml_mm", "cop_rms_ap_mm", "total_load_err_pct_median", "lr_share_err_pp"):
        assert np.isfinite(r[k]) and r[k] >= 0, k
    assert r["holding_on_events"] == 0          # the default person does not hold on
    # the same run's raw errors: the share's and the CoP's RMS are the figures
    pseed, kg = P._owner(1)
    raw = P._spiral_run(layout, P._calibrate_memo(layout, scenarios.get("ideal"), 1, pseed, kg),
                        scenarios.get("ideal"), 1, 2, pseed, kg)
    assert round(float(np.sqrt(np.nanmean(raw["share_pp"] ** 2))), 2) == r["lr_share_err_pp"]
