"""What the live view shows (trainer.drills.status): each drill's counter, the ring, the feet,
the feedback level — worked out from a snapshot and the drill run's public attributes."""
import json

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer import drills
from trainer.app.simperson import natural_centre
from trainer.drills.state import Snapshot
from trainer.drills.status import DrillStatus, split_cue


class Engine:
    """The engine's public face the status reads: drill, layout, started, active(t), snapshot."""

    def __init__(self, name, **params):
        self.layout = load_layout()
        d = drills.get(name)
        self.drill = d.make(d.resolve(params))
        self.drill.build(self.layout, natural_centre(self.layout))
        self.started = True
        self.snapshot = Snapshot(state="running")

    def active(self, t):
        return np.atleast_1d(np.asarray(t, float))       # the drill started at clock 0, no pauses


def _snap(t, cop=(0.0, 120.0), left_pct=50.0, forces=None, state="running", cue=""):
    return Snapshot(t=t, state=state, cop=np.array(cop, float), target=np.array(cop, float),
                    forces=np.array([100, 100, 100, 100, 100, 100.0]) if forces is None else np.asarray(forces, float),
                    total_n=600.0, left_pct=left_pct, heel_pct_left=40.0, heel_pct_right=40.0, cue=cue)


def test_heel_raises_count_rep_set_and_beat():
    e = Engine("heel-raises", reps=5, sets=2, tempo=1.0, rest=10.0)
    ds = DrillStatus(e)
    c = ds.read(_snap(3.0 + 4.0 + 1.5)).counter           # lead 3 s, rep 2's second beat
    assert (c.label, c.value, c.detail, c.beat) == ("rep", "2/5", "set 1/2", (1, 4))
    c = ds.read(_snap(23.0 + 4.0)).counter                 # set 1 is 3 + 20 s: resting, 6 s to go
    assert c.label == "rest" and c.value == "0:06" and c.detail == "set 2/2 next"
    c = ds.read(_snap(33.0 + 3.0 + 0.2)).counter
    assert (c.value, c.detail, c.beat) == ("1/5", "set 2/2", (0, 4))


def test_toe_press_hold_timer():
    e = Engine("toe-press", reps=4, hold=3.0, relax=4.0)
    ds = DrillStatus(e)
    c = ds.read(_snap(3.0 + 7.0 + 1.5)).counter           # press 2, 1.5 s into its hold
    assert (c.label, c.value) == ("hold", "1.5 s") and c.progress == pytest.approx(0.5) and "press 2/4" in c.detail
    c = ds.read(_snap(3.0 + 7.0 + 4.0)).counter
    assert c.label == "relax" and c.value == "3 s"


def test_limits_direction_zone_and_hold():
    e = Engine("limits", **{"lean-time": 7.0})
    ds = DrillStatus(e)
    k = 2                                                   # the third direction: right
    a0 = e.drill.cue_time(k)
    zone = e.drill.targets["right"]
    centre = e.drill.centre + [zone["reach_mm"], 0.0]
    st = ds.read(_snap(a0 + 0.5, cop=e.drill.centre))
    assert st.counter.label == "lean 3 of 8" and "3/8" in st.counter.value and st.counter.detail == "7 s left"
    assert st.ring.foot is None and np.allclose(st.ring.xy, centre) and st.ring.radius_mm == zone["radius_mm"]
    assert not st.ring.inside
    ds.read(_snap(a0 + 1.0, cop=centre))
    st = ds.read(_snap(a0 + 1.6, cop=centre))
    assert st.ring.inside and st.counter.detail == "hold 0.6/1 s" and st.counter.progress == pytest.approx(0.6)
    st = ds.read(_snap(a0 + 1.7, cop=e.drill.centre))      # out: the hold starts again
    assert st.counter.progress == 0.0


def test_shift_direction_and_zone():
    e = Engine("shift-lr", cycles=2)
    ds = DrillStatus(e)
    st = ds.read(_snap(2.0 + 0.5))                          # the first movement, toward the left target
    assert st.counter.label == "to the left" and st.counter.value == "← 3 s"
    assert st.ring is not None and st.ring.xy[0] < e.drill.centre[0]
    st = ds.read(_snap(1.0))
    assert st.counter.label == "pace" and st.ring is None


def test_stance_and_one_leg_timers():
    st = DrillStatus(Engine("stance", duration=30.0)).read(_snap(12.4))
    assert (st.counter.label, st.counter.value, st.counter.detail) == ("time", "0:12", "of 0:30")
    ds = DrillStatus(Engine("one-leg", foot="left", **{"max-time": 20.0}))
    assert ds.read(_snap(1.0, left_pct=60.0)).counter.value == "0:00"
    ds.read(_snap(2.0, left_pct=97.0))                      # the right foot is off
    st = ds.read(_snap(9.5, left_pct=98.0))
    assert st.counter.value == "0:07" and st.counter.progress == pytest.approx(7.5 / 20)
    ds.read(_snap(9.6, left_pct=60.0))                      # touchdown (0.2 s) ends the hold
    assert ds.read(_snap(9.9, left_pct=60.0)).counter.value == "0:00"


def test_spiral_ring_on_the_cued_zone_and_the_share():
    e = Engine("spiral", loops=2, period=12.0)
    ds = DrillStatus(e)
    p = e.drill.path
    for k, label in enumerate(e.drill.labels()):
        a = float(p.waypoint_times()[k])
        st = ds.read(_snap(a))
        foot, j = p.zone_of(k)
        assert st.ring.label == label and st.ring.foot == foot and label.startswith(foot)
        assert np.allclose(st.ring.xy, p.zones[foot].xy[j])
        assert st.share_target_pct == pytest.approx(70.0 if foot == "left" else 30.0)
        assert st.counter.value == "1/2" and st.working == foot


def test_each_foot_has_its_own_cop_and_share():
    e = Engine("stance")
    forces = [300, 100, 0, 0, 0, 50.0]               # left heel, left ball, …, right toes
    st = DrillStatus(e).read(_snap(1.0, forces=forces, left_pct=400 / 4.5))
    lay = e.layout
    assert np.allclose(st.feet["left"].cop, (3 * lay.positions[0] + lay.positions[1]) / 4)
    assert np.allclose(st.feet["right"].cop, lay.positions[5])
    assert st.feet["left"].share == pytest.approx(400 / 450)
    st = DrillStatus(e).read(_snap(1.0, forces=[300, 100, 0, 0, 0, 2.0]))
    assert np.all(np.isnan(st.feet["right"].cop))         # 2 N is not a foot's CoP


def test_feedback_levels_and_json():
    e = Engine("spiral")
    a = float(e.drill.path.waypoint_times()[2])
    full = DrillStatus(e, feedback="full").read(_snap(a))
    assert full.show_live and full.ring is not None
    target = DrillStatus(e, feedback="target").read(_snap(a))
    assert not target.show_live and target.show_target and target.ring is not None
    none = DrillStatus(e, feedback="none").read(_snap(a))
    assert none.ring is None and np.all(np.isnan(none.target)) and none.counter.value == "1/3"
    with pytest.raises(ValueError):
        DrillStatus(e, feedback="some")
    d = json.loads(json.dumps(full.to_dict()))
    assert d["ring"]["label"] == full.ring.label and d["counter"]["label"] == "loop"


def test_cue_headlines_are_short():
    for name in drills.REGISTRY:
        e = Engine(name)
        for label in e.drill.labels():
            head, hint = split_cue(label)
            assert head and len(head) <= 17, (name, label, head)
    assert split_cue("paused — step back on to continue") == ("paused", "step back on to continue")
    assert split_cue("lean forward-right")[0] == "forward-right"
