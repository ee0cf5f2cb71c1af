"""footmat drills: the drills and their parameters."""
from __future__ import annotations

import textwrap

from .common import add_json_option, print_json


def add_arguments(p):
    add_json_option(p)
    from firmware.sim.people import PEOPLE
    from firmware.sim.scenarios import SCENARIOS
    p.epilog = ("simulated mats (--sim-scenario, with --backend sim): "
                + "; ".join(f"{n}: {s.assumes}" for n, s in SCENARIOS.items())
                + ". simulated people (--sim-person): "
                + "; ".join(f"{n}: {k.about}" for n, k in PEOPLE.items()) + ".")


def run(args) -> int:
    from firmware.sim.people import DEFAULT_PERSON, PEOPLE
    from firmware.sim.scenarios import DEFAULT, SCENARIOS

    from ..drills import REGISTRY

    sim = {"sim_scenarios": {n: {"assumes": s.assumes, "default": n == DEFAULT} for n, s in SCENARIOS.items()},
           "sim_people": {n: {"about": k.about, "default": n == DEFAULT_PERSON, "pain": list(k.pain),
                              "changes_with_sessions": bool(k.learn_sessions)} for n, k in PEOPLE.items()}}
    if args.json:
        print_json({name: {"from": d.source, "asks": d.asks, "measures": d.measures, "time_cap_s": d.time_cap_s,
                           "params": {k: {"default": p.default, "help": p.help, "choices": p.choices,
                                          "min": p.min, "max": p.max} for k, p in d.params.items()}}
                    for name, d in REGISTRY.items()} | sim)
        return 0
    from trainer.ui.report_words import TELLS

    def para(text, first, rest):
        print(textwrap.fill(text, 79, initial_indent=first, subsequent_indent=rest))

    for name, d in REGISTRY.items():
        print(name)
        para(f"What you do: {d.asks}.", "  ", "    ")
        para(f"What it tells you: {TELLS.get(name, d.measures)}.", "  ", "    ")
        if d.params:
            print("  Options:")
        for k, p in d.params.items():
            extra = f"; or {', '.join(str(c) for c in p.choices if c != p.default)}" if p.choices else ""
            para(f"--{k} (usually {p.default}{extra}): {p.help}", "    ", "        ")
        print()
    print("simulated mats (--backend sim --sim-scenario NAME):")
    for n, s in SCENARIOS.items():
        para(f"{n}{' (the default)' if n == DEFAULT else ''}: {s.assumes}", "  ", "      ")
    print("simulated people (--backend sim --sim-person NAME):")
    for n, k in PEOPLE.items():
        para(f"{n}{' (the default)' if n == DEFAULT_PERSON else ''}: {k.about}", "  ", "      ")
    return 0
