"""The hands-free pain rating (issue 27): lean left/right moves the number, standing still 2 s
confirms, the button confirms too — as a state machine and on the simulated mat."""
from __future__ import annotations

import numpy as np
import pytest

from trainer.drills.pain_rating import CONFIRM_S, REPEAT_S, PainRating, run


def frames(segments, rate=100.0):
    """(t, x, on_mat) from [(seconds, x_mm, on_mat)]."""
    t = 0.0
    for dur, x, on in segments:
        for _ in range(int(round(dur * rate))):
            yield t, x, on
            t += 1 / rate


def test_leaning_right_three_steps_then_still_confirms_three():
    r = PainRating(0)
    # centre, then a lean held just long enough for 3 steps (at once, +0.7, +1.4), then still
    got = run(frames([(1.5, 0.0, True), (2 * REPEAT_S + 0.3, 45.0, True), (CONFIRM_S + 0.5, 2.0, True)]), r)
    assert got == 3 and r.state == "done" and "3 recorded" in r.cue


def test_left_lowers_and_the_number_stays_within_0_10():
    r = PainRating(2)
    assert run(frames([(1.2, 0.0, True), (10.0, -50.0, True), (3.0, 0.0, True)]), r) == 0
    r = PainRating(9)
    assert run(frames([(1.2, 0.0, True), (10.0, 50.0, True), (3.0, 0.0, True)]), r) == 10


def test_standing_still_without_choosing_records_nothing_and_times_out():
    r = PainRating(0)
    assert run(frames([(100.0, 0.0, True)]), r) is None
    assert r.state == "timeout"


def test_the_button_confirms_at_any_time_and_stepping_off_pauses():
    r = PainRating(4)
    for t, x, on in frames([(1.2, 0.0, True), (0.3, 45.0, True), (0.5, 0.0, True)]):
        r.feed(t, x, on)
    assert r.value == 5 and not r.done
    # off the mat: the still timer does not run
    for t, x, on in frames([(5.0, float("nan"), False)]):
        r.feed(t + 2.0, x, on)
    assert not r.done
    r.press()
    assert r.result == 5


def test_a_scripted_lean_to_6_then_standing_still_records_6_on_the_simulated_mat():
    from firmware.clock import VirtualClock
    from firmware.layout import load_layout
    from firmware.sim.person import Script

    from trainer.app.drill import open_source
    from trainer.app.simcal import sim_calibration
    from trainer.app.simperson import natural_centre
    from trainer.app.today import hands_free
    from trainer.estimate.estimator import Estimator

    layout = load_layout(None)
    cx, cy = natural_centre(layout)
    # stand 2 s, lean 50 mm right for ~3.85 s (steps at once and every 0.7 s: 6), back, stand still
    t = np.array([0.0, 2.0, 2.2, 5.9, 6.1, 30.0])
    x = np.array([0.0, 0.0, 50.0, 50.0, 0.0, 0.0]) + cx
    script = Script(t, np.column_stack([x, np.full_like(x, cy)]))
    source = open_source("sim", layout, VirtualClock(), 200.0, script=script, person_kg=70.0, seed=3,
                         scenario="ideal")
    cal, _, _ = sim_calibration(layout, seed=3, scenario="ideal")
    est = Estimator(layout, cal, 70.0 * 9.80665, float(source.rate_hz))
    from trainer.ui.view import LiveView

    view = LiveView(layout)                       # the existing live view shows it (offscreen here)
    try:
        got = hands_free(None, None, "before", source=source, estimator=est, view=view)
    finally:
        source.close()
    assert got == 6
    assert view.frames_drawn > 0 and view.status.cue == "pain 6 of 10" and "recorded" in view.status.hint
    view.close()
    assert source.clock.now() < 15.0          # confirmed by standing still, not by the timeout


@pytest.mark.parametrize("start", [0, 10])
def test_status_text_says_the_number_and_what_to_do(start):
    r = PainRating(start, when="before")
    assert f"{start} / 10" in r.status and "stand still" in r.status
