"""footmat report SESSION|ROUTINE [--out F.png|F.pdf]: a session's report page, or a routine's
report with a page per part.

Cheap to import: the standard library and light footmat modules (the report and matplotlib are
imported inside ``run``).
"""
from __future__ import annotations

from .common import say


def add_arguments(p) -> None:
    p.add_argument("session", metavar="SESSION", help="a session folder (or its session.json), or a routine's folder (a PDF page per part)")
    p.add_argument("--out", metavar="F", help="F.png or F.pdf (default: report.png in the session folder; a routine: report.pdf)")


def run(args) -> int:
    from trainer.ui.report import full_report

    notes: list[str] = []
    out = full_report(args.session, args.out, notes=notes)
    print(out)
    for note in notes:
        say(f"footmat report: note: {note}")
    return 0
