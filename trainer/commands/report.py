"""footmat report SESSION [--out F.png|F.pdf]: the one-page report of a session.

Stdlib only at import (matplotlib is imported inside ``run``).
"""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("session", metavar="SESSION", help="a session folder (or its session.json)")
    p.add_argument("--out", metavar="F", help="F.png or F.pdf (default: report.png in the session folder)")


def run(args) -> int:
    from trainer.export import open_session
    from trainer.report import full_report

    from .common import say

    out = full_report(args.session, args.out)
    print(out)
    if not open_session(args.session).complete:
        say("footmat report: note: the session is incomplete (it did not end normally); the page says so")
    return 0
