"""Spoken cues, beats and the error tone (issue 28): tested by rendering the session's sound track.

The done-when test runs a two-loop spiral and a heel-raise set on the simulated mat in virtual
time with ``--audio-out``, reads the WAV back (stdlib wave) and events.csv (the product's
reader), and checks that every cue that was not dropped is a sound onset within 50 ms, that every
onset is a cue's, that nothing clips, and that there is silence between the cues.
"""
from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli
from trainer.sessions.format import read_events
from trainer.ui import audio as A
from trainer.ui import speech as S

SOUNDED = set(A.SOUNDED)
FRAME_N = 110
FRAME_S = FRAME_N / S.RATE      # 4.99 ms: the envelope's frames
THRESH = 0.02          # of full scale: the envelope above it is sound
QUIET_S = 0.04         # an onset follows at least this much silence


def need_espeak():
    if S.espeak_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("espeak-ng is missing: .ci/system-deps installs it (as root)")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")


def read_track(path: Path):
    with wave.open(str(path)) as w:
        assert w.getframerate() == S.RATE and w.getsampwidth() == 2 and w.getnchannels() == 2
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    return pcm


def envelope(pcm) -> np.ndarray:
    x = np.abs(pcm.astype(np.float64)).max(axis=1) / 32768.0
    k = FRAME_N
    n = len(x) // k
    return x[:n * k].reshape(n, k).max(axis=1)


def onsets(env, quiet_s=QUIET_S) -> list[float]:
    """Times (s) where the envelope rises above THRESH after at least ``quiet_s`` of silence."""
    loud = env > THRESH
    out, quiet = [], int(round(quiet_s / FRAME_S))
    run = quiet
    for i, v in enumerate(loud):
        if v and run >= quiet:
            out.append(i * FRAME_S)
        run = 0 if v else run + 1
    return out


def cue_times(folder: Path):
    """(sounded cue times, dropped cue times) from events.csv, read by the product's reader."""
    ev = [(float(t), k, d) for t, k, d in read_events(folder)]
    dropped = {t for t, k, _ in ev if k == "audio_drop"}
    cues = sorted({t for t, k, _ in ev if k in SOUNDED} - dropped)
    return cues, sorted(dropped), ev


def render(capsys, tmp_path, name, *extra):
    wav = tmp_path / f"{name}.wav"
    code, out, err = run_cli(capsys, "drill", name, "--backend", "sim", "--no-plot", "--out", str(tmp_path / "s"),
                             "--pain-before", "1", "--pain-after", "1", "--audio-out", str(wav), *extra)
    assert code == 0, err
    folder = max((tmp_path / "s").iterdir(), key=lambda p: p.stat().st_mtime)
    return wav, folder, err


@pytest.mark.parametrize("name,extra", [("spiral", ("--loops", "2")), ("heel-raises", ("--sets", "1", "--reps", "4"))])
def test_every_cue_is_a_sound_onset(capsys, tmp_path, name, extra):
    need_espeak()
    wav, folder, err = render(capsys, tmp_path, name, *extra)
    cues, dropped, ev = cue_times(folder)
    pcm = read_track(wav)
    env = envelope(pcm)
    found = onsets(env)
    assert len(cues) >= (8 if name == "spiral" else 16), ev
    # every cue that was not dropped is an onset within 50 ms (after it: the sound starts at its cue)
    for t in cues:
        near = [o for o in found if -0.05 <= o - t <= 0.05]
        assert near, f"cue at {t:.3f} s has no sound onset within 50 ms: {[e for e in ev if e[0] == t]}"
    # and every sound is a cue's: nothing sounds that events.csv does not hold (a sound here starts
    # after 450 ms of silence: the pauses between a phrase's words, even at a comma, are shorter)
    for o in onsets(env, 0.45):
        assert any(abs(o - t) <= 0.05 for t in cues), f"a sound at {o:.3f} s matches no cue"
    # no clipping: the peak stays below full scale
    peak = int(np.abs(pcm.astype(np.int32)).max())
    assert 0.3 * 32767 < peak < 32767, peak
    # silence between cues: between two cues at least 0.3 s apart the track falls silent
    for a, b in zip(cues, cues[1:]):
        if b - a >= 0.3:
            seg = env[int(a / FRAME_S) + 1:int(b / FRAME_S) - 1]
            assert (seg < THRESH).sum() * FRAME_S >= QUIET_S, f"no silence between the cues at {a:.2f} and {b:.2f} s"
    # the track starts at the session's start: t_s 0 of events.csv is sample 0
    meta = json.loads((folder / "session.json").read_text())
    assert len(pcm) / S.RATE >= meta["duration_s"] - 0.1
    assert not dropped or all(k != "audio_drop" or d for _, k, d in ev)
    if name == "heel-raises":
        heel_raises_count_reps_and_tick_the_repeated_cues(env, ev)


def heel_raises_count_reps_and_tick_the_repeated_cues(env, ev):
    ups = [t for t, k, d in ev if k == "cue" and d == "up onto the toes"]
    holds = [t for t, k, d in ev if k == "cue" and d == "hold"]
    assert len(ups) == 4 and len(holds) == 4

    def length(t):        # how long the sound that starts at t lasts
        i = int(t / FRAME_S)
        j = i + 1
        while j < len(env) and (env[j:j + 8] > THRESH).any():
            j += 1
        return (j - i) * FRAME_S

    assert length(holds[0]) > 0.2            # the first rep's "hold" is spoken
    assert all(length(t) < 0.1 for t in holds[1:])      # later ones are the beat's tick
    assert all(0.15 < length(t) < 0.9 for t in ups[1:])  # the count ("2", "3", "4")
    countdown = [d for _, k, d in ev if k == "countdown"]
    assert countdown == ["2", "1"]


def _director(mode="on", record=None):
    placed = []

    class Sink:
        def place(self, t, clip, label):
            placed.append((t, len(clip) / S.RATE, label))

        def tone(self, *a):
            pass

    class Fake:
        def clip(self, text):
            return np.full(int(S.RATE * (0.5 if text != "paused — step back on" else 1.0)), 0.1, np.float32)

    d = A.Director(mode, A.Sounds(mode, Fake()), [Sink()], record=record, drill="spiral")
    return d, placed


def test_overlap_rule_drops_lower_priority_and_cuts_for_higher():
    rec = []
    d, placed = _director(record=lambda *e: rec.append(e))
    d.on_event(1.0, "cue", "left heel")          # 0.5 s of words
    d.on_event(1.2, "beat", "1.2")              # priority 1 while a cue plays: dropped
    d.on_event(1.3, "pause", "stepped off")      # priority 3: cuts the cue
    d.on_event(1.4, "cue", "left ball")          # priority 2 while the pause plays: dropped
    d.block(1.5)
    assert [p[0] for p in placed] == [1.0, 1.3]
    drops = [e for e in rec if e[1] == "audio_drop"]
    assert [e[0] for e in drops] == [1.2, 1.4]
    assert "beat" in drops[0][2] and "left heel" in drops[0][2]
    d.on_event(3.0, "cue", "left ball")          # long after: plays
    d.block(3.1)
    assert placed[-1][0] == 3.0


def test_same_time_cues_are_one_sound():
    d, placed = _director()
    d.on_event(5.0, "start", "centre 0,0 mm")
    d.on_event(5.0, "loop", "1/2")
    d.on_event(5.0, "cue", "left heel")
    d.block(5.0)
    assert len(placed) == 1 and placed[0][1] == pytest.approx(0.5 + A.GAP_S + 0.5, abs=1e-3)


def test_countdown_numbers_are_recorded_and_cancelled_by_stepping_off():
    rec = []
    d, placed = _director(record=lambda *e: rec.append(e))
    d.on_event(0.0, "cue", "get ready")
    d.block(1.5)
    d.on_event(1.6, "cue", "step on and stand still")
    d.block(5.0)
    assert [e for e in rec if e[1] == "countdown"] == [(1.0, "countdown", "2")]
    assert [p[0] for p in placed] == [0.0, 1.0, 1.6]


def test_cut_sound_in_the_track_fades_and_the_new_one_follows():
    r = A.TrackRenderer(0.0)
    r.place(0.0, np.full(S.RATE, 0.5, np.float32), "a")
    r.place(0.5, np.full(S.RATE // 10, 0.5, np.float32), "b")
    x = r.mix(1.0)
    assert np.abs(x).max() <= 0.5 + 1e-6
    i = int(0.5 * S.RATE)
    fade = int(A.FADE_S * S.RATE)
    assert x[i + fade // 2, 0] < 0.5 and x[i + fade + 5, 0] == pytest.approx(0.5)


def test_error_tone_pitch_and_pan():
    f0, _ = A.error_tone("pitch", (0, 0), (0, 0))
    f1, _ = A.error_tone("pitch", (0, 0), (30, 0))
    assert f0 == pytest.approx(330) and f1 == pytest.approx(660)
    _, pan = A.error_tone("pan", (0, 0), (-40, 0))       # target to the left
    assert pan == -1.0
    r = A.TrackRenderer(0.0)
    r.tone(0.0, 440.0, -1.0, 0.1)
    x = r.mix(0.5)
    assert np.abs(x[:, 0]).max() > 0.05 and np.abs(x[:, 1]).max() < 1e-3


def test_every_drill_cue_has_a_spoken_form_in_every_language():
    from firmware.layout import load_layout
    from trainer import drills

    lay = load_layout(None)
    for name in drills.REGISTRY:
        d = drills.get(name)
        run = d.make(d.resolve({}))
        run.build(lay, np.zeros(2), None)
        for label in run.labels():
            assert S.known(label), (name, label)
            for lang in S.LANGUAGES:
                assert S.phrase(label, lang).strip()
    assert S.phrase("lean back-left", "de") == "nach hinten links lehnen"
    assert S.phrase("get ready: 2 s a movement", "fr").startswith("préparez-vous: 2 secondes")


def test_speech_is_rendered_once_and_cached_under_footmat_home(footmat_home):
    need_espeak()
    s1 = S.Speech("de")
    c1 = s1.clip("left heel")
    assert s1.rendered == 1 and 0.3 < len(c1) / S.RATE < 2.0
    assert np.abs(c1).max() == pytest.approx(S.SPEECH_PEAK, rel=0.01)
    assert list((footmat_home / "cache" / "speech").glob("de-*/*.wav"))
    s2 = S.Speech("de")
    c2 = s2.clip("left heel")
    assert s2.rendered == 0 and np.allclose(c1, c2, atol=1 / 32768)
    assert not np.allclose(S.Speech("en").clip("left heel")[:1000], c1[:1000])


def test_without_a_sound_device_audio_is_off_with_one_notice(monkeypatch):
    monkeypatch.setattr(A, "open_output", lambda device=None: (None, "no sound device (none here)"))
    a = A.Audio("on", live=True)
    assert a.notices == ["no sound device (none here): audio off"] and not a.active
    a.on_event(1.0, "cue", "left heel")
    a.block(1.1)
    a.finish(2.0)


def test_person_set_language_and_audio(capsys, footmat_home):
    assert run_cli(capsys, "person", "add", "Ann", "--weight-kg", "60")[0] == 0
    code, out, err = run_cli(capsys, "person", "set", "Ann", "--language", "de", "--audio", "beats", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["language"] == "de" and d["audio"] == "beats"
    assert run_cli(capsys, "person", "add", "Ann", "--weight-kg", "61")[0] == 0     # an update keeps them
    code, out, _ = run_cli(capsys, "person", "show", "Ann", "--json")
    assert json.loads(out)["language"] == "de" and json.loads(out)["audio"] == "beats"
    code, _, err = run_cli(capsys, "person", "set", "Ann", "--language", "xx")
    assert code == 2 and "language" in err and "\n" == err[-1] and err.count("\n") == 1


def test_a_drop_reaches_events_csv_through_the_recorder(tmp_path):
    """The audio writes nothing itself: its drops and countdown numbers go through the recorder's
    event path into events.csv, and read back with the product's reader."""
    from firmware.layout import load_layout
    from trainer.sessions.writer import SessionWriter

    layout = load_layout(None)
    w = SessionWriter(tmp_path, "spiral", layout=layout, calibration={}, params={}, person={"name": "t"},
                      sample_rate_hz=200.0, simulated=True, clock_start=100.0)

    class Words:
        def clip(self, text):
            return np.full(S.RATE // 2, 0.1, np.float32)     # every phrase 0.5 s

    a = A.Audio("on", render_t0=100.0, record=w.event, speech=Words(), drill="spiral")
    for t, kind, detail in [(101.0, "cue", "get ready"), (104.0, "start", "centre"), (104.0, "cue", "left heel"),
                            (104.5, "beat", "0.5"), (106.0, "end", "complete")]:
        w.event(t, kind, detail)
        a.on_event(t, kind, detail)
        a.block(t)
    wav = tmp_path / "t.wav"
    a.finish(106.0, wav)
    w.abort()
    ev = [(float(t), k, d) for t, k, d in read_events(w.folder)]
    assert [(t, d) for t, k, d in ev if k == "countdown"] == [(2.0, "2"), (3.0, "1")]
    (drop,) = [e for e in ev if e[1] == "audio_drop"]
    assert drop[0] == 4.5 and "beat" in drop[2] and "left heel" in drop[2]
    env = envelope(read_track(wav))
    assert [round(o, 2) for o in onsets(env)] == [1.0, 2.0, 3.0, 4.0, 6.0]


def test_spoken_cues_follow_the_persons_language(capsys, tmp_path, footmat_home):
    need_espeak()
    assert run_cli(capsys, "person", "add", "Greta", "--weight-kg", "65")[0] == 0
    assert run_cli(capsys, "person", "set", "Greta", "--language", "de")[0] == 0
    wav_de, folder, _ = render(capsys, tmp_path, "spiral", "--loops", "1", "--person", "Greta")
    cues, _, _ = cue_times(folder)
    env = envelope(read_track(wav_de))
    for t in cues:
        assert any(abs(o - t) <= 0.05 for o in onsets(env)), t
    cache = footmat_home / "cache" / "speech"
    assert [p.name.split("-s")[0] for p in cache.iterdir()] == ["de"]


@pytest.mark.parametrize("language", S.LANGUAGES)
def test_a_heel_raise_cue_fits_its_beat_in_every_language(language):
    """At the default tempo (1 s a beat) each spoken heel-raise cue ends before the next beat, so
    none is shortened and the track falls silent between them."""
    need_espeak()
    from trainer.drills.exercise import HeelRaisesDrill

    s = S.Speech(language)
    for label in HeelRaisesDrill().labels()[1:5] + ["2", "15"]:
        assert len(s.clip(label)) / S.RATE < 0.97, (language, label, S.phrase(label, language))


def test_a_routine_renders_one_sound_track_per_part(capsys, tmp_path):
    need_espeak()
    toml = tmp_path / "two.toml"
    toml.write_text('title = "two"\nrest_s = 0\n[[part]]\ndrill = "spiral"\n[part.params]\nloops = 1\nperiod = 9\n'
                    '[[part]]\ndrill = "toe-press"\n[part.params]\nreps = 1\n', encoding="utf-8")
    code, _, err = run_cli(capsys, "routine", str(toml), "--backend", "sim", "--no-plot", "--out", str(tmp_path / "r"),
                           "--pain-before", "1", "--pain-after", "1", "--audio-out", str(tmp_path / "t.wav"))
    assert code == 0, err
    (folder,) = (tmp_path / "r").iterdir()
    for n, drill in ((1, "spiral"), (2, "toe-press")):
        (session,) = folder.glob(f"*-{drill}")
        cues, _, _ = cue_times(session)
        found = onsets(envelope(read_track(tmp_path / f"t-{n}-{drill}.wav")))
        assert cues and all(any(abs(o - t) <= 0.05 for o in found) for t in cues), drill


def test_live_player_plays_from_its_queue_and_shortens_as_the_track_does():
    """The persistent stream's callback (driven by hand here) takes a placed clip at its next
    buffer, never waits, and a new clip fades the playing one out over FADE_S first."""
    class Stream:
        latency = 0.01

        def __init__(self, **kw):
            self.cb = kw["callback"]

        def start(self):
            pass

        def stop(self):
            pass

        def close(self):
            pass

    class SD:
        OutputStream = Stream

    p = A.LivePlayer(sd=SD)
    out = np.zeros((256, 2), np.float32)
    p.stream.cb(out, 256, None, None)
    assert not out.any()                                   # nothing queued: silence
    p.place(0.0, np.full(1000, 0.5, np.float32), "a")
    p.stream.cb(out, 256, None, None)
    assert np.allclose(out, 0.5) and len(p.handoff_s) == 1
    p.place(0.1, np.full(300, -0.25, np.float32), "b")
    p.stream.cb(out, 256, None, None)
    fade = int(A.FADE_S * S.RATE)
    assert 0 < out[fade // 2, 0] < 0.5 and np.allclose(out[fade:, 0], -0.25)
    p.tone(0.2, 440.0, 1.0, 0.1)                            # panned right: the left channel stays silent
    out2 = np.zeros((256, 2), np.float32)
    for _ in range(3):                                      # "b" plays out first
        p.stream.cb(out2, 256, None, None)
    assert np.abs(out2[:, 1]).max() > 0.05 and np.abs(out2[:, 0]).max() < 1e-6
