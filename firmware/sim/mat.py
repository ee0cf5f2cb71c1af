"""The simulated mat: a person on FSRs, read out as voltages (for the simulated chips) or,
on the fast vectorised path, straight as ADC codes."""
from __future__ import annotations

import numpy as np

from ..frames import FrameBlock
from .person import ScriptedPerson
from .physics import FootGeometry, FSRBank, foot_loads, sensor_forces, to_codes


class SimMat:
    """Physics of a mat with a person on it.

    ``spread`` is the FSR part-to-part gain spread (±), ``hysteresis`` and ``creep`` the
    fractional FSR effects, ``noise_v`` the electrical noise (V rms) at the ADC input.
    """

    def __init__(self, layout, person: ScriptedPerson, *, seed: int = 0, spread: float = 0.25,
                 hysteresis: float = 0.05, creep: float = 0.08, noise_v: float = 0.0004):
        self.layout = layout
        self.person = person
        self.geom = FootGeometry(layout)
        self.rng = np.random.default_rng([seed, 11])
        self.fsr = FSRBank(layout, self.rng, spread, hysteresis, creep, noise_v)
        self.faults: dict[int, str] = {}   # sensor index -> "open" | "short" | "noisy"
        self._cache_t = None
        self._cache = None
        self._grid = None

    # -- physics --------------------------------------------------------------------------
    def truth(self, t):
        """True CoP (n, 2) mm and true total load (n,) N, with the region loads."""
        cop, load = self.person.state(t)
        region, true_cop, true_load = foot_loads(self.geom, cop, load)
        return region, true_cop, true_load

    def volts(self, t):
        """Voltages (n, S) at the ADC inputs at times ``t`` (increasing), and the truth."""
        t = np.atleast_1d(np.asarray(t, float))
        region, true_cop, true_load = self.truth(t)
        v = self.fsr.volts(sensor_forces(self.geom, self.layout, region), t)
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
    GRID_N = 50           # … 50 ms at a time: one physics call serves ten frames at 200 Hz.
    # A person following the drill (trainer.app.simperson) reacts to the engine through their lag
    # (0.25 s, less 0.12 s of smoothing): 50 ms ahead plus a ~33 ms block stays inside it, so
    # the person never sees a decision the engine has not made yet.

    def voltage(self, sensor: int, t: float) -> float:
        """Voltage at one sensor's ADC input at time ``t`` (s), from the nearest point of a
        1 kHz grid computed ahead in 50 ms batches (time never runs backwards for the FSRs)."""
        g = self._grid
        if g is None or t > g[0][-1] + 0.5 * self.GRID_DT_S:
            t0 = t if g is None else max(t, g[0][-1] + self.GRID_DT_S)
            tg = t0 + np.arange(self.GRID_N) * self.GRID_DT_S
            v, cop, load = self.volts(tg)
            self._grid = g = (tg, v, cop, load)
        tg, v, cop, load = g
        k = min(max(int(round((t - tg[0]) / self.GRID_DT_S)), 0), self.GRID_N - 1)
        self._cache_t, self._cache = t, (v[k], cop[k], load[k])
        return float(v[k][sensor])
