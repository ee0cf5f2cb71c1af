"""footmat bench [--section NAME] [--json]."""
from __future__ import annotations

from .common import add_json_option, print_json, say


def add_arguments(p):
    p.add_argument("--section", metavar="NAME", action="append",
                   help="run only this section (repeatable): machine, startup, pipeline, accuracy, "
                        "acquisition, render, latency, analysis, sessions, export")
    add_json_option(p)


def _flat(prefix: str, obj, out: list):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flat(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out.append((prefix, obj))


def run(args) -> int:
    from firmware.errors import UsageError
    from ..bench import SECTIONS, available, run_section, temporary_home

    names = available()
    chosen = args.section or names
    for n in chosen:
        if n not in SECTIONS:
            raise UsageError(f"no bench section {n!r}", f"use one of: {', '.join(names)}")
        if n not in names:
            raise UsageError(f"bench section {n!r} is not built yet", f"available: {', '.join(names)}")
    result = {}
    # one temporary FOOTMAT_HOME for every section (and the processes they start): the user's
    # sessions, history and calibration are never read or written; removed at the end
    with temporary_home():
        for n in chosen:
            if not args.json:
                say(f"[{n}] …")
            result[n] = run_section(n)
            if not args.json:
                rows = []
                _flat("", result[n], rows)
                for k, v in rows:
                    print(f"  {n}.{k} = {v}")
    if args.json:
        print_json(result)
    return 0
