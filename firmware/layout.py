"""The mat layout: one TOML file per mat (PRODUCT.md §2), loaded and validated strictly.

Coordinates are millimetres, x to the right, y forward, origin midway between the backs of
the heels. Anything the schema does not name is refused with a one-line :class:`LayoutError`.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from .errors import LayoutError

ADC_TYPES = ("ads1115", "mcp3008")
FEET = ("left", "right")
ZONES = ("heel", "outer", "ball", "toes")  # spiral order within a foot
ADS_GAINS = {2 / 3: 6.144, 1: 4.096, 2: 2.048, 4: 1.024, 8: 0.512, 16: 0.256}
ADS_RATES = (8, 16, 32, 64, 128, 250, 475, 860)
_TOP_KEYS = {"name", "foot_length_mm", "adc", "controls", "sensor"}
_ADC_KEYS = {"type", "addresses", "data_rate", "gain", "bus_khz", "vcc", "divider_ohms", "bleed_ohms"}
_CONTROL_KEYS = {"button_pin", "led_pin", "buzzer_pin"}
_SENSOR_KEYS = {"name", "foot", "zone", "x_mm", "y_mm", "channel", "divider_ohms"}
_ADS_CHANNEL = re.compile(r"^0x([0-9a-fA-F]{2}):A([0-3])$")
_MCP_CHANNEL = re.compile(r"^CH([0-7])$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class AdcConfig:
    type: str
    addresses: tuple[int, ...]
    data_rate: int
    gain: float
    bus_khz: int
    vcc: float
    divider_ohms: float
    bleed_ohms: float  # 0 = no bleed resistor

    @property
    def full_scale_v(self) -> float:
        """Input voltage that maps to the top code."""
        return ADS_GAINS[self.gain] if self.type == "ads1115" else self.vcc

    @property
    def max_code(self) -> int:
        return 32767 if self.type == "ads1115" else 1023

    @property
    def volts_per_code(self) -> float:
        # MCP3008 datasheet: code = floor(1024 · Vin / Vref), so one code is Vref/1024
        return self.full_scale_v / 32768 if self.type == "ads1115" else self.vcc / 1024


@dataclass(frozen=True)
class Controls:
    button_pin: int | None = None
    led_pin: int | None = None
    buzzer_pin: int | None = None


@dataclass(frozen=True)
class Sensor:
    name: str
    foot: str
    zone: str
    x_mm: float
    y_mm: float
    channel: str
    divider_ohms: float

    @property
    def address(self) -> int | None:
        m = _ADS_CHANNEL.match(self.channel)
        return int(m.group(1), 16) if m else None

    @property
    def index(self) -> int:
        """Channel number on its chip (A0..A3 or CH0..CH7)."""
        return int(self.channel[-1])


@dataclass(frozen=True)
class Layout:
    name: str
    foot_length_mm: float
    adc: AdcConfig
    sensors: tuple[Sensor, ...]
    controls: Controls | None = None
    source: str = field(default="", compare=False)

    # -- derived views (cheap; numpy imported lazily so `footmat --help` stays fast) --
    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sensors]

    @property
    def positions(self):
        import numpy as np
        return np.array([[s.x_mm, s.y_mm] for s in self.sensors], dtype=float)

    def mask(self, foot: str | None = None, zone: str | None = None):
        import numpy as np
        return np.array([(foot is None or s.foot == foot) and (zone is None or s.zone == zone)
                         for s in self.sensors])

    def divider_ohms(self):
        import numpy as np
        return np.array([s.divider_ohms for s in self.sensors], dtype=float)

    def to_dict(self) -> dict:
        d = {"name": self.name, "foot_length_mm": self.foot_length_mm,
             "adc": asdict(self.adc) | {"addresses": list(self.adc.addresses)},
             "sensor": [asdict(s) for s in self.sensors]}
        if self.controls is not None:
            d["controls"] = {k: v for k, v in asdict(self.controls).items() if v is not None}
        return d

    def to_toml(self) -> str:
        """The layout as a TOML file of exactly the PRODUCT.md §2 schema."""
        a = self.adc
        gain = repr(2 / 3) if a.gain == 2 / 3 else _num(a.gain)
        lines = [f'name = "{self.name}"', f"foot_length_mm = {_num(self.foot_length_mm)}", "",
                 "[adc]", f'type = "{a.type}"',
                 "addresses = [" + ", ".join(f"0x{x:02x}" for x in a.addresses) + "]",
                 f"data_rate = {a.data_rate}", f"gain = {gain}",
                 f"bus_khz = {a.bus_khz}", f"vcc = {_num(a.vcc)}",
                 f"divider_ohms = {_num(a.divider_ohms)}", f"bleed_ohms = {_num(a.bleed_ohms)}"]
        if self.controls is not None:
            lines += ["", "[controls]"]
            lines += [f"{k} = {v}" for k, v in asdict(self.controls).items() if v is not None]
        for s in self.sensors:
            lines += ["", "[[sensor]]", f'name = "{s.name}"', f'foot = "{s.foot}"', f'zone = "{s.zone}"',
                      f"x_mm = {_num(s.x_mm)}", f"y_mm = {_num(s.y_mm)}", f'channel = "{s.channel}"']
            if s.divider_ohms != a.divider_ohms:
                lines.append(f"divider_ohms = {_num(s.divider_ohms)}")
        return "\n".join(lines) + "\n"


def _num(v: float) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.6g}"


def default_layout_dir() -> Path | None:
    """`hardware/layouts` of a checkout, else the copy shipped in the package."""
    checkout = Path(__file__).resolve().parent.parent / "hardware" / "layouts"
    if checkout.is_dir():
        return checkout
    try:
        return Path(str(resources.files("firmware.layouts")))
    except (ModuleNotFoundError, TypeError):
        return None


def available_layouts() -> list[str]:
    d = default_layout_dir()
    return sorted(p.stem for p in d.glob("*.toml")) if d else []


def load_layout(spec: str | Path | None = None) -> Layout:
    """Load a layout from a file path or the name of a shipped layout (default ``default-6``)."""
    spec = "default-6" if spec is None else spec
    path = Path(spec)
    if not path.exists() and not str(spec).endswith(".toml") and "/" not in str(spec):
        d = default_layout_dir()
        cand = d / f"{spec}.toml" if d else None
        if cand is None or not cand.exists():
            raise LayoutError(f"layout not found: {spec!r}",
                              f"give a .toml file or one of: {', '.join(available_layouts())}")
        path = cand
    if not path.is_file():
        raise LayoutError(f"layout file not found: {str(path)!r}", "check the path given to --layout")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LayoutError(f"layout {path.name} is not UTF-8 text", "give a TOML layout file") from None
    except tomllib.TOMLDecodeError as e:
        raise LayoutError(f"layout {path.name} is not valid TOML ({e})", "fix the TOML syntax") from None
    return parse_layout(data, source=str(path))


def parse_layout(data: dict, source: str = "<layout>") -> Layout:
    """Validate a layout mapping (from TOML or an embedded session copy)."""
    where = Path(source).name

    def bad(what: str, fix: str) -> LayoutError:
        return LayoutError(f"layout {where}: {what}", fix)

    if not isinstance(data, dict):
        raise bad("is not a table", "see hardware/layouts/default-6.toml")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise bad(f"unknown field {sorted(unknown)[0]!r}",
                  f"allowed top-level fields: {', '.join(sorted(_TOP_KEYS))}")
    name = _get(data, "name", str, bad)
    if not _NAME.match(name):
        raise bad(f"name {name!r} is not a plain file name", "use letters, digits, '-', '_' or '.'")
    foot_length = _get(data, "foot_length_mm", (int, float), bad)
    if not 150 <= foot_length <= 350:
        raise bad(f"foot_length_mm {foot_length} is outside 150..350", "give the foot length in millimetres")

    adc_d = data.get("adc")
    if not isinstance(adc_d, dict):
        raise bad("missing [adc] section", "add [adc] with type, addresses, vcc, divider_ohms …")
    unknown = set(adc_d) - _ADC_KEYS
    if unknown:
        raise bad(f"unknown field adc.{sorted(unknown)[0]}", f"allowed: {', '.join(sorted(_ADC_KEYS))}")
    adc_type = _get(adc_d, "type", str, bad, "adc.")
    if adc_type not in ADC_TYPES:
        raise bad(f"adc.type {adc_type!r} is not supported", "use 'ads1115' or 'mcp3008'")
    addresses = adc_d.get("addresses", [0x48, 0x49] if adc_type == "ads1115" else [0])
    if (not isinstance(addresses, list) or not addresses
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in addresses)):
        raise bad("adc.addresses must be a list of integers", "e.g. addresses = [0x48, 0x49]")
    if len(set(addresses)) != len(addresses):
        raise bad(f"adc.addresses has a duplicate: {addresses}", "give each chip its own address")
    if adc_type == "ads1115":
        for a in addresses:
            if a not in (0x48, 0x49, 0x4A, 0x4B):
                raise bad(f"adc.addresses: 0x{a:02x} is not an ADS1115 address",
                          "the ADDR pin gives 0x48 (GND), 0x49 (VDD), 0x4a (SDA) or 0x4b (SCL)")
    data_rate = adc_d.get("data_rate", 860 if adc_type == "ads1115" else 0)
    gain = adc_d.get("gain", 1)
    if adc_type == "ads1115":
        if data_rate not in ADS_RATES:
            raise bad(f"adc.data_rate {data_rate} is not an ADS1115 rate", f"use one of {ADS_RATES}")
        gain = next((g for g in ADS_GAINS if isinstance(gain, (int, float)) and abs(g - gain) < 1e-6), None)
        if gain is None:
            raise bad(f"adc.gain {adc_d.get('gain')!r} is not an ADS1115 gain", "use 2/3 (0.6667), 1, 2, 4, 8 or 16")
    bus_khz = adc_d.get("bus_khz", 400)
    if bus_khz not in (100, 400, 1000, 3400):
        raise bad(f"adc.bus_khz {bus_khz!r} is not a bus speed", "use 100 or 400")
    vcc = _get(adc_d, "vcc", (int, float), bad, "adc.")
    if not 1.8 <= vcc <= 5.5:
        raise bad(f"adc.vcc {vcc} V is outside 1.8..5.5 V", "give the divider's supply in volts (3.3 on a Pi)")
    divider = _get(adc_d, "divider_ohms", (int, float), bad, "adc.")
    if not 10 <= divider <= 1e7:
        raise bad(f"adc.divider_ohms {divider} is outside 10..1e7", "give the divider resistor in ohms (1000–3300 typical)")
    bleed = adc_d.get("bleed_ohms", 0)
    if not isinstance(bleed, (int, float)) or isinstance(bleed, bool) or (bleed != 0 and bleed < 1e4):
        raise bad(f"adc.bleed_ohms {bleed!r} is not 0 or ≥ 10 kΩ", "give the bleed resistor in ohms (1000000), or 0 for none")
    adc = AdcConfig(adc_type, tuple(addresses), int(data_rate), float(gain), int(bus_khz), float(vcc),
                    float(divider), float(bleed))

    controls = None
    if "controls" in data:
        c = data["controls"]
        if not isinstance(c, dict):
            raise bad("[controls] is not a table", "give button_pin, led_pin, buzzer_pin")
        unknown = set(c) - _CONTROL_KEYS
        if unknown:
            raise bad(f"unknown field controls.{sorted(unknown)[0]}", f"allowed: {', '.join(sorted(_CONTROL_KEYS))}")
        pins = {}
        for k, v in c.items():
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 27:
                raise bad(f"controls.{k} = {v!r} is not a GPIO number", "use a BCM pin number 0..27")
            pins[k] = v
        if len(set(pins.values())) != len(pins):
            raise bad("two controls share a pin", "give each control its own GPIO pin")
        controls = Controls(**pins)

    sensors_d = data.get("sensor")
    if not isinstance(sensors_d, list) or not sensors_d:
        raise bad("no [[sensor]] entries", "add one [[sensor]] table per FSR")
    sensors = []
    seen_names, seen_channels = set(), set()
    for i, s in enumerate(sensors_d, 1):
        label = f"sensor #{i}"
        if not isinstance(s, dict):
            raise bad(f"{label} is not a table", "use [[sensor]] tables")
        unknown = set(s) - _SENSOR_KEYS
        if unknown:
            raise bad(f"{label}: unknown field {sorted(unknown)[0]!r}", f"allowed: {', '.join(sorted(_SENSOR_KEYS))}")
        for key in ("name", "foot", "zone", "x_mm", "y_mm", "channel"):
            if key not in s:
                raise bad(f"{label} has no {key}", f"every sensor needs {key}")
        sname = _get(s, "name", str, bad, f"{label}.")
        label = f"sensor {sname!r}"
        if not _NAME.match(sname):
            raise bad(f"{label}: name is not plain", "use letters, digits, '-', '_' or '.'")
        if sname in seen_names:
            raise bad(f"duplicate sensor name {sname!r}", "give each sensor its own name")
        foot = _get(s, "foot", str, bad, f"{label}.")
        if foot not in FEET:
            raise bad(f"{label}: foot {foot!r} is not left/right", "set foot = \"left\" or \"right\"")
        zone = _get(s, "zone", str, bad, f"{label}.")
        if zone not in ZONES:
            raise bad(f"{label}: zone {zone!r} is unknown", f"use one of {', '.join(ZONES)}")
        x = _get(s, "x_mm", (int, float), bad, f"{label}.")
        y = _get(s, "y_mm", (int, float), bad, f"{label}.")
        if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= 1000 and -200 <= y <= 1000):
            raise bad(f"{label}: position ({x}, {y}) mm is not on a mat", "give x_mm, y_mm in millimetres")
        if (foot == "left") != (x < 0):
            raise bad(f"{label}: x_mm {x} is on the wrong side for the {foot} foot",
                      "x is to the right of the mid-line: left-foot sensors have x < 0")
        channel = _get(s, "channel", str, bad, f"{label}.")
        if adc_type == "ads1115":
            m = _ADS_CHANNEL.match(channel)
            if not m:
                raise bad(f"{label}: channel {channel!r} is not like '0x48:A0'", "write the chip address and A0..A3")
            if int(m.group(1), 16) not in addresses:
                raise bad(f"{label}: channel {channel!r} is on no chip in adc.addresses", "add the address or fix the channel")
            channel = f"0x{int(m.group(1), 16):02x}:A{m.group(2)}"
        else:
            if not _MCP_CHANNEL.match(channel):
                raise bad(f"{label}: channel {channel!r} is not like 'CH3'", "MCP3008 channels are CH0..CH7")
        if channel in seen_channels:
            raise bad(f"duplicate channel {channel!r} ({sname})", "each sensor needs its own ADC input")
        div = s.get("divider_ohms", divider)
        if not isinstance(div, (int, float)) or isinstance(div, bool) or not 10 <= div <= 1e7:
            raise bad(f"{label}: divider_ohms {div!r} is outside 10..1e7", "give the resistor in ohms")
        seen_names.add(sname)
        seen_channels.add(channel)
        sensors.append(Sensor(sname, foot, zone, float(x), float(y), channel, float(div)))
    for foot in FEET:
        if not any(s.foot == foot for s in sensors):
            raise bad(f"no sensor on the {foot} foot", "a mat needs sensors under both feet")
    return Layout(name, float(foot_length), adc, tuple(sensors), controls, source)


def _get(d: dict, key: str, types, bad, prefix: str = ""):
    if key not in d:
        raise bad(f"missing field {prefix}{key}", f"add {prefix}{key}")
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, types):
        tn = types.__name__ if isinstance(types, type) else "number"
        raise bad(f"{prefix}{key} = {v!r} is not a {tn}", f"give {prefix}{key} as a {tn}")
    return v


def reference_layout(n_sensors: int = 6, foot_length_mm: float = 260.0, stance_mm: float = 170.0,
                     adc_type: str = "ads1115", name: str | None = None) -> Layout:
    """The reference layout scaled to a foot length and heel-centre distance (`footmat layout`)."""
    if n_sensors not in (6, 8):
        raise LayoutError(f"no reference layout with {n_sensors} sensors", "use 6 or 8")
    if not 150 <= foot_length_mm <= 350:
        raise LayoutError(f"foot length {foot_length_mm} mm is outside 150..350", "give the foot length in millimetres")
    if not 80 <= stance_mm <= 400:
        raise LayoutError(f"stance {stance_mm} mm is outside 80..400", "give the distance between heel centres in mm")
    k = foot_length_mm / 260.0
    dx = stance_mm / 2 - 85.0  # shift of the heel centre from the reference stance
    ref = [("heel", 85.0, 35.0, 0), ("ball", 70.0, 185.0, 1), ("toes", 60.0, 235.0, 2)]
    if n_sensors == 8:
        ref.append(("outer", 120.0, 165.0, 3))
    sensors = []
    for i, foot in enumerate(("left", "right")):
        sign = -1 if foot == "left" else 1
        for zone, x, y, ch in ref:
            # scale about the heel centre, then place the heel centre at ±stance/2
            xs = 85.0 + dx + (x - 85.0) * k
            channel = (f"0x{0x48 + i:02x}:A{ch}" if adc_type == "ads1115" else f"CH{ch + i * (len(ref))}")
            sensors.append(Sensor(f"{foot}_{zone}", foot, zone, round(sign * xs, 1), round(y * k, 1),
                                  channel, 1000.0))
    adc = AdcConfig(adc_type, (0x48, 0x49) if adc_type == "ads1115" else (0,), 860 if adc_type == "ads1115" else 0,
                    1.0, 400, 3.3, 1000.0, 1_000_000.0)
    if name is None:
        is_reference = foot_length_mm == 260 and stance_mm == 170
        name = f"default-{n_sensors}" if is_reference else f"foot-{int(round(foot_length_mm))}-{n_sensors}"
    return Layout(name, float(foot_length_mm), adc, tuple(sensors), Controls(17, 27, 18))
