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
    st = sub.add_parser("set", help="a person's preferences: spoken cues' language, audio")
    st.add_argument("name")
    st.add_argument("--language", metavar="L", help="language of the spoken cues: en, de or fr (screen text stays English)")
    st.add_argument("--audio", choices=("on", "off", "beats"), help="default audio for this person's drills")
    add_json_option(st)
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

    if args.language is None and args.audio is None:
        raise UsageError("nothing to set", "give --language L and/or --audio on|off|beats")
    person = people.load(args.name)
    changed = []
    if args.language is not None:
        lang = args.language.strip().lower()
        if lang not in LANGUAGES:
            raise UsageError(f"no spoken cues in language {args.language!r}", f"choose one of {', '.join(LANGUAGES)}")
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
