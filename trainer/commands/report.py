"""footmat report SESSION [--out F.png|F.pdf]: the one-page report of a session.

Cheap to import: the standard library and light footmat modules (the report and matplotlib are
imported inside ``run``).
"""
from __future__ import annotations

from .common import say


def add_arguments(p) -> None:
    p.add_argument("session", metavar="SESSION", help="a session folder (or its session.json)")
    p.add_argument("--out", metavar="F", help="F.png or F.pdf (default: report.png in the session folder)")


def run(args) -> int:
    from trainer.ui.report import full_report

    notes: list[str] = []
    out = full_report(args.session, args.out, notes=notes)
    print(out)
    for note in notes:
        say(f"footmat report: note: {note}")
    return 0
