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

- every ``WINDOW_S`` on the mat adds one equation — the mean force vector h of that chunk,
  h·k = W — still or not: a person moving from foot to foot or rolling heel to toes keeps
  their weight on the mat, and every chunk of the move is another row of the system, so the
  factors are pinned down within seconds of the first weight shift, not after many still
  poses (issue 22: on the ``realistic`` mat a forefoot disc reads ×0.4 … ×2.5 of what it read
  at the calibration, a few mm of landing on a pressure peak 10 mm wide). A moving chunk
  weighs less (``MOVING_SIGMA`` against ``OBS_SIGMA``: the body's acceleration, the FSRs'
  hysteresis). Not used: the first ``SETTLE_S`` after stepping on, a chunk not followed by a
  still loaded mat ``CONFIRM_S`` later (the step-off ramp), a raw total outside ``RAW_BAND`` × W,
  and, once the factors are learnt, a chunk whose adjusted total is more than ``BAND_LOW``
  below W (holding on);
- the factors are the ridge solution of those (linear) equations in k = c·(1 + d): a common
  factor c (creep, temperature: almost free) and per-sensor deviations d with a prior
  d ~ 0 ± the sensor's zone's ``ZONE_SIGMA`` (a heel disc under a pressure peak 30 mm wide
  barely changes; a ball or toe disc under a 20 mm one does);
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

WINDOW_S = 0.1        # one equation per tenth of a second on the mat (a chunk's mean forces)
CONFIRM_S = 0.5       # a chunk counts once the mat is still loaded this much later (no step-off ramp)
SETTLE_S = 1.0        # nor the first second after stepping on (the step-on ramp)
BAND_LOW = 0.15       # an adjusted total more than 15 % below W: holding on, not used
RAW_BAND = (0.3, 5.0)  # a raw total outside 0.3–5 × W: stepping, a misread — not used
OBS_SIGMA = 2.0       # % of W: a still chunk's total is W within about 2 % (sway, creep)
MOVING_SIGMA = 4.0    # % of W: a moving chunk's (the body's acceleration, the FSRs' hysteresis)
SENSOR_SIGMA = 0.20   # per-sensor factor prior when the zone is not given: 1 ± 20 %
ZONE_SIGMA = {"heel": 0.08, "outer": 0.15, "ball": 0.15, "toes": 0.2}
FOOT_SIGMA = 0.30     # a foot's own factor (all its discs at once): 1 ± 30 %
COMMON_SIGMA = 0.15   # the common factor's prior: 1 ± 15 % (creep, temperature, the curve)
MAX_DEVIATION = (-0.9, 4.0)   # a sensor's factor stays within ×0.1 … ×5 of the common one


def zone_sigmas(layout) -> np.ndarray:
    """Each sensor's prior deviation (S,) from its zone (``ZONE_SIGMA``)."""
    return np.array([ZONE_SIGMA.get(s.zone, SENSOR_SIGMA) for s in layout.sensors])


class PlacementAdjuster:
    """Per-sensor factors c·(1 + d) for the current placement of the feet, learnt online."""

    def __init__(self, n_sensors: int, weight_n: float, rate_hz: float, *, window_s: float = WINDOW_S,
                 sensor_sigma=SENSOR_SIGMA, obs_sigma_pct: float = OBS_SIGMA,
                 moving_sigma_pct: float = MOVING_SIGMA, common_sigma: float = COMMON_SIGMA, feet=None,
                 foot_sigma: float = FOOT_SIGMA):
        self.S = int(n_sensors)
        self.weight_n = float(weight_n)
        self.window_n = max(1, int(round(window_s * rate_hz)))
        self.confirm = max(1, int(round(CONFIRM_S / window_s)))
        self.settle_n = int(round(SETTLE_S * rate_hz))
        self.sensor_sigma = np.broadcast_to(np.asarray(sensor_sigma, float), (self.S,)).copy()
        # each sensor's foot (0 left, 1 right): a term shared by a foot's sensors (where the
        # foot landed moves all its discs at once), or none
        feet = np.zeros(self.S, int) if feet is None else np.asarray(feet, int)
        self._G = np.zeros((self.S, 0)) if feet is None else (feet[:, None] == np.arange(2)[None, :]).astype(float)
        self.foot_sigma = float(foot_sigma)
        self.obs_sigma = float(obs_sigma_pct) / 100.0
        self.moving_sigma = float(moving_sigma_pct) / 100.0
        self.common_sigma = float(common_sigma)
        self.reset()

    def reset(self) -> None:
        """A new placement (after a step-off): forget the equations."""
        S = self.S
        self.common = 1.0
        self.deviation = np.zeros(S)
        self.equations = 0
        # normal equations of the ridge problem in θ = (c, c·d₁ … c·d_S): h·k = W is linear
        P = 1 + self._G.shape[1] + S
        self._A = np.zeros((P, P))
        self._b = np.zeros(P)
        self._acc = np.zeros(S)
        self._acc_n = 0
        self._acc_still = True
        self._on_n = 0                 # loaded frames since the step-on
        self._pending: list = []       # chunks waiting for CONFIRM_S of a loaded mat after them

    @property
    def factors(self) -> np.ndarray:
        """What each sensor's calibrated force is multiplied by: common × (1 + deviation)."""
        return self.common * (1.0 + self.deviation)

    def _admits(self, h: np.ndarray, tot: float, holding: bool = True) -> bool:
        """Chunk ``h`` (total ``tot``) may make an equation: its raw total within RAW_BAND of W
        and, with ``holding``, once learning, not a person holding on (or lifting a foot off):
        the loads as the factors read them within BAND_LOW of W."""
        W = self.weight_n
        if not np.isfinite(tot) or not RAW_BAND[0] * W <= tot <= RAW_BAND[1] * W:
            return False
        return not (holding and self.equations and float(h @ self.factors) < (1.0 - BAND_LOW) * W)

    def _commit(self, h: np.ndarray, still: bool) -> bool:
        W = self.weight_n
        tot = float(h.sum())
        if not self._admits(h, tot):
            return False
        sig = self.obs_sigma if still else self.moving_sigma
        row = np.concatenate([[tot], h @ self._G, h]) / W / sig
        self._A += np.outer(row, row)
        self._b += row * (1.0 / sig)
        self.equations += 1
        return True

    def _solve(self) -> None:
        # θ = (c, e₁ … e_S) with k = c + e (e = c·d): priors c ~ 1 ± COMMON_SIGMA, e ~ 0 ± sigma.
        # c is held about as tightly as a heel disc: a whole mat reading far off is rarer than a
        # forefoot disc that landed on (or off) its pressure peak, so a first, lone equation
        # (standing still after stepping on) moves the loose forefoot discs, not every sensor
        nG = self._G.shape[1]
        prior_p = np.concatenate([[1.0 / self.common_sigma ** 2], np.full(nG, 1.0 / self.foot_sigma ** 2),
                                  1.0 / self.sensor_sigma ** 2])
        prior_m = np.concatenate([[1.0], np.zeros(nG + self.S)])
        theta = np.linalg.solve(self._A + np.diag(prior_p), self._b + prior_p * prior_m)
        c = float(np.clip(theta[0], 0.3, 3.0))
        self.common = c
        self.deviation = np.clip((self._G @ theta[1:1 + nG] + theta[1 + nG:]) / c, *MAX_DEVIATION)

    def _chunk(self, loaded_total: float, h: np.ndarray | None, still: bool) -> bool:
        """A chunk ended (h None: a chunk not usable, its total only confirms the ones before)."""
        learnt = False
        keep = []
        for k, (ph, pst, ptot, age) in enumerate(self._pending):
            age += 1
            if age >= self.confirm:
                if loaded_total >= 0.7 * ptot:      # the mat still carries the person: not a step-off
                    learnt |= self._commit(ph, pst)
            else:
                keep.append((ph, pst, ptot, age))
        self._pending = keep
        if h is not None:
            self._pending.append((h, still, float(h.sum()), 0))
        return learnt

    def update(self, forces: np.ndarray, still: np.ndarray, unloaded: np.ndarray, support_free=None) -> np.ndarray:
        """Learn from a block's frames, return the block's forces × the factors.

        ``forces`` (n, S) as calibrated; ``still``/``unloaded`` (n,) from the shared detector.
        Frames are taken in order: an unloaded frame forgets the placement; loaded frames make
        chunks of ``window_n`` frames, each an equation once confirmed. The factors change at
        most once per chunk."""
        f = np.asarray(forces, float)
        out = np.empty_like(f)
        n = f.shape[0]
        still = np.asarray(still, bool)
        unloaded = np.asarray(unloaded, bool)
        ok = np.all(np.isfinite(f), axis=1).tolist()
        tots = np.nansum(f, axis=1).tolist()      # each frame's total, once per block
        still = still.tolist()
        unloaded = unloaded.tolist()
        W = self.weight_n
        level = np.empty(n)            # each frame's common factor (last_level)
        i = 0
        while i < n:
            j = i
            fac = self._snapshot()
            lvl = self.level
            changed = False
            while j < n and not changed:
                if unloaded[j]:
                    if self.equations or self._acc_n or self._pending or self._on_n:
                        if j > i:
                            break                 # frames before the step-off keep their factors
                        self.reset()
                        fac = self._snapshot()
                        lvl = self.level
                    j += 1
                    continue
                tot = tots[j]
                if tot < RAW_BAND[0] * W or not ok[j]:
                    # on the way on or off (or a channel unread): no chunk; the settling restarts
                    if tot < RAW_BAND[0] * W:
                        self._on_n = 0
                    self._acc[:] = 0.0
                    self._acc_n = 0
                    self._acc_still = True
                    j += 1
                    continue
                self._on_n += 1
                if self._on_n <= self.settle_n:
                    j += 1
                    continue
                self._acc += f[j]
                self._acc_n += 1
                self._acc_still &= still[j]
                if self._acc_n >= self.window_n:
                    h = self._acc / self._acc_n
                    changed = self._chunk(float(h.sum()), h, self._acc_still)
                    if changed:
                        self._solve()
                    self._acc[:] = 0.0
                    self._acc_n = 0
                    self._acc_still = True
                j += 1
            out[i:j] = self._apply(f[i:j], fac)
            level[i:j] = lvl
            i = j
        self.last_level = level
        return out

    @property
    def level(self) -> float:
        """The common factor: what multiplies every disc alike (creep, temperature — or a
        constant support learnt as the mat's level: the Estimator's holding-on test divides it out)."""
        return float(self.common)

    def _snapshot(self):
        """What maps a frame's forces while the learnt state stays as it is (the factors)."""
        return self.factors

    def _apply(self, f: np.ndarray, snap) -> np.ndarray:
        return f * snap


# -- the log-factor re-estimate (issue 22, second form) -------------------------------------------
LOG_ZONE_SIGMA = {"heel": 0.10, "outer": 0.6, "ball": 0.6, "toes": 0.8}   # log-factor prior per zone
LOG_SENSOR_SIGMA = 0.5
LOG_COMMON_SIGMA = 0.15          # the whole mat (creep, temperature): ×(1 ± 15 %)
TEMPLATE_SIGMA = 0.25            # a standing foot's disc/heel ratio: the template's within ±25 %
TEMPLATE_S = 3.0                 # … in the first seconds after stepping on (standing evenly)
MAX_CHUNKS = 1500                # equations kept (older ones thinned out)


def _ratio_rows(ratio: list, width: int, sigma: float):
    """The template's equations log kᵢ − log kⱼ = y as rows over (u₀, u₁ … u_S, …) of ``width``
    columns, divided by their ``sigma``: (Rm, ry), or None without any."""
    if not ratio:
        return None
    Rm = np.zeros((len(ratio), width))
    ry = np.zeros(len(ratio))
    for q, (i, j, y) in enumerate(ratio):
        Rm[q, 1 + i], Rm[q, 1 + j], ry[q] = 1.0, -1.0, y
    Rm /= sigma
    ry /= sigma
    return Rm, ry


def _gauss_newton_step(J, resid, prior, x, centre, ratio, smooth=None) -> np.ndarray:
    """One Gauss-Newton step of the log-factor fits: the equations' Jacobian ``J`` and weighted
    residuals ``resid``, the priors x ~ ``centre`` ± 1/``prior``, optionally ``smooth`` = (D, lo):
    the smoothness rows D over x[lo:], and the template's ``ratio`` rows (:func:`_ratio_rows`)."""
    A = J.T @ J + np.diag(prior ** 2)
    g = J.T @ resid + prior ** 2 * (x - centre)
    if smooth is not None:
        D, lo = smooth
        A[lo:, lo:] += D.T @ D
        g[lo:] += D.T @ (D @ x[lo:])
    if ratio is not None:
        Rm, ry = ratio
        A += Rm.T @ Rm
        g += Rm.T @ (Rm @ x - ry)
    return np.linalg.solve(A, g)


def template_rows(layout, calibration) -> list:
    """(disc index, heel index, log ratio) of the calibration's stance template
    (``calibration.fit["stance_template"]``, calibration.fit.stance_template); [] without one."""
    names = list(layout.names)
    out = []
    for row in (getattr(calibration, "fit", None) or {}).get("stance_template", []) or []:
        try:
            i, j, r = names.index(row["sensor"]), names.index(row["heel"]), float(row["log_ratio"])
        except (KeyError, ValueError, TypeError):
            continue
        if np.isfinite(r):
            out.append((i, j, r))
    return out


def log_zone_sigmas(layout) -> np.ndarray:
    return np.array([LOG_ZONE_SIGMA.get(s.zone, LOG_SENSOR_SIGMA) for s in layout.sensors])


class LogPlacementAdjuster(PlacementAdjuster):
    """Per-sensor factors kᵢ = exp(u₀ + uᵢ) for the current placement of the feet.

    A forefoot disc that lands a few mm off its pressure peak reads ×0.3 … ×3 of what it read at
    the calibration (issue 22): a multiplicative error, so the factors are log-normal about 1 — a
    heel disc's within ±10 % (one SD), a ball or toe disc's within a factor of about 2, the whole
    mat's (u₀: creep, temperature) within ±15 % — and the equations are kept (one per 0.1 s
    chunk, the older half thinned past ``MAX_CHUNKS``) and solved again by Gauss-Newton:

    - every chunk on the mat: Σ kᵢ·hᵢ = W (the loads add up to the body weight), as in
      :class:`PlacementAdjuster`;
    - ``template``: ``[(disc, heel, log r)]`` — standing evenly after stepping on (the first
      ``template_s`` of still chunks), a foot's disc carries r × its own heel's load, r as the
      calibration read it in its person's even stance (both feet averaged, mirror images:
      calibration.fit.stance_template). This pins each foot's forefoot discs to its own heel
      whatever the other foot carries: the share between the feet is no unknown of these
      equations, so a real asymmetry stays (tests/trainer/estimate/test_placement.py).

    The linear form's ridge prior (factor 1 ± 15 % for a ball disc) could not reach the ×0.3 or
    ×3 a disc that landed elsewhere needs without pulling on every other sensor."""

    def __init__(self, n_sensors: int, weight_n: float, rate_hz: float, *, log_sigma=LOG_SENSOR_SIGMA,
                 common_sigma: float = LOG_COMMON_SIGMA, template=None, template_sigma: float = TEMPLATE_SIGMA,
                 template_s: float = TEMPLATE_S, learn_s: float | None = None, drift_sigma: float | None = None,
                 pose_tol: float | None = None, pose_min: int = 1, window_band: float | None = None,
                 template_any_level: bool = False, template_hold: int | None = None, still_min: int = 0, **kw):
        # still_min: a pose (pose_tol) is solved only once this many of its chunks were still
        self.still_min = int(still_min)
        # pose_tol / pose_min: one equation per distinct pose (:meth:`_pose_row`), used once held
        # for pose_min chunks; window_band: in the step-on's window, only a chunk whose raw total
        # is within window_band of W (stepping back on in a pose the mat reads ×1.4, that pose's
        # level is no level of the placement)
        self.pose_tol = None if pose_tol is None else float(pose_tol)
        self.pose_min = int(pose_min)
        self.window_band = None if window_band is None else float(window_band)
        # template_any_level: the template's ratio rows (a foot's disc over its own heel: no level
        # in them) are taken from the step-on's still chunks even when window_band keeps their
        # total out of the level's equations
        self.template_any_level = bool(template_any_level)
        # template_hold: the ratio rows count once one stance (pose_tol) has been held still for
        # this many chunks in the template's window (a person stepping back on mid-drill, moving
        # through a lean, is in no stance: their few still chunks teach no template)
        self.template_hold = None if template_hold is None else int(template_hold)
        self.learn_n = None if learn_s is None else int(round(learn_s * rate_hz))
        self.drift_sigma = None if drift_sigma is None else float(drift_sigma)
        self.log_sigma = np.broadcast_to(np.asarray(log_sigma, float), (int(n_sensors),)).copy()
        self.template = list(template or [])
        self.template_sigma = float(template_sigma)
        self.template_n = int(round(template_s * rate_hz))
        super().__init__(n_sensors, weight_n, rate_hz, common_sigma=common_sigma, **kw)

    def reset(self) -> None:
        super().reset()
        self.u = np.zeros(self.S + 1)
        self._rows: list = []            # (h / W, 1 / sigma) of each equation kept
        self._ratio: list = []           # (disc, heel, log r − log(h_disc / h_heel))
        self._tpose = None               # template_hold: [share per disc, chunks held, rows waiting]
        self.anchor = None               # the step-on's factors, once its window is over (drift_sigma)

    def _anchor_state(self) -> np.ndarray:
        return self.u.copy()

    @property
    def factors(self) -> np.ndarray:
        u = getattr(self, "u", None)
        return np.ones(self.S) if u is None else np.exp(u[0] + u[1:])

    @property
    def level(self) -> float:
        u = getattr(self, "u", None)
        return 1.0 if u is None else float(np.exp(u[0]))

    def _commit(self, h: np.ndarray, still: bool, holding_checked: bool = False) -> bool:
        """``holding_checked``: the caller has told holding on already (:class:`CoverageAdjuster`
        reads the loads through its curve too)."""
        W = self.weight_n
        if self.learn_n is not None and self._on_n > self.settle_n + self.learn_n:
            if self.drift_sigma is None:
                return False                   # learnt at the step-on only: kept until the step-off
            if self.anchor is None:            # from now on: small drifts about the step-on's factors
                self.anchor = self._anchor_state()
                self._rows, self._ratio = [], []
        if self.learn_n is not None and self.anchor is None and not still:
            # a step-on's factors are kept for the whole stay on the mat: learnt standing still
            # only (a person who steps back on mid-drill and keeps moving teaches them nothing,
            # rather than a few seconds of movement read as a placement)
            return False
        if not self._admits(h, float(h.sum()), holding=not holding_checked):
            return False
        in_template = bool(still and self.template and self._on_n <= self.settle_n + self.template_n)
        level_ok = not (self.learn_n is not None and self.anchor is None and self.window_band is not None
                        and abs(float(h.sum()) / W - 1.0) > self.window_band)
        if not level_ok and not (self.template_any_level and in_template):
            return False
        if level_ok:
            sig = self.obs_sigma if still else self.moving_sigma
            kept = True
            if self.pose_tol is None:
                self._rows.append((h / W, 1.0 / sig))
            else:
                kept = self._pose_row(h, sig, still)
            if len(self._rows) > MAX_CHUNKS:
                del self._rows[1:len(self._rows) // 2:2]        # thin the older half
            self.equations += 1
            if not still and not kept:
                return False           # a moving chunk in a pose not yet solved: nothing to solve again
        if in_template:
            floor = 0.005 * W
            rows = [(i, j, logr - float(np.log(h[i] / h[j])))        # log kᵢ − log kⱼ = log r − log(hᵢ/hⱼ)
                    for i, j, logr in self.template if h[i] > floor and h[j] > floor]
            if self.template_hold is None:
                self._ratio += rows
            else:
                self._template_pose(h, rows)
        return True

    def _template_pose(self, h: np.ndarray, rows: list) -> None:
        """``template_hold``: ratio rows wait until their stance has been held for ``template_hold``
        chunks, then count, as does every later chunk of that stance (shares per disc within
        ``pose_tol`` of the stance's mean); another stance starts again."""
        hp = np.maximum(h, 0.0)
        p = hp / max(float(hp.sum()), 1e-9)
        tol = self.pose_tol if self.pose_tol is not None else POSE_TOL
        tp = self._tpose
        if tp is None or float(np.abs(tp[0] - p).sum()) >= tol:
            tp = self._tpose = [p, 0, []]
        tp[1] += 1
        tp[0] = tp[0] + (p - tp[0]) / tp[1]          # the stance's mean shares
        tp[2] += rows
        if tp[1] >= self.template_hold:
            self._ratio += tp[2]
            tp[2] = []

    def _pose_row(self, h: np.ndarray, sig: float, still: bool = True) -> bool:
        """``pose_tol``: one equation per distinct pose. A chunk whose share of the load per disc
        is within ``pose_tol`` (sum of absolute differences) of a kept pose's is averaged into
        that pose's equation; another pose adds one. Twenty chunks of one stance (sway, creep)
        are one equation, which the common factor answers: the discs' factors move only once
        poses that load them differently pin them down (issue 22: from one stance, twenty
        equations of weight 1/2 % made a placement of every sway and every creep, ideal mat
        L/R 4 -> 11 pp)."""
        W = self.weight_n
        hp = np.maximum(h, 0.0)
        p = hp / max(float(hp.sum()), 1e-9)
        for r in self._rows:
            if float(np.abs(r[2] - p).sum()) < self.pose_tol:
                r[3] += 1
                r[0] = r[0] + (h / W - r[0]) / r[3]
                r[1] = max(r[1], 1.0 / sig)
                r[4] += int(still)
                return self._is_kept(r)
        self._rows.append([h / W, 1.0 / sig, p, 1, int(still)])
        return self._is_kept(self._rows[-1])

    def _is_kept(self, r) -> bool:
        """Pose row ``r`` is one :meth:`_kept_rows` solves."""
        return self.pose_min <= 1 or (r[3] >= self.pose_min and r[4] >= self.still_min)

    def _kept_rows(self) -> list:
        """The equations solved: with ``pose_tol``, the poses held for ``pose_min`` chunks or more
        (a still moment of half a second in a movement carries the FSRs' hysteresis: on the
        realistic mat a person holding on mid-spiral read 1.03 W still, and that moment, learnt,
        hid the holding on that followed)."""
        if self.pose_tol is None or self.pose_min <= 1:
            return self._rows
        return [r for r in self._rows if self._is_kept(r)]

    def _solve(self) -> None:
        S = self.S
        rows = self._kept_rows()
        if not rows and not self._ratio:
            return
        H = np.array([r[0] for r in rows]).reshape(len(rows), S)
        w = np.array([r[1] for r in rows], float)
        if self.anchor is None:
            prior = np.concatenate([[1.0 / self.common_sigma], 1.0 / self.log_sigma])
            centre = np.zeros(S + 1)
        else:
            prior = np.concatenate([[1.0 / self.common_sigma], np.full(S, 1.0 / self.drift_sigma)])
            centre = self.anchor
        u = self.u.copy()
        ratio = _ratio_rows(self._ratio, S + 1, self.template_sigma)
        for _ in range(4):
            k = np.exp(u[0] + u[1:])
            terms = H * k[None, :]
            pred = terms.sum(axis=1)
            J = np.empty((len(H), S + 1))
            J[:, 0] = w * pred
            J[:, 1:] = w[:, None] * terms
            step = _gauss_newton_step(J, w * (pred - 1.0), prior, u, centre, ratio)
            u = u - step
            if np.max(np.abs(step)) < 1e-4:
                break
        u[0] = np.clip(u[0], np.log(0.3), np.log(3.0))
        u[1:] = np.clip(u[1:], np.log(0.1), np.log(10.0))
        self.u = u


# -- one equation per held pose (issue 22: placement="poses", the default) -------------------------
POSE_TOL = 0.1            # two chunks are one pose when their per-disc shares differ by < 0.1 in all
POSE_MIN = 10             # a pose is an equation once held for 10 chunks (1 s still)
WINDOW_BAND = 0.15        # the step-on's window learns from poses the mat reads within 15 % of W
POSES_DRIFT_SIGMA = 0.3   # after the window: each disc's log factor drifts about the step-on's ± 0.3
POSES_OBS_SIGMA = 3.0     # % of W: a held pose's total is W within about 3 % (creep, hysteresis)
POSES_STILL_MIN = 3       # moving_poses: a pose is solved once 3 of its chunks (0.3 s) were still
POSES_DRIFT_BAND = 0.25   # after the window: a held pose read up to 25 % light is learnt (a foot rolled onto
                          # its toes reads that light before its discs are; the detector's holding on reads the
                          # totals as calibrated, before this re-estimate, at 90 % of W)


# -- the foot's coverage (issue 22, third form) ---------------------------------------------------
COVERAGE_KNOTS = (0.0, 0.25, 0.5, 0.75, 0.85, 1.0)   # where along the foot (heel 0 → toe disc 1)
COVERAGE_SIGMA = 0.5          # log coverage at a knot: 0 ± 0.5 (the discs see ×0.6 … ×1.6 of the foot)
COVERAGE_SMOOTH = 0.3         # its second difference between knots: 0 ± 0.3
COVERAGE_PIN_BELOW = 0.5      # placement='coverage': the curve held at 1 up to the middle of the foot
COVERAGE_SETTLE_S = 8.0       # placement='coverage': no equation in the first 8 s after stepping on
COVERAGE_BAND_LOW = 0.4       # learning still moments: a total up to 40 % below W is no holding on


def foot_geometry(layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(foot of each sensor (S,) 0 left / 1 right, each sensor's front-back position (S,) mm,
    each foot's (heel-most, toe-most) sensor position (2, 2) mm) for :class:`CoverageAdjuster`."""
    feet = np.array([0 if s.foot == "left" else 1 for s in layout.sensors])
    y = np.asarray(layout.positions, float)[:, 1]
    span = np.array([[y[feet == f].min(), y[feet == f].max()] for f in (0, 1)])
    return feet, y, span


class CoverageAdjuster(LogPlacementAdjuster):
    """:class:`LogPlacementAdjuster` and the share of each foot's load its discs see.

    The heel, ball and toe discs of a foot lie in one line; rolled onto the ball or the toes, a
    foot's load spreads to the lesser toes and the lateral metatarsal heads no disc covers, so
    Σ forces of a foot under-reads its load by a factor c(u) that depends on *where along the
    foot* the load is (u: the foot's disc CoP from its heel disc, 0, to its toe disc, 1). Per-disc
    factors cannot express that (one factor per disc reads the same share of the foot whether it
    is loaded on its heel or its toes): the oracle with the best constant factors stays 2.6 pp off
    the left/right share on the ``realistic`` mat. Here a foot's load is

        L_f = exp(−g(u_f)) · Σ_{i ∈ f} kᵢ·Fᵢ,  g piecewise linear over ``COVERAGE_KNOTS``,

    one g for both feet (a person's feet are mirror images), learnt from the same equations —
    the loads add up to W — with g ~ 0 ± ``COVERAGE_SIGMA`` and smooth between the knots.

    Why it cannot hide a real asymmetry: g is a function of where along *a* foot the load is, the
    same for both feet; a person standing 58/42 with both feet's load at the same u gets the same
    factor on both feet, which leaves the share as it is."""

    def __init__(self, n_sensors: int, weight_n: float, rate_hz: float, *, geometry, knots=COVERAGE_KNOTS,
                 coverage_sigma: float = COVERAGE_SIGMA, coverage_smooth: float = COVERAGE_SMOOTH,
                 factors: bool = True, still_only: bool = False, per_foot: bool = False,
                 pin_below: float | None = None, settle_s: float | None = None, under_only: bool = False,
                 drift_band: float | None = None, moving_poses: bool = False, **kw):
        feet, y, span = geometry
        # moving_poses (with still_only and pose_tol): a moving chunk is averaged into the pose it
        # matches (or starts one), and a pose is solved once held still for still_min chunks
        # (:meth:`LogPlacementAdjuster._kept_rows`): the move into and out of a held pose counts
        # toward it, a movement that is never held (a spiral) teaches nothing
        self.moving_poses = bool(moving_poses)
        # drift_band: once the step-on's window is over (or all along, learning continuously), a
        # still moment whose loads as this model reads them fall more than drift_band below W is
        # a person holding on, not a pose to learn from (COVERAGE_BAND_LOW is for the first poses)
        self.drift_band = None if drift_band is None else float(drift_band)
        self.still_only = bool(still_only)
        # a foot rolled onto its toes reads ×0.6 before its coverage is learnt: learning still
        # moments, the holding-on test cannot be the per-disc forms' 15 % (those chunks would never
        # be learnt). Excluding the detector's holding-on frames instead was tried: it flags those
        # very poses (the total reads low), ideal L/R 0.91 -> 2.34 pp
        self.band_low = COVERAGE_BAND_LOW if still_only else BAND_LOW
        self.cfeet = np.asarray(feet, int)
        self.cy = np.asarray(y, float)
        self.cspan = np.asarray(span, float)
        self.knots = np.asarray(knots, float)
        self.K = len(self.knots)
        # per_foot: each foot its own curve (where it landed moves its discs along it, issue 22);
        # else one curve for both feet
        self.per_foot = bool(per_foot)
        # under_only: the discs can only miss load (it spreads off them), never see more than the
        # foot carries — a disc reading high is its landing (a per-disc factor), not coverage
        self.under_only = bool(under_only)
        self.ng = self.K * (2 if self.per_foot else 1)
        # pin_below: the curve is held at 1 up to that u (the foot standing or on its heel is the
        # calibration's own reference; its level is the common factor's and the live rescale's)
        sig = np.full(self.K, float(coverage_sigma))
        if pin_below is not None:
            sig[self.knots <= pin_below] = 1e-3
        self.g_sigma = np.tile(sig, 2 if self.per_foot else 1)
        self.coverage_sigma = float(coverage_sigma)
        self.coverage_smooth = float(coverage_smooth)
        if not factors:           # the coverage only: the discs' factors held at 1
            kw["log_sigma"] = 1e-3
        super().__init__(n_sensors, weight_n, rate_hz, **kw)
        if settle_s is not None:          # no equation in the first settle_s after stepping on
            self.settle_n = int(round(settle_s * rate_hz))

    def reset(self) -> None:
        super().reset()
        self.g = np.zeros(self.ng)

    def _exponent(self, B: np.ndarray, g: np.ndarray) -> np.ndarray:
        """g(u_f) (n, 2) from the knot weights B (n, 2, K)."""
        if self.per_foot:
            return np.einsum("nfk,fk->nf", B, g.reshape(2, self.K))
        return B @ g

    def _basis(self, terms: np.ndarray):
        """Per row of ``terms`` (n, S) (forces × factors): each foot's sum (n, 2) and the knot
        weights (n, 2, K) of its u (linear interpolation; u clipped to 0..1)."""
        n = terms.shape[0]
        L = np.empty((n, 2))
        B = np.zeros((n, 2, self.K))
        rows = np.arange(n)
        feet = self.__dict__.get("_feet_geom")
        if feet is None:       # each foot's discs, their y and the span's start and length, once
            feet = self._feet_geom = [(np.flatnonzero(self.cfeet == f), self.cy[self.cfeet == f],
                                       float(self.cspan[f, 0]), max(self.cspan[f, 1] - self.cspan[f, 0], 1e-9))
                                      for f in (0, 1)]
            self._knot_step = self.knots[1:] - self.knots[:-1]
        knots, step, top = self.knots, self._knot_step, self.K - 2
        # (np.maximum/np.minimum: np.clip's values, without its Python wrapper's cost; the same
        # operations otherwise, once per block and per Gauss-Newton step)
        mx, mn = np.maximum, np.minimum
        with np.errstate(invalid="ignore", divide="ignore"):
            for f, (idx, cy, c0, span) in enumerate(feet):
                t = mx(terms[:, idx], 0.0)
                Lf = t.sum(axis=1)
                L[:, f] = Lf
                v = ((t @ cy) / Lf - c0) / span
                v[np.isnan(v)] = 0.0        # np.nan_to_num's NaN -> 0; ±inf clip to 1 / 0 as its ±max did
                u = mn(mx(v, 0.0), 1.0)
                j = mn(mx(np.searchsorted(knots, u, side="right") - 1, 0), top)
                a = mn(mx((u - knots[j]) / step[j], 0.0), 1.0)
                B[rows, f, j] = 1.0 - a
                B[rows, f, j + 1] += a
        return L, B

    def _anchor_state(self) -> np.ndarray:
        return np.concatenate([self.u, self.g])

    def _snapshot(self):
        return (self.factors, self.g.copy())

    def _apply(self, f: np.ndarray, snap) -> np.ndarray:
        k, g = snap
        out = f * k
        if not np.any(g):
            return out
        _, B = self._basis(out if np.isfinite(out).all() else np.nan_to_num(out))
        c = np.exp(-self._exponent(B, g))          # (n, 2)
        return out * c[:, self.cfeet]

    def _commit(self, h: np.ndarray, still: bool) -> bool:
        if self.still_only and not still and not self.moving_poses:
            return False                   # moving (a spiral): lag and hysteresis, not coverage
        # the holding-on test reads the loads as this model reads them (factors and coverage)
        band = self.band_low
        if self.drift_band is not None and (self.learn_n is None or self._on_n > self.settle_n + self.learn_n):
            band = self.drift_band
        if self.equations and (float(self._apply(h[None, :], self._snapshot()).sum())
                               < (1.0 - band) * self.weight_n):
            return False
        return super()._commit(h, still, holding_checked=True)

    def _solve(self) -> None:
        S, K = self.S, self.ng
        rows = self._kept_rows()
        if not rows and not self._ratio:
            return
        H = np.array([r[0] for r in rows]).reshape(len(rows), S)
        w = np.array([r[1] for r in rows], float)
        if self.anchor is None:
            prior = np.concatenate([[1.0 / self.common_sigma], 1.0 / self.log_sigma, 1.0 / self.g_sigma])
            centre = np.zeros(S + 1 + K)
        else:
            # after the step-on: the discs' factors drift about the step-on's; the coverage is
            # the person's (where along the foot the load is), learnt as freely as before
            prior = np.concatenate([[1.0 / self.common_sigma], np.full(S, 1.0 / self.drift_sigma),
                                    1.0 / self.g_sigma])
            centre = np.concatenate([self.anchor[:S + 1], np.zeros(K)])
        D = np.diff(np.eye(self.K), 2, axis=0) / self.coverage_smooth     # smoothness rows
        if self.per_foot:
            D = np.block([[D, np.zeros_like(D)], [np.zeros_like(D), D]])
        x = np.concatenate([self.u, self.g])
        ratio = _ratio_rows(self._ratio, S + 1 + K, self.template_sigma)
        for _ in range(5):
            k = np.exp(x[0] + x[1:S + 1])
            g = x[S + 1:]
            terms = H * k[None, :]
            L, B = self._basis(terms)
            cf = np.exp(-self._exponent(B, g))                      # (n, 2)
            pred = (L * cf).sum(axis=1)
            J = np.empty((len(H), S + 1 + K))
            J[:, 0] = w * pred
            J[:, 1:S + 1] = w[:, None] * terms * cf[:, self.cfeet]
            if self.per_foot:
                J[:, S + 1:] = -w[:, None] * ((L * cf)[:, :, None] * B).reshape(len(H), K)
            else:
                J[:, S + 1:] = -w[:, None] * np.einsum("nf,nfk->nk", L * cf, B)
            step = _gauss_newton_step(J, w * (pred - 1.0), prior, x, centre, ratio, smooth=(D, S + 1))
            x = x - step
            if np.max(np.abs(step)) < 1e-4:
                break
        x[0] = np.clip(x[0], np.log(0.3), np.log(3.0))
        x[1:S + 1] = np.clip(x[1:S + 1], np.log(0.1), np.log(10.0))
        x[S + 1:] = np.clip(x[S + 1:], -1.5, 0.0 if self.under_only else 1.5)
        self.u, self.g = x[:S + 1], x[S + 1:]
