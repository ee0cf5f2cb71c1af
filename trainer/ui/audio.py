"""Sound for eyes-up practice: spoken cues, beats and the tracking error, from the engine's cues.

:class:`Audio` subscribes to the drill engine's cue stream (``engine.subscribe(audio.on_event)``)
like the view, the recorder and the buzzer, and is told once per block where the loop is
(``audio.block(t, snapshot)``). Each sound goes to its sinks: the live player (a persistent
output stream, :class:`LivePlayer`) on a real clock, and the track renderer (``--audio-out
FILE.wav``: the same sounds on a timeline that starts at the session's start) in either time.

Modes: ``on`` — phase cues, counts and flow spoken (espeak-ng, :mod:`trainer.ui.speech`) and
the beat as a tick; ``beats`` — no words: a tick for a beat, a rising chime for a cue, a falling
one for pause and end; ``off`` — nothing. ``error`` (off by default) adds a soft tone for the
tracking error while the drill runs: ``pitch`` — higher the further the CoP is from the target
(330 Hz on it, two octaves up at 60 mm); ``pan`` — the tone comes from the side the target is on
(left/right from CoP − target, full at 40 mm).

**What is said** (``on``): a phase cue is spoken the first time it comes in a loop (or set); when
a cue comes again in the same loop it is the beat of a repetition: the first cue to repeat marks
a new rep, whose number is spoken (heel raises: "rise up, hold, down slowly, heels down, 2, tick,
tick, tick, 3, …"), the others are a tick. Stepping back on starts the loop's words again. The
countdown says "get ready", then the seconds left ("2", "1"), then "go" at the start; a new loop
is announced ("loop 2", "last loop"; "set 2" for heel raises; the number for toe presses). A
pause says "paused — step back on", resuming "carry on", the end why it ended. The countdown's
numbers are the audio's own cues: each is written to events.csv as ``countdown`` when it sounds.

**The overlap rule** (cues never pile up; a sound plays at its cue's time or not at all):

1. Cues at the same clock time are one sound: their parts in turn, 80 ms apart (a beat among
   them is carried by the words).
2. One sound at a time, with priorities: 3 — pause, resume, end, "step on and stand still";
   2 — phase cues, counts, countdown, start; 1 — a beat alone.
3. A sound whose cue comes while another still plays: if its priority is at least the playing
   one's, the playing sound is shortened (faded out over :data:`FADE_S`) and the new one starts
   right after the fade; otherwise the new one is dropped, and the drop is written to events.csv
   as ``audio_drop`` (what was dropped, what was playing, for how long still).

The recorder's ``event`` is the only way this module writes anything to a session.
"""
from __future__ import annotations

import collections
import math
import queue
import time

import numpy as np

from trainer.ui.speech import RATE, SPEECH_PEAK, all_cue_texts, write_wav

MODES = ("on", "off", "beats")
ERROR_MODES = ("off", "pitch", "pan")
FADE_S = 0.010
GAP_S = 0.080
TICK_PEAK = 0.5
TONE_LEVEL = 0.08
SOUNDED = ("cue", "start", "loop", "beat", "pause", "resume", "end", "countdown")
URGENT_CUES = ("step on and stand still",)
LOOP_WORD = {"heel-raises": "set", "toe-press": None}     # default: "loop"; None: the number alone


def _tone(freqs, dur_s: float, peak: float) -> np.ndarray:
    """Short notes in turn (a click-free envelope each)."""
    parts = []
    for f in freqs:
        n = int(dur_s * RATE)
        t = np.arange(n) / RATE
        env = np.minimum(1.0, np.minimum(t / 0.003, (dur_s - t) / 0.012)).clip(0, 1) * np.exp(-t / (dur_s * 0.8))
        parts.append(np.sin(2 * np.pi * f * t) * env)
    x = np.concatenate(parts)
    return (x * (peak / np.max(np.abs(x)))).astype(np.float32)


TICK = _tone([1000.0], 0.035, TICK_PEAK)
CHIME_UP = _tone([660.0, 880.0], 0.09, TICK_PEAK)
CHIME_DOWN = _tone([880.0, 587.0], 0.14, TICK_PEAK)


class Sounds:
    """The sound of each part of a cue group: phrases (through a :class:`~trainer.ui.speech.Speech`)
    or tones."""

    def __init__(self, mode: str, speech=None):
        self.mode = mode
        self.speech = speech

    def part(self, what: str) -> np.ndarray:
        if what == "<tick>":
            return TICK
        if what == "<chime-up>":
            return CHIME_UP
        if what == "<chime-down>":
            return CHIME_DOWN
        return self.speech.clip(what)


class Director:
    """The cue stream → sounds, by the rule of the module's docstring. ``sinks`` have
    ``place(t, clip, label)`` and ``tone(t, freq, pan, amp)``; ``record(t, kind, detail)`` is the
    recorder's event."""

    def __init__(self, mode: str, sounds: Sounds, sinks, *, record=None, drill: str = "", countdown_s: float = 3.0,
                 error: str = "off", fade: str = "full"):
        self.mode = mode
        # spoken cues fade with the level's feedback (issue 27): full — each phase named in every
        # loop; target — named in the first loop only, then ticks; none — beats only (no phase names)
        self.fade = fade if fade in ("full", "target", "none") else "full"
        self.sounds = sounds
        self.sinks = list(sinks)
        self.record = record or (lambda t, kind, detail: None)
        self.drill = drill
        self.countdown_s = countdown_s
        self.error = error
        self._pending: list[tuple[str, str]] = []
        self._pending_t = None
        self._due: list[tuple[float, str]] = []       # scheduled countdown numbers
        self._until = -math.inf                       # the playing sound ends (clock time)
        self._prio = 0
        self._label = ""
        self._seen: set[str] = set()
        self._rep_cue = None
        self._rep = 1
        self._tone_on = False
        self.placed: list[tuple[float, str]] = []     # (onset, label) of every sound placed
        self.dropped: list[tuple[float, str]] = []

    # -- input --------------------------------------------------------------------------------
    def on_event(self, t: float, kind: str, detail: str = "") -> None:
        if kind not in SOUNDED:
            return
        self._fire_due(t)
        if kind in ("start", "end", "pause") or (kind == "cue" and detail in URGENT_CUES):
            self._due.clear()            # the countdown is over or cancelled: no number after this
        self._add(t, kind, detail)

    def block(self, t: float, snapshot=None) -> None:
        """Once per block, after the engine: due countdown numbers, the pending group, the tone."""
        self._fire_due(t, inclusive=True)
        self._resolve()
        if self.error != "off" and snapshot is not None:
            self._error_tone(t, snapshot)

    def close(self, t: float) -> None:
        self._due.clear()
        self._resolve()
        if self._tone_on:
            for s in self.sinks:
                s.tone(t, 0.0, 0.0, 0.0)
            self._tone_on = False

    # -- grouping and the rule ----------------------------------------------------------------
    def _add(self, t, kind, detail):
        if self._pending and t != self._pending_t:
            self._resolve()
        self._pending_t = t
        self._pending.append((kind, detail))

    def _fire_due(self, t, inclusive=False):
        while self._due and (self._due[0][0] < t or (inclusive and self._due[0][0] <= t)):
            td, n = self._due.pop(0)
            self.record(td, "countdown", n)
            self._add(td, "countdown", n)

    def _resolve(self):
        if not self._pending:
            return
        t, items = self._pending_t, self._pending
        self._pending, self._pending_t = [], None
        parts, prio = [], 0
        for kind, detail in items:
            p, said = self._part(t, kind, detail)
            prio = max(prio, p)
            parts += said
        tones = [x for x in parts if x.startswith("<")]
        words = [x for x in parts if not x.startswith("<")]
        parts = words or tones[:1] or ["<tick>"]     # words carry a beat; tones alone: the first of them
        label = " + ".join(f"{k}:{d}" if d else k for k, d in items)
        if self._until > t and prio < self._prio:
            why = f"{label} (priority {prio}): {self._label!r} (priority {self._prio}) plays {self._until - t:.2f} s more"
            self.dropped.append((t, label))
            self.record(t, "audio_drop", why)
            return
        start = t + (FADE_S if self._until > t else 0.0)
        clip = self._join(parts)
        self._until = start + len(clip) / RATE
        self._prio, self._label = prio, label
        self.placed.append((t, label))
        for s in self.sinks:
            s.place(t, clip, label)

    def _join(self, parts) -> np.ndarray:
        clips = [self.sounds.part(p) for p in parts]
        if len(clips) == 1:
            return clips[0]
        gap = np.zeros(int(GAP_S * RATE), np.float32)
        out = [clips[0]]
        for c in clips[1:]:
            out += [gap, c]
        return np.concatenate(out)

    def _part(self, t, kind, detail) -> tuple[int, list[str]]:
        """(priority, what to sound) for one cue of a group."""
        beats = self.mode == "beats"
        if kind == "beat":
            return 1, ["<tick>"]
        if kind == "pause":
            self._reset_loop()
            return 3, ["<chime-down>"] if beats else ["paused" if detail == "pause control" else "paused — step back on"]
        if kind == "resume":
            self._reset_loop()
            return 3, ["<chime-up>"] if beats else ["carry on"]
        if kind == "end":
            self._due.clear()
            words = {"complete": "well done, that is the end", "time cap reached": "time is up, well done",
                     "stopped": "stopped"}.get(detail, "the end")
            return 3, ["<chime-down>"] if beats else [words]
        if kind == "start":
            self._due.clear()
            self._reset_loop()
            return 2, ["<chime-up>"] if beats else ["go"]
        if kind == "countdown":
            return 2, ["<tick>"] if beats else [detail]
        if kind == "loop":
            if self.fade == "full":
                self._reset_loop()
            else:                                 # fading: the phases keep the names said once
                self._rep_cue, self._rep = None, 1
            try:
                n, m = (int(x) for x in detail.split("/"))
            except ValueError:
                return 2, []
            if beats or n <= 1:
                return 2, []                      # loop 1: the start says it
            word = LOOP_WORD.get(self.drill, "loop")
            if n == m:
                return 2, ["last one" if word is None else f"last {word}"]
            return 2, [str(n) if word is None else f"{word} {n}"]
        # kind == "cue"
        if detail in URGENT_CUES:
            self._due.clear()
            return 3, ["<chime-down>"] if beats else [detail]
        if detail == "get ready":
            k = int(math.ceil(self.countdown_s - 1e-9)) - 1
            self._due = [(t + self.countdown_s - n, str(n)) for n in range(k, 0, -1)]
            return 2, ["<chime-up>"] if beats else [detail]
        if beats:
            first = detail not in self._seen
            self._seen.add(detail)
            return 2, ["<chime-up>" if first else "<tick>"]
        if self.fade == "none":
            return 2, ["<tick>"]
        if self.fade == "target" and detail in self._seen:
            return 2, ["<tick>"]
        if detail not in self._seen:
            self._seen.add(detail)
            return 2, [detail]
        if self._rep_cue is None:
            self._rep_cue = detail
        if detail == self._rep_cue:
            self._rep += 1
            return 2, [str(self._rep)]
        return 2, ["<tick>"]

    def _reset_loop(self):
        self._seen = set()
        self._rep_cue = None
        self._rep = 1

    # -- the tracking error -------------------------------------------------------------------
    def _error_tone(self, t, snap):
        cop = np.asarray(getattr(snap, "cop", (np.nan, np.nan)), float)
        target = np.asarray(getattr(snap, "target", (np.nan, np.nan)), float)
        running = getattr(snap, "state", "") == "running"
        if running and np.all(np.isfinite(cop)) and np.all(np.isfinite(target)):
            freq, pan = error_tone(self.error, cop, target)
            for s in self.sinks:
                s.tone(t, freq, pan, TONE_LEVEL)
            self._tone_on = True
        elif self._tone_on:
            for s in self.sinks:
                s.tone(t, 0.0, 0.0, 0.0)
            self._tone_on = False


def error_tone(mode: str, cop, target) -> tuple[float, float]:
    """(frequency Hz, pan -1 left … +1 right) of the error tone for CoP and target (mm)."""
    d = np.asarray(target, float) - np.asarray(cop, float)
    if mode == "pitch":
        return 330.0 * 2.0 ** (min(float(np.hypot(*d)), 60.0) / 30.0), 0.0
    return 440.0, float(np.clip(d[0] / 40.0, -1.0, 1.0))


# -- sinks ------------------------------------------------------------------------------------
class TrackRenderer:
    """The session's sound track: every placed sound and the error tone on a timeline from ``t0``
    (the session's start, clock time), mixed exactly as the live player mixes them."""

    def __init__(self, t0: float):
        self.t0 = t0
        self.clips: list[list] = []     # [start sample, clip]
        self.tones: list[tuple[float, float, float, float]] = []

    def place(self, t, clip, label) -> None:
        s = max(0, int(round((t - self.t0) * RATE)))
        if self.clips:
            prev = self.clips[-1]
            if prev[0] + len(prev[1]) > s:          # shortened: faded out, the new one after the fade
                keep = max(0, s - prev[0])
                fade = int(FADE_S * RATE)
                tail = prev[1][keep:keep + fade] * np.linspace(1, 0, len(prev[1][keep:keep + fade]), dtype=np.float32)
                prev[1] = np.concatenate([prev[1][:keep], tail])
                s = prev[0] + len(prev[1])
        self.clips.append([s, clip])

    def tone(self, t, freq, pan, amp) -> None:
        self.tones.append((t - self.t0, freq, pan, amp))

    def mix(self, t_end: float) -> np.ndarray:
        """(n, 2) float32: the track from the session's start to ``t_end`` (s since the start),
        longer if the last sound is still playing then."""
        n = int(math.ceil(max(t_end, 0.0) * RATE))
        if self.clips:
            n = max(n, max(s + len(c) for s, c in self.clips))
        n += int(0.2 * RATE)
        out = np.zeros((n, 2), np.float32)
        for s, c in self.clips:
            out[s:s + len(c)] += c[:, None]
        if self.tones:
            out += _synth_tone(self.tones, n)
        return out

    def write(self, path, t_end: float) -> None:
        import os

        x = self.mix(t_end)
        tmp = f"{path}.{os.getpid()}.tmp"
        write_wav(tmp, x, RATE)
        os.replace(tmp, path)


def _synth_tone(tones, n: int) -> np.ndarray:
    """The error tone from its control points (t s, freq, pan, amp), 20 ms ramps between them."""
    ts = np.array([x[0] for x in tones])
    f = np.array([x[1] for x in tones])
    pan = np.array([x[2] for x in tones])
    amp = np.array([x[3] for x in tones])
    tt = np.arange(n) / RATE
    idx = np.clip(np.searchsorted(ts, tt, side="right") - 1, 0, len(ts) - 1)
    on = tt >= ts[0]
    fs = np.where(on, f[idx], 0.0)
    a = np.where(on, amp[idx], 0.0)
    k = max(1, int(0.02 * RATE))
    a = np.convolve(a, np.ones(k) / k, mode="same")
    p = np.where(on, pan[idx], 0.0)
    phase = 2 * np.pi * np.cumsum(fs) / RATE
    x = np.sin(phase) * a
    left = np.cos((p + 1) * np.pi / 4)
    right = np.sin((p + 1) * np.pi / 4)
    return np.stack([x * left, x * right], axis=1).astype(np.float32)


class LivePlayer:
    """A persistent output stream (sounddevice/PortAudio) playing from a queue: ``place`` only
    puts the clip in the queue (never blocks); the stream's callback takes it at its next buffer
    (about 12 ms) and plays it, shortening what was playing as the renderer does."""

    BLOCK = 256

    def __init__(self, device=None, *, sd=None):
        if sd is None:
            import sounddevice as sd   # noqa: PLC0415 — heavy: only when audio plays
        self.q: queue.SimpleQueue = queue.SimpleQueue()
        self.handoff_s = collections.deque(maxlen=4096)   # queue put → the callback takes it
        self._cur = None
        self._pos = 0
        self._tone = (0.0, 0.0, 0.0)
        self._phase = 0.0
        self._amp = 0.0
        self.rate = RATE
        try:
            self.stream = sd.OutputStream(samplerate=RATE, channels=2, dtype="float32", blocksize=self.BLOCK,
                                          latency="low", device=device, callback=self._callback)
        except Exception:
            info = sd.query_devices(device, "output")
            self.rate = int(info["default_samplerate"])
            self.stream = sd.OutputStream(samplerate=self.rate, channels=2, dtype="float32", blocksize=self.BLOCK,
                                          latency="low", device=device, callback=self._callback)
        self.stream.start()
        self.latency_s = float(self.stream.latency)

    def place(self, t, clip, label) -> None:
        if self.rate != RATE:
            n = int(round(len(clip) * self.rate / RATE))
            clip = np.interp(np.arange(n) * RATE / self.rate, np.arange(len(clip)), clip).astype(np.float32)
        self.q.put((time.perf_counter(), clip))

    def tone(self, t, freq, pan, amp) -> None:
        self._tone = (float(freq), float(pan), float(amp))     # one tuple: the callback reads it whole

    def _callback(self, outdata, frames, time_info, status):
        new = None
        while True:
            try:
                new = self.q.get_nowait()
            except queue.Empty:
                break
            self.handoff_s.append(time.perf_counter() - new[0])
        if new is not None:
            clip = new[1]
            if self._cur is not None and self._pos < len(self._cur):
                fade = int(FADE_S * self.rate)
                tail = self._cur[self._pos:self._pos + fade]
                clip = np.concatenate([tail * np.linspace(1, 0, len(tail), dtype=np.float32), clip])
            self._cur, self._pos = clip, 0
        mono = np.zeros(frames, np.float32)
        if self._cur is not None:
            part = self._cur[self._pos:self._pos + frames]
            mono[:len(part)] = part
            self._pos += len(part)
            if self._pos >= len(self._cur):
                self._cur = None
        outdata[:, 0] = mono
        outdata[:, 1] = mono
        freq, pan, amp = self._tone
        if amp > 0 or self._amp > 1e-4:
            k = np.arange(frames)
            ph = self._phase + 2 * np.pi * freq * k / self.rate
            self._phase = float((self._phase + 2 * np.pi * freq * frames / self.rate) % (2 * np.pi))
            a = self._amp + (amp - self._amp) * (k + 1) / frames
            self._amp = amp
            x = (np.sin(ph) * a).astype(np.float32)
            outdata[:, 0] += x * math.cos((pan + 1) * math.pi / 4)
            outdata[:, 1] += x * math.sin((pan + 1) * math.pi / 4)

    def close(self) -> None:
        try:
            self.stream.stop()
            self.stream.close()
        except Exception:
            pass


def open_output(device=None):
    """A :class:`LivePlayer` on the default (or given) output device, or (None, why) when there is none."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as e:
        return None, f"no sound library ({e.__class__.__name__}: {e})"
    try:
        sd.query_devices(device, "output")
        return LivePlayer(device, sd=sd), ""
    except Exception as e:
        return None, f"no sound device ({str(e) or e.__class__.__name__})"


class Audio:
    """The audio of one drill run: a :class:`Director` and its sinks. ``notices`` are what the
    person should be told (the app says them)."""

    def __init__(self, mode: str, *, language: str = "en", drill: str = "", live: bool = False, render_t0=None,
                 record=None, countdown_s: float = 3.0, error: str = "off", player=None, speech=None,
                 fade: str = "full"):
        self.notices: list[str] = []
        self.mode = mode
        self.player = None
        self.renderer = TrackRenderer(render_t0) if render_t0 is not None else None
        if live and mode != "off":
            if player is None:
                player, why = open_output()
                if player is None:
                    self.notices.append(f"{why}: audio off")
            self.player = player
        sinks = [s for s in (self.player, self.renderer) if s is not None]
        self.director = None
        if not sinks:
            return
        sound_mode = mode if mode != "off" else "on"      # --audio off with --audio-out: the track as "on"
        if sound_mode == "on" and speech is None:
            import threading

            from trainer.ui.speech import Speech

            speech = Speech(language)
            if self.player is not None:
                # every phrase rendered (first time only: ~15 ms each here) or loaded while the person
                # steps on and the countdown runs: the drill's first frame does not wait for it
                threading.Thread(target=speech.prepare, args=(all_cue_texts(),), name="footmat-speech",
                                 daemon=True).start()
        self.director = Director(sound_mode, Sounds(sound_mode, speech), sinks, record=record, drill=drill,
                                 countdown_s=countdown_s, error=error, fade=fade)

    @property
    def active(self) -> bool:
        return self.director is not None

    def on_event(self, t, kind, detail="") -> None:
        if self.director is not None:
            self.director.on_event(t, kind, detail)

    def block(self, t, snapshot=None) -> None:
        if self.director is not None:
            self.director.block(t, snapshot)

    def finish(self, t_end: float, wav_path=None) -> None:
        """End of the run: the pending sounds, the track written (``t_end`` clock time), the stream closed
        once the last sound has played."""
        if self.director is not None:
            self.director.close(t_end)
        if self.renderer is not None and wav_path is not None:
            self.renderer.write(wav_path, t_end - self.renderer.t0)
        if self.player is not None:
            left = self.director._until - t_end if self.director is not None else 0
            if 0 < left < 5:
                time.sleep(left)
            self.player.close()

    def close(self) -> None:
        if self.player is not None:
            self.player.close()


__all__ = ["Audio", "Director", "LivePlayer", "MODES", "ERROR_MODES", "TrackRenderer", "error_tone", "open_output",
           "SPEECH_PEAK"]
