"""The estimator: a block of raw frames → a block of estimated frames, once per block.

``Estimator(layout, calibration, weight_n, rate_hz).estimate(block)`` takes a
:class:`~firmware.frames.FrameBlock` and returns an :class:`~trainer.estimate.block.EstimatedBlock`:

1. calibration: raw codes → newtons per sensor (``calibration.forces(raw, layout)``);
2. the one detector (:mod:`trainer.estimate.stillness`): still / unloaded / holding on, fed with
   the whole-body CoP and total of those forces (:meth:`CopModel.whole_body`);
3. the live re-tare and rescale to body weight (:class:`calibration.live.LiveAdjuster`, PRODUCT.md
   §5), which reads the detector's states; its events (``retare``, ``rescale``,
   ``drift_warning``) travel with the block (``EstimatedBlock.events``) for the engine and the
   recorder to log;
4. the centre of pressure of the adjusted forces (:class:`~trainer.estimate.cop.CopModel`, whole
   body and per foot, loads, ``left_pct``, heel shares): once per block.

Holding on is the detector's (the forces as calibrated under 90 % of W, still) where the
re-estimate without its common level reads under 90 % too and the main foot stands on its heel
(:data:`~trainer.estimate.stillness.HOLDING_ON_HEEL_FRACTION`): on a realistic mat a landing that
reads low and a foot rolled onto its toes are no support.

The detector reads the forces as calibrated, before the adjustment: an unloaded mat is what
tells a re-tare is due, and the adjustment is worked out from the detector's states. Without
``live_adjust`` the forces are used as calibrated and step 2 reads step 4's CoP.

It keeps the detector's window and the adjuster's state between blocks, so one estimator
serves one run; a live run and a replay of its frames give the same numbers.
"""
from __future__ import annotations

import numpy as np

from calibration.live import LiveAdjuster
from trainer.estimate.block import EstimatedBlock
from trainer.estimate.cop import MIN_LOAD_FRACTION, CopModel, load_positions, on_heels
from trainer.estimate.placement import (COVERAGE_PIN_BELOW, COVERAGE_SETTLE_S, POSE_MIN, POSE_TOL, POSES_DRIFT_BAND,
                                       POSES_DRIFT_SIGMA, POSES_OBS_SIGMA, POSES_STILL_MIN, WINDOW_BAND, CoverageAdjuster,
                                       LogPlacementAdjuster, PlacementAdjuster, foot_geometry, log_zone_sigmas,
                                       template_rows, zone_sigmas)
from trainer.estimate.stillness import (HOLDING_ON_FOOT_FRACTION, HOLDING_ON_FRACTION, HOLDING_ON_HEEL_FRACTION,
                                       StateDetector, States)


# The re-estimate (trainer.estimate.placement) that runs by default is placement="poses" (issue 22):
# per-disc factors and the coverage curve (CoverageAdjuster) learnt from "the loads add up to the
# body weight" on still moments, ONE EQUATION PER HELD POSE (pose_tol: chunks of one pose averaged;
# pose_min: used once held for 1 s). Standing in one stance only the common factor (the level,
# free: common_sigma) moves; the discs' factors move once poses that load them differently pin
# them down, and a pause of half a second in a movement teaches nothing.
# - The step-on's window (STEP_ON_LEARN_S after the first second) takes only poses the mat reads
#   within 15 % of W (window_band: stepping back on mid-spiral, a lean read x1.4 W and, learnt,
#   read the person 20 % light once they moved: "holding on").
# - After it the factors drift about the step-on's (drift_sigma) from held poses read no more than
#   25 % light (drift_band: holding on is not learnt, but a foot rolled onto its toes at 70 % of W,
#   which reads 30-40 % light, is). The detector still tells holding on: it reads the totals as
#   calibrated, before this re-estimate (under 90 % of W).
# - The calibration's stance template (calibration.fit.stance_template: each foot's discs over its
#   own heel as the calibrating person stood) pins each foot's forefoot discs to its heel in the
#   step-on's window, whatever the level reads (template_any_level: the realistic mat reads x1.3
#   just after stepping on), once one stance has been held still for 1 s (template_hold: a person
#   stepping back on mid-drill moves through a lean, which, read as a landing, cost a spiral 47 of
#   its 75 points).
# - Moving chunks count toward the held pose they match (moving_poses: the move into and out of
#   it); a pose is solved once 3 of its chunks were still (still_min): a movement never held still
#   (a spiral) teaches nothing (learning from every moving chunk moved the spiral's lag by 50 ms).
# One curve for both feet, factors moved only by the variation between poses and a template within
# each foot: a real left/right asymmetry stays (the asymmetric person's stance flag, tested).
# `footmat bench --section accuracy` (2026-12-07), ml/ap mm, load %, L/R pp: realistic
# 13.3/8.5/0.7/4.6 (cross-person 13.1/9.2/0.8/4.6), realistic_8 10.2/9.2/0.8/4.3, ideal
# 7.7/4.6/0.6/1.7, misplaced 49.6/63.7/8.5/30.4 (the bench's placement_* variants give other
# forms on the same frames). What each step moved is in the commit messages (git log --
# trainer/estimate) and issue 22's notes. The same bench's hindsight_* figures (trainer.bench.
# hindsight) say how far this kind of estimate could go on those frames knowing the whole session
# at once: per-disc factors (and the curve) fitted to every window's "the loads add up to W" leave
# the realistic share 2.6-2.9 pp off (2026-12-08); what is above that is the cost of learning as
# the session goes.
# The step-on form drifting on every chunk (the bench's placement_drift_coverage) reads the
# realistic mat better (12.4/7.3/0.5/4.2) but as the default it broke 8 drill tests: it learnt
# from moving chunks.
# The other forms are options: placement="coverage" (the curve alone, the level left to the live
# rescale; the default before), "step-on" (per-disc factors learnt in the first STEP_ON_LEARN_S
# standing after each step-on, with the stance template; placement_options drift_sigma,
# coverage=True), "continuous" (or True). placement=False: no re-estimate.
DEFAULT_PLACEMENT = "poses"
POSES_OPTIONS = {"still_only": True, "pin_below": COVERAGE_PIN_BELOW, "under_only": True,
                 "common_sigma": 1.0, "template_any_level": True, "template_hold": POSE_MIN, "pose_tol": POSE_TOL,
                 "pose_min": POSE_MIN, "moving_poses": True, "still_min": POSES_STILL_MIN,
                 "window_band": WINDOW_BAND, "drift_band": POSES_DRIFT_BAND, "drift_sigma": POSES_DRIFT_SIGMA,
                 "obs_sigma_pct": POSES_OBS_SIGMA, "learn_s": 3.0}     # learn_s: STEP_ON_LEARN_S
STEP_ON_LEARN_S = 3.0


def _finite(x: np.ndarray) -> np.ndarray:
    """``np.nan_to_num(x)``'s values, without its cost when every value is already finite."""
    return x if np.isfinite(x).all() else np.nan_to_num(x)


class Estimator:
    """Calibration, the detector, the live re-tare/rescale and the CoP of one run's frames."""

    def __init__(self, layout, calibration, weight_n: float, rate_hz: float, *, live_adjust: bool = True,
                 placement: bool | str = DEFAULT_PLACEMENT, placement_options: dict | None = None,
                 cop_positions: str = "discs"):
        self.layout = layout
        self.calibration = calibration
        self.weight_n = float(weight_n)
        self.rate_hz = float(rate_hz)
        # cop_positions: "discs" (each disc's position, the default) or "load" (where the load a
        # ball or toe disc stands for is centred, toward the foot's outer border: cop.load_positions)
        if cop_positions not in ("discs", "load"):
            raise ValueError(f"cop_positions {cop_positions!r} is not 'discs' or 'load'")
        self.copmodel = CopModel(layout, min_load_n=MIN_LOAD_FRACTION * weight_n,
                                 positions=load_positions(layout) if cop_positions == "load" else None)
        self.detector = StateDetector(rate_hz, weight_n)
        # re-tare when unloaded, rescale to body weight when still (PRODUCT.md §5)
        self.adjuster = LiveAdjuster(calibration, layout, weight_n) if live_adjust else None
        # where the feet landed this time and where along them the load is (DEFAULT_PLACEMENT)
        opts = dict(placement_options or {})
        self.placement = None
        if placement and live_adjust:
            if opts.pop("legacy", False):       # the first form (linear factors), for comparison
                self.placement = PlacementAdjuster(
                    len(layout.sensors), weight_n, rate_hz, sensor_sigma=zone_sigmas(layout),
                    feet=[0 if s.foot == "left" else 1 for s in layout.sensors], **opts)
            elif placement == "poses":         # per-disc factors and the curve from held poses (the default)
                opts.setdefault("geometry", foot_geometry(layout))
                opts.setdefault("log_sigma", log_zone_sigmas(layout))
                # the calibration's stance template (calibration.fit.stance_template): standing
                # after the step-on, a foot's discs over its own heel as the calibrating person
                # stood; its ratio rows are taken whatever the level reads (template_any_level)
                opts.setdefault("template", template_rows(layout, calibration))
                for k, v in POSES_OPTIONS.items():
                    opts.setdefault(k, v)
                self.placement = CoverageAdjuster(len(layout.sensors), weight_n, rate_hz, **opts)
            elif placement == "coverage":      # the coverage curve only (the default until issue 22's poses)
                # learnt from still moments only: in a spiral the FSRs' lag and hysteresis are
                # no coverage (learnt from every chunk, a realistic mat's spiral drove it to its
                # bounds: faithful follower 71.8 -> 30.3). Not in the first COVERAGE_SETTLE_S after
                # a step-on, and the level not learnt: a realistic mat reads x1.33 just after
                # stepping back on, which, learnt, read a moving person as holding on
                opts.setdefault("geometry", foot_geometry(layout))
                opts.setdefault("still_only", True)
                opts.setdefault("pin_below", COVERAGE_PIN_BELOW)
                opts.setdefault("settle_s", COVERAGE_SETTLE_S)
                opts.setdefault("common_sigma", 1e-3)      # the level is the live rescale's
                opts.setdefault("under_only", True)
                self.placement = CoverageAdjuster(len(layout.sensors), weight_n, rate_hz, factors=False, **opts)
            else:
                if placement != "continuous" and placement is not True:
                    opts.setdefault("learn_s", STEP_ON_LEARN_S)
                opts.setdefault("template", template_rows(layout, calibration))
                opts.setdefault("log_sigma", log_zone_sigmas(layout))
                if opts.pop("coverage", False):
                    opts.setdefault("geometry", foot_geometry(layout))
                    self.placement = CoverageAdjuster(len(layout.sensors), weight_n, rate_hz, **opts)
                else:
                    self.placement = LogPlacementAdjuster(len(layout.sensors), weight_n, rate_hz, **opts)

    def estimate(self, block) -> EstimatedBlock:
        """The estimated frames of ``block`` (a FrameBlock), with the events this block raised."""
        forces = self.calibration.forces(block.raw, self.layout)
        events = []
        if self.adjuster is None or not len(block):
            cb = self.copmodel(forces)
            st = self.detector.update(cb.cop, _finite(cb.total))
        else:
            cop, total = self.copmodel.whole_body(forces)
            st = self.detector.update(cop, _finite(total))
            if self.placement is not None:
                forces = self.placement.update(forces, st.still, st.unloaded)
                if st.holding_on.any():
                    # holding on also as the re-estimate reads the loads without its common level:
                    # where this step-on's discs landed and a foot on its toes are no support, and
                    # the level, which could have learnt a support held since the step-on, is out
                    free = np.nansum(forces, axis=1) / self.placement.last_level
                    st = States(st.still, st.unloaded, st.holding_on & (free < HOLDING_ON_FRACTION * self.weight_n))
            forces, events = self.adjuster.adjust(block.t, forces, total, st.still, st.unloaded)
            cb = self.copmodel(forces)
        holding_on = st.holding_on
        if holding_on.any():
            # not while the main foot is on its ball or toes, where the discs miss load
            # (stillness.HOLDING_ON_HEEL_FRACTION, HOLDING_ON_FOOT_FRACTION)
            holding_on = holding_on & on_heels(cb.heel_pct_left, cb.heel_pct_right, cb.load_left, cb.load_right,
                                               HOLDING_ON_HEEL_FRACTION, HOLDING_ON_FOOT_FRACTION)
        return EstimatedBlock(
            t=block.t, raw=block.raw, flags=block.flags, forces=forces, total=cb.total, cop=cb.cop,
            cop_left=cb.cop_left, cop_right=cb.cop_right, load_left=cb.load_left, load_right=cb.load_right,
            left_pct=cb.left_pct, heel_pct_left=cb.heel_pct_left, heel_pct_right=cb.heel_pct_right,
            still=st.still, unloaded=st.unloaded, holding_on=holding_on, true_cop=block.true_cop,
            events=events)
