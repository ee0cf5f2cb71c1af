"""Spoken cues, offline: the phrase table and espeak-ng, each phrase rendered once and cached.

What is said is the drill's cue in the person's language (:data:`LANGUAGES`): the table below
maps every cue text the drills and the audio layer give (English, as on the screen) to what is
spoken. A spoken form may be shorter than the screen's text when the cue has to fit a beat
("up onto the toes" is said "rise up": a slow voice needs 1.3 s for the long form, a heel raise
gives it 1 s).

:class:`Speech` renders a phrase with ``espeak-ng`` once per language, voice, rate and pitch and
keeps the result under ``$FOOTMAT_HOME/cache/speech/<voice>-s<rate>-p<pitch>/`` as a 16-bit mono
WAV at :data:`RATE` Hz, already trimmed of espeak's leading and trailing silence and scaled to
:data:`SPEECH_PEAK` of full scale, so a cue plays at once: no synthesis, no analysis at cue time.
The default voice is slow and clear for older listeners: 130 words a minute (espeak-ng's own
default is 175), a low pitch (35 of 0-99: high frequencies are the first an older ear loses) and
a 20 ms gap between words.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
import wave

import numpy as np

from firmware.errors import FootmatError
from trainer.sessions import home

RATE = 22050                 # Hz: espeak-ng's own output rate; the sound track's rate
SPEECH_PEAK = 0.7            # of full scale (-3.1 dBFS): loud, with room for the error tone
WPM = 130                    # slow and clear
PITCH = 35
WORD_GAP = 2                 # espeak-ng -g: units of 10 ms between words

# language -> espeak-ng voice
VOICES = {"en": "en-gb", "de": "de", "fr": "fr-fr"}
LANGUAGES = tuple(VOICES)

# English cue text (the screen's) -> spoken text per language. "{n}" and such are filled in by
# :func:`phrase`. Every cue a drill gives must be here (a test checks it).
_TABLE: dict[str, dict[str, str]] = {
    # the engine's flow
    "get ready": {"en": "get ready", "de": "bereit machen", "fr": "préparez-vous"},
    "step on and stand still": {"en": "step on, and stand still", "de": "auf die Matte, und still stehen",
                                "fr": "montez sur le tapis, et restez immobile"},
    # the spiral's waypoints
    "left heel": {"en": "left heel", "de": "linke Ferse", "fr": "talon gauche"},
    "left ball": {"en": "left ball", "de": "linker Ballen", "fr": "avant-pied gauche"},
    "left toes": {"en": "left toes", "de": "linke Zehen", "fr": "orteils gauches"},
    "right heel": {"en": "right heel", "de": "rechte Ferse", "fr": "talon droit"},
    "right ball": {"en": "right ball", "de": "rechter Ballen", "fr": "avant-pied droit"},
    "right toes": {"en": "right toes", "de": "rechte Zehen", "fr": "orteils droits"},
    # shifts
    "shift to the left": {"en": "shift to the left", "de": "nach links", "fr": "vers la gauche"},
    "shift to the right": {"en": "shift to the right", "de": "nach rechts", "fr": "vers la droite"},
    "shift forward": {"en": "shift forward", "de": "nach vorn", "fr": "vers l'avant"},
    "shift back": {"en": "shift back", "de": "nach hinten", "fr": "vers l'arrière"},
    "get ready: {p} s a movement": {"en": "get ready: {p} seconds a movement",
                                    "de": "bereit machen: {p} Sekunden pro Bewegung",
                                    "fr": "préparez-vous: {p} secondes par mouvement"},
    # stance, one-leg
    "stand still, weight even, eyes forward": {"en": "stand still, weight even, eyes forward",
                                               "de": "still stehen, Gewicht gleich, Blick nach vorn",
                                               "fr": "restez immobile, poids égal, regard devant"},
    "stand on your {foot} foot, lift the {other}: hold as long as is comfortable": {
        "en": "stand on your {foot} foot, lift the {other}",
        "de": "auf dem {foot_de} Fuß stehen, den {other_de} anheben",
        "fr": "tenez-vous sur le pied {foot_fr}, levez le {other_fr}"},
    # heel raises
    "stand tall, heels down": {"en": "stand tall, heels down", "de": "aufrecht stehen, Fersen unten",
                               "fr": "tenez-vous droit, talons au sol"},
    "up onto the toes": {"en": "rise up", "de": "hoch", "fr": "montez"},
    "hold": {"en": "hold", "de": "halten", "fr": "tenez"},
    "down slowly": {"en": "down slowly", "de": "langsam ab", "fr": "descendez"},
    "heels down": {"en": "heels down", "de": "Fersen ab", "fr": "talons bas"},
    "rest": {"en": "rest", "de": "Pause", "fr": "repos"},
    # toe presses
    "stand relaxed": {"en": "stand relaxed", "de": "locker stehen", "fr": "restez détendu"},
    "grip the floor with your toes": {"en": "grip the floor with your toes", "de": "mit den Zehen greifen",
                                      "fr": "agrippez le sol avec les orteils"},
    "relax": {"en": "relax", "de": "locker lassen", "fr": "relâchez"},
    # limits
    "back to the centre, stand tall": {"en": "back to the centre, stand tall",
                                       "de": "zurück zur Mitte, aufrecht stehen",
                                       "fr": "revenez au centre, tenez-vous droit"},
    "lean {dir}": {"en": "lean {dir_en}", "de": "nach {dir_de} lehnen", "fr": "penchez-vous {dir_fr}"},
    # the audio layer's own
    "go": {"en": "go", "de": "los", "fr": "allez"},
    "paused — step back on": {"en": "paused. step back on, to carry on", "de": "Pause. wieder auf die Matte, zum Weitermachen",
                              "fr": "pause. remontez sur le tapis, pour continuer"},
    "paused": {"en": "paused", "de": "Pause", "fr": "pause"},
    "carry on": {"en": "carry on", "de": "weiter", "fr": "on continue"},
    "well done, that is the end": {"en": "well done. that is the end", "de": "gut gemacht. das war es",
                                   "fr": "bravo. c'est terminé"},
    "time is up, well done": {"en": "time is up. well done", "de": "die Zeit ist um. gut gemacht",
                              "fr": "le temps est écoulé. bravo"},
    "stopped": {"en": "stopped", "de": "gestoppt", "fr": "arrêté"},
    "the end": {"en": "the end", "de": "Ende", "fr": "fin"},
    "loop {n}": {"en": "loop {n}", "de": "Runde {n}", "fr": "tour {n}"},
    "last loop": {"en": "last loop", "de": "letzte Runde", "fr": "dernier tour"},
    "set {n}": {"en": "set {n}", "de": "Satz {n}", "fr": "série {n}"},
    "last set": {"en": "last set", "de": "letzter Satz", "fr": "dernière série"},
    "last one": {"en": "last one", "de": "die letzte", "fr": "la dernière"},
    "{n}": {"en": "{n}", "de": "{n}", "fr": "{n}"},
}

_SIDE = {"left": ("linken", "gauche"), "right": ("rechten", "droit")}     # German, French
_DIRS = {"forward": ("forward", "vorn", "en avant"), "forward-right": ("forward and right", "vorn rechts", "en avant à droite"),
         "right": ("right", "rechts", "à droite"), "back-right": ("back and right", "hinten rechts", "en arrière à droite"),
         "back": ("back", "hinten", "en arrière"), "back-left": ("back and left", "hinten links", "en arrière à gauche"),
         "left": ("left", "links", "à gauche"), "forward-left": ("forward and left", "vorn links", "en avant à gauche")}
_TEMPLATES = [
    (re.compile(r"^get ready: (?P<p>\d+(?:\.\d+)?) s a movement$"), "get ready: {p} s a movement"),
    (re.compile(r"^stand on your (?P<foot>left|right) foot, lift the (?P<other>left|right): hold as long as is comfortable$"),
     "stand on your {foot} foot, lift the {other}: hold as long as is comfortable"),
    (re.compile(r"^lean (?P<dir>" + "|".join(sorted(_DIRS, key=len, reverse=True)) + r")$"), "lean {dir}"),
    (re.compile(r"^(?P<n>\d+)$"), "{n}"),
    (re.compile(r"^loop (?P<n>\d+)$"), "loop {n}"),
    (re.compile(r"^set (?P<n>\d+)$"), "set {n}"),
]


def _fields(m: re.Match) -> dict:
    f = m.groupdict()
    if "foot" in f:
        f["foot_de"], f["foot_fr"] = _SIDE[f["foot"]]
        f["other_de"], f["other_fr"] = _SIDE[f["other"]]
    if "dir" in f:
        f["dir_en"], f["dir_de"], f["dir_fr"] = _DIRS[f["dir"]]
    if "p" in f:
        f["p"] = f"{float(f['p']):g}"
    return f


def known(text: str) -> bool:
    """Whether the table has a spoken form of ``text`` in every language."""
    return text in _TABLE or any(rx.match(text) for rx, _ in _TEMPLATES)


def phrase(text: str, language: str) -> str:
    """What is said for the cue ``text`` in ``language`` (the text itself when the table lacks it)."""
    if text in _TABLE:
        return _TABLE[text].get(language, _TABLE[text]["en"])
    for rx, key in _TEMPLATES:
        m = rx.match(text)
        if m:
            return _TABLE[key].get(language, _TABLE[key]["en"]).format(**_fields(m))
    return text


def all_cue_texts() -> list[str]:
    """Every cue text the table can say, templates filled in as the drills fill them (to pre-render)."""
    out = [k for k in _TABLE if "{" not in k]
    out += [f"get ready: {p} s a movement" for p in (1, 2, 3)]
    out += [f"stand on your {a} foot, lift the {b}: hold as long as is comfortable" for a, b in
            (("left", "right"), ("right", "left"))]
    out += [f"lean {d}" for d in _DIRS]
    out += [str(n) for n in range(1, 21)] + [f"loop {n}" for n in range(2, 11)] + [f"set {n}" for n in range(2, 6)]
    return out


class SpeechUnavailable(FootmatError):
    """espeak-ng is missing or failed."""


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


class Speech:
    """Phrases in one language and voice, as float32 mono arrays at :data:`RATE` (cached on disk
    and in memory)."""

    def __init__(self, language: str = "en", *, voice: str | None = None, wpm: int = WPM, pitch: int = PITCH,
                 cache_dir=None):
        if language not in VOICES:
            raise SpeechUnavailable(f"no spoken cues in language {language!r}",
                                    f"choose one of {', '.join(LANGUAGES)} (footmat person set NAME --language L)")
        exe = espeak_path()
        if exe is None:
            raise SpeechUnavailable("espeak-ng is not installed: the spoken cues need it",
                                    "sudo apt-get install espeak-ng (or run with --audio beats or --audio off)")
        self.exe = exe
        self.language = language
        self.voice = voice or VOICES[language]
        self.wpm = int(wpm)
        self.pitch = int(pitch)
        self.dir = (cache_dir if cache_dir is not None else home.home() / "cache" / "speech") / \
            f"{self.voice}-s{self.wpm}-p{self.pitch}"
        self._mem: dict[str, np.ndarray] = {}
        self.rendered = 0          # phrases synthesised by this instance (the rest came from the cache)

    def _file(self, spoken: str):
        key = hashlib.sha1(f"{spoken}\x00g{WORD_GAP}\x00peak{SPEECH_PEAK}".encode()).hexdigest()[:20]
        return self.dir / f"{key}.wav"

    def clip(self, text: str) -> np.ndarray:
        """The sound of the cue ``text`` (English, as the drills give it) in this language."""
        spoken = phrase(text, self.language)
        got = self._mem.get(spoken)
        if got is not None:
            return got
        path = self._file(spoken)
        samples = None
        if path.exists():
            try:
                samples = read_wav_mono(path)
            except (OSError, wave.Error, EOFError, ValueError):
                samples = None          # a damaged cache file is rendered again
        if samples is None:
            samples = self._render(spoken)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
            write_wav(tmp, samples[:, None], RATE)
            os.replace(tmp, path)
            self.rendered += 1
        self._mem[spoken] = samples
        return samples

    def prepare(self, texts) -> None:
        """Render (or load) every phrase in ``texts`` now, so no cue waits for synthesis."""
        for t in texts:
            self.clip(t)

    def _render(self, spoken: str) -> np.ndarray:
        cmd = [self.exe, "-v", self.voice, "-s", str(self.wpm), "-p", str(self.pitch), "-g", str(WORD_GAP),
               "--stdout"]
        try:
            res = subprocess.run(cmd, input=spoken.encode("utf-8"), capture_output=True, timeout=20, check=True)
        except (OSError, subprocess.SubprocessError) as e:
            raise SpeechUnavailable(f"espeak-ng could not say {spoken!r} ({e.__class__.__name__})",
                                    "check: espeak-ng -v " + self.voice + " 'hello'") from None
        return shape_phrase(_wav_bytes_to_float(res.stdout))


def _wav_bytes_to_float(data: bytes) -> np.ndarray:
    import io

    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2:
            raise SpeechUnavailable("espeak-ng gave an unexpected sound format", "reinstall espeak-ng")
        raw = w.readframes(w.getnframes())
        ch = w.getnchannels()
        rate = w.getframerate()
    x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    if rate != RATE:
        n = int(round(len(x) * RATE / rate))
        x = np.interp(np.arange(n) * rate / RATE, np.arange(len(x)), x).astype(np.float32)
    return x


def shape_phrase(x: np.ndarray) -> np.ndarray:
    """Trim leading and trailing silence (keeping 5 ms before the first sound), fade the ends,
    scale to :data:`SPEECH_PEAK`."""
    x = np.asarray(x, np.float32)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0:
        return np.zeros(int(0.05 * RATE), np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.02 * peak)
    pre = int(0.005 * RATE)
    x = x[max(0, loud[0] - pre): loud[-1] + 1].copy()
    ramp = min(len(x) // 4, int(0.004 * RATE))
    if ramp:
        x[:ramp] *= np.linspace(0, 1, ramp, dtype=np.float32)
        x[-ramp:] *= np.linspace(1, 0, ramp, dtype=np.float32)
    return (x * (SPEECH_PEAK / peak)).astype(np.float32)


def read_wav_mono(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getframerate() != RATE:
            raise ValueError("not a cached phrase")
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
        if w.getnchannels() > 1:
            x = x.reshape(-1, w.getnchannels()).mean(axis=1)
    return x


def write_wav(path, x: np.ndarray, rate: int) -> None:
    """``x`` (n, channels) float in [-1, 1] → 16-bit PCM WAV."""
    x = np.asarray(x, np.float64)
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
