"""Preparing a CoP series before the sway metrics: the net CoP of two feet and the named pipelines.

:func:`net_cop` combines the two feet's CoP by their loads. :func:`apply_pipeline` runs a named
pipeline — ``raw`` (the series as recorded) or ``quijoux`` (the Quijoux et al. 2021 reference:
spike purge, SWARII resampling to 25 Hz, zero-lag 10 Hz Butterworth low-pass) — and
:data:`PIPELINES` states what each does, so a figure can be traced back to how its series was
made. The metrics themselves are :func:`trainer.analysis.sway.sway_metrics`.

Pure functions over numpy arrays (CoP in mm, time in s, rate in Hz). numpy is imported at module
level: this module is imported inside commands' ``run``, never at ``footmat --help`` time. scipy
(Butterworth) is imported inside the function using it.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["PIPELINES", "net_cop", "purge_artefacts", "swarii", "lowpass_zero_lag", "quijoux_pipeline",
           "apply_pipeline"]

PIPELINES: dict[str, dict] = {
    "raw": {
        "description": "the CoP as recorded: no resampling, no filter, no detrend",
        "resample": None,
        "filter": None,
    },
    "quijoux": {
        "description": "Quijoux et al. 2021 reference pipeline: samples 4000-7000 of the recording, "
                       "mean removed, spike purge, SWARII resampling to 25 Hz, zero-lag 4th-order "
                       "10 Hz Butterworth low-pass",
        "select": {"samples": [4000, 7000], "note": "sample indices of the recording, end excluded; "
                   "--window replaces this selection"},
        "purge": {"skip_start_s": 0.1, "drop_first_and_last": True, "spike_up_mm": 20.0,
                  "spike_return_mm": 5.0,
                  "note": "as the reference implementation: a sample jumping > 20 mm (|dx|+|dy|) from "
                          "the last kept one and back within 5 mm one or two samples later is dropped"},
        "resample": {"method": "SWARII (Audiffren & Contal 2016)", "rate_hz": 25.0, "window_s": 0.08,
                     "note": "window 0.08 s - 1e-6 as the reference code; empty windows filled "
                             "by linear interpolation"},
        "filter": {"type": "butterworth", "btype": "lowpass", "order": 4, "cutoff_hz": 10.0,
                   "zero_lag": "scipy.signal.filtfilt (padtype odd, padlen 15)"},
        "reference": "github.com/Jythen/code_descriptors_postural_control (Stabilogram.from_array)",
    },
}


# --------------------------------------------------------------------------- per-foot -> net CoP
def net_cop(cop_l, f_l, cop_r, f_r) -> np.ndarray:
    """Whole-body CoP from the two feet: (F_L·CoP_L + F_R·CoP_R)/(F_L + F_R), mm.

    ``cop_l``/``cop_r`` are arrays of shape (n, 2) (x, y in mm); ``f_l``/``f_r`` the vertical
    loads (n,) in N. A foot carrying no load (F ≤ 0, its CoP then NaN) contributes nothing, so
    standing on one foot gives that foot's CoP. NaN where the total is not positive, or where a
    loaded foot has no CoP.
    """
    cl = np.asarray(cop_l, dtype=float)
    cr = np.asarray(cop_r, dtype=float)
    fl = np.asarray(f_l, dtype=float)
    fr = np.asarray(f_r, dtype=float)
    if cl.ndim != 2 or cl.shape[1] != 2 or cr.shape != cl.shape or fl.shape != (cl.shape[0],) \
            or fr.shape != fl.shape:
        raise ValueError(f"net_cop needs cop_l, cop_r of shape (n, 2) and loads of shape (n,); got "
                         f"{cl.shape}, {fl.shape}, {cr.shape}, {fr.shape}")
    wl = np.where(fl > 0, fl, 0.0)
    wr = np.where(fr > 0, fr, 0.0)
    total = wl + wr
    # a NaN CoP under a loaded foot makes the result NaN; under an unloaded foot it is ignored
    pl = np.where((wl > 0)[:, None], cl, 0.0) * wl[:, None]
    pr = np.where((wr > 0)[:, None], cr, 0.0) * wr[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (pl + pr) / total[:, None]
    out[~(total > 0)] = np.nan
    return out


# --------------------------------------------------------------------------- the Quijoux pipeline
def purge_artefacts(t_s: np.ndarray, xy: np.ndarray, *, skip_start_s: float = 0.1,
                    up_mm: float = 20.0, return_mm: float = 5.0):
    """Drop the samples the Quijoux reference code drops before SWARII.

    The first and last samples, samples with t < ``skip_start_s``, and one- or two-sample spikes:
    a sample more than ``up_mm`` (|dx| + |dy|) from the last kept one whose next (or next but one)
    sample is back within ``return_mm``. Returns ``(t, xy, n_spikes)``.
    """
    t = np.asarray(t_s, float)
    s = np.asarray(xy, float)
    n = t.size
    keep = np.zeros(n, bool)
    if n < 3:
        return t[keep], s[keep], 0
    # eligible samples form one run: 1 .. n-2, from the first with t >= skip_start_s (t increases)
    first = max(1, int(np.searchsorted(t, skip_start_s, side="left")))
    stop = n - 1
    if first >= stop:
        return t[keep], s[keep], 0
    # While the previous sample was kept, only a jump of more than up_mm from it can start a
    # spike, so walk sample by sample only from such jumps until a sample is kept again.
    jump = np.zeros(n, bool)
    jump[1:] = np.abs(np.diff(s, axis=0)).sum(axis=1) > up_mm
    suspects = np.flatnonzero(jump[first + 1:stop]) + first + 1
    keep[first] = True
    last = first
    i = first + 1
    spikes = 0
    while i < stop:
        if last == i - 1:
            k = int(np.searchsorted(suspects, i))
            nxt = int(suspects[k]) if k < suspects.size else stop
            if nxt > i:
                keep[i:nxt] = True
                last = nxt - 1
                i = nxt
                continue
        ref = s[last]
        spike = False
        if np.abs(s[i] - ref).sum() > up_mm:
            if np.abs(s[i + 1] - ref).sum() < return_mm:
                spike = True
            elif 1 < i < n - 2 and np.abs(s[i + 2] - ref).sum() < return_mm:
                spike = True
        if spike:
            spikes += 1
        else:
            keep[i] = True
            last = i
        i += 1
    return t[keep], s[keep], spikes


def swarii(t_s: np.ndarray, values: np.ndarray, rate_hz: float = 25.0, window_s: float = 0.08):
    """SWARII resampling (Audiffren & Contal 2016) of irregular samples to ``rate_hz``.

    For each output time c (from max(0, t[0]) in steps of 1/rate while c < t[-1]), the samples
    with |t − c| < window/2 each hold their value over their half-way-to-the-neighbours cell,
    clipped to the window and to [t[0], t[-1]]; the output is the time-weighted mean. As in the
    reference code the window is shortened by 1e-6 s so that samples exactly window/2 away are
    excluded. Windows without a sample are filled by linear interpolation between outputs.
    Returns ``(t_out, values_out)``; ``values`` may be (n,) or (n, k).
    """
    t = np.asarray(t_s, float)
    v = np.asarray(values, float)
    squeeze = v.ndim == 1
    if squeeze:
        v = v[:, None]
    if t.size < 2:
        raise ValueError("SWARII needs at least two samples")
    if np.any(np.diff(t) <= 0):
        raise ValueError("SWARII needs strictly increasing times")
    step = 1.0 / rate_hz
    start = max(0.0, float(t[0]))
    # the reference accumulates current_time += 1/rate; do the same (sequential rounding)
    m = int(math.ceil((t[-1] - start) * rate_hz)) + 2
    c = np.add.accumulate(np.concatenate(([start], np.full(m, step))))
    c = c[c < t[-1]]
    h = 0.5 * (window_s - 1e-6)
    lo = np.searchsorted(t, c - h, side="right")
    hi = np.searchsorted(t, c + h, side="left")
    count = hi - lo
    mid = 0.5 * (t[1:] + t[:-1])
    out = np.full((c.size, v.shape[1]), np.nan)
    have = count > 0
    if have.any():
        width = int(count.max())
        j = lo[:, None] + np.arange(width)[None, :]
        inside = np.arange(width)[None, :] < count[:, None]
        jj = np.minimum(j, t.size - 1)
        first = (j == lo[:, None]) | (jj == 0)
        last = j == (hi - 1)[:, None]
        left = np.where(first, np.maximum(t[0], (c - h)[:, None]), mid[np.maximum(jj - 1, 0)])
        right = np.where(last, np.minimum(t[-1], (c + h)[:, None]), mid[np.minimum(jj, mid.size - 1)])
        w = np.where(inside, right - left, 0.0)
        wsum = w.sum(axis=1)
        for col in range(v.shape[1]):
            num = (w * v[jj, col]).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, col] = num / wsum
        single = count == 1
        out[single] = v[lo[single]]
    missing = ~have
    if missing.any():
        if have.sum() < 2:
            raise ValueError("SWARII: fewer than two windows hold a sample")
        for col in range(v.shape[1]):
            out[missing, col] = np.interp(c[missing], c[have], out[have, col])
    return c, (out[:, 0] if squeeze else out)


def lowpass_zero_lag(values: np.ndarray, fs_hz: float, cutoff_hz: float = 10.0, order: int = 4):
    """Zero-lag (forward-backward, scipy filtfilt) Butterworth low-pass along axis 0."""
    from scipy.signal import butter, filtfilt

    b, a = butter(order, cutoff_hz / (0.5 * fs_hz), btype="lowpass")
    return filtfilt(b, a, values, axis=0)


def quijoux_pipeline(x_mm, y_mm, fs_hz: float, select: tuple[int, int] | None = (4000, 7000)):
    """The Quijoux et al. 2021 reference pipeline → ``(x, y, 25.0, info)``.

    ``x_mm``/``y_mm`` are uniformly sampled at ``fs_hz`` (NaN = no sample: its time slot stays
    empty). ``select`` = sample indices [start, stop) taken first (the reference takes
    4000–7000); ``None`` takes everything. Then, as in ``Stabilogram.from_array``: time =
    index/fs from the selection's start, NaN rows removed, mean removed, spike purge
    (:func:`purge_artefacts`), SWARII to 25 Hz (:func:`swarii`), 4th-order 10 Hz zero-lag
    Butterworth (:func:`lowpass_zero_lag`). ``info`` states each step's parameters and counts.
    """
    spec = PIPELINES["quijoux"]
    x = np.asarray(x_mm, float).ravel()
    y = np.asarray(y_mm, float).ravel()
    if select is not None:
        a, b = select
        if x.size < b:
            raise ValueError(f"the quijoux pipeline takes samples {a}-{b} but the recording has {x.size}")
        x = x[a:b]
        y = y[a:b]
    t = np.arange(x.size) / fs_hz
    valid = np.isfinite(x) & np.isfinite(y)
    t, x, y = t[valid], x[valid], y[valid]
    if x.size < 10:
        raise ValueError(f"the quijoux pipeline needs at least 10 samples with CoP, got {x.size}")
    xy = np.column_stack([x - x.mean(), y - y.mean()])
    pu = spec["purge"]
    tp, sp, spikes = purge_artefacts(t, xy, skip_start_s=pu["skip_start_s"], up_mm=pu["spike_up_mm"],
                                     return_mm=pu["spike_return_mm"])
    rs = spec["resample"]
    tr, sr = swarii(tp, sp, rate_hz=rs["rate_hz"], window_s=rs["window_s"])
    fl = spec["filter"]
    sf = lowpass_zero_lag(sr, rs["rate_hz"], cutoff_hz=fl["cutoff_hz"], order=fl["order"])
    info = {
        "name": "quijoux",
        "description": spec["description"],
        "select": ({"samples": list(select)} if select is not None else None),
        "excluded_nan_rows": int((~valid).sum()),
        "purge": dict(pu, dropped_spikes=int(spikes), samples_in=int(t.size), samples_out=int(tp.size)),
        "resample": dict(rs, samples_out=int(tr.size)),
        "filter": fl,
        "reference": spec["reference"],
    }
    return sf[:, 0], sf[:, 1], float(rs["rate_hz"]), info


def apply_pipeline(name: str, x_mm, y_mm, fs_hz: float, select: tuple[int, int] | None = None):
    """Run a named pipeline → ``(x, y, fs, info)``. ``raw`` returns the series unchanged.

    For ``quijoux`` with ``select=None`` the pipeline's own selection (samples 4000–7000) is used;
    pass ``select=False`` to take the whole series (e.g. after choosing a time window).
    """
    if name == "raw":
        return (np.asarray(x_mm, float), np.asarray(y_mm, float), float(fs_hz),
                {"name": "raw", "description": PIPELINES["raw"]["description"]})
    if name == "quijoux":
        sel = PIPELINES["quijoux"]["select"]["samples"] if select is None else (select or None)
        return quijoux_pipeline(x_mm, y_mm, fs_hz, select=tuple(sel) if sel else None)
    raise ValueError(f"no pipeline {name!r}; the pipelines are: {', '.join(PIPELINES)}")
