"""The accuracy bench's hindsight figures (trainer.bench.hindsight): per-disc factors fitted to a
whole session at once recover a mat whose discs read off by constant factors, and the figures
join the accuracy part's summary beside the Estimator's."""
import numpy as np

import trainer.bench.pipeline as P
from firmware.layout import load_layout
from trainer.bench.hindsight import KINDS, hindsight_rows


def _session(layout, factors, seed=0):
    """Windows of poses (share and each foot's heel-to-toe roll varied): each disc's true load,
    what it reads (true / factor), each foot's load and the true whole-body CoP at the discs."""
    rng = np.random.default_rng(seed)
    feet = np.array([0 if s.foot == "left" else 1 for s in layout.sensors])
    W = 700.0
    true = []
    for _ in range(24):
        share = rng.uniform(0.2, 0.8)
        row = np.zeros(len(feet))
        for f, part in ((0, share), (1, 1.0 - share)):
            w = rng.dirichlet(np.ones(int(np.sum(feet == f))) * 2.0)
            row[feet == f] = part * W * w
        true.append(row)
    true = np.array(true)
    loads = np.stack([true[:, feet == f].sum(axis=1) for f in (0, 1)], axis=1)
    cop = true @ np.asarray(layout.positions, float) / true.sum(axis=1)[:, None]
    return true / factors[None, :], loads, cop, W


def test_constant_disc_factors_are_recovered_in_hindsight():
    layout = load_layout("default-6")
    factors = np.array([1.1, 0.6, 1.8, 0.9, 1.4, 0.7])     # where each disc landed this time
    forces, loads, cop, W = _session(layout, factors)
    out = hindsight_rows(layout, forces, loads, cop, W)
    assert set(out) == set(KINDS)
    for kind in ("hindsight_totals", "hindsight_foot_loads", "hindsight_totals_curve"):
        a = np.array(out[kind])
        assert a.shape == (24, 4)
        assert np.max(np.abs(a[:, 3])) < 0.3, kind          # left share within 0.3 pp
        assert np.max(np.abs(a[:, 0])) < 1.0, kind          # side-to-side within 1 mm
        assert np.max(a[:, 2]) < 0.5, kind                  # total within 0.5 % of W
    # the same forces read as they are (no factors) are far off: the fit is what recovered them
    raw_share = forces[:, :3].sum(axis=1) / forces.sum(axis=1)
    assert np.max(np.abs(raw_share - loads[:, 0] / loads.sum(axis=1))) * 100 > 5


def test_the_totals_fit_knows_only_the_totals():
    """Both feet's discs reading 20 % high: the totals say so; the left foot reading 20 % high and
    the right 20 % low in a session that never shifts weight: the totals cannot tell, the share
    stays off — the information the mat has, no more."""
    layout = load_layout("default-6")
    forces, loads, cop, W = _session(layout, np.full(6, 1 / 1.2))
    assert np.max(np.abs(np.array(hindsight_rows(layout, forces, loads, cop, W)["hindsight_totals"])[:, 2])) < 0.5
    even = np.tile(forces[:1], (24, 1)) * np.array([1.2] * 3 + [0.8] * 3)[None, :]
    out = hindsight_rows(layout, even, np.tile(loads[:1], (24, 1)), np.tile(cop[:1], (24, 1)), W)
    assert abs(out["hindsight_totals"][0][3]) > 2.0
    assert abs(out["hindsight_foot_loads"][0][3]) < 0.3      # the truth per foot knows


def test_the_hindsight_figures_join_the_accuracy_part(monkeypatch):
    def fake_cal(layout, sc, seed, pseed, kg):
        return object()

    def fake_run(layout, cal, sc, seed, session, pseed, kg, variants=True):
        row = (1.0, 2.0, 3.0, 4.0)
        return [row], ({k: [row] for k in (*P.VARIANTS, *P.HINDSIGHT)} if variants else {})

    monkeypatch.setattr(P, "_calibrate_in_procedure", fake_cal)
    monkeypatch.setattr(P, "_measure_session_run", fake_run)
    P._CAL_MEMO.clear()
    P._SESSION_MEMO.clear()
    a = P.accuracy_sessions("default-6", "realistic", mats=2, sessions=(1,), cross_person=True)
    for k in KINDS:
        assert a[k]["lr_share_err_pp"] == 4.0 and a[k]["cross_person"]["cop_rms_ml_mm"] == 1.0
