"""Spoken cues fade with the level's feedback (issue 27): full names each phase every loop,
target only in the first loop, none gives beats only; start and end are still said."""
import numpy as np
import pytest

from trainer.ui import audio as A
from trainer.ui import speech as S


def _spoken(fade):
    placed = []

    class Sink:
        def place(self, t, clip, label):
            pass

        def tone(self, *a):
            pass

    class Fake:
        def clip(self, text):
            placed.append(text)
            return np.full(int(S.RATE * 0.3), 0.1, np.float32)

    d = A.Director("on", A.Sounds("on", Fake()), [Sink()], drill="spiral", fade=fade)
    t = 0.0
    d.on_event(t, "start", "")
    for loop in (1, 2):
        d.on_event(t, "loop", f"{loop}/2")
        for cue in ("left heel", "left ball", "left toes"):
            t += 2.0
            d.on_event(t, "cue", cue)
            d.block(t + 0.01)
    t += 2.0
    d.on_event(t, "end", "complete")
    d.block(t + 5.0)
    return placed


@pytest.mark.parametrize("fade,names", [("full", 6), ("target", 3), ("none", 0)])
def test_phase_names_fade_with_the_feedback(fade, names):
    said = _spoken(fade)
    assert sum(1 for x in said if x in ("left heel", "left ball", "left toes")) == names
    assert "go" in said and any("well done" in x for x in said)
