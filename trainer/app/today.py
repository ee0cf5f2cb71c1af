"""`footmat today`: today's session of the programme that adapts (issue 27, PRODUCT.md §4b).

Says the plan in words, runs its parts at the person's levels (a routine: one session per part
in ``<stamp>-routine-today/``), asks for pain before and after (hands-free on a live mat), then
moves the levels (:mod:`trainer.app.programme`) and says what changed and why. About three
sessions a week by the local date: on a rest day or a day already trained it says so and runs
nothing (``--again`` runs anyway); with ``--json`` that is an object too (``ran`` false, why, the next
training day). ``--date`` runs it as if it were that day.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date as Date
from datetime import datetime

from firmware.errors import UsageError
from firmware.fileio import atomic_write_json

from trainer import drills
from trainer.app import drill as app_drill
from trainer.app import programme
from trainer.app import routine as app_routine
from trainer.drills.routine import Part, Routine
from trainer.sessions import people
from trainer.ui.console import ask_pain, say

REST_S = 30.0


def parse_date(text: str | None) -> Date:
    if not text:
        return datetime.now().astimezone().date()
    try:
        return Date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date {text!r} is not a date", "give it as YYYY-MM-DD, e.g. 2026-03-02") from None


_OUT = [None]


def _out(text: str = "") -> None:
    print(text, file=_OUT[0] or sys.stdout, flush=True)


class PainSource:
    """Where today's pain ratings come from: --pain-before/--pain-after; else a simulated person's
    own reports (sim); else the hands-free rating on a live mat; else asked at a terminal."""

    def __init__(self, args, person, day_index: int):
        self.args, self.person, self.day = args, person, day_index
        self.backend = getattr(args, "backend", None) or ""
        self.kind = None
        if self.backend == "sim":
            self.kind = app_drill.sim_person(args, person)[0]

    def _view(self):
        """The live view for the rating screen, when there is a display (None otherwise)."""
        if getattr(self.args, "no_plot", False) or not app_drill.has_display():
            return None
        from firmware.layout import load_layout

        from trainer.ui.view import LiveView

        return LiveView(load_layout(getattr(self.args, "layout", None)), title="footmat — pain rating")

    def get(self, when: str) -> int | None:
        given = getattr(self.args, f"pain_{when}", None)
        if given is not None:
            return given
        if self.kind is not None:
            return self.kind.pain_on_day(self.day)[0 if when == "before" else 1]
        if self.backend.startswith("replay:"):
            return None
        if self.backend not in ("sim",):          # a live mat: the person cannot type
            view = None
            try:
                view = self._view()
                return hands_free(self.args, self.person, when, view=view)
            except UsageError:
                raise
            except Exception as e:     # the rating must never stop the session: ask instead
                say(f"the hands-free pain rating did not work ({e.__class__.__name__}: {e})")
            finally:
                if view is not None:
                    view.close()
        return ask_pain(f"{when} today's session")


def hands_free(args, person, when: str, *, source=None, estimator=None, controls=None, view=None) -> int | None:
    """The hands-free pain rating on the mat (trainer.drills.pain_rating): lean left/right to move
    the number, stand still 2 s (or press the button) to confirm. Returns the rating or None.
    Shown on the terminal, and through the live ``view`` (its cue text) when there is one."""
    from firmware.clock import RealClock
    from firmware.layout import load_layout

    from trainer.drills.pain_rating import PainRating
    from trainer.drills.pain_rating import run as run_rating
    from trainer.estimate.estimator import Estimator

    opened = source is None
    if source is None:
        layout = load_layout(getattr(args, "layout", None))
        backend = app_drill.resolve_backend(args, layout)
        cal, _ = app_drill.resolve_calibration(args, layout, backend, person.name)
        source = app_drill.open_source(backend, layout, RealClock(), 200.0, person_kg=person.weight_kg)
        estimator = Estimator(layout, cal, person.weight_n, float(source.rate_hz))
    rating = PainRating(0, when=f"{when} the session")
    if controls is not None:
        controls.subscribe(lambda ev: rating.press())
    say(f"pain {when} the session: lean right for more, left for less; stand still 2 s (or press the button) "
        "to confirm")

    def frames():
        while True:
            block = source.read()
            if len(block) == 0:
                if getattr(source, "exhausted", False):
                    return
                continue
            eb = estimator.estimate(block)
            for k in range(len(eb.t)):
                yield float(eb.t[k]), float(eb.cop[k, 0]), not bool(eb.unloaded[k])
            if view is not None:
                view.feed(eb.t, eb.cop)
                view.maybe_draw(rating.snapshot(eb.t[-1], eb.cop[-1]))
                view.poll()

    try:
        got = run_rating(frames(), rating, on_change=lambda r: say(r.status))
        if view is not None:
            view.maybe_draw(rating.snapshot(rating.t, (float("nan"), float("nan"))), force=True)
        return got
    finally:
        if opened:
            source.close()


def _not_run_json(args, on, person, reason: str, why: str, next_day: str | None) -> None:
    """With --json, the object of a day that did not run: why, in the words said, and the next day."""
    if getattr(args, "json", False):
        from trainer.ui.console import print_json
        print_json({"date": on.isoformat(), "person": person.name, "person_id": person.person_id, "ran": False,
                    "reason": reason, "why": why, "next_training_day": next_day})


def run_today(args) -> int:
    _OUT[0] = sys.stderr if getattr(args, "json", False) else None
    app_drill.check_sim_names(args)
    person = people.load_or_create(getattr(args, "person", None))
    args.person = person.name
    on = parse_date(getattr(args, "date", None))
    history = programme.days(person, app_drill.session_root(args))
    _out(f"footmat today — {on.strftime('%A')} {on.isoformat()}, for {person.name}")
    welcomed = not history              # the welcome below says the first-run notice and the red flags
    if welcomed:
        _out("First session: welcome. Each session is a few short drills at a gentle level; the levels move with "
             "how you do and how your pain responds.")
        _out(app_drill.FIRST_RUN_NOTICE)
        _out(programme.RED_FLAG_NOTICE)
    if not getattr(args, "again", False):
        off = programme.day_off(history, on)
        if off is not None:
            words = off.why[0].upper() + off.why[1:] + " (run with --again to train anyway)."
            _out(words)
            _not_run_json(args, on, person, off.reason, words, off.next_day)
            return 0
    pains = PainSource(args, person, len(history))
    pain_before = pains.get("before")
    plan = programme.plan(person, history, on, pain_before, short=getattr(args, "short", False))
    programme.apply_plan(person, plan)
    _out(f"Pain before: {pain_before if pain_before is not None else 'not given'}")
    for note in plan.notes:
        _out(note)
    for kind, detail in plan.events:
        if kind == "excluded":
            _out(detail[0].upper() + detail[1:] + ".")
    if not plan.parts:
        words = "Nothing to run today: every drill is excluded."
        _out(words)
        _not_run_json(args, on, person, "all_excluded", words, None)     # the exclusions are the person's caps
        return 0
    _out("Today's plan:")
    for i, part in enumerate(plan.parts, 1):
        _out(f"  {i}. {part.text}")
        for kind, detail in part.events:
            if kind in ("cap", "limits_due"):
                _out(f"     ({detail})")
    routine = Routine(programme.ROUTINE_NAME, f"Today's session ({on.isoformat()})",
                      "the programme's plan at your levels", REST_S, source="footmat today")
    for part in plan.parts:
        active = drills.get(part.drill).make(part.params).active_duration_s
        routine.parts.append(Part(part.drill, part.text, dict(part.params), active_s=active))
    by_index = {i: part for i, part in enumerate(plan.parts)}
    counter = iter(range(len(plan.parts)))
    prog_meta = {"date": on.isoformat(), "person": person.name, "person_id": person.person_id,
                 "short": bool(getattr(args, "short", False))}

    def run_part(part_args, drill_name, params, *, time_cap_s=None, pain_before=None, pain_after=None):
        part = by_index[next(counter)]
        if pains.kind is not None:          # a simulated person's report is known: every part gets it
            pain_after = pains.get("after")
        return app_drill.run_drill_command(part_args, drill_name, params, time_cap_s=time_cap_s,
                                           pain_before=pain_before, pain_after=pain_after, level=part.run_level,
                                           feedback=part.feedback, events=part.events + plan.events,
                                           programme=prog_meta | {"person_level": part.level, "eased": part.eased},
                                           # the red flags are said here: with the welcome, the plan's notes, at the end
                                           red_flags=False, first_run_red_flags=not welcomed)

    app_routine.check_mat(args)
    with _stdout_to(sys.stderr if getattr(args, "json", False) else sys.stdout):
        folder, summary = app_routine.run_routine(args, routine, run_part=run_part, pain_before=pain_before,
                                                  pain_after=lambda: pains.get("after"), red_flags=False)
    block = prog_meta | {"plan": [p.to_dict() for p in plan.parts], "eased": plan.eased,
                         "ease_reasons": plan.ease_reasons, "notes": plan.notes,
                         "pain": {"before": pain_before, "after": summary["pain"].get("after")},
                         "events": [{"kind": k, "detail": d} for k, d in plan.events],
                         "levels_before": dict(person.levels)}
    summary["programme"] = block
    atomic_write_json(folder / "routine.json", summary)
    history = programme.days(person, app_drill.session_root(args))
    today = next((d for d in history if d.folder == folder), None)
    decisions = programme.decide(person, history, today) if today is not None and summary["complete"] else []
    block["decisions"] = {d.drill: d.to_dict() for d in decisions}
    block["events"] += [{"kind": f"level_{d.kind}", "detail": d.words()} for d in decisions]
    programme.apply_decisions(person, decisions)
    block["levels_after"] = dict(person.levels)
    atomic_write_json(folder / "routine.json", summary)
    after = block["pain"]["after"]
    _out("")
    _out(f"Session {'complete' if summary['complete'] else 'stopped'}: {folder}")
    _out(f"Pain before {pain_before if pain_before is not None else '-'}, after {after if after is not None else '-'}")
    _out("What changed:" if decisions else "No level changed (the session did not finish).")
    for d in decisions:
        _out(f"  {d.words()}")
    if after is not None and pain_before is not None and after - pain_before >= programme.PAIN_RISE:
        _out(f"Your pain rose by {after - pain_before}: the next session will be easier.")
    if after is not None and after >= programme.PAIN_HIGH:
        _out(programme.RED_FLAG_NOTICE)
    if getattr(args, "json", False):
        from trainer.ui.console import print_json
        print_json(block | {"folder": str(folder), "ran": True,
                            "next_training_day": programme.next_day(history, on)})
    return 0


class _stdout_to:
    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        self.old, sys.stdout = sys.stdout, self.stream

    def __exit__(self, *exc):
        sys.stdout = self.old


def namespace(**kw) -> argparse.Namespace:
    """The arguments of `footmat today` with their defaults (for callers other than the CLI)."""
    base = dict(person=None, again=False, date=None, short=False, backend=None, layout=None, calibration=None, seed=1,
                sim_scenario=None, sim_person=None, no_plot=False, realtime=False, feedback=None, audio=None,
                audio_out=None, audio_error=None, pain_before=None, pain_after=None, out=None, json=False)
    return argparse.Namespace(**(base | kw))

