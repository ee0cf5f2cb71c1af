"""The diagnosis of ``footmat check``: per-sensor status, chips and counters from a block of
frames, and the guided test's dead or swapped sensors (pure functions, no printing).

How each status is decided (over the sampled window):

* missing — the sensor's chip does not answer (its channels are unread), or on an MCP3008 every
  channel reads exactly 0 although bleed resistors are fitted;
* stuck — the chip's conversions miss their deadline (TIMEOUT);
* shorted — the input sits at the supply rail (≥ 95 % of Vcc: an FSR below ~RM/19 ≈ 50 Ω);
* open — with a bleed resistor across each FSR an unloaded sensor still reads
  Vcc·RM/(RM+Rbleed) (≈ 3.3 mV); a reading below a third of that is a broken wire. Without a
  bleed resistor an open wire looks unloaded: only the guided test can tell;
* noisy — the frame-to-frame noise (robust spread of the differences, /√2) exceeds 20 mV.

The guided test: step off (:data:`GUIDED_OFF_S`), step on (:data:`GUIDED_ON_S`), then the
weight on each sensor in turn (:data:`GUIDED_PRESS_S` each); :func:`guided_script` is what a
cooperative simulated person does over the same timeline.
"""
from __future__ import annotations

import math

import numpy as np

from firmware.frames import Flag
from firmware.sim.person import ScriptBuilder

STATUSES = ("ok", "open", "shorted", "noisy", "stuck", "missing")
NOISE_LIMIT_V = 0.020
SHORT_FRACTION = 0.95
OPEN_FRACTION = 1 / 3
UNREAD_LIMIT = 0.5         # a sensor unread in more than half the frames is missing/stuck
BUS_ERROR_LIMIT = 0.005    # failed transactions (even if retried) above 0.5 % → unreliable bus
UNREADABLE_LIMIT = 0.01    # frames that could not be read above 1 % → fault
GUIDED_OFF_S = 3.0
GUIDED_ON_S = 3.0
GUIDED_PRESS_S = 4.0
GUIDED_RATE_HZ = 50.0
RESPONSE_MIN = 0.3         # a press must raise a sensor's conductance by 30 % over standing


def guided_seconds(layout) -> float:
    """How long the guided test takes with this layout's sensors."""
    return GUIDED_OFF_S + GUIDED_ON_S + GUIDED_PRESS_S * len(layout.sensors)


def guided_step_start(k: int) -> float:
    """When guided step ``k`` starts (s): 0 step off, 1 step on, 2.. press sensor k - 2."""
    if k <= 0:
        return 0.0
    if k == 1:
        return GUIDED_OFF_S
    return GUIDED_OFF_S + GUIDED_ON_S + (k - 2) * GUIDED_PRESS_S


def guided_script(layout, centre=(0.0, 110.0)):
    """What a cooperative simulated person does during ``--guided``: the same timeline."""
    cx, cy = centre
    b = ScriptBuilder(cx, cy)
    b.hold(0.2).step_off(0.4).hold(GUIDED_OFF_S - 0.6)
    b.hold(0.2).step_on(0.4).hold(GUIDED_ON_S - 0.6)
    for s in layout.sensors:
        b.hold(0.2).move_to(s.x_mm, s.y_mm, 0.8).hold(GUIDED_PRESS_S - 1.4).move_to(cx, cy, 0.4)
    return b.build()


def conductance_us(volts, layout, i: int):
    """FSR conductance (µS) from the divider output: G = V/(RM·(Vcc−V)) − 1/Rbleed."""
    adc = layout.adc
    rm = layout.sensors[i].divider_ohms
    v = np.asarray(volts, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(v < adc.vcc, v / (rm * (adc.vcc - v)), np.inf)
    if adc.bleed_ohms:
        g = g - 1.0 / adc.bleed_ohms
    return np.maximum(g, 0.0) * 1e6


def chip_states(source, layout) -> list[dict]:
    """The state of each ADC chip: the ADS1115 reader's own report, or the one MCP3008 as ok."""
    reader = source.reader
    if hasattr(reader, "chip_status"):
        return reader.chip_status()
    return [{"address": "SPI0 CE0", "state": "ok", "channels": [s.channel for s in layout.sensors], "error": None}]


def diagnose(layout, block, counters: dict, chips: list[dict], *, backend: str, rate_hz: float,
             elapsed_s: float, virtual: bool, calibration=None, calibration_file: str | None = None) -> dict:
    """The report: per-sensor readings and status, chips, counters, faults (pure function).
    With a ``calibration``, also each sensor's median force and the mat's median load (N)."""
    forces = calibration.forces(block.raw, layout) if calibration is not None and len(block) else None

    adc = layout.adc
    n = len(block)
    vpc = adc.volts_per_code
    chip_of = {}
    for i, s in enumerate(layout.sensors):
        key = f"0x{s.address:02x}" if s.address is not None else None
        chip_of[i] = next((c for c in chips if key is None or c["address"] == key), {})
    sensors, faults = [], []
    raw_all = block.raw
    mcp_dead = (adc.type == "mcp3008" and adc.bleed_ohms > 0 and n > 0
                and np.all(np.nan_to_num(raw_all, nan=0.0) == 0.0))
    timeout_frames = (block.flags & Flag.TIMEOUT) != 0
    for i, s in enumerate(layout.sensors):
        col = raw_all[:, i] if n else np.zeros(0)
        valid = ~np.isnan(col)
        unread = 1.0 - valid.mean() if n else 1.0
        v = col[valid] * vpc
        entry = {"name": s.name, "channel": s.channel, "frames": int(valid.sum()),
                 "unread_pct": round(100 * unread, 2)}
        chip = chip_of[i]
        if valid.sum():
            med = float(np.median(v))
            if v.size >= 5:
                d = np.diff(v)
                noise = float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2))
            else:
                noise = 0.0
            g = float(conductance_us(med, layout, i))
            entry.update({"raw": float(np.median(col[valid])), "raw_min": float(col[valid].min()),
                          "raw_max": float(col[valid].max()), "volts": round(med, 5),
                          "conductance_us": round(g, 2) if math.isfinite(g) else None,
                          "noise_mv": round(noise * 1e3, 3)})
        else:
            med = noise = float("nan")
            entry.update({"raw": None, "raw_min": None, "raw_max": None, "volts": None,
                          "conductance_us": None, "noise_mv": None})
        if calibration is not None:
            fi = forces[:, i][np.isfinite(forces[:, i])] if forces is not None else np.zeros(0)
            entry["newtons"] = round(float(np.median(fi)), 1) if fi.size else None
        v_bleed = adc.vcc * s.divider_ohms / (s.divider_ohms + adc.bleed_ohms) if adc.bleed_ohms else 0.0
        if unread > UNREAD_LIMIT:
            timed_out = bool((~valid).any() and timeout_frames[~valid].mean() > 0.5)
            status = "stuck" if chip.get("state") == "stuck" or timed_out else "missing"
            detail = chip.get("error") or (f"unread in {100 * unread:.0f} % of frames")
        elif mcp_dead:
            status = "missing"
            detail = ("every MCP3008 channel reads exactly 0: check the chip's VDD/VREF (3.3 V), "
                      "CS on CE0 (GPIO8) and its DOUT wire to MISO (GPIO9)")
        elif med >= SHORT_FRACTION * adc.vcc:
            status = "shorted"
            detail = (f"reads {med:.3f} V, at the {adc.vcc:g} V rail: the FSR or its wires are shorted "
                      "(an FSR never goes below ~200 Ω)")
        elif adc.bleed_ohms and med < OPEN_FRACTION * v_bleed:
            status = "open"
            detail = (f"reads {med * 1e3:.2f} mV where even an unloaded sensor reads {v_bleed * 1e3:.1f} mV "
                      "through its bleed resistor: a wire or connector is open")
        elif noise > NOISE_LIMIT_V:
            status = "noisy"
            detail = (f"frame-to-frame noise {noise * 1e3:.0f} mV (limit {NOISE_LIMIT_V * 1e3:.0f} mV): "
                      "a loose connector or a long unshielded wire")
        else:
            status = "ok"
            detail = ""
            if not adc.bleed_ohms and med < 0.002:
                detail = "unloaded (no bleed resistor: an open wire would look the same — try --guided)"
        entry["status"] = status
        entry["detail"] = detail
        if status != "ok":
            faults.append(f"{s.name} ({s.channel}): {status} — {detail}")
        sensors.append(entry)
    if mcp_dead:
        chips = [dict(c, state="missing", error="every channel reads exactly 0 (SPI has no acknowledge)")
                 for c in chips]
    for c in chips:
        if c.get("state") not in (None, "ok"):
            faults.append(f"chip {c['address']}: {c['state']} — {c.get('error') or ''}".rstrip(" —"))
    unreadable = int(np.sum((block.flags & (Flag.READ_ERROR | Flag.TIMEOUT)) != 0)) if n else 0
    tx = counters.get("transactions", 0)
    errs = counters.get("i2c_errors", 0) + counters.get("spi_errors", 0)
    healthy_chips = all(c.get("state") in (None, "ok") for c in chips)
    if healthy_chips and tx and errs / tx > BUS_ERROR_LIMIT:
        faults.append(f"bus: {errs} of {tx} transactions failed ({100 * errs / tx:.1f} %, retried) — "
                      "check the SDA/SCL wires (short, twisted with GND), the pull-ups and the bus speed")
    if healthy_chips and n and unreadable / n > UNREADABLE_LIMIT:
        faults.append(f"frames: {unreadable} of {n} could not be read ({100 * unreadable / n:.1f} %)")
    achieved = (n - 1) / (float(block.t[-1]) - float(block.t[0])) if n > 1 and block.t[-1] > block.t[0] else 0.0
    if not virtual and n > 10 and achieved < 0.8 * rate_hz:
        faults.append(f"rate: {achieved:.0f} frames/s achieved, {rate_hz:g} asked — the ADC or the computer "
                      "cannot keep up (lower --rate, or raise the ADC's data rate / bus speed)")
    cal_info = None
    if calibration is not None:
        whole = forces[np.all(np.isfinite(forces), axis=1)] if forces is not None else np.zeros((0, 1))
        cal_info = {"file": calibration_file, "method": calibration.method,
                    "calibrated_by": calibration.calibrated_by, "created_at": calibration.created_at,
                    "load_n": round(float(np.median(whole.sum(axis=1))), 1) if len(whole) else None}
    return {"ok": not faults, "backend": backend, "layout": layout.name, "calibration": cal_info,
            "adc": {"type": adc.type, "addresses": [f"0x{a:02x}" for a in adc.addresses] if adc.type == "ads1115" else [],
                    "data_rate": adc.data_rate, "gain": adc.gain, "bus_khz": adc.bus_khz, "vcc": adc.vcc,
                    "divider_ohms": adc.divider_ohms, "bleed_ohms": adc.bleed_ohms},
            "clock": "virtual" if virtual else "real", "seconds": round(elapsed_s, 3), "frames": n,
            "frame_rate_hz": round(achieved, 2), "target_rate_hz": rate_hz,
            "unreadable_frames": unreadable,
            "counters": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in counters.items()},
            "chips": chips, "sensors": sensors, "faults": faults}


def guided_analysis(layout, block, t0: float) -> dict:
    """Dead / swapped sensors from the guided steps (median conductance per step window)."""
    vpc = layout.adc.volts_per_code
    S = len(layout.sensors)

    def window(a, b):
        m = (block.t >= t0 + a) & (block.t < t0 + b)
        if not m.any():
            return np.full(S, np.nan)
        v = np.nanmedian(block.raw[m], axis=0) * vpc
        return np.array([float(conductance_us(v[i], layout, i)) for i in range(S)])

    g_off = window(GUIDED_OFF_S - 1.5, GUIDED_OFF_S)
    on_end = GUIDED_OFF_S + GUIDED_ON_S
    g_on = window(on_end - 1.5, on_end)
    presses = np.array([window(on_end + k * GUIDED_PRESS_S + 1.4, on_end + (k + 1) * GUIDED_PRESS_S - 0.3)
                        for k in range(S)])
    # rel[k, j]: how much sensor j rose over standing while the person pressed sensor k. Leaning on
    # the ball also loads the toes, so ask, per sensor, in which step it rose most.
    rel = (presses - g_on) / (g_on + 50.0)
    rel = np.where(np.isfinite(rel), rel, -np.inf)
    peak_step = rel.argmax(axis=0)
    responds = rel.max(axis=0) > RESPONSE_MIN
    out = []
    faults = []
    names = layout.names
    for i in range(S):
        k = int(peak_step[i])
        if not responds[i]:
            status, detail = "dead", "did not respond when pressed: check the FSR, its wires and connector"
        elif k == i:
            status, detail = "ok", ""
        elif responds[k] and peak_step[k] == i:
            status, detail = "swapped", f"swapped with {names[k]}: their wires or channels are crossed"
        else:
            status, detail = "misplaced", (f"rose most while {names[k]} was pressed: check where it sits "
                                           "and the layout's channels")
        out.append({"name": names[i], "status": status, "detail": detail,
                    "off_us": _r(g_off[i]), "standing_us": _r(g_on[i]), "pressed_us": _r(presses[i][i]),
                    "peak_step": names[k] if responds[i] else None})
        if status != "ok":
            faults.append(f"{names[i]}: {status} — {detail}")
    return {"sensors": out, "faults": faults, "ok": not faults}


def _r(x):
    return round(float(x), 1) if x is not None and math.isfinite(x) else None
