"""Bench sections `pipeline` (cost per frame of the estimator — calibration, detector, live
re-tare/rescale, CoP — and the drill engine) and `accuracy`
(estimated vs the simulator's truth on validation poses, calibrated and uncalibrated)."""
from __future__ import annotations

import time

import numpy as np

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim.backend import open_sim
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson

from trainer.app.simcal import accuracy as acc, calibrate_on_sim, nominal_sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.engine import DrillEngine, SpiralDrill
from trainer.estimate.estimator import Estimator


def pipeline() -> dict:
    layout = load_layout("default-6")
    cal = nominal_sim_calibration(layout)
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=1)
    mat = SimMat(layout, person, seed=1)
    src = VectorSimSource(mat, VirtualClock(), 200.0)
    blocks = [src.read(10) for _ in range(1200)]    # 60 s in 50 ms blocks
    estimator = Estimator(layout, cal, person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=4), layout, person.weight_n, 200.0)
    follower.engine = engine
    t0 = time.perf_counter()
    for b in blocks:
        engine.process(estimator.estimate(b))
    dt = time.perf_counter() - t0
    n = sum(len(b) for b in blocks)
    # the simulated mat itself: vectorised path and through the real driver
    t0 = time.perf_counter()
    VectorSimSource(SimMat(layout, ScriptedPerson(follower, seed=2), seed=2), VirtualClock()).read(200 * 600)
    vec = (time.perf_counter() - t0) / (200 * 600)
    drv_src = open_sim(layout, SimMat(layout, ScriptedPerson(follower, seed=3), seed=3), VirtualClock(), 200.0)
    t0 = time.perf_counter()
    drv_src.read(1000)
    drv = (time.perf_counter() - t0) / 1000
    return {"us_per_frame": round(dt / n * 1e6, 1), "frames": n, "block_frames": 10,
            "sim_vectorised_us_per_frame": round(vec * 1e6, 2), "sim_driver_us_per_frame": round(drv * 1e6, 1)}


def accuracy() -> dict:
    """Calibrated (the body-weight fit of `footmat calibrate`) and uncalibrated (the nominal
    datasheet model) side by side, each on poses not used in any fit, on 5 simulated mats."""
    layout = load_layout("default-6")
    seeds = (1, 2, 3, 4, 5)
    cal_rows, uncal_rows, fits = [], [], []
    for seed in seeds:
        cal = calibrate_on_sim(layout, seed=seed)
        fits.append(cal.fit)
        cal_rows.append(acc(layout, cal, seed=seed))
        uncal_rows.append(acc(layout, nominal_sim_calibration(layout), seed=seed))

    def agg(rows):
        out = {k: round(float(np.median([r[k] for r in rows])), 2) for k in rows[0]}
        out["worst"] = {k: round(float(np.max([r[k] for r in rows])), 2) for k in rows[0]}
        return out

    return {"calibrated": agg(cal_rows), "uncalibrated": agg(uncal_rows),
            "fit": {"condition_number_max": max(f["condition_number"] for f in fits),
                    "rms_residual_pct_bw_max": max(f["rms_residual_pct_bw"] for f in fits),
                    "poses": len(fits[0]["poses"])},
            "setup": "default-6, 70 kg, FSR spread ±25 %, hysteresis 5 %, creep 8 %, midfoot/lesser-toe/outer-border "
                     "load unseen by any sensor; errors on 3 validation poses not used in the fit plus 12 seeded "
                     "points inside the hull (25 mm margin); cop_rms over poses, load error median over poses, "
                     "left/right share error RMS over poses (truth from the simulator's region loads); median "
                     "over 5 simulated mats (worst: the worst mat)"}
