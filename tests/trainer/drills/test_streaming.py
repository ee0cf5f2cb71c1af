"""Scorers stream: a drill with units (a set, a press) is scored unit by unit as each completes,
and the engine keeps at most the frames of the units still to come — the same summary as scoring
the whole run at once."""
import copy

import numpy as np
import pytest

from firmware.clock import VirtualClock
from firmware.layout import load_layout
from firmware.sim.vector import VectorSimSource
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from trainer.app.live import run_drill
from tests.simcal import sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.analysis import tracking as tr
from trainer.drills.engine import DrillEngine
from trainer.drills.limits import LimitsDrill
from trainer.drills.shift import ShiftForwardBack, ShiftLeftRight
from trainer.drills.spiral import SpiralDrill
from trainer.drills.exercise import (LEAD_S, HeelRaisesDrill, ToePressDrill, count_heel_raises,
                                     detect_toe_presses)
from trainer.estimate.estimator import Estimator

RATE = 200.0


def _simulated(drill, seed=4):
    """A simulated person following ``drill`` on the default-6 mat: (source, engine, estimator)."""
    layout = load_layout("default-6")
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=seed, lag_s=0.25)
    mat = SimMat(layout, person, seed=seed)
    estimator = Estimator(layout, sim_calibration(layout, seed), person.weight_n, RATE)
    engine = DrillEngine(drill, layout, person.weight_n, RATE, time_cap_s=600)
    follower.engine = engine
    return VectorSimSource(mat, VirtualClock()), engine, estimator


def run(drill, seed=4, frames=None):
    """Run ``drill`` on the simulated person: (engine, most frames kept at once). ``frames``: a
    list to fill with (copies of) the blocks the mat gave, or, filled, the blocks to run on instead."""
    sim, engine, estimator = _simulated(drill, seed)
    source = sim if frames is None else _Playback(frames, sim.clock) if frames else _Tape(sim, frames)
    kept = []
    run_drill(source, engine, estimator=estimator,
              on_block=lambda block, eng: kept.append(sum(len(b[0]) for b in eng._blocks.values())))
    return engine, max(kept)


class _Tape:
    """The simulated mat, keeping a copy of every block it gives."""

    exhausted = False

    def __init__(self, source, blocks):
        self.source, self.clock, self.blocks = source, source.clock, blocks

    def read(self, *args, **kwargs):
        block = self.source.read(*args, **kwargs)
        self.blocks.append(copy.deepcopy(block))
        return block


class _Playback:
    """Those blocks again, in order (a read past the last is an error: StopIteration)."""

    exhausted = False

    def __init__(self, blocks, clock):
        self.clock, self.read = clock, iter(blocks).__next__


def run_both(streamed, whole, seed=4):
    """``streamed`` run on the simulated person, then ``whole`` (the same drill scored the whole-run
    way) on the very blocks the mat gave that run: (engine, kept) of each. The person follows what
    the drill shows, the same in both, so a second simulation gives the same blocks (checked when
    this was written: the same summaries and counts of frames kept as two simulations)."""
    frames = []
    first = run(streamed, seed, frames)
    return first, run(whole, seed, frames)


class WholeHeel(HeelRaisesDrill):
    """The same drill scored the whole-trace way: every running frame kept, counted set by set
    at the end (count_heel_raises)."""

    def units(self):
        return None

    def score(self, run, fs):
        return count_heel_raises(run, fs, sets=self.sets, reps=self.reps, tempo_s=self.tempo_s,
                                 set_starts=[self.set_start(k) for k in range(self.sets)])


class WholeToe(ToePressDrill):
    """Toe presses found over the whole trace at once (detect_toe_presses, one window)."""

    def units(self):
        return None

    def score(self, run, fs):
        return detect_toe_presses(run, fs, hold_s=self.hold_s, reps=self.reps)


def test_heel_raises_keep_one_rep_and_score_as_the_whole_run():
    kw = dict(sets=2, reps=3, tempo=1.0, rest=20.0)
    (streamed, kept), (whole, kept_all) = run_both(HeelRaisesDrill(**kw), WholeHeel(**kw))
    s1, _ = streamed.results()
    s2, _ = whole.results()
    assert s1 == s2 and s1["reps_total"] == 6
    drill = HeelRaisesDrill(**kw)
    # the lead and one rep (and a block or two), not a set, nor the rest between sets
    assert kept <= (LEAD_S + drill.rep_s) * RATE + 2 * RATE < drill.set_s * RATE < kept_all
    assert kept_all >= 2 * drill.set_s * RATE


def test_toe_presses_keep_one_press_and_score_as_the_whole_run():
    kw = dict(reps=4, hold=2.0, relax=3.0)
    (streamed, kept), (whole, kept_all) = run_both(ToePressDrill(**kw), WholeToe(**kw))
    s1, _ = streamed.results()
    s2, _ = whole.results()
    assert s1 == s2 and s1["count"] == 4
    assert kept <= (3.0 + 5.0 + 1.0) * RATE < kept_all       # the lead and one press at most


class WholeSpiral(SpiralDrill):
    """The spiral scored the whole-trace way: every running frame kept, the loops and the
    following F-test (on the whole loops' CoP together) at the end."""

    def units(self):
        return None


def test_spiral_keeps_two_loops_and_scores_as_the_whole_run():
    kw = dict(loops=4, period=8.0)
    (streamed, kept), (whole, kept_all) = run_both(SpiralDrill(**kw), WholeSpiral(**kw))
    s1, _ = streamed.results()
    s2, _ = whole.results()
    assert len(s1["loops"]) == 4 and s1["following"] is not None
    assert s1 == s2
    # a loop's zones are looked for half a loop either side: two loops (and a block or two) kept
    assert kept <= 2 * 8.0 * RATE + 2 * RATE < 4 * 8.0 * RATE <= kept_all


def test_streamed_f_test_is_the_whole_window_f_test():
    """tracking.StreamingFTest, fed loop by loop, against the FFT of the loops put together:
    loops of unequal length, a gap of NaNs inside a loop, noise, a still person."""
    fs, period = 200.0, 6.0
    rng = np.random.default_rng(7)
    for lens, amp in (([1200] * 3, 30.0), ([1200, 1201, 1199, 1200, 1200], 20.0), ([1200] * 4, 0.0)):
        parts, n0 = [], 0
        for n in lens:
            t = (n0 + np.arange(n)) / fs
            n0 += n
            xy = np.column_stack([amp * np.sin(2 * np.pi * t / period), 110 + amp * np.sin(4 * np.pi * t / period)])
            parts.append(xy + (rng.normal(0, 5, (n, 2)) if amp else 0.0))
        parts[1][100:130] = np.nan
        window = np.concatenate(parts)
        whole = tr.session_measures([], [], window, fs, len(lens))["following"]
        st = tr.StreamingFTest(fs, period, centre=(0.0, 110.0))
        for p in parts:
            st.add_loop(p)
        assert st.following() == whole and whole["following"] is bool(amp)
    noise = np.cumsum(rng.normal(0, 1, (3600, 2)), axis=0)
    st = tr.StreamingFTest(fs, period)
    for k in range(3):
        st.add_loop(noise[k * 1200:(k + 1) * 1200])
    assert st.following() == tr.session_measures([], [], noise, fs, 3)["following"]


def close(x, y, path="summary"):
    """Equal, numbers within float tolerance (the low-pass of a window vs of the whole run)."""
    if isinstance(x, dict):
        assert isinstance(y, dict) and x.keys() == y.keys(), path
        for k in x:
            close(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, (list, tuple)):
        assert isinstance(y, (list, tuple)) and len(x) == len(y), path
        for i, (a, b) in enumerate(zip(x, y)):
            close(a, b, f"{path}[{i}]")
    elif isinstance(x, float) and isinstance(y, float):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-9), path
    else:
        assert x == y, path


class WholeLimits(LimitsDrill):
    def units(self):
        return None


class WholeShiftLR(ShiftLeftRight):
    def units(self):
        return None


class WholeShiftAP(ShiftForwardBack):
    def units(self):
        return None


@pytest.mark.parametrize("cls, whole, kw", [
    (LimitsDrill, WholeLimits, dict(lean_time=4.0)),
    (ShiftLeftRight, WholeShiftLR, dict(cycles=2, paces="2,1")),
    (ShiftForwardBack, WholeShiftAP, dict(cycles=2, paces="2,1")),
], ids=["limits", "shift-lr", "shift-ap"])
def test_reach_drills_keep_about_one_lean_and_score_as_the_whole_run(cls, whole, kw):
    (streamed, kept), (entire, kept_all) = run_both(cls(**kw), whole(**kw))
    s1, _ = streamed.results()
    s2, _ = entire.results()
    close(s1, s2)
    assert s1["hits"] > 0
    longest = max(b - a for a, b in cls(**kw).units() if np.isfinite(b))
    assert kept <= longest * RATE + 2 * RATE < kept_all


def _replay(drill, blocks, background: bool):
    layout = load_layout("default-6")
    engine = DrillEngine(drill, layout, blocks[1], RATE, time_cap_s=600)
    engine.score_in_background = background
    waits = []
    for eb in blocks[0]:
        engine.process(eb)
        waits.append(engine._pending is not None)
        if engine.done:
            break
    return engine, waits


def _recorded_blocks(drill, seed=4):
    """The estimated blocks of one simulated run of ``drill`` (virtual clock, 10-frame blocks)."""
    src, engine, estimator = _simulated(drill, seed)
    out = []
    while not engine.done:
        eb = estimator.estimate(src.read(10))
        out.append(eb)
        engine.process(eb)
    return out, engine.weight_n


@pytest.mark.parametrize("make", [lambda: SpiralDrill(loops=2, period_s=10.0),
                                  lambda: HeelRaisesDrill(sets=2, reps=3, tempo=1.0, rest=5.0)])
def test_units_scored_in_the_background_give_the_same_summary(make):
    """Live (a real clock), each unit is scored on a thread so the view never waits for it: the
    same units, frames and summary as scoring inline, and the loop went on while one was scored."""
    blocks = _recorded_blocks(make())
    inline, _ = _replay(make(), blocks, background=False)
    behind, waits = _replay(make(), blocks, background=True)
    assert behind.results()[0] == inline.results()[0]
    assert any(waits)            # some block was processed while a unit was being scored


def test_a_slow_unit_does_not_hold_the_loop_and_its_frames_are_kept():
    import threading

    gate = threading.Event()

    class SlowSpiral(SpiralDrill):
        def score_unit(self, k, run, fs):
            if k == 0:
                assert gate.wait(30)
            return super().score_unit(k, run, fs)

    blocks = _recorded_blocks(SpiralDrill(loops=2, period_s=10.0))
    layout = load_layout("default-6")
    engine = DrillEngine(SlowSpiral(loops=2, period_s=10.0), layout, blocks[1], RATE, time_cap_s=600)
    engine.score_in_background = True
    kept = []
    for eb in blocks[0]:
        engine.process(eb)              # returns at once while unit 0 waits at the gate
        if engine._pending is not None:
            kept.append(len(engine._run_idx))
    assert kept and kept == sorted(kept)        # nothing dropped while unit 0 was being scored
    gate.set()
    summary, _ = engine.results()
    assert len(summary["loops"]) == 2 and summary["score"] is not None
