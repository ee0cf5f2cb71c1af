"""Wiring of a mat, generated from its layout: a pin table (Markdown) and a diagram (SVG).

Both ADC options are covered: two ADS1115 on I2C (one per foot) or one MCP3008 on SPI. Every
FSR sits in a divider — the FSR (with a bleed resistor across it) from 3V3 to the ADC input, the
divider resistor from the input to GND — so the input voltage rises with force:
``Vout = Vcc * R_div / (R_div + R_fsr)`` (HARDWARE.md). The controls of ``[controls]`` (button,
LED, buzzer) are added when the layout has them.

Regenerate the committed files after changing the layouts::

    python -m trainer.maker.wiring --layout default-6 --svg hardware/wiring-default-6.svg
    python -m trainer.maker.wiring --layout default-6 --table
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from firmware.errors import FootmatError
from firmware.fileio import atomic_write_text
from firmware.layout import load_layout
from trainer.maker.drawing import text_width

# BCM GPIO -> physical pin of the 40-pin header
GPIO_TO_PIN = {2: 3, 3: 5, 4: 7, 14: 8, 15: 10, 17: 11, 18: 12, 27: 13, 22: 15, 23: 16, 24: 18, 10: 19,
               9: 21, 25: 22, 11: 23, 8: 24, 7: 26, 0: 27, 1: 28, 5: 29, 6: 31, 12: 32, 13: 33, 19: 35,
               16: 36, 26: 37, 20: 38, 21: 40}
POWER_PINS = {1: "3V3", 17: "3V3", 2: "5V", 4: "5V", 6: "GND", 9: "GND", 14: "GND", 20: "GND", 25: "GND",
              30: "GND", 34: "GND", 39: "GND"}
GPIO_FUNCTION = {2: "SDA1", 3: "SCL1", 8: "SPI0 CE0", 9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK",
                 0: "ID_SD", 1: "ID_SC", 18: "PWM0"}
PIN_TO_GPIO = {v: k for k, v in GPIO_TO_PIN.items()}

V33, GND_ADC, GND_CTRL = 1, 6, 14  # the header pins this wiring uses for power
MCP3008_PINS = {"CH0": 1, "CH1": 2, "CH2": 3, "CH3": 4, "CH4": 5, "CH5": 6, "CH6": 7, "CH7": 8, "DGND": 9,
                "CS/SHDN": 10, "DIN": 11, "DOUT": 12, "CLK": 13, "AGND": 14, "VREF": 15, "VDD": 16}
ADDR_STRAP = {0x48: "GND", 0x49: "VDD", 0x4A: "SDA", 0x4B: "SCL"}
LED_RESISTOR_OHMS = 330

COLOURS = {"3V3": "#d62728", "GND": "#222222", "SDA": "#1f77b4", "SCL": "#c79a00", "SCLK": "#ff7f0e",
           "MOSI": "#2ca02c", "MISO": "#9467bd", "CE0": "#8c564b", "SENSE": "#555555", "BUTTON": "#17becf",
           "LED": "#2ca02c", "BUZZER": "#e377c2", "ADDR": "#7f7f7f"}


def pi_pin(pin: int) -> str:
    """'pin 3 (GPIO2, SDA1)' style name of a header pin."""
    if pin in POWER_PINS:
        return f"pin {pin} ({POWER_PINS[pin]})"
    g = PIN_TO_GPIO[pin]
    fn = GPIO_FUNCTION.get(g)
    return f"pin {pin} (GPIO{g}{', ' + fn if fn else ''})"


def _ohms(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:g} MΩ"
    if v >= 1e3:
        return f"{v / 1e3:g} kΩ"
    return f"{v:g} Ω"


@dataclass(frozen=True)
class Wire:
    """One connection to make: from one point to another, on a named net."""

    start: str
    end: str
    net: str
    note: str = ""


def chips(layout) -> list[tuple[str, list]]:
    """(chip label, its sensors by input) for the layout's ADC."""
    if layout.adc.type == "ads1115":
        out = []
        for a in layout.adc.addresses:
            on_chip = sorted((s for s in layout.sensors if s.address == a), key=lambda s: s.index)
            feet = sorted({s.foot for s in on_chip})
            label = f"ADS1115 0x{a:02x}" + (f" ({' + '.join(feet)} foot)" if feet else "")
            out.append((label, on_chip))
        return out
    return [("MCP3008", sorted(layout.sensors, key=lambda s: s.index))]


def wires(layout) -> list[Wire]:
    """Every connection of the mat's electronics, in the order a maker would solder them."""
    w: list[Wire] = []
    adc = layout.adc
    if adc.type == "ads1115":
        for a in adc.addresses:
            c = f"ADS1115 0x{a:02x}"
            w += [Wire(f"Pi {pi_pin(V33)}", f"{c} VDD", "3V3", "power the ADC from 3.3 V, never 5 V (its I2C pull-ups go to VDD)"),
                  Wire(f"Pi {pi_pin(GND_ADC)}", f"{c} GND", "GND"),
                  Wire(f"Pi {pi_pin(3)}", f"{c} SDA", "SDA", "shared by both chips"),
                  Wire(f"Pi {pi_pin(5)}", f"{c} SCL", "SCL", "shared by both chips"),
                  Wire(f"{c} ADDR", f"{c} {ADDR_STRAP[a]}", "ADDR", f"sets address 0x{a:02x}")]
    else:
        c = "MCP3008"
        w += [Wire(f"Pi {pi_pin(V33)}", f"{c} VDD (16) and VREF (15)", "3V3", "VREF = 3.3 V: full scale is the divider supply"),
              Wire(f"Pi {pi_pin(GND_ADC)}", f"{c} AGND (14) and DGND (9)", "GND"),
              Wire(f"Pi {pi_pin(23)}", f"{c} CLK (13)", "SCLK"),
              Wire(f"Pi {pi_pin(21)}", f"{c} DOUT (12)", "MISO"),
              Wire(f"Pi {pi_pin(19)}", f"{c} DIN (11)", "MOSI"),
              Wire(f"Pi {pi_pin(24)}", f"{c} CS/SHDN (10)", "CE0")]
    for label, sensors in chips(layout):
        chip = label.split(" (")[0]
        for s in sensors:
            inp = s.channel.split(":")[-1]
            pin = f" ({MCP3008_PINS[inp]})" if adc.type == "mcp3008" else ""
            w += [Wire(f"{chip} {inp}{pin}", f"{s.name} divider node", "SENSE",
                       f"FSR from 3V3 to the node, {_ohms(s.divider_ohms)} from the node to GND"
                       + (f", {_ohms(adc.bleed_ohms)} across the FSR" if adc.bleed_ohms else ""))]
    c = layout.controls
    if c is not None:
        if c.button_pin is not None:
            w.append(Wire(f"Pi {pi_pin(GPIO_TO_PIN[c.button_pin])}", f"button, other side to Pi {pi_pin(GND_CTRL)}",
                          "BUTTON", "normally-open push button or foot switch; the Pi's pull-up is used"))
        if c.led_pin is not None:
            w.append(Wire(f"Pi {pi_pin(GPIO_TO_PIN[c.led_pin])}",
                          f"{LED_RESISTOR_OHMS} Ω, LED anode (long leg); cathode to Pi {pi_pin(GND_CTRL)}", "LED",
                          "about 4 mA from a 3.3 V pin"))
        if c.buzzer_pin is not None:
            w.append(Wire(f"Pi {pi_pin(GPIO_TO_PIN[c.buzzer_pin])}", f"passive piezo +, its - to Pi {pi_pin(GND_CTRL)}",
                          "BUZZER", "a passive piezo transducer (not an active buzzer, which has one fixed tone)"))
    return w


def pin_table(layout) -> str:
    """The wiring of ``layout`` as a Markdown table."""
    rows = ["| # | from | to | net | note |", "|---|---|---|---|---|"]
    for i, x in enumerate(wires(layout), 1):
        rows.append(f"| {i} | {x.start} | {x.end} | {x.net} | {x.note} |")
    return "\n".join(rows) + "\n"


# -- the diagram ---------------------------------------------------------------------------------
class _Svg:
    def __init__(self):
        self.items: list[str] = []

    def line(self, x1, y1, x2, y2, colour="#222", width=2.0, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.items.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{colour}" '
                          f'stroke-width="{width:g}" stroke-linecap="round"{d}/>')

    def rect(self, x, y, w, h, fill="none", stroke="#222", width=1.5, rx=0):
        self.items.append(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{rx:g}" fill="{fill}" '
                          f'stroke="{stroke}" stroke-width="{width:g}"/>')

    def circle(self, x, y, r, fill="#fff", stroke="#222", width=1.2):
        self.items.append(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{fill}" stroke="{stroke}" stroke-width="{width:g}"/>')

    def text(self, x, y, s, size=11, anchor="start", colour="#222", bold=False):
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        b = ' font-weight="bold"' if bold else ""
        self.items.append(f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" text-anchor="{anchor}" fill="{colour}"{b}>{s}</text>')

    def poly(self, pts, fill="none", stroke="#222", width=1.5):
        p = " ".join(f"{x:g},{y:g}" for x, y in pts)
        self.items.append(f'<polygon points="{p}" fill="{fill}" stroke="{stroke}" stroke-width="{width:g}"/>')

    def resistor_h(self, x1, x2, y, label, colour="#222"):
        """A horizontal resistor body between x1 and x2 with its value above."""
        self.rect(x1, y - 6, x2 - x1, 12, "#fff", colour)
        self.text((x1 + x2) / 2, y - 9, label, 10, "middle")

    def resistor_v(self, x, y1, y2, label):
        self.rect(x - 6, y1, 12, y2 - y1, "#fff")
        self.text(x - 10, (y1 + y2) / 2 + 4, label, 10, "end")

    def ground(self, x, y):
        self.line(x, y, x, y + 6, COLOURS["GND"])
        for i, half in enumerate((9, 6, 3)):
            self.line(x - half, y + 6 + 3 * i, x + half, y + 6 + 3 * i, COLOURS["GND"], 1.5)

    def flag(self, x, y, text, net, anchor="end"):
        """A net label: where this wire goes, in the net's colour."""
        colour = COLOURS.get(net, "#222")
        self.text(x, y + 4, text, 10.5, anchor, colour, bold=True)


def render_wiring_svg(layout) -> str:
    """The wiring diagram of ``layout`` (not to scale; px units)."""
    g = _Svg()
    adc = layout.adc
    row = 66.0  # one divider per row
    top = 92.0

    # -- the Pi header ------------------------------------------------------------------------
    used: dict[int, tuple[str, str]] = {V33: ("3V3", "3V3"), GND_ADC: ("GND", "GND")}
    if adc.type == "ads1115":
        used |= {3: ("GPIO2 SDA", "SDA"), 5: ("GPIO3 SCL", "SCL")}
    else:
        used |= {23: ("GPIO11 SCLK", "SCLK"), 21: ("GPIO9 MISO", "MISO"), 19: ("GPIO10 MOSI", "MOSI"),
                 24: ("GPIO8 CE0", "CE0")}
    c = layout.controls
    if c is not None:
        used[GND_CTRL] = ("GND", "GND")
        for key, net, what in (("button_pin", "BUTTON", "button"), ("led_pin", "LED", "LED"),
                               ("buzzer_pin", "BUZZER", "buzzer")):
            pin = getattr(c, key)
            if pin is not None:
                used[GPIO_TO_PIN[pin]] = (f"GPIO{pin} {what}", net)
    hx, hy, pitch = 150.0, top + 26, 19.0
    g.text(hx + 9.5, top, "Raspberry Pi 40-pin header", 12, "middle", bold=True)
    g.text(hx + 9.5, top + 14, "(pin 1 has the square solder pad)", 9.5, "middle")
    g.rect(hx - 12, hy - 12, 43, 20 * pitch + 5, "#f4f4f4", "#888", 1, 4)
    for n in range(1, 41):
        x = hx if n % 2 else hx + 19
        y = hy + (n - 1) // 2 * pitch
        label, net = used.get(n, (None, None))
        fill = COLOURS.get(net, "#fff") if net else ("#fdd" if POWER_PINS.get(n) in ("3V3", "5V") else
                                                    "#ddd" if POWER_PINS.get(n) == "GND" else "#fff")
        g.circle(x, y, 6.5, fill, "#555", 1)
        g.text(x, y + 3, str(n), 7, "middle", "#fff" if net else "#333")
        if label:
            if n % 2:
                g.flag(x - 12, y, label, net, "end")
            else:
                g.flag(x + 12, y, label, net, "start")

    # -- chips and dividers -------------------------------------------------------------------
    chip_x, chip_w = 400.0, 84.0
    node_x = chip_x + chip_w + 150
    y = top + 10
    chip_list = chips(layout)
    for label, sensors in chip_list:
        if adc.type == "ads1115":
            inputs = [f"A{i}" for i in range(4)]
            addr = int(label.split()[1], 16)
            left = [("VDD", "3V3 (pin 1)", "3V3"), ("GND", "GND (pin 6)", "GND"), ("SCL", "GPIO3 SCL (pin 5)", "SCL"),
                    ("SDA", "GPIO2 SDA (pin 3)", "SDA"), ("ADDR", f"to {ADDR_STRAP[addr]}: 0x{addr:02x}", "ADDR"),
                    ("ALERT", "not connected", "ADDR")]
        else:
            inputs = [f"CH{i}" for i in range(8)]
            left = [("VDD 16", "3V3 (pin 1)", "3V3"), ("VREF 15", "3V3 (pin 1)", "3V3"), ("AGND 14", "GND (pin 6)", "GND"),
                    ("CLK 13", "GPIO11 SCLK (pin 23)", "SCLK"), ("DOUT 12", "GPIO9 MISO (pin 21)", "MISO"),
                    ("DIN 11", "GPIO10 MOSI (pin 19)", "MOSI"), ("CS 10", "GPIO8 CE0 (pin 24)", "CE0"),
                    ("DGND 9", "GND (pin 6)", "GND")]
        n_rows = max(len(inputs), 1)
        h = n_rows * row
        g.rect(chip_x, y, chip_w, h, "#eef3fb", "#345", 2, 6)
        g.text(chip_x + chip_w / 2, y - 8, label, 12, "middle", bold=True)
        lp = h / (len(left) + 1)
        for i, (pin, dest, net) in enumerate(left):
            py = y + lp * (i + 1)
            g.line(chip_x - 18, py, chip_x, py, COLOURS.get(net, "#222"))
            g.text(chip_x + 5, py + 4, pin, 9.5)
            g.flag(chip_x - 22, py, dest, net, "end")
        by_input = {s.channel.split(":")[-1]: s for s in sensors}
        for i, inp in enumerate(inputs):
            py = y + row * (i + 0.5) - 8
            label_in = inp if adc.type == "ads1115" else f"{inp} {MCP3008_PINS[inp]}"
            g.text(chip_x + chip_w - 5, py + 4, label_in, 9.5, "end")
            s = by_input.get(inp)
            if s is None:
                g.line(chip_x + chip_w, py, chip_x + chip_w + 14, py, "#999", 1.5)
                g.text(chip_x + chip_w + 18, py + 4, "not used", 9.5, colour="#888")
                continue
            _divider(g, chip_x + chip_w, node_x, py, s, adc)
        y += h + 44

    # -- controls -------------------------------------------------------------------------------
    if c is not None and any(p is not None for p in (c.button_pin, c.led_pin, c.buzzer_pin)):
        y_c = max(y, hy + 20 * pitch + 40)
        g.text(40, y_c, "Controls (optional; pins from [controls])", 12, bold=True)
        yy = y_c + 34
        if c.button_pin is not None:
            g.flag(150, yy, f"GPIO{c.button_pin} (pin {GPIO_TO_PIN[c.button_pin]})", "BUTTON")
            g.line(155, yy, 215, yy, COLOURS["BUTTON"])
            # a push button: two contacts and a bar above them
            g.circle(218, yy, 3, "#fff")
            g.circle(248, yy, 3, "#fff")
            g.line(213, yy - 10, 253, yy - 10, "#222")
            g.line(233, yy - 10, 233, yy - 18, "#222")
            g.line(251, yy, 300, yy, COLOURS["GND"])
            g.ground(300, yy)
            g.text(233, yy + 18, "button / foot switch (press: start, pause, resume; hold 1 s: next)", 10, "middle")
            yy += 50
        if c.led_pin is not None:
            g.flag(150, yy, f"GPIO{c.led_pin} (pin {GPIO_TO_PIN[c.led_pin]})", "LED")
            g.line(155, yy, 180, yy, COLOURS["LED"])
            g.resistor_h(180, 220, yy, f"{LED_RESISTOR_OHMS} Ω")
            g.line(220, yy, 240, yy)
            g.poly([(240, yy - 8), (240, yy + 8), (254, yy)], "#2ca02c")
            g.line(254, yy - 8, 254, yy + 8)
            g.line(254, yy, 300, yy, COLOURS["GND"])
            g.ground(300, yy)
            g.text(233, yy + 22, "status LED (ready: on; recording: slow blink; paused: double blink; fault: fast)", 10, "middle")
            yy += 54
        if c.buzzer_pin is not None:
            g.flag(150, yy, f"GPIO{c.buzzer_pin} (pin {GPIO_TO_PIN[c.buzzer_pin]})", "BUZZER")
            g.line(155, yy, 215, yy, COLOURS["BUZZER"])
            g.rect(215, yy - 10, 36, 20, "#fde", "#222", 1.5, 10)
            g.text(219, yy - 13, "+", 10)
            g.text(233, yy + 4, "piezo", 9, "middle")
            g.line(251, yy, 300, yy, COLOURS["GND"])
            g.ground(300, yy)
            g.text(233, yy + 24, "passive piezo buzzer (beats and cues through TonalBuzzer)", 10, "middle")
            yy += 56
        y = max(y, yy)

    # -- title, legend ------------------------------------------------------------------------
    width = node_x + 330
    height = max(y, hy + 20 * pitch + 30) + 20
    n = len(layout.sensors)
    kind = "2 x ADS1115 on I2C" if adc.type == "ads1115" and len(adc.addresses) == 2 else (
        f"{len(adc.addresses)} x ADS1115 on I2C" if adc.type == "ads1115" else "1 x MCP3008 on SPI")
    head = [f'<text x="20" y="30" font-size="18" font-weight="bold">footmat wiring: layout {layout.name}</text>',
            f'<text x="20" y="50" font-size="11">{n} FSR 402 in dividers, {kind}, supply {adc.vcc:g} V; '
            f'generated from the layout by python -m trainer.maker.wiring (not to scale)</text>']
    legend_x = 20
    legend = []
    nets = ["3V3", "GND", "SDA", "SCL"] if adc.type == "ads1115" else ["3V3", "GND", "SCLK", "MISO", "MOSI", "CE0"]
    nets += ["SENSE"]
    for net in nets:
        legend.append(f'<line x1="{legend_x}" y1="66" x2="{legend_x + 22}" y2="66" stroke="{COLOURS[net]}" stroke-width="4"/>'
                      f'<text x="{legend_x + 27}" y="70" font-size="10.5">{net}</text>')
        legend_x += 34 + text_width(net, 10.5)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:g}" height="{height:g}" '
           f'viewBox="0 0 {width:g} {height:g}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>footmat wiring: {layout.name}</title>",
           f'<rect x="0" y="0" width="{width:g}" height="{height:g}" fill="white"/>',
           *head, *legend, *g.items, "</svg>"]
    return "\n".join(out) + "\n"


def _divider(g: _Svg, x_in: float, xn: float, y: float, s, adc) -> None:
    """ADC input -> node; node -> FSR (with bleed across) -> 3V3; node -> divider resistor -> GND."""
    g.line(x_in, y, xn, y, COLOURS["SENSE"])
    g.text((x_in + xn) / 2, y - 6, s.name, 10.5, "middle", bold=True)
    g.circle(xn, y, 3, "#222")
    j1, j2 = xn + 16, xn + 106
    g.line(xn, y, j1, y)
    g.line(j1, y, j1 + 10, y)
    g.rect(j1 + 10, y - 7, 70, 14, "#fff7e0", "#222", 1.5, 7)
    g.text(j1 + 45, y + 4, "FSR 402", 9.5, "middle")
    g.line(j1 + 80, y, j2, y)
    if adc.bleed_ohms:
        yb = y + 20
        g.line(j1, y, j1, yb)
        g.line(j1, yb, j1 + 20, yb)
        g.rect(j1 + 20, yb - 5, 50, 10, "#fff")
        g.text(j1 + 45, yb + 16, f"{_ohms(adc.bleed_ohms)} bleed", 9, "middle")
        g.line(j1 + 70, yb, j2, yb)
        g.line(j2, yb, j2, y)
        g.circle(j1, y, 2.2, "#222")
        g.circle(j2, y, 2.2, "#222")
    g.line(j2, y, j2 + 22, y, COLOURS["3V3"])
    g.flag(j2 + 26, y, "3V3 (pin 1)", "3V3", "start")
    # divider resistor straight down from the node to ground
    g.line(xn, y, xn, y + 12)
    g.resistor_v(xn, y + 12, y + 32, _ohms(s.divider_ohms))
    g.line(xn, y + 32, xn, y + 36)
    g.ground(xn, y + 36)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trainer.maker.wiring", description="wiring diagram and pin table of a layout")
    p.add_argument("--layout", metavar="FILE", help="layout TOML file or shipped layout name (default: default-6)")
    p.add_argument("--svg", metavar="OUT.svg", help="write the diagram here")
    p.add_argument("--table", action="store_true", help="print the pin table (Markdown)")
    args = p.parse_args(argv)
    try:
        layout = load_layout(args.layout)
        if args.svg:
            atomic_write_text(args.svg, render_wiring_svg(layout))
            print(f"wrote {args.svg}", file=sys.stderr)
        if args.table or not args.svg:
            sys.stdout.write(pin_table(layout))
    except FootmatError as e:
        print(f"trainer.maker.wiring: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
