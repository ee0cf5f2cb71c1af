"""The live view's scene: its colours, the feet drawn from the layout, and every artist of the
view built once on a figure (:class:`Scene`) for :class:`trainer.ui.view.LiveView` to move.

Laid out for 800×480 (the 7" screen) and read from 2 m: the cue band on top (the headline's
capitals ≥ 60 px, a hint under it), the feet on the left (outlines, sensor discs that fill with
load, a heel/forefoot bar beside each foot, each foot's own CoP as a dot whose size is that
foot's share of the weight, the ring of the zone to reach, the whole-body path, target, CoP and
its trail as the compact summary, the state overlay), the drill's counter on the right (label,
big figure, a line of figures ≥ 36 px, a progress bar or the beat), and the left/right load bar
with its figures under it. Type, markers and lines grow with the window (:meth:`Scene.rescale`,
in pixels: the same picture at any screen density).

Colours are the Okabe–Ito palette (distinct for the common colour-vision deficiencies), and
every colour is doubled by a shape: the target is a ring, the CoP a filled dot, the feet's dots
sit on their own foot.

matplotlib is imported only when a scene is made.
"""
from __future__ import annotations

import numpy as np

from trainer.drills.targets import foot_outline, heel_x
from trainer.ui.sprites import lean_collection_class, sprite_layer_class, trail_collection_class
from trainer.ui.stamp import stamp_text_class  # noqa: F401  (re-exported: the view's text)

COLORS = {"cop": "#000000", "target": "#009E73", "disc": "#9e9e9e", "foot": "#e9ecef", "edge": "#495057",
          "left": "#0072B2", "right": "#E69F00", "heel": "#9e9e9e", "fore": "#dee2e6", "text": "#212529",
          "band": "#ffffff", "paused": "#E69F00", "done": "#009E73", "overlay": "#343a40", "muted": "#6c757d",
          "track": "#dee2e6", "warn": "#D55E00"}
DISC_MM = 11.0          # radius of a sensor disc; it fills completely at FULL_SHARE of the load
FULL_SHARE = 0.5
TRAIL_SEGMENTS = 15
BASE_PX = (800, 480)    # the picture at scale 1
BASE_DPI = 100.0        # the point sizes below are for this density at scale 1
# type at 800×480 (points at BASE_DPI): cue capitals 63 px, figures 38 px and more
CUE_PT, HINT_PT, LABEL_PT, VALUE_PT, FIGURE_PT, NOTE_PT, OVERLAY_PT = 62, 18, 20, 50, 37, 16, 40
FOOT_MS = (10.0, 30.0)  # a foot's dot (points): no weight → all the weight (its area grows with the share)
HEEL_BAR_MM = (6.0, 12.0)   # the heel/forefoot bar: gap from the foot's outline, width
FEET_MARGIN_MM = 8.0


def _rgb(hexstr: str) -> tuple[float, float, float]:
    h = hexstr.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def draw_feet(ax, layout, disc_artists: bool = False, margin_mm: float = 90.0):
    """Static scene: foot outlines and sensor rings, ``margin_mm`` left and right of the sensors.
    Returns the rings."""
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
    ax.update_datalim([[pos[:, 0].min() - margin_mm, -15.0], [pos[:, 0].max() + margin_mm, layout.foot_length_mm + 15.0]])
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


def heel_bar_x(layout) -> dict:
    """x (from, to) mm of each foot's heel/forefoot bar, just outside its outline."""
    out = {}
    gap, width = HEEL_BAR_MM
    for foot in ("left", "right"):
        xs = np.array(foot_outline(layout.foot_length_mm, heel_x(layout, foot), foot))[:, 0]
        out[foot] = (xs.min() - gap - width, xs.min() - gap) if foot == "left" else (xs.max() + gap, xs.max() + gap + width)
    return out


class Scene:
    """Every artist of the live view on ``fig``, built from ``layout`` (the feet, sensors and
    load bars) for a picture of ``base_px`` pixels at scale 1; ``trail_n`` points of CoP trail.
    The artists start empty; :class:`trainer.ui.view.LiveView` moves them."""

    def __init__(self, fig, layout, trail_n: int, base_px: tuple[int, int] = BASE_PX):
        from matplotlib.collections import EllipseCollection, LineCollection, PolyCollection
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle, Rectangle

        self.fig = fig
        self.layout = layout
        self._base_px = base_px
        self._scale = 1.0
        fig.patch.set_facecolor("white")
        self._scaled = []           # (artist, setter name, base size) rescaled with the window
        text = stamp_text_class()

        def label(x, y, size, transform=fig.transFigure, **kw):
            kw.setdefault("color", COLORS["text"])
            t = text(x, y, "", transform=transform, ha=kw.pop("ha", "center"), va=kw.pop("va", "center"),
                     fontsize=size, **kw)
            self._scaled.append((t, "set_fontsize", size))
            return t

        # -- the cue band (top) ----------------------------------------------------------------
        self.band_rect = (0.0, 0.735, 1.0, 0.265)
        self.band = Rectangle(self.band_rect[:2], *self.band_rect[2:], transform=fig.transFigure,
                              fc=COLORS["band"], ec="none")
        fig.add_artist(self.band)
        self.cue_base = CUE_PT
        self.cue = fig.add_artist(label(0.5, 0.888, CUE_PT, weight="bold"))
        self.hint = fig.add_artist(label(0.5, 0.768, HINT_PT, color=COLORS["muted"]))

        # -- the feet -----------------------------------------------------------------------------
        self.ax = fig.add_axes([0.0, 0.0, 0.56, 0.73])
        self.rings = draw_feet(self.ax, layout)
        self.heel_x = heel_bar_x(layout)
        xs = [x for pair in self.heel_x.values() for x in pair]
        self.ax.ignore_existing_data_limits = True
        self.ax.update_datalim([[min(xs) - FEET_MARGIN_MM, -FEET_MARGIN_MM],
                                [max(xs) + FEET_MARGIN_MM, layout.foot_length_mm + FEET_MARGIN_MM]])
        self.ax.autoscale_view()
        n_s = len(layout.sensors)
        self.disc_xy = layout.positions.astype(float)
        self.disc_r = np.zeros(n_s)            # the filled radius of each sensor's disc, mm
        # the discs, heel bars and load bar are redrawn at LOAD_HZ: drawn lean (trainer.ui.sprites)
        EllipseCollection, PolyCollection = map(lean_collection_class, (EllipseCollection, PolyCollection))
        self.discs = EllipseCollection(np.zeros(n_s), np.zeros(n_s), np.zeros(n_s), units="xy",
                                       offsets=self.disc_xy, offset_transform=self.ax.transData,
                                       facecolors=COLORS["disc"], edgecolors="none", zorder=3.5)
        self.ax.add_collection(self.discs, autolim=False)
        # the heel/forefoot bar beside each foot: heel share from the heel end, the rest above it
        self.heel_values = [float("nan")] * 2
        self.heel_polys = PolyCollection(self.heel_verts(self.heel_values), edgecolors="none",
                                         facecolors=[COLORS["heel"], COLORS["fore"]] * 2, zorder=2)
        self.ax.add_collection(self.heel_polys, autolim=False)
        (self.path_line,) = self.ax.plot([], [], color=COLORS["target"], lw=3, alpha=0.35, zorder=2,
                                         solid_capstyle="round")
        self._scaled.append((self.path_line, "set_linewidth", 3))
        # the spiral's zones on each foot (heel, ball, toes), faint: where the ring will go
        (self.zone_line,) = self.ax.plot([], [], color=COLORS["target"], lw=2, alpha=0.45, ls="none", marker="o",
                                         ms=9, mfc="none", mew=1.5, zorder=2.2)
        self._scaled += [(self.zone_line, "set_markersize", 9), (self.zone_line, "set_markeredgewidth", 1.5)]
        self.ring = Circle((0, 0), 1.0, fc=(*_rgb(COLORS["target"]), 0.0), ec=COLORS["target"], lw=5,
                           zorder=4.5, visible=False)
        self._scaled.append((self.ring, "set_linewidth", 5))
        self.ax.add_patch(self.ring)
        self.trail_n = trail_n
        self.trail = np.full((self.trail_n, 2), np.nan)
        self.trail_segments = np.zeros((0, 2, 2))      # the trail's drawn segments (mm)
        self.trail_lc = trail_collection_class()([], linewidths=3.0, zorder=4, capstyle="round")
        self._scaled.append((self.trail_lc, "set_linewidth", 3.0))
        self.ax.add_collection(self.trail_lc)
        # the trail is drawn through every ``_trail_step``-th frame's point (and the newest): about
        # TRAIL_SEGMENTS segments whatever the frame rate, anchored to the frame count so they hold still
        self._trail_step = max(1, int(round((self.trail_n - 1) / TRAIL_SEGMENTS)))
        self._trail_k = 0
        self._trail_grid = {}       # phase of the grid -> (point index pairs, colours) of its segments
        self._trail_rgba = np.zeros((self.trail_n, 4))
        self._trail_rgba[:, :3] = _rgb(COLORS["cop"])
        self._trail_rgba[:, 3] = np.linspace(0.0, 0.7, self.trail_n) ** 1.5   # by the age of a segment's end
        (self.target_dot,) = self.ax.plot([], [], "o", ms=26, mfc="none", mec=COLORS["target"], mew=5, zorder=5)
        self._scaled += [(self.target_dot, "set_markersize", 26), (self.target_dot, "set_markeredgewidth", 5)]
        self.foot_dots = {}
        for foot in ("left", "right"):
            (dot,) = self.ax.plot([], [], "o", ms=FOOT_MS[0], color=COLORS[foot], mec="white", mew=2, zorder=5.5)
            self._scaled.append((dot, "set_markeredgewidth", 2))
            self.foot_dots[foot] = dot
        (self.cop_dot,) = self.ax.plot([], [], "o", ms=15, color=COLORS["cop"], mec="white", mew=2, zorder=6)
        self._scaled += [(self.cop_dot, "set_markersize", 15), (self.cop_dot, "set_markeredgewidth", 2)]
        # the moving markers are drawn as one artist, from their kept images (trainer.ui.sprites): the
        # lines above stay their model (data, sizes, colours) but leave the axes, clipped as they were
        self.marker_lines = [self.target_dot, *self.foot_dots.values(), self.cop_dot]
        for line in self.marker_lines:
            line.remove()
        self.markers = self.ax.add_artist(sprite_layer_class()(self.marker_lines, zorder=5))
        self.overlay = Rectangle((0, 0), 1, 1, transform=self.ax.transAxes, fc=COLORS["overlay"], ec="none",
                                 alpha=0.78, zorder=9, visible=False)
        self.ax.add_patch(self.overlay)
        self.overlay_text = self.ax.add_artist(label(0.5, 0.5, OVERLAY_PT, transform=self.ax.transAxes, weight="bold",
                                                     color="white", zorder=10, linespacing=1.4, clip_on=False))

        # -- the drill's counter (right, top) -------------------------------------------------------
        self.info_rect = (0.565, 0.42, 0.435, 0.31)     # clear of the feet region's last pixel column
        cx = self.info_rect[0] + self.info_rect[2] / 2
        self.counter_label = fig.add_artist(label(cx, 0.700, LABEL_PT, color=COLORS["muted"]))
        self.counter_value = fig.add_artist(label(cx, 0.598, VALUE_PT, weight="bold"))
        self.counter_detail = fig.add_artist(label(cx, 0.478, FIGURE_PT))
        self.value_base, self.detail_base = VALUE_PT, FIGURE_PT
        # a progress bar (a hold, a timer) or the beat's dots, at the counter's foot
        self.progress_rect = (0.60, 0.372, 0.365, 0.022)
        px0, py0, pw, ph = self.progress_rect
        self.progress_box = (px0 - 0.03, 0.35, pw + 0.06, 0.068)     # the beat's dots stand out of it
        self.progress_track = Rectangle((px0, py0), pw, ph, transform=fig.transFigure, fc=COLORS["track"],
                                        ec="none", visible=False)
        self.progress_fill = Rectangle((px0, py0), 0.0, ph, transform=fig.transFigure, fc=COLORS["target"],
                                       ec="none", visible=False)
        fig.add_artist(self.progress_track)
        fig.add_artist(self.progress_fill)
        self.beat_dots = Line2D([], [], transform=fig.transFigure, ls="none", marker="o", ms=16, mfc="white",
                                mec=COLORS["text"], mew=2)
        self.beat_now = Line2D([], [], transform=fig.transFigure, ls="none", marker="o", ms=22, mfc=COLORS["text"],
                               mec=COLORS["text"], mew=2)
        for a, ms in ((self.beat_dots, 16), (self.beat_now, 22)):
            fig.add_artist(a)
            self._scaled += [(a, "set_markersize", ms), (a, "set_markeredgewidth", 2)]

        # -- the left/right load bar (right, bottom) ------------------------------------------------
        self.bax = fig.add_axes([0.585, 0.0, 0.395, 0.345])
        bax = self.bax
        bax.set_xlim(0, 100)
        bax.set_ylim(0, 1)
        bax.set_axis_off()
        self.bar_y = np.array([0.47])            # the bar's centre line (axes data)
        self.bar_half = 0.11
        self.bar_names = [("L", "R", COLORS["left"], COLORS["right"])]
        self.bar_values = [float("nan")]         # the share drawn on the bar (% to the left)
        self._bar_rgba = np.array([[*_rgb(c), 1.0] for _, _, ca, cb in self.bar_names for c in (ca, cb)])
        self.bar_polys = PolyCollection(self.bar_verts(self.bar_values), edgecolors="none", facecolors=self._bar_rgba)
        bax.add_collection(self.bar_polys, autolim=False)
        self.bar_mids = LineCollection([[(50, y - self.bar_half), (50, y + self.bar_half)] for y in self.bar_y],
                                       colors="white", linewidths=2)      # the even mark
        self._scaled.append((self.bar_mids, "set_linewidth", 2))
        bax.add_collection(self.bar_mids, autolim=False)
        # the share the spiral asks on the left foot: a mark over the bar
        (self.bar_goal,) = bax.plot([], [], ls="none", marker="v", ms=18, color=COLORS["target"], mec="white",
                                    mew=1.5, clip_on=False)
        self._scaled += [(self.bar_goal, "set_markersize", 18)]
        self.bar_text = [bax.add_artist(label(0, 0.82, FIGURE_PT, transform=bax.transData, ha="left", weight="bold",
                                              clip_on=False))]
        self.bar_text_b = [bax.add_artist(label(100, 0.82, FIGURE_PT, transform=bax.transData, ha="right",
                                                weight="bold", clip_on=False))]
        for x, ha, word in ((0, "left", "left"), (100, "right", "right")):     # static: drawn with the figure
            t = bax.add_artist(label(x, 0.25, NOTE_PT, transform=bax.transData, ha=ha, color=COLORS["muted"]))
            t.set_text(word)
        self.note = fig.add_artist(label(0.7825, 0.03, NOTE_PT, color=COLORS["warn"]))

    def heel_verts(self, values) -> list:
        """Each foot's bar as two rectangles: the heel's share from the heel end, the forefoot's above."""
        verts = []
        length = self.layout.foot_length_mm
        for foot, v in zip(("left", "right"), values):
            x0, x1 = self.heel_x[foot]
            y = length * float(np.clip(v, 0, 100)) / 100 if np.isfinite(v) else 0.0
            top = length if np.isfinite(v) else 0.0
            verts += [[(x0, 0), (x1, 0), (x1, y), (x0, y)], [(x0, y), (x1, y), (x1, top), (x0, top)]]
        return verts

    def bar_verts(self, values) -> list:
        """The bar as two rectangles: the left side from 0 to its share, the right from there to 100."""
        verts = []
        for v, y in zip(values, self.bar_y):
            x = float(np.clip(v, 0, 100)) if np.isfinite(v) else 0.0
            y0, y1 = y - self.bar_half, y + self.bar_half
            verts += [[(0, y0), (x, y0), (x, y1), (0, y1)], [(x, y0), (100, y0), (100, y1), (x, y1)]]
        return verts

    def fig_bbox(self, rect):
        """The figure rectangle ``rect`` (x, y, w, h as fractions) in display pixels, following the window."""
        from matplotlib.transforms import Bbox, TransformedBbox

        x, y, w, h = rect
        return TransformedBbox(Bbox.from_bounds(x, y, w, h), self.fig.transFigure)

    def rescale(self) -> None:
        """Type, markers and lines grow with the window (800×480 pixels is scale 1). Sizes are in
        points, which a denser screen (a higher dpi) already makes more pixels: divided out."""
        w, h = self.fig.bbox.width, self.fig.bbox.height
        s = max(0.5, min(w / self._base_px[0], h / self._base_px[1])) * BASE_DPI / self.fig.dpi
        self._scale = s
        for artist, setter, base in self._scaled:
            getattr(artist, setter)(base * s)
        # the overlay and cue band were fitted to the old size: set them again on the next frame
        # (a height-only resize keeps the scale and width the overlay's key is made of)
        self._overlay_key = None

    def set_path(self, xy: np.ndarray | None) -> None:
        """Draw the target path ``xy`` (n, 2) mm as a closed loop (None: no path)."""
        if xy is None:
            self.path_line.set_data([], [])
        else:
            xy = np.asarray(xy, float)
            closed = np.vstack([xy, xy[:1]])
            self.path_line.set_data(closed[:, 0], closed[:, 1])

    def set_zones(self, zones: dict | None) -> None:
        """Draw the spiral's zones on each foot ({foot: (m, 2) mm}; None: none)."""
        if not zones:
            self.zone_line.set_data([], [])
        else:
            xy = np.vstack([np.asarray(z, float) for z in zones.values()])
            self.zone_line.set_data(xy[:, 0], xy[:, 1])

    def move_trail(self, cop) -> None:
        """Add the newest CoP to the trail, which fades with age."""
        self.trail[:-1] = self.trail[1:]
        self.trail[-1] = cop
        self._trail_k += 1
        n, step = self.trail_n, self._trail_step
        first = (self._trail_k - (n - 1)) % step          # index of the oldest point on the grid
        grid = self._trail_grid.get(first)
        if grid is None:                                  # the segments' point pairs and colours, per phase
            idx = np.r_[np.arange((step - first) % step, n - 1, step), n - 1]
            grid = self._trail_grid[first] = (np.stack([idx[:-1], idx[1:]], axis=1), self._trail_rgba[idx[1:]])
        pairs, rgba = grid
        segs = self.trail[pairs]
        ok = np.isfinite(segs).all(axis=(1, 2))
        if ok.all():
            self.trail_segments = segs
        else:
            self.trail_segments = segs[ok]
            rgba = rgba[ok]
        self.trail_lc.set_segments(self.trail_segments)
        self.trail_lc.set_color(rgba)
