"""Bench section ``audio``: cue → sound on a persistent stream, and the live loop with audio on/off.

Both run in a child process with the sound stream open on the default output device. When the
machine has none (a container, CI), the player runs on a dummy stream: a thread that calls the
player's callback every 256 samples of real time, as a sound card's driver would, and throws the
samples away (ALSA's ``null`` plugin is no substitute: it is not paced, it takes millions of
samples a second). ``device`` says which one was used.

- ``cue_to_sound_ms``: p95, from the engine handing a cue to the audio (``on_event`` + the block's
  ``block``: grouping, the rule, the clip) to the stream's callback taking it into its buffer,
  plus the output latency the stream reports (the buffer the sound card still has to play).
  Target ≤ 50 ms (PRODUCT.md §7). The phrases are pre-rendered (``speech.prepare``).
- ``loop_frame_jitter_ms``: the live loop (simulated mat in real time at 200 Hz, spiral, no view,
  recorder on) with audio off and on: p95 of |block interval − median| per run (``audio_off``,
  ``audio_on``) and ``added`` (on − off).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

BUDGET_S = 18
LOOP_S = 3.0
CUES = 60


def audio() -> dict:
    out = _child(dict(os.environ))
    if "cue_to_sound_ms" in out:
        out["cue_to_sound_ms_meets"] = out["cue_to_sound_ms"] <= 50.0
    out["scenario"] = "simulated mat, realistic, spiral in real time at 200 Hz; phrases pre-rendered (en)"
    return out


def _child(env) -> dict:
    r = subprocess.run([sys.executable, "-m", "trainer.bench.audio"], env=env, capture_output=True, text=True,
                       timeout=BUDGET_S + 60)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["child failed"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


# -- the child ------------------------------------------------------------------------------------
def _child_main() -> dict:
    from trainer.ui import audio as A

    player, why = A.open_output()
    if player is not None:
        import sounddevice as sd

        dev = sd.query_devices(sd.default.device[1], "output")
        device = f"{dev['name']} ({sd.query_hostapis(dev['hostapi'])['name']})"
        make = A.open_output
    else:
        device = (f"dummy stream ({why}): a thread calls the player's callback every {A.LivePlayer.BLOCK} "
                  f"samples at {A.RATE} Hz as a sound card would; output latency taken as one buffer")
        player = A.LivePlayer(sd=DummySD)

        def make():
            return A.LivePlayer(sd=DummySD), ""
    out = {"device": device, "stream_rate_hz": player.rate, "stream_block": player.BLOCK,
           "output_latency_ms": round(player.latency_s * 1000, 2)}
    a = A.Audio("on", live=True, player=player, language="en")
    a.director.countdown_s = 0.0
    from trainer.ui.speech import all_cue_texts

    a.director.sounds.speech.prepare(all_cue_texts())   # as a drill has them by its first cue
    time.sleep(0.5)
    puts = []
    real_place = player.place

    def place(t, clip, label):
        puts.append(time.perf_counter())
        real_place(t, clip, label)

    a.director.sinks = [place_sink(place)]
    total = []
    labels = ["left heel", "left ball", "left toes", "right heel", "right ball", "right toes"]
    for i in range(CUES):
        n0 = len(player.handoff_s)
        t_cue = time.perf_counter()
        a.on_event(float(i), "cue", labels[i % 6])
        a.block(float(i) + 0.005)
        deadline = time.perf_counter() + 1.0
        while len(player.handoff_s) == n0 and time.perf_counter() < deadline:
            time.sleep(0.0005)
        if len(player.handoff_s) > n0:
            total.append((puts[-1] - t_cue) + player.handoff_s[-1])
        time.sleep(0.02 + 0.013 * (i % 7) / 7)      # cues at no fixed phase to the stream's buffers
    player.close()
    ms = np.array(total) * 1000
    out["handoff_p50_ms"] = round(float(np.percentile(ms, 50)), 2)
    out["handoff_p95_ms"] = round(float(np.percentile(ms, 95)), 2)
    out["cue_to_sound_ms"] = round(float(np.percentile(ms, 95)) + out["output_latency_ms"], 2)
    out["cues"] = len(ms)
    off = _loop_jitter(None)
    p2, _ = make()
    on = _loop_jitter(p2)
    out["loop_frame_jitter_ms"] = {"audio_off": off, "audio_on": on, "added": round(on - off, 2)}
    return out


class _DummyStream:
    """A sound card that is not there: a thread calls ``callback`` every ``blocksize`` samples of
    real time (absolute deadlines, no drift) with a buffer it then throws away."""

    def __init__(self, *, samplerate, channels, blocksize, callback, **_):
        import threading

        self.period = blocksize / samplerate
        self.latency = self.period
        self._buf = np.zeros((blocksize, channels), np.float32)
        self._cb = callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="footmat-dummy-sound", daemon=True)

    def _run(self):
        t = time.perf_counter()
        while not self._stop.is_set():
            self._cb(self._buf, len(self._buf), None, None)
            t += self.period
            time.sleep(max(0.0, t - time.perf_counter()))

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(1.0)

    def close(self):
        self.stop()


class DummySD:
    OutputStream = _DummyStream


class place_sink:
    def __init__(self, fn):
        self.place = fn

    def tone(self, *a):
        pass


def _loop_jitter(player) -> float:
    from trainer.app.live import run_drill
    from trainer.bench.live import live_spiral
    from trainer.ui.audio import Audio

    live = live_spiral(loops=3, period_s=4.0, countdown_s=1.0)
    audio = None
    if player is not None:
        audio = Audio("on", live=True, player=player, record=live.writer.event, drill="spiral", countdown_s=1.0)
        live.engine.subscribe(audio.on_event)
    stamps = []
    try:
        run_drill(live.source, live.engine, live.writer, None, estimator=live.estimator, max_seconds=LOOP_S,
                  audio=audio, on_block=lambda b, e: stamps.append(time.perf_counter()))
    finally:
        live.close()
        if audio is not None:
            audio.close()
    iv = np.diff(stamps) * 1000
    med = statistics.median(iv)
    return round(float(np.percentile(np.abs(iv - med), 95)), 2)


if __name__ == "__main__":
    print(json.dumps(_child_main()))
