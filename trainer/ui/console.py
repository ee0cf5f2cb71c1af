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


class Progress:
    """Progress of a long step on standard error: a rich progress bar when standard error is a
    terminal, otherwise a plain line at each quarter (nothing that redraws in a log file).

    ``plain=False`` draws only on a terminal (for steps that are usually short). ``total`` is the amount of work (frames, sections …) or None when unknown (elapsed time only).
    Use as a context manager; :meth:`advance` moves it on. rich is imported only on a terminal.
    """

    def __init__(self, description: str, total: float | None = None, *, stream=None, plain: bool = True):
        self.plain = plain          # False: nothing at all unless standard error is a terminal
        self.description = description
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0.0
        self._bar = None
        self._task = None
        self._quarter = 0
        try:
            self.tty = self.stream.isatty()
        except (ValueError, OSError, AttributeError):
            self.tty = False

    def __enter__(self):
        if self.tty:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress as RichProgress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            cols = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
                    TextColumn("{task.percentage:>3.0f} %"), TimeElapsedColumn()]
            if self.total:
                cols.append(TimeRemainingColumn())
            self._bar = RichProgress(*cols, console=Console(file=self.stream), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, amount: float = 1.0, what: str | None = None) -> None:
        self.done += amount
        if self._bar is not None:
            self._bar.update(self._task, advance=amount,
                             description=f"{self.description}: {what}" if what else self.description)
            return
        if self.total and self.plain:
            q = min(4, int(4 * self.done / self.total))
            if q > self._quarter:
                self._quarter = q
                print(f"{self.description}: {25 * q} %" + (f" ({what})" if what else ""), file=self.stream,
                      flush=True)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()
        return False
