"""footmat today: today's session of the programme that adapts — the plan in words, the parts at
your levels, pain before and after, then what changed and why (PRODUCT.md §4b)."""
from __future__ import annotations

from .common import add_json_option, add_mat_options, add_out_dir_option, add_pain_options, add_time_options


def add_arguments(p):
    p.add_argument("--again", action="store_true",
                   help="train even on a rest day or a day already trained")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="run as if it were that day (for tests and demonstrations; default: today, local date)")
    p.add_argument("--short", action="store_true",
                   help="a short session: each part at your level's intensity but less of it (2 loops, 4 reps, "
                        "1 set); for a demonstration or a test")
    add_pain_options(p)
    add_json_option(p)
    add_out_dir_option(p)
    add_time_options(p)
    add_mat_options(p)


def run(args) -> int:
    from trainer.app.today import run_today   # the drills' runtime: imported when the session runs

    return run_today(args)
