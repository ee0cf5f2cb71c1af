"""footmat history: past sessions and progress over days and weeks (scores, symmetry, sway, pain)."""
from __future__ import annotations

from .common import add_json_option, print_json, say


def add_arguments(p):
    p.add_argument("--person", metavar="NAME", help="only this person's sessions")
    p.add_argument("--drill", metavar="NAME", help="only this drill")
    p.add_argument("--plot", metavar="F.png", help="draw one person's progress: pain, the spiral score, the other scores, left/right symmetry, sway "
                   "(F.png: one page for the 800x480 screen; F.pdf: A4)")
    add_json_option(p)


def _cell(v, fmt="{:.0f}", empty="-"):
    return empty if v is None else fmt.format(v)


def _table(rows) -> str:
    head = ("started (UTC)", "drill", "person", "min", "done", "score", "pain", "asym", "sway", "folder")
    lines = [head]
    for r in rows:
        pain = r["pain"]
        pain_text = "-" if pain["before"] is None and pain["after"] is None else \
            f"{_cell(pain['before'])}→{_cell(pain['after'])}"
        folder = r["folder"] if r["present"] else f"{r['folder']} (missing)"
        lines.append((str(r["started_at"] or "?")[:16].replace("T", " "), str(r["drill"] or "?"),
                      str(r["person"] or "?"), _cell(None if r["duration_s"] is None else r["duration_s"] / 60, "{:.1f}"),
                      "yes" if r["complete"] else "no", _cell(r["score"], "{:.1f}"), pain_text,
                      _cell(r["asymmetry_pp"], "{:.1f}"), _cell(r["sway_mm_s"], "{:.1f}"), folder))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1] for row in lines)


def run(args) -> int:
    from trainer.sessions import history
    from trainer.ui.progress import plot

    rows = history.load(person=args.person, drill=args.drill, say=say)
    if args.person and not rows:
        from firmware.errors import UsageError
        from trainer.sessions import people

        known = set(people.names()) | {r["person"] for r in history.load() if r["person"]}
        if args.person not in known:
            raise UsageError(f"no person called {args.person!r} (no person file and no session of theirs)",
                             "footmat person list shows who there is" + (f"; known: {', '.join(sorted(known))}"
                                                                          if known else ""))
    if args.plot:
        out = plot(rows, args.plot, person=args.person)
        say(f"progress plot: {out}")
    if args.json:
        print_json(rows)
    elif not rows:
        say(f"no sessions yet{' for ' + args.person if args.person else ''}"
            f"{' of ' + args.drill if args.drill else ''}: run footmat demo, or footmat drill spiral"
            + (f" --person {args.person}" if args.person else ""))
    else:
        print(_table(rows))
        done = sum(r["complete"] for r in rows)
        say(f"{len(rows)} session(s), {done} complete; asym = |left - right| load in percentage points, "
            "sway = CoP speed (mm/s) while standing still before the drill")
    return 0
