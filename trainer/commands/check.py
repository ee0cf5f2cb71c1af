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

How each status is decided: :mod:`trainer.maker.diagnosis`. This module is the command: its
options, opening the mat (:func:`firmware.backends.open_source`; the testing options inject
faults into the simulated mat, :mod:`firmware.sim.faults`), the loop and the terminal drawing.

Stdlib only at import time (``footmat --help`` builds this parser).
"""
from __future__ import annotations

import argparse
import math
import sys
import textwrap
import time

from .common import add_json_option, add_mat_options, interactive, positive_float, print_json, say

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
def _open(args, layout, backend: str, clock, rate, guided: bool):
    """The source, and a one-line description of what is being read."""
    from firmware.backends import open_source
    from firmware.errors import UsageError
    from firmware.sim import faults
    from firmware.sim.mat import SimMat
    from firmware.sim.person import Script, ScriptedPerson

    from trainer.maker.diagnosis import guided_script

    sim = backend == "sim"
    if not sim and (args.sim_fault or args.sim_i2c_errors or args.sim_swap):
        raise UsageError("--sim-fault, --sim-i2c-errors and --sim-swap work only with --backend sim",
                         "add --backend sim")
    # check reports the chips' states from the driver itself: acquired on a thread of this process
    if backend == "ads1115":
        return open_source(backend, layout, clock, rate, allow_missing=True, acquisition="thread"), "ADS1115 chips on I2C bus 1"
    if backend == "mcp3008":
        return open_source(backend, layout, clock, rate, acquisition="thread"), "MCP3008 on SPI0"
    weight = 70.0
    if args.person:
        from trainer.sessions import people

        weight = people.resolve(args.person, say).weight_kg
    script = guided_script(layout) if guided else Script.still(0, 110)
    from trainer.app.drill import sim_scenario
    scenario = sim_scenario(args)              # --sim-scenario (default: realistic), as the drills
    mat = SimMat(layout, ScriptedPerson(script, weight_kg=weight, seed=args.seed), seed=args.seed, scenario=scenario)
    sensor_faults, chip_faults = faults.parse_faults(args.sim_fault, layout)
    mat.faults.update(sensor_faults)
    feed = faults.swapped(mat, layout, args.sim_swap) if args.sim_swap else mat
    source = open_source("sim", layout, clock, rate, mat=feed, allow_missing=True,
                         prepare=faults.chip_faults_hook(chip_faults, args.sim_i2c_errors, seed=args.seed))
    what = "simulated mat (scenario %s), a %g kg person %s" % (scenario, weight, "following the guided steps" if guided else "standing still")
    return source, what


# -- output ----------------------------------------------------------------------------------
def _bar(fraction: float, width: int = 20) -> str:
    if not math.isfinite(fraction):
        return "·" * width
    k = max(0, min(width, int(round(fraction * width))))
    return "█" * k + "░" * (width - k)


def _table(report: dict, layout) -> list[str]:
    c = report["counters"]
    lines = [f"{report['frames']} frames, {report['frame_rate_hz']:.1f} frames/s (asked {report['target_rate_hz']:g})",
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
    print(textwrap.fill(f"footmat check — layout {report['layout']}, backend {report['backend']} ({what}, "
                        f"{report['clock']} time, {report['seconds']:.1f} s)", 79, subsequent_indent="  "))
    for line in _table(report, layout):
        print(line)
    guided = report.get("guided")
    if guided:
        print(textwrap.fill("guided: " + ", ".join(f"{s['name']} {s['status']}" for s in guided["sensors"]), 79,
                            subsequent_indent="  "))
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

    from trainer.maker.diagnosis import GUIDED_RATE_HZ, chip_states, diagnose, guided_analysis, guided_seconds

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
        seconds = guided_seconds(layout)
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
        say(textwrap.fill(f"reading {what} at {rate:g} frames/s" + ("" if seconds is None else f" for {seconds:g} s"),
                          79, subsequent_indent="  "))
    blocks = []
    t_wall0 = time.perf_counter()
    t0 = clock.now()
    try:
        if virtual and guided:
            from trainer.maker.diagnosis import guided_step_start

            n_steps = len(layout.sensors) + 2
            for k in range(n_steps):
                _announce(layout, guided_step_start(k), k - 1, simulated=True)
                end = guided_step_start(k + 1) if k + 1 < n_steps else seconds
                blocks.append(source.read(int(round(end * rate)) - sum(len(b) for b in blocks)))
        elif virtual:
            blocks.append(source.read(int(round(seconds * rate))))
        else:
            step = -1
            drawn = _LiveTable() if live else None
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
    finally:
        if live and drawn is not None:
            drawn.stop()
        elapsed = time.perf_counter() - t_wall0 if not virtual else float(seconds)
        counters = dict(source.counters)
        chips = chip_states(source, layout)
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


def _announce(layout, t: float, step: int, simulated: bool = False) -> int:
    """Say the guided step that starts at time ``t`` (s since the start), once (with ``simulated``,
    as what the simulated person does now)."""
    from trainer.maker.diagnosis import GUIDED_OFF_S, GUIDED_ON_S, GUIDED_PRESS_S, guided_step_start

    k = 0
    while k + 1 < len(layout.sensors) + 2 and t >= guided_step_start(k + 1):
        k += 1
    if k != step and simulated:
        what = "steps off the mat" if k == 0 else "steps on and stands still" if k == 1 else \
            f"presses the {layout.sensors[k - 2].foot} {layout.sensors[k - 2].zone} ({layout.sensors[k - 2].name})"
        say(f"{k + 1}. at {t:4.0f} s the simulated person {what}")
    elif k != step:
        if k == 0:
            say(f"1. step OFF the mat ({GUIDED_OFF_S:g} s)")
        elif k == 1:
            say(f"2. step ON with both feet and stand still ({GUIDED_ON_S:g} s)")
        else:
            s = layout.sensors[k - 2]
            say(f"{k + 1}. put your weight on your {s.foot} {s.zone} ({s.name}) — lean onto it, "
                f"or press the sensor by hand ({GUIDED_PRESS_S:g} s)")
    return k


class _LiveTable:
    """The live readout on the terminal, redrawn in place by rich at the terminal's width."""

    def __init__(self):
        from rich.console import Console
        from rich.live import Live

        self.console = Console()
        self.live = Live(console=self.console, auto_refresh=False, transient=False)
        self.live.start()

    def update(self, renderable) -> None:
        self.live.update(renderable, refresh=True)

    def stop(self) -> None:
        self.live.stop()


def _rich_table(report: dict, layout, width: int):
    """The live readout as a rich table that fits ``width`` columns (80 at the least)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    c = report["counters"]
    errors = c.get("i2c_errors", 0) + c.get("spi_errors", 0)
    head = Text(f"{report['frame_rate_hz']:.0f} frames/s (asked {report['target_rate_hz']:g}) · errors {errors} · "
                f"late {c.get('late', 0)} · dropped {c.get('dropped', 0)} · unreadable {report['unreadable_frames']}",
                overflow="ellipsis", no_wrap=True)
    chips = Text("chips: " + ", ".join(f"{x['address']} {x['state']}" for x in report["chips"]),
                 overflow="ellipsis", no_wrap=True)
    with_n = bool(report.get("calibration"))
    t = Table(box=None, pad_edge=False, padding=(0, 1), expand=False, show_edge=False)
    t.add_column("sensor", no_wrap=True, max_width=14, overflow="ellipsis")
    t.add_column("raw", justify="right", no_wrap=True)
    t.add_column("volts", justify="right", no_wrap=True)
    t.add_column("µS", justify="right", no_wrap=True)
    if with_n:
        t.add_column("N", justify="right", no_wrap=True)
    bar_w = max(6, min(20, width - (62 if with_n else 56)))
    t.add_column("load", no_wrap=True, width=bar_w)
    t.add_column("status", no_wrap=True, overflow="ellipsis", max_width=14)
    vcc = layout.adc.vcc
    for s in report["sensors"]:
        frac = float("nan") if s["volts"] is None else s["volts"] / vcc
        row = [s["name"], "—" if s["raw"] is None else f"{s['raw']:.0f}",
               "—" if s["volts"] is None else f"{s['volts']:.3f}",
               "—" if s["conductance_us"] is None else f"{s['conductance_us']:.0f}"]
        if with_n:
            row.append("—" if s.get("newtons") is None else f"{s['newtons']:.0f}")
        row += [_bar(frac, bar_w), s["status"]]
        t.add_row(*row)
    parts = [head, chips, t]
    cal = report.get("calibration")
    if cal:
        load = "—" if cal["load_n"] is None else f"{cal['load_n']:.0f} N"
        parts.append(Text(f"the mat carries {load} (calibration {cal['file']})", overflow="ellipsis", no_wrap=True))
    parts.append(Text("Ctrl-C: stop and print the diagnosis", style="dim"))
    return Group(*parts)


def _draw_live(source, layout, blocks, backend, rate, drawn, cal=None, cal_file=None):
    from firmware.frames import FrameBlock

    from trainer.maker.diagnosis import chip_states, diagnose

    recent = [b for b in blocks[-20:] if len(b)]
    if not recent:
        return drawn
    block = FrameBlock.concat(recent)
    block = block[block.t >= block.t[-1] - 1.0]
    rep = diagnose(layout, block, dict(source.counters), chip_states(source, layout), backend=backend,
                   rate_hz=rate, elapsed_s=0.0, virtual=False, calibration=cal, calibration_file=cal_file)
    drawn.update(_rich_table(rep, layout, drawn.console.width))
    return drawn
