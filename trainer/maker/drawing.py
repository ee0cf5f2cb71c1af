"""The template's drawing: primitives in millimetres and the SVG renderer.

A :class:`Drawing` is a list of :class:`Group` s of primitives (:class:`Line`, :class:`Poly`,
:class:`Circle`, :class:`Rect`, :class:`Text`) in millimetres, x to the right and y up (forward
on the mat). Text is set in Helvetica, whose advance widths are tabled here (:func:`text_width`),
so every renderer places it where the drawing says. :func:`render_svg` writes one sheet at true
size (``width="…mm"``, one user unit = 1 mm), for large-format printers, plotters, laser cutters
and Inkscape; the tiled PDF is :mod:`trainer.maker.pdf`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.3
    dash: tuple[float, ...] | None = None
    gray: float = 0.0


@dataclass(frozen=True)
class Poly:
    points: tuple[tuple[float, float], ...]
    closed: bool = True
    width: float = 0.5
    fill: float | None = None  # gray level 0 (black) .. 1 (white), None = no fill


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    width: float = 0.3
    dash: tuple[float, ...] | None = None
    fill: float | None = None


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: float | None = None
    width: float = 0.0  # 0 = no outline


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 3.0  # mm (em size)
    anchor: str = "start"  # start | middle | end
    bold: bool = False


@dataclass
class Group:
    """Primitives that belong together; ``tag``/``props`` become PDF marked content and SVG ids."""

    tag: str
    items: list = field(default_factory=list)
    props: dict = field(default_factory=dict)


@dataclass
class Drawing:
    title: str
    groups: list[Group]

    def bounds(self, pad: float = 2.0) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in mm of everything drawn, plus ``pad``."""
        xs, ys = [], []
        for g in self.groups:
            for it in g.items:
                bx0, by0, bx1, by1 = _bbox(it)
                xs += [bx0, bx1]
                ys += [by0, by1]
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad

    def group(self, tag: str) -> Group:
        return next(g for g in self.groups if g.tag == tag)


def _bbox(it):
    if isinstance(it, Line):
        h = it.width / 2
        return min(it.x1, it.x2) - h, min(it.y1, it.y2) - h, max(it.x1, it.x2) + h, max(it.y1, it.y2) + h
    if isinstance(it, Poly):
        xs = [p[0] for p in it.points]
        ys = [p[1] for p in it.points]
        h = it.width / 2
        return min(xs) - h, min(ys) - h, max(xs) + h, max(ys) + h
    if isinstance(it, Circle):
        r = it.r + it.width / 2
        return it.cx - r, it.cy - r, it.cx + r, it.cy + r
    if isinstance(it, Rect):
        return it.x, it.y, it.x + it.w, it.y + it.h
    if isinstance(it, Text):
        w = text_width(it.text, it.size, it.bold)
        x0 = it.x - {"start": 0, "middle": w / 2, "end": w}[it.anchor]
        return x0, it.y - 0.22 * it.size, x0 + w, it.y + 0.75 * it.size
    raise TypeError(it)


# Helvetica / Helvetica-Bold advance widths (1/1000 em) for ASCII 32..126, from the Adobe AFMs.
_HELV = (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
         556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
         611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
         667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
         222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
_HELV_BOLD = (278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
              556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
              722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
              667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
              611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
              500, 389, 280, 389, 584)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in mm of ``text`` set in Helvetica at ``size`` mm (unknown characters as 'n')."""
    table = _HELV_BOLD if bold else _HELV
    return sum(table[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text) * size / 1000



# -- SVG -----------------------------------------------------------------------------------------
def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _f(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def render_svg(drawing: Drawing) -> str:
    """One sheet at true size: ``width``/``height`` in mm and a viewBox of the same numbers."""
    bx0, by0, bx1, by1 = drawing.bounds()
    w, h = bx1 - bx0, by1 - by0

    def X(x):
        return _f(x - bx0)

    def Y(y):
        return _f(by1 - y)  # SVG's y runs down the page; the layout's runs forward

    def stroke(width, dash=None, gray=0.0):
        g = round(255 * gray)
        s = f'stroke="rgb({g},{g},{g})" stroke-width="{_f(width)}"'
        return s + (f' stroke-dasharray="{" ".join(_f(d) for d in dash)}"' if dash else "")

    def fill(gray):
        if gray is None:
            return 'fill="none"'
        g = round(255 * gray)
        return f'fill="rgb({g},{g},{g})"'

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_f(w)}mm" height="{_f(h)}mm" '
           f'viewBox="0 0 {_f(w)} {_f(h)}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{_esc(drawing.title)}</title>",
           "<desc>1 user unit = 1 mm. Print at 100 % (actual size); the scale bar must measure 100 mm.</desc>",
           f'<rect x="0" y="0" width="{_f(w)}" height="{_f(h)}" fill="white"/>']
    for g in drawing.groups:
        gid = g.tag if not g.props.get("Name") else f"{g.tag}-{g.props['Name']}"
        attrs = "".join(f' data-{k.lower()}="{_esc(str(v))}"' for k, v in g.props.items())
        out.append(f'<g id="{_esc(gid)}"{attrs}>')
        for it in g.items:
            if isinstance(it, Line):
                out.append(f'<line x1="{X(it.x1)}" y1="{Y(it.y1)}" x2="{X(it.x2)}" y2="{Y(it.y2)}" '
                           f'{stroke(it.width, it.dash, it.gray)}/>')
            elif isinstance(it, Poly):
                pts = " ".join(f"{X(x)},{Y(y)}" for x, y in it.points)
                tag = "polygon" if it.closed else "polyline"
                out.append(f'<{tag} points="{pts}" {fill(it.fill)} {stroke(it.width)} stroke-linejoin="round"/>')
            elif isinstance(it, Circle):
                out.append(f'<circle cx="{X(it.cx)}" cy="{Y(it.cy)}" r="{_f(it.r)}" {fill(it.fill)} '
                           f'{stroke(it.width, it.dash)}/>')
            elif isinstance(it, Rect):
                s = stroke(it.width) if it.width else 'stroke="none"'
                out.append(f'<rect x="{X(it.x)}" y="{Y(it.y + it.h)}" width="{_f(it.w)}" height="{_f(it.h)}" '
                           f'{fill(it.fill)} {s}/>')
            elif isinstance(it, Text):
                weight = ' font-weight="bold"' if it.bold else ""
                out.append(f'<text x="{X(it.x)}" y="{Y(it.y)}" font-size="{_f(it.size)}" '
                           f'text-anchor="{it.anchor}"{weight}>{_esc(it.text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"

