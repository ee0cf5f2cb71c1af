"""The live display's CoP filter: causal, low-latency, sample by sample.

METRICS.md: a 2nd-order 10 Hz Butterworth adds ≈ 22 ms of delay (its group delay at low
frequencies, √2 / (2π·10 Hz)), a 4th-order one ≈ 40 ms, and a One-Euro filter lags *more* at
slow tai-chi speeds. The view therefore uses the 2nd-order Butterworth on *every* sample of
each block (filtering only the sample that happens to be drawn would alias the 200 Hz noise
into the 30–60 fps picture), and the bench counts its delay in the step-response latency.

Pure Python on floats (no scipy import, so the first frame comes fast): a cascade of biquads in
transposed direct form II, one state per axis. A missing CoP (NaN: nobody on the mat) gives NaN
and resets the filter; the next valid sample starts it at rest at that value, so stepping back
on never draws a marker sliding in from where the person stepped off.
"""
from __future__ import annotations

import math

import numpy as np

from firmware.dsp import butter_sections  # noqa: F401  (re-exported: the view's filter design)


class CopFilter:
    """Causal Butterworth low-pass of a CoP stream: ``filter(cop (n, 2)) -> (n, 2)``.

    ``fs_hz`` is the design rate; :meth:`feed` with sample times re-designs the filter when the
    stream's actual rate differs from it by more than 20 % (a replay of another rate).
    """

    def __init__(self, fs_hz: float = 200.0, fc_hz: float = 10.0, order: int = 2):
        self.fc_hz = float(fc_hz)
        self.order = int(order)
        self.design(fs_hz)
        self._dt = None
        self._t_last = None

    def design(self, fs_hz: float) -> None:
        self.fs_hz = float(fs_hz)
        self.sections = butter_sections(self.fc_hz, self.fs_hz, self.order)
        self.reset()

    def reset(self) -> None:
        self._state = None            # per axis, per section: [z1, z2]
        self.last = np.full(2, np.nan)

    @property
    def delay_ms(self) -> float:
        """Group delay at 0 Hz (ms): the lag of a slow, smooth movement."""
        return 1e3 * sum(1.0 / (2 * math.pi * self.fc_hz * q) for q in self._qs())

    def _qs(self):
        n = self.order
        return [1.0 / (2.0 * math.sin((2 * i + 1) * math.pi / (2 * n))) for i in range(n // 2)]

    def _start(self, x: float, y: float) -> None:
        st = []
        for v in (x, y):
            axis = []
            for b0, b1, b2, a1, a2 in self.sections:
                z2 = (b2 - a2) * v
                axis.append([(b1 - a1) * v + z2, z2])
            st.append(axis)
        self._state = st

    def filter(self, cop) -> np.ndarray:
        """Filter samples ``cop`` (n, 2) in order; returns the filtered (n, 2)."""
        cop = np.asarray(cop, float).reshape(-1, 2)
        rows = cop.tolist()                    # Python floats: a sample costs ~1 µs, not ~5 (numpy scalars)
        secs = self.sections
        isfinite = math.isfinite
        nan = math.nan
        state = self._state
        for row in rows:
            x, y = row
            if not (isfinite(x) and isfinite(y)):
                state = self._state = None
                row[0] = row[1] = nan
                continue
            if state is None:
                self._start(x, y)
                state = self._state
            for i, v in enumerate(row):
                for (b0, b1, b2, a1, a2), z in zip(secs, state[i]):
                    w = b0 * v + z[0]
                    z[0] = b1 * v - a1 * w + z[1]
                    z[1] = b2 * v - a2 * w
                    v = w
                row[i] = v
        out = np.array(rows, float).reshape(-1, 2)
        if len(out):
            self.last = out[-1].copy()
        return out

    def feed(self, t, cop) -> np.ndarray:
        """Like :meth:`filter`, with the sample times ``t`` (s) to follow the stream's rate."""
        ts = np.atleast_1d(np.asarray(t, float)).tolist()
        if ts:
            prev = self._t_last
            if prev is not None:
                ts.insert(0, prev)
            dts = sorted(d for d in (b - a for a, b in zip(ts, ts[1:])) if 0 < d < 0.5)
            if dts:
                m = len(dts) // 2
                dt = dts[m] if len(dts) % 2 else (dts[m - 1] + dts[m]) / 2      # the median, as numpy's
                self._dt = dt if self._dt is None else 0.9 * self._dt + 0.1 * dt
                fs = 1.0 / self._dt
                if abs(fs - self.fs_hz) > 0.2 * self.fs_hz and fs > 2.5 * self.fc_hz:
                    state_last = self.last
                    self.design(fs)
                    if np.all(np.isfinite(state_last)):
                        self._start(float(state_last[0]), float(state_last[1]))
            self._t_last = ts[-1]
        return self.filter(cop)


def step_response_half_ms(fs_hz: float = 200.0, fc_hz: float = 10.0, order: int = 2) -> float:
    """Time (ms) for the filter's output to reach half of an input step (at ``fs_hz``)."""
    f = CopFilter(fs_hz, fc_hz, order)
    f.filter([[0.0, 0.0]])
    y = f.filter(np.tile([1.0, 0.0], (int(fs_hz), 1)))[:, 0]
    k = int(np.argmax(y >= 0.5))
    return 1e3 * k / fs_hz
