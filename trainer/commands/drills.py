"""footmat drills: the drills and their parameters."""
from __future__ import annotations

from .common import add_json_option, print_json


def add_arguments(p):
    add_json_option(p)


def run(args) -> int:
    from ..drills import REGISTRY

    if args.json:
        print_json({name: {"from": d.source, "asks": d.asks, "measures": d.measures, "time_cap_s": d.time_cap_s,
                           "params": {k: {"default": p.default, "help": p.help, "choices": p.choices,
                                          "min": p.min, "max": p.max} for k, p in d.params.items()}}
                    for name, d in REGISTRY.items()})
        return 0
    for name, d in REGISTRY.items():
        print(f"{name:12s} {d.asks}")
        print(f"{'':12s} from: {d.source}; measures: {d.measures}")
        for k, p in d.params.items():
            extra = f" ({'/'.join(map(str, p.choices))})" if p.choices else ""
            print(f"{'':12s}   --{k} (default {p.default}){extra}: {p.help}")
    return 0
