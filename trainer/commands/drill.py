"""footmat drill NAME: run one drill with live view and cues; records a session."""
from __future__ import annotations

from .common import (add_mat_options, add_out_dir_option, add_time_options, ask, pain_rating, positive_float, say)


def add_arguments(p):
    p.add_argument("name", help="the drill (see: footmat drills)")
    p.add_argument("--loops", type=int, default=3, help="spiral: number of loops (default 3)")
    p.add_argument("--period", type=positive_float, default=12.0, help="spiral: seconds per loop (default 12)")
    p.add_argument("--amplitude", type=positive_float, default=0.6, help="spiral: fraction of your reach (default 0.6)")
    p.add_argument("--direction", choices=("heel-to-toes", "toes-to-heel"), default="heel-to-toes")
    p.add_argument("--start-foot", choices=("left", "right"), default="left")
    p.add_argument("--time-cap", type=positive_float, metavar="S", help="stop after S seconds in all")
    p.add_argument("--pain-before", type=pain_rating, metavar="0-10", help="pain rating before (else asked at a terminal)")
    p.add_argument("--pain-after", type=pain_rating, metavar="0-10", help="pain rating after (else asked at a terminal)")
    add_out_dir_option(p)
    add_time_options(p)
    add_mat_options(p)


def _ask_pain(when: str):
    ans = ask(f"Pain right now, 0 (none) to 10 (worst), {when}? [Enter to skip] ")
    if ans is None:
        return None
    try:
        v = int(ans)
    except ValueError:
        say(f"'{ans}' is not a number 0-10: not recorded")
        return None
    return v if 0 <= v <= 10 else None


def run(args) -> int:
    from firmware.errors import UsageError
    from .drills import DRILLS
    from ..runner import run_spiral

    if args.name not in DRILLS:
        raise UsageError(f"no drill called {args.name!r}", f"choose one of: {', '.join(DRILLS)} (footmat drills)")
    if not 1 <= args.loops <= 100:
        raise UsageError(f"--loops {args.loops} is outside 1..100", "give a number of loops from 1 to 100")
    if not 0.1 <= args.amplitude <= 1.0:
        raise UsageError(f"--amplitude {args.amplitude} is outside 0.1..1", "it is a fraction of your reach")
    pain_before = args.pain_before if args.pain_before is not None else _ask_pain("before the drill")
    if args.pain_after is None:
        args.pain_after_prompt = True
    cap = args.time_cap or (args.loops * args.period + 60.0)
    code = run_spiral(args, drill_name=args.name, loops=args.loops, period_s=args.period, amplitude=args.amplitude,
                      direction=args.direction, start_foot=args.start_foot, time_cap_s=cap, pain_before=pain_before,
                      pain_after=lambda: args.pain_after if args.pain_after is not None else _ask_pain("after the drill"))
    return code
