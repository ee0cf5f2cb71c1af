"""footmat export SESSION --format csv|json|c3d [--out F]: a session for spreadsheets and biomechanics tools.

Cheap to import: the standard library and light footmat modules (the exporters are imported
inside ``run``).
"""
from __future__ import annotations

import time

from .common import add_json_option, print_json, say


def add_arguments(p) -> None:
    p.add_argument("session", metavar="SESSION", help="a session folder (or its session.json)")
    p.add_argument("--format", required=True, choices=("csv", "json", "c3d"),
                   help="csv: the trace + <name>.meta.json sidecar; json: session.json + events + every "
                        "sample; c3d: CoP points and sensor forces for biomechanics tools")
    p.add_argument("--out", metavar="F",
                   help="output file, or a folder to put it in (default: <session>/<session name>.<format>)")
    add_json_option(p)


def run(args) -> int:
    from trainer.formats.export import export_session

    t0 = time.perf_counter()
    notes: list[str] = []
    from trainer.ui.console import Progress

    with Progress(f"exporting as {args.format}", None, plain=False):   # a spinner on a terminal
        files = export_session(args.session, args.format, args.out, notes=notes)
    took = time.perf_counter() - t0
    complete = not any(n.startswith("the session is incomplete") for n in notes)
    if args.json:
        print_json({"format": args.format, "files": [str(f) for f in files], "seconds": round(took, 3),
                    "complete": complete, "notes": notes})
    else:
        for f in files:
            print(f)
    for note in notes:
        say(f"footmat export: note: {note}" + ("; every row it recorded is exported"
                                                if note.startswith("the session is incomplete") else ""))
    return 0
