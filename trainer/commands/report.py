"""footmat report SESSION [--out F.png|F.pdf]: the one-page report of a session.

Stdlib only at import (matplotlib is imported inside ``run``).
"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("session", metavar="SESSION", help="a session folder (or its session.json)")
    p.add_argument("--out", metavar="F", help="F.png or F.pdf (default: report.png in the session folder)")


def run(args) -> int:
    from trainer.ui.report import full_report

    from .common import say

    notes: list[str] = []
    out = full_report(args.session, args.out, notes=notes)
    print(out)
    for note in notes:
        say(f"footmat report: note: {note}")
    return 0
