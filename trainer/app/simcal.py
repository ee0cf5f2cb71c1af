"""Calibrations of the simulated mat, made by running the calibration's own fit on a simulated
person holding the calibration's own poses (nothing is read off the simulator's internals; the
simulator's truth is used only to *measure* errors), and the accuracy figures of `footmat bench`."""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np


def simulate_poses(layout, poses, *, weight_kg=70.0, seed=0, spread=0.0, hysteresis=0.0, creep=0.0,
                   noise_v=0.0004, hold_s=3.0, rate_hz=200.0, mat=None, with_left_share=False, scenario=None):
    """Raw frames of an unloaded mat and of each still pose, plus the truth of each pose
    ((true CoP, true load), or with ``with_left_share`` (true CoP, true load, true left %))."""
    from firmware.clock import VirtualClock
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptBuilder, ScriptedPerson
    from firmware.sim.vector import VectorSimSource

    centre = poses[0][1]
    sb = ScriptBuilder(*centre).step_off(0.01).hold(2.0).step_on(0.5)
    windows = []
    for _name, xy in poses:
        sb.move_to(*xy, 1.5).hold(hold_s)
        windows.append((sb.now - hold_s + 1.0, sb.now))   # the last seconds of the hold: still
    person = ScriptedPerson(sb.build(), weight_kg=weight_kg, seed=seed, lag_s=0.25)
    if mat is None:
        extra = {} if scenario is None else {"scenario": scenario}     # the simulator's named mats
        mat = SimMat(layout, person, seed=seed, spread=spread, hysteresis=hysteresis, creep=creep, noise_v=noise_v,
                     **extra)
    else:
        mat.person = person
    src = VectorSimSource(mat, VirtualClock(), rate_hz)
    block = src.read(int((sb.now + 0.5) * rate_hz))
    t = block.t
    unloaded = block.raw[(t > 0.5) & (t < 1.9)]
    person.pose_times = [(a + b) / 2 - 2.5 for a, b in windows]   # s since stepping on
    sel = [(t >= a) & (t < b) for a, b in windows]
    pose_raw = [block.raw[m] for m in sel]
    truth = []
    for m in sel:
        item = (np.nanmean(block.true_cop[m], axis=0), float(np.mean(block.true_load[m])))
        if with_left_share:
            region, _, _ = mat.truth(t[m])           # pure function of the person: FSR state untouched
            item += (float(np.mean(region[:, 0].sum(axis=1) / region.sum(axis=(1, 2))) * 100.0),)
        truth.append(item)
    return unloaded, pose_raw, truth, person


@functools.lru_cache(maxsize=8)
def _nominal_cached(layout_key, layout):
    from calibration.fit import design_matrix, fit_gains, tare
    from calibration.poses import fit_poses
    from calibration.store import nominal
    from trainer.app.simperson import natural_centre

    cal = nominal(layout)
    poses = fit_poses(layout, natural_centre(layout), depths=(0.8,))
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


def calibrate_on_sim(layout, *, seed=0, spread=0.25, hysteresis=0.05, creep=0.08, weight_kg=70.0, scenario=None):
    """Run the body-weight fit on a simulated mat with realistic parts; returns the calibration."""
    from calibration.fit import fit_body_weight, tare
    from calibration.poses import fit_poses
    from calibration.store import nominal
    from trainer.app.simperson import natural_centre

    cal = nominal(layout)
    poses = fit_poses(layout, natural_centre(layout))
    unloaded, pose_raw, _, person = simulate_poses(layout, poses, seed=seed, spread=spread, hysteresis=hysteresis,
                                                   creep=creep, weight_kg=weight_kg, scenario=scenario)
    cal.tare_s, cal.noise_codes = tare(unloaded, layout)
    cal.gain, cal.scale, cal.fit = fit_body_weight(pose_raw, layout, cal.tare_s, person.weight_n, cal.shape,
                                                   [p[0] for p in poses], pose_times=person.pose_times)
    cal.shape = tuple(cal.fit.get("shape", cal.shape))
    from calibration.fit import stance_template
    cal.fit["stance_template"] = stance_template(cal, layout, pose_raw[0])
    cal.method = "body-weight fit (simulated poses)"
    return cal


# -- the simulated mat's own calibration, cached outside the user's files ------------------------

CACHE_VERSION = 1
# what the cached fit depends on besides layout, seed and scenario: the fit and the simulator
_FINGERPRINT_DIRS = ("calibration", "firmware/sim")
_FINGERPRINT_FILES = ("trainer/app/simcal.py", "trainer/app/simperson.py")
SIM_CALIBRATION_DESCRIPTION = "a calibration fitted on this simulated mat"


def cache_dir() -> Path:
    """Where fitted calibrations of simulated mats are kept: ``$FOOTMAT_CACHE`` when set, else a
    folder of the system's temporary directory (``footmat-cache-UID/simcal``). Never FOOTMAT_HOME:
    they are not the user's files, and can be deleted at any time (they are refitted)."""
    env = os.environ.get("FOOTMAT_CACHE")
    if env:
        return Path(env) / "simcal"
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"footmat-cache-{uid}" / "simcal"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """A hash of the sources the simulated fit depends on: a changed fit or simulator refits."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256(str(CACHE_VERSION).encode())
    files = [root / f for f in _FINGERPRINT_FILES]
    for d in _FINGERPRINT_DIRS:
        files += sorted((root / d).glob("*.py"))
    for f in files:
        try:
            h.update(f.name.encode() + f.read_bytes())
        except OSError:
            h.update(f.name.encode())
    return h.hexdigest()


def _cache_path(layout, seed: int, scenario) -> Path:
    key = hashlib.sha256("\n".join([layout.to_toml(), str(seed), str(scenario), _code_fingerprint()]).encode())
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{layout.name}-seed{seed}-{scenario or 'default'}")
    return cache_dir() / f"{safe}-{key.hexdigest()[:16]}.json"


def sim_calibration(layout, *, seed: int = 1, scenario=None):
    """(calibration, cache path, whether it came from the cache) of the simulated mat of
    ``layout``, ``seed`` and ``scenario``: the body-weight fit on simulated poses of this very mat
    (:func:`calibrate_on_sim`), as a built mat would have after ``footmat calibrate``. Fitted once
    per layout, seed, scenario and version of the fit and the simulator, then read back."""
    from calibration import store
    from firmware.errors import FootmatError
    from firmware.fileio import atomic_write_text
    import json

    path = _cache_path(layout, seed, scenario)
    if path.exists():
        try:
            return store.load(path, layout), path, True
        except (FootmatError, OSError, ValueError):
            pass                                        # unreadable cache: refit and overwrite
    cal = calibrate_on_sim(layout, seed=seed, scenario=scenario)
    cal.method = f"{SIM_CALIBRATION_DESCRIPTION} (body-weight fit on simulated poses; seed {seed}, scenario {scenario or 'default'})"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(path.name[:-22] + "-*.json"):   # same mat, older code: stale
            if old != path and len(old.name) == len(path.name):
                old.unlink(missing_ok=True)
        atomic_write_text(path, json.dumps(cal.to_dict(), indent=1))
    except OSError:
        pass                                            # a read-only temp dir: fit again next time
    return cal, path, False


def accuracy_poses(layout, seed):
    """The validation poses plus 12 seeded points well inside the sensors' hull."""
    from calibration.poses import validation_poses
    from trainer.drills.targets import convex_hull, inside_hull
    from trainer.app.simperson import natural_centre

    c = natural_centre(layout)
    poses = validation_poses(layout, c)
    rng = np.random.default_rng(seed)
    hull = convex_hull(layout.positions)
    extra = []
    while len(extra) < 12:
        p = c + rng.uniform(-1, 1, 2) * np.array([90.0, 100.0])
        if inside_hull(p[None], hull, margin=25.0)[0]:
            extra.append((f"point {len(extra)}", p))
    return poses + extra


def accuracy(layout, cal, *, seed=1, spread=0.25, hysteresis=0.05, creep=0.08, weight_kg=70.0, adjuster=False):
    """Errors of ``cal`` on poses not used in the fit, on a simulated mat with the parts the seed
    gives: CoP RMS vs truth (mm), median |total − W| (% BW), RMS left/right share error (pp).
    With ``adjuster``, the forces first go through a LiveAdjuster (as during a drill)."""
    from trainer.estimate.cop import CopModel

    poses = accuracy_poses(layout, seed)
    _, pose_raw, truth, person = simulate_poses(layout, poses, seed=seed, spread=spread, hysteresis=hysteresis,
                                                creep=creep, weight_kg=weight_kg, with_left_share=True)
    model = CopModel(layout)
    cop_err, load_err, lr_err = [], [], []
    for raw, (tcop, _tload, tleft) in zip(pose_raw, truth):
        f = cal.forces(raw, layout)
        if adjuster:
            from calibration.live import LiveAdjuster
            adj = LiveAdjuster(cal, layout, person.weight_n)
            tot = np.nansum(f, axis=1)
            f, _ = adj.adjust(np.arange(len(f)) / 200.0, f, tot, np.ones(len(f), bool), np.zeros(len(f), bool))
        cb = model(f)
        cop_err.append(np.nanmean(np.sum((cb.cop - tcop) ** 2, axis=1)))
        load_err.append(abs(np.nanmean(cb.total) - person.weight_n) / person.weight_n * 100)
        lr_err.append(np.nanmean(cb.left_pct) - tleft)
    return {"cop_rms_mm": round(float(np.sqrt(np.mean(cop_err))), 2),
            "total_load_err_pct_median": round(float(np.median(load_err)), 2),
            "lr_share_err_pp": round(float(np.sqrt(np.mean(np.square(lr_err)))), 2)}


class ProcedureFollower:
    """A simulated person doing what the calibration procedure asks, when it asks: steps off for
    the tare, back on, then moves (``move_s``) to each pose's target and holds it until the next
    instruction. A pure function of time over the procedure's step history (the simulator's
    script interface ``at(t) -> cop, on_mat, support``), built from the same poses as the fit."""

    def __init__(self, procedure, centre, *, move_s: float = 1.5, fidget: bool = False):
        self.proc = procedure
        self.centre = np.asarray(centre, float)
        self.move_s = move_s
        self.fidget = fidget              # never still: keeps swaying 30 mm (for the time-out)

    def at(self, t):
        t = np.atleast_1d(np.asarray(t, float))
        hist = self.proc.history
        cop = np.tile(self.centre, (t.size, 1))
        on = np.ones(t.size)
        if hist:
            starts = np.array([h[0] for h in hist])
            steps = [self.proc.steps[h[1]] for h in hist]
            targets = np.array([s.target if s.target is not None else self.centre for s in steps])
            k = np.searchsorted(starts, t, side="right") - 1          # active step (−1: before any)
            act = k >= 0
            kk = np.maximum(k, 0)
            prev = targets[np.maximum(kk - 1, 0)]
            frac = np.clip((t - starts[kk]) / self.move_s, 0, 1)[:, None]
            cop = np.where(act[:, None], prev + frac * (targets[kk] - prev), cop)
            tare_idx = [i for i, s in enumerate(steps) if s.kind == "tare"]
            if tare_idx:
                t_off = starts[tare_idx[0]]
                t_back = starts[tare_idx[0] + 1] if tare_idx[0] + 1 < len(starts) else np.inf
                down = np.clip((t - t_off) / 0.3, 0, 1)
                up = np.clip((t - t_back) / 0.4, 0, 1)
                on = 1 - down + up
        if self.fidget:
            cop = cop + 30.0 * np.stack([np.sin(2 * np.pi * 0.7 * t), np.cos(2 * np.pi * 0.5 * t)], axis=1)
        return cop, np.clip(on, 0, 1), np.zeros(t.size)
