"""The live view's scene: its colours, the feet drawn from the layout, and every artist of the
view built once on a figure (:class:`Scene`) for :class:`trainer.ui.view.LiveView` to move.

The figure holds four regions: the cue band (top), the feet with the sensor discs, target path,
trail, target and CoP marker and the state overlay (left), loop and score (right, top), and the
load bars with their figures (right, bottom). Type, markers and lines grow with the window
(:meth:`Scene.rescale`). Text keeps its rendered image (:func:`stamp_text_class`).

matplotlib is imported only when a scene is made.
"""
from __future__ import annotations

import math

import numpy as np

from trainer.drills.targets import foot_outline, heel_x

COLORS = {"cop": "#d62828", "target": "#2a9d8f", "disc": "#f4a261", "foot": "#e9ecef", "edge": "#495057",
          "left": "#457b9d", "right": "#a8dadc", "heel": "#e9c46a", "fore": "#f4e3b1", "text": "#212529",
          "band": "#ffffff", "paused": "#f77f00", "done": "#2a9d8f", "overlay": "#343a40"}
DISC_MM = 11.0          # radius of a sensor disc; it fills completely at FULL_SHARE of the load
FULL_SHARE = 0.5
TRAIL_SEGMENTS = 15


def _rgb(hexstr: str) -> tuple[float, float, float]:
    h = hexstr.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def draw_feet(ax, layout, disc_artists: bool = False):
    """Static scene: foot outlines and sensor rings. Returns the rings."""
    from matplotlib.patches import Circle, Polygon

    for foot in ("left", "right"):
        outline = np.array(foot_outline(layout.foot_length_mm, heel_x(layout, foot), foot))
        ax.add_patch(Polygon(outline, closed=True, fc=COLORS["foot"], ec=COLORS["edge"], lw=1.5))
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


def cue_fontsize(text: str, base: float, width_chars: float = 30.0) -> float:
    """Large type that still fits the band: shrink long cues, never below 60 % of ``base``."""
    n = max(len(text), 1)
    return base * max(0.6, min(1.0, width_chars / n))


_STAMP_CLASS = None
STAMPS_MAX = 400          # rendered strings kept (a bar figure ~10 kB, a cue ~100 kB)


def stamp_text_class():
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


class Scene:
    """Every artist of the live view on ``fig``, built from ``layout`` (the feet, sensors and
    load bars) and drawn in a window of ``base_in`` inches at scale 1; ``trail_n`` points of CoP
    trail. The artists start empty; :class:`trainer.ui.view.LiveView` moves them."""

    def __init__(self, fig, layout, trail_n: int, base_in: tuple[float, float]):
        from matplotlib.collections import EllipseCollection, LineCollection, PolyCollection
        from matplotlib.patches import Rectangle

        self.fig = fig
        self._base_in = base_in
        self._scale = 1.0
        fig.patch.set_facecolor("white")
        self._scaled = []           # (artist, setter name, base size) rescaled with the window

        # -- the cue band (top) ----------------------------------------------------------------
        self.band_rect = (0.0, 0.845, 1.0, 0.155)
        self.band = Rectangle(self.band_rect[:2], *self.band_rect[2:], transform=fig.transFigure,
                              fc=COLORS["band"], ec="none")
        fig.add_artist(self.band)
        self.cue_base = 30.0
        text = stamp_text_class()
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
        self.trail_n = trail_n
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
        self.bar_polys = PolyCollection(self.bar_verts([float("nan")] * len(rows)), edgecolors="none",
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

    def bar_verts(self, values) -> list:
        """Each bar as two rectangles: side a from 0 to its share, side b from there to 100."""
        verts = []
        for v, y in zip(values, self.bar_y):
            x = float(np.clip(v, 0, 100)) if np.isfinite(v) else 0.0
            y0, y1 = y - 0.3, y + 0.3
            verts += [[(0, y0), (x, y0), (x, y1), (0, y1)], [(x, y0), (100, y0), (100, y1), (x, y1)]]
        return verts

    def fig_bbox(self, rect):
        """The figure rectangle ``rect`` (x, y, w, h as fractions) in display pixels, following the window."""
        from matplotlib.transforms import Bbox, TransformedBbox

        x, y, w, h = rect
        return TransformedBbox(Bbox.from_bounds(x, y, w, h), self.fig.transFigure)

    def rescale(self) -> None:
        """Type, markers and lines grow with the window (800×480 is scale 1)."""
        w, h = self.fig.get_size_inches()     # inches: a high-dpi screen already scales points
        s = max(0.5, min(w / self._base_in[0], h / self._base_in[1]))
        self._scale = s
        for artist, setter, base in self._scaled:
            getattr(artist, setter)(base * s)

    def set_path(self, xy: np.ndarray | None) -> None:
        """Draw the target path ``xy`` (n, 2) mm as a closed loop (None: no path)."""
        if xy is None:
            self.path_line.set_data([], [])
        else:
            xy = np.asarray(xy, float)
            closed = np.vstack([xy, xy[:1]])
            self.path_line.set_data(closed[:, 0], closed[:, 1])

    def move_trail(self, cop) -> None:
        """Add the newest CoP to the trail, which fades with age."""
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
