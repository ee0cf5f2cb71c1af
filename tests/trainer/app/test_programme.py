"""The rule of the programme (trainer/app/programme.py) on session records as `footmat today`
writes them: hysteresis, held two sessions, holding on, breaks, pain, caps and the schedule."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from trainer.app import programme as pg
from trainer.sessions import people

D0 = date(2026, 3, 2)


def person(**kw):
    p = people.Person("pat", 70.0, person_id="a" * 32)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def day(i, scores, level=1, pain=(2, 2), eased=False, holding=False, drill="spiral", on=None):
    """One session record: ``drill`` at ``level`` with its loop (unit) scores."""
    summary = {"loops": [{"score": s} for s in scores], "holding_on_events": 1 if holding else 0}
    if drill != "spiral":
        summary = {"score": scores[0], "holding_on_events": 1 if holding else 0}
    data = {"programme": {"date": (on or D0 + timedelta(days=2 * i)).isoformat(), "eased": eased,
                          "pain": {"before": pain[0], "after": pain[1]},
                          "plan": [{"drill": drill, "level": level, "eased": eased}]},
            "parts": [{"drill": drill, "complete": True, "summary": summary, "params": {}}]}
    return pg.Day(date.fromisoformat(data["programme"]["date"]), Path(f"/x/{i}"), data)


def decide(history, who=None):
    return pg.decide(who or person(), history, history[-1])[0]


def test_clearly_good_steps_up_only_after_two_sessions_at_the_level():
    good = [60, 70, 65]
    one = decide([day(0, good)])
    assert one.kind == "stay" and "held for 1 session" in one.reason
    two = decide([day(0, good), day(1, good)])
    assert (two.kind, two.old, two.new) == ("up", 1, 2) and "clearly good" in two.reason
    # the sessions at the level before count, not those at another level
    three = decide([day(0, good, level=1), day(1, good, level=2)], person(levels={"spiral": 2}))
    assert three.kind == "stay"


def test_hysteresis_between_struggling_and_good_stays():
    mid = [30, 35, 28]
    d = decide([day(0, mid, level=3), day(1, mid, level=3)])
    assert d.kind == "stay" and d.new == 3 and "keep practising" in d.reason
    low = [10, 15, 5]
    d = decide([day(0, low, level=3)])
    assert (d.kind, d.new) == ("down", 2)
    d = decide([day(0, low, level=1)])
    assert (d.kind, d.new) == ("stay", 1) and "gentlest" in d.reason


def test_units_done_holding_on_do_not_count():
    good = [70, 80, 75]
    d = decide([day(0, good), day(1, good, holding=True)])
    assert d.kind == "stay" and "holding on" in d.reason
    assert pg.units("spiral", day(0, good, holding=True).data["parts"][0]) == []
    d = decide([day(0, good, holding=True), day(1, good, holding=True), day(2, good)])
    assert d.kind == "stay"            # only 3 units from one session that counts


def test_no_step_up_without_a_pain_rating_or_when_pain_rose():
    good = [70, 80, 75]
    d = decide([day(0, good), day(1, good, pain=(None, None))])
    assert d.kind == "stay" and "no pain rating" in d.reason
    d = decide([day(0, good), day(1, good, pain=(3, 5))])
    assert d.kind == "stay" and "pain went from 3 to 5" in d.reason


def test_a_pain_rise_eases_the_next_session_and_7_eases_this_one():
    who = person(levels={"spiral": 3})
    p = pg.plan(who, [day(0, [50], level=3, pain=(3, 5))], D0 + timedelta(days=2), pain_before=3)
    assert p.eased and "rose from 3 to 5" in p.ease_reasons[0]
    spiral = p.parts[1]
    assert spiral.drill == "spiral" and spiral.run_level == 2 and spiral.level == 3 and any(k == "ease" for k, _ in spiral.events)
    p = pg.plan(who, [day(0, [50], level=3, pain=(3, 3))], D0 + timedelta(days=2), pain_before=5)
    assert p.eased and "before rose from 3" in p.ease_reasons[0]
    p = pg.plan(who, [day(0, [50], level=3, pain=(3, 3))], D0 + timedelta(days=2), pain_before=7)
    assert p.eased and pg.RED_FLAG_NOTICE in p.notes
    p = pg.plan(who, [day(0, [50], level=3, pain=(3, 3))], D0 + timedelta(days=2), pain_before=4)
    assert not p.eased and p.parts[1].run_level == 3
    # at level 1, easing halves the volume
    p = pg.plan(person(), [day(0, [50], pain=(3, 6))], D0 + timedelta(days=2), pain_before=4)
    assert p.parts[1].run_level == 1 and p.parts[1].params["loops"] < 3


def test_eased_three_sessions_running_suggests_a_clinician():
    hist = [day(0, [50], pain=(8, 8), eased=True), day(1, [50], pain=(8, 8), eased=True)]
    p = pg.plan(person(), hist, D0 + timedelta(days=5), pain_before=8)
    assert any("physiotherapist or doctor" in n for n in p.notes)
    assert any(k == "clinician" for k, _ in p.events)


def test_a_long_break_steps_back_one():
    who = person(levels={"spiral": 4, "toe-press": 1})
    p = pg.plan(who, [day(0, [50], level=4)], D0 + timedelta(days=pg.BREAK_DAYS), pain_before=2)
    assert p.parts[1].level == 3 and any(k == "step_back" for k, _ in p.events)
    p = pg.plan(who, [day(0, [50], level=4)], D0 + timedelta(days=pg.BREAK_DAYS - 1), pain_before=2)
    assert p.parts[1].level == 4


def test_caps_reach_and_exclusions_hold():
    good = [90, 95, 92]
    capped = person(levels={"spiral": 2}, caps={"max_level": {"spiral": 2}, "exclude": ["toe-press"]},
                    reach_mm={"left": 80.0})
    d = decide([day(0, good, level=2), day(1, good, level=2)], capped)
    assert d.kind == "capped" and d.new == 2 and "clinician" in d.reason
    no_reach = person(levels={"spiral": pg.NO_REACH_MAX["spiral"]})
    d = decide([day(0, good, level=4), day(1, good, level=4)], no_reach)
    assert d.kind == "capped" and "reach" in d.reason
    p = pg.plan(capped, [], D0, pain_before=1)
    assert [x.drill for x in p.parts] == ["stance", "spiral", "spiral", "heel-raises", "stance"]
    assert ("excluded", "toe-press is excluded by your clinician: not run") in p.events
    over = person(levels={"spiral": 6}, caps={"max_level": {"spiral": 3}, "exclude": []}, reach_mm={"left": 80.0})
    p = pg.plan(over, [], D0, pain_before=1)
    assert p.parts[1].level == 3 and any(k == "cap" for k, _ in p.parts[1].events)
    assert pg.allowed_max(person(), "one-leg")[0] == pg.SAFETY_CAPS["one-leg"]


def test_about_three_sessions_a_week_by_date():
    hist = []
    trained = []
    d = D0
    while d < D0 + timedelta(days=28):
        ok, why = pg.schedule(hist, d)
        if ok:
            trained.append(d)
            hist.append(day(len(hist), [50], on=d))
        else:
            assert "rest day" in why or "already" in why
        d += timedelta(days=1)
    assert 11 <= len(trained) <= 13                         # ~3 a week over 4 weeks
    assert all((b - a).days >= 2 for a, b in zip(trained, trained[1:]))
    ok, why = pg.schedule(hist, trained[-1])
    assert not ok and "already trained today" in why


def test_limits_is_due_every_two_weeks_once_measured():
    who = person(reach_mm={"left": 80.0}, reach_note="reach on this mat (layout x): ... limits on 2026-03-02; ...")
    assert pg.limits_due(who, [], D0 + timedelta(days=13)) is None
    assert "14 days" in pg.limits_due(who, [], D0 + timedelta(days=14))
    assert pg.limits_due(person(), [], D0) is None
