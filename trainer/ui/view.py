"""The live view: what the drill engine's state says (:class:`trainer.drills.status.ViewStatus`:
the cue, each foot's own CoP and share, the ring to reach, the drill's counter, the load) drawn
on the feet in a window that fits its screen.

**Fits the screen.** 800×480 pixels — the 7" Pi screen — whatever the screen's density (Tk's
scaling makes a 100 dpi screen's window 834×500 unless the size is set in pixels); full screen
when the screen is no larger than that (the Pi), or with ``FOOTMAT_FULLSCREEN=1`` or the f key; on
a larger monitor a window of 800×480 times the screen's density, which scales its picture as it
grows (type and markers by the window's size in pixels: the same picture at any density).

**Feedback that fades** (PRODUCT.md §4b): ``feedback="full"`` (the person's markers, trail and
load, and the target), ``"target"`` (the target only) or ``"none"`` (the cue and the counter; the
score at the end).

Speed by design (``footmat bench --section render``):
- the static scene (feet, sensor rings) is drawn once and cached;
- the figure is split into regions (feet, cue band, counter, load bar:
  :class:`trainer.ui.blit.Regions`), each with its own cached background; a frame restores
  and redraws only the regions whose content changed;
- layers that change slowly are cached *in* a region's background: the target path, the zones,
  the ring, the heel bars and the sensor discs in the feet's, the bar figures in the bar panel's.
  The markers, target and trail move every frame; the discs and bars at :data:`LOAD_HZ`, the
  figures at :data:`TEXT_HZ`;
- text keeps its rendered image (:func:`trainer.ui.stamp.stamp_text_class`), and so do the
  moving markers (target, the feet's dots, the CoP): one artist pastes their images at their
  whole-pixel places, as Agg stamps a marker (:func:`trainer.ui.sprites.sprite_layer_class`);
- a frame in which no marker moved to another pixel and no trail vertex to another pixel (and
  nothing else changed) draws and copies nothing: the window already shows it
  (:attr:`frames_unchanged` counts them);
- only the pixels that changed reach the screen, in as few copies as pays
  (:func:`trainer.ui.blit.merge_rects`);
- ``maybe_draw`` draws at the view's own rate (``fps``), never more often, whatever the
  sampling rate, and reads the engine's status only then; the live loop
  (:func:`trainer.app.live.run_drill`) sleeps until :meth:`until_next_frame`;
- :meth:`feed` runs the display filter (:mod:`trainer.ui.display_filter`) on *every* sample of
  each block, for the whole body and each foot, so the markers are the filtered newest CoP;
- the view asks the interpreter to hand the GIL to the acquisition thread within
  :data:`GIL_SWITCH_S` (1 ms, not 5): a frame's Python must not make a 200 Hz sample late;
- matplotlib is imported only when a view is made.

Control: keys space (pause/resume: toggles :attr:`pause_requested`), n (next:
:attr:`next_requested`), q or Esc (quit: :attr:`closed`), f (full screen). A button handler calls
:meth:`request_pause` / :meth:`request_next`; ``view.on_key`` callbacks get ``"pause"``,
``"resume"``, ``"next"``, ``"quit"``.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from trainer.drills.status import FEEDBACK_LEVELS, DrillStatus
from trainer.ui.blit import Regions, merge_rects, window_copier
from trainer.ui.display_filter import CopFilter
from trainer.ui.paint import Painter
from trainer.ui.scene import BASE_PX, Scene

from trainer.ui.paint import LOAD_HZ, TEXT_HZ  # noqa: F401  (the view's rates, documented above)

TRAIL_S = 1.5
GIL_SWITCH_S = 0.001    # a frame holds the GIL for a few ms of Python: hand it over within this
FEET = ("left", "right")


class LiveView(Painter):
    """A blitted matplotlib view of a :class:`~trainer.ui.scene.Scene` in a window, moved by a
    :class:`~trainer.ui.paint.Painter`.
    ``maybe_draw(snapshot, engine=engine)`` draws at most ``fps`` times a second."""

    def __init__(self, layout, title: str = "footmat", fps: float = 30.0, size_px=BASE_PX, dpi: int = 100,
                 figure=None, trail_s: float = TRAIL_S, rate_hz: float = 200.0, filter_hz: float | None = 10.0,
                 feedback: str = "full"):
        if feedback not in FEEDBACK_LEVELS:
            raise ValueError(f"feedback {feedback!r} is not one of {', '.join(FEEDBACK_LEVELS)}")
        self.layout = layout
        self.feedback = feedback
        self.fps = float(fps)
        self.closed = False
        self.pause_requested = False
        self.next_requested = False
        self.on_key: list = []
        self.frames_drawn = 0
        self.frames_unchanged = 0   # frames drawn whose pixels were all as the last frame's (nothing copied)
        self.draw_s = 0.0            # time spent in maybe_draw's frames (bench: the view's share)
        self.draw_cpu_s = 0.0        # the drawing thread's CPU time in them (no waits for the GIL or the CPU)
        self.last_draw_t = None     # perf_counter when the last frame was on screen
        self.status = None          # the ViewStatus drawn last
        self._reader = None
        self._fit = {}              # (text, size, width) -> the size that fits
        self._ring_key = False      # the ring drawn (False: none yet)
        self._goal_drawn = None
        self._last = -1e9
        self._path_drawn = None
        self._zones_drawn = None
        self._closed_fig = False
        self.filters = {k: CopFilter(rate_hz, filter_hz) for k in ("body", *FEET)} if filter_hz else None
        self.filter = self.filters["body"] if self.filters else None
        self._fed = {}              # newest filtered CoP (body and each foot) fed since the last frame
        self.drawn_cop = np.full(2, np.nan)
        self.drawn_feet = {f: np.full(2, np.nan) for f in FEET}
        if figure is None:
            import matplotlib
            import matplotlib.pyplot as plt
            with matplotlib.rc_context({"toolbar": "None"}):   # no pan/zoom buttons on a trainer
                figure = plt.figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
        manager = getattr(figure.canvas, "manager", None)
        try:
            manager.set_window_title(title)
        except AttributeError:
            pass
        Scene.__init__(self, figure, layout, trail_n=max(2, int(round(trail_s * self.fps))), base_px=size_px)
        self._size_px = tuple(size_px)
        self._text_t = [-1e9] * len(self.bar_y)   # the figures change at most TEXT_HZ times a second
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
        self._copy = window_copier(canvas)     # a changed rectangle to the window (Tk: declared opaque)
        # A frame is a few ms of Python holding the GIL; by default the interpreter hands the GIL to
        # a thread asking for it only after 5 ms — a whole 200 Hz period of the acquisition thread,
        # whose frame then starts late and is lost. Asked to hand it over within 1 ms (measured with
        # the render bench at 60 fps under load ~6: max jitter 45-79 -> 16-18 ms).
        self._switch_interval = sys.getswitchinterval()    # given back on close()
        if self._switch_interval > GIL_SWITCH_S:
            sys.setswitchinterval(GIL_SWITCH_S)
        if self.interactive:
            import matplotlib.pyplot as plt
            if getattr(manager, "key_press_handler_id", None) is not None:
                canvas.mpl_disconnect(manager.key_press_handler_id)   # no pan/zoom/log-scale keys
            plt.show(block=False)
            canvas.flush_events()   # the window up and its pending events handled (no fixed 50 ms wait: start-up)
            self.fit_screen(os.environ.get("FOOTMAT_FULLSCREEN", "") not in ("", "0"))
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

    # -- the window -----------------------------------------------------------------------------
    def _tk_window(self):
        window = getattr(getattr(self.fig.canvas, "manager", None), "window", None)
        return window if window is not None and hasattr(window, "winfo_screenwidth") else None

    def fit_screen(self, full: bool = False) -> tuple[int, int] | None:
        """Size the window in screen pixels: 800×480 times the screen's density when that fits
        the screen, else (or with ``full``) the whole screen, full screen. Returns the canvas's
        size in pixels (None: not a Tk window, left as it is)."""
        win = self._tk_window()
        if win is None:
            if full:
                self.toggle_fullscreen()
            return None
        sw, sh = int(win.winfo_screenwidth()), int(win.winfo_screenheight())
        ratio = max(float(win.winfo_fpixels("1i")) / 96.0, 1.0)
        w, h = (round(v * ratio) for v in self._size_px)
        if full or w >= sw or h >= sh:
            w, h = sw, sh
            win.geometry(f"{sw}x{sh}+0+0")
            try:
                win.attributes("-fullscreen", True)      # a window manager takes the decorations away
            except Exception:
                pass
        else:
            win.geometry(f"{w}x{h}")
        widget = self.fig.canvas.get_tk_widget()
        widget.configure(width=w, height=h)
        win.update_idletasks()
        win.update()             # the canvas's Configure event sizes the figure to it
        return widget.winfo_width(), widget.winfo_height()

    def window_box(self) -> tuple[int, int, int, int] | None:
        """Where the picture is on the screen: (x, y, width, height) pixels (None: no Tk window)."""
        if self._tk_window() is None:
            return None
        w = self.fig.canvas.get_tk_widget()
        return int(w.winfo_rootx()), int(w.winfo_rooty()), int(w.winfo_width()), int(w.winfo_height())

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
        for f in (self.filters or {}).values():
            f.reset()
        self.trail[:] = np.nan
        self._fed = {}

    # -- the display filter -----------------------------------------------------------------
    def feed(self, t, cop) -> None:
        """Every sample of a block (times ``t`` (n,), CoP (n, 2) mm): the display filter runs on
        all of them; the next frame draws the newest filtered value."""
        self._feed(t, (("body", cop),))

    def feed_feet(self, t, cop_left, cop_right) -> None:
        """Each foot's own CoP (n, 2) mm for every sample of a block, as :meth:`feed`."""
        self._feed(t, (("left", cop_left), ("right", cop_right)))

    def _feed(self, t, streams) -> None:
        for key, xy in streams:
            if xy is None:
                continue
            xy = np.asarray(xy, float).reshape(-1, 2)
            if len(xy):
                self._fed[key] = (self.filters[key].feed(t, xy) if self.filters else xy)[-1].copy()

    # -- state → status ----------------------------------------------------------------------
    def read(self, snap, engine=None):
        """The engine's status at ``snap`` (a bare snapshot's without an engine)."""
        if self._reader is None or self._reader.engine is not engine:
            self._reader = DrillStatus(engine, self.layout, self.feedback)
        return self._reader.read(snap)

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
            if not blits:
                self.frames_unchanged += 1     # nothing moved a pixel: the window already shows this frame
            if self.interactive:
                # the window shows what is drawn: copying the image to it is the dearest part of a frame
                for r in merge_rects(blits):
                    self._copy(Bbox.from_extents(*r))
        if self.interactive:
            canvas.flush_events()
        self.frames_drawn += 1
        self.last_draw_t = time.perf_counter()

    def until_next_frame(self) -> float:
        """Seconds until the next frame is due (0 when it is due now)."""
        return max(0.0, self._last + 1.0 / self.fps - time.perf_counter())

    def maybe_draw(self, snap, truth=None, path_xy=None, force: bool = False, engine=None) -> bool:
        """Draw the newest state if a frame is due (``fps``); returns whether it drew. With
        ``engine`` the drill's own status is drawn (its counter, ring, zones), else the snapshot's."""
        if self._closed_fig:
            return False
        now = time.perf_counter()
        if not force and now - self._last < 1.0 / self.fps:
            return False
        cpu0 = time.thread_time()
        # keep to the frame grid, but never try to catch up with a burst of frames
        self._last = now if now - self._last > 2.0 / self.fps else self._last + 1.0 / self.fps
        self.status = self.read(snap, engine)
        self.update(self.status, path_xy)
        self.draw()
        self.draw_s += time.perf_counter() - now
        self.draw_cpu_s += time.thread_time() - cpu0
        return True

    def marker_px(self, foot: str | None = None) -> tuple[float, float] | None:
        """Where the CoP marker (or ``foot``'s dot) is drawn, in display pixels (origin bottom left), or None."""
        xy = self.drawn_cop if foot is None else self.drawn_feet[foot]
        if not np.all(np.isfinite(xy)):
            return None
        x, y = self.ax.transData.transform(xy)
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
        if getattr(self, "_switch_interval", None) is not None:
            sys.setswitchinterval(self._switch_interval)     # the process's own GIL hand-over again
        import matplotlib.pyplot as plt

        plt.close(self.fig)
