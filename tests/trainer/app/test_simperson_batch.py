"""Follower.at_many (the simulated person's five smoothing samples in one call, issue 33) gives what
the five calls one after the other give, bit for bit, and leaves the person watching the screen in
the same state — on a drill on the feet (watching the share mark) and on a whole-body drill."""
import numpy as np
import pytest

from firmware.layout import load_layout
from firmware.sim.people import get_person
from firmware.sim.person import FootTarget, ScriptedPerson
from trainer.app.simperson import Follower, natural_centre

from .test_simperson import _FeetDrill
from .test_simperson_screen import _Engine


class _LeanDrill:
    def person_cop(self, a):
        return np.column_stack([40 * np.sin(a), 25 * np.cos(a / 2)])


def _pair(drill, name, seed=3):
    layout = load_layout()
    out = []
    for _ in range(2):
        f = Follower(natural_centre(layout), kind=None if name is None else get_person(name), layout=layout, seed=seed)
        f.engine = _Engine(drill(layout) if drill is _FeetDrill else drill())
        out.append(f)
    return out


def _same(a, b):
    if isinstance(a, FootTarget):
        assert isinstance(b, FootTarget)
        for k in ("left_share", "left_cop", "right_cop", "grip"):
            x, y = getattr(a, k), getattr(b, k)
            assert (x is None) == (y is None)
            if x is not None:
                assert np.array_equal(x, y) and x.tobytes() == y.tobytes(), k
    else:
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.mark.parametrize("drill,name", [(_FeetDrill, "good"), (_FeetDrill, "poor"), (_FeetDrill, None),
                                        (_LeanDrill, "average"), (_LeanDrill, None)])
def test_at_many_is_the_calls_one_after_the_other(drill, name):
    one, many = _pair(drill, name)
    offs = np.linspace(-0.12, 0.12, 5)
    rng = np.random.default_rng(5)
    for step, t in enumerate(np.arange(0.5, 12.0, 0.05)):
        for f in (one, many):         # the mat shows a share that is not quite the aim
            f.engine.snapshot.t = float(t)
            f.engine.snapshot.left_pct = float(50 + 20 * np.sin(t) + rng.normal(0, 0.0) + (step % 7))
        grid = t + np.arange(0, 0.05, 0.001)
        times = [grid - 0.25 + o for o in offs]
        seq = [one.at(x) for x in times]
        bat = many.at_many(times)
        assert len(bat) == len(seq)
        for (c1, a1, s1), (c2, a2, s2) in zip(seq, bat):
            _same(c1, c2)
            _same(a1, a2)
            _same(s1, s2)
        assert one._screen == many._screen and one._snap_t == many._snap_t
        assert len(one._aims) == len(many._aims)
    if name is not None and drill is _FeetDrill:
        assert any(v != 0.0 for v in one._screen.values())      # the person did correct by the screen


def test_the_simulated_person_asks_a_follower_once_per_state():
    layout = load_layout()
    f = Follower(natural_centre(layout), kind=get_person("good"), layout=layout, seed=1)
    f.engine = _Engine(_FeetDrill(layout))
    calls = []
    f.at = lambda t, _at=f.at: calls.append("at") or _at(t)            # noqa: E731
    at_many = f.at_many
    f.at_many = lambda times: calls.append("at_many") or at_many(times)  # noqa: E731
    person = ScriptedPerson(f, seed=1)
    person.state(np.linspace(2.0, 2.05, 50))
    assert calls == ["at_many"]
