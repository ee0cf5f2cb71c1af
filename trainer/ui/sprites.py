"""The live view's moving markers as one artist that pastes their images.

matplotlib's Agg renderer draws a marker by rasterising its outline once and stamping it at
whole pixels (the marker's position rounded to the pixel grid), so a marker of a given style
looks the same wherever it is drawn. :func:`sprite_layer_class` makes an artist that draws a
list of ``Line2D`` markers (the view's target ring, the feet's dots, the CoP dot) the same way,
with the rasterising done once per style and size: each marker's image (a *sprite*, drawn by
matplotlib itself on a small scratch canvas) is kept and pasted at the marker's whole-pixel
place (~0.02 ms instead of ~0.15 ms a ``Line2D`` draw). The image is matplotlib's own to a
level of 255 where an antialiased edge's alpha is rounded twice (tests/trainer/ui/test_view.py).

The lines stay the view's model (``set_data``, ``set_markersize``, colours) but are not in the
figure: the layer draws them, in its list's order. :meth:`places` says where each marker is, in
whole pixels, and :meth:`boxes` which pixels they cover: what a frame compares and copies.

matplotlib is imported only when the class is first asked for.
"""
from __future__ import annotations

import collections
import math

import numpy as np

_LAYER_CLASS = None
SPRITES_MAX = 600         # marker images kept (a foot's dot changes size with its share: ~8 kB each)


def sprite_layer_class():
    global _LAYER_CLASS
    if _LAYER_CLASS is not None:
        return _LAYER_CLASS
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.transforms import IdentityTransform

    class SpriteLayer(Artist):
        """Draws ``lines``' markers (no line) from kept images, in order."""

        sprites: dict = {}

        def __init__(self, lines, zorder: float = 5.0):
            super().__init__()
            self.set_zorder(zorder)
            self.lines = list(lines)
            self.frame_places = None     # the places of the frame being drawn (trainer.ui.blit.Regions)
            self.pinned = collections.deque(maxlen=4)    # the sprites the last signatures name

        @staticmethod
        def style(line, dpi) -> tuple:
            mfc, mec = line.get_markerfacecolor(), line.get_markeredgecolor()
            if not isinstance(mfc, (str, tuple)):
                mfc = to_rgba(mfc)
            if not isinstance(mec, (str, tuple)):
                mec = to_rgba(mec)
            return (str(line.get_marker()), round(float(line.get_markersize()), 3),
                    round(float(line.get_markeredgewidth()), 3), mfc, mec, line.get_alpha(),
                    bool(line.get_antialiased()), dpi)

        def sprite(self, line, dpi):
            """(image bottom row first, column offset, top-row offset) of ``line``'s marker
            from its whole-pixel anchor; None when it draws nothing."""
            key = self.style(line, dpi)
            hit = self.sprites.get(key, False)
            if hit is not False:
                return hit
            px = dpi / 72.0
            half = int(math.ceil((line.get_markersize() + 2 * line.get_markeredgewidth()) * px / 2)) + 4
            size = 2 * half + 2
            scratch = RendererAgg(size, size, dpi)
            shadow = Line2D([half], [half])
            shadow.update_from(line)
            shadow.set_linestyle("none")
            shadow.set_transform(IdentityTransform())
            shadow.set_clip_on(False)
            shadow.set_animated(False)
            shadow.set_visible(True)
            shadow.draw(scratch)
            buf = np.asarray(scratch.buffer_rgba())
            alpha = buf[:, :, 3]
            rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
            if not rows.size:
                hit = None
            else:
                r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                img = buf[r0:r1, c0:c1][::-1].copy()
                # the anchor on the scratch canvas: column half, row (from the top) size - half
                hit = (img, int(c0 - half), int(r0 - (size - half)))
            if len(self.sprites) >= SPRITES_MAX:
                self.sprites.pop(next(iter(self.sprites)))
            self.sprites[key] = hit
            return hit

        def places(self, height=None) -> list:
            """Per line: (its sprite, [(column, top row) of each marker]) in whole pixels. While
            :attr:`frame_places` is set (a frame being drawn) it is the answer."""
            if self.frame_places is not None:
                return self.frame_places
            fig = self.figure
            dpi = fig.dpi
            h = fig.bbox.height if height is None else height
            out = []
            affine = {}
            for line in self.lines:
                if not line.get_visible():
                    out.append((None, []))
                    continue
                xs, ys = line.get_data(orig=True)
                if not len(xs):
                    out.append((None, []))
                    continue
                spr = self.sprite(line, dpi)
                tr = line.get_transform()
                if tr.is_affine:             # the feet's axes, the figure: one matrix a frame
                    m = affine.get(id(tr))
                    if m is None:
                        m = affine[id(tr)] = tr.get_matrix()
                    (a, b, c), (d, e, f) = m[0].tolist(), m[1].tolist()
                    pts = [(a * x + b * y + c, d * x + e * y + f) for x, y in zip(map(float, xs), map(float, ys))]
                else:
                    pts = tr.transform(np.column_stack([xs, ys]).astype(float)).tolist()
                anchors = [(math.floor(x + 0.5), math.floor(h - y + 0.5)) for x, y in pts
                           if math.isfinite(x) and math.isfinite(y)]
                out.append((spr, anchors))
            return out

        def boxes(self, places=None) -> list:
            """Display rectangles [x0, y0, x1, y1] (origin bottom left) the markers cover."""
            h = self.figure.bbox.height
            out = []
            for spr, anchors in self.places() if places is None else places:
                if spr is None:
                    continue
                img, dc, dr = spr
                n, w = img.shape[:2]
                for col, row in anchors:
                    top = row + dr
                    out.append(np.array([col + dc, h - top - n, col + dc + w, h - top], float))
            return out

        def signature(self, places=None) -> tuple:
            """What the layer shows, in whole pixels: the same signature, the same pixels. A
            sprite is named by its image's id(); the images of the last few signatures are kept
            alive here (:attr:`pinned`), so a sprite evicted from the cache cannot be freed and its
            id handed to a new image while a signature that names it may still be compared."""
            places = self.places() if places is None else places
            self.pinned.append([spr for spr, _ in places if spr is not None])
            return tuple((None if spr is None else id(spr[0]), tuple(anchors)) for spr, anchors in places)

        def draw(self, renderer):
            if not self.get_visible():
                return
            if not isinstance(renderer, RendererAgg):      # vector output (PDF, SVG): the lines themselves
                for line in self.lines:
                    line.draw(renderer)
                self.stale = False
                return
            h = renderer.height
            for line, (spr, anchors) in zip(self.lines, self.places(h)):
                if spr is None or not anchors:
                    continue
                img, dc, dr = spr
                n = img.shape[0]
                gc = renderer.new_gc()
                line._set_gc_clip(gc)          # as the line clips itself (the feet's axes)
                for col, row in anchors:
                    renderer.draw_image(gc, col + dc, h - (row + dr) - n, img)
                gc.restore()
            self.stale = False

    _LAYER_CLASS = SpriteLayer
    return SpriteLayer


_LEAN = {}


def lean_collection_class(base=None):
    """``base`` (a matplotlib collection class; default ``Collection`` itself, as a mixin) drawn
    on the Agg canvas by the one ``draw_path_collection`` call that ``Collection.draw`` ends with,
    with the same arguments, so the same pixels, without the rest of that method's work for cases
    the view's collections never are: no colour map, hatch, sketch, path effects, gap colour,
    units, masked offsets or non-affine transforms (``Collection.draw`` also calls the renderer a
    first time with no paths, to learn whether it takes hatch colours). The class's own steps
    before it (a ``PolyCollection``'s sizes, an ``EllipseCollection``'s transforms) stay
    matplotlib's: the lean step sits just above ``Collection`` in the class order. Anything else
    (a single path, which ``Collection.draw`` stamps as a marker; vector output; a matplotlib
    without these attributes) is drawn by ``Collection.draw`` itself. The trail ~160 -> ~55 us a
    frame; the heel bars, discs and load bar ~80 -> ~30 us each at LOAD_HZ."""
    key = base
    if key in _LEAN:
        return _LEAN[key]
    from matplotlib.artist import allow_rasterization
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.collections import Collection

    # Collection.draw without its rasterization wrapper (the lean draw has its own)
    collection_draw = getattr(Collection.draw, "__wrapped__", Collection.draw)

    if base is None:
        class LeanCollection(Collection):
            lean = True          # False once the direct call failed: Collection.draw from then on

            def _lean_ok(self, renderer, paths, offsets) -> bool:
                n = len(paths)
                return (self.lean and isinstance(renderer, RendererAgg) and n > 0
                        and not (n == 1 and len(self.get_transforms()) <= 1)
                        and self._A is None and not self._hatch and self._gapcolor is None
                        and self.get_sketch_params() is None and not self.get_path_effects()
                        and not self.have_units() and not isinstance(offsets, np.ma.MaskedArray)
                        and len(offsets) > 0 and self.get_transform().is_affine
                        and self.get_offset_transform().is_affine)

            @allow_rasterization
            def draw(self, renderer):
                if not self.get_visible():
                    return
                paths = self.get_paths()
                offsets = self.get_offsets()
                try:
                    ok = self._lean_ok(renderer, paths, offsets)
                except AttributeError:
                    ok = False
                if not ok:
                    return collection_draw(self, renderer)
                gc = renderer.new_gc()
                try:
                    self._set_gc_clip(gc)
                    gc.set_snap(self.get_snap())
                    if self._joinstyle:
                        gc.set_joinstyle(self._joinstyle)
                    if self._capstyle:
                        gc.set_capstyle(self._capstyle)
                    renderer.draw_path_collection(
                        gc, self.get_transform().frozen(), paths, self.get_transforms(), offsets,
                        self.get_offset_transform(), self.get_facecolor(), self.get_edgecolor(), self._linewidths,
                        self._linestyles, self._antialiaseds, self._urls, "screen", hatchcolors=self.get_hatchcolor())
                except (AttributeError, TypeError):       # another matplotlib: as it draws a collection
                    type(self).lean = False
                    gc.restore()
                    return collection_draw(self, renderer)
                gc.restore()
                self.stale = False

        cls = LeanCollection
    else:
        cls = type("Lean" + base.__name__, (base, lean_collection_class()), {"__module__": __name__})
    _LEAN[key] = cls
    return cls


_TRAIL_CLASS = None


def trail_collection_class():
    """A ``LineCollection`` of two-point segments (the CoP's trail) that keeps its ``Path``
    objects and writes each frame's segments into them instead of making new ones (~40 -> ~8 us
    a frame), drawn on Agg as :func:`lean_collection_class` draws (one segment: as matplotlib
    does, stamped as a marker)."""
    global _TRAIL_CLASS
    if _TRAIL_CLASS is not None:
        return _TRAIL_CLASS
    from matplotlib.collections import LineCollection
    from matplotlib.path import Path

    class TrailCollection(LineCollection, lean_collection_class()):
        def set_segments(self, segments):
            if segments is None:
                return
            segs = None if isinstance(segments, np.ma.MaskedArray) else np.asarray(segments, float)
            if segs is None or segs.ndim != 3 or segs.shape[1:] != (2, 2):
                return super().set_segments(segments)       # anything else: as matplotlib does
            pool = self.__dict__.setdefault("_pool", [])
            while len(pool) < len(segs):
                pool.append(Path(np.zeros((2, 2))))
            for path, seg in zip(pool, segs):
                path.vertices[...] = seg
            self._paths = pool[:len(segs)]
            self.stale = True

        set_verts = set_segments
        set_paths = set_segments

    _TRAIL_CLASS = TrailCollection
    return TrailCollection
