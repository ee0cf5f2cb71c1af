"""Calibrations of the simulated mat, made by running the calibration's own procedure on a
simulated person (so nothing is read off the simulator's internals)."""
from __future__ import annotations

import functools

import numpy as np


def simulate_poses(layout, poses, *, weight_kg=70.0, seed=0, spread=0.0, hysteresis=0.0, creep=0.0,
                   noise_v=0.0004, hold_s=3.0, rate_hz=200.0, mat=None):
    """Raw frames of an unloaded mat and of each still pose, plus the truth of each pose."""
    from firmware.clock import VirtualClock
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptBuilder, ScriptedPerson
    from firmware.sources import VectorSimSource

    centre = poses[0][1]
    sb = ScriptBuilder(*centre).step_off(0.01).hold(2.0).step_on(0.5)
    windows = []
    for _name, xy in poses:
        sb.move_to(*xy, 1.5).hold(hold_s)
        windows.append((sb.now - hold_s + 1.0, sb.now))   # the last seconds of the hold: still
    person = ScriptedPerson(sb.build(), weight_kg=weight_kg, seed=seed, lag_s=0.25)
    if mat is None:
        mat = SimMat(layout, person, seed=seed, spread=spread, hysteresis=hysteresis, creep=creep, noise_v=noise_v)
    else:
        mat.person = person
    src = VectorSimSource(mat, VirtualClock(), rate_hz)
    block = src.read(int((sb.now + 0.5) * rate_hz))
    t = block.t
    unloaded = block.raw[(t > 0.5) & (t < 1.9)]
    pose_raw = [block.raw[(t >= a) & (t < b)] for a, b in windows]
    truth = [(np.nanmean(block.true_cop[(t >= a) & (t < b)], axis=0), float(np.mean(block.true_load[(t >= a) & (t < b)])))
             for a, b in windows]
    return unloaded, pose_raw, truth, person


@functools.lru_cache(maxsize=8)
def _nominal_cached(layout_key, layout):
    from calibration.fit import design_matrix, fit_gains, tare
    from calibration.poses import fit_poses
    from calibration.store import nominal
    from .simperson import natural_centre

    cal = nominal(layout)
    poses = fit_poses(layout, natural_centre(layout))
    unloaded, pose_raw, _, person = simulate_poses(layout, poses, spread=0.0)
    cal.tare_s, cal.noise_codes = tare(unloaded, layout)
    H = design_matrix(pose_raw, layout, cal.tare_s, cal.shape)
    cal.gain, info = fit_gains(H, person.weight_n, layout.names, [p[0] for p in poses])
    # a nominal calibration knows nothing of this particular mat's parts: keep the shape's gain
    # that an ideal mat needs, and the tare of the bleed resistor alone
    cal.tare_s = np.zeros(len(layout.sensors))
    cal.method = "nominal: datasheet FSR curve with the load-sharing gains of an ideal simulated mat"
    cal.fit = info
    return cal


def nominal_sim_calibration(layout):
    """The simulated mat's nominal calibration (ideal parts; the real sim mat has ±25 % spread)."""
    import copy

    return copy.deepcopy(_nominal_cached(layout.to_toml(), layout))


def calibrate_on_sim(layout, *, seed=0, spread=0.25, hysteresis=0.05, creep=0.08, weight_kg=70.0):
    """Run the body-weight fit on a simulated mat with realistic parts; returns (cal, mat)."""
    from calibration.fit import design_matrix, fit_gains, tare
    from calibration.poses import fit_poses
    from calibration.store import nominal
    from .simperson import natural_centre

    cal = nominal(layout)
    poses = fit_poses(layout, natural_centre(layout))
    unloaded, pose_raw, _, person = simulate_poses(layout, poses, seed=seed, spread=spread, hysteresis=hysteresis,
                                                   creep=creep, weight_kg=weight_kg)
    cal.tare_s, cal.noise_codes = tare(unloaded, layout)
    H = design_matrix(pose_raw, layout, cal.tare_s, cal.shape)
    cal.gain, cal.fit = fit_gains(H, person.weight_n, layout.names, [p[0] for p in poses])
    cal.method = "body-weight fit (simulated poses)"
    return cal


def accuracy(layout, cal, *, seed=1, spread=0.25, hysteresis=0.05, creep=0.08, weight_kg=70.0):
    """Errors of ``cal`` on validation poses of a simulated mat (same parts as the seed gives):
    CoP RMS vs truth (mm), median |total − W| (% BW), left/right share error (pp)."""
    from calibration.poses import validation_poses
    from .cop import CopModel
    from .simperson import natural_centre

    poses = validation_poses(layout, natural_centre(layout))
    # also sample points across the inside of the hull
    rng = np.random.default_rng(seed)
    from .paths import convex_hull, inside_hull
    hull = convex_hull(layout.positions)
    c = natural_centre(layout)
    extra = []
    while len(extra) < 12:
        p = c + rng.uniform(-1, 1, 2) * np.array([90.0, 100.0])
        if inside_hull(p[None], hull, margin=25.0)[0]:
            extra.append((f"point {len(extra)}", p))
    poses = poses + extra
    _, pose_raw, truth, person = simulate_poses(layout, poses, seed=seed, spread=spread, hysteresis=hysteresis,
                                                creep=creep, weight_kg=weight_kg)
    model = CopModel(layout)
    cop_err, load_err = [], []
    for raw, (tcop, tload) in zip(pose_raw, truth):
        f = cal.forces(raw, layout)
        cb = model(f)
        cop_err.append(np.nanmean(np.sum((cb.cop - tcop) ** 2, axis=1)))
        load_err.append(abs(np.nanmean(cb.total) - person.weight_n) / person.weight_n * 100)
    return {"cop_rms_mm": round(float(np.sqrt(np.mean(cop_err))), 2),
            "total_load_err_pct_median": round(float(np.median(load_err)), 2)}
