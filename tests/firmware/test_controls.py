"""firmware.controls on gpiozero's MockFactory with PWM pins (HARDWARE.md)."""
from __future__ import annotations

import sys
import threading
import time

import pytest

from firmware.controls import (ACCENT_BEAT, BEAT, CUES, HOLD, LED_PATTERNS, PRESS, TICK_S, Controls,
                               pin_conflicts)
from firmware.errors import DeviceClosed, LayoutError, SensorError, UsageError
from firmware.layout import load_layout, parse_layout, reference_layout

BUTTON, LED_PIN, BUZZER = 17, 27, 18


@pytest.fixture
def factory(monkeypatch):
    """A mock Pi with PWM pins, installed as gpiozero's default and reset afterwards."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    f = MockFactory(pin_class=MockPWMPin)
    monkeypatch.setattr(Device, "pin_factory", f)
    yield f
    f.reset()


@pytest.fixture
def controls(factory):
    c = Controls(BUTTON, LED_PIN, BUZZER, pin_factory=factory, hold_s=0.15, debounce_s=0.02)
    yield c
    c.close()


def _press(factory, seconds):
    pin = factory.pin(BUTTON)
    pin.drive_low()
    time.sleep(seconds)
    pin.drive_high()


def _frequencies(monkeypatch, factory):
    """Record every frequency written to the buzzer pin (None = silent)."""
    pin = factory.pin(BUZZER)
    seen = []
    original = pin._set_frequency

    def spy(value):
        seen.append(value)
        original(value)

    monkeypatch.setattr(pin, "_set_frequency", spy)
    return seen


# -- import-time contract ----------------------------------------------------------------------
def test_module_import_does_not_import_gpiozero():
    import subprocess
    code = "import sys, firmware.controls; print('gpiozero' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- button ------------------------------------------------------------------------------------
def test_short_press_is_one_press_event(controls, factory):
    _press(factory, 0.05)
    ev = controls.get_event(timeout=1)
    assert ev is not None and ev.kind == PRESS
    assert controls.get_event() is None


def test_hold_is_one_hold_event_and_no_press(controls, factory):
    pin = factory.pin(BUTTON)
    pin.drive_low()
    ev = controls.get_event(timeout=2)  # fires while still held
    assert ev is not None and ev.kind == HOLD
    assert factory.pin(BUTTON).state == 0
    time.sleep(0.3)  # longer than another hold_s: a hold is reported once
    pin.drive_high()
    time.sleep(0.05)
    assert controls.get_event(timeout=0.1) is None


def test_contact_bounce_is_ignored(controls, factory):
    pin = factory.pin(BUTTON)
    for _ in range(3):
        pin.drive_low()
        pin.drive_high()
    assert controls.get_event(timeout=0.1) is None


def test_subscribers_get_events_and_can_unsubscribe(controls, factory):
    got = []
    unsubscribe = controls.subscribe(got.append)
    _press(factory, 0.05)
    assert [e.kind for e in got] == [PRESS]
    unsubscribe()
    unsubscribe()  # twice is harmless
    _press(factory, 0.05)
    assert len(got) == 1


def test_a_failing_subscriber_does_not_stop_the_others(controls, factory):
    got = []

    def broken(event):
        raise RuntimeError("subscriber bug")

    controls.subscribe(broken)
    controls.subscribe(got.append)
    _press(factory, 0.05)
    assert [e.kind for e in got] == [PRESS]
    assert controls.get_event(timeout=0.5).kind == PRESS


def test_event_times_come_from_the_injected_clock(factory):
    class Clock:
        t = 100.0

        def now(self):
            return self.t

    clock = Clock()
    with Controls(BUTTON, pin_factory=factory, hold_s=0.15, clock=clock) as c:
        pin = factory.pin(BUTTON)
        pin.drive_low()
        clock.t = 100.5  # pressed for 0.5 s of the injected clock (but no real hold)
        pin.drive_high()
        ev = c.get_event(timeout=1)
    assert ev.kind == PRESS and ev.t == 100.5


def test_queue_keeps_the_newest_when_full(factory):
    with Controls(BUTTON, pin_factory=factory, hold_s=0.5, debounce_s=0.0, queue_size=2) as c:
        for _ in range(5):
            _press(factory, 0.005)
        events = [c.get_event(), c.get_event(), c.get_event()]
    assert [e is not None for e in events] == [True, True, False]
    assert events[0].t <= events[1].t


# -- LED ---------------------------------------------------------------------------------------
def test_led_steady_states(controls, factory):
    led = factory.pin(LED_PIN)
    controls.status = "ready"
    assert led.state == 1
    controls.status = "off"
    assert led.state == 0
    assert controls.status == "off"


def _switch_ons(led, count, within_s=10.0):
    """The times (s, from the first) of the LED's first ``count`` switch-ons, waiting for them up to
    ``within_s`` of wall clock (generous: gpiozero's pattern thread may start late on a loaded box)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        on_times, t = [], 0.0
        for s in led.states[1:]:
            t += s.timestamp
            if s.state:
                on_times.append(t)
        if len(on_times) >= count:
            return [x - on_times[0] for x in on_times[:count]]
        time.sleep(TICK_S / 2)
    raise AssertionError(f"the LED did not switch on {count} times within {within_s} s: {led.states}")


# A pattern step is gpiozero's sleep of TICK_S: never shorter (so the lower bounds are tight), and
# later by however long a loaded machine takes to wake the thread (so the upper bounds are loose).
LATE_S = 0.5


@pytest.mark.parametrize("name,period_ticks", [("fault", 2), ("recording", 10)])
def test_led_blink_patterns(controls, factory, name, period_ticks):
    led = factory.pin(LED_PIN)
    led.clear_states()
    controls.status = name
    on = _switch_ons(led, 2)
    controls.status = "off"
    # time between two switch-ons is one period of the pattern
    period = on[1] - on[0]
    assert 0.9 * TICK_S * period_ticks <= period <= TICK_S * period_ticks + LATE_S


def test_led_double_blink_when_paused(controls, factory):
    led = factory.pin(LED_PIN)
    led.clear_states()
    controls.status = "paused"
    on = _switch_ons(led, 3)
    controls.status = "off"
    # two flashes two steps apart, then dark for the rest of the second
    assert 0.9 * 2 * TICK_S <= on[1] - on[0] <= 2 * TICK_S + LATE_S
    assert 0.9 * 8 * TICK_S <= on[2] - on[1] <= 8 * TICK_S + LATE_S
    assert on[2] - on[0] >= 0.9 * TICK_S * len(LED_PATTERNS["paused"])


def test_unknown_status_is_refused(controls):
    with pytest.raises(UsageError):
        controls.status = "party"


# -- buzzer ------------------------------------------------------------------------------------
def test_beat_plays_a_tick_then_silence(controls, factory, monkeypatch):
    seen = _frequencies(monkeypatch, factory)
    controls.beat(wait=True)
    assert seen[0] == pytest.approx(1318.51, abs=0.01)  # E6
    assert seen[-1] is None
    controls.beat(accent=True, wait=True)
    assert 1760.0 in [round(f, 2) for f in seen if f]  # A6


def test_cues_play_their_notes_in_order(controls, factory, monkeypatch):
    from gpiozero.tones import Tone

    seen = _frequencies(monkeypatch, factory)
    controls.cue("start", wait=True)
    played = [f for f in seen if f is not None]
    assert played == pytest.approx([Tone("C6").frequency, Tone("G6").frequency])
    assert seen[-1] is None and factory.pin(BUZZER).state == 0


def test_every_cue_fits_the_buzzer(controls, factory, monkeypatch):
    """Every note of every cue (and of the beats) lies inside the buzzer's range: gpiozero refuses a
    note outside it, and the tune thread would then fall silent without a word."""
    from gpiozero.tones import Tone

    buzzer = controls.buzzer
    lo, hi = buzzer.min_tone.frequency, buzzer.max_tone.frequency
    tunes = dict(CUES, beat=BEAT, accent_beat=ACCENT_BEAT)
    for name, tune in tunes.items():
        assert any(note is not None for note, _ in tune), f"{name} plays no note"
        for note, seconds in tune:
            assert seconds > 0, f"{name}: {note} lasts {seconds} s"
            if note is not None:
                assert lo <= Tone(note).frequency <= hi, f"{name}: {note} is outside the buzzer's {lo:.0f}..{hi:.0f} Hz"
    seen = _frequencies(monkeypatch, factory)
    for note in sorted({n for tune in tunes.values() for n, _ in tune if n is not None}):
        buzzer.play(note)                       # raises ValueError out of the buzzer's range
        assert seen[-1] == pytest.approx(Tone(note).frequency), note
    buzzer.stop()


def test_a_new_sound_cuts_the_one_playing(controls, factory, monkeypatch):
    seen = _frequencies(monkeypatch, factory)
    # "done" with notes long enough that no delay of a loaded machine lets it move on by itself
    monkeypatch.setitem(CUES, "done", (("C6", 60.0), ("E6", 60.0), ("G6", 60.0), ("C7", 60.0)))
    controls.cue("done")  # in the background
    deadline = time.monotonic() + 10.0
    while not seen and time.monotonic() < deadline:
        time.sleep(0.005)
    playing = controls._sound_thread
    controls.beat(wait=True)
    assert not playing.is_alive()  # the beat stopped the tune rather than waiting for its end
    played = [round(f) for f in seen if f]
    assert played[0] == 1047  # C6, first note of "done"
    assert 1319 in played  # the beat
    assert 1568 not in played  # "done" never reached G6


def test_unknown_cue_is_refused(controls):
    with pytest.raises(UsageError):
        controls.cue("fanfare")


# -- lifetime and layout -----------------------------------------------------------------------
def test_close_twice_and_context_manager(factory):
    with Controls(BUTTON, LED_PIN, BUZZER, pin_factory=factory) as c:
        c.status = "fault"
        assert "GPIO17" in repr(c)
    assert c.closed
    c.close()
    assert repr(c) == "<Controls closed>"
    with pytest.raises(DeviceClosed):
        c.status = "ready"
    with pytest.raises(DeviceClosed):
        c.beat()
    # the pins are free again
    with Controls(BUTTON, LED_PIN, BUZZER, pin_factory=factory):
        pass


def test_close_stops_a_playing_tune_and_blinking(factory):
    c = Controls(BUTTON, LED_PIN, BUZZER, pin_factory=factory)
    c.status = "fault"
    c.cue("done")
    c.close()
    assert not [t for t in threading.enumerate() if t.name == "footmat-buzzer"]


def test_no_pins_means_no_devices(factory):
    with Controls(pin_factory=factory) as c:
        c.status = "recording"
        c.beat()
        c.cue("start")
        assert c.get_event() is None
        assert repr(c) == "<Controls no pins; status recording>"


def test_from_layout_uses_the_layout_pins(factory):
    layout = load_layout("default-6")
    with Controls.from_layout(layout, pin_factory=factory) as c:
        assert (c.button.pin.info.name, c.led.pin.info.name) == ("GPIO17", "GPIO27")
        assert c.buzzer.pwm_device.pin.info.name == "GPIO18"


def test_from_layout_without_controls(factory):
    d = reference_layout().to_dict()
    d.pop("controls")
    with Controls.from_layout(parse_layout(d), pin_factory=factory) as c:
        assert c.button is None and c.led is None and c.buzzer is None


def test_control_on_a_bus_pin_is_refused(factory):
    d = reference_layout().to_dict()
    d["controls"]["button_pin"] = 3
    layout = parse_layout(d)
    assert pin_conflicts(layout.controls, "ads1115") == ["controls.button_pin = 3 is GPIO3, the I2C SCL pin"]
    with pytest.raises(LayoutError, match="I2C SCL"):
        Controls.from_layout(layout, pin_factory=factory)
    assert pin_conflicts(layout.controls, "mcp3008") == []


def test_pin_in_use_is_a_sensor_error_with_advice(factory):
    from gpiozero import LED

    blocker = LED(LED_PIN, pin_factory=factory)
    try:
        with pytest.raises(SensorError, match="GPIO27.*another program"):
            Controls(BUTTON, LED_PIN, BUZZER, pin_factory=factory)
    finally:
        blocker.close()
    with Controls(BUTTON, pin_factory=factory):  # the failed open released the button pin
        pass


def test_buzzer_needs_a_pwm_pin(monkeypatch):
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    f = MockFactory()  # plain MockPin: no PWM
    monkeypatch.setattr(Device, "pin_factory", f)
    try:
        with pytest.raises(SensorError, match="buzzer on GPIO18"):
            Controls(buzzer_pin=BUZZER, pin_factory=f)
    finally:
        f.reset()


def test_bad_timing_arguments():
    with pytest.raises(UsageError):
        Controls(hold_s=0.01, debounce_s=0.05)
