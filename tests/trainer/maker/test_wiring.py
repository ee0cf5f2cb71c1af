"""trainer.maker.wiring: the pin table and diagram generated from a layout, and the committed copies."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from firmware.layout import load_layout, parse_layout, reference_layout
from trainer.commands.layout import layout_name
from trainer.maker.wiring import GPIO_TO_PIN, main, pin_table, render_wiring_svg, wires

ROOT = Path(__file__).resolve().parents[3]
HARDWARE = ROOT / "hardware"


def _mcp():
    return reference_layout(6, 260, 170, "mcp3008", layout_name(260, 170, 6, "mcp3008"))


def test_header_map_is_the_40_pin_header():
    assert len(GPIO_TO_PIN) == 28 and set(GPIO_TO_PIN) == set(range(28))
    assert (GPIO_TO_PIN[2], GPIO_TO_PIN[3], GPIO_TO_PIN[17], GPIO_TO_PIN[18], GPIO_TO_PIN[27]) == (3, 5, 11, 12, 13)
    assert (GPIO_TO_PIN[8], GPIO_TO_PIN[9], GPIO_TO_PIN[10], GPIO_TO_PIN[11]) == (24, 21, 19, 23)


def test_ads1115_wiring_has_every_sensor_and_both_address_straps():
    layout = load_layout("default-6")
    ws = wires(layout)
    sense = {w.end.split()[0]: w.start for w in ws if w.net == "SENSE"}
    assert sense == {s.name: f"ADS1115 0x{s.address:02x} A{s.index}" for s in layout.sensors}
    straps = {w.start: w.end for w in ws if w.net == "ADDR"}
    assert straps == {"ADS1115 0x48 ADDR": "ADS1115 0x48 GND", "ADS1115 0x49 ADDR": "ADS1115 0x49 VDD"}
    assert all("5V" not in w.start for w in ws)  # nothing is powered from 5 V


def test_mcp3008_wiring_uses_spi0_ce0_and_chip_pins():
    ws = wires(_mcp())
    table = {w.end: w.start for w in ws}
    assert table["MCP3008 CLK (13)"] == "Pi pin 23 (GPIO11, SPI0 SCLK)"
    assert table["MCP3008 DOUT (12)"] == "Pi pin 21 (GPIO9, SPI0 MISO)"
    assert table["MCP3008 DIN (11)"] == "Pi pin 19 (GPIO10, SPI0 MOSI)"
    assert table["MCP3008 CS/SHDN (10)"] == "Pi pin 24 (GPIO8, SPI0 CE0)"
    sense = [w.start for w in ws if w.net == "SENSE"]
    assert sense == [f"MCP3008 CH{i} ({i + 1})" for i in range(6)]


def test_controls_rows_follow_the_layout_pins():
    d = reference_layout().to_dict()
    d["controls"] = {"button_pin": 22, "led_pin": 23, "buzzer_pin": 13}
    table = pin_table(parse_layout(d))
    assert "Pi pin 15 (GPIO22) | button" in table
    assert "Pi pin 16 (GPIO23) | 330 Ω" in table
    assert "Pi pin 33 (GPIO13) | passive piezo" in table
    d.pop("controls")
    assert "button" not in pin_table(parse_layout(d))


def test_svg_is_well_formed_and_names_every_sensor():
    for layout in (load_layout("default-6"), load_layout("default-8"), _mcp()):
        svg = render_wiring_svg(layout)
        root = ET.fromstring(svg)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        for s in layout.sensors:
            assert s.name in texts
        assert any("layout " + layout.name in (t or "") for t in texts)


@pytest.mark.parametrize("path,layout", [("wiring-default-6.svg", lambda: load_layout("default-6")),
                                         ("wiring-mcp3008-6.svg", _mcp)])
def test_committed_diagrams_match_the_generator(path, layout):
    """Regenerate with: python -m trainer.maker.wiring --layout default-6 --svg hardware/wiring-default-6.svg"""
    assert (HARDWARE / path).read_text(encoding="utf-8") == render_wiring_svg(layout())


def test_wiring_guide_tables_match_the_generator():
    text = (HARDWARE / "WIRING.md").read_text(encoding="utf-8")
    assert pin_table(load_layout("default-6")) in text
    assert pin_table(_mcp()) in text


def test_guide_links_resolve():
    for md in HARDWARE.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            assert (md.parent / target).exists(), f"{md.name} links to missing {target}"


def test_cli_writes_svg_and_prints_table(tmp_path, capsys):
    out = tmp_path / "w.svg"
    assert main(["--layout", "default-8", "--svg", str(out), "--table"]) == 0
    assert out.read_text().startswith("<?xml")
    assert "right_outer divider node" in capsys.readouterr().out


def test_cli_bad_layout(capsys):
    assert main(["--layout", "no-such-layout"]) == 2
    err = capsys.readouterr().err.strip()
    assert "layout not found" in err and "\n" not in err
