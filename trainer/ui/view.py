"""The live view: feet, sensor discs that fill with load, the CoP with a fading trail, the
target path and marker, the phase cue in large type, loop and score, load bars, and an
unmistakable paused / stepped-off state. 800×480 by default (the 7" Pi screen), scaling with
the window up to a monitor: type and markers grow with the window.

Speed by design (a frame costs ~2 ms of CPU on the development machine, ``footmat bench``):
- the static scene (feet, sensor rings, bar labels) is drawn once and cached;
- the figure is split into regions (feet, cue band, loop/score, load bars), each with its own
  cached background; a frame restores and redraws only the regions whose content changed;
- layers that change slowly are cached *in* a region's background: the target path and the
  sensor discs in the feet's (a new path costs no full redraw as the drill starts), the bar
  figures in the bar panel's. The marker, target and trail move every frame;
  the discs and load bars at :data:`LOAD_HZ`, the figures at :data:`TEXT_HZ`; so a frame draws
  three artists on the feet and, when the shares moved, two on the bars;
- few artists: the sensor discs are one collection, the load bars one, their even marks one;
- text keeps its rendered image (:func:`_stamp_text_class`): matplotlib rasterises a string
  glyph by glyph on every draw, 1-5 ms;
- only the pixels that changed reach the screen, in as few copies as pays: copying the image
  to the window costs a fixed ~0.2 ms a copy plus its area, so the changed rectangles (the
  marker, target and trail where they are and were, the discs whose fill changed, the sliver
  of a bar between its old and new split) are merged while a merge costs less than a copy
  (:func:`merge_rects`);
- ``maybe_draw`` draws at the view's own rate (``fps``), never more often, whatever the
  sampling rate; the live loop (:func:`trainer.app.live.run_drill`) sleeps until
  :meth:`until_next_frame` and then processes everything sampled since in one block;
- :meth:`feed` runs the display filter (:mod:`trainer.ui.display_filter`) on *every* sample of
  each block, so the marker is the filtered newest CoP, not one raw sample in six;
- matplotlib is imported only when a view is made.

Control: keys space (pause/resume: toggles :attr:`pause_requested`), n (next:
:attr:`next_requested`), q or Esc (quit: :attr:`closed`), f (full screen);
``FOOTMAT_FULLSCREEN=1`` starts full screen. A button handler calls :meth:`request_pause` /
:meth:`request_next`; ``view.on_key`` callbacks get ``"pause"``, ``"resume"``, ``"next"``, ``"quit"``.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

COLORS = {"cop": "#d62828", "target": "#2a9d8f", "disc": "#f4a261", "foot": "#e9ecef", "edge": "#495057",
          "left": "#457b9d", "right": "#a8dadc", "heel": "#e9c46a", "fore": "#f4e3b1", "text": "#212529",
          "band": "#ffffff", "paused": "#f77f00", "done": "#2a9d8f", "overlay": "#343a40"}
BASE_PX = (800, 480)
DISC_MM = 11.0          # radius of a sensor disc; it fills completely at FULL_SHARE of the load
FULL_SHARE = 0.5
TRAIL_S = 1.5
TRAIL_SEGMENTS = 15
LOAD_HZ = 15.0        # the sensor discs and load bars (read at a glance; the marker and target move every frame)
TEXT_HZ = 2.0         # the load bars move every frame; their figures change at most this often
#                       (a figure is read, not watched: twice a second, as a multimeter's display)


def _rgb(hexstr: str) -> tuple[float, float, float]:
    h = hexstr.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def foot_outline(layout, foot: str) -> np.ndarray:
    """Outline polygon (k, 2) mm of one foot: the same outline the printed template draws."""
    from trainer.drills.targets import foot_outline as outline, heel_x

    return np.array(outline(layout.foot_length_mm, heel_x(layout, foot), foot))


def draw_feet(ax, layout, disc_artists: bool = False):
    """Static scene: foot outlines and sensor rings. Returns the rings."""
    from matplotlib.patches import Circle, Polygon

    for foot in ("left", "right"):
        ax.add_patch(Polygon(foot_outline(layout, foot), closed=True, fc=COLORS["foot"], ec=COLORS["edge"], lw=1.5))
    rings = []
    for s in layout.sensors:
        c = Circle((s.x_mm, s.y_mm), DISC_MM, fc="white", ec=COLORS["edge"], lw=1.2, zorder=3)
        ax.add_patch(c)
        rings.append(c)
    pos = layout.positions
    # the limits stay automatic so that the equal aspect widens them to the window's shape
    ax.update_datalim([[pos[:, 0].min() - 90, -15.0], [pos[:, 0].max() + 90, layout.foot_length_mm + 15.0]])
    ax.margins(0)
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)
    return rings


COPY_PX = 20_000      # a copy to the window costs about as much as copying this many more pixels


def merge_rects(rects, fixed_px: float = COPY_PX) -> list:
    """Merge rectangles (x0, y0, x1, y1) while the merged one costs less to copy than the two
    (area, plus ``fixed_px`` a copy): few copies when changes are close, small ones when apart."""
    rects = [tuple(float(v) for v in r) for r in rects]
    while len(rects) > 1:
        best = None
        for i in range(len(rects)):
            a = rects[i]
            area_a = (a[2] - a[0]) * (a[3] - a[1])
            for j in range(i + 1, len(rects)):
                b = rects[j]
                u = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                gain = area_a + (b[2] - b[0]) * (b[3] - b[1]) + fixed_px - (u[2] - u[0]) * (u[3] - u[1])
                if gain >= 0 and (best is None or gain > best[0]):
                    best = (gain, i, j, u)
        if best is None:
            break
        _, i, j, u = best
        rects = [r for k, r in enumerate(rects) if k not in (i, j)] + [u]
    return rects


def _whole_px(bbox):
    """``bbox`` grown to whole pixels: a region's saved background must cover every pixel its
    artists touch, the partly covered edge ones too (else an edge column is never restored)."""
    import math

    from matplotlib.transforms import Bbox

    x0, y0, x1, y1 = bbox.extents
    return Bbox.from_extents(math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))


_STAMP_CLASS = None
STAMPS_MAX = 400          # rendered strings kept (a bar figure ~10 kB, a cue ~100 kB)


def _stamp_text_class():
    """A matplotlib ``Text`` that keeps what it rendered: matplotlib lays out and rasterises a
    string glyph by glyph on every draw (1–5 ms, the dearest part of a frame that changes a
    figure or a cue); this one does it once per string, style and sub-pixel position, and then
    pastes the image (~0.02 ms); the image is a plain Text's to a level or two of 255 where
    a glyph edge's alpha is rounded twice (tests/trainer/ui/test_view.py)."""
    global _STAMP_CLASS
    if _STAMP_CLASS is not None:
        return _STAMP_CLASS
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    class StampText(Text):
        stamps: dict = {}
        scratch = (None, None)          # ((width, height, dpi), the canvas a new string is drawn on)

        def draw(self, renderer):
            if not self.get_visible() or self.get_text() == "":
                return
            if not isinstance(renderer, RendererAgg) or self.get_path_effects() or self.get_bbox_patch():
                return Text.draw(self, renderer)          # vector output (PDF, SVG): as matplotlib does
            x, y = self.get_transform().transform(self.get_unitless_position())
            if not (np.isfinite(x) and np.isfinite(y)):
                return
            fx, fy = math.floor(x), math.floor(y)
            w, h = int(renderer.width), int(renderer.height)
            key = (self.get_text(), hash(self.get_fontproperties()), to_rgba(self.get_color(), self.get_alpha()),
                   self.get_ha(), self.get_va(), self.get_rotation(), self.get_linespacing(), renderer.dpi,
                   round(x - fx, 3), round(y - fy, 3), w, h)
            hit = self.stamps.get(key)
            if hit is None:
                # drawn where it belongs on a scratch canvas of the same size, then cut out
                ext = Text.get_window_extent(self, renderer)
                x0, y0 = max(math.floor(ext.x0) - 3, 0), max(math.floor(ext.y0) - 3, 0)
                x1, y1 = min(math.ceil(ext.x1) + 3, w), min(math.ceil(ext.y1) + 3, h)
                if x1 <= x0 or y1 <= y0:
                    return
                skey = (w, h, renderer.dpi)
                if self.scratch[0] != skey:
                    self.scratch = (skey, RendererAgg(w, h, renderer.dpi))
                scratch = self.scratch[1]
                scratch.clear()
                Text.draw(self, scratch)
                img = np.asarray(scratch.buffer_rgba())[h - y1:h - y0, x0:x1][::-1].copy()  # bottom row first
                hit = (img, x0 - fx, y0 - fy)
                if len(self.stamps) >= STAMPS_MAX:
                    self.stamps.pop(next(iter(self.stamps)))
                self.stamps[key] = hit
            img, dx, dy = hit
            gc = renderer.new_gc()
            renderer.draw_image(gc, fx + dx, fy + dy, img)
            gc.restore()
            self.stale = False

    _STAMP_CLASS = StampText
    return StampText


def cue_fontsize(text: str, base: float, width_chars: float = 30.0) -> float:
    """Large type that still fits the band: shrink long cues, never below 60 % of ``base``."""
    n = max(len(text), 1)
    return base * max(0.6, min(1.0, width_chars / n))


class LiveView:
    """A blitted matplotlib view. ``maybe_draw(snapshot)`` draws at most ``fps`` times a second."""

    def __init__(self, layout, title: str = "footmat", fps: float = 30.0, size_px=BASE_PX, dpi: int = 100,
                 figure=None, trail_s: float = TRAIL_S, rate_hz: float = 200.0, filter_hz: float | None = 10.0):
        from matplotlib.collections import EllipseCollection, LineCollection, PolyCollection
        from matplotlib.patches import Rectangle

        from trainer.ui.display_filter import CopFilter

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
        self._base_in = (size_px[0] / dpi, size_px[1] / dpi)
        if figure is None:
            import matplotlib
            import matplotlib.pyplot as plt
            with matplotlib.rc_context({"toolbar": "None"}):   # no pan/zoom buttons on a trainer
                figure = plt.figure(figsize=self._base_in, dpi=dpi)
        self.fig = fig = figure
        manager = getattr(fig.canvas, "manager", None)
        try:
            manager.set_window_title(title)
        except AttributeError:
            pass
        fig.patch.set_facecolor("white")
        self._scaled = []           # (artist, setter name, base size) rescaled with the window

        # -- the cue band (top) ----------------------------------------------------------------
        self.band_rect = (0.0, 0.845, 1.0, 0.155)
        self.band = Rectangle(self.band_rect[:2], *self.band_rect[2:], transform=fig.transFigure,
                              fc=COLORS["band"], ec="none")
        fig.add_artist(self.band)
        self.cue_base = 30.0
        text = _stamp_text_class()
        self.cue = fig.add_artist(text(0.5, 0.922, "", transform=fig.transFigure, ha="center", va="center",
                                       fontsize=self.cue_base, weight="bold", color=COLORS["text"]))

        # -- the feet -----------------------------------------------------------------------------
        self.ax = fig.add_axes([0.0, 0.0, 0.6, 0.84])
        self.rings = draw_feet(self.ax, layout)
        n_s = len(layout.sensors)
        self.disc_xy = layout.positions.astype(float)
        self.disc_r = np.zeros(n_s)            # the filled radius of each sensor's disc, mm
        self.discs = EllipseCollection(np.zeros(n_s), np.zeros(n_s), np.zeros(n_s), units="xy",
                                       offsets=self.disc_xy, offset_transform=self.ax.transData,
                                       facecolors=COLORS["disc"], edgecolors="none", zorder=3.5)
        self.ax.add_collection(self.discs, autolim=False)
        (self.path_line,) = self.ax.plot([], [], color=COLORS["target"], lw=5, alpha=0.3, zorder=2,
                                         solid_capstyle="round")
        self._scaled.append((self.path_line, "set_linewidth", 5))
        self.trail_n = max(2, int(round(trail_s * self.fps)))
        self.trail = np.full((self.trail_n, 2), np.nan)
        self.trail_lc = LineCollection([], linewidths=3.0, zorder=4, capstyle="round")
        self._scaled.append((self.trail_lc, "set_linewidth", 3.0))
        self.ax.add_collection(self.trail_lc)
        # the trail is drawn through every ``_trail_step``-th frame's point (and the newest): about
        # TRAIL_SEGMENTS segments whatever the frame rate, anchored to the frame count so they hold still
        self._trail_step = max(1, int(round((self.trail_n - 1) / TRAIL_SEGMENTS)))
        self._trail_k = 0
        self._trail_rgba = np.zeros((self.trail_n, 4))
        self._trail_rgba[:, :3] = _rgb(COLORS["cop"])
        self._trail_rgba[:, 3] = np.linspace(0.0, 0.8, self.trail_n) ** 1.5   # by the age of a segment's end
        (self.target_dot,) = self.ax.plot([], [], "o", ms=26, mfc="none", mec=COLORS["target"], mew=5, zorder=5)
        self._scaled += [(self.target_dot, "set_markersize", 26), (self.target_dot, "set_markeredgewidth", 5)]
        (self.cop_dot,) = self.ax.plot([], [], "o", ms=17, color=COLORS["cop"], mec="white", mew=2, zorder=6)
        self._scaled += [(self.cop_dot, "set_markersize", 17), (self.cop_dot, "set_markeredgewidth", 2)]
        self.overlay = Rectangle((0, 0), 1, 1, transform=self.ax.transAxes, fc=COLORS["overlay"], ec="none",
                                 alpha=0.78, zorder=9, visible=False)
        self.ax.add_patch(self.overlay)
        self.overlay_text = self.ax.add_artist(text(0.5, 0.5, "", transform=self.ax.transAxes, ha="center",
                                                    va="center", fontsize=40, weight="bold", color="white",
                                                    zorder=10, linespacing=1.4, clip_on=False))
        self._scaled.append((self.overlay_text, "set_fontsize", 40))

        # -- loop and score (right, top) ------------------------------------------------------------
        self.info_rect = (0.605, 0.6, 0.395, 0.24)     # clear of the feet region's last pixel column
        self.info = fig.add_artist(text(0.8, 0.77, "", transform=fig.transFigure, ha="center", va="center",
                                        fontsize=24, weight="bold", color=COLORS["text"]))
        self.info2 = fig.add_artist(text(0.8, 0.66, "", transform=fig.transFigure, ha="center", va="center",
                                         fontsize=20, color=COLORS["text"]))
        self._scaled += [(self.info, "set_fontsize", 24), (self.info2, "set_fontsize", 20)]

        # -- load bars (right, bottom): each a split bar, share a | share b -------------------------------
        self.bax = fig.add_axes([0.63, 0.05, 0.34, 0.5])
        bax = self.bax
        bax.set_xlim(0, 100)
        bax.set_ylim(-0.55, 2.75)
        bax.set_axis_off()
        rows = [("left", "right", COLORS["left"], COLORS["right"]),
                ("L heel", "L fore", COLORS["heel"], COLORS["fore"]),
                ("R heel", "R fore", COLORS["heel"], COLORS["fore"])]
        self.bar_names = rows
        self.bar_y = np.array([2.0 - i for i in range(len(rows))])
        self.bar_values = [float("nan")] * len(rows)     # the share drawn on each bar (% to side a)
        self._bar_rgba = np.array([[*_rgb(c), 1.0] for _, _, ca, cb in rows for c in (ca, cb)])
        self.bar_polys = PolyCollection(self._bar_verts([float("nan")] * len(rows)), edgecolors="none",
                                        facecolors=self._bar_rgba)
        bax.add_collection(self.bar_polys, autolim=False)
        self.bar_mids = LineCollection([[(50, y - 0.3), (50, y + 0.3)] for y in self.bar_y], colors="white",
                                       linewidths=2)      # the even marks
        self._scaled.append((self.bar_mids, "set_linewidth", 2))
        bax.add_collection(self.bar_mids, autolim=False)
        self.bar_text, self.bar_text_b = [], []
        for (la, lb, _, _), y in zip(rows, self.bar_y):
            ta = bax.add_artist(text(0, y + 0.38, la, transform=bax.transData, ha="left", va="bottom", fontsize=15,
                                     color=COLORS["text"], clip_on=False))
            tb = bax.add_artist(text(100, y + 0.38, lb, transform=bax.transData, ha="right", va="bottom", fontsize=15,
                                     color=COLORS["text"], clip_on=False))
            self._scaled += [(ta, "set_fontsize", 15), (tb, "set_fontsize", 15)]
            self.bar_text.append(ta)
            self.bar_text_b.append(tb)
        self._text_t = [-1e9] * len(rows)   # each row's figures change at most TEXT_HZ times a second
        self._load_t = -1e9     # the discs and bars at most LOAD_HZ
        self._path_new = False
        self._last_state = None

        # -- regions: what each blit redraws -----------------------------------------------------
        feet = [self.trail_lc, self.target_dot, self.cop_dot, self.overlay, self.overlay_text]
        self.regions = {
            # the feet: the discs are cached with the region's background, the moving things drawn on it
            "feet": {"bbox": lambda: _whole_px(self.ax.bbox), "artists": feet,
                     "under": [self.path_line, self.discs]},
            "cue": {"bbox": lambda: _whole_px(self._fig_bbox(self.band_rect)), "artists": [self.band, self.cue]},
            "info": {"bbox": lambda: _whole_px(self._fig_bbox(self.info_rect)), "artists": [self.info, self.info2]},
            # the bar panel: its figures are cached with its background ("bartext"), the bars drawn on it
            "bars": {"bbox": lambda: _whole_px(self.bax.bbox), "artists": [self.bar_polys, self.bar_mids],
                     "under": self.bar_text + self.bar_text_b},
        }
        self.animated = [a for r in self.regions.values() for a in r["artists"] + r.get("under", [])]
        for a in self.animated:
            a.set_animated(True)
        self._sig = {}
        self._bg = None
        self._scale = 1.0
        canvas = fig.canvas
        canvas.mpl_connect("draw_event", self._on_draw)
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
        self._rescale()
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

    def _bar_verts(self, values) -> list:
        """Each bar as two rectangles: side a from 0 to its share, side b from there to 100."""
        verts = []
        for v, y in zip(values, self.bar_y):
            x = float(np.clip(v, 0, 100)) if np.isfinite(v) else 0.0
            y0, y1 = y - 0.3, y + 0.3
            verts += [[(0, y0), (x, y0), (x, y1), (0, y1)], [(x, y0), (100, y0), (100, y1), (x, y1)]]
        return verts

    def _fig_bbox(self, rect):
        from matplotlib.transforms import Bbox, TransformedBbox

        x, y, w, h = rect
        return TransformedBbox(Bbox.from_bounds(x, y, w, h), self.fig.transFigure)

    # -- events ------------------------------------------------------------------------------
    def _on_draw(self, event):
        canvas = self.fig.canvas
        self._bg = {name: canvas.copy_from_bbox(r["bbox"]()) for name, r in self.regions.items()}
        for i in range(len(self.bar_y)):                  # each row of figures, without them
            self._bg[f"bartext{i}"] = canvas.copy_from_bbox(self._text_row_bbox(i))
        self._sig = {}
        self._moving_box = None
        self._path_new = False
        self._cache_discs()
        self._cache_bar_text()
        for name, region in self.regions.items():
            for a in region["artists"]:
                self.fig.draw_artist(a)

    def _cache_discs(self) -> None:
        """The feet region's background with the target path and the sensor discs drawn in (the
        discs change at most LOAD_HZ, the path when a drill starts)."""
        canvas = self.fig.canvas
        bbox = self.regions["feet"]["bbox"]()
        if "feet_static" not in self._bg:
            self._bg["feet_static"] = canvas.copy_from_bbox(bbox)
        canvas.restore_region(self._bg["feet_static"])
        self.fig.draw_artist(self.path_line)
        self.fig.draw_artist(self.discs)
        self._bg["feet"] = canvas.copy_from_bbox(bbox)

    def _text_row_bbox(self, i: int):
        from matplotlib.transforms import Bbox, TransformedBbox

        y = self.bar_y[i]
        return _whole_px(TransformedBbox(Bbox([[-1, y + 0.34], [101, y + 0.98]]), self.bax.transData))

    def _cache_bar_text(self, rows=None) -> None:
        """The bar panel's background with its figures drawn in (they change at most TEXT_HZ):
        only the rows given (default all) are drawn again."""
        canvas = self.fig.canvas
        canvas.restore_region(self._bg["bars"])          # the panel without its bars
        for i in range(len(self.bar_y)) if rows is None else rows:
            canvas.restore_region(self._bg[f"bartext{i}"])
            self.fig.draw_artist(self.bar_text[i])
            self.fig.draw_artist(self.bar_text_b[i])
        self._bg["bars"] = canvas.copy_from_bbox(self.regions["bars"]["bbox"]())

    def _on_resize(self, event):
        self._rescale()

    def _on_close(self, event):
        self.closed = True

    def _rescale(self) -> None:
        """Type, markers and lines grow with the window (800×480 is scale 1)."""
        w, h = self.fig.get_size_inches()     # inches: a high-dpi screen already scales points
        s = max(0.5, min(w / self._base_in[0], h / self._base_in[1]))
        self._scale = s
        for artist, setter, base in self._scaled:
            getattr(artist, setter)(base * s)

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
    def set_path(self, xy: np.ndarray | None) -> None:
        if xy is None:
            self.path_line.set_data([], [])
        else:
            xy = np.asarray(xy, float)
            closed = np.vstack([xy, xy[:1]])
            self.path_line.set_data(closed[:, 0], closed[:, 1])

    def update(self, snap, path_xy=None) -> bool:
        """Move the artists to the snapshot's state (no drawing). Returns True when paused."""
        if path_xy is not None and self._path_drawn is not path_xy:
            same = self._path_drawn is not None and np.array_equal(self._path_drawn, path_xy)
            self._path_drawn = path_xy
            if not same:
                self.set_path(path_xy)
                self._path_new = True        # drawn into the feet's cached background at the next frame
        if self._fed is not None:
            cop = self._fed
            self._fed = None
        else:
            cop = np.asarray(snap.cop, float)
        self.drawn_cop = np.array(cop, float)
        self.trail[:-1] = self.trail[1:]
        self.trail[-1] = cop
        self._trail_k += 1
        n, step = self.trail_n, self._trail_step
        first = (self._trail_k - (n - 1)) % step          # index of the oldest point on the grid
        idx = np.r_[np.arange((step - first) % step, n - 1, step), n - 1]
        pts = self.trail[idx]
        segs = np.stack([pts[:-1], pts[1:]], axis=1)
        ok = np.all(np.isfinite(segs), axis=(1, 2))
        self.trail_lc.set_segments(segs[ok])
        self.trail_lc.set_color(self._trail_rgba[idx[1:]][ok])
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
            self.bar_polys.set_verts(self._bar_verts(vals_px))
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

    def _moving_rects(self) -> list:
        """Display rectangles [x0, y0, x1, y1] of the feet region that changed since the last
        frame: where the marker, target and trail are, and where they were."""
        tr = self.ax.transData
        px = self.fig.dpi / 72.0
        pts, pads = [], []
        for line in (self.cop_dot, self.target_dot):
            xy = line.get_xydata()
            if len(xy):
                pts.append(tr.transform(xy))
                pads.append((line.get_markersize() / 2 + line.get_markeredgewidth()) * px + 2)
        tail = self.trail[np.all(np.isfinite(self.trail), axis=1)]
        if len(tail):
            pts.append(tr.transform(tail))
            pads.append(self.trail_lc.get_linewidth()[0] * px + 2)
        now = None
        for p, pad in zip(pts, pads):
            box = np.r_[p.min(axis=0) - pad, p.max(axis=0) + pad]
            now = box if now is None else np.r_[np.minimum(now[:2], box[:2]), np.maximum(now[2:], box[2:])]
        rects = [box for box in (now, self._moving_box) if box is not None]
        self._moving_box = now
        return self._clip_feet(rects)

    def _px_per_mm(self) -> float:
        tr = self.ax.transData
        return abs(tr.transform([DISC_MM, 0.0])[0] - tr.transform([0.0, 0.0])[0]) / DISC_MM

    def _disc_px(self) -> tuple:
        """The discs' drawn radii in quarter pixels: a disc is drawn again when this changes."""
        return tuple(np.round(self.disc_r * self._px_per_mm() * 4).tolist())

    def _disc_rects(self, old: tuple | None, new: tuple) -> list:
        """Display rectangles of the discs whose drawn radius changed."""
        changed = [i for i in range(len(new)) if old is None or old[i] != new[i]]
        if not changed:
            return []
        c = self.ax.transData.transform(self.disc_xy[changed])
        half = DISC_MM * self._px_per_mm() + 2
        return self._clip_feet(list(np.c_[c - half, c + half]))

    def _clip_feet(self, rects) -> list:
        x0, y0, x1, y1 = self.ax.bbox.extents
        out = []
        for r in rects:
            r = np.array([max(r[0], x0), max(r[1], y0), min(r[2], x1), min(r[3], y1)])
            if r[2] > r[0] and r[3] > r[1]:
                out.append(r)
        return out

    def _bar_rects(self, old: tuple, new: tuple) -> list:
        """Display rectangles of the bars that moved: between the old and the new split only."""
        tr = self.bax.transData
        rects = []
        for v0, v1, y in zip(old, new, self.bar_y):
            if v0 == v1 or (np.isnan(v0) and np.isnan(v1)):
                continue
            if np.isfinite(v0) and np.isfinite(v1):
                lo, hi = min(v0, v1), max(v0, v1)
            else:                                        # appearing or going: the whole bar
                lo, hi = 0.0, 100.0
            (x0, y0), (x1, y1) = tr.transform([[lo, y - 0.32], [hi, y + 0.32]])
            rects.append(np.array([x0 - 2, y0, x1 + 2, y1]))
        return rects

    def _signatures(self) -> dict:
        return {
            "overlay": (self.overlay.get_visible(), self.overlay_text.get_text()),
            "cue": (self.cue.get_text(), self.band.get_facecolor(), self.cue.get_fontsize()),
            "info": (self.info.get_text(), self.info2.get_text()),
            "bars": tuple(self.bar_values),
            "discs": self._disc_px(),
            "bartext": tuple((a.get_text(), b.get_text(), a.get_fontsize())
                             for a, b in zip(self.bar_text, self.bar_text_b)),
        }

    # -- drawing ------------------------------------------------------------------------------
    def draw(self) -> None:
        """Draw the current artists: restore and redraw only the regions that changed, and copy
        to the screen only the pixels that changed, in as few copies as pays."""
        from matplotlib.transforms import Bbox

        canvas = self.fig.canvas
        if self._bg is None:
            canvas.draw()            # full redraw; _on_draw caches the regions and draws all
            self._sig = self._signatures()
        else:
            sig = self._signatures()
            old = self._sig
            text_changed = old.get("bartext") != sig["bartext"]
            if text_changed:
                before = old.get("bartext") or ((None,) * len(sig["bartext"]))
                self._cache_bar_text([i for i, (a, b) in enumerate(zip(before, sig["bartext"])) if a != b])
                old = dict(old, bars=None)
            blits = []
            if self._path_new:                # a new path: the feet's cached layer and all the feet
                self._path_new = False
                self._cache_discs()
                blits.append(np.array(self.regions["feet"]["bbox"]().extents))
            elif old.get("discs") != sig["discs"]:
                self._cache_discs()
                blits += self._disc_rects(old.get("discs"), sig["discs"])
            for name, region in self.regions.items():
                if name != "feet" and old.get(name) == sig.get(name):
                    continue
                canvas.restore_region(self._bg[name])
                for a in region["artists"]:
                    self.fig.draw_artist(a)
                if name == "feet" and old.get("overlay") == sig["overlay"]:
                    blits += self._moving_rects()
                elif name == "bars" and not text_changed and old.get("bars") is not None:
                    blits += self._bar_rects(old["bars"], sig["bars"])
                else:
                    blits.append(np.array(region["bbox"]().extents))
                    if name == "feet":
                        self._moving_rects()
            self._sig = sig
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
            self._bg = None

    def close(self) -> None:
        if self._closed_fig:
            return
        self._closed_fig = True
        self.closed = True
        import matplotlib.pyplot as plt

        plt.close(self.fig)
