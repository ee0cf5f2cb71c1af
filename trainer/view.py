"""The live view: feet, sensor discs that fill with load, the CoP with a fading trail, the
target path and marker, the phase cue in large type, loop and score, load bars, and an
unmistakable paused state. 800×480 by default, scaling with the window.

Speed by design: the static scene is drawn once and cached; each frame restores it and redraws
only the moving artists (blitting), at the view's own rate, never slowing acquisition.
"""
from __future__ import annotations

import time

import numpy as np

# foot outline of a right foot: (fraction of foot length, lateral offset / foot length)
_LATERAL = [(0.0, 0.0), (0.02, 0.07), (0.08, 0.115), (0.2, 0.125), (0.45, 0.14), (0.63, 0.19),
            (0.78, 0.17), (0.9, 0.11), (0.97, 0.05), (1.0, 0.0)]
_MEDIAL = [(1.0, 0.0), (0.98, -0.06), (0.9, -0.13), (0.72, -0.15), (0.55, -0.08), (0.35, -0.07),
           (0.15, -0.11), (0.05, -0.1), (0.0, 0.0)]
COLORS = {"cop": "#d62828", "target": "#2a9d8f", "disc": "#f4a261", "foot": "#e9ecef", "edge": "#495057"}


def foot_outline(layout, foot: str) -> np.ndarray:
    """Outline polygon (k, 2) mm of one foot, from the layout's foot length and heel sensor."""
    L = layout.foot_length_mm
    pos = layout.positions
    heel = layout.mask(foot=foot, zone="heel")
    m = layout.mask(foot=foot)
    hx = pos[heel, 0].mean() if heel.any() else pos[m, 0].mean()
    sign = 1.0 if foot == "right" else -1.0
    pts = np.array(_LATERAL + _MEDIAL)
    x = hx + sign * pts[:, 1] * L
    y = -0.0 + pts[:, 0] * L
    return np.stack([x, y], axis=1)


def draw_feet(ax, layout, disc_artists: bool = False):
    """Static scene: foot outlines, sensor positions and labels. Returns the disc patches."""
    from matplotlib.patches import Circle, Polygon

    for foot in ("left", "right"):
        ax.add_patch(Polygon(foot_outline(layout, foot), closed=True, fc=COLORS["foot"], ec=COLORS["edge"], lw=1.5))
    discs = []
    for s in layout.sensors:
        c = Circle((s.x_mm, s.y_mm), 9.0, fc="white", ec=COLORS["edge"], lw=1.0, zorder=3)
        ax.add_patch(c)
        discs.append(c)
    pos = layout.positions
    ax.set_xlim(pos[:, 0].min() - 90, pos[:, 0].max() + 90)
    ax.set_ylim(-20, layout.foot_length_mm + 25)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)
    return discs


class LiveView:
    """A blitted matplotlib view. ``maybe_draw(snapshot)`` draws at most ``fps`` times a second."""

    def __init__(self, layout, title: str = "footmat", fps: float = 30.0, size_px=(800, 480), dpi: int = 100,
                 figure=None, trail_s: float = 2.0, rate_hz: float = 200.0):
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection

        self.layout = layout
        self.fps = fps
        self.closed = False
        self.frames_drawn = 0
        self._last = 0.0
        self._path_drawn = None
        self.fig = figure or plt.figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
        try:
            self.fig.canvas.manager.set_window_title(title)
        except AttributeError:
            pass
        self.fig.patch.set_facecolor("white")
        self.ax = self.fig.add_axes([0.0, 0.0, 0.62, 0.86])
        self.discs = draw_feet(self.ax, layout)
        self.trail_n = int(trail_s * 30)
        self.trail = np.full((self.trail_n, 2), np.nan)
        (self.path_line,) = self.ax.plot([], [], color=COLORS["target"], lw=4, alpha=0.35, zorder=2)
        self.trail_lc = LineCollection([], linewidths=2.5, zorder=4)
        self.ax.add_collection(self.trail_lc)
        (self.target_dot,) = self.ax.plot([], [], "o", ms=22, mfc="none", mec=COLORS["target"], mew=4, zorder=5)
        (self.cop_dot,) = self.ax.plot([], [], "o", ms=14, color=COLORS["cop"], zorder=6)
        self.cue = self.fig.text(0.31, 0.93, "", ha="center", va="center", fontsize=26, weight="bold", color="#212529")
        self.paused_text = self.ax.text(0.5, 0.5, "", transform=self.ax.transAxes, ha="center", va="center",
                                        fontsize=30, weight="bold", color="white",
                                        bbox=dict(fc="#6c757d", ec="none", alpha=0.0), zorder=10)
        # right panel: loop/score and load bars
        self.info = self.fig.text(0.81, 0.93, "", ha="center", va="center", fontsize=16)
        self.bax = self.fig.add_axes([0.67, 0.08, 0.3, 0.7])
        self.bax.set_xlim(0, 100)
        self.bax.set_ylim(-0.6, 2.6)
        self.bax.set_yticks([2, 1, 0], ["left | right", "left heel | fore", "right heel | fore"], fontsize=9)
        self.bax.tick_params(axis="y", pad=2)
        self.bax.axvline(50, color="#adb5bd", lw=1)
        self.bax.set_xticks([0, 50, 100])
        self.bars = self.bax.barh([2, 1, 0], [0, 0, 0], color=["#457b9d", "#e9c46a", "#e9c46a"], height=0.6)
        self.bar_text = [self.bax.text(50, y, "", ha="center", va="center", fontsize=11, weight="bold") for y in (2, 1, 0)]
        self.animated = [self.path_line, self.trail_lc, self.target_dot, self.cop_dot, self.cue, self.paused_text,
                         self.info, *self.discs, *self.bars, *self.bar_text]
        for a in self.animated:
            a.set_animated(True)
        self._bg = None
        self.fig.canvas.mpl_connect("draw_event", self._on_draw)
        self.fig.canvas.mpl_connect("key_press_event", self._on_key)
        self.fig.canvas.mpl_connect("close_event", lambda e: setattr(self, "closed", True))
        self.interactive = self.fig.canvas.manager is not None and plt.get_backend().lower() not in ("agg",)
        if self.interactive:
            import os
            if os.environ.get("FOOTMAT_FULLSCREEN"):   # set by the Pi's autostart entry
                try:
                    self.fig.canvas.manager.full_screen_toggle()
                except (AttributeError, NotImplementedError):
                    pass
            plt.show(block=False)
            plt.pause(0.05)
        else:
            self.fig.canvas.draw()

    # -- events -----------------------------------------------------------------------------
    def _on_draw(self, event):
        self._bg = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_animated()

    def _on_key(self, event):
        if event.key in ("q", "escape"):
            self.closed = True

    def poll(self):
        if self.interactive:
            self.fig.canvas.flush_events()

    # -- drawing ----------------------------------------------------------------------------
    def set_path(self, xy: np.ndarray | None):
        if xy is None:
            self.path_line.set_data([], [])
        else:
            closed = np.vstack([xy, xy[:1]])
            self.path_line.set_data(closed[:, 0], closed[:, 1])

    def update(self, snap, path_xy=None):
        """Move the artists to the snapshot's state (no drawing)."""
        if path_xy is not None and self._path_drawn is not path_xy:
            self.set_path(path_xy)
            self._path_drawn = path_xy
        cop = snap.cop
        self.trail = np.roll(self.trail, -1, axis=0)
        self.trail[-1] = cop
        segs = np.stack([self.trail[:-1], self.trail[1:]], axis=1)
        ok = np.all(np.isfinite(segs), axis=(1, 2))
        alphas = np.linspace(0.05, 0.9, len(segs))[ok]
        self.trail_lc.set_segments(segs[ok])
        self.trail_lc.set_color([(0.84, 0.16, 0.16, a) for a in alphas])
        if np.all(np.isfinite(cop)):
            self.cop_dot.set_data([cop[0]], [cop[1]])
        else:
            self.cop_dot.set_data([], [])
        tg = snap.target
        self.target_dot.set_data(([tg[0]], [tg[1]]) if np.all(np.isfinite(tg)) else ([], []))
        self.cue.set_text(snap.cue)
        paused = snap.state in ("paused", "waiting") and not np.isfinite(snap.total_n) or snap.state == "paused"
        self.paused_text.set_text("PAUSED\nstep back on" if snap.state == "paused" else "")
        self.paused_text.get_bbox_patch().set_alpha(0.85 if snap.state == "paused" else 0.0)
        score = "–" if snap.last_score is None else f"{snap.last_score:.0f}"
        self.info.set_text(f"loop {snap.loop}/{snap.loops}   score {score}")
        if snap.forces is not None:
            f = np.nan_to_num(np.maximum(snap.forces, 0))
            top = max(np.percentile(f, 90), 1.0)
            for d, v in zip(self.discs, f):
                d.set_facecolor((0.96, 0.64, 0.38, float(np.clip(v / top, 0.0, 1.0))))
        vals = [snap.left_pct, snap.heel_pct_left, snap.heel_pct_right]
        for bar, txt, v in zip(self.bars, self.bar_text, vals):
            bar.set_width(0 if not np.isfinite(v) else v)
            txt.set_text("" if not np.isfinite(v) else f"{v:.0f} | {100 - v:.0f}")
        return paused

    def _draw_animated(self):
        for a in self.animated:
            self.fig.draw_artist(a)

    def draw(self):
        canvas = self.fig.canvas
        if self._bg is None:
            canvas.draw()
        else:
            canvas.restore_region(self._bg)
            self._draw_animated()
            canvas.blit(self.fig.bbox)
        if self.interactive:
            canvas.flush_events()
        self.frames_drawn += 1

    def maybe_draw(self, snap, truth=None, path_xy=None, force: bool = False) -> bool:
        now = time.perf_counter()
        if not force and now - self._last < 1.0 / self.fps:
            return False
        self._last = now
        self.update(snap, path_xy)
        self.draw()
        return True

    def save(self, path) -> None:
        """Render the current state to an image (offscreen tests, screenshots)."""
        for a in self.animated:
            a.set_animated(False)
        self.fig.savefig(path, dpi=self.fig.dpi)
        for a in self.animated:
            a.set_animated(True)

    def close(self):
        if getattr(self, "_closed_fig", False):
            return
        import matplotlib.pyplot as plt

        self._closed_fig = True
        self.closed = True
        plt.close(self.fig)
