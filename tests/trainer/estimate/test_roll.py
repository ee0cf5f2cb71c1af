"""Issue 22's movement: a simulated person putting 70 % of the weight on the left foot and rolling
that foot's CoP from the heel to the toes, on the realistic simulated mat (its feet land anew in
this session; the calibration was fitted in another), through the product's Estimator."""
import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim.mat import SimMat
from firmware.sim.person import FootTarget, Script, ScriptedPerson
from firmware.sim.physics import FootGeometry
from trainer.app.simcal import sim_calibration
from trainer.estimate.estimator import Estimator

RATE = 200.0
# the issue's bounds: side-to-side ≤ 8 mm RMS, front-back ≤ 15 mm, load ≤ 4 % BW, L/R ≤ 2 pp
BOUNDS = {"ml_mm": 8.0, "ap_mm": 15.0, "load_pct": 4.0, "lr_pp": 2.0}


def roll(layout, seed):
    """Errors over the roll (t 12.5–21.5 s): whole-body side-to-side and the left foot's
    front-back CoP (mm RMS), median |total − load on the mat| (% BW), RMS left-share error (pp);
    with the estimated left foot's CoP (n, 2) and share (n,)."""
    cal, _, _ = sim_calibration(layout, seed=seed, scenario="realistic")
    g = FootGeometry(layout)
    nat = g.natural_cop()
    heel, toes = g.aim[0, 0, 1] + 8, (g.aim[0, 3, 1] + g.aim[0, 5, 1]) / 2
    right = [nat[1, 0], nat[1, 1]]
    knots = [(0, .5, nat[0, 1], 0), (2, .5, nat[0, 1], 0), (2.4, .5, nat[0, 1], 1), (7, .5, nat[0, 1], 1),
             (9, .7, nat[0, 1], 1), (10, .7, heel, 1), (12, .7, heel, 1), (20, .7, toes, 1), (22, .7, toes, 1)]
    ft = FootTarget([k[1] for k in knots], [[nat[0, 0], k[2]] for k in knots], [right] * len(knots))
    script = Script(np.array([k[0] for k in knots], float), feet=ft, on_mat=np.array([k[3] for k in knots], float))
    person = ScriptedPerson(script, seed=seed)
    mat = SimMat(layout, person, seed=seed, scenario="realistic", session=1)
    src = VectorSimSource(mat, VirtualClock(), RATE)
    est = Estimator(layout, cal, person.weight_n, RATE)
    blocks = [est.estimate(src.read(20)) for _ in range(int(22 * RATE / 20))]
    t = np.concatenate([b.t for b in blocks])
    m = (t >= 12.5) & (t < 21.5)
    cat = {k: np.concatenate([getattr(b, k) for b in blocks])[m] for k in ("cop", "true_cop", "cop_left", "total", "left_pct")}
    loads, foot_cop = mat.foot_truth(t[m])
    on = loads.sum(axis=1)
    err = {"ml_mm": float(np.sqrt(np.nanmean((cat["cop"][:, 0] - cat["true_cop"][:, 0]) ** 2))),
           "ap_mm": float(np.sqrt(np.nanmean((cat["cop_left"][:, 1] - foot_cop[:, 0, 1]) ** 2))),
           "load_pct": float(np.nanmedian(np.abs(cat["total"] - on)) / person.weight_n * 100),
           "lr_pp": float(np.sqrt(np.nanmean((cat["left_pct"] - loads[:, 0] / on * 100) ** 2)))}
    return err, cat["cop_left"], cat["left_pct"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTMAT_CACHE", str(tmp_path / "cache"))


def test_the_estimate_follows_the_roll_onto_the_loaded_foot(cache):
    layout = load_layout()
    _, cop_left, left = roll(layout, seed=3)
    y = cop_left[:, 1]
    q = len(y) // 5
    # heel → toes: the left foot's CoP goes forward by most of the foot, and the share stays ~70 %
    assert np.nanmean(y[-q:]) - np.nanmean(y[:q]) > 100
    assert 62 < np.nanmean(left) < 78


@pytest.mark.xfail(strict=True, reason="not yet within the issue's bounds on the realistic mat. Worst of seeds "
                   "1-4 (2026-12-07), ml mm / ap mm / load % / L/R pp: the default Estimator (placement='poses': "
                   "per-disc factors and the coverage curve, one equation per held pose, the calibration's stance "
                   "template at the step-on) 23.9 / 5.0 / 9.8 / 14.0 (seeds 12.2/2.9/2.9/5.5, 23.9/3.8/9.8/14.0, "
                   "4.7/2.6/4.6/2.1, 14.0/5.0/5.6/7.6); before the template 17.5 / 25.3 / 7.7 / 9.6 (seeds "
                   "15.7/2.0/4.7/5.3, 17.5/2.5/7.7/9.6, 4.9/2.8/5.8/2.8, 10.8/25.3/4.7/9.1): front-back within "
                   "bounds on every seed now, side-to-side and the share worse on seed 2; the coverage curve alone "
                   "(the default before) 17.5 / 25.3 / 67.6 / 9.6; placement='step-on' drifting within 15 % with "
                   "the curve 14.0 / 9.6 / 4.0 / 6.3. This session holds one stance before the roll, so only the "
                   "level and the template's ratios are learnt before it (one pose is one equation), not the "
                   "discs' own landing error, which is what is left")
def test_the_roll_within_the_issues_bounds(cache):
    layout = load_layout()
    errs = [roll(layout, seed)[0] for seed in (1, 2, 3, 4)]
    worst = {k: max(e[k] for e in errs) for k in BOUNDS}
    assert all(worst[k] <= BOUNDS[k] for k in BOUNDS), worst
