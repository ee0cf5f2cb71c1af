"""The printable 1:1 sensor-placement template of a layout (``footmat template``).

One drawing in millimetres (x to the right, y forward, origin midway between the backs of the
heels, as in the layout) holds the foot outlines, each sensor's disc with its name and channel,
the heel stop and a 100 mm scale bar. Two renderers turn it into files:

* :func:`render_svg` — one sheet at true size (``width="…mm"``, one user unit = 1 mm), for
  large-format printers, plotters, laser cutters and Inkscape;
* :func:`render_pdf` — pages of A4, letter or A3 at exact physical size. When the drawing does
  not fit one page it is tiled with ``OVERLAP_MM`` of overlap; registration marks in every
  overlap and a frame around every page's image tell how to trim and tape the sheets together.
  The PDF asks viewers to print without scaling (``/PrintScaling /None``).

The PDF is written directly (PDF 1.6, standard Helvetica, no dependencies) so that its geometry
is exactly what this module says; the scale bar and each sensor are marked content
(``/ScaleBar``, ``/Sensor``) so a test can find them and measure them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

PT_PER_MM = 72 / 25.4
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a3": (297.0, 420.0)}
MARGIN_MM = 6.35  # most printers cannot print the outer 3-6 mm of a sheet
FOOTER_MM = 5.0  # band above the bottom margin for the page's own notes
OVERLAP_MM = 15.0
SCALE_BAR_MM = 100.0
FSR_ACTIVE_D_MM = 12.7  # FSR 402 active area (HARDWARE.md)
FSR_BODY_D_MM = 18.3  # FSR 402 outline, approximate

# Reference right foot, 260 mm long, heel centre at x = 85 mm: a smooth closed curve through
# these points (a foot outline, not a footprint: it includes the arch). Medial side is -x.
_REF_FOOT = [
    (85, 0), (104, 5), (117, 18), (121, 45), (124, 80), (128, 115), (133, 145), (137, 165),
    (135, 186), (128, 204), (120, 219), (108, 233), (93, 245), (78, 254), (64, 260), (52, 257),
    (45, 246), (42, 226), (42, 196), (46, 160), (53, 120), (55, 85), (55, 55), (57, 28), (66, 5),
]
_REF_LENGTH = 260.0
_REF_HEEL_X = 85.0


# -- the drawing ---------------------------------------------------------------------------------
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


def foot_outline(foot_length_mm: float, heel_x_mm: float, side: str, samples: int = 10):
    """A foot outline (closed polygon, mm) of the given length with its heel centre at ``heel_x_mm``.

    The reference outline is scaled about its heel centre by ``foot_length_mm / 260`` — as
    ``reference_layout`` scales the sensors — and mirrored for the left foot. The back of the
    heel is at y = 0.
    """
    k = foot_length_mm / _REF_LENGTH
    sign = -1.0 if side == "left" else 1.0
    pts = [(sign * (abs(heel_x_mm) + (x - _REF_HEEL_X) * k), y * k) for x, y in _REF_FOOT]
    return tuple(_catmull_rom_closed(pts, samples))


def min_stance_mm(foot_length_mm: float) -> float:
    """The narrowest heel-centre distance (mm) at which two feet of this length just touch.

    Measured on the drawn outline (feet together, the inner edges at the balls touching); a
    narrower stance would put the feet on top of each other.
    """
    right = foot_outline(foot_length_mm, _REF_HEEL_X, "right")
    return 2 * (_REF_HEEL_X - min(x for x, _ in right))


def _catmull_rom_closed(pts, samples):
    n = len(pts)
    out = []
    for i in range(n):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[(i + 1) % n], pts[(i + 2) % n]
        for j in range(samples):
            t = j / samples
            t2, t3 = t * t, t * t * t
            out.append(tuple(round(0.5 * (2 * p1[a] + (-p0[a] + p2[a]) * t + (2 * p0[a] - 5 * p1[a] + 4 * p2[a] - p3[a]) * t2
                                          + (-p0[a] + 3 * p1[a] - 3 * p2[a] + p3[a]) * t3), 3) for a in (0, 1)))
    return out


def _heel_x(layout, foot: str) -> float:
    """x of the foot's heel centre: its heel sensor, else its sensors' mean shifted like the reference."""
    sensors = [s for s in layout.sensors if s.foot == foot]
    heel = [s.x_mm for s in sensors if s.zone == "heel"]
    if heel:
        return sum(heel) / len(heel)
    k = layout.foot_length_mm / _REF_LENGTH
    mean = sum(s.x_mm for s in sensors) / len(sensors)
    return mean + (13.0 * k if foot == "right" else -13.0 * k)


def build_drawing(layout) -> Drawing:
    """The template of ``layout`` as a :class:`Drawing` in layout millimetres."""
    L = layout.foot_length_mm
    groups: list[Group] = []

    feet = Group("Feet")
    axis = {}
    for foot in ("left", "right"):
        hx = _heel_x(layout, foot)
        axis[foot] = hx
        feet.items.append(Poly(foot_outline(L, hx, foot), width=0.6))
        feet.items.append(Text(hx, 0.42 * L, foot.upper(), 7.0, "middle", bold=True))
    groups.append(feet)

    for s in layout.sensors:
        g = Group("Sensor", props={"Name": s.name, "Channel": s.channel})
        g.items += [Circle(s.x_mm, s.y_mm, FSR_BODY_D_MM / 2, 0.25, dash=(1.2, 0.8)),
                    Circle(s.x_mm, s.y_mm, FSR_ACTIVE_D_MM / 2, 0.45),
                    Line(s.x_mm - 3, s.y_mm, s.x_mm + 3, s.y_mm, 0.2),
                    Line(s.x_mm, s.y_mm - 3, s.x_mm, s.y_mm + 3, 0.2)]
        # label towards the middle of the foot, so it stays on it: the heel, ball and toe sensors
        # sit medially (label on their lateral side), the outer ball laterally (label medially)
        lateral = (s.x_mm - axis[s.foot]) * (1 if s.foot == "right" else -1) > 10
        to_right = (s.foot == "right") != lateral
        dx = FSR_BODY_D_MM / 2 + 1.5
        x = s.x_mm + dx if to_right else s.x_mm - dx
        anchor = "start" if to_right else "end"
        g.items += [Text(x, s.y_mm + 0.6, s.name, 3.0, anchor, bold=True),
                    Text(x, s.y_mm - 3.4, s.channel, 2.8, anchor)]
        groups.append(g)

    x0, _, x1, _ = Drawing("", [feet]).bounds(pad=0)
    stop = Group("HeelStop")
    stop.items += [Rect(x0, -10, x1 - x0, 10, fill=0.85),
                   Line(x0, 0, x1, 0, 0.8),
                   Text(x0 + 3, -6.5, "HEEL STOP: glue the stop strip here; the backs of both heels touch this line",
                        2.8, "start"),
                   Text(x1 - 3, -6.5, "HEEL STOP", 2.8, "end", bold=True),
                   Line(0, -10, 0, 4, 0.3), Text(1.2, 1.2, "mid-line", 2.2)]
    groups.append(stop)

    bar_x, bar_y = x0, -22.0
    bar = Group("ScaleBar")
    bar.items.append(Line(bar_x, bar_y, bar_x + SCALE_BAR_MM, bar_y, 0.5))
    for i in range(11):
        h = 4.0 if i in (0, 10) else (2.5 if i == 5 else 1.5)
        bar.items.append(Line(bar_x + 10 * i, bar_y, bar_x + 10 * i, bar_y + h, 0.3))
    bar.items += [Text(bar_x + SCALE_BAR_MM / 2, bar_y - 4.5, "100 mm", 3.2, "middle", bold=True),
                  Text(bar_x, bar_y - 9.5, "Measure this bar. If it is not 100 mm, print again at 100 % (Actual size).",
                       2.6)]
    groups.append(bar)

    info = Group("Info")
    adc = {"ads1115": "ADS1115", "mcp3008": "MCP3008"}[layout.adc.type]
    heels = sorted(axis.values())
    lines = [(f"footmat template: {layout.name}", 3.6, True),
             (f"foot {L:g} mm, heel centres {heels[1] - heels[0]:.0f} mm apart", 2.8, False),
             (f"{len(layout.sensors)} x FSR 402 ({FSR_ACTIVE_D_MM:g} mm active area, solid circle), {adc}", 2.8, False),
             ("x to the right, y forward, mm from the mid-line at the heel stop", 2.8, False)]
    widest = max(text_width(t, size, bold) for t, size, bold in lines)
    # right of the scale bar when there is room, else under it (small feet, narrow stance)
    y = -17.0 if x1 - widest > bar_x + SCALE_BAR_MM + 8 else bar_y - 16.0
    for text, size, bold in lines:
        info.items.append(Text(x1, y, text, size, "end", bold))
        y -= size + 1.6
    groups.append(info)
    return Drawing(f"footmat template {layout.name}", groups)


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


# -- tiling --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TilePlan:
    """How a drawing is laid out on pages. All lengths in mm; origins in drawing coordinates."""

    paper: str
    landscape: bool
    page_w: float
    page_h: float
    content_w: float
    content_h: float
    cols: int
    rows: int
    xs: tuple[float, ...]  # drawing x at the left edge of each column's image
    ys: tuple[float, ...]  # drawing y at the bottom edge of each row's image (row 0 = heel end)
    overlap: float

    @property
    def pages(self) -> int:
        return self.cols * self.rows

    def tiles(self):
        """(page number from 1, row, col, x0, y0), page 1 at the heel-stop end, left to right."""
        n = 0
        for r in range(self.rows):
            for c in range(self.cols):
                n += 1
                yield n, r, c, self.xs[c], self.ys[r]


def _count(extent: float, avail: float, overlap: float) -> int:
    if extent <= avail:
        return 1
    return math.ceil((extent - overlap) / (avail - overlap))


def plan_tiles(bounds, paper: str, overlap: float = OVERLAP_MM, margin: float = MARGIN_MM,
               first_page=None) -> TilePlan:
    """The fewest pages of ``paper`` (portrait or landscape) that hold ``bounds`` at 1:1.

    The drawing is centred on the pages, but never so far that ``first_page`` (a box in drawing
    mm, the scale bar) leaves page 1: that is the page to print and measure first.
    """
    bx0, by0, bx1, by1 = bounds
    W, H = bx1 - bx0, by1 - by0
    pw, ph = PAPER_MM[paper]
    best = None
    for landscape in (False, True):
        w, h = (ph, pw) if landscape else (pw, ph)
        cw, ch = w - 2 * margin, h - 2 * margin - FOOTER_MM
        cols, rows = _count(W, cw, overlap), _count(H, ch, overlap)
        if best is None or cols * rows < best[0]:
            best = (cols * rows, landscape, w, h, cw, ch, cols, rows)
    _, landscape, w, h, cw, ch, cols, rows = best
    slack_x = (cw + (cols - 1) * (cw - overlap) - W) / 2
    slack_y = (ch + (rows - 1) * (ch - overlap) - H) / 2
    if first_page is not None and cols * rows > 1:
        fx0, fy0, fx1, fy1 = first_page
        slack_x = max(0.0, min(slack_x, cw - (fx1 - bx0) - 1))
        slack_y = max(0.0, min(slack_y, ch - (fy1 - by0) - 1))
    x_start, y_start = bx0 - slack_x, by0 - slack_y
    xs = tuple(x_start + c * (cw - overlap) for c in range(cols))
    ys = tuple(y_start + r * (ch - overlap) for r in range(rows))
    return TilePlan(paper, landscape, w, h, cw, ch, cols, rows, xs, ys, overlap if cols * rows > 1 else 0.0)


def registration_marks(plan: TilePlan) -> list[tuple[float, float]]:
    """Centres (drawing mm) of the marks in every overlap, each printed on both sheets that share it."""
    marks = []
    for c in range(1, plan.cols):
        x = plan.xs[c] + plan.overlap / 2
        for r in range(plan.rows):
            marks += [(x, plan.ys[r] + plan.content_h * f) for f in (0.25, 0.75)]
    for r in range(1, plan.rows):
        y = plan.ys[r] + plan.overlap / 2
        for c in range(plan.cols):
            marks += [(plan.xs[c] + plan.content_w * f, y) for f in (0.25, 0.75)]
    return marks


def _mark_items(x: float, y: float) -> list:
    return [Circle(x, y, 2.5, 0.25), Line(x - 4.5, y, x + 4.5, y, 0.25), Line(x, y - 4.5, x, y + 4.5, 0.25)]


# -- PDF -----------------------------------------------------------------------------------------
def _pdf_str(s: str) -> str:
    s = s.encode("ascii", "replace").decode("ascii")
    return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _n(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _pdf_items(items) -> list[str]:
    ops = []
    for it in items:
        if isinstance(it, Line):
            ops.append(f"{_n(it.gray)} G {_n(it.width)} w " + (f"[{' '.join(_n(d) for d in it.dash)}] 0 d " if it.dash else "[] 0 d ")
                       + f"{_n(it.x1)} {_n(it.y1)} m {_n(it.x2)} {_n(it.y2)} l S")
        elif isinstance(it, Poly):
            path = f"{_n(it.points[0][0])} {_n(it.points[0][1])} m " + " ".join(
                f"{_n(x)} {_n(y)} l" for x, y in it.points[1:])
            paint = ("b" if it.fill is not None else "s") if it.closed else "S"
            f = f"{_n(it.fill)} g " if it.fill is not None else ""
            ops.append(f"0 G {f}{_n(it.width)} w [] 0 d 1 j {path} {paint} 0 j")
        elif isinstance(it, Circle):
            k = 0.5522847498 * it.r
            cx, cy, r = it.cx, it.cy, it.r
            path = (f"{_n(cx + r)} {_n(cy)} m "
                    f"{_n(cx + r)} {_n(cy + k)} {_n(cx + k)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} c "
                    f"{_n(cx - k)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k)} {_n(cx - r)} {_n(cy)} c "
                    f"{_n(cx - r)} {_n(cy - k)} {_n(cx - k)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} c "
                    f"{_n(cx + k)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k)} {_n(cx + r)} {_n(cy)} c")
            dash = f"[{' '.join(_n(d) for d in it.dash)}] 0 d" if it.dash else "[] 0 d"
            f = f"{_n(it.fill)} g " if it.fill is not None else ""
            ops.append(f"0 G {f}{_n(it.width)} w {dash} {path} {'b' if it.fill is not None else 's'}")
        elif isinstance(it, Rect):
            paint = "B" if it.width and it.fill is not None else ("S" if it.width else "f")
            f = f"{_n(it.fill)} g " if it.fill is not None else ""
            ops.append(f"0 G {f}{_n(it.width or 0.1)} w [] 0 d {_n(it.x)} {_n(it.y)} {_n(it.w)} {_n(it.h)} re {paint}")
        elif isinstance(it, Text):
            w = text_width(it.text, it.size, it.bold)
            x = it.x - {"start": 0, "middle": w / 2, "end": w}[it.anchor]
            font = "F2" if it.bold else "F1"
            ops.append(f"0 g BT /{font} {_n(it.size)} Tf {_n(x)} {_n(it.y)} Td {_pdf_str(it.text)} Tj ET")
    return ops


def _pdf_group(g: Group) -> list[str]:
    if g.props:
        props = " ".join(f"/{k} {_pdf_str(str(v))}" for k, v in g.props.items())
        head = f"/{g.tag} << {props} >> BDC"
    else:
        head = f"/{g.tag} BMC"
    return [head, *_pdf_items(g.items), "EMC"]


def render_pdf(drawing: Drawing, paper: str = "a4", overlap: float = OVERLAP_MM) -> tuple[bytes, TilePlan]:
    """The drawing at 1:1 on pages of ``paper``, tiled when needed. Returns (PDF bytes, plan)."""
    if paper not in PAPER_MM:
        raise ValueError(f"paper must be one of {', '.join(PAPER_MM)}")
    bar = Drawing("", [g for g in drawing.groups if g.tag == "ScaleBar"])
    plan = plan_tiles(drawing.bounds(), paper, overlap, first_page=bar.bounds(pad=0) if bar.groups else None)
    marks = registration_marks(plan)
    bar_page = 1
    streams = []
    for page, r, c, x0, y0 in plan.tiles():
        ox, oy = MARGIN_MM, MARGIN_MM + FOOTER_MM  # page mm of the image's bottom-left corner
        ops = [f"q {PT_PER_MM:.12f} 0 0 {PT_PER_MM:.12f} 0 0 cm",  # 1 unit = 1 mm from here on
               "q", f"1 0 0 1 {_n(ox - x0)} {_n(oy - y0)} cm",  # drawing mm -> page mm
               f"{_n(x0)} {_n(y0)} {_n(plan.content_w)} {_n(plan.content_h)} re W n"]
        for g in drawing.groups:
            ops += _pdf_group(g)
        if marks:
            ops += ["/Registration BMC", *_pdf_items([i for x, y in marks for i in _mark_items(x, y)]), "EMC"]
            # where the neighbours' images begin: lay their trimmed edges on these dashed lines
            guides = []
            if c + 1 < plan.cols:
                xe = plan.xs[c + 1]
                guides.append(Line(xe, y0, xe, y0 + plan.content_h, 0.2, (2, 1.5), 0.4))
            if r + 1 < plan.rows:
                ye = plan.ys[r + 1]
                guides.append(Line(x0, ye, x0 + plan.content_w, ye, 0.2, (2, 1.5), 0.4))
            ops += _pdf_items(guides)
        ops.append("Q")
        # page furniture, in page mm: the image frame (the trim line) and the footer
        if plan.pages > 1:
            ops += _pdf_items([Rect(ox, oy, plan.content_w, plan.content_h, None, 0.15)])
            trim = [side for side, has in (("left", c > 0), ("bottom", r > 0)) if has]
            how = (f"Trim the {' and '.join(trim)} edge on the frame line and lay it on the neighbouring sheet's "
                   "dashed line, + marks over + marks. " if trim else "")
            footer = (f"{drawing.title} - sheet {page} of {plan.pages} (row {r + 1} of {plan.rows} from the heel stop, "
                      f"column {c + 1} of {plan.cols}). {how}Print at 100 % (Actual size); "
                      f"the 100 mm scale bar is on sheet {bar_page}.")
        else:
            footer = f"{drawing.title} - print at 100 % (Actual size); the scale bar must measure 100 mm."
        size = 2.4
        while text_width(footer, size) > plan.page_w - 2 * MARGIN_MM and size > 1.2:
            size -= 0.1
        ops += _pdf_items([Text(MARGIN_MM, MARGIN_MM + 1.2, footer, size)])
        ops.append("Q")
        streams.append("\n".join(ops).encode("ascii"))
    return _assemble_pdf(streams, plan, drawing.title), plan


def _assemble_pdf(streams: list[bytes], plan: TilePlan, title: str) -> bytes:
    w_pt, h_pt = plan.page_w * PT_PER_MM, plan.page_h * PT_PER_MM
    n = len(streams)
    # objects: 1 catalog, 2 pages, 3 font, 4 bold font, 5 info, then (page, content) pairs
    objs: list[bytes] = [b""] * (5 + 2 * n)
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(n))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /PrintScaling /None >> >>"
    objs[1] = f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode()
    objs[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    objs[4] = f"<< /Title {_pdf_str(title)} /Creator (footmat) /Producer (footmat trainer.maker.template) >>".encode()
    for i, data in enumerate(streams):
        objs[5 + 2 * i] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_n(w_pt)} {_n(h_pt)}] "
                           f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {7 + 2 * i} 0 R >>").encode()
        objs[6 + 2 * i] = f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
    out = bytearray(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_template(layout, out, paper: str = "a4") -> dict:
    """Write the template of ``layout`` to ``out`` (.svg or .pdf, atomically); returns a summary."""
    from pathlib import Path

    from firmware.fileio import atomic_write_bytes, atomic_write_text

    out = Path(out)
    drawing = build_drawing(layout)
    bx0, by0, bx1, by1 = drawing.bounds()
    summary = {"file": str(out), "layout": layout.name, "width_mm": round(bx1 - bx0, 1),
               "height_mm": round(by1 - by0, 1)}
    if out.suffix.lower() == ".svg":
        atomic_write_text(out, render_svg(drawing))
        summary.update(format="svg", pages=1)
    else:
        data, plan = render_pdf(drawing, paper)
        atomic_write_bytes(out, data)
        summary.update(format="pdf", pages=plan.pages, paper=paper,
                       orientation="landscape" if plan.landscape else "portrait",
                       cols=plan.cols, rows=plan.rows)
    return summary
