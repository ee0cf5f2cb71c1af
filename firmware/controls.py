"""The mat's hands-free controls: one button, a status LED and a buzzer, through gpiozero.

Pins come from the layout's ``[controls]`` table (BCM numbers); every control is optional. The
pin factory is passed in (``pin_factory=``; ``None`` lets gpiozero pick its default, lgpio on a
Pi), and gpiozero is imported only when a :class:`Controls` is opened, so importing this module
costs nothing on a machine without it.

Button
    A short press (released before ``hold_s``) is ``"press"``: start, pause or resume — what it
    means depends on the drill's state, so the drill engine decides. Holding it for ``hold_s``
    (1 s by default) is ``"hold"``: next drill; it fires while the button is still down, and the
    release that follows is not a press. Presses shorter than ``debounce_s`` are contact bounce
    and are ignored (gpiozero's mock pins do not model ``bounce_time``, so this is done here).
Status LED (blink patterns, :data:`LED_PATTERNS`)
    ``off``; ``ready`` steady on; ``recording`` slow blink (1 Hz); ``paused`` a double blink
    every second; ``fault`` fast flicker (5 Hz).
Buzzer (a *passive* piezo on a PWM-capable pin, :class:`gpiozero.TonalBuzzer`)
    ``beat()`` a short tick for the metronome (``accent=True`` for the first beat of a bar);
    ``cue(name)`` a short tune for a drill event (:data:`CUES`). A new sound cuts the one
    playing, so cues never queue up behind a slow metronome.

Events reach the drill engine two ways: ``subscribe(callback)`` (called on gpiozero's thread,
keep it short) and the bounded queue behind :meth:`Controls.get_event`.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .errors import DeviceClosed, LayoutError, SensorError, UsageError

log = logging.getLogger(__name__)

PRESS = "press"  # start / pause / resume
HOLD = "hold"  # next drill

TICK_S = 0.1  # one step of an LED pattern
# One period of each pattern in TICK_S steps (1 = lit). Steady states are a single step.
LED_PATTERNS: dict[str, tuple[int, ...]] = {
    "off": (0,),
    "ready": (1,),
    "recording": (1,) * 5 + (0,) * 5,
    "paused": (1, 0, 1) + (0,) * 7,
    "fault": (1, 0),
}

# Tunes as (note, seconds); None is a rest. Notes stay inside the buzzer's range (A3..A7).
BEAT = (("E6", 0.04),)
ACCENT_BEAT = (("A6", 0.06),)
CUES: dict[str, tuple[tuple[str | None, float], ...]] = {
    "start": (("C6", 0.12), ("G6", 0.18)),
    "resume": (("C6", 0.12), ("G6", 0.18)),
    "pause": (("G6", 0.12), ("C6", 0.18)),
    "next": (("C6", 0.08), ("E6", 0.08), ("G6", 0.12)),
    "phase": (("E6", 0.12),),
    "done": (("C6", 0.12), ("E6", 0.12), ("G6", 0.12), ("C7", 0.3)),
    "fault": (("A4", 0.3), (None, 0.1), ("A4", 0.3)),
}
BUZZER_MID_TONE = "A5"  # with 2 octaves: A3 (220 Hz) .. A7 (3520 Hz)
BUZZER_OCTAVES = 2

# Pins the ADC buses need; a control on one of them would break the bus.
BUS_PINS = {"ads1115": {2: "I2C SDA", 3: "I2C SCL"},
            "mcp3008": {8: "SPI CE0", 9: "SPI MISO", 10: "SPI MOSI", 11: "SPI SCLK"}}
ID_EEPROM_PINS = {0: "ID_SD (HAT EEPROM)", 1: "ID_SC (HAT EEPROM)"}


@dataclass(frozen=True)
class ControlEvent:
    """One button event: ``kind`` is :data:`PRESS` or :data:`HOLD`, ``t`` the clock's time (s)."""

    kind: str
    t: float


def pin_conflicts(controls, adc_type: str) -> list[str]:
    """Why each control pin of a layout cannot be used with that ADC (empty when all is well)."""
    if controls is None:
        return []
    reserved = BUS_PINS.get(adc_type, {}) | ID_EEPROM_PINS
    out = []
    for key in ("button_pin", "led_pin", "buzzer_pin"):
        pin = getattr(controls, key)
        if pin is not None and pin in reserved:
            out.append(f"controls.{key} = {pin} is GPIO{pin}, the {reserved[pin]} pin")
    return out


class Controls:
    """Button, status LED and buzzer of one mat. Any of the three pins may be ``None``.

    Parameters
    ----------
    button_pin, led_pin, buzzer_pin : int or None
        BCM GPIO numbers.
    pin_factory : gpiozero pin factory or None
        ``None`` lets gpiozero choose (lgpio on a Raspberry Pi); tests pass a ``MockFactory``.
    hold_s : float
        Seconds the button must stay down to count as a hold (next drill).
    debounce_s : float
        Presses shorter than this are contact bounce and ignored.
    clock : object with ``now()``, optional
        Time stamps for events (default ``time.monotonic``).
    queue_size : int
        Events kept for :meth:`get_event`; when full the oldest is dropped.

    Examples
    --------
    >>> from gpiozero.pins.mock import MockFactory, MockPWMPin      # doctest: +SKIP
    >>> with Controls(17, 27, 18, pin_factory=MockFactory(pin_class=MockPWMPin)) as c:  # doctest: +SKIP
    ...     c.status = "ready"
    ...     c.cue("start")
    """

    def __init__(self, button_pin: int | None = None, led_pin: int | None = None,
                 buzzer_pin: int | None = None, *, pin_factory=None, hold_s: float = 1.0,
                 debounce_s: float = 0.03, clock=None, queue_size: int = 64):
        if not hold_s > debounce_s >= 0:
            raise UsageError(f"hold_s {hold_s} must be longer than debounce_s {debounce_s}",
                             "use e.g. hold_s=1.0, debounce_s=0.03")
        self._pins = {"button": button_pin, "led": led_pin, "buzzer": buzzer_pin}
        self._factory = pin_factory
        self._hold_s = float(hold_s)
        self._debounce_s = float(debounce_s)
        self._now = clock.now if clock is not None else time.monotonic
        self._queue: queue.Queue[ControlEvent] = queue.Queue(maxsize=max(1, int(queue_size)))
        self._subscribers: list[Callable[[ControlEvent], None]] = []
        self._lock = threading.Lock()
        self._pressed_at: float | None = None
        self._held = False
        self._status = "off"
        self._sound_stop = threading.Event()
        self._sound_thread: threading.Thread | None = None
        self._closed = False
        self.button = self.led = self.buzzer = None
        try:
            self._open_devices()
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_layout(cls, layout, **kwargs) -> "Controls":
        """The controls named in ``layout.controls`` (none at all when it has no ``[controls]``).

        Raises :class:`LayoutError` when a control sits on a pin the layout's ADC bus needs.
        """
        c = layout.controls
        problems = pin_conflicts(c, layout.adc.type)
        if problems:
            raise LayoutError(f"layout {layout.name}: {problems[0]}",
                              "move that control to a free GPIO (e.g. 17, 27, 22, 23, 24) in [controls]")
        if c is None:
            return cls(**kwargs)
        return cls(c.button_pin, c.led_pin, c.buzzer_pin, **kwargs)

    # -- opening -----------------------------------------------------------------------------
    def _open_devices(self) -> None:
        if all(p is None for p in self._pins.values()):
            return
        try:
            from gpiozero import LED, Button, TonalBuzzer
            from gpiozero.exc import GPIOZeroError
        except ImportError:  # pragma: no cover - gpiozero is a dependency
            raise SensorError("gpiozero is not installed", "pip install gpiozero (or apt install python3-gpiozero)") from None
        name = ""
        try:
            if self._pins["button"] is not None:
                name = "button"
                self.button = Button(self._pins["button"], pull_up=True, hold_time=self._hold_s,
                                     pin_factory=self._factory)
                self.button.when_pressed = self._on_pressed
                self.button.when_held = self._on_held
                self.button.when_released = self._on_released
            if self._pins["led"] is not None:
                name = "led"
                self.led = LED(self._pins["led"], pin_factory=self._factory)
            if self._pins["buzzer"] is not None:
                name = "buzzer"
                self.buzzer = TonalBuzzer(self._pins["buzzer"], mid_tone=BUZZER_MID_TONE,
                                          octaves=BUZZER_OCTAVES, pin_factory=self._factory)
        except GPIOZeroError as e:
            pin = self._pins[name]
            raise SensorError(f"cannot open the {name} on GPIO{pin}: {type(e).__name__}: {e}",
                              _open_fix(e)) from None

    # -- button ------------------------------------------------------------------------------
    def _on_pressed(self) -> None:
        with self._lock:
            self._pressed_at = self._now()
            self._held = False

    def _on_held(self) -> None:
        with self._lock:
            if self._pressed_at is None or self._held:
                return
            self._held = True
        self._emit(HOLD)

    def _on_released(self) -> None:
        with self._lock:
            started, held = self._pressed_at, self._held
            self._pressed_at, self._held = None, False
        if started is None or held:
            return
        if self._now() - started >= self._debounce_s:
            self._emit(PRESS)

    def _emit(self, kind: str) -> None:
        event = ControlEvent(kind, self._now())
        while True:
            try:
                self._queue.put_nowait(event)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()  # keep the newest: a late "next" beats an old "press"
                except queue.Empty:
                    pass
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not kill gpiozero's event thread
                log.exception("controls subscriber %r failed on %s", callback, kind)

    def subscribe(self, callback: Callable[[ControlEvent], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every button event; returns a function that unsubscribes.

        Callbacks run on gpiozero's thread: hand work over (e.g. to a queue) rather than block.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            try:
                self._subscribers.remove(callback)
            except ValueError:
                pass
        return unsubscribe

    def get_event(self, timeout: float | None = 0.0) -> ControlEvent | None:
        """The oldest waiting event, or ``None`` after ``timeout`` s (0: do not wait; None: wait)."""
        try:
            if timeout is not None and timeout <= 0:
                return self._queue.get_nowait()
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    # -- LED ---------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """What the LED shows: one of :data:`LED_PATTERNS` (``off`` without an LED too)."""
        return self._status

    @status.setter
    def status(self, name: str) -> None:
        if name not in LED_PATTERNS:
            raise UsageError(f"unknown LED status {name!r}", f"use one of {', '.join(LED_PATTERNS)}")
        self._check_open()
        self._status = name
        if self.led is None:
            return
        pattern = LED_PATTERNS[name]
        self.led.source = None  # stops the previous pattern's thread
        if len(pattern) == 1:
            self.led.value = pattern[0]
        else:
            self.led.source_delay = TICK_S
            self.led.source = itertools.cycle(pattern)

    # -- buzzer ------------------------------------------------------------------------------
    def beat(self, accent: bool = False, *, wait: bool = False) -> None:
        """A metronome tick (``accent`` for the first beat of a bar)."""
        self._play(ACCENT_BEAT if accent else BEAT, wait)

    def cue(self, name: str, *, wait: bool = False) -> None:
        """Play the tune for a drill event (one of :data:`CUES`)."""
        if name not in CUES:
            raise UsageError(f"unknown cue {name!r}", f"use one of {', '.join(CUES)}")
        self._play(CUES[name], wait)

    def silence(self) -> None:
        """Stop whatever the buzzer is playing."""
        self._stop_sound()

    def _play(self, tune, wait: bool) -> None:
        self._check_open()
        if self.buzzer is None:
            return
        self._stop_sound()
        stop = threading.Event()
        self._sound_stop = stop
        if wait:
            self._play_tune(tune, stop)
            return
        t = threading.Thread(target=self._play_tune, args=(tune, stop), name="footmat-buzzer", daemon=True)
        self._sound_thread = t
        t.start()

    def _play_tune(self, tune, stop: threading.Event) -> None:
        buzzer = self.buzzer
        try:
            for note, seconds in tune:
                if stop.is_set():
                    break
                if note is None:
                    buzzer.stop()
                else:
                    buzzer.play(note)
                if stop.wait(seconds):
                    break
        except Exception:  # closed under our feet: nothing left to play on
            log.debug("buzzer tune interrupted", exc_info=True)
        finally:
            try:
                buzzer.stop()
            except Exception:
                pass

    def _stop_sound(self) -> None:
        self._sound_stop.set()
        t = self._sound_thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=1.0)
        self._sound_thread = None

    # -- lifetime ----------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise DeviceClosed("the controls are closed", "open a new Controls")

    def close(self) -> None:
        """Silence the buzzer, turn the LED off and release the pins. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop_sound()
        for dev in (self.button, self.led, self.buzzer):
            if dev is not None:
                try:
                    dev.close()
                except Exception:
                    log.debug("closing %r failed", dev, exc_info=True)
        self._subscribers.clear()

    def __enter__(self) -> "Controls":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return "<Controls closed>"
        pins = ", ".join(f"{k} GPIO{v}" for k, v in self._pins.items() if v is not None) or "no pins"
        return f"<Controls {pins}; status {self._status}>"


def _open_fix(e: Exception) -> str:
    kind = type(e).__name__
    if kind == "GPIOPinInUse":
        return "another program or device holds that pin: close it, or choose another pin in [controls]"
    if kind in ("BadPinFactory", "PinFactoryFallback"):
        return "no GPIO library found: on a Pi install python3-lgpio; elsewhere run without controls"
    if kind.startswith("PinInvalid") or kind == "PinUnknownPi":
        return "check the BCM pin numbers in the layout's [controls]"
    return "check the wiring and the pins in [controls] (see hardware/WIRING.md)"
