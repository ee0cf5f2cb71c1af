"""footmat demo: the simulated mat and person doing the spiral — the first thing to run."""
from __future__ import annotations

from .common import add_mat_options, add_out_dir_option, add_time_options, positive_float, say


def add_arguments(p):
    p.add_argument("--seconds", type=positive_float, default=60.0, help="how long the demo runs (default 60)")
    add_out_dir_option(p)
    add_time_options(p)
    add_mat_options(p)


def run(args) -> int:
    from firmware.errors import UsageError
    from trainer.app.drill import run_drill_command

    if args.backend not in (None, "sim"):
        raise UsageError(f"footmat demo runs on the simulated mat, not {args.backend!r}",
                         "drop --backend, or use: footmat drill spiral --backend " + args.backend)
    args.backend = "sim"
    period = 12.0
    loops = max(1, int((args.seconds - 6.0) // period))
    code = run_drill_command(args, "spiral", {"loops": loops, "period": period}, time_cap_s=args.seconds)
    folder = getattr(args, "session_folder", None)
    if code == 0 and folder is not None:
        say(f"the path against the target: {folder / 'report.png'}")
        say(f"next: footmat drills (all drills), footmat analyze {folder} (sway), "
            f"footmat replay {folder}, footmat drill spiral --backend sim")
    return code
