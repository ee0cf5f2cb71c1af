"""The simulated mat's cheap paths give the numbers of the plain ones (issue 33).

Tests, `spiral_reference.json` and the accuracy bench depend on the simulated mat's numbers, so
its speed-ups must not move them: both feet's tilts run in one loop only where that gives each
foot its own numbers (bit for bit), a Script's person samples all smoothing offsets in one
interpolation (bit for bit), and a front-back tilt started from the previous call's solution
lands where one started from nothing does (to rounding: 1e-12 N of a region's load)."""
import numpy as np
import pytest

from firmware.layout import load_layout
from firmware.sim import physics
from firmware.sim.person import FootTarget, Script, ScriptBuilder, ScriptedPerson


def _targets(n, rng):
    left = np.column_stack([rng.uniform(-130, -50, n), rng.uniform(-20, 280, n)])
    right = np.column_stack([rng.uniform(50, 130, n), rng.uniform(-20, 280, n)])
    return FootTarget(rng.uniform(0, 1, n), left, right, rng.uniform(0, 1, n))


@pytest.mark.parametrize("layout_name", ["default-6", "default-8"])
@pytest.mark.parametrize("n", [1, 2, 3, 10, 50])
def test_both_feet_in_one_loop_give_the_numbers_of_one_foot_at_a_time(layout_name, n, monkeypatch):
    geom = physics.FootGeometry(load_layout(layout_name))
    placed = geom.placed(foot_length_mm=250.0, midfoot_share=0.2, shift=np.array([[3.0, -4.0], [-5.0, 6.0]]),
                         rot_deg=np.array([4.0, -2.0]))
    rng = np.random.default_rng(n)
    feet = _targets(n, rng)
    body = np.column_stack([rng.uniform(-200, 200, n), rng.uniform(-20, 280, n), rng.uniform(0, 1, n)])
    load = rng.uniform(0, 900, n)
    runs = []
    for one_loop in (True, False):
        if not one_loop:     # the plain path: each foot, and each kind of tilt, on its own
            monkeypatch.setattr(physics, "_both_feet", lambda aim, base, n: None)
        runs.append([physics.foot_loads(g, target, load) for g in (geom, placed) for target in (feet, body)])
    for fast, plain in zip(*runs):
        for a, b in zip(fast, plain):
            assert a.tobytes() == b.tobytes()


def test_one_tilt_loop_for_several_groups_gives_each_group_its_own_numbers():
    geom = physics.FootGeometry(load_layout("default-8"))
    rng = np.random.default_rng(5)
    aim = geom.aim
    n = 23
    ty = [rng.uniform(-20, 280, n) for _ in range(2)]
    tx = [aim[f, :, 0].mean() + rng.uniform(-60, 60, n) for f in range(2)]
    cy, logb, cxs, clip_ty = physics._both_feet(aim, geom.share, n)
    tys = [clip_ty(t) for t in ty]
    merged = physics._tilt_groups(cy, logb, aim[0][:, 1], np.concatenate(tys + tys),
                                  [(cxs[f], aim[f][:, 0], None, 12, n) for f in range(2)]
                                  + [(cxs[f], aim[f][:, 0], tx[f], 16, n) for f in range(2)])
    alone = [physics.tilt_weights(aim[f], geom.share, ty[f]) for f in range(2)] \
        + [physics.tilt_weights(aim[f], geom.share, ty[f], tx[f], iters=16) for f in range(2)]
    assert merged.tobytes() == np.concatenate(alone).tobytes()
    # and the weights do what they are for: a joint tilt puts a foot's CoP on a target it can reach
    for f in range(2):
        y = rng.uniform(60, 200, n)
        x = aim[f, :, 0].mean() + rng.uniform(-5, 5, n)
        w = physics.tilt_weights(aim[f], geom.share, y, x, iters=16)
        assert np.abs(w @ aim[f, :, 1] - y).max() < 1.0 and np.abs(w @ aim[f, :, 0] - x).max() < 1.0


def test_a_scripts_person_samples_the_script_as_at_does():
    b = ScriptBuilder(0.0, 110.0)
    b.move_to(40.0, 180.0, 1.0).grip_to(1.0, 0.4).step_off(0.3).hold(0.5).step_on(0.4).hold_on(0.3).move_to(-60, 90, 1.0)
    whole = b.build()
    t = np.array([0.0, 1.0, 2.0, 3.0])
    ft = FootTarget([0.5, 0.9, 0.1, 0.5], [[-90, 60], [-95, 200], [-80, 30], [-90, 150]],
                    [[90, 60], [95, 20], [80, 230], [90, 150]], [0, 1.0, 0.2, 0])
    feet = Script(t, feet=ft, on_mat=np.array([1, 1, 0.0, 1]), grip=np.array([0, 0.5, 1.0, 0]))

    class Plain:              # the same script seen only through at() and grip_at()
        def __init__(self, script):
            self.script = script

        def at(self, t):
            return self.script.at(t)

        def grip_at(self, t):
            return self.script.grip_at(t)

    times = np.arange(-0.5, 5.0, 1 / 200.0)
    for script in (whole, feet):
        fast = ScriptedPerson(script, seed=3).state(times)
        plain = ScriptedPerson(Plain(script), seed=3).state(times)
        for a, b in zip(fast, plain):
            a = a.as_array() if isinstance(a, FootTarget) else a
            b = b.as_array() if isinstance(b, FootTarget) else b
            assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("layout_name", ["default-6", "default-8"])
def test_a_tilt_started_where_the_last_call_ended_lands_where_a_cold_one_does(layout_name):
    """foot_loads keeps, on the geometry, where each front-back tilt ended and starts the next
    call's there (a few Newton steps instead of nine); a fresh geometry each call starts from 0."""
    layout = load_layout(layout_name)
    geom = physics.FootGeometry(layout).placed(foot_length_mm=250.0, midfoot_share=0.2,
                                               shift=np.array([[3.0, -4.0], [-5.0, 6.0]]), rot_deg=np.array([4.0, -2.0]))
    rng = np.random.default_rng(7)
    n = 50
    for k in range(60):
        t = 0.05 * k + np.arange(n) * 0.001
        y = 130 + 150 * np.sin(t / 2)                     # heel to toes and beyond the foot
        feet = FootTarget(0.5 + 0.5 * np.sin(t / 3), np.column_stack([-84 + 3 * np.sin(t), y]),
                          np.column_stack([84 + rng.normal(0, 2, n), y[::-1]]), None)
        body = np.column_stack([180 * np.sin(t / 1.5), y])
        for target in (feet, body):
            cold = physics.FootGeometry.__new__(physics.FootGeometry)
            cold.__dict__.update({k: v for k, v in geom.__dict__.items() if k != "_tilt_warm"})
            warm_out = physics.foot_loads(geom, target, np.full(n, 700.0))
            cold_out = physics.foot_loads(cold, target, np.full(n, 700.0))
            for a, b in zip(warm_out, cold_out):
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
    assert set(geom.__dict__["_tilt_warm"]) == {"feet", "body"}
