"""The printable 1:1 sensor-placement template of a layout (``footmat template``).

One drawing (:mod:`trainer.maker.drawing`) in millimetres (x to the right, y forward, origin
midway between the backs of the heels, as in the layout) holds the foot outlines
(:func:`trainer.drills.targets.foot_outline`), each sensor's disc with its name and channel, the
heel stop and a 100 mm scale bar. :func:`write_template` writes it as one SVG sheet at true size
(:func:`~trainer.maker.drawing.render_svg`) or as PDF pages at exact size, tiled when the mat is
larger than the paper (:func:`~trainer.maker.pdf.render_pdf`).
"""
from __future__ import annotations

from pathlib import Path

from firmware.fileio import atomic_write_bytes, atomic_write_text
from trainer.drills.targets import foot_outline, heel_x
from trainer.maker.drawing import Circle, Drawing, Group, Line, Poly, Rect, Text, render_svg, text_width
from trainer.maker.pdf import render_pdf

SCALE_BAR_MM = 100.0
FSR_ACTIVE_D_MM = 12.7  # FSR 402 active area (HARDWARE.md)
FSR_BODY_D_MM = 18.3  # FSR 402 outline, approximate


def build_drawing(layout) -> Drawing:
    """The template of ``layout`` as a :class:`Drawing` in layout millimetres."""
    L = layout.foot_length_mm
    groups: list[Group] = []

    feet = Group("Feet")
    axis = {}
    for foot in ("left", "right"):
        hx = heel_x(layout, foot)
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


def write_template(layout, out, paper: str = "a4") -> dict:
    """Write the template of ``layout`` to ``out`` (.svg or .pdf, atomically); returns a summary."""
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
