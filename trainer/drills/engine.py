"""The drill engine: hands-free flow, pausing, cues and per-loop scoring. It knows no screen.

Flow: *waiting* (step on and stand still) → *countdown* (3 s; stepping off cancels it) →
*running* (the target moves on active time; stepping off pauses within 0.5 s and nothing is
scored while paused; stepping back on resumes) → *done* (loops completed, time cap, or stop).

``process(eblock)`` consumes a block of estimated frames (:class:`EstimatedBlock`, from
:class:`~trainer.estimate.estimator.Estimator`) and returns what the drill adds to each frame
(:class:`DrillRows`: target, phase, flags) for the recorder; cues and events — the estimator's
re-tare/rescale events of the block first — go to ``events`` and its subscribers (recorder, view,
terminal, buzzer). ``stop()``, ``toggle_pause()`` and ``finish(t, reason)`` steer it from outside;
``snapshot`` is the newest state for a view, ``results()`` the scores.
"""
from __future__ import annotations

import bisect
import collections
import threading

import numpy as np

from trainer.estimate.block import EstimatedBlock
from trainer.estimate.cop import MIN_LOAD_FRACTION, on_heels
from trainer.estimate.stillness import HOLDING_ON_FOOT_FRACTION, HOLDING_ON_FRACTION, HOLDING_ON_HEEL_FRACTION
from trainer.drills.base import RunData
from trainer.drills.state import DrillRows, Plan, Snapshot  # noqa: F401  (Snapshot: the view's import)
from trainer.drills.spiral import SpiralDrill  # noqa: F401  (re-exported: the engine's first drill)

COUNTDOWN_S = 3.0
PAUSE_AFTER_S = 0.2      # unloaded this long → paused (well inside the 0.5 s promise)
RESUME_AFTER_S = 0.5     # back on this long → resume
ON_MAT_FRACTION = 0.5    # of body weight: "standing on the mat"
HOLDING_WINDOW_S = 2.0   # while moving: the mat's mean load over this window …
HOLDING_MOVING_FRACTION = 0.88  # … below this share of body weight is noted as holding on
_FLOAT_MAX = float(np.finfo(float).max)
_STATE_CUES = {"waiting": "step on and stand still", "paused": "paused — step back on to continue",
               "done": "well done"}      # the snapshot's cue outside the drill's own phases


def _clean(v: float) -> float:
    """``np.nan_to_num`` of one float: NaN -> 0.0, ±inf -> ± the largest float."""
    if v != v:
        return 0.0
    if v == np.inf:
        return _FLOAT_MAX
    if v == -np.inf:
        return -_FLOAT_MAX
    return v


class DrillEngine:
    """One drill run on estimated blocks: ``DrillEngine(drill, layout, weight_n, rate_hz)``."""

    def __init__(self, drill, layout, weight_n: float, rate_hz: float, *, time_cap_s: float | None = None,
                 countdown_s: float = COUNTDOWN_S, person=None):
        self.drill = drill
        self.person = person
        self.layout = layout
        self.weight_n = weight_n
        self.rate_hz = rate_hz
        self.plan = Plan()
        self.state = "waiting"
        self.countdown_s = countdown_s
        self.time_cap_s = time_cap_s
        self.snapshot = Snapshot(loops=getattr(drill, "loops", 0))
        self.subscribers = []
        self.events: list[tuple[float, str, str]] = []
        self._t_first = None
        self._off_since = None
        self._on_since = None
        self._countdown_end = None
        self._recent_cop = []
        self._phase = -1
        self._labels: list[str] = []    # the drill's cue words, once built
        self._loop = -1
        self._run_idx = []          # (block number, frame index, active time) of running frames kept
        self._blocks = {}           # block number -> (estimated block, target), for blocks with frames kept
        self._n_blocks = 0          # blocks with running frames so far
        self._units = None          # a streaming drill's units (active-time windows), once it has started
        self._next_unit = 0         # the first unit not scored yet
        self._carry = None          # active time an event still going on at the last unit's end started
        self._last_a = None
        # live (real clock): the loop's preview score and each streaming unit's score are worked
        # out in a thread, so the view never freezes at a loop's end (scoring a spiral loop takes
        # ~90 ms here, more on a Pi; the first also imports scipy)
        self.score_in_background = False
        self._pending = None        # (thread, result box) of the unit being scored in the background
        self._holding = False
        self._loads = collections.deque(maxlen=max(1, int(HOLDING_WINDOW_S * rate_hz)))
        self._loads_sum = 0.0
        self._loads_low = 0         # frames in the window with less than half the body weight (stepping)
        self._flat = collections.deque(maxlen=self._loads.maxlen)   # frames on the heels (their load, or None)
        self._flat_n = 0
        self.stop_requested = False
        self._manual_toggle = False
        self._manual_pause = False
        self.done = False

    # -- events -----------------------------------------------------------------------------
    def subscribe(self, fn) -> None:
        """``fn(t, kind, detail)`` for every cue, pause, resume, loop, start and end."""
        self.subscribers.append(fn)

    def _emit(self, t: float, kind: str, detail: str = "") -> None:
        self.events.append((t, kind, detail))
        for fn in self.subscribers:
            fn(t, kind, detail)

    def stop(self) -> None:
        """The stop control: always works, at the next block."""
        self.stop_requested = True

    def toggle_pause(self) -> None:
        """The pause control (space, the button): pause a running drill, resume a manual pause."""
        self._manual_toggle = True

    def finish(self, t: float, reason: str) -> None:
        """End the drill now (at clock time ``t``), for ``reason`` (the ``end`` event's detail):
        a stop from outside the frames (Ctrl-C, the end of a replayed recording, --seconds).
        Nothing happens when the drill is already done."""
        if not self.done:
            self._finish(t, reason)

    @property
    def started(self) -> bool:
        """The countdown is over: the drill has its target (and active time runs)."""
        return self.plan.start is not None

    def active(self, t) -> np.ndarray:
        """Active time (pauses excluded) at clock times ``t``; NaN before the start."""
        return self.plan.active(t)

    def path_xy(self):
        """The drill's target path to draw, once it has one (else None)."""
        return self.drill.path_xy() if self.started else None

    # -- the per-block step -----------------------------------------------------------------
    def process(self, eblock: EstimatedBlock) -> DrillRows:
        """Run the drill over a block of estimated frames; returns what it adds to each frame."""
        if not isinstance(eblock, EstimatedBlock):
            raise TypeError("DrillEngine.process takes an EstimatedBlock (Estimator.estimate(block))")
        eb = eblock
        n = len(eb)
        for ev in eb.events:        # the estimator's re-tare, rescale and drift events come first
            self._emit(*ev)
        target = np.full((n, 2), np.nan)
        phase = [""] * n
        flags = [""] * n
        # per frame as Python values (a live block has a few frames: numpy calls on 3 rows cost more
        # than the work); total_clean is np.nan_to_num's (NaN -> 0, ±inf -> ±the largest float)
        total_clean = [_clean(v) for v in eb.total.tolist()]
        on_level = ON_MAT_FRACTION * self.weight_n
        off_level = MIN_LOAD_FRACTION * self.weight_n
        on_mat = [v >= on_level for v in total_clean]
        off_mat = [not v >= off_level for v in total_clean]
        t_list = eb.t.tolist()
        still = eb.still.tolist()
        holding_on = eb.holding_on.tolist()
        flat = None                 # frames on the heels: worked out once a frame of the block runs
        if self._t_first is None and n:
            self._t_first = float(eb.t[0])
        # targets and cues for the whole block at once, assuming no pause starts or ends in it;
        # a frame whose active time turns out different is computed on its own
        pre_a = pre_target = pre_cue = None
        if self.state == "running" and self.plan.start is not None:
            pre_a = self.plan.active(eb.t)
            pre_target = self.drill.target(pre_a)
            pre_cue = self.drill.cue(pre_a)
        plan_key = self._plan_key()
        for k in range(n):
            t = t_list[k]
            if self.done:
                phase[k] = "done"
                continue
            if self.stop_requested:
                self._finish(t, "stopped")
                phase[k] = "done"
                continue
            if self.time_cap_s is not None and t - self._t_first >= self.time_cap_s:
                self._finish(t, "time cap reached")
                phase[k] = "done"
                continue
            self._off_since = (self._off_since if self._off_since is not None else t) if off_mat[k] else None
            self._on_since = (self._on_since if self._on_since is not None else t) if on_mat[k] else None
            if self.state == "waiting":
                if np.all(np.isfinite(eb.cop[k])):
                    self._recent_cop.append(eb.cop[k])
                    del self._recent_cop[:-int(self.rate_hz)]
                if still[k] and on_mat[k]:
                    self.state = "countdown"
                    self._countdown_end = t + self.countdown_s
                    self._emit(t, "cue", "get ready")
            elif self.state == "countdown":
                if off_mat[k]:
                    self.state = "waiting"
                    self._emit(t, "cue", "step on and stand still")
                elif t >= self._countdown_end:
                    centre = np.mean(self._recent_cop, axis=0) if self._recent_cop else np.nanmean(eb.cop, axis=0)
                    self.drill.build(self.layout, centre, self.person)
                    self._labels = self.drill.labels()      # the cues' words, fixed by the build
                    units = self.drill.units()
                    if units is not None:
                        self._units = list(units)
                        self.drill.start_scoring()
                    self.plan.start = t
                    self.state = "running"
                    self._emit(t, "start", f"centre {centre[0]:.1f},{centre[1]:.1f} mm")
            if self._manual_toggle:
                self._manual_toggle = False
                if self.state == "running":
                    self.state = "paused"
                    self._manual_pause = True
                    self.plan.pauses.append([t, None])
                    self._emit(t, "pause", "pause control")
                    phase[k] = self._phase_name()
                    continue
                if self.state == "paused" and self._manual_pause:
                    self.plan.pauses[-1][1] = t
                    self.state = "running"
                    self._manual_pause = False
                    self._phase = -1
                    self._emit(t, "resume", "pause control")
            if self.state == "running":
                if self._off_since is not None and t - self._off_since >= PAUSE_AFTER_S:
                    self.state = "paused"
                    self.plan.pauses.append([self._off_since, None])
                    self._loads.clear()
                    self._flat.clear()
                    self._loads_sum = 0.0
                    self._loads_low = 0
                    self._flat_n = 0
                    self._emit(t, "pause", "stepped off")
                else:
                    valid = pre_a is not None and self._plan_key() == plan_key
                    a = float(pre_a[k]) if valid else float(self.plan.active(t)[0])
                    if a >= self.drill.active_duration_s:
                        self._finish(t, "complete")
                        phase[k] = "done"
                        continue
                    if pre_a is not None and pre_a[k] == a:
                        target[k] = pre_target[k]
                        idx = int(pre_cue[k])
                    else:
                        target[k] = self.drill.target(a)[0]
                        idx = int(self.drill.cue(a)[0])
                    loop = self.drill.loop_of(a)
                    if loop != self._loop:
                        if self._loop >= 0 and self.drill.loops:
                            self._score_loop_so_far()
                        self._loop = loop
                        if self.drill.loops:
                            self._emit(t, "loop", f"{loop + 1}/{self.drill.loops}")
                    for beat in self.drill.beats(self._last_a if self._last_a is not None else -1e-9, a):
                        self._emit(t, "beat", f"{beat:.2f}")
                    self._last_a = a
                    if idx != self._phase:
                        self._phase = idx
                        self._emit(t, "cue", self._labels[idx])
                    # METRICS.md defines holding on for a still person; a person moving through a
                    # drill is also noted when, over 2 s on the mat, the load read on the heels
                    # (at least half of those frames) stays well under body weight
                    tot = total_clean[k]
                    half = ON_MAT_FRACTION * self.weight_n
                    if len(self._loads) == self._loads.maxlen:
                        self._loads_low -= self._loads[0] < half
                        if self._flat[0] is not None:
                            self._loads_sum -= self._flat[0]
                            self._flat_n -= 1
                    self._loads.append(tot)
                    self._loads_low += tot < half
                    if flat is None:
                        # the moving mean is taken on the frames whose heels carry part of the load (on
                        # the balls or toes the discs miss load: HOLDING_ON_HEEL_FRACTION, _FOOT_FRACTION)
                        flat = on_heels(eb.heel_pct_left, eb.heel_pct_right, eb.load_left, eb.load_right,
                                        HOLDING_ON_HEEL_FRACTION, HOLDING_ON_FOOT_FRACTION).tolist()
                    self._flat.append(tot if flat[k] else None)
                    if flat[k]:
                        self._loads_sum += tot
                        self._flat_n += 1
                    # stepping off or on is not holding on: only a window standing on the mat throughout
                    full = len(self._loads) == self._loads.maxlen and self._loads_low == 0
                    moving_low = (full and 2 * self._flat_n >= len(self._loads)
                                  and self._loads_sum / self._flat_n < HOLDING_MOVING_FRACTION * self.weight_n)
                    holding = bool(holding_on[k]) or moving_low
                    if holding and not self._holding:
                        if holding_on[k]:
                            # (the detector's figures: eb.total is after the rescale to body weight)
                            what = f"under {100 * HOLDING_ON_FRACTION:.0f} % of body weight while still"
                        else:
                            what = f"{100 * self._loads_sum / self._flat_n / self.weight_n:.0f} % of body weight over 2 s"
                        self._emit(t, "holding_on", f"mat carries {what}")
                    self._holding = holding
                    if holding:
                        flags[k] = "holding_on"
                    self._run_idx.append((self._n_blocks, k, a))
            elif self.state == "paused":
                if not self._manual_pause and self._on_since is not None and t - self._on_since >= RESUME_AFTER_S:
                    self.plan.pauses[-1][1] = t
                    self.state = "running"
                    self._phase = -1
                    self._emit(t, "resume", "back on the mat")
            phase[k] = self._phase_name()
            if holding_on[k]:
                flags[k] = "holding_on"
        if self._run_idx and self._run_idx[-1][0] == self._n_blocks:
            self._blocks[self._n_blocks] = (eb, target)
            self._n_blocks += 1
        if self._units is not None:
            self._stream()
        self._update_snapshot(eb, target)
        return DrillRows(target, phase, flags)

    def _plan_key(self):
        p = self.plan.pauses
        return (self.plan.start, len(p), p[-1][1] if p else None)

    def _phase_name(self) -> str:
        if self.state == "running" and self._phase >= 0:
            return self._labels[self._phase]
        return self.state

    def _finish(self, t: float, why: str) -> None:
        if self.state == "paused" and self.plan.pauses and self.plan.pauses[-1][1] is None:
            self.plan.pauses[-1][1] = t
        self.done = True
        self.state = "done"
        self._emit(t, "end", why)

    def _update_snapshot(self, eb: EstimatedBlock, target) -> None:
        if not len(eb):
            return
        s = self.snapshot
        s.t = float(eb.t[-1])
        s.state = self.state
        s.cop = eb.cop[-1]
        s.target = target[-1]
        s.forces = eb.forces[-1]
        s.total_n = float(eb.total[-1])
        s.left_pct = float(eb.left_pct[-1])
        s.heel_pct_left = float(eb.heel_pct_left[-1])
        s.heel_pct_right = float(eb.heel_pct_right[-1])
        s.loop = max(self._loop + 1, 0)
        s.holding_on = bool(eb.holding_on[-1])
        s.countdown = (self._countdown_end - s.t) if self.state == "countdown" else None
        if self.state == "countdown":
            s.cue = f"get ready … {max(0, s.countdown or 0):.0f}"
        else:
            s.cue = _STATE_CUES.get(self.state) or self._phase_name()

    # -- results ----------------------------------------------------------------------------
    def run_data(self, since_a: float | None = None) -> RunData | None:
        """The running frames so far (from active time ``since_a`` on), as arrays for the scorers."""
        if not self._run_idx:
            return None
        run_idx = self._run_idx
        if since_a is not None:      # active time only grows along _run_idx
            run_idx = run_idx[bisect.bisect_left(run_idx, since_a, key=lambda x: x[2]):]
        done = [x for x in run_idx if x[0] in self._blocks]   # the block being processed is not stored yet
        if not done:
            return None
        by_block = {}
        for b, k, _ in done:
            by_block.setdefault(b, []).append(k)
        # the kept frames of every block at once: each column of the blocks joined, then the kept
        # rows taken by their index in the join (the same rows, in the same order, as taking each
        # block's rows and joining those; one copy per column instead of one per block and column)
        ebs, targets, idx, off = [], [], [], 0
        for b, ks in by_block.items():
            eb, target = self._blocks[b]
            ebs.append(eb)
            targets.append(target)
            idx.append(np.array(ks) + off)
            off += len(eb)
        idx = np.concatenate(idx)
        truth = all(eb.true_cop is not None for eb in ebs)
        cols = {name: np.concatenate([getattr(eb, name) for eb in ebs])[idx]
                for name in ebs[0].columns() if name != "true_cop"}
        if truth:
            cols["true_cop"] = np.concatenate([eb.true_cop for eb in ebs])[idx]
        a = np.array([x[2] for x in done])
        return RunData(**cols, a=a, target=np.concatenate(targets)[idx], layout=self.layout,
                       weight_n=self.weight_n)

    def _stream(self, final: bool = False) -> None:
        """A streaming drill: score every unit whose window active time has passed (all that are
        left, when ``final``), then drop the frames no unit still to come needs."""
        units = self._units
        if self._pending is not None:
            thread, box = self._pending
            if thread.is_alive() and not final:
                return          # every frame is kept until its result is back
            thread.join()
            self._pending = None
            if "error" in box:
                raise box["error"]
            self._carry = box.get("carry")
            self._next_unit += 1
        while self._next_unit < len(units) and (final or (self._last_a is not None
                                                         and self._last_a >= units[self._next_unit][1])):
            a0, a1 = units[self._next_unit]
            if self._carry is not None:
                a0 = min(a0, self._carry)
            run = self.run_data(since_a=a0)
            run = run.window(a0, a1) if run is not None else None
            run = run if run is not None and len(run) else None
            if self.score_in_background and not final:
                # scored on a thread, one unit at a time and in order (the next unit's window
                # needs this one's carry); the same calls with the same frames as inline
                self._pending = self._score_unit_in_background(self._next_unit, run)
                return
            self._carry = self.drill.score_unit(self._next_unit, run, self.rate_hz)
            self._next_unit += 1
        keep_from = min((u[0] for u in units[self._next_unit:]), default=np.inf)
        if self._carry is not None:
            keep_from = min(keep_from, self._carry)
        i = bisect.bisect_left(self._run_idx, keep_from, key=lambda x: x[2])
        if i:
            del self._run_idx[:i]
            first = self._run_idx[0][0] if self._run_idx else self._n_blocks
            for b in [b for b in self._blocks if b < first]:
                del self._blocks[b]

    def _score_unit_in_background(self, k: int, run):
        box = {}

        def work():
            try:
                box["carry"] = self.drill.score_unit(k, run, self.rate_hz)
            except BaseException as e:      # raised on the loop's thread when the result is taken
                box["error"] = e

        thread = threading.Thread(target=work, name="footmat-unit", daemon=True)
        thread.start()
        return thread, box

    def _score_loop_so_far(self) -> None:
        """Score the loop just finished, for the live view's score (the session scores all at the end)."""
        if not self.drill.period_s:
            return
        run = self.run_data(since_a=self._loop * self.drill.period_s)     # only the loop just finished
        if run is None:
            return
        if self.score_in_background:
            threading.Thread(target=self._preview_score, args=(run,), name="footmat-score", daemon=True).start()
        else:
            self._preview_score(run)

    def _preview_score(self, run: RunData) -> None:
        try:
            summary, _ = self.drill.score(run, self.rate_hz)
        except Exception:   # a live preview must never stop the drill
            return
        loops = summary.get("loops") or []
        if loops:
            self.snapshot.last_score = loops[-1].get("score")

    def results(self):
        """(summary, methods) of the drill, scored on the running frames only (a streaming drill:
        from its units, each scored as it completed)."""
        if self._units is not None:
            if self._next_unit == 0 and not self._run_idx:
                return {"score": None, "note": "the drill never started (nobody stood still on the mat)"}, {}
            self._stream(final=True)
            summary, methods = self.drill.summarise(self.rate_hz)
            return self._flow(summary, methods)
        run = self.run_data()
        if run is None:
            return {"score": None, "note": "the drill never started (nobody stood still on the mat)"}, {}
        summary, methods = self.drill.score(run, self.rate_hz)
        return self._flow(summary, methods)

    def _flow(self, summary, methods):
        summary["paused_s"] = round(sum((p1 or p0) - p0 for p0, p1 in self.plan.pauses), 2)
        summary["pauses"] = len(self.plan.pauses)
        summary["holding_on_events"] = sum(1 for e in self.events if e[1] == "holding_on")
        summary["end"] = next((e[2] for e in reversed(self.events) if e[1] == "end"), "")
        methods.setdefault("flow", "scored on running frames only: countdown, pauses (stepped off: total < 20 % "
                                   "of body weight for 0.2 s) and the time before the start are excluded")
        return summary, methods
