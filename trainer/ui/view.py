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
- text keeps its rendered image (:func:`trainer.ui.stamp.stamp_text_class`);
- only the pixels that changed reach the screen, in as few copies as pays
  (:func:`trainer.ui.blit.merge_rects`);
- ``maybe_draw`` draws at the view's own rate (``fps``), never more often, whatever the
  sampling rate, and reads the engine's status only then; the live loop
  (:func:`trainer.app.live.run_drill`) sleeps until :meth:`until_next_frame`;
- :meth:`feed` runs the display filter (:mod:`trainer.ui.display_filter`) on *every* sample of
  each block, for the whole body and each foot, so the markers are the filtered newest CoP;
- matplotlib is imported only when a view is made.

Control: keys space (pause/resume: toggles :attr:`pause_requested`), n (next:
:attr:`next_requested`), q or Esc (quit: :attr:`closed`), f (full screen). A button handler calls
:meth:`request_pause` / :meth:`request_next`; ``view.on_key`` callbacks get ``"pause"``,
``"resume"``, ``"next"``, ``"quit"``.
"""
from __future__ import annotations

import os
import time

import numpy as np

from trainer.drills.status import FEEDBACK_LEVELS, DrillStatus
from trainer.ui.blit import Regions, merge_rects
from trainer.ui.display_filter import CopFilter
from trainer.ui.scene import BASE_PX, COLORS, DISC_MM, FOOT_MS, FULL_SHARE, Scene

TRAIL_S = 1.5
LOAD_HZ = 15.0        # the sensor discs and load bars (read at a glance; the markers and target move every frame)
TEXT_HZ = 2.0         # the load bar moves every frame; its figures change at most this often
#                       (a figure is read, not watched: twice a second, as a multimeter's display)
FEET = ("left", "right")


class LiveView(Scene):
    """A blitted matplotlib view of a :class:`~trainer.ui.scene.Scene` in a window.
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
        self.draw_s = 0.0            # time spent in maybe_draw's frames (bench: the view's share)
        self.last_draw_t = None     # perf_counter when the last frame was on screen
        self.status = None          # the ViewStatus drawn last
        self._reader = None
        self._fit = {}              # (text, size, width) -> the size that fits
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
        if self.interactive:
            import matplotlib.pyplot as plt
            if getattr(manager, "key_press_handler_id", None) is not None:
                canvas.mpl_disconnect(manager.key_press_handler_id)   # no pan/zoom/log-scale keys
            plt.show(block=False)
            plt.pause(0.05)
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

    # -- state → artists ----------------------------------------------------------------------
    def read(self, snap, engine=None):
        """The engine's status at ``snap`` (a bare snapshot's without an engine)."""
        if self._reader is None or self._reader.engine is not engine:
            self._reader = DrillStatus(engine, self.layout, self.feedback)
        return self._reader.read(snap)

    def update(self, st, path_xy=None) -> bool:
        """Move the artists to the status ``st`` (:class:`~trainer.drills.status.ViewStatus`; no
        drawing). Returns True when paused."""
        if not st.show_target:
            path_xy = None
        if self._path_drawn is not path_xy:
            same = (self._path_drawn is not None and path_xy is not None
                    and np.array_equal(self._path_drawn, path_xy))
            self._path_drawn = path_xy
            if not same:
                self.set_path(path_xy)
                self.regions.path_new = True   # drawn into the feet's cached background at the next frame
        zones = st.foot_zones
        if (zones is None) != (self._zones_drawn is None) or (zones is not None and any(
                not np.array_equal(zones[f], self._zones_drawn.get(f)) for f in zones)):
            self._zones_drawn = zones
            self.set_zones(zones)
            self.regions.path_new = True
        live = st.show_live
        fed, self._fed = self._fed, {}
        cop = fed.get("body", st.cop) if live else np.full(2, np.nan)
        self.drawn_cop = np.array(cop, float)
        self.move_trail(cop)
        finite = bool(np.all(np.isfinite(cop)))
        self.cop_dot.set_data(([cop[0]], [cop[1]]) if finite else ([], []))
        for f in FEET:
            foot = st.feet[f]
            xy = fed.get(f, foot.cop) if live else np.full(2, np.nan)
            self.drawn_feet[f] = np.array(xy, float)
            dot = self.foot_dots[f]
            if np.all(np.isfinite(xy)) and np.isfinite(foot.share):
                dot.set_data(([xy[0]], [xy[1]]))
                share = float(np.clip(foot.share, 0.0, 1.0))
                dot.set_markersize((FOOT_MS[0] + (FOOT_MS[1] - FOOT_MS[0]) * np.sqrt(share)) * self._scale)
            else:
                dot.set_data(([], []))
        tg = st.target
        self.target_dot.set_data(([tg[0]], [tg[1]]) if np.all(np.isfinite(tg)) else ([], []))
        small = st.ring is not None and st.ring.foot is not None      # the body's target: the compact summary
        self.target_dot.set_markersize((14 if small else 26) * self._scale)
        self.target_dot.set_markeredgewidth((3 if small else 5) * self._scale)
        self._set_ring(st.ring)
        state = st.state
        state_changed = state != self._last_state
        self._last_state = state
        now = time.perf_counter()
        loads_due = now - self._load_t >= 1.0 / LOAD_HZ or state_changed
        self._set_overlay(st)
        self._set_counter(st)
        if loads_due:
            self._load_t = now
            self._set_loads(st, live)
        # the figures change at most TEXT_HZ (a new figure is rendered once)
        if state_changed or now - self._text_t[0] >= 1.0 / TEXT_HZ:
            self._text_t[0] = now
            v = st.left_pct if live else float("nan")
            ok = np.isfinite(v)
            self.bar_text[0].set_text(f"{v:.0f} %" if ok else "")
            self.bar_text_b[0].set_text(f"{100 - v:.0f} %" if ok else "")
        goal = st.share_target_pct
        self.bar_goal.set_data(([goal], [self.bar_y[0] + self.bar_half + 0.07]) if goal is not None else ([], []))
        self.note.set_text("holding on" if st.holding_on else "")
        return state == "paused"

    def _set_ring(self, ring) -> None:
        if ring is None:
            self.ring.set_visible(False)
            return
        self.ring.set_visible(True)
        self.ring.set_center((float(ring.xy[0]), float(ring.xy[1])))
        self.ring.set_radius(float(ring.radius_mm))
        on_foot = ring.foot is not None        # the spiral's ring on a foot; else a reach drill's zone
        self.ring.set_linewidth((5 if on_foot else 2.5) * self._scale)
        self.ring.set_linestyle("-" if on_foot else (0, (4, 2)))
        self.ring.set_facecolor((0.0, 0.62, 0.45, (0.35 if ring.inside else 0.0 if on_foot else 0.12)))

    def _set_overlay(self, st) -> None:
        """Paused / stepped off / done take over the feet; the cue band says it too."""
        state, band = st.state, COLORS["band"]
        finite = bool(np.all(np.isfinite(st.cop)))
        if state == "paused":
            # the engine decides the state; the view says how to leave it
            how = "press space\nto continue" if self.pause_requested else "step back on\nto continue"
            self._overlay("PAUSED\n" + how, COLORS["overlay"])
            band = COLORS["paused"]
        elif state == "done":
            score = "" if st.score is None else f"\nscore {st.score:.0f}"
            self._overlay("DONE" + score, COLORS["done"])
            band = COLORS["done"]
        elif state == "waiting" and not (np.isfinite(st.total_n) and st.total_n > 0 and finite):
            self._overlay("STEP ON", COLORS["overlay"])
        else:
            self.overlay.set_visible(False)
            self.overlay_text.set_text("")
        self.overlay_text.set_fontsize(40 * self._scale * (0.7 if "\n" in self.overlay_text.get_text() else 1.0))
        self.band.set_facecolor(band)
        self.cue.set_text(st.cue)
        self.hint.set_text(st.hint)
        dark = band == COLORS["done"]
        self.cue.set_color("white" if dark else COLORS["text"])
        self.hint.set_color("white" if dark else (COLORS["text"] if band != COLORS["band"] else COLORS["muted"]))
        self.cue.set_fontsize(self.fit_width(self.cue, self.cue_base * self._scale, self.fig.bbox.width * 0.97))

    def _overlay(self, text: str, color: str) -> None:
        self.overlay.set_visible(True)
        self.overlay.set_facecolor(color)
        self.overlay_text.set_text(text)

    def fit_width(self, artist, size: float, width_px: float) -> float:
        """``size`` (points), or less when ``artist``'s text at ``size`` is wider than ``width_px``:
        measured once per text and size."""
        key = (artist.get_text(), round(size, 2), round(width_px))
        cache = self._fit
        if key not in cache:
            artist.set_fontsize(size)
            w = artist.get_window_extent(self.fig.canvas.get_renderer()).width if key[0] else 0.0
            cache[key] = size if w <= width_px else size * width_px / w
            if len(cache) > 500:
                cache.pop(next(iter(cache)))
        return cache[key]

    def _set_counter(self, st) -> None:
        c = st.counter
        self.counter_label.set_text(c.label)
        self.counter_value.set_text(c.value)
        self.counter_detail.set_text(c.detail)
        x0, _, w, _ = self.info_rect
        for artist, base in ((self.counter_value, self.value_base), (self.counter_detail, self.detail_base)):
            artist.set_fontsize(self.fit_width(artist, base * self._scale, w * self.fig.bbox.width * 0.95))
        px0, py0, pw, ph = self.progress_rect
        show = c.progress is not None and c.beat is None
        self.progress_track.set_visible(show)
        self.progress_fill.set_visible(show)
        self.progress_fill.set_width(pw * float(np.clip(c.progress, 0, 1)) if show else 0.0)
        if c.beat is not None:
            now_i, n = c.beat
            xs = px0 + pw * (np.arange(n) + 0.5) / n
            y = py0 + ph / 2
            self.beat_dots.set_data(xs, np.full(n, y))
            self.beat_now.set_data(([xs[now_i]], [y]) if 0 <= now_i < n else ([], []))
        else:
            self.beat_dots.set_data([], [])
            self.beat_now.set_data([], [])

    def _set_loads(self, st, live: bool) -> None:
        """The discs (filled area by the sensor's share of the load), the heel bars and the load bar."""
        total = st.total_n
        if live and st.forces is not None and np.isfinite(total) and total > 1.0:
            share = np.clip(np.nan_to_num(np.asarray(st.forces, float)) / (FULL_SHARE * total), 0.0, 1.0)
        else:
            share = np.zeros(len(self.disc_r))
        self.disc_r = DISC_MM * np.sqrt(share)
        self.discs.set_widths(2 * self.disc_r)
        self.discs.set_heights(2 * self.disc_r)
        heel = [st.heel_pct_left, st.heel_pct_right] if live else [float("nan")] * 2
        px = max(self.regions.px_per_mm() * self.layout.foot_length_mm / 100, 1e-6)
        heel = [round(v * px) / px if np.isfinite(v) else float("nan") for v in heel]
        if heel != self.heel_values and not (np.all(np.isnan(heel)) and np.all(np.isnan(self.heel_values))):
            self.heel_values = heel
            self.heel_polys.set_verts(self.heel_verts(heel))
        # the bar moves in whole pixels (a tenth of a per cent is below what the eye sees)
        v = st.left_pct if live else float("nan")
        px_per_pct = max(self.bax.bbox.width / 100.0, 1e-6)
        vals = [round(v * px_per_pct) / px_per_pct if np.isfinite(v) else float("nan")]
        if vals != self.bar_values and not (np.isnan(vals[0]) and np.isnan(self.bar_values[0])):
            self.bar_values = vals
            self.bar_polys.set_verts(self.bar_verts(vals))
            rgba = self._bar_rgba.copy()
            rgba[:, 3] = 1.0 if np.isfinite(vals[0]) else 0.3
            self.bar_polys.set_facecolor(rgba)

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

    def maybe_draw(self, snap, truth=None, path_xy=None, force: bool = False, engine=None) -> bool:
        """Draw the newest state if a frame is due (``fps``); returns whether it drew. With
        ``engine`` the drill's own status is drawn (its counter, ring, zones), else the snapshot's."""
        if self._closed_fig:
            return False
        now = time.perf_counter()
        if not force and now - self._last < 1.0 / self.fps:
            return False
        # keep to the frame grid, but never try to catch up with a burst of frames
        self._last = now if now - self._last > 2.0 / self.fps else self._last + 1.0 / self.fps
        self.status = self.read(snap, engine)
        self.update(self.status, path_xy)
        self.draw()
        self.draw_s += time.perf_counter() - now
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
        import matplotlib.pyplot as plt

        plt.close(self.fig)
