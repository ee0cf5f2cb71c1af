"""A named simulated person watches the screen (issue 24): the share mark shows what the mat reads,
which depends on where on the foot the load sits and where the feet landed; each person corrects
by it at their own pace (trainer.app.simperson.Follower._watch_screen)."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from firmware.layout import load_layout
from firmware.sim.people import get_person
from trainer.app.simperson import SCREEN_MAX_SHARE, Follower, natural_centre

from .test_simperson import _FeetDrill


class _Engine:
    def __init__(self, drill):
        self.drill = drill
        self.started = True
        self.state = "running"
        self.snapshot = SimpleNamespace(t=0.0, left_pct=float("nan"))

    def active(self, t):
        return np.asarray(t, float) - 1.0


def shown_short(name: str, seconds: float, shown_pct: float | None = 50.0) -> float:
    """How much more left share a person puts down after ``seconds`` of a screen showing
    ``shown_pct`` (None: just what they aim) while they aim for 70 % (x their depth)."""
    layout = load_layout()
    follower = Follower(natural_centre(layout), kind=get_person(name), layout=layout, seed=1)
    follower.engine = eng = _Engine(_FeetDrill(layout))
    t0 = 2.0
    first = follower.at(np.array([t0]))[0].left_share[0]
    for t in np.arange(t0, t0 + seconds, 0.05):
        eng.snapshot.t = float(t)
        eng.snapshot.left_pct = 100 * first if shown_pct is None else shown_pct
        ft, _, _ = follower.at(np.array([t]))
    return float(ft.left_share[0] - first)


def test_a_person_who_sees_too_little_on_the_left_puts_more_there_quick_people_sooner():
    good, poor = shown_short("good", 2.0), shown_short("poor", 2.0)
    assert good > poor > 0.01
    assert good < shown_short("good", 20.0) <= SCREEN_MAX_SHARE + 0.02      # bounded
    assert abs(shown_short("good", 2.0, shown_pct=None)) < 0.02            # the screen agrees: nothing to do


@pytest.mark.slow
def test_named_people_score_in_order_in_the_spiral(cli, tmp_path, monkeypatch):
    scores = {}
    for name in ("good", "average", "poor"):
        # each in a home of their own: their first session, the feet landing where the others' did
        monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / name / "home"))
        code, _, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--audio", "off", "--seed", "1",
                           "--out", str(tmp_path / name), "--sim-person", name)
        assert code == 0, err
        scores[name] = json.loads(next((tmp_path / name).glob("*/session.json")).read_text())["summary"]["score"]
    assert scores["good"] > scores["average"] > scores["poor"], scores
