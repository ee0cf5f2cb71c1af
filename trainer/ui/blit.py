"""Blitting the live view: only what changed is drawn again, and only the pixels that changed
reach the window.

The figure is split into regions (:class:`Regions`: the feet, the cue band, loop and score, the
load bars), each with its own cached background; a frame restores and redraws only the regions
whose content changed. Layers that change slowly are cached *in* a region's background: the
target path and the sensor discs in the feet's, the bar figures in the bar panel's. Copying the
image to the window costs a fixed ~0.2 ms a copy plus its area, so the changed rectangles (the
marker, target and trail where they are and were, the discs whose fill changed, the sliver of a
bar between its old and new split) are merged while a merge costs less than a copy
(:func:`merge_rects`).
"""
from __future__ import annotations

import math

import numpy as np

from trainer.ui.scene import DISC_MM

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


def whole_px(bbox):
    """``bbox`` grown to whole pixels: a region's saved background must cover every pixel its
    artists touch, the partly covered edge ones too (else an edge column is never restored)."""
    from matplotlib.transforms import Bbox

    x0, y0, x1, y1 = bbox.extents
    return Bbox.from_extents(math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))


class Regions:
    """The regions of a :class:`trainer.ui.scene.Scene` and what a frame must redraw in them.

    ``parts`` names each region's box and its artists (``artists`` drawn every time the region
    is, ``under`` cached in its background); ``bg`` holds the cached backgrounds (None until the
    next full draw of the figure, which calls :meth:`on_draw`); ``sig`` what the last frame drew.
    """

    def __init__(self, scene):
        self.scene = s = scene
        feet = [s.trail_lc, s.target_dot, s.cop_dot, s.overlay, s.overlay_text]
        self.parts = {
            # the feet: the discs are cached with the region's background, the moving things drawn on it
            "feet": {"bbox": lambda: whole_px(s.ax.bbox), "artists": feet,
                     "under": [s.path_line, s.discs]},
            "cue": {"bbox": lambda: whole_px(s.fig_bbox(s.band_rect)), "artists": [s.band, s.cue]},
            "info": {"bbox": lambda: whole_px(s.fig_bbox(s.info_rect)), "artists": [s.info, s.info2]},
            # the bar panel: its figures are cached with its background ("bartext"), the bars drawn on it
            "bars": {"bbox": lambda: whole_px(s.bax.bbox), "artists": [s.bar_polys, s.bar_mids],
                     "under": s.bar_text + s.bar_text_b},
        }
        self.animated = [a for r in self.parts.values() for a in r["artists"] + r.get("under", [])]
        for a in self.animated:
            a.set_animated(True)
        self.sig = {}
        self.bg = None
        self.moving_box = None        # where the marker, target and trail were drawn last
        self.path_new = False         # a new target path, for the feet's background at the next frame

    def on_draw(self, event=None) -> None:
        """After a full draw of the figure: cache each region's background (without its
        artists) and draw the artists on it."""
        s = self.scene
        canvas = s.fig.canvas
        self.bg = {name: canvas.copy_from_bbox(r["bbox"]()) for name, r in self.parts.items()}
        for i in range(len(s.bar_y)):                  # each row of figures, without them
            self.bg[f"bartext{i}"] = canvas.copy_from_bbox(self.text_row_bbox(i))
        self.sig = {}
        self.moving_box = None
        self.path_new = False
        self.cache_discs()
        self.cache_bar_text()
        for name, region in self.parts.items():
            for a in region["artists"]:
                s.fig.draw_artist(a)

    def cache_discs(self) -> None:
        """The feet region's background with the target path and the sensor discs drawn in (the
        discs change at most LOAD_HZ, the path when a drill starts)."""
        s = self.scene
        canvas = s.fig.canvas
        bbox = self.parts["feet"]["bbox"]()
        if "feet_static" not in self.bg:
            self.bg["feet_static"] = canvas.copy_from_bbox(bbox)
        canvas.restore_region(self.bg["feet_static"])
        s.fig.draw_artist(s.path_line)
        s.fig.draw_artist(s.discs)
        self.bg["feet"] = canvas.copy_from_bbox(bbox)

    def text_row_bbox(self, i: int):
        from matplotlib.transforms import Bbox, TransformedBbox

        y = self.scene.bar_y[i]
        return whole_px(TransformedBbox(Bbox([[-1, y + 0.34], [101, y + 0.98]]), self.scene.bax.transData))

    def cache_bar_text(self, rows=None) -> None:
        """The bar panel's background with its figures drawn in (they change at most TEXT_HZ):
        only the rows given (default all) are drawn again."""
        s = self.scene
        canvas = s.fig.canvas
        canvas.restore_region(self.bg["bars"])          # the panel without its bars
        for i in range(len(s.bar_y)) if rows is None else rows:
            canvas.restore_region(self.bg[f"bartext{i}"])
            s.fig.draw_artist(s.bar_text[i])
            s.fig.draw_artist(s.bar_text_b[i])
        self.bg["bars"] = canvas.copy_from_bbox(self.parts["bars"]["bbox"]())

    def moving_rects(self) -> list:
        """Display rectangles [x0, y0, x1, y1] of the feet region that changed since the last
        frame: where the marker, target and trail are, and where they were."""
        s = self.scene
        tr = s.ax.transData
        px = s.fig.dpi / 72.0
        pts, pads = [], []
        for line in (s.cop_dot, s.target_dot):
            xy = line.get_xydata()
            if len(xy):
                pts.append(tr.transform(xy))
                pads.append((line.get_markersize() / 2 + line.get_markeredgewidth()) * px + 2)
        tail = s.trail[np.all(np.isfinite(s.trail), axis=1)]
        if len(tail):
            pts.append(tr.transform(tail))
            pads.append(s.trail_lc.get_linewidth()[0] * px + 2)
        now = None
        for p, pad in zip(pts, pads):
            box = np.r_[p.min(axis=0) - pad, p.max(axis=0) + pad]
            now = box if now is None else np.r_[np.minimum(now[:2], box[:2]), np.maximum(now[2:], box[2:])]
        rects = [box for box in (now, self.moving_box) if box is not None]
        self.moving_box = now
        return self.clip_feet(rects)

    def px_per_mm(self) -> float:
        tr = self.scene.ax.transData
        return abs(tr.transform([DISC_MM, 0.0])[0] - tr.transform([0.0, 0.0])[0]) / DISC_MM

    def disc_px(self) -> tuple:
        """The discs' drawn radii in quarter pixels: a disc is drawn again when this changes."""
        return tuple(np.round(self.scene.disc_r * self.px_per_mm() * 4).tolist())

    def disc_rects(self, old: tuple | None, new: tuple) -> list:
        """Display rectangles of the discs whose drawn radius changed."""
        changed = [i for i in range(len(new)) if old is None or old[i] != new[i]]
        if not changed:
            return []
        c = self.scene.ax.transData.transform(self.scene.disc_xy[changed])
        half = DISC_MM * self.px_per_mm() + 2
        return self.clip_feet(list(np.c_[c - half, c + half]))

    def clip_feet(self, rects) -> list:
        x0, y0, x1, y1 = self.scene.ax.bbox.extents
        out = []
        for r in rects:
            r = np.array([max(r[0], x0), max(r[1], y0), min(r[2], x1), min(r[3], y1)])
            if r[2] > r[0] and r[3] > r[1]:
                out.append(r)
        return out

    def bar_rects(self, old: tuple, new: tuple) -> list:
        """Display rectangles of the bars that moved: between the old and the new split only."""
        tr = self.scene.bax.transData
        rects = []
        for v0, v1, y in zip(old, new, self.scene.bar_y):
            if v0 == v1 or (np.isnan(v0) and np.isnan(v1)):
                continue
            if np.isfinite(v0) and np.isfinite(v1):
                lo, hi = min(v0, v1), max(v0, v1)
            else:                                        # appearing or going: the whole bar
                lo, hi = 0.0, 100.0
            (x0, y0), (x1, y1) = tr.transform([[lo, y - 0.32], [hi, y + 0.32]])
            rects.append(np.array([x0 - 2, y0, x1 + 2, y1]))
        return rects

    def signatures(self) -> dict:
        """What each region shows, to compare with the last frame's."""
        s = self.scene
        return {
            "overlay": (s.overlay.get_visible(), s.overlay_text.get_text()),
            "cue": (s.cue.get_text(), s.band.get_facecolor(), s.cue.get_fontsize()),
            "info": (s.info.get_text(), s.info2.get_text()),
            "bars": tuple(s.bar_values),
            "discs": self.disc_px(),
            "bartext": tuple((a.get_text(), b.get_text(), a.get_fontsize())
                             for a, b in zip(s.bar_text, s.bar_text_b)),
        }

    def redraw(self) -> list:
        """Restore and redraw the regions whose content changed since the last frame (after a
        full draw); returns the display rectangles [x0, y0, x1, y1] whose pixels changed."""
        s = self.scene
        canvas = s.fig.canvas
        sig = self.signatures()
        old = self.sig
        text_changed = old.get("bartext") != sig["bartext"]
        if text_changed:
            before = old.get("bartext") or ((None,) * len(sig["bartext"]))
            self.cache_bar_text([i for i, (a, b) in enumerate(zip(before, sig["bartext"])) if a != b])
            old = dict(old, bars=None)
        blits = []
        if self.path_new:                # a new path: the feet's cached layer and all the feet
            self.path_new = False
            self.cache_discs()
            blits.append(np.array(self.parts["feet"]["bbox"]().extents))
        elif old.get("discs") != sig["discs"]:
            self.cache_discs()
            blits += self.disc_rects(old.get("discs"), sig["discs"])
        for name, region in self.parts.items():
            if name != "feet" and old.get(name) == sig.get(name):
                continue
            canvas.restore_region(self.bg[name])
            for a in region["artists"]:
                s.fig.draw_artist(a)
            if name == "feet" and old.get("overlay") == sig["overlay"]:
                blits += self.moving_rects()
            elif name == "bars" and not text_changed and old.get("bars") is not None:
                blits += self.bar_rects(old["bars"], sig["bars"])
            else:
                blits.append(np.array(region["bbox"]().extents))
                if name == "feet":
                    self.moving_rects()
        self.sig = sig
        return blits
