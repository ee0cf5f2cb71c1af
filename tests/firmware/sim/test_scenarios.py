"""The honest simulated mat (issue 22): the published FSR curve, parts that differ in shape, creep,
feet that land anew at every step-on, a person's own feet, and a person who can put 70 % of
their weight on one foot and roll that foot from heel to toes."""
import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.errors import UsageError
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim import physics, scenarios
from firmware.sim.mat import SimMat
from firmware.sim.person import FootTarget, Script, ScriptBuilder, ScriptedPerson


def test_the_nominal_curve_goes_through_the_published_points():
    for force, ohms in physics.PUBLISHED_POINTS_N_OHM:
        assert physics.published_conductance(force) * ohms == pytest.approx(1.0, abs=0.005)
    # and it flattens above 10 N: the local exponent falls from ~1 to ~0.6
    f = np.array([0.3, 0.6, 30.0, 60.0])
    g = physics.published_conductance(f)
    assert np.log(g[1] / g[0]) / np.log(2) > 0.9 and np.log(g[3] / g[2]) / np.log(2) < 0.7


def bank(name="realistic", seed=4, n_layout="default-6"):
    layout = load_layout(n_layout)
    return physics.PublishedFSRBank(layout, np.random.default_rng(seed), scenarios.get(name)), layout


def test_parts_differ_in_shape_not_only_in_scale():
    b, _ = bank()
    f = np.array([[2.0] * 6, [30.0] * 6])
    g = b.nominal_conductance(f)
    # a pure multiplier would give every part the same ratio G(30 N) / G(2 N)
    ratio = g[1] / g[0]
    assert np.ptp(np.log(ratio)) > 0.05
    # and the break force differs: at 0.15 N some parts answer, others hardly
    low = b.nominal_conductance(np.full((1, 6), 0.15))[0] / physics.published_conductance(0.15)
    assert np.ptp(low) > 0.2
    # the curve alone (the breakdown's "no curve error") is the published one for every part
    ideal = physics.PublishedFSRBank(load_layout(), np.random.default_rng(4), scenarios.get("realistic").without("curve"))
    assert np.allclose(ideal.nominal_conductance(np.full((1, 6), 10.0)), physics.published_conductance(10.0), rtol=1e-3)


def test_worn_parts_read_lower_than_new_ones():
    new, _ = bank("realistic", seed=9)
    worn, _ = bank("worn", seed=9)
    f = np.full((1, 6), 15.0)
    assert np.median(worn.nominal_conductance(f) / new.nominal_conductance(f)) < 0.85


def creep_rise(force_n, scenario="realistic"):
    """Conductance at 50 s under a constant load over that at 5 s, per part."""
    b, _ = bank(scenario, seed=2)
    b.noise_v = 0.0
    b.drift[:] = 0.0
    t = np.arange(0, 60, 0.05)
    force = np.full((t.size, 6), force_n)
    v = b.volts(force, t)
    g = v / (b.rm * (b.vcc - v)) - b.bleed_s
    i5, i50 = np.searchsorted(t, 5.0), np.searchsorted(t, 50.0)
    return g[i50] / g[i5]


def test_creep_grows_with_log_time_and_with_load():
    heavy, light = creep_rise(25.0), creep_rise(4.0)
    assert np.all(heavy > 1.0) and np.all(heavy < 1.15)        # ≈ 5 %/decade, one decade
    assert np.median(heavy) > np.median(light) > 1.0
    assert np.median(creep_rise(25.0, "worn")) > np.median(heavy)


def steps_script(n_steps=3, hold=4.0):
    sb = ScriptBuilder(0, 108).hold(hold)
    for _ in range(n_steps):
        sb.step_off(0.3).hold(1.5).step_on(0.4).hold(hold)
    return sb.build()


def test_the_feet_land_anew_at_every_step_on():
    layout = load_layout()
    mat = SimMat(layout, ScriptedPerson(steps_script(3), seed=5, sway_mm=0.0), seed=5, scenario="realistic")
    block = VectorSimSource(mat, VirtualClock()).read(int(200 * 22))
    assert len(mat.placements) == 4                      # standing at the start, then three step-ons
    shifts = np.array([p[1] for p in mat.placements])
    assert len({tuple(s.ravel().round(3)) for s in shifts}) == 4
    # the sensors see it: the mean raw frame of each stance differs by more than the noise
    means = [block.raw[(block.t > a) & (block.t < a + 2.0)].mean(axis=0) for a in (2.0, 8.0, 14.0, 20.0)]
    assert max(np.abs(means[0] - m).max() for m in means[1:]) > 50
    # the same mat, another session: other placements; the ideal mat places nothing
    again = SimMat(layout, ScriptedPerson(steps_script(3), seed=5), seed=5, scenario="realistic", session=1)
    VectorSimSource(again, VirtualClock()).read(200 * 5)
    assert not np.allclose(again.placements[0][1], mat.placements[0][1])
    ideal = SimMat(layout, ScriptedPerson(steps_script(3), seed=5), seed=5)
    VectorSimSource(ideal, VirtualClock()).read(200 * 22)
    assert ideal.placements == []


def test_placement_spreads_are_the_scenarios():
    layout = load_layout()
    for name, along, across in (("realistic", 3.0, 6.0), ("misplaced", 15.0, 10.0)):
        mat = SimMat(layout, ScriptedPerson(Script.still(0, 108), seed=1), seed=1, scenario=name)
        for _ in range(300):
            mat._place(0.0)
        s = np.array([p[1] for p in mat.placements])        # (n, foot, (across, along))
        assert s[:, :, 1].std() == pytest.approx(along, rel=0.15)
        assert s[:, :, 0].std() == pytest.approx(across, rel=0.15)


def test_a_persons_feet_and_the_load_no_sensor_sees():
    layout = load_layout()
    person = ScriptedPerson(Script.still(0, 108), seed=3, sway_mm=0.0)
    person.foot_length_mm, person.midfoot_share = 250.0, 0.25
    flat = SimMat(layout, person, seed=3, scenario="realistic")
    assert flat.body() == {"foot_length_mm": 250.0, "midfoot_share": 0.25}
    region, _, load = flat.truth(np.array([1.0]))
    assert region[0, :, 1].sum() / load[0] == pytest.approx(0.25, abs=0.03)   # the flat foot's midfoot
    covered = flat.geom.covered(layout)
    assert covered[0] and covered[3] and covered[5] and not covered[1]         # heel, ball, hallux; not midfoot
    bare = SimMat(layout, ScriptedPerson(Script.still(0, 108), seed=3), seed=3,
                  scenario=scenarios.get("realistic").without("uncovered"))
    region, _, load = bare.truth(np.array([1.0]))
    assert region[0][:, ~covered].sum() / load[0] < 1e-6


def test_unknown_scenario_is_a_one_line_usage_error():
    with pytest.raises(UsageError, match="realistic"):
        scenarios.get("rusty")
    assert scenarios.get(None).name == scenarios.DEFAULT == "realistic"
    for s in scenarios.SCENARIOS.values():
        assert s.assumes and "\n" not in s.assumes


@pytest.mark.parametrize("scenario", ["ideal", "realistic", "misplaced"])
def test_seventy_percent_on_the_left_foot_rolling_it_from_heel_to_toes(scenario):
    """The seed's movement: 70 % of the weight on the left foot, whose CoP rolls from the heel to
    the toes while the right foot stays put — checked on the simulator's truth (where the feet
    really landed), and seen by the sensors under that foot."""
    layout = load_layout()
    from firmware.sim.physics import FootGeometry

    g = FootGeometry(layout)
    heel, ball, toe = g.aim[0, 0], g.aim[0, 3], g.aim[0, 5]
    lx = g.natural_cop()[0, 0]
    knots = np.array([0.0, 2.0, 8.0, 10.0])
    ys = np.array([heel[1] + 5, heel[1] + 5, toe[1] - 5, toe[1] - 5])
    target = FootTarget(np.full(4, 0.7), np.column_stack([np.full(4, lx), ys]), np.tile(g.natural_cop()[1], (4, 1)))
    person = ScriptedPerson(Script(knots, feet=target), seed=2)
    mat = SimMat(layout, person, seed=2, scenario=scenario)
    src = VectorSimSource(mat, VirtualClock())
    block = src.read(200 * 10)
    t = block.t
    loads, cop = mat.foot_truth(t)
    share = loads[:, 0] / loads.sum(axis=1)
    assert np.all(np.abs(share - 0.7) < 0.05)                      # sway moves the share a little
    geom = mat._geoms[0] if mat._geoms else mat.geom
    real_heel, real_toe = geom.centres[0, 0], geom.centres[0, 5]
    early, late = cop[(t > 0.5) & (t < 1.8), 0], cop[(t > 8.8), 0]
    assert np.linalg.norm(early.mean(axis=0) - real_heel) < 15.0      # on the heel where it landed
    assert late[:, 1].mean() > geom.centres[0, 3, 1]                  # past the ball, on the toes
    assert late[:, 1].mean() - early[:, 1].mean() > 0.55 * (real_toe[1] - real_heel[1])
    # heel to toes in order: the 0.25 s-smoothed front-back position never goes back by > 3 mm
    mid = (t > 2.3) & (t < 8.3)
    y = np.convolve(cop[mid, 0, 1], np.ones(50) / 50, mode="valid")
    assert np.all(np.diff(y) > -0.1) and y[-1] - y[0] > 60
    # the right foot stays where it stands
    assert np.ptp(cop[:, 1, 1]) < 20
    if scenario == "misplaced":
        return      # a foot 20 mm off the heel stop may leave the toe sensor: the point of the scenario
    # the left foot's sensors see the roll: its heel unloads, its toe loads
    names = layout.names
    lh, lt = names.index("left_heel"), names.index("left_toes")
    assert block.raw[t > 8.8, lh].mean() < 0.5 * block.raw[(t > 0.5) & (t < 1.8), lh].mean()
    assert block.raw[t > 8.8, lt].mean() > 3 * block.raw[(t > 0.5) & (t < 1.8), lt].mean()
