import numpy as np

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptBuilder, ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.estimate.cop import CopModel
from trainer.estimate.stillness import StateDetector
from trainer.app.simcal import calibrate_on_sim


def states_for(script, seed=1, block=10):
    layout = load_layout()
    person = ScriptedPerson(script, seed=seed)
    mat = SimMat(layout, person, seed=seed)
    src = VectorSimSource(mat, VirtualClock())
    cal = calibrate_on_sim(layout, seed=seed)
    det = StateDetector(200.0, person.weight_n)
    model = CopModel(layout, min_load_n=0.2 * person.weight_n)
    out = {"still": [], "unloaded": [], "holding_on": [], "t": []}
    n = int(script.duration * 200)
    for _ in range(n // block):
        b = src.read(block)
        cb = model(cal.forces(b.raw, layout))
        st = det.update(cb.cop, np.nan_to_num(cb.total))
        for k in ("still", "unloaded", "holding_on"):
            out[k].append(getattr(st, k))
        out["t"].append(b.t)
    return {k: np.concatenate(v) for k, v in out.items()}


def test_quiet_standing_is_still_and_moving_is_not():
    s = ScriptBuilder(0, 110).hold(4).move_to(-60, 110, 3).move_to(60, 110, 3).hold(4).build()
    r = states_for(s)
    t = r["t"]
    assert r["still"][(t > 2) & (t < 4)].mean() > 0.8
    assert r["still"][(t > 5.5) & (t < 9.5)].mean() < 0.1
    assert not r["unloaded"][t < 4].any()


def test_step_off_is_unloaded_and_holding_on_is_noted():
    s = ScriptBuilder(0, 110).hold(2).step_off().hold(3).step_on().hold(2).hold_on(0.25).hold(4).build()
    r = states_for(s)
    t = r["t"]
    assert r["unloaded"][(t > 3.6) & (t < 5.2)].all()
    assert not r["holding_on"][t < 2].any()
    assert r["holding_on"][(t > 11) & (t < 13)].mean() > 0.7


def test_blocks_of_any_size_give_the_states_of_one_pass(monkeypatch):
    """Live blocks (a few frames) skip the full window test when the frames every window shares
    already span more than the circle, or when the whole stretch fits in a box whose diagonal is
    the circle's radius and its loads within the tolerance: the same states as one pass over all
    the frames, which works every window out in full — moving, still, on the edge of the circle,
    with gaps."""
    from trainer.estimate import stillness

    said = {True: 0, False: 0}
    real_all_still = stillness._all_still

    def counted(c, load):
        r = real_all_still(c, load)
        said[r] += 1
        return r

    monkeypatch.setattr(stillness, "_all_still", counted)
    rng = np.random.default_rng(7)
    t = np.arange(8000) / 200.0
    # slow and quick moves, pauses, and sways that cross the 10 mm circle back and forth
    amp = np.where((t // 5) % 3 == 0, 0.4, np.where((t // 5) % 3 == 1, 4.8, 30.0))
    cop = np.column_stack([amp * np.sin(2 * np.pi * t / 3.1), 0.6 * amp * np.cos(2 * np.pi * t / 4.3)])
    cop += rng.normal(0, 0.05, cop.shape)
    total = 700.0 + rng.normal(0, 3.0, t.size)
    cop[2000:2040] = np.nan                          # a gap
    total[5000:5300] = 0.0                           # stepped off
    whole = StateDetector(200.0, 700.0).update(cop, total)
    assert 0.1 < whole.still.mean() < 0.9            # both answers occur
    for sizes in ([10], [3, 4, 3], [1, 50, 7]):
        det = StateDetector(200.0, 700.0)
        parts, i, k = [], 0, 0
        while i < t.size:
            n = sizes[k % len(sizes)]
            parts.append(det.update(cop[i:i + n], total[i:i + n]))
            i, k = i + n, k + 1
        for name in ("still", "unloaded", "holding_on"):
            got = np.concatenate([getattr(p, name) for p in parts])
            assert np.array_equal(got, getattr(whole, name)), (sizes, name, np.flatnonzero(got != getattr(whole, name))[:5])
    assert said[True] > 100 and said[False] > 100      # the shortcut was taken, and not always
