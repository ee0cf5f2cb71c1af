"""Options and conventions shared by every sub-command (PRODUCT.md §3), implemented once.

Stdlib only at import time: these run while `footmat --help` builds its parser.
"""
from __future__ import annotations

import argparse
import math

from firmware.errors import UsageError
from trainer.ui.console import ask, ask_pain, interactive, print_json, say  # noqa: F401 — the commands' console

BACKEND_HELP = "sim | ads1115 | mcp3008 | replay:PATH (default: the layout's ADC)"


def add_layout_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layout", metavar="FILE", help="layout TOML file or shipped layout name (default: default-6)")


def add_mat_options(p: argparse.ArgumentParser) -> None:
    """--backend, --layout, --calibration, --person: for every command that reads the mat."""
    p.add_argument("--backend", metavar="NAME", help=BACKEND_HELP)
    add_layout_option(p)
    p.add_argument("--calibration", metavar="FILE", help="calibration file (default: the mat's, under $FOOTMAT_HOME)")
    p.add_argument("--person", metavar="NAME", help="who is on the mat (default: a 70 kg default person)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the simulated mat and person (sim only)")
    from firmware.sim.people import PEOPLE
    from firmware.sim.scenarios import DEFAULT, SCENARIOS
    p.add_argument("--sim-scenario", metavar="NAME", type=str.lower,
                   help=f"simulated mat (sim only): {', '.join(SCENARIOS)} (default: {DEFAULT}; `footmat drills` "
                        "says what each assumes)")
    p.add_argument("--sim-person", metavar="NAME", type=str.lower,
                   help=f"simulated person (sim only): {', '.join(PEOPLE)} (default: average; their pain reports "
                        "are used when no --pain-* is given)")


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON only on standard output")


def add_out_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="create the session folder inside DIR (made if missing)")


def add_time_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-plot", action="store_true", help="no live view (with --backend sim: virtual time)")
    p.add_argument("--realtime", action="store_true", help="pace a simulated run by the wall clock even with --no-plot")
    p.add_argument("--feedback", choices=("full", "target", "none"),
                   help="live feedback: full (trail and marker), the target only, or none (score at the end)")
    add_audio_options(p)


def add_audio_options(p: argparse.ArgumentParser) -> None:
    """--audio, --audio-out, --audio-error: for every command that runs a drill (PRODUCT.md §7)."""
    p.add_argument("--audio", choices=("on", "off", "beats"),
                   help="spoken cues and beats, beats only, or silence (default: the person's setting, else on)")
    p.add_argument("--audio-out", metavar="FILE.wav",
                   help="also render the session's sound track to FILE.wav (in virtual time too)")
    p.add_argument("--audio-error", choices=("off", "pitch", "pan"),
                   help="sound the tracking error: pitch (higher = further off) or pan (toward the target); default off")


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return v


def pain_rating(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"pain rating {text!r} is not a whole number 0-10") from None
    if not 0 <= v <= 10:
        raise argparse.ArgumentTypeError(f"pain rating {v} is outside 0-10")
    return v


def require(cond: bool, what: str, fix: str) -> None:
    if not cond:
        raise UsageError(what, fix)


def add_pain_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pain-before", type=pain_rating, metavar="0-10", help="pain rating before (else asked at a terminal)")
    p.add_argument("--pain-after", type=pain_rating, metavar="0-10", help="pain rating after (else asked at a terminal)")
