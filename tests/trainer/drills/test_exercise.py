"""Heel raises and toe presses (issue 9): scripted simulated people, virtual time.

Run as a script to print the counting results for several mixtures and seeds.
"""
import json

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptBuilder, ScriptedPerson
from firmware.sim.vector import VectorSimSource
from trainer.drills.engine import DrillEngine
from trainer.estimate.estimator import Estimator
from trainer.drills import get
from trainer.drills.exercise import LEAD_S, HeelRaisesDrill, ToePressDrill, forefoot_y
from trainer.app.live import run_drill
from tests.simcal import sim_calibration
from trainer.app.simperson import Follower, natural_centre

# a raise: (rise s, hold s, down s, rest s, height as a fraction of a full raise)
RAISE = {
    "normal": (1.0, 1.0, 1.0, 1.0, 1.0),
    "slow": (2.5, 2.0, 2.5, 1.0, 1.0),
    "fast": (0.3, 0.3, 0.3, 1.0, 1.0),        # heels fully off, but up and down in about 1 s
    "partial": (1.0, 1.0, 1.0, 1.0, 0.7),     # the heels never come fully off
}
COUNTED = ("normal", "slow")


def raise_path(centre, top, kinds, start=LEAD_S + 0.5):
    """CoP(active time) of a person doing the given raises one after the other."""
    t, y = [0.0, start], [centre[1], centre[1]]
    for k in kinds:
        rise, hold, down, rest, h = RAISE[k]
        yt = centre[1] + h * (top - centre[1])
        for dt, yy in ((rise, yt), (hold, yt), (down, centre[1]), (rest, centre[1])):
            t.append(t[-1] + dt)
            y.append(yy)
    t, y = np.array(t), np.array(y)

    def fn(a):
        a = np.atleast_1d(a)
        return np.column_stack([np.full(a.size, centre[0]), np.interp(a, t, y)])
    return fn, float(t[-1])


def run_engine(drill, follower, seed=3, cap=400.0):
    layout = load_layout()
    person = ScriptedPerson(follower, seed=seed)
    mat = SimMat(layout, person, seed=seed)
    estimator = Estimator(layout, sim_calibration(layout, seed), person.weight_n, 200.0)
    engine = DrillEngine(drill, layout, person.weight_n, 200.0, time_cap_s=cap)
    follower.engine = engine
    run_drill(VectorSimSource(mat, VirtualClock()), engine, estimator=estimator)
    return engine.results()[0], engine


def scripted_raises(kinds, seed=3):
    layout = load_layout()
    centre = natural_centre(layout)
    fn, length = raise_path(centre, forefoot_y(layout), kinds)
    reps = int(np.ceil((length - LEAD_S) / 4.0)) + 1
    summary, _ = run_engine(HeelRaisesDrill(sets=1, reps=reps, tempo=1.0), Follower(centre, path_fn=fn), seed=seed)
    return summary


MIXTURES = [
    ["normal"] * 5,
    ["slow", "normal", "fast", "partial", "normal", "slow", "fast", "normal"],
    ["partial", "partial", "slow", "fast", "fast", "normal", "partial", "slow", "normal"],
]


@pytest.mark.parametrize("kinds", MIXTURES, ids=["five-normal", "mixed-a", "mixed-b"])
def test_scripted_heel_raises_are_counted_exactly(kinds):
    summary = scripted_raises(kinds)
    (s,) = summary["sets"]
    want = sum(k in COUNTED for k in kinds)
    assert s["reps"] == want == summary["reps_total"]
    reasons = [r["reason"].split(":")[0] for r in s["rejected"]]
    assert reasons == ["too fast" if k == "fast" else "partial" for k in kinds if k not in COUNTED]
    assert all(r["t_s"] > LEAD_S for r in s["rejected"])
    # the rejected ones are listed in time order, between the counted ones where they happened
    assert [r["t_s"] for r in s["rejected"]] == sorted(r["t_s"] for r in s["rejected"])


def test_heel_raises_follow_the_metronome_in_sets():
    layout = load_layout()
    drill = HeelRaisesDrill(sets=2, reps=3, tempo=1.0, rest=5.0)
    summary, engine = run_engine(drill, Follower(natural_centre(layout)))
    assert [s["reps"] for s in summary["sets"]] == [3, 3]
    assert all(s["rejected"] == [] and s["tempo_s"] == 1.0 for s in summary["sets"])
    assert summary["score"] == 100.0 and abs(summary["lr_asymmetry"]) < 10
    beats = [e for e in engine.events if e[1] == "beat"]
    assert len(beats) == 2 * 3 * 4
    # one beat per second inside a set
    bt = np.array([float(e[2]) for e in beats[:12]])
    assert np.allclose(np.diff(bt), 1.0)
    assert "rest" in [e[2] for e in engine.events if e[1] == "cue"]
    for s in summary["sets"]:
        assert s["rise_mm"] > 30 and s["mean_top_s"] > 1.0


def test_stepping_off_pauses_heel_raises_and_counts_nothing_while_off():
    layout = load_layout()
    follower = Follower(natural_centre(layout), step_off=[(14.0, 4.0)])
    summary, engine = run_engine(HeelRaisesDrill(sets=1, reps=4), follower)
    assert summary["pauses"] == 1
    assert summary["sets"][0]["reps"] <= 4
    assert summary["reps_total"] + summary["rejected_total"] >= 3


# -- toe press ------------------------------------------------------------------------------
def grip_path(durations, start=LEAD_S + 1.0, gap=3.0, ramp=0.1):
    """Grip(active time): presses of the given durations (from the start of gripping to the start
    of letting go), each with ``ramp`` s to grip and to let go; and the press start times."""
    t, g, starts = [0.0, start], [0.0, 0.0], []
    for d in durations:
        starts.append(t[-1])
        t += [t[-1] + ramp, t[-1] + d, t[-1] + d + ramp, t[-1] + d + ramp + gap]
        g += [1.0, 1.0, 0.0, 0.0]
    t, g = np.array(t), np.array(g)
    return (lambda a: np.interp(a, t, g)), starts, float(t[-1])


def scripted_presses(durations, seed=4, lag_s=0.25):
    layout = load_layout()
    centre = natural_centre(layout)
    fn, starts, length = grip_path(durations)
    reps = int(np.ceil((length - LEAD_S) / 7.0)) + 1
    follower = Follower(centre, grip_fn=fn, path_fn=lambda a: np.tile(centre, (np.size(a), 1)))
    summary, _ = run_engine(ToePressDrill(reps=reps, hold=3.0, relax=4.0), follower, seed=seed)
    return summary, [s + lag_s for s in starts]


def test_toe_press_holds_are_timed_within_a_tenth_of_a_second():
    durations = [3.0, 2.0, 4.0, 2.85, 1.0, 3.5, 2.4]
    summary, starts = scripted_presses(durations)
    found = sorted(summary["holds"] + summary["short"], key=lambda h: h["start_s"])
    assert len(found) == len(durations)
    for h, d, s in zip(found, durations, starts):
        assert abs(h["duration_s"] - d) <= 0.1, (h, d)
        assert abs(h["start_s"] - s) <= 0.15, (h, s)      # the person's reaction lag included
    assert summary["count"] == sum(d >= 2.7 for d in durations) == len(summary["holds"])
    assert all(h["toe_load_ratio"] >= 2.0 and h["heel_min_pct"] >= 30 and h["feet"] == "both"
               for h in summary["holds"])


def test_compliant_toe_presses_are_all_holds():
    layout = load_layout()
    summary, engine = run_engine(ToePressDrill(reps=3), Follower(natural_centre(layout)))
    assert summary["count"] == 3 and summary["short"] == []
    assert all(abs(h["duration_s"] - 3.0) <= 0.3 for h in summary["holds"])
    assert len([e for e in engine.events if e[1] == "beat"]) == 6


def test_a_heel_raise_is_not_a_toe_press():
    """Leaning onto the toes loads them too, but the heel leaves: not a press."""
    layout = load_layout()
    centre = natural_centre(layout)
    fn, _ = raise_path(centre, forefoot_y(layout), ["normal", "slow", "normal"])
    summary, _ = run_engine(ToePressDrill(reps=3), Follower(centre, path_fn=fn))
    assert summary["count"] == 0


# -- definitions and the command line --------------------------------------------------------
def test_definitions_are_registered_with_their_parameters():
    hr, tp = get("heel-raises"), get("toe-press")
    assert set(hr.params) == {"sets", "reps", "tempo", "rest"}
    assert set(tp.params) == {"reps", "hold", "relax"}
    assert hr.resolve({}) == {"sets": 2, "reps": 15, "tempo": 1.0, "rest": 30.0}
    assert tp.resolve({"reps": 4})["reps"] == 4
    run = hr.make(hr.resolve({}))
    assert run.active_duration_s == pytest.approx(2 * (LEAD_S + 15 * 4) + 30)


@pytest.mark.parametrize("argv", [["heel-raises", "--sets", "1", "--reps", "2", "--rest", "0"],
                                  ["toe-press", "--reps", "2"]])
def test_drill_command_records_the_summary(cli, tmp_path, argv):
    code, out, err = cli("drill", *argv, "--backend", "sim", "--no-plot", "--out", str(tmp_path / "s"))
    assert code == 0, err
    folder = next((tmp_path / "s").iterdir())
    meta = json.loads((folder / "session.json").read_text())
    assert meta["complete"] is True and meta["drill"] == argv[0]
    if argv[0] == "heel-raises":
        assert meta["summary"]["sets"][0]["reps"] == 2 and "lr_asymmetry" in meta["summary"]
        assert "tempo_s" in meta["summary"]["sets"][0] and "heel_raise" in meta["methods"]
    else:
        assert meta["summary"]["count"] == 2 and len(meta["summary"]["holds"]) == 2
    kinds = (folder / "events.csv").read_text()
    assert ",beat," in kinds


def test_bad_option_is_one_line(cli):
    code, out, err = cli("drill", "heel-raises", "--tempo", "9", "--backend", "sim", "--no-plot")
    assert code == 2 and "--tempo" in err and "Traceback" not in err


if __name__ == "__main__":   # the counting results
    for seed in (1, 2, 3, 4):
        for kinds in MIXTURES:
            s = scripted_raises(kinds, seed=seed)["sets"][0]
            want = sum(k in COUNTED for k in kinds)
            print(f"seed {seed} scripted {len(kinds)} ({want} good, {kinds.count('fast')} fast, "
                  f"{kinds.count('partial')} partial): counted {s['reps']}, rejected "
                  f"{[r['reason'].split(':')[0] for r in s['rejected']]}")
        d = [3.0, 2.0, 4.0, 2.85, 1.0, 3.5, 2.4]
        summ, _ = scripted_presses(d, seed=seed)
        got = sorted(summ["holds"] + summ["short"], key=lambda h: h["start_s"])
        print(f"seed {seed} toe presses scripted {d}: measured {[h['duration_s'] for h in got]}, "
              f"max error {max(abs(h['duration_s'] - x) for h, x in zip(got, d)):.3f} s, holds {summ['count']}")
