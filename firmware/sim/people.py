"""The named simulated people (``--sim-person NAME``): how each follows a drill, what they report
about pain, and how they change with the number of sessions they have done.

Stdlib only: the command line lists them in ``--help``. The simulator's side of a person (lag,
sway) is :class:`firmware.sim.person.ScriptedPerson`; the app's (depth, wander, asymmetry, toe
roll, support) is ``trainer.app.simperson.Follower``; the pain reports are the app's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from firmware.errors import UsageError


@dataclass(frozen=True)
class PersonKind:
    """A named simulated person (``--sim-person NAME``): how well they follow a drill, what they
    report, and how that changes with the number of sessions they have done.

    ``lag_s``: how late they follow the target; ``sway_mm``: postural sway (rms, AP);
    ``wander_mm``: how far off the target they drift (a slow, seeded error: accuracy);
    ``depth``: the part (0..1) of each asked shift or lean they actually make (depth of transfer);
    ``toe_roll``: how far (0..1) from the ball to the toes a foot's CoP goes when asked to press
    the toes; ``asymmetry_pp``: habitual extra share of weight on the left foot (percentage
    points; 8 → 58/42); ``support``: share of weight taken by a rail or chair (holding on);
    ``pain``: (before, after) ratings 0-10 (``pain_days``: those of their first `footmat today`
    days, where the tests need a rise); ``learn_sessions``: sessions to get about 63 % of the
    way to ``best`` (0: does not change); ``best``: the fields a person who learns tends to.
    """

    name: str
    about: str
    lag_s: float = 0.3
    sway_mm: float = 2.5
    wander_mm: float = 4.0
    depth: float = 0.85
    toe_roll: float = 0.7
    asymmetry_pp: float = 0.0
    support: float = 0.0
    pain: tuple = (1, 1)
    learn_sessions: float = 0.0
    best: tuple = ()
    pain_days: tuple = ()   # (before, after) on their successive `footmat today` days, then ``pain``

    def pain_on_day(self, i: int) -> tuple:
        """The pain (before, after) they report on their ``i``-th `footmat today` day (0 = first)."""
        return tuple(self.pain_days[i]) if 0 <= i < len(self.pain_days) else tuple(self.pain)

    def after_sessions(self, n: int) -> "PersonKind":
        """This person after ``n`` sessions of their own (the history's count): each field of
        ``best`` moves from its value towards the best one by 1 − exp(−n / learn_sessions)."""
        if not self.learn_sessions or not self.best or n <= 0:
            return self
        k = 1.0 - math.exp(-max(int(n), 0) / self.learn_sessions)
        changes = {}
        for field_name, target in self.best:
            v = getattr(self, field_name)
            if field_name == "pain":
                changes["pain"] = tuple(int(round(a + k * (b - a))) for a, b in zip(v, target))
            else:
                changes[field_name] = v + k * (target - v)
        return replace(self, **changes)


PEOPLE: dict[str, PersonKind] = {p.name: p for p in (
    PersonKind("good", "quick and accurate, shifts fully and rolls onto the toes; no pain",
               lag_s=0.2, sway_mm=1.8, wander_mm=2.0, depth=0.95, toe_roll=0.9, pain=(0, 0)),
    PersonKind("average", "a typical user: some lag, most of each shift, part of the roll onto the toes",
               lag_s=0.3, sway_mm=2.5, wander_mm=4.0, depth=0.8, toe_roll=0.6, pain=(2, 2),
               learn_sessions=20.0, best=(("depth", 0.9), ("wander_mm", 3.0))),
    PersonKind("poor", "slow and imprecise, shifts half way, hardly onto the toes",
               lag_s=0.6, sway_mm=4.0, wander_mm=9.0, depth=0.5, toe_roll=0.25, pain=(3, 3)),
    PersonKind("improving", "starts poor and painful, gets better over about eight sessions",
               lag_s=0.6, sway_mm=4.0, wander_mm=9.0, depth=0.5, toe_roll=0.25, pain=(6, 6),
               learn_sessions=4.0, best=(("lag_s", 0.25), ("sway_mm", 2.2), ("wander_mm", 3.0), ("depth", 0.9),
                                         ("toe_roll", 0.8), ("pain", (1, 1)))),
    PersonKind("painful", "guards a painful foot: shallow shifts, little toe roll, pain that rises in the drill",
               lag_s=0.45, sway_mm=3.5, wander_mm=6.0, depth=0.55, toe_roll=0.3, pain=(6, 7),
               # in `footmat today`: steady at first, then a session where pain rises by 2 (4 → 6)
               pain_days=((4, 4), (4, 4), (4, 6), (5, 5), (5, 5))),
    PersonKind("holding-on", "keeps a hand on a rail: about 15 % of the weight off the mat",
               lag_s=0.35, sway_mm=2.0, wander_mm=5.0, depth=0.7, toe_roll=0.5, support=0.15, pain=(3, 3)),
    PersonKind("asymmetric", "habitually 58/42 on the left foot, otherwise average",
               lag_s=0.3, sway_mm=2.5, wander_mm=4.0, depth=0.8, toe_roll=0.6, asymmetry_pp=8.0, pain=(2, 2)),
)}

#: the simulated person of `demo` and the drills when none is named
DEFAULT_PERSON = "average"


def get_person(name: "str | PersonKind | None") -> PersonKind:
    """The named simulated person (None: :data:`DEFAULT_PERSON`); an unknown name is a one-line
    UsageError listing the known ones."""
    if isinstance(name, PersonKind):
        return name
    key = DEFAULT_PERSON if name is None else str(name).strip().lower()
    if key not in PEOPLE:
        raise UsageError(f"unknown simulated person {name!r}", f"use one of {', '.join(PEOPLE)}")
    return PEOPLE[key]
