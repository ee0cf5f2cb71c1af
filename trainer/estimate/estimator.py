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
from trainer.estimate.cop import MIN_LOAD_FRACTION, CopModel
from trainer.estimate.placement import (COVERAGE_PIN_BELOW, COVERAGE_SETTLE_S, CoverageAdjuster, LogPlacementAdjuster, PlacementAdjuster, foot_geometry,
                                       log_zone_sigmas, template_rows, zone_sigmas)
from trainer.estimate.stillness import StateDetector


# The re-estimate (trainer.estimate.placement) that runs by default is placement="coverage": the
# share of each foot's load its in-line discs see, as a function of where along the foot the load
# is (CoverageAdjuster with the discs' factors held at 1), learnt from "the loads add up to the
# body weight" on still moments only, from COVERAGE_SETTLE_S after each step-on, the curve held
# at 1 up to mid-foot and never above 1 (under_only: discs reading high is their landing), the
# level left to the live rescale (issue 22). One curve for both feet: a real left/right
# asymmetry stays. It beats no re-estimate on the ideal and the realistic mats in every figure
# (cached mats, ml/ap mm, load %, L/R pp: ideal 11.5/5.0/2.4/4.0 -> 7.2/4.2/0.7/0.9, realistic
# 25.5/29.4/24.5/14.4 -> 24.3/29.0/15.9/13.9). The per-disc forms are options:
# placement="step-on" learns factors in the first STEP_ON_LEARN_S standing after each step-on and
# keeps them until the next step-off (placement_options drift_sigma: then drifting about them;
# coverage=True: with the coverage curve too — the best on the realistic mat); "continuous" (or
# True) keeps learning them from every tenth of a second on the mat. As the default they broke
# drill behaviour. placement=False: no re-estimate.
DEFAULT_PLACEMENT = "coverage"
STEP_ON_LEARN_S = 3.0


class Estimator:
    """Calibration, the detector, the live re-tare/rescale and the CoP of one run's frames."""

    def __init__(self, layout, calibration, weight_n: float, rate_hz: float, *, live_adjust: bool = True,
                 placement: bool | str = DEFAULT_PLACEMENT, placement_options: dict | None = None):
        self.layout = layout
        self.calibration = calibration
        self.weight_n = float(weight_n)
        self.rate_hz = float(rate_hz)
        self.copmodel = CopModel(layout, min_load_n=MIN_LOAD_FRACTION * weight_n)
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
            elif placement == "coverage":      # the coverage curve only (the default)
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
            st = self.detector.update(cb.cop, np.nan_to_num(cb.total))
        else:
            cop, total = self.copmodel.whole_body(forces)
            st = self.detector.update(cop, np.nan_to_num(total))
            if self.placement is not None:
                forces = self.placement.update(forces, st.still, st.unloaded)
            forces, events = self.adjuster.adjust(block.t, forces, total, st.still, st.unloaded)
            cb = self.copmodel(forces)
        return EstimatedBlock(
            t=block.t, raw=block.raw, flags=block.flags, forces=forces, total=cb.total, cop=cb.cop,
            cop_left=cb.cop_left, cop_right=cb.cop_right, load_left=cb.load_left, load_right=cb.load_right,
            left_pct=cb.left_pct, heel_pct_left=cb.heel_pct_left, heel_pct_right=cb.heel_pct_right,
            still=st.still, unloaded=st.unloaded, holding_on=st.holding_on, true_cop=block.true_cop,
            events=events)
