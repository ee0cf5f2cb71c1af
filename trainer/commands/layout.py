"""footmat layout: a layout scaled to a person's feet from the reference layout (PRODUCT.md §2).

The new file is refused when ``--out`` already exists (add ``--force`` to replace it): a layout
file is something makers edit by hand (pins, per-sensor resistors) and the mat's calibration is
tied to its name, so silently replacing one would lose work. Templates, by contrast, are derived
files and are simply rewritten.
"""
from __future__ import annotations

from .common import positive_float, say

REFERENCE_FOOT_MM = 260.0
REFERENCE_STANCE_MM = 170.0


def add_arguments(p):
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--foot-length", type=positive_float, metavar="MM",
                     help="foot length, heel to the tip of the longest toe, in mm (150-350)")
    who.add_argument("--person", metavar="NAME", help="take the foot length from a person (footmat person add)")
    p.add_argument("--stance", type=positive_float, metavar="MM", default=REFERENCE_STANCE_MM,
                   help=f"distance between the heel centres in mm (default {REFERENCE_STANCE_MM:.0f})")
    p.add_argument("--sensors", type=int, choices=(6, 8), default=6,
                   help="6: heel, ball, toes per foot; 8: also the outer ball (default 6)")
    p.add_argument("--adc", choices=("ads1115", "mcp3008"), default="ads1115",
                   help="two ADS1115 on I2C (default) or one MCP3008 on SPI")
    p.add_argument("--name", metavar="NAME", help="layout name (default from the sizes, e.g. foot-240-6)")
    p.add_argument("--out", metavar="FILE.toml", required=True, help="the layout file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")


def layout_name(foot_mm: float, stance_mm: float, n_sensors: int, adc: str) -> str:
    """A name that differs whenever the geometry or the ADC does (the calibration file is per name)."""
    if foot_mm == REFERENCE_FOOT_MM and stance_mm == REFERENCE_STANCE_MM and adc == "ads1115":
        return f"default-{n_sensors}"
    name = f"foot-{_mm(foot_mm)}-{n_sensors}"
    if stance_mm != REFERENCE_STANCE_MM:
        name += f"-stance-{_mm(stance_mm)}"
    if adc != "ads1115":
        name += f"-{adc}"
    return name


def _mm(v: float) -> str:
    v = round(float(v), 1)
    return str(int(v)) if v.is_integer() else str(v)


def run(args) -> int:
    import tomllib
    from pathlib import Path

    from firmware.errors import UsageError
    from firmware.fileio import atomic_write_text
    from firmware.layout import parse_layout, reference_layout

    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise UsageError(f"--out {args.out!r} does not end in .toml", "layout files are TOML: e.g. --out my-mat.toml")
    if out.is_dir():
        raise UsageError(f"--out {args.out!r} is a folder", "give a file name ending in .toml")
    if out.exists() and not args.force:
        raise UsageError(f"{args.out} already exists",
                         "choose another file name, or add --force to replace it (its calibration stays tied to its name)")

    foot = args.foot_length
    if args.person is not None:
        from trainer.sessions import people
        person = people.load(args.person)
        if not person.foot_length_mm:
            raise UsageError(f"{person.name} has no foot length on record",
                             f"footmat person add {person.name!r} --weight-kg N --foot-length-mm MM, or use --foot-length")
        foot = float(person.foot_length_mm)
    foot = round(foot, 1)
    stance = round(args.stance, 1)
    if 150 <= foot <= 350:
        import math

        from trainer.drills.targets import min_stance_mm
        narrowest = math.ceil(min_stance_mm(foot))
        if stance < narrowest:
            raise UsageError(f"--stance {_mm(stance)} mm is too narrow for {_mm(foot)} mm feet: they would overlap",
                             f"use --stance {narrowest} or more (heel centres are usually 150-220 mm apart)")
    name = args.name or layout_name(foot, stance, args.sensors, args.adc)
    layout = reference_layout(args.sensors, foot, stance, args.adc, name)  # LayoutError on bad sizes
    text = layout.to_toml()
    checked = parse_layout(tomllib.loads(text), source=str(out))  # never write a file we would refuse
    atomic_write_text(out, text)

    adc = "2 x ADS1115 (0x48 left, 0x49 right)" if args.adc == "ads1115" else "1 x MCP3008"
    say(f"wrote {out}: layout {checked.name!r}, {len(checked.sensors)} sensors on {adc}, "
        f"foot {_mm(foot)} mm, heel centres {_mm(stance)} mm apart")
    for s in checked.sensors:
        say(f"  {s.name:<12} {s.channel:<8} x {s.x_mm:7.1f} mm  y {s.y_mm:6.1f} mm")
    say(f"next: footmat template --layout {out} --out {out.with_suffix('.pdf')}")
    return 0
