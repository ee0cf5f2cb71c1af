"""The `footmat` command: sub-commands registered in one place, heavy imports deferred.

Each sub-command lives in ``trainer/commands/<module>.py`` with two functions:
``add_arguments(parser)`` (stdlib only at import, so ``footmat --help`` stays instant) and
``run(args) -> int``. Errors derived from :class:`FootmatError` become one line on standard
error and exit code 2 (``FOOTMAT_DEBUG=1`` shows the traceback).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

# numpy's OpenBLAS runs one thread per core, and a thread that has worked spins a while waiting
# for more: footmat's matrices are small (a product of a few thousand numbers at most), so that
# only took CPU from the acquisition and the view (3 % of a simulated spiral drill's CPU went to
# a spinning BLAS thread). One thread, unless the user says otherwise; set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from firmware.errors import FootmatError  # noqa: E402

# name -> (module under trainer.commands, one-line help). The one registry of sub-commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "simulated mat and person doing the spiral drill (the first thing to run)"),
    "check": ("check", "live per-sensor readout and diagnosis of the mat"),
    "calibrate": ("calibrate", "guided calibration of the mat → calibration file"),
    "drills": ("drills", "list the drills and their parameters"),
    "drill": ("drill", "run one drill with live view and cues; records a session"),
    "routine": ("routine", "a guided daily routine of several drills with rests"),
    "replay": ("replay", "play a recorded session back through the live view"),
    "report": ("report", "one-page report of a session (PNG or PDF)"),
    "export": ("export", "export a session as CSV, JSON or C3D"),
    "score": ("score", "score a recorded trace (CSV or session) with a drill's own scorer"),
    "analyze": ("analyze", "sway metrics for a session or an external CoP recording"),
    "history": ("history", "past sessions and progress"),
    "person": ("person", "the people who use the mat: add, show, list, set, remove"),
    "today": ("today", "today's training at the person's levels: plan, drills, what changed and why"),
    "serve": ("serve", "the coach's web view of people, sessions and the live mat (paired devices only)"),
    "sync": ("sync", "send this mat's sessions to a clinic's footmat serve and fetch people, levels, caps"),
    "template": ("template", "printable 1:1 sensor-placement template from the layout"),
    "layout": ("layout", "a layout scaled to a person's feet"),
    "bench": ("bench", "performance figures"),
}


def _available() -> dict[str, tuple[str, str]]:
    """Registered commands whose module exists (capabilities land one issue at a time)."""
    here = os.path.join(os.path.dirname(__file__), "commands")
    return {k: v for k, v in COMMANDS.items() if os.path.exists(os.path.join(here, v[0] + ".py"))}


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line error convention (exit 2)."""

    def error(self, message: str):
        print(f"{self.prog}: {message} — see '{self.prog} --help'", file=sys.stderr)
        sys.exit(2)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only`` (a registered command's name) that command's module is the
    only one imported and given its arguments — the others are listed by name and help alone
    (start-up: `footmat demo` need not import every other command's module)."""
    from . import __version__

    parser = _Parser(
        prog="footmat",
        description="footmat — a weight-shift trainer on a mat of force sensors. "
                    "Start with `footmat demo` (no hardware needed).",
        epilog="Files live under $FOOTMAT_HOME (default ~/footmat). FOOTMAT_DEBUG=1 shows tracebacks.")
    parser.add_argument("--version", action="version", version=f"footmat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in _available().items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is not None and name != only:
            continue
        mod = importlib.import_module(f"trainer.commands.{module}")
        mod.add_arguments(p)
        p.set_defaults(_module=mod)
    return parser


# the parsers main() has built, by ``only``: a process that runs several commands (the tests run
# thousands in one process) builds each once, 2-4 ms of argparse a time. A parser keeps nothing of
# a parse (each gets a new Namespace; the commands' defaults are constants, the `append` lists
# copied by argparse before they are added to), so a second parse is the same as on a new parser.
_PARSERS: dict[str | None, argparse.ArgumentParser] = {}


def _parser(only: str | None) -> argparse.ArgumentParser:
    parser = _PARSERS.get(only)
    if parser is None:
        parser = _PARSERS[only] = build_parser(only=only)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    first = argv[0] if argv else None
    parser = _parser(first if first in _available() else None)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args) or 0)
    except FootmatError as e:
        if os.environ.get("FOOTMAT_DEBUG"):
            raise
        print(f"footmat {args.command}: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"footmat {args.command}: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
