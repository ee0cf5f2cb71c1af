"""The named simulated people (issue 22): how they follow, what they report, how they change with
their sessions, and the drill app taking all of it from --sim-person and --sim-scenario."""
import json

import numpy as np
import pytest

from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.people import PEOPLE, get_person
from firmware.sim.person import FootTarget, ScriptedPerson
from firmware.sim.physics import FootGeometry
from trainer.app.simperson import Follower, natural_centre


class _Engine:
    """The two members of a drill engine the Follower reads (started, active) and a drill."""

    def __init__(self, drill):
        self.drill = drill
        self.started = True

    def active(self, t):
        return np.asarray(t, float) - 1.0


def true_left_share(mat, t):
    loads, _ = mat.foot_truth(t)
    return loads[:, 0] / loads.sum(axis=1)


def test_the_asymmetric_person_stands_58_42_and_the_others_even():
    layout = load_layout()
    t = np.linspace(2, 10, 200)
    for name, want in (("asymmetric", 0.58), ("average", 0.50)):
        kind = get_person(name)
        follower = Follower(natural_centre(layout), kind=kind, layout=layout, seed=3)
        person = ScriptedPerson(follower, seed=3, lag_s=kind.lag_s, sway_mm=kind.sway_mm)
        mat = SimMat(layout, person, seed=3, scenario="realistic")
        assert np.mean(true_left_share(mat, t)) == pytest.approx(want, abs=0.03)


class _FeetDrill:
    """70 % on the left foot, its CoP rolling from the heel (active 0 s) to the hallux (6 s)."""

    def __init__(self, layout):
        g = FootGeometry(layout)
        self.nat = g.natural_cop()
        self.heel, self.toe = g.aim[0, 0, 1], g.aim[0, 5, 1]

    def person_feet(self, a):
        y = self.heel + np.clip(a / 6.0, 0, 1) * (self.toe - self.heel)
        n = len(a)
        return FootTarget(np.full(n, 0.7), np.column_stack([np.full(n, self.nat[0, 0]), y]),
                          np.tile(self.nat[1], (n, 1)))


def test_people_differ_in_depth_of_transfer_and_roll_onto_the_toes():
    layout = load_layout()
    drill = _FeetDrill(layout)
    g = FootGeometry(layout)
    ball, toe = g.aim[0, 3, 1], g.aim[0, 5, 1]
    t = np.linspace(8.0, 9.0, 50)                 # active 7-8 s: at the toes
    got = {}
    for name in ("good", "poor"):
        kind = get_person(name)
        follower = Follower(natural_centre(layout), kind=kind, layout=layout, seed=1)
        follower.engine = _Engine(drill)
        target, on, _ = follower.at(t)
        assert isinstance(target, FootTarget) and np.all(on == 1)
        got[name] = (target.left_share.mean(), target.left_cop[:, 1].mean())
        # the roll stops where the person's toe roll does (with their slow error)
        assert target.left_cop[:, 1].mean() == pytest.approx(ball + kind.toe_roll * (toe - ball), abs=3 * kind.wander_mm)
    assert got["good"][0] > got["poor"][0] + 0.05          # the good one shifts further (0.69 vs 0.6)
    assert got["good"][1] > got["poor"][1] + 15            # and rolls further onto the toes
    # before the drill starts: standing evenly on both feet, per-foot targets all the same
    follower = Follower(natural_centre(layout), kind=get_person("good"), layout=layout, seed=1)
    eng = _Engine(drill)
    eng.started = False
    follower.engine = eng
    target, _, _ = follower.at(np.array([0.5]))
    assert isinstance(target, FootTarget) and target.left_share[0] == pytest.approx(0.5, abs=0.02)


def test_holding_on_takes_weight_off_the_mat():
    layout = load_layout()
    kind = get_person("holding-on")
    follower = Follower(natural_centre(layout), kind=kind, layout=layout)
    person = ScriptedPerson(follower, weight_kg=70, seed=1)
    _, load = person.state(np.linspace(1, 3, 20))
    assert np.mean(load) == pytest.approx(0.85 * person.weight_n, rel=0.02)


def test_a_learner_changes_with_their_sessions_and_the_others_keep_still():
    imp = get_person("improving")
    first, later = imp.after_sessions(0), imp.after_sessions(16)
    assert later.depth > first.depth + 0.25 and later.lag_s < first.lag_s - 0.25
    assert later.pain[0] < first.pain[0] - 3
    assert get_person("poor").after_sessions(30) == get_person("poor")
    assert set(PEOPLE) >= {"good", "average", "poor", "improving", "painful", "holding-on", "asymmetric"}
    from firmware.errors import UsageError
    with pytest.raises(UsageError, match="holding-on"):
        get_person("sprinter")


def test_the_drill_app_takes_the_person_the_scenario_and_their_pain(cli, tmp_path, footmat_home):
    pains = []
    for _ in range(2):
        code, _, err = cli("drill", "spiral", "--backend", "sim", "--loops", "1", "--no-plot", "--out", str(tmp_path),
                           "--sim-person", "improving", "--sim-scenario", "worn")
        assert code == 0, err
        assert "worn" in err and "improving" in err
    for f in sorted(tmp_path.glob("*/session.json")):
        pains.append(json.loads(f.read_text())["pain"])
    # the first session: 6 before, 6 after; the second, after one session of their own: better
    assert pains[0] == {"before": 6, "after": 6}
    assert pains[1]["before"] == 5
    # a --pain-* flag wins over the simulated person's report
    code, _, err = cli("drill", "spiral", "--backend", "sim", "--loops", "1", "--no-plot", "--out", str(tmp_path / "b"),
                       "--sim-person", "painful", "--pain-before", "2", "--pain-after", "1")
    assert code == 0, err
    assert json.loads(next((tmp_path / "b").glob("*/session.json")).read_text())["pain"] == {"before": 2, "after": 1}


def test_an_unknown_scenario_or_person_is_a_one_line_error(cli):
    code, out, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--sim-scenario", "rusty")
    assert code == 2 and "unknown simulated mat scenario 'rusty'" in err and "realistic" in err
    # told first, alone: no notice about the person or the calibration before it
    assert len(err.strip().splitlines()) == 1 and not out.strip()
    code, out, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--sim-person", "sprinter")
    assert code == 2 and "unknown simulated person 'sprinter'" in err
    assert len(err.strip().splitlines()) == 1 and not out.strip()
    # `footmat today` tells it before its header and welcome
    code, out, err = cli("today", "--person", "nemo", "--backend", "sim", "--no-plot", "--short", "--audio", "off",
                         "--sim-person", "sprinter")
    assert code == 2 and "unknown simulated person 'sprinter'" in err
    assert len(err.strip().splitlines()) == 1 and not out.strip()
