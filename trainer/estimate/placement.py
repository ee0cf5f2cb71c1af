"""Where the feet landed this time: per-sensor factors re-estimated after every step-on.

A calibration belongs to the mat: its gains turn each disc's force into the load of the zone
the disc sits under *for the feet where they stood during the calibration*. A person who steps
off and on lands a few mm elsewhere (HARDWARE.md: along ± 3 mm, across ± 6 mm, ± 3°), so each
12.7 mm disc samples another part of the heel's, the ball's or the toes' pressure: every
sensor's share of its zone changes — on the simulated ``realistic`` mat that is the largest
error there is (L/R share off by ≈ 9 pp, side-to-side CoP by ≈ 15 mm, issue 22).

What is known while the person stands on the mat without holding on: the sensors' loads add up
to the body weight W. One still moment gives one equation Σ kᵢ·Fᵢ = W in the S unknown factors
kᵢ; a person who moves (shifts weight from foot to foot, rolls heel to toes, sways) gives
independent equations, and the factors become determined. So, from the first still moment after
each step-on:

- each still stretch of ``WINDOW_S`` (the shared detector's ``still``, no support: total within
  from −``BAND_LOW`` to +``BAND_HIGH`` of W) adds one equation — the mean force vector h of that stretch, h·k = W;
- the factors are the ridge solution of those (linear) equations in k = c + d: a common factor c
  (creep, temperature, a disc under a peak of pressure: almost free) and per-sensor deviations
  d with a prior d ~ 0 ± ``SENSOR_SIGMA``; the equations weigh ``1/OBS_SIGMA`` per % of W;
- a step-off (the mat unloaded) forgets them: the next step-on is a new placement.

Why it cannot hide a real left/right asymmetry: a person who stands 58/42 gives, standing still,
one equation again and again; its least-squares answer is the common factor (e = 0), which does
not change any share. The deviations move only where the *variation* of the loads pins them down
— the same foot read low whether loaded or unloaded — and a real asymmetry is in the mean, not
in the variation. tests/trainer/estimate/test_placement.py checks both.

The live rescale (calibration.live) still follows the total after these factors (creep over the
session), with its own events and limits.
"""
from __future__ import annotations

import numpy as np

WINDOW_S = 0.5        # one equation per half-second of stillness
BAND_LOW = 0.15       # a still total more than 15 % below W: holding on, not used
BAND_HIGH = 1.0       # … or more than twice W: a misread, not used
OBS_SIGMA = 2.0       # % of W: a still stretch's total is W within about 2 % (sway, creep)
SENSOR_SIGMA = 0.20   # per-sensor factor prior: 1 ± 20 % (a 12.7 mm disc on a shifted foot)
MAX_DEVIATION = 0.5   # never scale a sensor by more than ×1.5 or less than ×0.5


class PlacementAdjuster:
    """Per-sensor factors (1 + e) for the current placement of the feet, learnt online."""

    def __init__(self, n_sensors: int, weight_n: float, rate_hz: float, *, window_s: float = WINDOW_S,
                 sensor_sigma: float = SENSOR_SIGMA, obs_sigma_pct: float = OBS_SIGMA):
        self.S = int(n_sensors)
        self.weight_n = float(weight_n)
        self.window_n = max(1, int(round(window_s * rate_hz)))
        self.sensor_sigma = float(sensor_sigma)
        self.obs_sigma = float(obs_sigma_pct) / 100.0
        self.reset()

    def reset(self) -> None:
        """A new placement (after a step-off): forget the equations."""
        S = self.S
        self.common = 1.0
        self.deviation = np.zeros(S)
        self.equations = 0
        # normal equations of the ridge problem in θ = (c, d₁…d_S), k = c + d: h·k = W is linear
        self._A = np.zeros((S + 1, S + 1))
        self._b = np.zeros(S + 1)
        self._acc = np.zeros(S)
        self._acc_n = 0

    @property
    def factors(self) -> np.ndarray:
        """What each sensor's calibrated force is multiplied by: common × (1 + deviation)."""
        return self.common * (1.0 + self.deviation)

    def _add_equation(self, h: np.ndarray) -> None:
        W = self.weight_n
        tot = float(h.sum())
        # a still total far below W is someone holding on (not an equation); far above it cannot
        # be, and is what a disc that now sits under a peak of pressure reads: keep it
        if not np.isfinite(tot) or not (1.0 - BAND_LOW) * W <= tot <= (1.0 + BAND_HIGH) * W:
            return
        row = np.concatenate([[tot], h]) / W / self.obs_sigma
        self._A += np.outer(row, row)
        self._b += row * (1.0 / self.obs_sigma)
        self.equations += 1
        # priors: the common factor free (1 ± 100 %), each deviation 0 ± sensor_sigma
        prior_p = np.concatenate([[1.0], np.full(self.S, 1.0 / self.sensor_sigma ** 2)])
        prior_m = np.concatenate([[1.0], np.zeros(self.S)])
        theta = np.linalg.solve(self._A + np.diag(prior_p), self._b + prior_p * prior_m)
        c = float(np.clip(theta[0], 0.3, 3.0))
        self.common = c
        self.deviation = np.clip(theta[1:] / c, -MAX_DEVIATION, MAX_DEVIATION)

    def update(self, forces: np.ndarray, still: np.ndarray, unloaded: np.ndarray, support_free=None) -> np.ndarray:
        """Learn from a block's still frames, return the block's forces × the factors.

        ``forces`` (n, S) as calibrated; ``still``/``unloaded`` (n,) from the shared detector.
        Frames are taken in order: an unloaded frame forgets the placement, still frames add to
        the current stretch, which becomes an equation every ``window_n`` frames; a frame that
        is not still drops a partial stretch."""
        f = np.asarray(forces, float)
        out = np.empty_like(f)
        n = f.shape[0]
        still = np.asarray(still, bool)
        unloaded = np.asarray(unloaded, bool)
        ok = np.all(np.isfinite(f), axis=1)
        i = 0
        # the factors change only at the end of a stretch or at a step-off: apply them in runs
        while i < n:
            j = i
            fac = self.factors
            while j < n:
                if unloaded[j]:
                    if self.equations or self._acc_n:
                        if j > i:
                            break                 # frames before the step-off keep their factors
                        self.reset()
                        fac = self.factors
                elif still[j] and ok[j]:
                    self._acc += f[j]
                    self._acc_n += 1
                    if self._acc_n >= self.window_n:
                        self._add_equation(self._acc / self._acc_n)
                        self._acc[:] = 0.0
                        self._acc_n = 0
                        j += 1
                        break
                else:
                    self._acc[:] = 0.0
                    self._acc_n = 0
                j += 1
            out[i:j] = f[i:j] * fac
            i = j
        return out
