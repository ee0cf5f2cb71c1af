"""The simulated mat: a person on FSRs, read out as voltages (for the simulated chips) or,
on the fast vectorised path, straight as ADC codes."""
from __future__ import annotations

import numpy as np

from ..frames import FrameBlock
from . import scenarios
from .person import FootTarget, ScriptedPerson
from .physics import FootGeometry, FSRBank, PublishedFSRBank, foot_loads, sensor_forces, to_codes


def _slice_target(target: FootTarget, sl: slice) -> FootTarget:
    return FootTarget(target.left_share[sl], target.left_cop[sl], target.right_cop[sl],
                      None if target.grip is None else target.grip[sl])


class SimMat:
    """Physics of a mat with a person on it.

    ``scenario`` (a name of :mod:`firmware.sim.scenarios` or a Scenario; None: ``ideal``, the
    former simulator, so code that names none keeps its figures) sets the FSR parts, creep,
    drift, where the feet land and the person's own feet. With ``ideal``, ``spread`` is the FSR
    part-to-part gain spread (±), ``hysteresis`` and ``creep`` the fractional FSR effects and
    ``noise_v`` the electrical noise (V rms) at the ADC input.

    Other scenarios: every step-on (the load on the mat rising through 20 % of the person's
    weight) draws where each foot lands (the scenario's spreads, seeded by ``seed``, ``session``
    — a calibration and each later session of the same mat land differently — and the step's
    number) and the parts' repeatability; the person's foot length and arch are drawn
    from the person's ``seed`` (or taken from ``person.foot_length_mm`` / ``person.midfoot_share``
    when the person has them). ``placements`` lists (time, shift (2, 2) mm, rotation (2,) °).
    """

    STEP_ON_FRACTION = 0.2

    def __init__(self, layout, person: ScriptedPerson, *, seed: int = 0, spread: float = 0.25,
                 hysteresis: float = 0.05, creep: float = 0.08, noise_v: float = 0.0004, scenario=None,
                 session: int = 0):
        self.layout = layout
        self.person = person
        self.scenario = scenarios.get(scenario if scenario is not None else "ideal")
        self.geom = FootGeometry(layout)
        self.rng = np.random.default_rng([seed, 11])
        self.seed = seed
        self.session = int(session)        # which of the person's sessions: the feet land anew each one
        if self.scenario.legacy:
            self.fsr = FSRBank(layout, self.rng, spread, hysteresis, creep, noise_v)
        else:
            self.fsr = PublishedFSRBank(layout, self.rng, self.scenario)
        self.faults: dict[int, str] = {}   # sensor index -> "open" | "short" | "noisy"
        self._cache_t = None
        self._cache_k = None
        self._grid = None
        self.placements: list[tuple[float, np.ndarray, np.ndarray]] = []
        self._geoms: list[FootGeometry] = []
        self._last_t = -np.inf
        self._was_on = True                # a person starts on the mat (a script's first knot)
        self._body = None

    # -- the person's feet and where they land ----------------------------------------------
    def body(self) -> dict:
        """The person's own feet under this scenario: foot length (mm) and midfoot share."""
        if self._body is None:
            sc = self.scenario
            rng = np.random.default_rng([int(getattr(self.person, "seed", 0)), 17])
            length = getattr(self.person, "foot_length_mm", None)
            if length is None:
                # ±foot_length_sd within the layout's size; beyond 2 SD a person would print the next size
                d = float(np.clip(rng.normal(0.0, sc.foot_length_sd), -2 * sc.foot_length_sd, 2 * sc.foot_length_sd)) \
                    if sc.foot_length_sd else 0.0
                length = self.layout.foot_length_mm + d
            mid = getattr(self.person, "midfoot_share", None)
            if mid is None and sc.arch:
                # arch type: the midfoot carries ~5 % (high arch) to ~25 % (flat foot) of the load
                # (HARDWARE.md); most feet in between
                mid = float(rng.triangular(0.05, 0.10, 0.25))
            self._body = {"foot_length_mm": float(length), "midfoot_share": mid}
        return self._body

    def _place(self, t0: float) -> None:
        sc = self.scenario
        k = len(self.placements)
        rng = np.random.default_rng([self.seed, 13, self.session, k])
        shift = np.stack([rng.normal(0.0, sc.across_sd, 2) if sc.across_sd else np.zeros(2),
                          rng.normal(0.0, sc.along_sd, 2) if sc.along_sd else np.zeros(2)], axis=1)
        rot = rng.normal(0.0, sc.rot_deg_sd, 2) if sc.rot_deg_sd else np.zeros(2)
        body = self.body()
        covered = None if sc.uncovered else self.geom.covered(self.layout)
        self.placements.append((t0, shift, rot))
        self._geoms.append(self.geom.placed(foot_length_mm=body["foot_length_mm"], midfoot_share=body["midfoot_share"],
                                            covered_only=covered, shift=shift, rot_deg=rot))
        if k and hasattr(self.fsr, "new_step"):
            self.fsr.new_step()

    def _segments(self, t: np.ndarray, load: np.ndarray):
        """(index slice, geometry) pieces of ``t``: the feet's placement of each sample, new
        placements drawn at the step-ons among the samples later than any seen before."""
        if self.scenario.legacy:
            return [(slice(0, len(t)), self.geom)]
        if not self.placements:
            self._place(float(t[0]))
        thr = self.STEP_ON_FRACTION * self.person.weight_n
        new = t > self._last_t
        if new.any():
            idx = np.flatnonzero(new)
            on = load[idx] > thr
            # a step-on: on the mat after a sample (or the last call's) that was not
            steps = idx[on & ~np.concatenate([[self._was_on], on[:-1]])]
            for i in steps:
                self._place(float(t[i]))
            self._was_on = bool(on[-1])
            self._last_t = float(t[new][-1])
        starts = np.array([p[0] for p in self.placements])
        idx = np.maximum(np.searchsorted(starts, t, side="right") - 1, 0)
        out = []
        cut = np.flatnonzero(np.diff(idx)) + 1
        for a, b in zip(np.concatenate([[0], cut]), np.concatenate([cut, [len(t)]])):
            out.append((slice(int(a), int(b)), self._geoms[idx[a]]))
        return out

    # -- physics --------------------------------------------------------------------------
    def truth(self, t):
        """True CoP (n, 2) mm and true total load (n,) N, with the region loads (n, 2, R)."""
        region, true_cop, true_load, _ = self._physics(np.atleast_1d(np.asarray(t, float)))
        return region, true_cop, true_load

    def _physics(self, t):
        cop, load = self.person.state(t)
        segs = self._segments(t, load)
        if len(segs) == 1:
            g = segs[0][1]
            region, true_cop, true_load = foot_loads(g, cop, load)
            return region, true_cop, true_load, sensor_forces(g, self.layout, region)
        region = np.empty((len(t), 2, len(self.geom.share)))
        true_cop = np.empty((len(t), 2))
        true_load = np.empty(len(t))
        forces = np.empty((len(t), len(self.layout.sensors)))
        for sl, g in segs:
            c = cop[sl] if not hasattr(cop, "left_share") else _slice_target(cop, sl)
            region[sl], true_cop[sl], true_load[sl] = foot_loads(g, c, load[sl])
            forces[sl] = sensor_forces(g, self.layout, region[sl])
        return region, true_cop, true_load, forces

    def foot_truth(self, t):
        """Each foot's true load (n, 2) N and CoP (n, 2, 2) mm (left, right) at ``t`` — from
        the region loads where the feet really are. Like :meth:`truth`, a function of the person
        and of the placements already drawn (it does not touch the FSRs' state)."""
        region, _, _, _ = self._physics(np.atleast_1d(np.asarray(t, float)))
        t = np.atleast_1d(np.asarray(t, float))
        segs = self._segments(t, region.sum(axis=(1, 2)))
        loads = region.sum(axis=2)
        cop = np.full((len(t), 2, 2), np.nan)
        for sl, g in segs:
            pos = np.einsum("nfr,frk->nfk", region[sl], g.centres)
            with np.errstate(invalid="ignore", divide="ignore"):
                cop[sl] = np.where(loads[sl][:, :, None] > 1e-9, pos / loads[sl][:, :, None], np.nan)
        return loads, cop

    def volts(self, t):
        """Voltages (n, S) at the ADC inputs at times ``t`` (increasing), and the truth."""
        t = np.atleast_1d(np.asarray(t, float))
        _, true_cop, true_load, forces = self._physics(t)
        v = self.fsr.volts(forces, t)
        for i, kind in self.faults.items():
            if kind == "open":
                v[:, i] = 0.0
            elif kind == "short":
                v[:, i] = self.layout.adc.vcc
            elif kind == "noisy":
                v[:, i] = np.clip(v[:, i] + self.rng.normal(0, 0.15, v.shape[0]), 0, self.layout.adc.vcc)
        return v, true_cop, true_load

    # -- the fast vectorised path -----------------------------------------------------------
    def frames(self, t) -> FrameBlock:
        """Frames at times ``t`` straight from physics to codes (no bus)."""
        v, cop, load = self.volts(t)
        return FrameBlock(np.asarray(t, float), to_codes(v, self.layout.adc), np.zeros(len(v), np.uint16),
                          cop, load)

    # -- for the simulated chips ------------------------------------------------------------
    GRID_DT_S = 0.001     # the chips' view of the mat is computed on a 1 kHz grid …
    GRID_N = 100          # … 100 ms at a time: one physics call serves twenty frames at 200 Hz
    # (a call costs about 2 ms of CPU, nearly all of it per call rather than per point: 100 points
    # instead of 50 halve the simulated mat's physics in a drill).
    # A person following the drill (trainer.app.simperson) sees the engine's decisions (the start,
    # a pause, the share on the screen) as they stand when their batch is computed: up to 100 ms
    # ahead of the frames, which the engine then reads a block later (50 ms on the virtual clock,
    # 17-33 ms with a view). They react through their lag less 0.12 s of smoothing: 0.13 s for a
    # scripted person, 0.08 s for the quickest named one (good), so a decision made inside that
    # window reaches them up to ~20 ms (scripted) or ~70 ms (good) later than their own lag says:
    # an instant's hesitation, once per decision, against reactions of 0.2-0.6 s.

    def voltage(self, sensor: int, t: float) -> float:
        """Voltage at one sensor's ADC input at time ``t`` (s), from the nearest point of a
        1 kHz grid computed ahead in :data:`GRID_N`-point batches (time never runs backwards for the FSRs)."""
        g = self._grid
        if g is None or t > g[5] + 0.5 * self.GRID_DT_S:
            t0 = t if g is None else max(t, g[5] + self.GRID_DT_S)
            tg = t0 + np.arange(self.GRID_N) * self.GRID_DT_S
            v, cop, load = self.volts(tg)
            # (the grid's first and last times and its volts as Python floats: the same values,
            # read without a numpy indexing per conversion)
            self._grid = g = (tg, v, cop, load, float(tg[0]), float(tg[-1]), v.tolist())
        k = min(max(int(round((t - g[4]) / self.GRID_DT_S)), 0), self.GRID_N - 1)
        self._cache_t, self._cache_k = t, k
        return g[6][k][sensor]

    @property
    def _cache(self):
        """(volts (S,), true CoP (2,), true load) of the grid point the last :meth:`voltage` read."""
        if self._grid is None or self._cache_k is None:
            return None
        _, v, cop, load = self._grid[:4]
        k = self._cache_k
        return v[k], cop[k], load[k]
