"""The programme that adapts (issue 27, PRODUCT.md §4b): which drills today, at which level, and
how each level moves after a session.

The history is the audit trail: every `footmat today` session is a routine folder
``<stamp>-routine-today/`` whose ``routine.json`` carries a ``programme`` block (the date it was
run for, the person, the plan with each part's level and parameters, the pain ratings and the
decisions with their reasons). :func:`days` reads them back; :func:`plan` makes today's plan from
them and the person's file; :func:`decide` moves the levels after the session. Every decision is
an event: ``(kind, detail)`` written into the part's events.csv (plan-time decisions) or into the
routine's ``programme.events`` (the decisions after the session).

The thresholds are named constants with their reasons, below.
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from trainer.drills import levels as lv
from trainer.sessions import home, people

# --- thresholds, and why ------------------------------------------------------------------------
#: a decision looks at the last N scored units at the current level (loops, reps, presses): six
#: spiral loops is two short sessions, enough that one bad loop does not move a level
WINDOW_UNITS = 6
#: fewer scored units than this at the level: too little evidence to step up
MIN_UNITS_UP = 3
#: "clearly good": the median unit score (0-100) at or above this steps up. The spiral's loop score
#: is a strict tracking score: on the ideal simulated mat at level 1 a good follower's loops score
#: about 40-55, a poor one's about 20-30 (measured with `footmat drill spiral --backend sim
#: --sim-scenario ideal --sim-person good|poor`). The exercise drills' scores are "done / asked"
#: (%), where only (almost) everything done is clearly good
STEP_UP_SCORE = {"spiral": 40.0}
STEP_UP_DEFAULT = 90.0
#: "clearly struggling": the median at or below this steps down. The gap to STEP_UP is the
#: hysteresis: a person scoring in between stays where they are
STEP_DOWN_SCORE = {"spiral": 22.0}
STEP_DOWN_DEFAULT = 50.0
#: a level is held for at least this many sessions before it steps up (one good day is not a trend)
HOLD_SESSIONS = 2
#: a break this long (days since the last session) steps every level back one: deconditioning
BREAK_DAYS = 14
#: pain (0-10): a rise of this much, before → after or one session's "before" → the next, eases
#: the next session; a rating this high before eases this session and shows the red-flag notice
PAIN_RISE = 2
PAIN_HIGH = 7
#: eased for pain this many sessions in a row: suggest talking to a clinician
PAIN_PERSIST_SESSIONS = 3
#: about three sessions a week: never two days running, at most this many in any 7 days
SESSIONS_PER_WEEK = 3
MIN_GAP_DAYS = 2
#: without a measured reach (`limits` with --person), levels past these are not offered: their
#: targets are scaled to a reach nobody has measured
NO_REACH_MAX = {"spiral": 4, "shift-lr": 3, "shift-ap": 3}
#: safety caps for training alone at home, whatever the scores: 30 s on one foot (level 4) is
#: plenty without someone beside you
SAFETY_CAPS = {"one-leg": 4}
#: the spiral "keeps scoring high": this many sessions in a row at or above STEP_UP while at a
#: cap of the reach → re-measure the reach (limits) next time
LIMITS_HIGH_SESSIONS = 3
#: the day's parts: the routine's (PRODUCT.md §4b), each drill with levels at the person's level
#: (limits is added after the first part when it is due). A physiotherapist's own copy in
#: $FOOTMAT_HOME/routines/daily.toml wins over the shipped one
ROUTINE = "daily"

RED_FLAG_NOTICE = ("Red flags: new numbness, new weakness in a leg, or loss of bladder or bowel control — "
                   "stop and seek medical care at once.")
CLINICIAN_NOTICE = ("Your pain has needed an easier session {n} times in a row: please talk to your "
                    "physiotherapist or doctor about it before you go on.")
ROUTINE_NAME = "today"


@dataclass
class PartPlan:
    drill: str
    level: int                 # the person's level of the drill
    run_level: int             # the level it runs at today (one below when eased)
    params: dict
    feedback: str
    text: str
    eased: bool = False
    events: list = field(default_factory=list)   # (kind, detail) written into the part's session

    def to_dict(self) -> dict:
        return {"drill": self.drill, "level": self.level, "run_level": self.run_level, "params": self.params,
                "feedback": self.feedback, "eased": self.eased, "text": self.text,
                "events": [{"kind": k, "detail": d} for k, d in self.events]}


@dataclass
class Plan:
    date: Date
    parts: list
    notes: list                # plain sentences shown before the session
    events: list               # (kind, detail) of the whole session
    eased: bool
    ease_reasons: list


@dataclass
class Day:
    """One `footmat today` session, read back from its routine.json."""
    date: Date
    folder: Path
    data: dict

    @property
    def programme(self) -> dict:
        return self.data.get("programme") or {}

    @property
    def pain(self) -> dict:
        return self.programme.get("pain") or self.data.get("pain") or {}

    @property
    def eased_for_pain(self) -> bool:
        return bool(self.programme.get("eased"))

    def parts(self, drill: str) -> list[tuple[dict, dict]]:
        """(plan part, routine part) of ``drill`` in this session."""
        plan = [p for p in self.programme.get("plan", []) if p.get("drill") == drill]
        done = [p for p in self.data.get("parts", []) if p.get("drill") == drill]
        return list(zip(plan, done))


# --- reading the history --------------------------------------------------------------------------
def days(person, root: Path | None = None) -> list[Day]:
    """The person's `footmat today` sessions, oldest first (by the date they were run for)."""
    root = root or home.sessions_dir()
    out = []
    if not root.is_dir():
        return out
    for f in root.glob(f"*-routine-{ROUTINE_NAME}*/routine.json"):
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
            prog = d["programme"]
            if prog.get("person_id") != person.person_id and prog.get("person") != person.name:
                continue
            out.append(Day(Date.fromisoformat(prog["date"]), f.parent, d))
        except (OSError, ValueError, KeyError, TypeError):
            continue            # a damaged or foreign record is not the programme's
    return sorted(out, key=lambda d: (d.date, d.data.get("started_at", "")))


def units(drill: str, part: dict) -> list[float]:
    """The scored units (0-100) of one routine part: the spiral's loops, else the drill's score
    (reps or presses done / asked; the one-leg time held / the time asked). A part done while
    holding on (the engine noted it) has no units: they do not count."""
    s = part.get("summary") or {}
    if not part.get("complete") or (s.get("holding_on_events") or 0) > 0:
        return []
    if drill == "spiral":
        return [float(lp["score"]) for lp in s.get("loops") or [] if isinstance(lp.get("score"), (int, float))]
    if drill == "one-leg":
        cap = (part.get("params") or {}).get("max-time")
        return [100.0 * min(1.0, float(s.get("held_s") or 0) / cap)] if cap else []
    return [float(s["score"])] if isinstance(s.get("score"), (int, float)) else []


def holding_on(part: dict) -> bool:
    return ((part.get("summary") or {}).get("holding_on_events") or 0) > 0


# --- schedule -----------------------------------------------------------------------------------
@dataclass
class DayOff:
    """Why `footmat today` does not train on a date, and the first date after it that it would."""
    reason: str                # "already_trained" or "rest_day"
    why: str                   # in words, with the next training day
    next_day: str              # ISO date: the first date after this one on which `today` trains


def _rest_rule(trained: list[Date], on: Date) -> tuple[str, str] | None:
    """The schedule's one rule (about three sessions a week by the local date: never two days
    running, at most SESSIONS_PER_WEEK in any 7 days) on the sorted dates already ``trained``:
    (reason, words) when ``on`` is not a training day, None when it is."""
    if on in trained:
        return "already_trained", f"you have already trained today ({on.isoformat()}): well done. Come back on"
    before = [d for d in trained if d < on]
    if before and (on - before[-1]).days < MIN_GAP_DAYS:
        return "rest_day", ("today is a rest day: you trained yesterday, and muscles and joints get better between "
                            "sessions. Next training day:")
    week = [d for d in before if (on - d).days < 7]
    if len(week) >= SESSIONS_PER_WEEK:
        return "rest_day", (f"today is a rest day: {len(week)} sessions in the last 7 days is your week's training "
                            f"(about {SESSIONS_PER_WEEK} a week). Next training day:")
    return None


def day_off(history: list[Day], on: Date) -> DayOff | None:
    """None when `footmat today` trains on ``on``; else why not and the next training day."""
    trained = sorted({d.date for d in history})
    rule = _rest_rule(trained, on)
    if rule is None:
        return None
    reason, words = rule
    nxt = next_day(history, on)
    return DayOff(reason, f"{words} {nxt}", nxt)


def schedule(history: list[Day], on: Date) -> tuple[bool, str]:
    """(train today?, why not in words): about three sessions a week by the local date."""
    off = day_off(history, on)
    return (True, "") if off is None else (False, off.why)


def next_day(history: list[Day], after: Date) -> str:
    """The first date after ``after`` on which `footmat today` trains: the schedule's own rule
    walked forward over the sessions there are (``after`` itself counts only if trained on).
    It ends: a date 7 days past the last session and past ``after`` is always a training day."""
    from datetime import timedelta

    trained = sorted({d.date for d in history})
    d = after + timedelta(days=1)
    while _rest_rule(trained, d) is not None:
        d += timedelta(days=1)
    return d.isoformat()


# --- caps -----------------------------------------------------------------------------------------
def allowed_max(person, drill: str) -> tuple[int, str]:
    """(the highest level allowed for ``drill``, why): the level table's top, the safety cap, the
    reach not yet measured, and a clinician's cap — the lowest wins."""
    top, why = lv.top(drill), "the top level"
    if drill in SAFETY_CAPS and SAFETY_CAPS[drill] < top:
        top, why = SAFETY_CAPS[drill], "the safety cap for training alone"
    if drill in NO_REACH_MAX and not person.reach_mm and NO_REACH_MAX[drill] < top:
        top, why = NO_REACH_MAX[drill], "your reach is not measured yet (limits)"
    cap = (person.caps or {}).get("max_level", {}).get(drill)
    if cap is not None and cap <= top:
        top, why = cap, "your clinician's cap"
    return top, why


def excluded(person) -> set:
    return set((person.caps or {}).get("exclude", []))


# --- today's plan ---------------------------------------------------------------------------------
def _reach_date(person) -> Date | None:
    m = re.search(r"on (\d{4}-\d{2}-\d{2})", person.reach_note or "")
    return Date.fromisoformat(m.group(1)) if m else None


def limits_due(person, history: list[Day], on: Date) -> str | None:
    """Why the reach should be re-measured today (None: not due)."""
    if "limits" in excluded(person):
        return None
    measured = [d.date for d in history if d.parts("limits")]
    last = max(measured) if measured else _reach_date(person) if person.reach_mm else None
    days_ = lv.remeasure_days("limits") or BREAK_DAYS
    if last is not None and (on - last).days >= days_:
        return f"your reach was last measured {(on - last).days} days ago (every {days_} days)"
    recent = [d.programme.get("decisions", {}).get("spiral", {}) for d in history[-LIMITS_HIGH_SESSIONS:]]
    if len(recent) == LIMITS_HIGH_SESSIONS and all(r.get("kind") == "capped" and "reach" in r.get("reason", "")
                                                     for r in recent):
        return "the spiral keeps scoring high at the level your unmeasured reach allows"
    return None


def _eased_params(drill: str, params: dict) -> dict:
    """Level 1 eased further: half the volume (loops, reps, sets), a shorter time."""
    p = dict(params)
    for k in ("loops", "reps", "sets", "cycles"):
        if k in p and isinstance(p[k], int):
            p[k] = max(1, p[k] // 2)
    for k in ("max-time", "hold"):
        if k in p:
            p[k] = max(p[k] / 2, 5.0 if k == "max-time" else 1.0)
    return p


#: `footmat today --short`: each part at its level's intensity, with less of it (a demonstration,
#: or a test that runs many days on the simulated mat)
SHORT = {"loops": 1, "reps": 4, "sets": 1, "cycles": 1, "max-time": 10.0, "lean-time": 4.0, "duration": 10.0}


def short_params(params: dict) -> dict:
    return {k: (min(v, SHORT[k]) if k in SHORT else v) for k, v in params.items()}


def plan(person, history: list[Day], on: Date, pain_before: int | None, short: bool = False) -> Plan:
    """Today's parts at the person's levels, after the break, pain and cap rules. A break steps the
    person's levels back (written to their file by the caller, :func:`apply_plan`); easing for
    pain is for this session only."""
    notes, events, reasons = [], [], []
    levels = {d: int(person.levels.get(d, 1)) for d in lv.names()}
    last = history[-1] if history else None
    if last is not None and (on - last.date).days >= BREAK_DAYS:
        gap = (on - last.date).days
        for d in levels:
            if levels[d] > 1:
                levels[d] -= 1
        events.append(("step_back", f"a break of {gap} days (>= {BREAK_DAYS}): every level steps back one"))
        notes.append(f"Welcome back: after a break of {gap} days every level steps back one.")
    if pain_before is not None and pain_before >= PAIN_HIGH:
        reasons.append(f"pain {pain_before}/10 before the session ({PAIN_HIGH} or more)")
    if last is not None:
        lp = last.pain
        b0, a0 = lp.get("before"), lp.get("after")
        if b0 is not None and a0 is not None and a0 - b0 >= PAIN_RISE:
            reasons.append(f"pain rose from {b0} to {a0} during the last session ({last.date})")
        if b0 is not None and pain_before is not None and pain_before - b0 >= PAIN_RISE:
            reasons.append(f"pain before rose from {b0} last session to {pain_before} today")
    eased = bool(reasons)
    if eased:
        events.append(("ease", "easier session: " + "; ".join(reasons)))
        notes.append("Today is an easier session because " + "; ".join(reasons) + ".")
        streak = 1
        for d in reversed(history):
            if not d.eased_for_pain:
                break
            streak += 1
        if streak >= PAIN_PERSIST_SESSIONS:
            notes.append(CLINICIAN_NOTICE.format(n=streak))
            events.append(("clinician", f"eased for pain {streak} sessions in a row: suggest a clinician"))
    if pain_before is not None and pain_before >= PAIN_HIGH:
        notes.append(RED_FLAG_NOTICE)
    parts = []
    from trainer.drills import routine as rt

    routine = rt.load(ROUTINE, home.home() / "routines")
    drills_today = [(p.drill, dict(p.params)) for p in routine.parts if p.drill in lv.names()]
    why_limits = limits_due(person, history, on)
    if why_limits:
        drills_today.insert(1 if drills_today else 0, ("limits", {}))
    for d, given in drills_today:
        if d in excluded(person):
            events.append(("excluded", f"{d} is excluded by your clinician: not run"))
            continue
        pevents = []
        level = levels.get(d, 1)
        top, why = allowed_max(person, d)
        if level > top:
            pevents.append(("cap", f"{d} level {level} is above {why} ({top}): runs at {top}"))
            level = top
        levels[d] = level
        run_level = max(1, level - 1) if eased else level
        params, feedback = lv.params_for(d, run_level)
        # the routine's own choices the level does not set (the spiral's direction and start foot)
        params |= {k: v for k, v in given.items() if k not in lv.table()[d]["level"][run_level - 1]}
        if eased and level == 1:
            params = _eased_params(d, params)
        if short:
            params = short_params(params)
        if d == "limits":
            pevents.append(("limits_due", why_limits))
        if eased:
            pevents.append(("ease", f"{d} runs at level {run_level}" + (" with half the volume" if level == 1 else "")
                            + " (person's level " + str(level) + "): " + "; ".join(reasons)))
        pevents.insert(0, ("level", f"{d} level {run_level}: " + ", ".join(f"{k}={v}" for k, v in params.items())
                           + f", feedback={feedback}"))
        text = lv.describe(d, run_level, params, feedback)
        if eased:
            text += " (eased today)"
        parts.append(PartPlan(d, level, run_level, params, feedback, text, eased, pevents))
    return Plan(on, parts, notes, events, eased, reasons)


def apply_plan(person, p: Plan) -> None:
    """Write the plan-time level changes (a break's step back, a new cap) to the person's file."""
    new = {part.drill: part.level for part in p.parts if person.levels.get(part.drill, 1) != part.level}
    if any(k == "step_back" for k, _ in p.events):
        new.update({d: max(1, int(n) - 1) for d, n in person.levels.items() if d in lv.names() and int(n) > 1})
        for part in p.parts:
            new[part.drill] = part.level
    new = {d: n for d, n in new.items() if person.levels.get(d, 1) != n}
    if new:
        person.levels = people.set_levels(person.name, new).levels


# --- after the session ----------------------------------------------------------------------------
@dataclass
class Decision:
    drill: str
    old: int
    new: int
    kind: str        # up, down, stay, capped
    reason: str

    def to_dict(self) -> dict:
        return {"drill": self.drill, "old": self.old, "new": self.new, "kind": self.kind, "reason": self.reason}

    def words(self) -> str:
        name = lv.TITLES.get(self.drill, self.drill)
        if self.new > self.old:
            return f"{name}: level {self.old} → {self.new}, because {self.reason}"
        if self.new < self.old:
            return f"{name}: level {self.old} → {self.new}, because {self.reason}"
        return f"{name}: stays at level {self.old}, because {self.reason}"


def decide(person, history: list[Day], today: Day) -> list[Decision]:
    """The level changes after today's session (``today`` is already in ``history``, last)."""
    out = []
    pain = today.pain
    b, a = pain.get("before"), pain.get("after")
    for drill in lv.names():
        ps = today.parts(drill)
        if not ps or lv.top(drill) == 1:
            continue
        level = int(ps[0][0]["level"])
        part_plan = {"eased": any(pp.get("eased") for pp, _ in ps)}
        part = {"complete": all(rp.get("complete") for _, rp in ps)}
        held = any(holding_on(rp) for _, rp in ps)
        today_units = [u for _, rp in ps for u in units(drill, rp)]
        top, why_top = allowed_max(person, drill)
        # the sessions at this level, newest first: their units (not eased, not holding on)
        scores, sessions = [], 0
        for d in reversed(history):
            dps = d.parts(drill)
            if not dps:
                continue
            if int(dps[0][0].get("level", 0)) != level:
                break
            u = [x for _, rp in dps for x in units(drill, rp)]
            if any(pp.get("eased") for pp, _ in dps) or not u:   # eased for pain, or all holding on
                continue
            sessions += 1
            scores.extend(reversed(u))
        scores = scores[:WINDOW_UNITS]
        med = statistics.median(scores) if scores else None
        up = STEP_UP_SCORE.get(drill, STEP_UP_DEFAULT)
        down = STEP_DOWN_SCORE.get(drill, STEP_DOWN_DEFAULT)
        mtxt = f"the median of the last {len(scores)} scored units is {med:.0f}" if med is not None else ""

        def make(kind, new, reason):
            out.append(Decision(drill, level, new, kind, reason))

        if part_plan.get("eased"):
            make("stay", level, "today was an easier session for pain: the level is kept")
        elif not part.get("complete"):
            make("stay", level, "the part did not finish: nothing to judge")
        elif held and not today_units:
            make("stay", level, "you held on to a support: units done holding on do not count")
        elif med is not None and today_units and med <= down:
            if level > 1:
                make("down", level - 1, f"{mtxt} (at or below {down:.0f}: clearly struggling)")
            else:
                make("stay", level, f"{mtxt}, and level 1 is the gentlest")
        elif med is not None and med >= up:
            if b is None or a is None:
                make("stay", level, f"{mtxt}, but no pain rating was given: no step up without one")
            elif a - b >= PAIN_RISE or a >= PAIN_HIGH:
                make("stay", level, f"{mtxt}, but pain went from {b} to {a}: no step up")
            elif len(scores) < MIN_UNITS_UP:
                make("stay", level, f"{mtxt}, but only {len(scores)} unit{'s' if len(scores) != 1 else ''} so far "
                                    f"(need {MIN_UNITS_UP})")
            elif sessions < HOLD_SESSIONS:
                make("stay", level, f"{mtxt} (clearly good), held for {sessions} session(s) so far: "
                                    f"a level is held {HOLD_SESSIONS} sessions before it steps up")
            elif level >= top:
                make("capped", level, f"{mtxt} (clearly good), but level {top} is {why_top}")
            else:
                make("up", level + 1, f"{mtxt} (at or above {up:.0f}: clearly good) over {sessions} sessions "
                                      f"at level {level}, with pain {b} → {a}")
        elif med is None:
            make("stay", level, "no scored units yet")
        else:
            make("stay", level, f"{mtxt}: between {down:.0f} and {up:.0f}, keep practising")
    return out


def apply_decisions(person, decisions: list[Decision]) -> None:
    new = {d.drill: d.new for d in decisions if d.new != d.old}
    if new:
        person.levels = people.set_levels(person.name, new).levels
