"""The spiral on the feet: its path (share + the working foot's own CoP, the whole-body path derived
from both), and simulated people who do it, do it with the weight in the middle, or skip the toes."""
from __future__ import annotations

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim.mat import SimMat
from firmware.sim.person import FootTarget, ScriptedPerson
from trainer.app.live import run_drill
from tests.simcal import sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.engine import DrillEngine
from trainer.drills.feet import FootSpiralPath, foot_zones
from trainer.drills.spiral import SpiralDrill
from trainer.estimate.estimator import Estimator


@pytest.fixture(scope="module")
def layout():
    return load_layout("default-6")


def test_the_whole_body_path_is_derived_from_the_share_and_each_foots_cop(layout):
    p = FootSpiralPath(layout, (0.0, 118.0), share_pct=70)
    a = np.linspace(0, 12, 241)
    s = p.share_on("left", a)[:, None]
    assert np.allclose(p.position(a), s * p.foot_cop("left", a) + (1 - s) * p.foot_cop("right", a))
    # the working foot carries the level's share at each of its zones, 50 % at the cross-overs
    t_wp = p.waypoint_times()
    for k, w in enumerate(p.waypoints):
        assert p.share_on(w.foot, t_wp[k])[0] == pytest.approx(0.70)
        foot, j = p.zone_of(k)
        assert np.allclose(p.foot_cop(foot, t_wp[k])[0], p.zones[foot].xy[j])
    assert p.share_on("left", 0.0)[0] == pytest.approx(0.5) and p.share_on("left", 6.0)[0] == pytest.approx(0.5)
    assert [w.label for w in p.waypoints] == ["left heel", "left ball", "left toes", "right heel", "right ball",
                                              "right toes"]


def test_zones_are_at_least_50_mm_apart_and_a_visit_radius_under_half_the_gap(layout):
    for foot in ("left", "right"):
        z = foot_zones(layout, foot)
        d = np.hypot(*(z.xy[:, None] - z.xy[None]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        assert d.min() >= 40                          # ball-toes, on a 260 mm foot
        assert np.all(z.radius_mm <= 0.5 * d.min(axis=1))
        assert z.source == "layout sensor positions"


def test_zones_come_from_the_calibration_lean_poses_when_recorded(layout):
    lean = {s.name: (s.x_mm * 0.9, 60 + (s.y_mm - 35) * 0.7) for s in layout.sensors}
    z = foot_zones(layout, "left", lean_points=lean)
    assert z.source == "calibration lean poses"
    assert z.xy[:, 1].max() < foot_zones(layout, "left").xy[:, 1].max()

    class Cal:
        fit = {"lean_cop_mm": {k: list(v) for k, v in lean.items()}}

    d = SpiralDrill(calibration=Cal())
    d.build(layout, (0.0, 118.0))
    assert d.path.zones["left"].source == "calibration lean poses"
    d2 = SpiralDrill()
    d2.build(layout, (0.0, 118.0))
    _, methods = d2.score(_empty_run(layout), 50.0)
    assert "layout's sensor positions" in methods["zones"]


def _empty_run(layout):
    from trainer.drills.base import RunData

    n = 10
    nan = np.full(n, np.nan)
    return RunData(t=np.arange(n) / 50, raw=np.zeros((n, 0)), flags=np.zeros(n, np.uint16), forces=np.zeros((n, 0)),
                   total=nan, cop=np.full((n, 2), np.nan), cop_left=np.full((n, 2), np.nan),
                   cop_right=np.full((n, 2), np.nan), load_left=nan, load_right=nan, left_pct=nan,
                   heel_pct_left=nan, heel_pct_right=nan, still=np.zeros(n, bool), unloaded=np.zeros(n, bool),
                   holding_on=np.zeros(n, bool), a=np.arange(n) / 50, target=np.full((n, 2), np.nan), layout=layout)


def test_backward_excursion_never_exceeds_the_persons_backward_reach(layout):
    free = FootSpiralPath(layout, (0.0, 118.0))
    capped = FootSpiralPath(layout, (0.0, 118.0), reach_mm={"back": 25.0})
    assert 118.0 - free.dense(2000)[:, 1].min() > 25.0
    assert 118.0 - capped.dense(2000)[:, 1].min() <= 25.0 + 0.5


def test_foot_target_gives_the_view_each_foots_part(layout):
    d = SpiralDrill()
    d.build(layout, (0.0, 118.0))
    ft = d.foot_target(np.array([1.0, 7.0]))
    assert list(ft["working"]) == ["left", "right"]
    assert ft["left_share"][0] == pytest.approx(0.7) and ft["left_share"][1] == pytest.approx(0.3)
    assert np.allclose(ft["left_cop"][0], ft["zones"]["left"][0])      # 1 s in: the left heel
    pf = d.person_feet(np.array([1.0]))
    assert isinstance(pf, FootTarget) and np.allclose(pf.whole_body(), d.target(np.array([1.0])))


# -- simulated people ---------------------------------------------------------------------------

class WeightInTheMiddle(SpiralDrill):
    """Rolls each foot but never moves the weight across."""

    def person_feet(self, a):
        ft = super().person_feet(a)
        ft.left_share[:] = 0.5
        return ft


class SkipsTheLeftToes(SpiralDrill):
    """Turns back at the ball of the left foot."""

    def person_feet(self, a):
        ft = super().person_feet(a)
        ball = self.path.zones["left"].xy[1]
        c = ft.left_cop
        c[c[:, 1] > ball[1], 1] = ball[1]
        return ft


def simulate(drill, seed=3):
    layout = load_layout()
    follower = Follower(natural_centre(layout), layout=layout)
    person = ScriptedPerson(follower, seed=seed)
    estimator = Estimator(layout, sim_calibration(layout, seed), person.weight_n, 200.0)
    engine = DrillEngine(drill, layout, person.weight_n, 200.0, time_cap_s=80)
    follower.engine = engine
    run_drill(VectorSimSource(SimMat(layout, person, seed=seed), VirtualClock()), engine, estimator=estimator)
    return engine.results()[0]


def test_a_person_who_moves_70_percent_and_rolls_heel_ball_toes_passes_the_foot_checks():
    s = simulate(SpiralDrill(loops=3, period=8.0))
    for lp in s["loops"]:
        assert lp["transfer_ok"] is True and lp["roll_in_order"] == {"left": True, "right": True}
        assert lp["waypoints_in_order"] is True and lp["direction"] == "right way round"
        assert lp["score"] < 100
    assert s["following"]["following"] is True


def test_a_person_who_keeps_the_weight_in_the_middle_fails_the_transfer():
    s = simulate(WeightInTheMiddle(loops=3, period=8.0))
    assert all(lp["transfer_ok"] is False for lp in s["loops"])
    assert all(max(lp["transfer_pct"].values()) < 60 for lp in s["loops"])
    assert s["score"] < 60 and "70 %" in s["feedback"]


def test_a_person_who_skips_the_toes_fails_that_visit():
    s = simulate(SkipsTheLeftToes(loops=3, period=8.0))
    for lp in s["loops"]:
        left = {v["zone"]: v["visited"] for v in lp["visits"]["left"]}
        assert left["left toes"] is False and left["left heel"] and left["left ball"]
        assert lp["roll_in_order"]["right"] is True and lp["transfer_ok"] is True
    assert s["score"] < 60 and "left toes" in s["feedback"]
