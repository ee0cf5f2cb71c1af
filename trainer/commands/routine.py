"""footmat routine [NAME]: a guided routine of several drills with rests; one session per part
and a routine summary (routine.json in the routine's folder)."""
from __future__ import annotations

import contextlib
import sys

from firmware.errors import UsageError

from trainer.drills import routine as rt
from trainer.sessions import home

from .common import (add_json_option, add_mat_options, add_out_dir_option, add_pain_options, add_time_options,
                     ask_pain, positive_float, print_json)


def add_arguments(p):
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="a routine name (default: daily; see --list) or a routine .toml file")
    p.add_argument("--list", action="store_true", help="list the routines and their parts, then exit")
    p.add_argument("--rest", type=float, metavar="S", help="rest S seconds between parts (overrides the routine's)")
    add_pain_options(p)
    p.add_argument("--time-cap", type=positive_float, metavar="S", help="cap each part at S seconds")
    add_json_option(p)
    add_out_dir_option(p)
    add_time_options(p)
    add_mat_options(p)


def _user_dir():
    """Where a person's own routines live: ``$FOOTMAT_HOME/routines/`` (not created here)."""
    return home.home() / "routines"


def _list(as_json: bool) -> int:
    found = {}
    for name, path in rt.available(_user_dir()).items():
        try:
            found[name] = rt.load(str(path)).to_dict()
        except Exception as e:   # one bad file must not hide the others
            found[name] = {"source": str(path), "error": str(e)}
    if as_json:
        print_json(found)
        return 0
    for name, r in found.items():
        if "error" in r:
            print(f"{name:10s} cannot be used: {r['error']}")
            continue
        print(f"{name:10s} {r['title']} — about {rt.planned_text(r['planned_s'])} ({r['source']})")
        for i, p in enumerate(r["parts"], 1):
            opts = " ".join(f"--{k} {v}" for k, v in p["params"].items())
            print(f"{'':10s}   {i}. {p['title']}: {p['drill']} {opts}".rstrip()
                  + (f" (then rest {p['rest_after_s']:.0f} s)" if p["rest_after_s"] else ""))
    return 0


def run(args) -> int:
    from trainer.app import routine as app_routine   # the drills' runtime: imported when a routine runs

    if args.list:
        return _list(args.json)
    routine = rt.load(args.name, _user_dir())  # a bad file fails before anything starts
    from trainer.app.drill import check_sim_names

    check_sim_names(args)
    if args.rest is not None:
        if not 0 <= args.rest <= rt.MAX_REST_S:
            raise UsageError(f"--rest {args.rest} is outside 0..{rt.MAX_REST_S:.0f}", "give the rest in seconds")
        routine.rest_s = float(args.rest)
        for p in routine.parts:
            p.rest_after_s = None
    if args.time_cap:
        for p in routine.parts:
            p.time_cap_s = min(p.time_cap_s or args.time_cap, args.time_cap)
    pain_before = args.pain_before if args.pain_before is not None else ask_pain("before the routine")
    pain_after = (lambda: args.pain_after if args.pain_after is not None else ask_pain("after the routine"))
    # each part prints its own summary; with --json standard output carries the routine's JSON only
    parts_out = sys.stderr if args.json else sys.stdout
    with contextlib.redirect_stdout(parts_out):
        folder, summary = app_routine.run_routine(args, routine, pain_before=pain_before, pain_after=pain_after)
    if args.json:
        print_json(summary | {"folder": str(folder)})
    else:
        app_routine.print_summary(folder, summary, sys.stdout)
    return 0
