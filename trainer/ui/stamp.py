"""Text that keeps its rendered image: matplotlib lays out and rasterises a string glyph by glyph
on every draw (1–5 ms, the dearest part of a frame that changes a figure or a cue); a
:func:`stamp_text_class` Text does it once per string, style and sub-pixel position, and then
pastes the image (~0.02 ms).

matplotlib is imported only when the class is first asked for.
"""
from __future__ import annotations

import math

import numpy as np

_STAMP_CLASS = None
STAMPS_MAX = 400          # rendered strings kept (a bar figure ~10 kB, a cue ~100 kB)


def stamp_text_class():
    """The ``Text`` subclass that keeps what it rendered; its image is a plain Text's to a level
    or two of 255 where a glyph edge's alpha is rounded twice (tests/trainer/ui/test_view.py)."""
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
