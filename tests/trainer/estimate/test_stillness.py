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
