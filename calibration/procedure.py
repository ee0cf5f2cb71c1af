"""The guided calibration as a UI-agnostic state machine (PRODUCT.md §5).

Steps: step off (tare and noise floor) → body weight (kg or lb; skipped when given) → the fit
poses (poses.py: even stance, then each lean, deep and light) → the validation poses (not used
in the fit). Hands-free: a step advances when the person has been still long enough, as told by
the shared stillness detector (trainer.estimate.stillness.StateDetector). This package imports `firmware`
only, so the caller runs the detector and passes its per-frame ``still`` and ``unloaded`` flags
to ``feed`` with the raw frames (``still`` judged on :func:`stillness_signals`, the raw
conductance, not on the guide's forces):

    proc = Procedure(layout, centre, guide, weight_n=W)
    for block in source:                              # caller: forces → CoP → detector
        for t, kind, detail in proc.feed(block.t, block.raw, states.still, states.unloaded):
            show(kind, detail)                        # terminal line, live-view text, buzzer …
        if proc.done: break
    cal = proc.calibration()                          # fit + validation, or CalibrationError

Events ``(t, kind, detail)``: ``step`` (the next instruction), ``countdown`` (whole seconds
left in a still hold), ``recorded``, ``notice`` (e.g. lean more onto the named foot),
``timeout`` (not still for ``timeout_s``: told so, the step keeps trying), ``failed`` (after
``max_timeouts`` time-outs the procedure stops with advice instead of leaving anyone stuck) and
``done``. ``status()`` gives step, progress, countdown and instruction for a view.

A pose is recorded only after the person has moved since its instruction (a non-still frame),
so a person still holding the previous pose never records it for the next. ``guide`` is any
calibration (the nominal one before the first fit): its forces only decide which foot carries
the weight, so a lean onto the wrong foot is not recorded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware.errors import CalibrationError

from .poses import fit_poses, pose_foot, validation_poses

LB_PER_KG = 2.2046226218
G = 9.80665
HOLD_S = 3.0          # a still pose lasts about this long …
WINDOW_S = 1.0        # … of which the detector's window is the first second
TARE_S = 2.0
TIMEOUT_S = 30.0
MAX_TIMEOUTS = 2
FOOT_SHARE = 0.55     # a lean onto a foot: at least this share of the load on it …
OTHER_FOOT_DROP = 0.7  # … or the other foot down to 70 % of its even-stance load (see _foot_ok)


@dataclass
class Step:
    kind: str                       # "tare" | "weight" | "pose" | "validate"
    instruction: str
    target: np.ndarray | None = None
    foot: str | None = None


@dataclass
class Status:
    index: int
    steps: int
    kind: str
    instruction: str
    progress: float                 # 0..1 over the whole procedure
    countdown_s: float | None
    done: bool
    failed: str | None


STILL_MIN_MS = 0.05   # below this total conductance (mS) the mat is empty: no centre to judge


def stillness_signals(raw, layout) -> tuple[np.ndarray, np.ndarray]:
    """What a pose's stillness is judged from during the calibration: the centre (n, 2) mm and
    the total (n,) mS of the FSRs' raw conductance, for the shared detector's ``still``.

    Not the guide calibration's forces: before this mat is fitted, the guide's gains belong to
    another mat (or none), and on parts and feet unlike its own they multiply a disc that sits on
    the edge of a pressure peak several times over, so a person's ordinary sway looked like
    movement and the procedure timed out (issue 22: most ``misplaced`` mats were refused). The
    conductance needs no calibration, rises less than in proportion to force (an FSR's
    conductance is about force^0.7) and so judges the person, not the guess of the gains.
    The detector's ``unloaded`` still comes from the guide's forces (an empty mat reads ~0 N
    whatever the gains)."""
    from .model import conductance_s

    g = np.maximum(conductance_s(np.asarray(raw, float), layout) * 1e3, 0.0)     # NaN stays NaN
    total = g.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cop = (g @ layout.positions) / total[:, None]
    cop[~(total >= STILL_MIN_MS)] = np.nan
    return cop, np.where(np.isfinite(total), total, 0.0)


def weight_newtons(kg: float | None = None, lb: float | None = None) -> float:
    if (kg is None) == (lb is None):
        raise CalibrationError("give the body weight once, in kg or in lb", "e.g. --weight-kg 70 or --weight-lb 154")
    v = kg if kg is not None else lb / LB_PER_KG
    if not np.isfinite(v) or not 20.0 <= v <= 300.0:
        raise CalibrationError(f"body weight {v:.1f} kg is outside 20-300 kg", "enter the weight in kg or lb")
    return float(v) * G


class Procedure:
    def __init__(self, layout, centre, guide, *, weight_n: float | None = None, hold_s: float = HOLD_S,
                 window_s: float = WINDOW_S, tare_s: float = TARE_S, timeout_s: float = TIMEOUT_S,
                 max_timeouts: int = MAX_TIMEOUTS, depths=None):
        self.layout = layout
        self.guide = guide
        self.weight_n = weight_n
        self.hold_s, self.window_s, self.tare_s = hold_s, window_s, tare_s
        self.timeout_s, self.max_timeouts = timeout_s, max_timeouts
        fp = fit_poses(layout, centre) if depths is None else fit_poses(layout, centre, depths)
        self.steps = [Step("tare", "step off the mat and wait"),
                      Step("weight", "enter your body weight (kg or lb)")]
        self.steps += [Step("pose", f"{n}: hold still", xy, pose_foot(n)) for n, xy in fp]
        self.steps += [Step("validate", f"{n}: hold still", xy, pose_foot(n)) for n, xy in validation_poses(layout, centre)]
        self.fit_names = [n for n, _ in fp]
        self.val_names = [n for n, _ in validation_poses(layout, centre)]
        self.index = 0
        self.history: list[tuple[float, int]] = []      # (t, step index) whenever a step begins
        self.tare_raw = None
        self.pose_raw: list[np.ndarray] = []
        self.pose_times: list[float] = []
        self.val_raw: list[np.ndarray] = []
        self.val_times: list[float] = []
        self.failed: str | None = None
        self.done = False
        self.t_first = None
        self.t_on = None            # when the person stepped on after the tare
        self._reset_step(None)

    # -- public -------------------------------------------------------------------------------
    @property
    def current(self) -> Step:
        return self.steps[min(self.index, len(self.steps) - 1)]

    def set_weight(self, kg: float | None = None, lb: float | None = None) -> None:
        self.weight_n = weight_newtons(kg, lb)

    def status(self) -> Status:
        left = None
        if self._run_t0 is not None and self._last_t is not None:
            need = self.tare_s if self.current.kind == "tare" else self.hold_s - self.window_s
            left = max(0.0, need - (self._last_t - self._run_t0))
        return Status(self.index, len(self.steps), self.current.kind, self.current.instruction,
                      min(1.0, self.index / len(self.steps)), left, self.done, self.failed)

    def feed(self, t, raw, still, unloaded) -> list[tuple[float, str, str]]:
        """Consume a block: times (n,), raw codes (n, S), the detector's per-frame flags."""
        t = np.asarray(t, float)
        raw = np.asarray(raw, float)
        still = np.asarray(still, bool)
        unloaded = np.asarray(unloaded, bool)
        ev: list[tuple[float, str, str]] = []
        if self.done or self.failed or len(t) == 0:
            return ev
        if self.t_first is None:
            self.t_first = float(t[0])
            self._begin(float(t[0]), ev)
        foot_ok = self._foot_ok(raw)
        k = 0
        while k < len(t) and not (self.done or self.failed):
            k = self._advance(t, raw, still, unloaded, foot_ok, k, ev)
        return ev

    # -- the steps ----------------------------------------------------------------------------
    def _reset_step(self, t0):
        self._step_t0 = t0
        self._run_t0 = None
        self._run: list[np.ndarray] = []
        self._run_t: list[np.ndarray] = []
        self._moved = False
        self._timeouts = 0
        self._last_count = None
        self._last_t = t0
        self._notice_at = None

    def _begin(self, t0, ev):
        self._reset_step(t0)
        self.history.append((t0, self.index))
        step = self.current
        # the first pose follows stepping on (the move); every later one needs a move of its own
        self._moved = self.index > 0 and self.steps[self.index - 1].kind in ("tare", "weight")
        ev.append((t0, "step", f"{self.index + 1}/{len(self.steps)}: {step.instruction}"))
        if step.kind == "weight" and self.weight_n:
            self._next(t0, ev)

    def _next(self, t, ev):
        self.index += 1
        if self.index >= len(self.steps):
            self.done = True
            self.t_done = t
            ev.append((t, "done", f"calibration poses recorded in {t - self.t_first:.0f} s"))
            return
        self._begin(t, ev)

    def _advance(self, t, raw, still, unloaded, foot_ok, k, ev) -> int:
        """Process frames from k on within the current step; returns where the step stopped."""
        step = self.current
        n = len(t)
        if step.kind == "weight":
            if self.weight_n:
                self._next(float(t[k]), ev)
                return k
            self._step_t0 = float(t[-1])           # no time-out while someone types
            return n
        if step.kind == "tare":
            ok = unloaded
            need = self.tare_s
        else:
            if self.t_on is None:
                on = np.flatnonzero(~unloaded[k:])
                if on.size:
                    self.t_on = float(t[k + on[0]])
            if not self._moved:
                mv = np.flatnonzero(~still[k:] | unloaded[k:])
                if mv.size == 0:
                    return self._check_timeout(t, n, ev)
                self._moved = True
                k = k + int(mv[0])
            ok = still & ~unloaded & foot_ok[step.foot] if step.foot else still & ~unloaded
            need = self.hold_s - self.window_s
            if step.foot and np.any(still[k:] & ~unloaded[k:] & ~foot_ok[step.foot][k:]):
                self._notice(float(t[-1]), f"more of your weight onto your {step.foot} foot", ev)
        j = k
        while j < n:
            if not ok[j]:
                self._run_t0, self._run, self._run_t = None, [], []
                nxt = np.flatnonzero(ok[j:])
                if nxt.size == 0:
                    j = n
                    break
                j += int(nxt[0])
            bad = np.flatnonzero(~ok[j:])
            end = n if bad.size == 0 else j + int(bad[0])
            if self._run_t0 is None:
                self._run_t0 = float(t[j])
            self._run.append(raw[j:end])
            self._run_t.append(t[j:end])
            # is the hold complete inside this run?
            done_at = np.flatnonzero(t[j:end] - self._run_t0 >= need)
            if done_at.size:
                stop = j + int(done_at[0]) + 1
                self._run[-1] = raw[j:stop]
                self._run_t[-1] = t[j:stop]
                self._record(float(t[stop - 1]), ev)
                self._next(float(t[stop - 1]), ev)
                return stop
            self._last_t = float(t[end - 1])
            self._countdown(self._last_t, need, ev)
            j = end
        self._last_t = float(t[-1])
        return self._check_timeout(t, n, ev)

    def _countdown(self, now, need, ev):
        left = int(np.ceil(need - (now - self._run_t0)))
        if left != self._last_count and left > 0:
            self._last_count = left
            ev.append((now, "countdown", str(left)))

    def _notice(self, now, text, ev):
        if self._notice_at is None or now - self._notice_at >= 5.0:
            self._notice_at = now
            ev.append((now, "notice", text))

    def _check_timeout(self, t, n, ev) -> int:
        now = float(t[-1])
        self._last_t = now
        if now - self._step_t0 >= self.timeout_s * (self._timeouts + 1):
            self._timeouts += 1
            step = self.current
            if step.kind == "tare":
                what = "the mat has not read empty"
                fix = "step off completely; if you are off, check for a pressed sensor with footmat check"
            elif step.foot and self._notice_at is not None:
                # still enough, but the mat never read the lean on the named foot
                what = f"the mat did not read most of your weight on your {step.foot} foot"
                fix = (f"lean further onto your {step.foot} foot; if you did, put your heels against the heel "
                       "stop and your feet on the printed outlines")
            else:
                what = f"you have not been still for {self.hold_s:g} s"
                fix = "stand as still as is comfortable, and lean a little less far if that helps"
            if self._timeouts >= self.max_timeouts:
                self.failed = f"{what} in {self.timeout_s * self._timeouts:.0f} s at step '{step.instruction}'"
                ev.append((now, "failed", f"{self.failed} — {fix}, then run footmat calibrate again"))
                self._fix = fix
            else:
                ev.append((now, "timeout", f"{what} in {self.timeout_s:.0f} s — {fix}"))
        return n

    def _record(self, now, ev):
        raw = np.concatenate(self._run)
        tt = np.concatenate(self._run_t)
        step = self.current
        if step.kind == "tare":
            self.tare_raw = raw
        elif step.kind == "pose":
            self.pose_raw.append(raw)
            self.pose_times.append(float(tt.mean()) - (self.t_on if self.t_on is not None else float(tt[0])))
        else:
            self.val_raw.append(raw)
            self.val_times.append(float(tt.mean()) - (self.t_on if self.t_on is not None else float(tt[0])))
        ev.append((now, "recorded", f"{step.instruction.split(':')[0]} ({len(raw)} frames)"))

    def _left_share(self, raw) -> np.ndarray:
        """The guide's left share (n,) of frames ``raw``."""
        f = np.nan_to_num(self.guide.forces(raw, self.layout))
        tot = f.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, f[:, self.layout.mask(foot="left")].sum(axis=1) / tot, 0.5)

    def _foot_ok(self, raw) -> dict:
        left = self._left_share(raw)
        if self.pose_raw:
            # The guide's gains are another mat's (or none): on these parts and where these feet
            # landed, one foot can read twice the other at an even stance, and a lean onto the
            # other foot then never reached FOOT_SHARE (issue 22: mats refused). The even stance
            # (the first fit pose, recorded already) is the reference: a foot read ×a and the
            # other ×b change the odds of the share by a/b, whatever the pose, so the odds are
            # divided by the even stance's. A person who stands 58/42 by habit is judged 8 pp
            # off, well inside a lean's 70 %.
            s0 = float(np.clip(np.nanmean(self._left_share(self.pose_raw[0])), 0.02, 0.98))
            with np.errstate(invalid="ignore", divide="ignore"):
                odds = left / np.maximum(1.0 - left, 1e-9) * (1.0 - s0) / s0
                left = odds / (1.0 + odds)
            # A lean onto the toes puts that foot's load on the discs the guide reads worst (a
            # toe disc off its pressure peak reads a fraction of it): the other foot is then
            # the witness — it carried half the weight at the even stance and now clearly less.
            # Leaning onto the wrong foot raises it instead, so that is never recorded.
            feet = self._foot_loads(raw)
            ref = self._foot_loads(self.pose_raw[0]).mean(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                off_r = feet[:, 1] <= OTHER_FOOT_DROP * ref[1]
                off_l = feet[:, 0] <= OTHER_FOOT_DROP * ref[0]
            return {"left": (left >= FOOT_SHARE) | off_r, "right": ((1 - left) >= FOOT_SHARE) | off_l}
        return {"left": left >= FOOT_SHARE, "right": (1 - left) >= FOOT_SHARE}

    def _foot_loads(self, raw) -> np.ndarray:
        """The guide's load (n, 2) on the left and the right foot."""
        f = np.nan_to_num(self.guide.forces(raw, self.layout))
        return np.stack([f[:, self.layout.mask(foot="left")].sum(axis=1),
                         f[:, self.layout.mask(foot="right")].sum(axis=1)], axis=1)

    # -- the result ----------------------------------------------------------------------------
    def calibration(self, *, calibrated_by: str | None = None, scale=None):
        """Tare, body-weight fit and validation → a new Calibration (or CalibrationError)."""
        from datetime import datetime, timezone

        from .fit import fit_body_weight, tare, validate
        from .store import Calibration

        if self.failed:
            raise CalibrationError(self.failed, getattr(self, "_fix", "run footmat calibrate again"))
        if not self.done:
            raise CalibrationError("the calibration was stopped before its last pose", "run footmat calibrate again")
        layout = self.layout
        tare_s, noise = tare(self.tare_raw, layout)
        shape = self.guide.shape
        gain, sc, info = fit_body_weight(self.pose_raw, layout, tare_s, self.weight_n, shape, self.fit_names,
                                         scale=scale, pose_times=self.pose_times)
        shape = tuple(info.get("shape", shape))          # the fitted curve exponent, when fitted
        cal = Calibration(layout.name, layout.names, shape, gain, tare_s, noise,
                          datetime.now(timezone.utc).isoformat(timespec="milliseconds"), calibrated_by,
                          "body-weight fit (footmat calibrate)", info, {}, layout.to_dict(), sc)
        from .fit import stance_template
        # the calibrating person's even stance as this calibration reads it (the placement
        # re-estimate's template, trainer.estimate.placement)
        cal.fit["stance_template"] = stance_template(cal, layout, self.pose_raw[0])
        val = validate(cal, layout, self.val_raw, self.weight_n, self.val_names)
        from .fit import CREEP_REFERENCE_S
        drift = info.get("creep_pct_per_min", 0.0) / 100.0
        corr = [round((1 + e / 100.0) / (1 + drift * (tv - CREEP_REFERENCE_S) / 60.0) * 100.0 - 100.0, 2)
                for e, tv in zip(val["total_load_err_pct"], self.val_times)]
        val["total_load_err_pct_creep_corrected"] = corr
        val["total_load_err_pct_creep_corrected_median"] = round(float(np.median(np.abs(corr))), 2) if corr else None
        val["duration_s"] = round(self.t_done - self.t_first, 1)
        val["weight_kg"] = round(self.weight_n / G, 2)
        cal.validation = val
        return cal
