"""footmat person add|set|show|list."""
from __future__ import annotations

from .common import add_json_option, positive_float, print_json, say


def add_arguments(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="add or update a person")
    a.add_argument("name")
    w = a.add_mutually_exclusive_group(required=True)
    w.add_argument("--weight-kg", type=positive_float, metavar="KG")
    w.add_argument("--weight-lb", type=positive_float, metavar="LB")
    a.add_argument("--height-cm", type=positive_float, metavar="CM")
    a.add_argument("--foot-length-mm", type=positive_float, metavar="MM")
    add_json_option(a)
    st = sub.add_parser("set", help="a person's preferences (spoken cues' language, audio) and a clinician's "
                                    "levels, caps and exclusions")
    st.add_argument("name")
    st.add_argument("--language", metavar="L", help="language of the spoken cues: en, de or fr (screen text stays English)")
    st.add_argument("--audio", choices=("on", "off", "beats"), help="default audio for this person's drills")
    st.add_argument("--level", action="append", metavar="DRILL=N", default=[],
                    help="set the person's level of DRILL (1 = gentlest; repeatable; see footmat today)")
    st.add_argument("--max-level", action="append", metavar="DRILL=N", default=[],
                    help="a clinician's cap: the programme never takes DRILL past level N (N = none removes it)")
    st.add_argument("--exclude", action="append", metavar="DRILL", default=[],
                    help="the programme never runs DRILL for this person (repeatable)")
    st.add_argument("--include", action="append", metavar="DRILL", default=[],
                    help="take DRILL off the exclusions again")
    add_json_option(st)
    rm = sub.add_parser("remove", help="remove a person's file (their sessions stay in the history)")
    rm.add_argument("name")
    add_json_option(rm)
    s = sub.add_parser("show", help="show one person")
    s.add_argument("name")
    add_json_option(s)
    ls = sub.add_parser("list", help="list the people")
    add_json_option(ls)


def _line(person) -> str:
    parts = [person.name, person.weight_text()]
    if person.height_cm:
        parts.append(f"{person.height_cm:.0f} cm")
    if person.foot_length_mm:
        parts.append(f"foot {person.foot_length_mm:.0f} mm")
    if getattr(person, "levels", None):
        parts.append("levels: " + ", ".join(f"{k} {v}" for k, v in sorted(person.levels.items())))
    caps = getattr(person, "caps", None) or {}
    if caps.get("max_level"):
        parts.append("capped: " + ", ".join(f"{k} at {v}" for k, v in sorted(caps["max_level"].items())))
    if caps.get("exclude"):
        parts.append("excluded: " + ", ".join(caps["exclude"]))
    if getattr(person, "language", "en") != "en" or getattr(person, "audio", "on") != "on":
        parts.append(f"spoken cues: {person.language}, audio {person.audio}")
    if person.reach_mm:
        parts.append("reach on this mat: " + ", ".join(f"{k} {v:.0f} mm" for k, v in person.reach_mm.items()))
    return "  ".join(parts)


def run(args) -> int:
    from trainer.sessions import people

    if args.action == "add":
        kg, unit = people.weight_from(args.weight_kg, args.weight_lb)
        people.check_name(args.name)
        try:
            old = people.load(args.name)
        except Exception:
            old = None
        person = people.Person(args.name, kg, args.height_cm or (old.height_cm if old else None),
                               args.foot_length_mm or (old.foot_length_mm if old else None), unit,
                               old.reach_mm if old else None, old.reach_note if old else None,
                               old.person_id if old else None)
        if old is not None:                      # an update keeps the person's preferences
            person.language, person.audio = old.language, old.audio
            person.levels, person.caps = old.levels, old.caps
        if person.foot_length_mm is not None and not 150 <= person.foot_length_mm <= 350:
            from firmware.errors import UsageError
            raise UsageError(f"foot length {person.foot_length_mm} mm is outside 150..350", "give it in millimetres")
        people.save(person)
        if args.json:
            print_json(person.to_dict())
        else:
            say(("updated " if old else "added ") + _line(person))
        return 0
    if args.action == "set":
        return _set(args, people)
    if args.action == "remove":
        people.remove(args.name)
        if args.json:
            print_json({"removed": args.name})
        else:
            say(f"removed {args.name} (their sessions stay in the history)")
        return 0
    if args.action == "show":
        person = people.load(args.name)
        if args.json:
            print_json(person.to_dict())
        else:
            print(_line(person))
        return 0
    rows = [people.load(n) for n in people.names()]
    if args.json:
        print_json([r.to_dict() for r in rows])
    elif not rows:
        say("no people yet: add one with  footmat person add NAME --weight-kg N")
    else:
        for r in rows:
            print(_line(r))
    return 0


def _set(args, people) -> int:
    from firmware.errors import UsageError
    from trainer.ui.speech import LANGUAGES

    if (args.language is None and args.audio is None and not args.level and not args.max_level
            and not args.exclude and not args.include):
        raise UsageError("nothing to set", "give --language L, --audio on|off|beats, --level DRILL=N, "
                                           "--max-level DRILL=N, --exclude DRILL or --include DRILL")
    person = people.load(args.name)
    changed = []
    levels = _pairs(args.level, "--level")
    caps = _pairs(args.max_level, "--max-level", none_ok=True)
    # everything is checked, then applied in memory, then written once (atomically): a refused
    # command changes nothing
    for d, n in levels.items():
        people.check_level(d, n)
    for d, n in caps.items():
        people.check_drill(d) if n is None else people.check_level(d, n, "max level")
    for d in args.exclude + args.include:
        people.check_drill(d)
    lang = None
    if args.language is not None:
        lang = args.language.strip().lower()
        if lang not in LANGUAGES:
            raise UsageError(f"no spoken cues in language {args.language!r}", f"choose one of {', '.join(LANGUAGES)}")
    if caps or args.exclude or args.include:
        person = people.apply_caps(person, max_level=caps, exclude=args.exclude, include=args.include)
        changed += [f"{d} capped at {n}" if n is not None else f"{d} cap removed" for d, n in caps.items()]
        changed += [f"{d} excluded" for d in args.exclude] + [f"{d} included" for d in args.include]
    if levels:
        over = {d: n for d, n in levels.items() if n > person.caps["max_level"].get(d, n)}
        if over:
            d, n = next(iter(over.items()))
            raise UsageError(f"--level {d}={n} is above the cap {person.caps['max_level'][d]}",
                             f"lift the cap first: --max-level {d}=N")
        person = people.apply_levels(person, levels)
        changed += [f"{d} level {n}" for d, n in levels.items()]
    if lang is not None:
        person.language = lang
        changed.append(f"language {lang}")
    if args.audio is not None:
        person.audio = args.audio
        changed.append(f"audio {args.audio}")
    people.save(person)
    if args.json:
        print_json(person.to_dict())
    else:
        say(f"{person.name}: " + ", ".join(changed))
    return 0


def _pairs(items: list, option: str, none_ok: bool = False) -> dict:
    """["spiral=3", ...] -> {"spiral": 3}; a bad item is a one-line UsageError."""
    from firmware.errors import UsageError

    out = {}
    for item in items:
        drill, eq, n = item.partition("=")
        drill, n = drill.strip(), n.strip()
        if not eq or not drill:
            raise UsageError(f"{option} {item!r} is not DRILL=N", f"e.g. {option} spiral=3")
        if none_ok and n.lower() == "none":
            out[drill] = None
            continue
        try:
            out[drill] = int(n)
        except ValueError:
            raise UsageError(f"{option} {item!r}: {n!r} is not a whole number", f"e.g. {option} {drill}=3") from None
    return out
