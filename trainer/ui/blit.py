"""Blitting the live view: only what changed is drawn again, and only the pixels that changed
reach the window.

The figure is split into regions (:class:`Regions`: the feet, the cue band, the counter, the
load bar), each with its own cached background; a frame restores and redraws only the regions
whose content changed (the feet's moving layer too: the markers' and the trail's places in
whole pixels, :meth:`Regions.moving_sig`). Layers that change slowly are cached *in* a region's background: the
target path, the spiral's zones, the ring, the heel bars and the sensor discs in the feet's, the
bar figures in the bar panel's. Copying the image to the window costs a fixed ~30 us a copy
plus its area, so the changed rectangles (the markers, target and trail where they are and were,
the discs whose fill changed, the ring where it was and is, the sliver of a bar between its old
and new split) are merged while a merge costs less than a copy (:func:`merge_rects`).

On Tk the copy tells Tk's photo image that the picture is opaque (:func:`window_copier`): a copy
with an alpha channel makes Tk scan the *whole* photo for partly transparent pixels and build
the copied block's valid region pixel by pixel (~0.15 ms a copy whatever its size, at 800×480);
the view's figure is opaque, so the window gets the same pixels without either.
"""
from __future__ import annotations

import heapq
import math

import numpy as np

from trainer.ui.scene import DISC_MM

COPY_PX = 10_000      # a copy to the window costs about as much as copying this many more pixels (Tk on Xvfb,
#                       the picture declared opaque: ~28 us a copy + ~3 ns a pixel, measured 2026-12-07; it was
#                       50_000 while Tk scanned the whole photo at every copy: ~170 us a copy)
OPAQUE = (0, 1, 2, 4)    # Tk_PhotoImageBlock offsets: red, green, blue, and an alpha offset past the
#                          pixel (>= pixelSize), which Tk reads as "no alpha channel: every pixel opaque"


def window_copier(canvas):
    """The function that copies a display rectangle (a ``Bbox``) of ``canvas``'s picture to its
    window: ``canvas.blit``, or on TkAgg the same copy with the picture declared opaque (the
    figure's own background is, so the window's pixels are the same) while the figure's
    background is opaque and visible."""
    import sys

    tk = sys.modules.get("matplotlib.backends._backend_tk")      # loaded when the canvas is Tk's
    tkagg = sys.modules.get("matplotlib.backends.backend_tkagg")
    if tk is None or tkagg is None or not isinstance(canvas, tkagg.FigureCanvasTkAgg) \
            or getattr(tk, "blit", None) is None:
        return canvas.blit
    patch = canvas.figure.patch

    def copy(bbox):
        photo = getattr(canvas, "_tkphoto", None)
        renderer = getattr(canvas, "renderer", None)
        if photo is None or renderer is None or not patch.get_visible() or patch.get_facecolor()[3] < 1.0:
            return canvas.blit(bbox)      # a see-through figure: as matplotlib copies it
        tk.blit(photo, renderer.buffer_rgba(), OPAQUE, bbox=bbox)

    return copy


def merge_rects(rects, fixed_px: float = COPY_PX) -> list:
    """Merge rectangles (x0, y0, x1, y1) while the merged one costs less to copy than the two
    (area, plus ``fixed_px`` a copy): few copies when changes are close, small ones when apart.

    Greedy: the pair that gains most is merged first (the first pair in the list's order on a tie)
    and the merged rectangle goes to the end of the list. Each pair's gain is worked out once and
    kept in a heap (pairs with a merged-away rectangle are skipped when they come up): a frame
    that changed 10-16 rectangles (the discs, bars and markers) costs ~0.05 ms, not ~0.5 ms."""
    rects = [tuple(map(float, r)) for r in rects]
    n = len(rects)
    if n < 2:
        return rects
    area = [(x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in rects]
    heap = []          # (-gain, i, j, union) of each pair worth merging, i before j in the list
    push = heap.append
    for i in range(n - 1):
        ax0, ay0, ax1, ay1 = rects[i]
        area_a = area[i]
        for j in range(i + 1, n):
            bx0, by0, bx1, by1 = rects[j]
            ux0 = ax0 if ax0 <= bx0 else bx0
            uy0 = ay0 if ay0 <= by0 else by0
            ux1 = ax1 if ax1 >= bx1 else bx1
            uy1 = ay1 if ay1 >= by1 else by1
            gain = area_a + area[j] + fixed_px - (ux1 - ux0) * (uy1 - uy0)
            if gain >= 0:
                push((-gain, i, j, (ux0, uy0, ux1, uy1)))
    if not heap:
        return rects
    heapq.heapify(heap)
    alive = dict(enumerate(rects))      # index -> rectangle, in the list's order (merged ones last)
    while heap:
        _, i, j, u = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue
        del alive[i], alive[j]
        k = len(area)
        bx0, by0, bx1, by1 = u
        area_u = (bx1 - bx0) * (by1 - by0)
        area.append(area_u)
        for x, (ax0, ay0, ax1, ay1) in alive.items():
            ux0 = ax0 if ax0 <= bx0 else bx0
            uy0 = ay0 if ay0 <= by0 else by0
            ux1 = ax1 if ax1 >= bx1 else bx1
            uy1 = ay1 if ay1 >= by1 else by1
            gain = area[x] + area_u + fixed_px - (ux1 - ux0) * (uy1 - uy0)
            if gain >= 0:
                heapq.heappush(heap, (-gain, x, k, (ux0, uy0, ux1, uy1)))
        alive[k] = u
    return list(alive.values())


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
        feet = [s.trail_lc, s.markers, s.overlay, s.overlay_text]
        self.parts = {
            # the feet: the slow layers are cached with the region's background, the moving things drawn on it
            "feet": {"bbox": lambda: whole_px(s.ax.bbox), "artists": feet,
                     "path": [s.path_line, s.zone_line], "under": [s.heel_polys, s.discs, s.ring]},
            "cue": {"bbox": lambda: whole_px(s.fig_bbox(s.band_rect)), "artists": [s.band, s.cue, s.hint]},
            "info": {"bbox": lambda: whole_px(s.fig_bbox(s.info_rect)),
                     "artists": [s.counter_label, s.counter_value, s.counter_detail]},
            # the progress bar (a timer, a hold) or the beat: a strip of its own, it changes every frame
            "progress": {"bbox": lambda: whole_px(s.fig_bbox(s.progress_box)),
                         "artists": [s.progress_track, s.progress_fill, s.beat_dots, s.beat_now]},
            # the bar panel: its figures are cached with its background ("bartext"), the bar drawn on it
            "bars": {"bbox": lambda: whole_px(s.bax.bbox), "artists": [s.bar_polys, s.bar_mids, s.bar_goal, s.note],
                     "under": s.bar_text + s.bar_text_b},
        }
        self.animated = [a for r in self.parts.values() for a in r["artists"] + r.get("path", []) + r.get("under", [])]
        for a in self.animated:
            a.set_animated(True)
        self.sig = {}
        self.bg = None
        self.moving_box = None        # where the markers, target and trail were drawn last
        self.path_new = False         # a new target path or zones, for the feet's background at the next frame

    def on_draw(self, event=None) -> None:
        """After a full draw of the figure: cache each region's background (without its
        artists) and draw the artists on it."""
        s = self.scene
        canvas = s.fig.canvas
        if not hasattr(canvas, "copy_from_bbox"):
            return      # a vector picture being saved (PDF, SVG): no pixels to cache; the screen's next draw caches them
        self.bg = {name: canvas.copy_from_bbox(r["bbox"]()) for name, r in self.parts.items()}
        for i in range(len(s.bar_y)):                  # each row of figures, without them
            self.bg[f"bartext{i}"] = canvas.copy_from_bbox(self.text_row_bbox(i))
        self.sig = {}
        self.moving_box = None
        self.path_new = False
        self.cache_under(path=True)
        self.cache_bar_text()
        for name, region in self.parts.items():
            self.draw_artists(region["artists"])

    def draw_artists(self, artists) -> None:
        """Draw ``artists`` on the picture, as ``Figure.draw_artist`` does (``a.draw`` on the
        canvas's renderer), with the renderer looked up once, not once an artist."""
        renderer = self.scene.fig.canvas.get_renderer()
        for a in artists:
            a.draw(renderer)

    def cache_under(self, path: bool = False) -> None:
        """The feet region's background with its slow layers drawn in: the path and zones (when a
        drill starts, ``path``) on the static feet, then the discs and heel bars (at most LOAD_HZ)
        and the ring (at a cue) on those."""
        s = self.scene
        canvas = s.fig.canvas
        bbox = self.parts["feet"]["bbox"]()
        if "feet_static" not in self.bg:
            self.bg["feet_static"] = canvas.copy_from_bbox(bbox)
        if path or "feet_path" not in self.bg:
            canvas.restore_region(self.bg["feet_static"])
            self.draw_artists(self.parts["feet"]["path"])
            self.bg["feet_path"] = canvas.copy_from_bbox(bbox)
        else:
            canvas.restore_region(self.bg["feet_path"])
        self.draw_artists(self.parts["feet"]["under"])
        self.bg["feet"] = canvas.copy_from_bbox(bbox)

    def text_row_bbox(self, i: int):
        from matplotlib.transforms import Bbox, TransformedBbox

        s = self.scene
        y = s.bar_y[i] + s.bar_half
        return whole_px(TransformedBbox(Bbox([[-1, y + 0.06], [101, 1.0]]), s.bax.transData))

    def cache_bar_text(self, rows=None) -> None:
        """The bar panel's background with its figures drawn in (they change at most TEXT_HZ):
        only the rows given (default all) are drawn again."""
        s = self.scene
        canvas = s.fig.canvas
        canvas.restore_region(self.bg["bars"])          # the panel without its bars
        for i in range(len(s.bar_y)) if rows is None else rows:
            canvas.restore_region(self.bg[f"bartext{i}"])
            self.draw_artists((s.bar_text[i], s.bar_text_b[i]))
        self.bg["bars"] = canvas.copy_from_bbox(self.parts["bars"]["bbox"]())

    def moving_sig(self) -> tuple:
        """What the moving layer shows, in whole pixels: each marker's image and place, and the
        trail's vertices rounded to the pixel. The same signature, the same picture (to within a
        pixel's antialiasing and the trail's fading by a frame): the feet are not redrawn."""
        s = self.scene
        places = s.markers.places()
        segs = s.trail_segments
        if len(segs):
            m = s.ax.transData.get_matrix()
            pix = segs.reshape(-1, 2) @ m[:2, :2].T + m[:2, 2]
            self._trail_pix = pix
            trail = np.round(pix).astype(np.int32).tobytes()
        else:
            self._trail_pix = None
            trail = b""
        self._places = places
        return s.markers.signature(places), trail

    def moving_rects(self) -> list:
        """Display rectangles [x0, y0, x1, y1] of the feet region that changed since the last
        frame: where the markers, target and trail are, and where they were (after
        :meth:`moving_sig`)."""
        s = self.scene
        px = s.fig.dpi / 72.0
        rects = [r + (-1, -1, 1, 1) for r in s.markers.boxes(self._places)]       # the markers' exact pixels
        p = self._trail_pix
        if p is not None:
            pad = s.trail_lc.get_linewidth()[0] * px + 2
            rects.append(np.r_[p.min(axis=0) - pad, p.max(axis=0) + pad])
        # the markers are apart (two feet, the body between): each its own box, merged when that pays
        now = [np.array(r) for r in merge_rects(rects)] if rects else []
        out = now + (self.moving_box or [])
        self.moving_box = now
        return self.clip_feet(out)

    def restore_rects(self, bg, rects) -> None:
        """Restore the cached background ``bg`` only within the display rectangles ``rects``
        ([x0, y0, x1, y1], origin bottom left), grown to whole pixels (Agg's rows run from the top;
        its sub-rectangle's far edges are inclusive, so a pixel more may be restored: background
        where nothing moved)."""
        renderer = self.scene.fig.canvas.get_renderer()       # what canvas.restore_region asks, once
        h = int(renderer.height)
        xy = bg.get_extents()[:2]
        for x0, y0, x1, y1 in rects:
            renderer.restore_region(bg, (math.floor(x0), h - math.ceil(y1), math.ceil(x1), h - math.floor(y0)), xy)

    def px_per_mm(self) -> float:
        return abs(float(self.scene.ax.transData.get_matrix()[0, 0]))    # the equal aspect: x's scale

    def disc_px(self) -> tuple:
        """The discs' drawn radii in quarter pixels: a disc is drawn again when this changes."""
        return tuple(np.round(self.scene.disc_r * self.px_per_mm() * 4).tolist())

    def heel_px(self) -> tuple:
        """The heel bars' splits in whole pixels."""
        s = self.scene
        k = s.layout.foot_length_mm * self.px_per_mm() / 100
        return tuple(round(v * k) if np.isfinite(v) else -1 for v in s.heel_values)

    def ring_sig(self) -> tuple:
        r = self.scene.ring
        return (r.get_visible(), tuple(np.round(r.center, 1)), round(r.get_radius(), 1), r.get_facecolor(),
                r.get_linewidth(), str(r.get_linestyle()))

    def disc_rects(self, old: tuple | None, new: tuple) -> list:
        """Display rectangles of the discs whose drawn radius changed."""
        changed = [i for i in range(len(new)) if old is None or old[i] != new[i]]
        if not changed:
            return []
        c = self.scene.ax.transData.transform(self.scene.disc_xy[changed])
        half = DISC_MM * self.px_per_mm() + 2
        return self.clip_feet(list(np.c_[c - half, c + half]))

    def heel_rects(self, old: tuple | None, new: tuple) -> list:
        s = self.scene
        tr = s.ax.transData
        out = []
        for k, foot in enumerate(("left", "right")):
            if old is None or old[k] != new[k]:
                x0, x1 = s.heel_x[foot]
                (a, b), (c, d) = tr.transform([[x0, 0.0], [x1, s.layout.foot_length_mm]])
                out.append(np.array([a - 2, b - 2, c + 2, d + 2]))
        return self.clip_feet(out)

    def ring_rects(self, old) -> list:
        """Where the ring was (``old``: the signature of the last frame) and where it is."""
        s = self.scene
        tr = s.ax.transData
        pad = s.ring.get_linewidth() * s.fig.dpi / 72.0 + 3
        out = []
        for sig in (old, self.ring_sig()):
            if sig and sig[0]:
                (cx, cy), r = sig[1], sig[2]
                (a, b), (c, d) = tr.transform([[cx - r, cy - r], [cx + r, cy + r]])
                out.append(np.array([a - pad, b - pad, c + pad, d + pad]))
        return self.clip_feet(out)

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
        s = self.scene
        tr = s.bax.transData
        rects = []
        for v0, v1, y in zip(old, new, s.bar_y):
            if v0 == v1 or (np.isnan(v0) and np.isnan(v1)):
                continue
            if np.isfinite(v0) and np.isfinite(v1):
                lo, hi = min(v0, v1), max(v0, v1)
            else:                                        # appearing or going: the whole bar
                lo, hi = 0.0, 100.0
            (x0, y0), (x1, y1) = tr.transform([[lo, y - s.bar_half - 0.01], [hi, y + s.bar_half + 0.01]])
            rects.append(np.array([x0 - 2, y0, x1 + 2, y1]))
        return rects

    def signatures(self) -> dict:
        """What each region shows, to compare with the last frame's."""
        s = self.scene
        return {
            "overlay": (s.overlay.get_visible(), s.overlay_text.get_text()),
            "cue": (s.cue.get_text(), s.hint.get_text(), s.band.get_facecolor(), s.cue.get_fontsize()),
            "info": (s.counter_label.get_text(), s.counter_value.get_text(), s.counter_detail.get_text(),
                     s.counter_value.get_fontsize(), s.counter_detail.get_fontsize()),
            "progress": (s.progress_track.get_visible(), round(s.progress_fill.get_width() * s.fig.bbox.width),
                         len(s.beat_dots.get_data(orig=True)[0]),
                         tuple(map(tuple, np.column_stack(s.beat_now.get_data(orig=True)).tolist()))),
            "bars": tuple(s.bar_values),
            "barextra": (tuple(map(tuple, np.column_stack(s.bar_goal.get_data(orig=True)).tolist())), s.note.get_text()),
            "discs": self.disc_px(),
            "heel": self.heel_px(),
            "ring": self.ring_sig(),
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
        if old.get("barextra") != sig["barextra"]:
            old = dict(old, bars=None)
        blits = []
        feet_bg = True                   # the feet's cached background changed: the region is drawn again
        if self.path_new:                # a new path: the feet's cached layers and all the feet
            self.path_new = False
            self.cache_under(path=True)
            blits.append(np.array(self.parts["feet"]["bbox"]().extents))
        elif any(old.get(k) != sig[k] for k in ("discs", "heel", "ring")):
            self.cache_under()
            blits += self.disc_rects(old.get("discs"), sig["discs"])
            if old.get("heel") != sig["heel"]:
                blits += self.heel_rects(old.get("heel"), sig["heel"])
            if old.get("ring") != sig["ring"]:
                blits += self.ring_rects(old.get("ring"))
        else:
            feet_bg = False
        sig["feet"] = self.moving_sig()
        s.markers.frame_places = self._places
        try:
            for name, region in self.parts.items():
                if name == "feet":
                    if not feet_bg and old.get("feet") == sig["feet"] and old.get("overlay") == sig["overlay"]:
                        continue         # nothing in the feet moved a pixel: the window already shows it
                elif old.get(name) == sig.get(name) and not (name == "bars" and old.get("bars") is None):
                    continue
                if name == "feet" and old.get("overlay") == sig["overlay"]:
                    # only where the moving layer was and is: the rest of the picture is the background
                    # already (after cache_under all of it is: it left its new background there)
                    rects = self.moving_rects()
                    if not feet_bg:
                        self.restore_rects(self.bg["feet"], rects)
                    self.draw_artists(region["artists"])
                    blits += rects
                    continue
                canvas.restore_region(self.bg[name])
                self.draw_artists(region["artists"])
                if name == "bars" and not text_changed and old.get("bars") is not None:
                    blits += self.bar_rects(old["bars"], sig["bars"])
                else:
                    blits.append(np.array(region["bbox"]().extents))
                    if name == "feet":
                        self.moving_rects()
        finally:
            s.markers.frame_places = None
        self.sig = sig
        return blits
