"""The placement re-estimate (trainer/estimate/placement.py): per-sensor factors learnt after each
step-on from "the loads add up to the body weight", never from where the weight is."""
import json

import numpy as np
import pytest

from trainer.estimate.placement import PlacementAdjuster

W = 700.0
RATE = 100.0
LEFT = np.array([1, 1, 1, 0, 0, 0], bool)


def standing(shares, ap, n_each=60):
    """True sensor loads (n, 6) of a person holding each (left share, AP roll 0..1) for n_each
    frames: per foot heel/ball/toes shares that move with the roll."""
    rows = []
    for s, r in zip(shares, ap):
        foot = np.array([0.6 - 0.4 * r, 0.3 + 0.2 * r, 0.1 + 0.2 * r])
        rows.append(np.tile(np.concatenate([s * W * foot, (1 - s) * W * foot]), (n_each, 1)))
    return np.vstack(rows)


def run(adj, f, still=True):
    n = len(f)
    out = []
    for k in range(0, n, 20):
        out.append(adj.update(f[k:k + 20], np.full(len(f[k:k + 20]), still), np.zeros(len(f[k:k + 20]), bool)))
    return np.vstack(out)


def left_pct(f):
    return f[:, LEFT].sum(axis=1) / f.sum(axis=1) * 100


def test_a_foot_read_low_is_found_once_the_person_moves_from_foot_to_foot():
    rng = np.random.default_rng(0)
    shares = rng.uniform(0.2, 0.8, 20)
    truth = standing(shares, rng.uniform(0, 1, 20))
    # this placement: the left foot's discs sample 15 % less of their zones, the right heel 10 % more
    read = truth * np.array([0.85, 0.85, 0.85, 1.10, 1.0, 1.0])
    adj = PlacementAdjuster(6, W, RATE)
    out = run(adj, read)
    late = slice(len(out) // 2, None)
    before = np.sqrt(np.mean((left_pct(read[late]) - left_pct(truth[late])) ** 2))
    after = np.sqrt(np.mean((left_pct(out[late]) - left_pct(truth[late])) ** 2))
    assert before > 4 and after < 1.0, (before, after)
    assert adj.equations >= 20


def test_a_real_asymmetry_is_kept():
    """58/42 all along, swaying ±1 pp and rolling a little: the share stays 58 %."""
    rng = np.random.default_rng(1)
    shares = 0.58 + rng.normal(0, 0.01, 30)
    truth = standing(shares, 0.5 + rng.normal(0, 0.05, 30))
    read = truth * 0.96                                  # creep: the whole mat reads 4 % low
    adj = PlacementAdjuster(6, W, RATE)
    out = run(adj, read)
    assert np.mean(left_pct(out)) == pytest.approx(58.0, abs=0.5)
    assert np.all(np.abs(adj.factors - adj.factors.mean()) < 0.02)   # no foot singled out


def test_a_step_off_forgets_the_placement_and_moving_frames_teach_too():
    rng = np.random.default_rng(2)
    read = standing(rng.uniform(0.2, 0.8, 10), rng.uniform(0, 1, 10)) * np.array([0.8, 0.8, 0.8, 1, 1, 1])
    adj = PlacementAdjuster(6, W, RATE)
    run(adj, read, still=False)
    # a person moving from foot to foot keeps their weight on the mat: every tenth of a second
    # is an equation (weighted less than a still one)
    assert adj.equations > 0 and adj.factors[0] > 1.05
    off = adj.update(np.zeros((5, 6)), np.zeros(5, bool), np.ones(5, bool))
    assert adj.equations == 0 and np.all(adj.factors == 1.0) and np.all(off == 0)


def test_stepping_on_and_off_teaches_nothing():
    """The ramps of a step-on and a step-off (the load is not the body weight) are no equations:
    the first second after stepping on is skipped, and a chunk counts only when the mat still
    carries the person half a second later."""
    foot = np.array([0.3, 0.15, 0.05, 0.3, 0.15, 0.05])
    load = np.concatenate([np.linspace(0, 1, 30), np.ones(80), np.linspace(1, 0, 30), np.zeros(5)])
    f = load[:, None] * W * foot[None, :] * np.array([0.7, 1, 1, 1, 1, 1])
    adj = PlacementAdjuster(6, W, RATE)
    out = run(adj, f)
    assert adj.equations == 0 and np.allclose(out, f)


def test_forefoot_discs_read_far_off_are_found_with_a_per_foot_term():
    """Where a forefoot landed, on the realistic mat, its discs read up to ×2.5 of what they read
    at the calibration (issue 22): the zone priors and the foot's own term still find it."""
    rng = np.random.default_rng(3)
    truth = standing(rng.uniform(0.2, 0.8, 30), rng.uniform(0, 1, 30), n_each=40)
    read = truth * np.array([1.0, 2.5, 2.0, 1.0, 0.8, 0.7])
    feet = [0, 0, 0, 1, 1, 1]
    adj = PlacementAdjuster(6, W, RATE, sensor_sigma=[0.08, 0.15, 0.2, 0.08, 0.15, 0.2], feet=feet)
    out = run(adj, read, still=False)
    late = slice(len(out) // 2, None)
    before = np.sqrt(np.mean((left_pct(read[late]) - left_pct(truth[late])) ** 2))
    after = np.sqrt(np.mean((left_pct(out[late]) - left_pct(truth[late])) ** 2))
    assert before > 10 and after < 2.0, (before, after)
    assert np.abs(out[late].sum(axis=1) / W - 1).max() < 0.05


def test_an_asymmetric_simulated_person_still_triggers_the_stance_flag(cli, tmp_path, monkeypatch):
    """`--sim-person asymmetric` (habitually 58/42) on the realistic simulated mat, through the
    estimator with its placement re-estimate: the stance drill still flags the asymmetry."""
    monkeypatch.setenv("FOOTMAT_CACHE", str(tmp_path / "cache"))
    code, _, err = cli("drill", "stance", "--backend", "sim", "--sim-person", "asymmetric", "--no-plot",
                       "--duration", "20", "--out", str(tmp_path / "s"))
    assert code == 0, err
    folder = sorted((tmp_path / "s").iterdir())[-1]
    summary = json.loads((folder / "session.json").read_text(encoding="utf-8"))["summary"]
    assert summary["asymmetry_flag"] is True and summary["left_pct"] > 54


# -- the log-factor form with the calibration's stance template ----------------------------------
from trainer.estimate.placement import LogPlacementAdjuster  # noqa: E402

FOOT = np.array([0.6, 0.28, 0.12])          # a standing foot: heel, ball, toes
TEMPLATE = [(1, 0, float(np.log(FOOT[1] / FOOT[0]))), (2, 0, float(np.log(FOOT[2] / FOOT[0]))),
            (4, 3, float(np.log(FOOT[1] / FOOT[0]))), (5, 3, float(np.log(FOOT[2] / FOOT[0])))]


def test_standing_evenly_the_template_finds_forefoot_discs_that_landed_elsewhere():
    """Right after stepping on, before any movement, the body weight alone cannot tell which foot
    reads high; the template can: each foot's ball and toe discs against its own heel."""
    share = 0.5
    truth = np.tile(np.concatenate([share * W * FOOT, (1 - share) * W * FOOT]), (400, 1))
    read = truth * np.array([1.0, 3.0, 2.5, 1.0, 0.4, 0.5])
    adj = LogPlacementAdjuster(6, W, RATE, template=TEMPLATE, log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8])
    plain = LogPlacementAdjuster(6, W, RATE, log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8])
    out, out_plain = run(adj, read), run(plain, read)
    late = slice(300, None)
    assert abs(left_pct(read[late]).mean() - 50) > 15
    assert abs(left_pct(out[late]).mean() - 50) < 3.0, left_pct(out[late]).mean()     # from 19 pp
    assert abs(left_pct(out_plain[late]).mean() - 50) > 5          # without the template: no
    assert np.abs(out[late].sum(axis=1) / W - 1).max() < 0.03


def test_the_template_keeps_a_real_asymmetry():
    """58/42 all along with the right forefoot discs reading ×2: the share found is 58 %, not the
    50 % a mirror-image assumption on the loads would give."""
    rng = np.random.default_rng(4)
    rows = []
    for s in 0.58 + rng.normal(0, 0.01, 40):
        rows.append(np.tile(np.concatenate([s * W * FOOT, (1 - s) * W * FOOT]), (20, 1)))
    truth = np.vstack(rows)
    read = truth * np.array([1.0, 1.0, 1.0, 1.0, 2.0, 2.0])
    adj = LogPlacementAdjuster(6, W, RATE, template=TEMPLATE, log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8])
    out = run(adj, read)
    late = slice(len(out) // 2, None)
    assert left_pct(read[late]).mean() < 52
    assert left_pct(out[late]).mean() == pytest.approx(58.0, abs=1.0)


def test_learnt_at_the_step_on_kept_until_the_step_off():
    """The default form (``learn_s``): the factors are learnt standing in the first seconds after
    stepping on and kept while the person moves (a heel raise or a lean teaches nothing), then a
    step-off forgets them and the next step-on learns the new placement."""
    stand = np.tile(np.concatenate([0.5 * W * FOOT, 0.5 * W * FOOT]), (500, 1))
    read = stand * np.array([1.0, 2.5, 2.0, 1.0, 1.0, 1.0])
    adj = LogPlacementAdjuster(6, W, RATE, template=TEMPLATE, log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8], learn_s=3.0)
    run(adj, read)
    learnt = adj.factors.copy()
    assert learnt[1] < 0.6 and learnt[2] < 0.7                       # the left forefoot read high
    # now on the toes of the left foot (not the template's stance, and not constant factors): kept
    toes = np.tile(np.concatenate([0.7 * W * np.array([0.1, 0.5, 0.4]), 0.3 * W * FOOT]), (300, 1))
    run(adj, toes * np.array([1.0, 2.5, 2.0, 1.0, 1.0, 1.0]))
    assert np.array_equal(adj.factors, learnt)
    adj.update(np.zeros((5, 6)), np.zeros(5, bool), np.ones(5, bool))
    assert np.all(adj.factors == 1.0)
    run(adj, stand * np.array([1.0, 1.0, 1.0, 1.0, 0.5, 0.5]))          # landed elsewhere this time
    assert adj.factors[4] > 1.5 and abs(adj.factors[1] - 1.0) < 0.15


# -- the foot's coverage c(u) (CoverageAdjuster) ---------------------------------------------------
from firmware.layout import load_layout  # noqa: E402
from trainer.estimate.estimator import Estimator  # noqa: E402
from trainer.estimate.placement import CoverageAdjuster, foot_geometry  # noqa: E402

ROLL = [np.array([0.9, 0.08, 0.02]), FOOT, np.array([0.3, 0.45, 0.25]), np.array([0.05, 0.45, 0.5]),
        np.array([0.0, 0.35, 0.65])]        # one foot from its heel to its toes


def seen(f):
    """What in-line discs see of each foot of ``f`` (n, 6): all of it on the heel, less and less
    rolled onto the toes (×0.6 on the toe disc alone), the same curve for both feet."""
    y = np.array([35.0, 185.0, 235.0])
    out = f.copy()
    for m in (slice(0, 3), slice(3, 6)):
        u = np.clip((f[:, m] @ y / f[:, m].sum(axis=1) - 35.0) / 200.0, 0, 1)
        out[:, m] *= np.interp(u, [0, 0.5, 1], [1.0, 0.95, 0.6])[:, None]
    return out


def test_the_coverage_finds_a_foot_read_low_on_its_toes():
    """70 % on one foot, rolled from its heel to its toes, each foot in turn: the discs under-read
    the rolled foot (its load spreads off them); no one factor per disc fixes that, the coverage
    curve learnt from "the loads add up to W" does."""
    rows = []
    for _ in range(3):
        for share in (0.7, 0.3):
            for p in ROLL:
                rolled, other = 0.7 * W * p, 0.3 * W * FOOT
                rows.append(np.tile(np.concatenate([rolled, other] if share == 0.7 else [other, rolled]), (40, 1)))
    truth = np.vstack(rows)
    read = seen(truth)
    adj = CoverageAdjuster(6, W, RATE, geometry=foot_geometry(load_layout("default-6")), factors=False,
                           still_only=True)
    out = run(adj, read)
    late = slice(2 * len(out) // 3, None)
    before = np.abs(left_pct(read[late]) - left_pct(truth[late])).max()
    after = np.abs(left_pct(out[late]) - left_pct(truth[late])).max()
    assert before > 6 and after < 1.5, (before, after)
    assert np.abs(out[late].sum(axis=1) / W - 1).max() < 0.03
    assert adj.g[-1] < -0.3 and abs(adj.g[0]) < 0.1         # read low at the toes (L = e^-g·Σ), not at the heel


def test_the_coverage_keeps_a_real_asymmetry():
    """58/42 all along while both feet roll heel to toes together (a whole-body lean): one curve for
    both feet gives both the same factor at the same place, so the share found stays 58 %."""
    rng = np.random.default_rng(5)
    rows = []
    for k in range(40):
        p = ROLL[k % len(ROLL)]
        s = 0.58 + rng.normal(0, 0.005)
        rows.append(np.tile(np.concatenate([s * W * p, (1 - s) * W * p]), (20, 1)))
    truth = np.vstack(rows)
    adj = CoverageAdjuster(6, W, RATE, geometry=foot_geometry(load_layout("default-6")), factors=False,
                           still_only=True)
    out = run(adj, seen(truth))
    late = slice(len(out) // 2, None)
    assert left_pct(out[late]).mean() == pytest.approx(58.0, abs=0.5)
    assert np.abs(out[late].sum(axis=1) / W - 1).max() < 0.03        # and the loads add up again


def test_the_estimator_runs_the_poses_form_by_default():
    """The default re-estimate (placement='poses'): per-disc factors and the coverage curve, learnt
    on still moments, one equation per pose held 1 s, the level free, the calibration's stance
    template (its ratio rows taken whatever the level reads, once a stance is held 1 s), the curve
    held at 1 up to mid-foot and never above 1; placement='coverage' is the curve alone with the
    level left to the live rescale; placement=False: none."""
    layout = load_layout("default-6")
    from calibration.store import nominal
    cal = nominal(layout)
    est = Estimator(layout, cal, W, RATE)
    p = est.placement
    assert isinstance(p, CoverageAdjuster) and p.still_only and p.under_only
    assert p.pose_tol == 0.1 and p.pose_min == 10 and p.window_band == 0.15 and p.drift_band == 0.25
    assert p.template == [] and p.common_sigma >= 1.0 and p.learn_n == int(3 * RATE) and p.drift_sigma == 0.3
    assert p.template_any_level and p.template_hold == 10 and p.moving_poses and p.still_min == 3
    cal.fit = dict(cal.fit or {}, stance_template=[{"sensor": "left_ball", "heel": "left_heel", "log_ratio": -0.7}])
    assert Estimator(layout, cal, W, RATE).placement.template == [(1, 0, -0.7)]
    assert np.allclose(p.factors, 1.0)
    cov = Estimator(layout, cal, W, RATE, placement="coverage").placement
    assert cov.still_only and cov.settle_n == int(8 * RATE) and cov.common_sigma < 0.01 and cov.pose_tol is None
    assert Estimator(layout, cal, W, RATE, placement=False).placement is None


def test_a_mat_reading_high_while_standing_is_a_level_not_a_coverage():
    """Just after stepping on a realistic mat reads ×1.3 standing evenly: with the curve held at 1
    up to the middle of the foot (placement='coverage'), that goes to the common factor, not to the
    toes' coverage (which then under-read the person rolling forward: 'holding on' in a drill)."""
    stand = np.tile(np.concatenate([0.5 * W * FOOT, 0.5 * W * FOOT]), (300, 1)) * 1.3
    geo = foot_geometry(load_layout("default-6"))
    pinned = CoverageAdjuster(6, W, RATE, geometry=geo, factors=False, still_only=True, pin_below=0.5)
    free = CoverageAdjuster(6, W, RATE, geometry=geo, factors=False, still_only=True)
    run(pinned, stand), run(free, stand)
    assert np.abs(pinned.g).max() < 0.02 and pinned.factors[0] < 0.85
    assert np.abs(free.g).max() > 0.05                                  # without: the curve takes some
    toes = np.concatenate([0.5 * W * np.array([0.05, 0.45, 0.5]), 0.5 * W * FOOT])[None, :]
    assert pinned._apply(toes, pinned._snapshot()).sum() == pytest.approx(toes.sum() * pinned.factors[0], rel=1e-4)


def test_under_only_a_forefoot_reading_high_is_no_coverage():
    """A foot whose ball and toe discs landed on their pressure peaks reads more than it carries
    rolled forward. That is the discs' landing, not load spread off them: with ``under_only`` (the
    default form) the curve stays at or below 1, so a spiral on such a mat is not read low (in
    `footmat today` it was: 'you held on to a support' on an improving person's days)."""
    rows = []
    for _ in range(3):
        for p in ROLL:
            rows.append(np.tile(np.concatenate([0.7 * W * p, 0.3 * W * FOOT]), (40, 1)))
    truth = np.vstack(rows)
    read = truth * np.array([1.0, 1.6, 1.6, 1.0, 1.6, 1.6])
    geo = foot_geometry(load_layout("default-6"))
    kw = dict(geometry=geo, factors=False, still_only=True, pin_below=0.5)
    only = CoverageAdjuster(6, W, RATE, under_only=True, **kw)
    both = CoverageAdjuster(6, W, RATE, **kw)
    run(only, read), run(both, read)
    assert both.g.max() > 0.2                       # free, the curve reads the landing as coverage
    assert only.g.max() <= 0.0


# -- one equation per held pose (the default form, placement="poses") ------------------------------
def _sway(n_chunks, level, seed=0, creep=0.0):
    """A person standing evenly, swaying (share ±1 pp, heel-toe ±3 %), the mat reading ×``level``
    and creeping up by ``creep`` over the run: chunks of 10 frames (n, 6)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_chunks):
        s = 0.5 + rng.normal(0, 0.01)
        r = rng.normal(0, 0.03)
        foot = FOOT + np.array([-r, 0.6 * r, 0.4 * r])
        c = level * (1.0 + creep * k / n_chunks)
        rows.append(np.tile(np.concatenate([s * W * foot, (1 - s) * W * foot]) * c, (10, 1)))
    return np.vstack(rows)


def test_one_stance_is_one_equation_the_level_not_the_discs():
    """Standing evenly after stepping on, the mat reading ×1.2 and creeping: twenty chunks of one
    stance are one pose, so the common factor answers it and the discs keep their ratios. As one
    equation per chunk (no pose_tol) the sway and the creep made a placement of the discs."""
    read = _sway(60, 1.2, creep=0.04)
    kw = dict(log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8], common_sigma=1.0, learn_s=3.0)
    pose = LogPlacementAdjuster(6, W, RATE, pose_tol=0.1, **kw)
    chunk = LogPlacementAdjuster(6, W, RATE, **kw)
    run(pose, read), run(chunk, read)
    assert pose.factors.max() / pose.factors.min() < 1.03, pose.factors
    assert pose.factors.mean() == pytest.approx(1 / 1.2, rel=0.05)
    assert chunk.factors.max() / chunk.factors.min() > 1.1, chunk.factors     # without: the discs moved


def test_a_pose_held_briefly_teaches_nothing():
    """A still moment shorter than ``pose_min`` chunks (a pause in a movement, the FSRs' hysteresis
    in it) is no equation; held for longer, it is one."""
    geo = foot_geometry(load_layout("default-6"))
    adj = CoverageAdjuster(6, W, RATE, geometry=geo, common_sigma=1.0, pose_tol=0.1, pose_min=10)
    run(adj, _sway(20, 1.2))            # 1 s settling, then under 1 s of chunks
    assert 0 < adj.equations < 10 and np.allclose(adj.factors, 1.0)
    run(adj, _sway(20, 1.2, seed=1))
    assert adj.factors.mean() < 0.9


def test_stepping_on_in_a_pose_read_far_off_teaches_the_window_nothing():
    """``window_band``: in the step-on's window a chunk whose raw total is more than that away from
    W is not learnt (a person stepping back on mid-drill, read ×1.4 in that pose, got a level that
    read them 20 % light — holding on — once they moved); read within it, it is."""
    kw = dict(log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8], common_sigma=1.0, learn_s=3.0, pose_tol=0.1,
              window_band=0.15)
    high = LogPlacementAdjuster(6, W, RATE, **kw)
    run(high, _sway(40, 1.4))
    assert high.equations == 0 and np.allclose(high.factors, 1.0)
    near = LogPlacementAdjuster(6, W, RATE, **kw)
    run(near, _sway(40, 1.1))
    assert near.factors.mean() == pytest.approx(1 / 1.1, rel=0.03)


def _poses_form(**kw):
    """The default form's step-on options (placement='poses') on a bare LogPlacementAdjuster."""
    opts = dict(log_sigma=[0.1, 0.6, 0.8, 0.1, 0.6, 0.8], common_sigma=1.0, learn_s=3.0, pose_tol=0.1,
                pose_min=10, window_band=0.15, template=TEMPLATE)
    return LogPlacementAdjuster(6, W, RATE, **(opts | kw))


def test_the_template_counts_whatever_the_level_reads():
    """Stepping on, the mat reads the person ×1.4 (the FSRs' creep and the new landing) and the
    right forefoot discs ×0.4: ``window_band`` keeps that level out of the equations, but the
    template's ratio rows hold no level, so they still find the discs (template_any_level)."""
    read = _sway(40, 1.4) * np.array([1.0, 1.0, 1.0, 1.0, 0.4, 0.4])
    any_level = _poses_form(template_any_level=True, template_hold=10)
    banded = _poses_form()
    out, out_banded = run(any_level, read), run(banded, read)
    late = slice(300, None)
    assert left_pct(read[late]).mean() > 55                                     # read ~58 %
    assert abs(left_pct(out[late]).mean() - 50) < 2.5, left_pct(out[late]).mean()     # from 8 pp
    assert any_level.equations == 0 and len(any_level._ratio) > 0               # no level learnt
    assert abs(left_pct(out_banded[late]).mean() - 50) > 5 and banded._ratio == []


def test_stepping_on_in_a_lean_not_held_teaches_no_template():
    """A person stepping back on mid-drill, moving through a lean on the right forefoot with
    still moments shorter than a held stance: ``template_hold`` (chunks of one stance) lets no
    ratio row in, so the lean's forefoot/heel ratios are not read as discs that landed elsewhere.
    Without it, they are."""
    rows = []
    for k in range(30):          # the lean moves on every 5 chunks (0.5 s)
        r = 0.2 + 0.15 * (k // 5)
        right = np.array([0.5 - 0.6 * r, 0.35 + 0.4 * r, 0.15 + 0.2 * r])
        rows.append(np.tile(np.concatenate([0.35 * W * FOOT, 0.65 * W * right]), (10, 1)))
    lean = np.vstack(rows)
    held = _poses_form(template_any_level=True, template_hold=10)
    loose = _poses_form(template_any_level=True)
    run(held, lean), run(loose, lean)
    assert held._ratio == [] and np.allclose(held.factors, 1.0)
    assert len(loose._ratio) > 0 and loose.factors[4] < 0.8          # the lean read as a landing


def _run_flags(adj, f, still):
    """``run`` with a per-frame ``still`` (n,)."""
    out = []
    for k in range(0, len(f), 20):
        sl = slice(k, k + 20)
        out.append(adj.update(f[sl], still[sl], np.zeros(len(f[sl]), bool)))
    return np.vstack(out)


def test_moving_chunks_count_toward_a_pose_only_once_it_is_held_still():
    """``moving_poses``: the chunks of a move are averaged into the pose they match, but a pose is
    solved only once ``still_min`` of its chunks were still. Moving all along (a spiral) teaches
    nothing; moving into a stance and holding it for 0.3 s teaches it, which the still chunks alone
    (3 of the 10 ``pose_min`` asks for) would not."""
    geo = foot_geometry(load_layout("default-6"))
    kw = dict(geometry=geo, common_sigma=1.0, pose_tol=0.1, pose_min=10, still_only=True)
    read = standing([0.5], [0.3], n_each=600) * 1.2          # one stance, read x1.2, 60 chunks
    moving = np.zeros(len(read), bool)
    spiral = CoverageAdjuster(6, W, RATE, moving_poses=True, still_min=3, **kw)
    _run_flags(spiral, read, moving)
    assert np.allclose(spiral.factors, 1.0)
    held = moving.copy()
    held[-80:] = True                       # the last 8 chunks still: 3 of them confirmed (0.5 s later)
    joined = CoverageAdjuster(6, W, RATE, moving_poses=True, still_min=3, **kw)
    still_only = CoverageAdjuster(6, W, RATE, **kw)
    _run_flags(joined, read, held), _run_flags(still_only, read, held)
    assert joined.factors.mean() == pytest.approx(1 / 1.2, rel=0.05), joined.factors
    assert np.allclose(still_only.factors, 1.0)
