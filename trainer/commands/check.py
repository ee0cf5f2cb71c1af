"""footmat check: live per-sensor readout and diagnosis of the mat (PRODUCT.md §3, §9).

Reads the mat through the chosen backend and says, per sensor, its raw code, volts, FSR
conductance and status — ok, open, shorted, noisy, stuck or missing — with the achieved frame
rate and the error counters. ``--seconds N --json`` is a one-shot diagnosis; ``--guided`` asks
the person to step off, step on and put their weight on each sensor in turn (4 s each, no keys to
press), which tells a dead or swapped sensor from an unloaded one. Exit 1 (with the full report)
when anything is faulty; exit 2 with one line when the bus itself cannot be opened.

``--calibration FILE`` is loaded as the drills load it (refused with one line, exit 2, when it is
missing, damaged or for another layout) and adds each sensor's force in newtons and the mat's
load to the report; without it check reads raw codes only and needs no calibration.

How each status is decided (over the sampled window):

* missing — the sensor's chip does not answer (its channels are unread), or on an MCP3008 every
  channel reads exactly 0 although bleed resistors are fitted;
* stuck — the chip's conversions miss their deadline (TIMEOUT);
* shorted — the input sits at the supply rail (≥ 95 % of Vcc: an FSR below ~RM/19 ≈ 50 Ω);
* open — with a bleed resistor across each FSR an unloaded sensor still reads
  Vcc·RM/(RM+Rbleed) (≈ 3.3 mV); a reading below a third of that is a broken wire. Without a
  bleed resistor an open wire looks unloaded: only ``--guided`` can tell;
* noisy — the frame-to-frame noise (robust spread of the differences, /√2) exceeds 20 mV.

Stdlib only at import time (``footmat --help`` builds this parser).
"""
from __future__ import annotations

import argparse
import math
import sys
import time

from .common import add_json_option, add_mat_options, interactive, positive_float, print_json, say

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
SIM_SENSOR_FAULTS = ("open", "short", "noisy")
SIM_CHIP_FAULTS = ("stuck", "absent")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_mat_options(p)
    for a in p._actions:      # check needs no calibration: none unless one is given
        if a.dest == "calibration":
            a.help = "calibration file: adds each sensor's force in newtons (default: none, raw readings only)"
    p.add_argument("--seconds", type=positive_float, metavar="N",
                   help="sample N seconds, print the diagnosis and exit "
                        "(default: live bars until Ctrl-C at a terminal, else 3 s)")
    p.add_argument("--rate", type=positive_float, metavar="HZ",
                   help="frames per second (default: 200, or what the ADC's data rate allows)")
    p.add_argument("--guided", action="store_true",
                   help="step off, step on, then put your weight on each sensor in turn (4 s each, "
                        "hands-free): finds dead or swapped sensors")
    p.add_argument("--realtime", action="store_true",
                   help="with --backend sim: pace by the wall clock (default: virtual time unless live)")
    add_json_option(p)
    # testing: inject faults into the simulated mat (not shown in --help)
    p.add_argument("--sim-fault", action="append", default=[], metavar="WHAT=KIND", help=argparse.SUPPRESS)
    p.add_argument("--sim-i2c-errors", type=float, default=0.0, metavar="PCT", help=argparse.SUPPRESS)
    p.add_argument("--sim-swap", metavar="A,B", help=argparse.SUPPRESS)


# -- opening the mat -------------------------------------------------------------------------
class _SwappedMat:
    """The simulated mat with two sensors' wires swapped (for testing ``--guided``)."""

    def __init__(self, mat, perm):
        self._mat = mat
        self._perm = perm

    def voltage(self, i, t):
        return self._mat.voltage(self._perm[i], t)

    def __getattr__(self, name):
        return getattr(self._mat, name)


def _sensor_index(layout, name: str) -> int:
    from firmware.errors import UsageError

    names = layout.names
    if name in names:
        return names.index(name)
    raise UsageError(f"no sensor {name!r} in layout {layout.name}", f"use one of: {', '.join(names)}")


def _parse_sim_faults(args, layout):
    from firmware.errors import UsageError

    sensor_faults, chip_faults = {}, {}
    for item in args.sim_fault:
        what, sep, kind = item.partition("=")
        if not sep:
            raise UsageError(f"--sim-fault {item!r} is not WHAT=KIND", "e.g. --sim-fault left_heel=open")
        if what.lower().startswith("0x") or what == "chip":
            if kind not in SIM_CHIP_FAULTS:
                raise UsageError(f"chip fault {kind!r} is unknown", f"use one of {', '.join(SIM_CHIP_FAULTS)}")
            addr = 0 if what == "chip" else int(what, 16)
            chip_faults[addr] = kind
        else:
            if kind not in SIM_SENSOR_FAULTS:
                raise UsageError(f"sensor fault {kind!r} is unknown", f"use one of {', '.join(SIM_SENSOR_FAULTS)}")
            sensor_faults[_sensor_index(layout, what)] = kind
    return sensor_faults, chip_faults


def guided_script(layout, centre=(0.0, 110.0)):
    """What a cooperative simulated person does during ``--guided``: the same timeline."""
    from firmware.sim.person import ScriptBuilder

    cx, cy = centre
    b = ScriptBuilder(cx, cy)
    b.hold(0.2).step_off(0.4).hold(GUIDED_OFF_S - 0.6)
    b.hold(0.2).step_on(0.4).hold(GUIDED_ON_S - 0.6)
    for s in layout.sensors:
        b.hold(0.2).move_to(s.x_mm, s.y_mm, 0.8).hold(GUIDED_PRESS_S - 1.4).move_to(cx, cy, 0.4)
    return b.build()


def _open(args, layout, backend: str, clock, rate, guided: bool):
    """The source, and a one-line description of what is being read."""
    from firmware.errors import UsageError

    sim = backend == "sim"
    if not sim and (args.sim_fault or args.sim_i2c_errors or args.sim_swap):
        raise UsageError("--sim-fault, --sim-i2c-errors and --sim-swap work only with --backend sim",
                         "add --backend sim")
    if backend == "ads1115":
        from firmware.ads1115 import open_ads1115

        return open_ads1115(layout, clock, rate, allow_missing=True), "ADS1115 chips on I2C bus 1"
    if backend == "mcp3008":
        from firmware.mcp3008 import open_mcp3008

        return open_mcp3008(layout, clock, rate), "MCP3008 on SPI0"
    from firmware.sim.backend import open_sim
    from firmware.sim.i2c import RandomFailures
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson

    weight = 70.0
    if args.person:
        from trainer.sessions import people

        weight = people.resolve(args.person, say).weight_kg
    script = guided_script(layout) if guided else Script.still(0, 110)
    mat = SimMat(layout, ScriptedPerson(script, weight_kg=weight, seed=args.seed), seed=args.seed)
    sensor_faults, chip_faults = _parse_sim_faults(args, layout)
    mat.faults.update(sensor_faults)
    feed = mat
    if args.sim_swap:
        a, _, b = args.sim_swap.partition(",")
        ia, ib = _sensor_index(layout, a.strip()), _sensor_index(layout, b.strip())
        perm = list(range(len(layout.sensors)))
        perm[ia], perm[ib] = ib, ia
        feed = _SwappedMat(mat, perm)

    def prepare(bus_or_chip):
        devices = getattr(bus_or_chip, "devices", None)
        for addr, kind in chip_faults.items():
            if devices is None:
                chip = bus_or_chip
            elif addr in devices:
                chip = devices[addr]
            else:
                raise UsageError(f"no simulated chip at 0x{addr:02x}",
                                 f"the layout's chips are {', '.join(f'0x{a:02x}' for a in devices)}")
            setattr(chip, kind, True)
        if devices is not None and args.sim_i2c_errors:
            bus_or_chip.fail = RandomFailures(args.sim_i2c_errors / 100.0, seed=args.seed)

    source = open_sim(layout, feed, clock, rate, prepare=prepare, allow_missing=True)
    what = "simulated mat, a %g kg person %s" % (weight, "following the guided steps" if guided else "standing still")
    return source, what


# -- analysis --------------------------------------------------------------------------------
def conductance_us(volts, layout, i: int):
    """FSR conductance (µS) from the divider output: G = V/(RM·(Vcc−V)) − 1/Rbleed."""
    import numpy as np

    adc = layout.adc
    rm = layout.sensors[i].divider_ohms
    v = np.asarray(volts, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(v < adc.vcc, v / (rm * (adc.vcc - v)), np.inf)
    if adc.bleed_ohms:
        g = g - 1.0 / adc.bleed_ohms
    return np.maximum(g, 0.0) * 1e6


def _chip_states(source, layout) -> list[dict]:
    reader = source.reader
    if hasattr(reader, "chip_status"):
        return reader.chip_status()
    return [{"address": "SPI0 CE0", "state": "ok", "channels": [s.channel for s in layout.sensors], "error": None}]


def diagnose(layout, block, counters: dict, chips: list[dict], *, backend: str, rate_hz: float,
             elapsed_s: float, virtual: bool, calibration=None, calibration_file: str | None = None) -> dict:
    """The report: per-sensor readings and status, chips, counters, faults (pure function).
    With a ``calibration``, also each sensor's median force and the mat's median load (N)."""
    import numpy as np

    from firmware.frames import Flag

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
    import numpy as np

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


# -- output ----------------------------------------------------------------------------------
def _bar(fraction: float, width: int = 20) -> str:
    if not math.isfinite(fraction):
        return "·" * width
    k = max(0, min(width, int(round(fraction * width))))
    return "█" * k + "░" * (width - k)


def _table(report: dict, layout) -> list[str]:
    c = report["counters"]
    lines = [f"{report['frames']} frames, {report['frame_rate_hz']:.1f} frames/s (asked {report['target_rate_hz']:g}); "
             f"errors {c.get('i2c_errors', 0) + c.get('spi_errors', 0)}, retries {c.get('retries', 0)}, "
             f"timeouts {c.get('timeouts', 0)}, unreadable {report['unreadable_frames']}, "
             f"late {c.get('late', 0)}, dropped {c.get('dropped', 0)}",
             "chips: " + ", ".join(f"{x['address']} {x['state']}" for x in report["chips"]),
             f"{'sensor':<13}{'channel':<10}{'raw':>8}{'volts':>9}{'µS':>9}"
             + (f"{'N':>8}" if report.get("calibration") else "") + f"  {'':20}  status"]
    vcc = layout.adc.vcc
    for s in report["sensors"]:
        raw = "—" if s["raw"] is None else f"{s['raw']:.0f}"
        volts = "—" if s["volts"] is None else f"{s['volts']:.3f}"
        g = "—" if s["conductance_us"] is None else f"{s['conductance_us']:.0f}"
        n = "" if not report.get("calibration") else f"{'—' if s.get('newtons') is None else format(s['newtons'], '.0f'):>8}"
        frac = float("nan") if s["volts"] is None else s["volts"] / vcc
        lines.append(f"{s['name']:<13}{s['channel']:<10}{raw:>8}{volts:>9}{g:>9}{n}  {_bar(frac)}  {s['status']}")
    cal = report.get("calibration")
    if cal:
        load = "—" if cal["load_n"] is None else f"{cal['load_n']:.0f} N"
        lines.append(f"calibration {cal['file']}: the mat carries {load}")
    return lines


def _print_report(report: dict, layout, what: str) -> None:
    print(f"footmat check — layout {report['layout']}, backend {report['backend']} ({what}, "
          f"{report['clock']} time, {report['seconds']:.1f} s)")
    for line in _table(report, layout):
        print(line)
    guided = report.get("guided")
    if guided:
        print("guided: " + ", ".join(f"{s['name']} {s['status']}" for s in guided["sensors"]))
    if report["faults"]:
        print("FAULTS:")
        for f in report["faults"]:
            print(f"  - {f}")
    else:
        print("all sensors ok")


# -- the command -----------------------------------------------------------------------------
def run(args) -> int:
    from firmware.clock import RealClock, VirtualClock
    from firmware.errors import UsageError
    from firmware.frames import FrameBlock
    from firmware.layout import load_layout

    layout = load_layout(args.layout)
    backend = args.backend or layout.adc.type
    if backend.startswith("replay:"):
        raise UsageError("check reads the mat live, not a recording", "use --backend sim, ads1115 or mcp3008")
    if backend not in ("sim", "ads1115", "mcp3008"):
        raise UsageError(f"unknown backend {backend!r}", "use sim, ads1115 or mcp3008")
    if args.sim_i2c_errors and not 0 < args.sim_i2c_errors < 100:
        raise UsageError(f"--sim-i2c-errors {args.sim_i2c_errors} is not a percentage", "give 0..100")
    cal = None
    if args.calibration:   # loaded (or refused with one line) exactly as the drills load --calibration
        from trainer.app.drill import resolve_calibration

        cal, _ = resolve_calibration(args, layout, backend, None)
    guided = args.guided
    live = (not args.json and args.seconds is None and not guided and interactive() and sys.stdout.isatty())
    sim = backend == "sim"
    virtual = sim and not args.realtime and not live
    clock = VirtualClock() if virtual else RealClock()
    if guided:
        seconds = GUIDED_OFF_S + GUIDED_ON_S + GUIDED_PRESS_S * len(layout.sensors)
        rate = args.rate or GUIDED_RATE_HZ
    else:
        seconds = args.seconds if args.seconds is not None else (None if live else 3.0)
        rate = args.rate
    if rate is None:
        if layout.adc.type == "ads1115":
            from firmware.ads1115 import default_rate_hz

            rate = default_rate_hz(layout)
        else:
            rate = 200.0
    source, what = _open(args, layout, backend, clock, rate, guided)
    if not args.json:
        say(f"reading {what} at {rate:g} frames/s" + ("" if seconds is None else f" for {seconds:g} s")
            + (" — Ctrl-C for the diagnosis" if live else ""))
    blocks = []
    t_wall0 = time.perf_counter()
    t0 = clock.now()
    try:
        if virtual:
            blocks.append(source.read(int(round(seconds * rate))))
        else:
            step = -1
            drawn = 0
            next_draw = 0.0
            while seconds is None or time.perf_counter() - t_wall0 < seconds:
                if guided:
                    step = _announce(layout, time.perf_counter() - t_wall0, step)
                b = source.read(timeout=0.5)
                if len(b):
                    blocks.append(b)
                if live and time.perf_counter() >= next_draw:
                    next_draw = time.perf_counter() + 0.2
                    drawn = _draw_live(source, layout, blocks, backend, rate, drawn, cal, args.calibration)
                time.sleep(0.02)
    except KeyboardInterrupt:
        if not live:
            raise
        print()
    finally:
        elapsed = time.perf_counter() - t_wall0 if not virtual else float(seconds)
        counters = dict(source.counters)
        chips = _chip_states(source, layout)
        source.close()
    blocks = [b for b in blocks if len(b)]
    block = FrameBlock.concat(blocks) if blocks else FrameBlock.empty(len(layout.sensors))
    if live and blocks:  # the diagnosis is about the last few seconds
        block = block[block.t >= block.t[-1] - 5.0]
    report = diagnose(layout, block, counters, chips, backend=backend, rate_hz=rate, elapsed_s=elapsed,
                      virtual=virtual, calibration=cal, calibration_file=args.calibration)
    if guided:
        g = guided_analysis(layout, block, t0)
        report["guided"] = g
        report["faults"] += [f"guided: {f}" for f in g["faults"]]
        report["ok"] = not report["faults"]
    if args.json:
        print_json(report)
    else:
        _print_report(report, layout, what)
    return 0 if report["ok"] else 1


def _step_start(k: int) -> float:
    if k <= 0:
        return 0.0
    if k == 1:
        return GUIDED_OFF_S
    return GUIDED_OFF_S + GUIDED_ON_S + (k - 2) * GUIDED_PRESS_S


def _announce(layout, t: float, step: int) -> int:
    """Say the guided step that starts at time ``t`` (s since the start), once."""
    k = 0
    while k + 1 < len(layout.sensors) + 2 and t >= _step_start(k + 1):
        k += 1
    if k != step:
        if k == 0:
            say(f"1. step OFF the mat ({GUIDED_OFF_S:g} s)")
        elif k == 1:
            say(f"2. step ON with both feet and stand still ({GUIDED_ON_S:g} s)")
        else:
            s = layout.sensors[k - 2]
            say(f"{k + 1}. put your weight on your {s.foot} {s.zone} ({s.name}) — lean onto it, "
                f"or press the sensor by hand ({GUIDED_PRESS_S:g} s)")
    return k


def _draw_live(source, layout, blocks, backend, rate, drawn: int, cal=None, cal_file=None) -> int:
    from firmware.frames import FrameBlock

    recent = [b for b in blocks[-20:] if len(b)]
    if not recent:
        return drawn
    block = FrameBlock.concat(recent)
    block = block[block.t >= block.t[-1] - 1.0]
    rep = diagnose(layout, block, dict(source.counters), _chip_states(source, layout), backend=backend,
                   rate_hz=rate, elapsed_s=0.0, virtual=False, calibration=cal, calibration_file=cal_file)
    lines = _table(rep, layout)
    out = sys.stdout
    if drawn:
        out.write(f"\x1b[{drawn}F")
    for line in lines:
        out.write("\x1b[2K" + line + "\n")
    out.flush()
    return len(lines)
