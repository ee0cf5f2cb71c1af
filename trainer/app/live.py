"""Runs a drill: source → engine → recorder (and view), the same loop live and in virtual time.

On a real clock the acquisition thread buffers frames while this loop waits: it wakes when the
view's next frame is due (every ~33 ms at 30 fps; every :data:`BLOCK_S` without a view), takes
every frame buffered, runs the engine and the recorder on them as one block and draws. The
per-block costs (detector window, calibration, CSV formatting) are then shared by ~7 frames, and
the frame drawn shows the newest sample, processed just before it is drawn.
"""
from __future__ import annotations

import time

import numpy as np

BLOCK_S = 0.025     # without a view: how long frames gather between blocks on a real clock


def flags_text(block_flags: np.ndarray, engine_flags: list[str]) -> list[str]:
    from firmware.frames import Flag

    out = []
    for f, e in zip(block_flags, engine_flags):
        parts = [Flag(int(f)).names()] if f else []
        if e:
            parts.append(e)
        out.append("|".join(p for p in parts if p))
    return out


def run_drill(source, engine, writer=None, view=None, *, max_seconds: float | None = None, on_block=None):
    """Feed frames to the engine until it is done; returns the number of frames processed."""
    frames = 0
    live = not source.clock.virtual
    if live:
        engine.score_in_background = True      # the view must not freeze at a loop's end
    if writer is not None:
        engine.subscribe(lambda t, kind, detail: writer.event(t, kind, detail))
    t_end = None
    while not engine.done:
        if view is not None and view.closed:
            engine.stop()
        try:
            block = source.read()
        except KeyboardInterrupt:      # Ctrl-C is a stop control too: end cleanly, keep the session
            engine.stop()
            engine._finish(engine.snapshot.t, "stopped")
            break
        if len(block) == 0:
            if source.exhausted:
                engine._finish(engine.snapshot.t, "end of the replayed recording")
                break
            if view is not None:
                view.poll()
            continue
        if t_end is None and max_seconds is not None:
            t_end = float(block.t[0]) + max_seconds
        forces, cb, target, phase, eflags = engine.process(block)
        if view is not None:
            view.feed(block.t, cb.cop)      # the display filter sees every sample
        if writer is not None:
            writer.write(block.t, block.raw, forces, cb.total, cb.cop, cb.left_pct, target, phase,
                         flags_text(block.flags, eflags), block.true_cop)
        frames += len(block)
        if on_block is not None:
            on_block(block, engine)
        if view is not None:
            view.maybe_draw(engine.snapshot, path_xy=engine.drill.path_xy() if engine.plan.start is not None else None)
        if t_end is not None and float(block.t[-1]) >= t_end and not engine.done:
            engine._finish(float(block.t[-1]), "time limit (--seconds) reached")
        if live:
            _gather(view)
    return frames


def _gather(view) -> None:
    """Wait (real clock) while the acquisition thread buffers frames: until the view's next frame
    is due, or :data:`BLOCK_S` without a view."""
    wait = view.until_next_frame() if view is not None else BLOCK_S
    if wait > 0:
        time.sleep(min(wait, 0.1))
