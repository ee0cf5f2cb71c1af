"""footmat calibrate: the guided calibration (PRODUCT.md §5) → the mat's calibration file.

Step off (tare), body weight, still poses (even stance, each sensor leaned on deep and light),
validation poses; hands-free (each step advances when you have been still long enough). With
``--backend sim`` a simulated person does the poses in virtual time. The file is written only
when the fit and validation succeed, atomically: a failed run never replaces a good file.
"""
from __future__ import annotations

import textwrap

from .common import add_json_option, add_mat_options, interactive, positive_float, say

MAX_SECONDS = 600.0     # a calibration that has not finished by then is stopped


def add_arguments(p):
    w = p.add_mutually_exclusive_group()
    w.add_argument("--weight-kg", type=positive_float, metavar="KG", help="your body weight in kg")
    w.add_argument("--weight-lb", type=positive_float, metavar="LB", help="your body weight in lb")
    p.add_argument("--out", metavar="FILE", help="calibration file to write (default: $FOOTMAT_HOME/calibration-<layout>.json)")
    p.add_argument("--realtime", action="store_true", help="pace a simulated run by the wall clock")
    add_json_option(p)
    add_mat_options(p)


def _weight(args, person, sim: bool):
    from calibration.procedure import LB_PER_KG, weight_newtons

    if args.weight_kg is not None or args.weight_lb is not None:
        return weight_newtons(args.weight_kg, args.weight_lb), None
    if args.person:
        say(f"body weight of {person.name}: {person.weight_kg:.1f} kg")
        return weight_newtons(person.weight_kg), None
    if interactive():
        return None, LB_PER_KG          # asked at the weight step
    if sim:
        say(f"no --weight-kg: using the default simulated person's {person.weight_kg:.0f} kg")
        return weight_newtons(person.weight_kg), None
    from firmware.errors import UsageError
    raise UsageError("no body weight given (an uncalibrated mat cannot weigh you)",
                     "pass --weight-kg N or --weight-lb N")


def _ask_weight(proc) -> None:
    from firmware.errors import UsageError

    from .common import ask

    for _ in range(3):
        text = ask("your body weight (e.g. 70 kg or 154 lb): ")
        if text is None:
            break
        parts = text.lower().replace("kg", " kg").replace("lb", " lb").split()
        try:
            v = float(parts[0])
        except (ValueError, IndexError):
            say("  a number, please, then kg or lb")
            continue
        unit = parts[1] if len(parts) > 1 else "kg"
        try:
            proc.set_weight(**({"lb": v} if unit.startswith("lb") else {"kg": v}))
            return
        except Exception as e:   # CalibrationError: out of range
            say(f"  {e}")
    raise UsageError("no body weight entered", "pass --weight-kg N or --weight-lb N")


def run_procedure(source, layout, proc, guide, rate_hz: float, *, on_event=None, max_seconds: float = MAX_SECONDS,
                  ask_weight=None):
    """Feed the procedure from ``source`` through the shared detector until it is done or failed."""
    import numpy as np

    from trainer.estimate.cop import CopModel
    from trainer.estimate.stillness import StateDetector

    from calibration.procedure import stillness_signals

    det = StateDetector(rate_hz, proc.weight_n)      # unloaded: from the guide's forces
    still_det = StateDetector(rate_hz)                # still: from the raw conductance (stillness_signals)
    model = CopModel(layout)
    t0 = None
    while not (proc.done or proc.failed):
        block = source.read(max(1, int(rate_hz * 0.25)))
        if len(block) == 0:
            continue
        t0 = float(block.t[0]) if t0 is None else t0
        cb = model(guide.forces(block.raw, layout))
        st = det.update(cb.cop, np.nan_to_num(cb.total))
        still = still_det.update(*stillness_signals(block.raw, layout)).still
        for ev in proc.feed(block.t, block.raw, still, st.unloaded):
            if on_event is not None:
                on_event(*ev)
        if proc.current.kind == "weight" and not proc.weight_n and ask_weight is not None:
            ask_weight(proc)
            det.weight_n = proc.weight_n
        if float(block.t[-1]) - t0 > max_seconds and not proc.done:
            from firmware.errors import CalibrationError
            raise CalibrationError(f"the calibration did not finish in {max_seconds:.0f} s",
                                   "run footmat calibrate again, holding each pose still for 3 s")


def run(args) -> int:
    from pathlib import Path

    from firmware.backends import open_source
    from firmware.clock import RealClock, VirtualClock
    from firmware.layout import load_layout

    from trainer.sessions import home, people
    from trainer.app.drill import resolve_backend
    from trainer.app.simperson import natural_centre
    from calibration.procedure import Procedure
    from calibration import store

    layout = load_layout(args.layout)
    backend = resolve_backend(args, layout)
    sim = backend == "sim"
    if backend.startswith("replay:"):
        from firmware.errors import UsageError
        raise UsageError("footmat calibrate needs a live mat", "use --backend sim, ads1115 or mcp3008")
    person = people.resolve(args.person, say)
    weight_n, _ = _weight(args, person, sim)
    out = Path(args.out).expanduser() if args.out else home.calibration_path(layout.name)
    if args.calibration:
        guide = store.load(args.calibration, layout)
    elif sim:
        from trainer.app.simcal import nominal_sim_calibration
        guide = nominal_sim_calibration(layout)
    else:
        guide = store.nominal(layout)
    centre = natural_centre(layout)
    proc = Procedure(layout, centre, guide, weight_n=weight_n)
    rate = 200.0
    clock = VirtualClock() if sim and not args.realtime else RealClock()
    if sim:
        from trainer.app.simcal import ProcedureFollower
        follower = ProcedureFollower(proc, centre)
        kg = (weight_n / 9.80665) if weight_n else person.weight_kg
        # real time: through the real driver on the simulated bus; virtual time: the fast vectorised mat
        from trainer.app.drill import sim_scenario
        scenario = sim_scenario(args)          # --sim-scenario (default: realistic), as the drills
        source = open_source("sim", layout, clock, rate, script=follower, person_kg=kg, seed=args.seed,
                             vector=not args.realtime, scenario=scenario)
        say(f"simulated mat ({layout.name}, scenario {scenario}) with a simulated person doing the poses; "
            + ("real time" if args.realtime else "virtual time"))
    else:
        source = open_source(backend, layout, clock, rate)
    tty = interactive()

    def show(t, kind, detail):
        if kind in ("step", "timeout", "failed", "notice", "done") or (tty and kind in ("countdown", "recorded")):
            say(f"  [{t - (proc.t_first if proc.t_first is not None else t):5.1f} s] {kind}: {detail}")

    say(f"calibrating {layout.name}: {len(proc.steps)} steps, about {len(proc.steps) * 5 + 5:.0f} s; "
        "each pose advances once you have held it still")
    try:
        run_procedure(source, layout, proc, guide, rate, on_event=show,
                      ask_weight=_ask_weight if tty else None)
    finally:
        source.close()
    name = person.name if not person.is_default else None
    cal = proc.calibration(calibrated_by=name)      # raises CalibrationError: nothing written
    out.parent.mkdir(parents=True, exist_ok=True)
    cal.save(out)
    say(f"calibration written: {out}")
    report = {"file": str(out), "layout": layout.name, "fit": cal.fit, "validation": cal.validation,
              "sensors": [{"name": n, "gain": round(float(g), 3), "scale": round(float(c), 3)}
                          for n, g, c in zip(cal.sensor_names, cal.gain, cal.scale)]}
    if args.json:
        from .common import print_json
        print_json(report)
    else:
        print_report(report)
    return 0


GOOD_PCT, USABLE_PCT = 5.0, 10.0     # total-load error on the validation poses, % of body weight


def verdict(r: dict) -> list[str]:
    """In words: is the calibration good, and what to redo. The headline's figure says what it
    is (the median, creep taken out or not) and the worst of the check poses printed below it,
    so that it agrees with the lines the person reads next."""
    v = r["validation"]
    corrected = v.get("total_load_err_pct_creep_corrected_median") is not None
    err = v["total_load_err_pct_creep_corrected_median"] if corrected else v.get("total_load_err_pct_median")
    worst = v.get("total_load_err_pct_worst")
    bad = [s["name"].replace("_", " ") for s in v.get("sensors", []) if s.get("state") != "ok"]
    out = []
    if err is not None:
        shown = [abs(e) for e in v.get("total_load_err_pct", []) if e is not None]
        what = ("the median, once the sensors' slow drift under load is allowed for" if corrected
                else "the median of the check poses")
        if shown:
            what += f"; as measured, the poses below were up to {max(shown):.1f} % off"
        off = f"the mat weighed you {err:.1f} % off your weight ({what})"
    if err is None:
        out.append("The calibration could not be checked: no validation pose was recorded. Calibrate again.")
    elif err <= GOOD_PCT and not bad:
        out.append(f"The calibration is good: on the check poses {off}.")
    elif err <= USABLE_PCT and not bad:
        out.append(f"The calibration is usable: on the check poses {off}; the drills correct the rest while "
                   "you stand still. Calibrate again when you have a few minutes, standing still in each pose.")
    else:
        out.append(f"Calibrate again: on the check poses {off}" if err is not None else "Calibrate again")
        out[-1] += (" — more than 10 %." if err is not None and err > USABLE_PCT else ".")
    if worst is not None and err is not None and worst > USABLE_PCT and err <= USABLE_PCT:
        i = max(range(len(v["total_load_err_pct"])), key=lambda k: abs(v["total_load_err_pct"][k]))
        out.append(f"One check pose ({v['poses'][i]}) was {abs(v['total_load_err_pct'][i]):.0f} % off: "
                   "hold it still for the whole count next time.")
    if bad:
        out.append(f"Check {', '.join(bad)} first (footmat check --guided): "
                   f"{'it does' if len(bad) == 1 else 'they do'} not read as a working sensor.")
    return out


def print_report(r: dict) -> None:
    f, v = r["fit"], r["validation"]
    for line in verdict(r):
        print(textwrap.fill(line, 79))
    print("details:")
    print(textwrap.fill(f"  fitted on {len(f['poses'])} poses; the fit misses your weight by "
                        f"{f['rms_residual_pct_bw']:.1f} % on average; took {v.get('duration_s')} s", 79,
                        subsequent_indent="    "))
    print("  check poses (not used in the fit):")
    for name, e, lp in zip(v["poses"], v["total_load_err_pct"], v["left_pct"]):
        print(f"    {name:29s} weight off by {e:+5.1f} %, {lp:3.0f} % on the left foot")
    if "total_load_err_pct_creep_corrected_median" in v:
        print(textwrap.fill(f"  typical error {v['total_load_err_pct_median']:.1f} %; "
                            f"{v['total_load_err_pct_creep_corrected_median']:.1f} % once the sensors' slow drift "
                            f"under load ({f.get('creep_pct_per_min', 0):+.1f} % a minute) is allowed for", 79,
                            subsequent_indent="    "))
    print(textwrap.fill("  sensors: " + ", ".join(f"{s['name']} {s['state']}" for s in v["sensors"]), 79,
                        subsequent_indent="    "))
    print(f"  file: {r['file']}")
