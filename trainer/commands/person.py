"""footmat person add|show|list."""
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
        if person.foot_length_mm is not None and not 150 <= person.foot_length_mm <= 350:
            from firmware.errors import UsageError
            raise UsageError(f"foot length {person.foot_length_mm} mm is outside 150..350", "give it in millimetres")
        people.save(person)
        if args.json:
            print_json(person.to_dict())
        else:
            say(("updated " if old else "added ") + _line(person))
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
