"""The live view: feet, sensor discs that fill with load, the CoP with a fading trail, the
target path and marker, the phase cue in large type, loop and score, load bars, and an
unmistakable paused / stepped-off state. 800×480 by default (the 7" Pi screen), scaling with
the window up to a monitor: type and markers grow with the window.

Speed by design (a frame costs ~2 ms of CPU on the development machine, ``footmat bench``):
- the static scene (feet, sensor rings, bar labels) is drawn once and cached;
- the figure is split into regions (feet, cue band, loop/score, load bars:
  :class:`trainer.ui.blit.Regions`), each with its own cached background; a frame restores
  and redraws only the regions whose content changed;
- layers that change slowly are cached *in* a region's background: the target path and the
  sensor discs in the feet's (a new path costs no full redraw as the drill starts), the bar
  figures in the bar panel's. The marker, target and trail move every frame;
  the discs and load bars at :data:`LOAD_HZ`, the figures at :data:`TEXT_HZ`; so a frame draws
  three artists on the feet and, when the shares moved, two on the bars;
- few artists: the sensor discs are one collection, the load bars one, their even marks one;
- text keeps its rendered image (:func:`trainer.ui.scene.stamp_text_class`): matplotlib
  rasterises a string glyph by glyph on every draw, 1-5 ms;
- only the pixels that changed reach the screen, in as few copies as pays: copying the image
  to the window costs a fixed ~0.2 ms a copy plus its area, so the changed rectangles (the
  marker, target and trail where they are and were, the discs whose fill changed, the sliver
  of a bar between its old and new split) are merged while a merge costs less than a copy
  (:func:`trainer.ui.blit.merge_rects`);
- ``maybe_draw`` draws at the view's own rate (``fps``), never more often, whatever the
  sampling rate; the live loop (:func:`trainer.app.live.run_drill`) sleeps until
  :meth:`until_next_frame` and then processes everything sampled since in one block;
- :meth:`feed` runs the display filter (:mod:`trainer.ui.display_filter`) on *every* sample of
  each block, so the marker is the filtered newest CoP, not one raw sample in six;
- matplotlib is imported only when a view is made.

The artists are built by :class:`trainer.ui.scene.Scene`, which a :class:`LiveView` is: the view
adds the window, its keys, the frame clock and the display filter.

Control: keys space (pause/resume: toggles :attr:`pause_requested`), n (next:
:attr:`next_requested`), q or Esc (quit: :attr:`closed`), f (full screen);
``FOOTMAT_FULLSCREEN=1`` starts full screen. A button handler calls :meth:`request_pause` /
:meth:`request_next`; ``view.on_key`` callbacks get ``"pause"``, ``"resume"``, ``"next"``, ``"quit"``.
"""
from __future__ import annotations

import os
import time

import numpy as np

from trainer.ui.blit import Regions, merge_rects
from trainer.ui.display_filter import CopFilter
from trainer.ui.scene import COLORS, DISC_MM, FULL_SHARE, Scene, cue_fontsize

BASE_PX = (800, 480)
TRAIL_S = 1.5
LOAD_HZ = 15.0        # the sensor discs and load bars (read at a glance; the marker and target move every frame)
TEXT_HZ = 2.0         # the load bars move every frame; their figures change at most this often
#                       (a figure is read, not watched: twice a second, as a multimeter's display)


class LiveView(Scene):
    """A blitted matplotlib view of a :class:`~trainer.ui.scene.Scene` in a window.
    ``maybe_draw(snapshot)`` draws at most ``fps`` times a second."""

    def __init__(self, layout, title: str = "footmat", fps: float = 30.0, size_px=BASE_PX, dpi: int = 100,
                 figure=None, trail_s: float = TRAIL_S, rate_hz: float = 200.0, filter_hz: float | None = 10.0):
        self.layout = layout
        self.fps = float(fps)
        self.closed = False
        self.pause_requested = False
        self.next_requested = False
        self.on_key: list = []
        self.frames_drawn = 0
        self.draw_s = 0.0            # time spent in maybe_draw's frames (bench: the view's share)
        self.last_draw_t = None     # perf_counter when the last frame was on screen
        self._last = -1e9
        self._path_drawn = None
        self._closed_fig = False
        self.filter = CopFilter(rate_hz, filter_hz) if filter_hz else None
        self._fed = None             # newest filtered CoP fed since the last frame
        self.drawn_cop = np.full(2, np.nan)
        base_in = (size_px[0] / dpi, size_px[1] / dpi)
        if figure is None:
            import matplotlib
            import matplotlib.pyplot as plt
            with matplotlib.rc_context({"toolbar": "None"}):   # no pan/zoom buttons on a trainer
                figure = plt.figure(figsize=base_in, dpi=dpi)
        manager = getattr(figure.canvas, "manager", None)
        try:
            manager.set_window_title(title)
        except AttributeError:
            pass
        Scene.__init__(self, figure, layout, trail_n=max(2, int(round(trail_s * self.fps))), base_in=base_in)
        self._text_t = [-1e9] * len(self.bar_y)   # each row's figures change at most TEXT_HZ times a second
        self._load_t = -1e9     # the discs and bars at most LOAD_HZ
        self._last_state = None
        self.regions = Regions(self)
        self.animated = self.regions.animated
        canvas = figure.canvas
        canvas.mpl_connect("draw_event", self.regions.on_draw)
        canvas.mpl_connect("key_press_event", self._on_key)
        canvas.mpl_connect("resize_event", self._on_resize)
        canvas.mpl_connect("close_event", self._on_close)
        self.interactive = self._is_interactive()
        if self.interactive:
            import matplotlib.pyplot as plt
            if getattr(manager, "key_press_handler_id", None) is not None:
                canvas.mpl_disconnect(manager.key_press_handler_id)   # no pan/zoom/log-scale keys
            if os.environ.get("FOOTMAT_FULLSCREEN", "") not in ("", "0"):   # set by the Pi's autostart entry
                self.toggle_fullscreen()
            plt.show(block=False)
            plt.pause(0.05)
        self.rescale()
        canvas.draw()

    def _is_interactive(self) -> bool:
        try:
            import matplotlib
            backend = matplotlib.get_backend().lower()
        except Exception:
            return False
        manager = getattr(self.fig.canvas, "manager", None)
        return manager is not None and "agg" != backend and backend not in ("pdf", "svg", "ps", "cairo", "template") \
            and not backend.startswith("module://matplotlib_inline")

    # -- events ------------------------------------------------------------------------------
    def _on_resize(self, event):
        self.rescale()

    def _on_close(self, event):
        self.closed = True

    def _key(self, action: str) -> None:
        for fn in list(self.on_key):
            fn(action)

    def _on_key(self, event):
        key = (event.key or "").lower()
        if key in (" ", "space"):
            self.request_pause()
        elif key == "n":
            self.request_next()
        elif key in ("q", "escape"):
            self.closed = True
            self._key("quit")
        elif key == "f":
            self.toggle_fullscreen()

    def request_pause(self) -> None:
        """Toggle :attr:`pause_requested` (space, or the button) and tell ``on_key`` ("pause" or
        "resume"): wire it to ``DrillEngine.toggle_pause``. The view shows the engine's state."""
        self.pause_requested = not self.pause_requested
        self._key("pause" if self.pause_requested else "resume")

    def request_next(self) -> None:
        """Set :attr:`next_requested` (n, or the button): the engine clears it when it has moved on."""
        self.next_requested = True
        self._key("next")

    def toggle_fullscreen(self) -> None:
        try:
            self.fig.canvas.manager.full_screen_toggle()
        except (AttributeError, NotImplementedError):
            pass

    def poll(self) -> None:
        """Let the window process its events (keys, resizes) between frames."""
        if self.interactive and not self._closed_fig:
            self.fig.canvas.flush_events()

    def reset(self) -> None:
        """Forget the CoP history (filter state and trail): a replay that jumps, a new drill."""
        if self.filter is not None:
            self.filter.reset()
        self.trail[:] = np.nan
        self._fed = None

    # -- the display filter -----------------------------------------------------------------
    def feed(self, t, cop) -> None:
        """Every sample of a block (times ``t`` (n,), CoP (n, 2) mm): the display filter runs on
        all of them; the next frame draws the newest filtered value."""
        cop = np.asarray(cop, float).reshape(-1, 2)
        if not len(cop):
            return
        self._fed = (self.filter.feed(t, cop) if self.filter is not None else cop)[-1].copy()

    # -- state → artists ----------------------------------------------------------------------
    def update(self, snap, path_xy=None) -> bool:
        """Move the artists to the snapshot's state (no drawing). Returns True when paused."""
        if path_xy is not None and self._path_drawn is not path_xy:
            same = self._path_drawn is not None and np.array_equal(self._path_drawn, path_xy)
            self._path_drawn = path_xy
            if not same:
                self.set_path(path_xy)
                self.regions.path_new = True   # drawn into the feet's cached background at the next frame
        if self._fed is not None:
            cop = self._fed
            self._fed = None
        else:
            cop = np.asarray(snap.cop, float)
        self.drawn_cop = np.array(cop, float)
        self.move_trail(cop)
        finite = bool(np.all(np.isfinite(cop)))
        self.cop_dot.set_data(([cop[0]], [cop[1]]) if finite else ([], []))
        tg = np.asarray(snap.target, float)
        self.target_dot.set_data(([tg[0]], [tg[1]]) if np.all(np.isfinite(tg)) else ([], []))
        # discs: the filled area grows with the sensor's share of the load
        total = float(snap.total_n) if snap.total_n is not None else float("nan")
        if snap.forces is not None and np.isfinite(total) and total > 1.0:
            share = np.clip(np.nan_to_num(np.asarray(snap.forces, float)) / (FULL_SHARE * total), 0.0, 1.0)
        else:
            share = np.zeros(len(self.disc_r))
        state = snap.state
        state_changed = state != self._last_state
        self._last_state = state
        now = time.perf_counter()
        loads_due = now - self._load_t >= 1.0 / LOAD_HZ or state_changed
        if loads_due:
            self._load_t = now
            self.disc_r = DISC_MM * np.sqrt(share)
            self.discs.set_widths(2 * self.disc_r)
            self.discs.set_heights(2 * self.disc_r)
        # the state: paused / stepped off / done take over the feet
        if state == "paused":
            # the engine decides the state; the view says how to leave it
            how = "press space\nto continue" if self.pause_requested else "step back on\nto continue"
            self.overlay.set_visible(True)
            self.overlay.set_facecolor(COLORS["overlay"])
            self.overlay_text.set_text("PAUSED\n" + how)
            band = COLORS["paused"]
        elif state == "done":
            self.overlay.set_visible(True)
            self.overlay.set_facecolor(COLORS["done"])
            self.overlay_text.set_text("DONE")
            band = COLORS["done"]
        elif state == "waiting" and not (np.isfinite(total) and total > 0 and finite):
            self.overlay.set_visible(True)
            self.overlay.set_facecolor(COLORS["overlay"])
            self.overlay_text.set_text("STEP ON")
            band = COLORS["band"]
        else:
            self.overlay.set_visible(False)
            self.overlay_text.set_text("")
            band = COLORS["band"]
        self.overlay_text.set_fontsize(40 * self._scale * (0.7 if "\n" in self.overlay_text.get_text() else 1.0))
        self.band.set_facecolor(band)
        cue = snap.cue or ""
        self.cue.set_text(cue)
        self.cue.set_color("white" if band != COLORS["band"] else COLORS["text"])
        self.cue.set_fontsize(cue_fontsize(cue, self.cue_base * self._scale))
        score = "–" if snap.last_score is None else f"{snap.last_score:.0f}"
        self.info.set_text(f"loop {snap.loop}/{snap.loops}" if snap.loops else snap.state)
        self.info2.set_text(f"score {score}" + ("\nholding on" if getattr(snap, "holding_on", False) else ""))
        vals = [snap.left_pct, snap.heel_pct_left, snap.heel_pct_right]
        vals = [float(v) if v is not None and np.isfinite(v) else float("nan") for v in vals]
        # the bars move in whole pixels (a tenth of a per cent is below what the eye sees)
        px_per_pct = max(self.bax.bbox.width / 100.0, 1e-6)
        vals_px = [round(v * px_per_pct) / px_per_pct if np.isfinite(v) else v for v in vals]
        if loads_due and vals_px != self.bar_values and not (np.all(np.isnan(vals_px))
                                                             and np.all(np.isnan(self.bar_values))):
            self.bar_values = vals_px
            self.bar_polys.set_verts(self.bar_verts(vals_px))
            rgba = self._bar_rgba.copy()
            rgba[1::2, 3] = [1.0 if np.isfinite(v) else 0.3 for v in vals_px]
            self.bar_polys.set_facecolor(rgba)
        # one row's figures a frame (the stalest that is due): a new figure is rendered once, and
        # the rows take turns so no frame renders them all
        rows = range(len(vals)) if state_changed else [min(range(len(vals)), key=lambda i: self._text_t[i])]
        for i in rows:
            if not state_changed and now - self._text_t[i] < 1.0 / TEXT_HZ:
                continue
            self._text_t[i] = now
            (la, lb, _, _), v = self.bar_names[i], vals[i]
            ok = np.isfinite(v)
            self.bar_text[i].set_text(f"{la} {v:.0f} %" if ok else la)
            self.bar_text_b[i].set_text(f"{100 - v:.0f} % {lb}" if ok else lb)
        return state == "paused"

    # -- drawing ------------------------------------------------------------------------------
    def draw(self) -> None:
        """Draw the current artists: restore and redraw only the regions that changed, and copy
        to the screen only the pixels that changed, in as few copies as pays."""
        from matplotlib.transforms import Bbox

        canvas = self.fig.canvas
        if self.regions.bg is None:
            canvas.draw()            # full redraw; the draw event caches the regions and draws all
            self.regions.sig = self.regions.signatures()
        else:
            blits = self.regions.redraw()
            if self.interactive:
                # the window shows what is drawn: copying the image to it is the dearest part of a frame
                for r in merge_rects(blits):
                    canvas.blit(Bbox.from_extents(*r))
        if self.interactive:
            canvas.flush_events()
        self.frames_drawn += 1
        self.last_draw_t = time.perf_counter()

    def until_next_frame(self) -> float:
        """Seconds until the next frame is due (0 when it is due now)."""
        return max(0.0, self._last + 1.0 / self.fps - time.perf_counter())

    def maybe_draw(self, snap, truth=None, path_xy=None, force: bool = False) -> bool:
        """Draw the newest state if a frame is due (``fps``); returns whether it drew."""
        if self._closed_fig:
            return False
        now = time.perf_counter()
        if not force and now - self._last < 1.0 / self.fps:
            return False
        # keep to the frame grid, but never try to catch up with a burst of frames
        self._last = now if now - self._last > 2.0 / self.fps else self._last + 1.0 / self.fps
        self.update(snap, path_xy)
        self.draw()
        self.draw_s += time.perf_counter() - now
        return True

    def marker_px(self) -> tuple[float, float] | None:
        """Where the CoP marker is drawn, in display pixels (origin bottom left), or None."""
        if not np.all(np.isfinite(self.drawn_cop)):
            return None
        x, y = self.ax.transData.transform(self.drawn_cop)
        return float(x), float(y)

    def save(self, path) -> None:
        """Render the current state to an image (offscreen tests, screenshots)."""
        for a in self.animated:
            a.set_animated(False)
        try:
            self.fig.savefig(path, dpi=self.fig.dpi)
        finally:
            for a in self.animated:
                a.set_animated(True)
            self.regions.bg = None

    def close(self) -> None:
        if self._closed_fig:
            return
        self._closed_fig = True
        self.closed = True
        import matplotlib.pyplot as plt

        plt.close(self.fig)
