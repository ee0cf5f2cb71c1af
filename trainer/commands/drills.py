"""footmat drills: the drills and their parameters."""
from __future__ import annotations

from .common import add_json_option, print_json

DRILLS = {
    "spiral": {
        "from": "seed 000 (tai-chi weight spiral)",
        "asks": "follow the spiral loop: left heel → ball → toes → right heel → ball → toes",
        "measures": "per loop: RMS tracking error (mm, % of reach), lag, lag-corrected RMS, waypoint order and "
                    "closest approach, SPARC smoothness, wing asymmetry, score 0-100",
        "params": {"loops": (3, "number of loops"), "period": (12.0, "seconds per loop (10-16 is tai-chi pace)"),
                   "amplitude": (0.6, "fraction of your reach the loop uses"),
                   "direction": ("heel-to-toes", "heel-to-toes or toes-to-heel"),
                   "start-foot": ("left", "left or right")},
    },
}


def add_arguments(p):
    add_json_option(p)


def run(args) -> int:
    if args.json:
        print_json({k: {**{kk: vv for kk, vv in v.items() if kk != "params"},
                        "params": {pk: {"default": d, "help": h} for pk, (d, h) in v["params"].items()}}
                    for k, v in DRILLS.items()})
        return 0
    for name, d in DRILLS.items():
        print(f"{name:12s} {d['asks']}")
        print(f"{'':12s} measures: {d['measures']}")
        for pk, (default, h) in d["params"].items():
            print(f"{'':12s}   --{pk} (default {default}): {h}")
    return 0
