"""The template's drawing on pages of A4, letter or A3 at exact physical size (a PDF).

When the drawing does not fit one page it is tiled with ``OVERLAP_MM`` of overlap
(:func:`plan_tiles`); registration marks in every overlap and a frame around every page's image
tell how to trim and tape the sheets together. The PDF asks viewers to print without scaling
(``/PrintScaling /None``).

The PDF is written directly (PDF 1.6, standard Helvetica, no dependencies) so that its geometry
is exactly what the drawing says; each group is marked content under its tag (``/ScaleBar``,
``/Sensor``) so a test can find and measure it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from trainer.maker.drawing import Circle, Drawing, Group, Line, Poly, Rect, Text, text_width

PT_PER_MM = 72 / 25.4
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a3": (297.0, 420.0)}
MARGIN_MM = 6.35  # most printers cannot print the outer 3-6 mm of a sheet
FOOTER_MM = 5.0  # band above the bottom margin for the page's own notes
OVERLAP_MM = 15.0


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

