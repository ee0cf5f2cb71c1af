"""Real session folders for the store, upload and sync tests, written by the product's own writer.

``make_session(root, drill=..., person=..., person_id=..., started_at=..., ...)`` records a short
session (``frames`` rows at 200 Hz, cues with commas and non-ASCII text, events) and returns its
folder. Nothing is faked: the folder is what ``footmat drill`` writes, read back by the reader.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from firmware.fileio import atomic_write_json
from firmware.layout import load_layout
from trainer.sessions.writer import SessionWriter

_LAYOUT = None


def make_session(root: Path, *, drill: str = "spiral", person: str = "ann", person_id: str | None = "a" * 32,
                 started_at: str = "2026-03-01T09:00:00.000Z", score: float | None = 70.0, level: int | None = 2,
                 frames: int = 400, left: float = 48.0, pain=(2, 1), complete: bool = True, seed: int = 0) -> Path:
    global _LAYOUT
    _LAYOUT = _LAYOUT or load_layout()
    rng = np.random.default_rng(seed)
    w = SessionWriter(Path(root), drill, layout=_LAYOUT, calibration={}, params={"n": seed}, person={"name": person},
                      person_id=person_id, sample_rate_hz=200.0, simulated=False, clock_start=0.0,
                      pain_before=pain[0], level=level)
    n = frames
    k = len(_LAYOUT.names)
    t = np.arange(n) / 200.0
    cop = np.cumsum(rng.normal(0, 0.5, (n, 2)), axis=0)
    phases = ["countdown" if i < n // 4 else "lean left, then right — ça va" for i in range(n)]
    w.write(t, rng.integers(0, 4096, (n, k)).astype(float), rng.uniform(0, 300, (n, k)), np.full(n, 700.0),
            cop, np.full(n, left) + rng.normal(0, 1, n), np.full((n, 2), np.nan), phases, [""] * n)
    w.event(0.5, "cue", "lean left, then right — ça va")
    w.event(1.0, "pause", 'a "quoted", detail')
    w.meta["started_at"] = started_at
    if complete:
        w.finish({} if score is None else {"score": score}, {}, {"before": pain[0], "after": pain[1]})
    else:
        w.abort()
        atomic_write_json(w.folder / "session.json", w.meta)
    return w.folder
