"""footmat score DRILL TRACE: score a recorded trace (a CSV or a footmat session) with the drill's own scorer.

The scorers are :data:`trainer.app.score.SCORERS` (one entry per drill); this module only parses
the options and prints. A session folder is replayed from its raw codes (its own layout,
calibration, person and options), so its summary is the recorded one.
"""
from __future__ import annotations

from pathlib import Path

from .common import add_json_option, add_layout_option, print_json, say


def _centre(text: str):
    import argparse

    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--centre {text!r} is not X,Y in mm (e.g. 0,120)") from None
    return (x, y)


def add_arguments(p):
    from ..drills import all_params

    p.add_argument("drill", help="the drill whose scorer to use (spiral, …; reach: target zones of any device)")
    p.add_argument("trace", help="a CSV (t_s, cop_x_mm, cop_y_mm, optional left_pct, left_/right_cop_x_mm, "
                                 "left_/right_n, target_x_mm/target_y_mm) or a footmat session folder")
    add_json_option(p)
    add_layout_option(p)
    p.add_argument("--person", metavar="NAME", help="whose reach and weight shape the target (default: a 70 kg default person)")
    p.add_argument("--centre", type=_centre, metavar="X,Y",
                   help="centre of the target in mm (default: the mean CoP of the trace's first 2 s)")
    p.add_argument("--dwell", type=float, default=None, metavar="S",
                   help="reach: the hold time (s) a stay in a target zone needs to be a success")
    for name, (param, first) in all_params().items():
        kw = {"choices": param.choices} if param.choices else {}
        p.add_argument(f"--{name}", type=param.type, default=None, metavar=None if param.choices else name.upper(),
                       help=f"{param.help} (default {param.default}; {first} and others)".replace("%", "%%"), **kw)


def _is_session(path: Path) -> bool:
    if path.is_dir():
        return True
    return path.name == "session.json" or (path.name == "trace.csv" and (path.parent / "session.json").is_file())


def run(args) -> int:
    from firmware.errors import DataFileError
    from firmware.layout import load_layout

    from ..drills import all_params, get
    from trainer.app.score import score_csv, scorer, session_result
    from trainer.sessions import people

    sc = scorer(args.drill) if args.drill == "reach" else None
    if sc is not None and sc.trace_scorer:
        return _own(args, sc)
    defn = get(args.drill)
    scorer(args.drill)
    given = {k: getattr(args, k.replace("-", "_")) for k in all_params()}
    given = {k: v for k, v in given.items() if v is not None}
    path = Path(args.trace).expanduser()
    if not path.exists():
        raise DataFileError(f"no trace at {str(path)!r}", "give a CSV file or a session folder")
    if _is_session(path):
        from .replay import replay_session

        if given or args.layout or args.person or args.centre:
            say("footmat score: note: a session is scored with its own layout, person and options")
        res = session_result(args.drill, replay_session(path))
    else:
        defn.resolve(given)
        layout = load_layout(args.layout)
        person = people.resolve(args.person, None)
        res = score_csv(args.drill, path, layout=layout, person=person, params=given, centre=args.centre)
    if args.json:
        print_json(res)
        return 0
    _print_human(args, res)
    return 0


def _print_human(args, res: dict) -> None:
    """The score, the drill's feedback and headline figures as ``footmat drill`` words them
    (:mod:`trainer.ui.report_words`), what the trace could not support, and where every figure is
    (--json, whose output is the whole result)."""
    import textwrap

    from trainer.app.drill import summary_lines

    s = res["summary"]
    score = s.get("score")
    print(f"{args.drill}: score {'—' if score is None else score}")
    for line in summary_lines(args.drill, s, skip=("score",)):      # the score: said on the first line
        print(line)
    tr = s.get("trace")
    if isinstance(tr, dict) and tr.get("rows"):
        centre = tr.get("centre_mm")
        where = f", centred at ({centre[0]:g}, {centre[1]:g}) mm" if centre else ""
        print(f"  trace: {tr['rows']} rows at {tr['rate_hz']:g} Hz")
        print(f"  target: {tr.get('target', '?')}{where}")
    if res.get("recorded_same") is False:
        print(f"  differs from the recorded summary in {len(res.get('differences') or [])} figure(s) "
              "(see footmat replay)")
    for k in s.get("skipped", []):
        print(textwrap.fill(f"skipped: {k['check']} ({k['what']}; needs {', '.join(k['missing_columns'])})",
                            78, subsequent_indent="  "))
    if s.get("not_from_trace"):
        print(textwrap.fill(f"not from a trace (need a session): {', '.join(s['not_from_trace'])}",
                            78, subsequent_indent="  "))
    print("every figure (each loop, the methods): add --json")


def _own(args, sc) -> int:
    """A drill scored by its own trace scorer (reach: ``--dwell S``)."""
    from firmware.errors import DataFileError, UsageError
    from trainer.app.score import score_own

    if args.dwell is None or not 0 < args.dwell <= 60:
        raise UsageError(f"footmat score {args.drill} needs --dwell S (the hold time, 0-60 s)"
                         + ("" if args.dwell is None else f", not {args.dwell}"), "e.g. --dwell 1.5")
    path = Path(args.trace).expanduser()
    if not path.is_file():
        raise DataFileError(f"no trace CSV at {str(path)!r}", "give a CSV with t_s, cop_x_mm, cop_y_mm, "
                            "target_x_mm, target_y_mm, target_radius_mm")
    res = score_own(args.drill, path, {"dwell_s": args.dwell})
    if args.json:
        print_json(res)
        return 0
    s = res["summary"]
    score = "none (no hit)" if s["biodex_score"] is None else f"{s['biodex_score']:.2f}"
    print(f"{args.drill}: {s['hits']} of {len(s['targets'])} targets reached, {s['successes']} held "
          f"{s['dwell_s']:g} s; Biodex score {score}")
    for i, t in enumerate(s["targets"], 1):
        line = (f"  {i:>3}  at {t['start_s']:>7.2f} s  " + ("hit " if t["hit"] else "miss")
                + (f"  in {t['time_to_target_s']:.2f} s  held {t['dwell_s']:.2f} s  crossings {t['crossings']}"
                   if t["hit"] else ""))
        if t["gaps"]:
            line += f"  gaps {t['gaps']}"
        print(line)
    return 0
