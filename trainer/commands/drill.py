"""footmat drill NAME: run one drill with live view and cues; records a session."""
from __future__ import annotations

from .common import add_mat_options, add_out_dir_option, add_pain_options, add_time_options, ask_pain, positive_float


def add_arguments(p):
    from ..drills import all_params

    p.add_argument("name", help="the drill (see: footmat drills)")
    for name, (param, first) in all_params().items():
        kw = {"choices": param.choices} if param.choices else {}
        p.add_argument(f"--{name}", type=param.type, default=None, metavar=None if param.choices else name.upper(),
                       help=f"{param.help} (default {param.default}; {first} and others)".replace("%", "%%"),
                       **kw)
    p.add_argument("--time-cap", type=positive_float, metavar="S", help="stop after S seconds in all")
    add_pain_options(p)
    add_out_dir_option(p)
    add_time_options(p)
    add_mat_options(p)


def run(args) -> int:
    from ..drills import all_params, get
    from trainer.app.drill import run_drill_command

    defn = get(args.name)
    given = {k: getattr(args, k.replace("-", "_")) for k in all_params()}
    defn.resolve(given)                        # bad options fail before anything starts
    pain_before = args.pain_before if args.pain_before is not None else ask_pain("before the drill")
    return run_drill_command(
        args, args.name, given, time_cap_s=args.time_cap, pain_before=pain_before,
        pain_after=lambda: args.pain_after if args.pain_after is not None else ask_pain("after the drill"))
