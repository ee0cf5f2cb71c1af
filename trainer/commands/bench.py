"""footmat bench [--section NAME] [--json]."""
from __future__ import annotations

from .common import add_json_option, print_json, say


def add_arguments(p):
    p.add_argument("--section", metavar="NAME", action="append",
                   help="run only this section (repeatable): machine, startup, pipeline, accuracy, "
                        "acquisition, render, latency, analysis, sessions, export, audio, web, history, sync")
    add_json_option(p)


def _flat(prefix: str, obj, out: list):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flat(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out.append((prefix, obj))


def run(args) -> int:
    from firmware.errors import UsageError
    import time

    from ..bench import SECTIONS, TOTAL_BUDGET_S, available, misses, run_section, temporary_home

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
    t0 = time.perf_counter()
    with temporary_home():
        from trainer.ui.console import Progress

        for i, n in enumerate(chosen):
            if not args.json:
                say(f"[{n}] … (section {i + 1} of {len(chosen)})")
            with Progress(f"bench section {n} ({i + 1}/{len(chosen)})", None, plain=False):
                result[n] = run_section(n)
            if not args.json:
                rows = []
                _flat("", result[n], rows)
                shown = dict(rows)
                for k, v in rows:
                    if k.endswith(("_meets", "_target")):
                        continue
                    verdict = shown.get(f"{k}_meets")
                    mark = ""
                    if verdict is not None:
                        target = shown.get(f"{k}_target", "")
                        mark = f"   (target {target}: {'ok' if verdict else 'MISSED'})"
                    print(f"  {'!' if verdict is False else ' '} {n}.{k} = {v}{mark}")
    total = round(time.perf_counter() - t0, 1)
    missed = [f"{n}.{k}" for n in result for k in misses(result[n])]
    if args.json:
        if set(chosen) == set(names):
            result["total"] = {"bench_s": total, "budget_s": TOTAL_BUDGET_S,
                               "bench_s_meets": total <= TOTAL_BUDGET_S}
        print_json(result)
    else:
        print(f"bench: {total} s (budget {TOTAL_BUDGET_S:g} s for every section)")
        if missed:
            print(f"MISSED {len(missed)} target(s): {', '.join(missed)}")
        else:
            print("every measured figure meets its target")
    return 0
