"""Runs a drill: source → estimator → engine → view and recorder, the same loop live and in
virtual time.

Each block read from the frame source is estimated once (:class:`~trainer.estimate.estimator.Estimator`:
newtons, CoP, the detector, the live re-tare/rescale), run through the drill engine, fed to the
view's display filter, written by the session writer, and the view draws the engine's snapshot.

On a real clock the acquisition thread buffers frames while this loop waits: it wakes when the
view's next frame is due (every ~33 ms at 30 fps; every :data:`BLOCK_S` without a view), takes
every frame buffered, runs the engine and the recorder on them as one block and draws. The
per-block costs (detector window, calibration, CSV formatting) are then shared by ~7 frames, and
the frame drawn shows the newest sample, processed just before it is drawn.
"""
from __future__ import annotations

import time

BLOCK_S = 0.025     # without a view: how long frames gather between blocks on a real clock


def run_drill(source, engine, writer=None, view=None, *, estimator, max_seconds: float | None = None,
              on_block=None, audio=None):
    """Feed the source's frames, estimated by ``estimator``, to the engine until it is done;
    returns the number of frames processed. ``audio`` (:class:`~trainer.ui.audio.Audio`) is told
    right after the engine where the block ends, so its sounds leave before the recorder writes."""
    frames = 0
    live = not source.clock.virtual
    if live:
        engine.score_in_background = True      # the view must not freeze at a loop's end
    if writer is not None:
        engine.subscribe(lambda t, kind, detail: writer.event(t, kind, detail))
    t_end = None
    # the live mirror (trainer.app.publish): the view state to a running `footmat serve`, never blocking
    pub = None
    if live:
        from trainer.app.publish import open_publisher
        pub = open_publisher(engine, view)
    while not engine.done:
        if view is not None and view.closed:
            engine.stop()
        try:
            block = source.read()
        except KeyboardInterrupt:      # Ctrl-C is a stop control too: end cleanly, keep the session
            engine.stop()
            engine.finish(engine.snapshot.t, "stopped")
            break
        if len(block) == 0:
            if source.exhausted:
                engine.finish(engine.snapshot.t, "end of the replayed recording")
                break
            if view is not None:
                view.poll()
            continue
        if t_end is None and max_seconds is not None:
            t_end = float(block.t[0]) + max_seconds
        eb = estimator.estimate(block)
        rows = engine.process(eb)
        if audio is not None:
            audio.block(float(eb.t[-1]), engine.snapshot)
        if view is not None:
            view.feed(eb.t, eb.cop)      # the display filter sees every sample
            view.feed_feet(eb.t, eb.cop_left, eb.cop_right)
        if writer is not None:
            writer.write_block(eb, rows.target, rows.phase, rows.flags)
        frames += len(block)
        if on_block is not None:
            on_block(block, engine)
        drew = view is not None and view.maybe_draw(engine.snapshot, path_xy=engine.path_xy(), engine=engine)
        if pub is not None:
            pub.publish(float(block.t[-1]), view.status if drew and view.feedback == "full" else None)
        if t_end is not None and float(block.t[-1]) >= t_end:
            engine.finish(float(block.t[-1]), "time limit (--seconds) reached")
        if live:
            _gather(view, pub)
    if pub is not None:
        pub.close(engine.snapshot.state)
    return frames


def _gather(view, pub=None) -> None:
    """Wait (real clock) while the acquisition thread buffers frames: until the view's next frame
    is due, or :data:`BLOCK_S` without a view (watched through the live mirror: until its next
    state is due, on its grid of :data:`trainer.app.publish.MAX_HZ`)."""
    wait = view.until_next_frame() if view is not None else BLOCK_S
    if view is None and pub is not None and pub.watched:
        wait = pub.until_next()
    if wait > 0:
        time.sleep(min(wait, 0.1))
