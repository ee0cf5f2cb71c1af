"""The console: what footmat says to the person on the terminal, and what it asks them.

Messages go to standard error, so ``--json`` output on standard output stays pure. Nothing ever
waits for typed input unless standard input is a terminal (PRODUCT.md §3). Only the app and the
commands talk to the person: library code below them returns values and raises errors.
"""
from __future__ import annotations

import json
import math
import sys


def say(*parts) -> None:
    """Messages for the person: always on standard error, so --json stdout stays pure."""
    print(*parts, file=sys.stderr, flush=True)


def interactive() -> bool:
    """True when someone can answer a question (standard input is a terminal)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def ask(question: str, default: str | None = None) -> str | None:
    """Ask at a terminal; without one, never wait — return ``default``."""
    if not interactive():
        return default
    try:
        ans = input(question)
    except EOFError:
        return default
    return ans.strip() or default


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _clean(obj.item())
    return obj


def print_json(obj) -> None:
    """JSON on standard output (NaN/inf become null, numpy scalars plain numbers)."""
    json.dump(_clean(obj), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def ask_pain(when: str):
    """A 0-10 pain rating asked at a terminal (None without one, or when skipped)."""
    ans = ask(f"Pain right now, 0 (none) to 10 (worst), {when}? [Enter to skip] ")
    if ans is None:
        return None
    try:
        v = int(ans)
    except ValueError:
        v = -1
    if not 0 <= v <= 10:
        say(f"'{ans}' is not a number 0-10: not recorded")
        return None
    return v
