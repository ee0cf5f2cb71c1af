"""Known answers of trainer/estimate/cop.py for unread channels and lightly loaded feet (issue 20)."""
import numpy as np
import pytest

from firmware.layout import load_layout
from trainer.estimate.cop import FOOT_COP_MIN_N, LOAD_OFFSET_FRACTION, MIN_LOAD_UNCALIBRATED_N, CopModel, load_positions

NAN = float("nan")


@pytest.fixture
def layout():
    layout = load_layout("default-6")
    assert layout.names == ["left_heel", "left_ball", "left_toes", "right_heel", "right_ball", "right_toes"]
    return layout


def one(layout, forces, **kw):
    """CopModel on a single frame → the CopBlock's row 0 as plain values."""
    cb = CopModel(layout, **kw)(np.array([forces], float))
    return {k: getattr(cb, k)[0] for k in cb.__dataclass_fields__}


def centroid(layout, forces, idx):
    f = np.asarray(forces, float)[idx]
    return (f[:, None] * layout.positions[idx]).sum(axis=0) / f.sum()


def test_ball_and_toe_discs_stand_for_load_toward_the_outer_border(layout):
    """The ball and toe discs sit on the foot's inner column; the load they stand for is centred
    toward the outer border (a prior from the foot's proportions), the heel's at the disc."""
    pos, eff = layout.positions, load_positions(layout)
    L = layout.foot_length_mm
    assert np.array_equal(eff[:, 1], pos[:, 1])                       # front-back untouched
    assert np.array_equal(eff[[0, 3], 0], pos[[0, 3], 0])             # heels where the discs are
    for i, sign in ((1, -1), (2, -1), (4, 1), (5, 1)):                # outward: −x left, +x right
        zone = layout.sensors[i].zone
        assert eff[i, 0] - pos[i, 0] == pytest.approx(sign * LOAD_OFFSET_FRACTION[zone] * L)
    assert 15.0 <= abs(eff[1, 0] - pos[1, 0]) <= 35.0                 # millimetres, on a 260 mm foot
    # all the weight on the left ball: the CoP lies outside the disc, toward the left foot's border
    r = one(layout, [0.0, 500.0, 0.0, 0.0, 0.0, 0.0], positions=eff)
    assert r["cop"][0] < pos[1, 0] and r["cop"][1] == pytest.approx(pos[1, 1])
    assert np.allclose(one(layout, [0.0, 500.0, 0.0, 0.0, 0.0, 0.0])["cop"], pos[1])    # the default: the disc


def test_a_foot_with_an_outer_disc_keeps_its_discs_places():
    layout8 = load_layout("default-8")
    assert {s.zone for s in layout8.sensors} >= {"outer"}
    assert np.array_equal(load_positions(layout8), layout8.positions)


def test_the_threshold_is_a_few_newtons():
    assert 1.0 <= FOOT_COP_MIN_N <= 20.0


def test_both_feet_loaded_every_figure_defined(layout):
    f = [100.0, 150.0, 93.0, 120.0, 160.0, 63.0]
    r = one(layout, f)
    assert r["load_left"] == pytest.approx(343.0) and r["load_right"] == pytest.approx(343.0)
    assert r["total"] == pytest.approx(686.0) and r["left_pct"] == pytest.approx(50.0)
    assert np.allclose(r["cop_left"], centroid(layout, f, [0, 1, 2]))
    assert np.allclose(r["cop_right"], centroid(layout, f, [3, 4, 5]))
    assert np.allclose(r["cop"], centroid(layout, f, range(6)))
    assert r["heel_pct_left"] == pytest.approx(100 * 100 / 343) and r["heel_pct_right"] == pytest.approx(100 * 120 / 343)


def test_lifted_foot_carries_zero_newtons_not_nan(layout):
    """one-leg: the lifted foot reads 0 N; left_pct stays defined (0 %), only that foot's CoP is NaN."""
    f = [0.0, 0.0, 0.0, 300.0, 250.0, 136.0]
    r = one(layout, f)
    assert r["load_left"] == 0.0 and r["load_right"] == pytest.approx(686.0)
    assert r["left_pct"] == 0.0 and r["total"] == pytest.approx(686.0)
    assert np.all(np.isnan(r["cop_left"])) and np.isnan(r["heel_pct_left"])
    assert np.allclose(r["cop_right"], centroid(layout, f, [3, 4, 5]))
    assert np.allclose(r["cop"], r["cop_right"])


def test_a_foot_carrying_two_newtons_has_no_cop_but_keeps_its_load(layout):
    f = [0.0, 0.0, 2.0, 300.0, 250.0, 136.0]          # a toe brushing the mat
    r = one(layout, f)
    assert r["load_left"] == pytest.approx(2.0)
    assert np.all(np.isnan(r["cop_left"])) and np.isnan(r["heel_pct_left"])
    assert r["left_pct"] == pytest.approx(100 * 2 / 688)
    assert np.all(np.isfinite(r["cop"])) and np.all(np.isfinite(r["cop_right"]))


def test_the_foot_threshold_is_inclusive_at_the_constant(layout):
    just_below = one(layout, [0.0, FOOT_COP_MIN_N * 0.99, 0.0, 300.0, 250.0, 136.0])
    at = one(layout, [0.0, FOOT_COP_MIN_N, 0.0, 300.0, 250.0, 136.0])
    assert np.all(np.isnan(just_below["cop_left"]))
    assert np.allclose(at["cop_left"], layout.positions[1])


def test_an_unread_channel_is_not_zero_newtons(layout):
    """A left channel unread: the left foot's load, CoP and heel share are NaN (not the other two
    sensors' sum); the whole-body CoP, total and left_pct are NaN; the right foot stays defined."""
    f = [NAN, 150.0, 93.0, 120.0, 160.0, 63.0]
    r = one(layout, f)
    assert np.isnan(r["load_left"]) and np.all(np.isnan(r["cop_left"])) and np.isnan(r["heel_pct_left"])
    assert np.isnan(r["total"]) and np.isnan(r["left_pct"]) and np.all(np.isnan(r["cop"]))
    assert r["load_right"] == pytest.approx(343.0)
    assert np.allclose(r["cop_right"], centroid(layout, f, [3, 4, 5]))
    assert r["heel_pct_right"] == pytest.approx(100 * 120 / 343)


def test_an_unread_channel_on_the_lifted_foot(layout):
    """A channel unread on the foot in the air: its load is NaN (unknown), so left_pct is NaN."""
    r = one(layout, [0.0, NAN, 0.0, 300.0, 250.0, 136.0])
    assert np.isnan(r["load_left"]) and np.isnan(r["left_pct"])
    assert r["load_right"] == pytest.approx(686.0) and np.all(np.isfinite(r["cop_right"]))


def test_nobody_on_the_mat(layout):
    r = one(layout, [0.5, 0.2, 0.0, 0.3, 0.0, 0.1])
    assert r["load_left"] == pytest.approx(0.7) and r["load_right"] == pytest.approx(0.4)
    assert r["total"] == pytest.approx(1.1)
    for k in ("cop", "cop_left", "cop_right"):
        assert np.all(np.isnan(r[k]))
    assert np.isnan(r["left_pct"]) and np.isnan(r["heel_pct_left"]) and np.isnan(r["heel_pct_right"])


def test_whole_body_threshold_unchanged(layout):
    """left_pct and the whole-body CoP still follow min_load_n (not the per-foot constant)."""
    f = [30.0, 30.0, 30.0, 30.0, 30.0, 30.0]          # 180 N: below 20 % of a 1000 N person
    assert np.isnan(one(layout, f, min_load_n=200.0)["left_pct"])
    r = one(layout, f, min_load_n=MIN_LOAD_UNCALIBRATED_N)
    assert r["left_pct"] == pytest.approx(50.0) and np.all(np.isfinite(r["cop"]))
    # per-foot CoP needs only the foot's own load, whatever the whole-body threshold
    assert np.all(np.isfinite(one(layout, f, min_load_n=200.0)["cop_left"]))


def test_negative_forces_count_as_zero(layout):
    r = one(layout, [-3.0, -1.0, -2.0, 300.0, 250.0, 136.0])
    assert r["load_left"] == 0.0 and r["left_pct"] == 0.0


def test_a_block_mixes_rows_independently(layout):
    f = np.array([[100.0, 150.0, 93.0, 120.0, 160.0, 63.0],
                  [NAN, 150.0, 93.0, 120.0, 160.0, 63.0],
                  [0.0, 0.0, 0.0, 300.0, 250.0, 136.0]])
    cb = CopModel(layout)(f)
    assert np.isfinite(cb.load_left).tolist() == [True, False, True]
    assert np.isfinite(cb.left_pct).tolist() == [True, False, True]
    assert np.isfinite(cb.cop_left).all(axis=1).tolist() == [True, False, False]
    assert np.isfinite(cb.cop_right).all(axis=1).tolist() == [True, True, True]


def test_the_estimator_uses_the_load_positions_only_when_asked(layout):
    from trainer.estimate.estimator import Estimator

    class Identity:
        def forces(self, raw, layout):
            return np.asarray(raw, float)

    from firmware.frames import FrameBlock

    raw = np.array([[0.0, 500.0, 0.0, 0.0, 0.0, 0.0]] * 4)
    block = FrameBlock(np.arange(4) / 200.0, raw, np.zeros(4, np.uint16))
    discs = Estimator(layout, Identity(), 500.0, 200.0, live_adjust=False).estimate(block)
    load = Estimator(layout, Identity(), 500.0, 200.0, live_adjust=False, cop_positions="load").estimate(block)
    assert np.allclose(discs.cop_left, layout.positions[1])
    assert np.allclose(load.cop_left, load_positions(layout)[1]) and np.allclose(load.cop, load.cop_left)
    with pytest.raises(ValueError, match="cop_positions"):
        Estimator(layout, Identity(), 500.0, 200.0, cop_positions="middle")
