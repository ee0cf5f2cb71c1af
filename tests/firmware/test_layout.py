import tomllib

import pytest

from firmware.errors import FootmatError, LayoutError
from firmware.layout import available_layouts, load_layout, parse_layout, reference_layout


def good():
    return tomllib.loads(reference_layout(6).to_toml())


def test_shipped_layouts_load_and_match_reference():
    assert {"default-6", "default-8"} <= set(available_layouts())
    six, eight = load_layout("default-6"), load_layout("default-8")
    assert len(six.sensors) == 6 and len(eight.sensors) == 8
    assert six == reference_layout(6) and eight == reference_layout(8)
    s = {x.name: x for x in six.sensors}
    assert (s["right_heel"].x_mm, s["right_heel"].y_mm) == (85, 35)
    assert (s["left_ball"].x_mm, s["left_ball"].y_mm) == (-70, 185)
    assert s["right_toes"].channel == "0x49:A2"


def test_layouts_ship_inside_the_wheel(tmp_path):
    """An installed footmat (not a checkout) finds its layouts as package data."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
                        "-w", str(tmp_path), str(root)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {r.stderr.strip()[-200:]}")
    wheel = next(tmp_path.glob("footmat-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "firmware/layouts/default-6.toml" in names and "firmware/layouts/default-8.toml" in names
    # the web view's own files and the index's migrations ship too, and the build names no data
    # folder setuptools would ignore (a wall of warnings in make's install otherwise)
    for folder, first in (("trainer/web/static", "live.js"), ("trainer/store/migrations", "0001_initial.sql")):
        here = sorted(p.name for p in (root / folder).iterdir() if p.is_file() and p.name != "__init__.py")
        assert first in here and all(f"{folder}/{n}" in names for n in here), folder
    assert any(n.startswith("trainer/web/templates/") for n in names)
    assert "is absent from the `packages` configuration" not in r.stdout + r.stderr


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(colour="red"), "unknown field 'colour'"),
    (lambda d: d["adc"].update(speed=1), "unknown field adc.speed"),
    (lambda d: d["sensor"][1].update(channel=d["sensor"][0]["channel"]), "duplicate channel"),
    (lambda d: d["sensor"][0].pop("foot"), "has no foot"),
    (lambda d: d["sensor"][0].update(foot="middle"), "is not left/right"),
    (lambda d: d["sensor"][0].update(zone="arch"), "zone 'arch'"),
    (lambda d: d["sensor"][0].update(x_mm="far"), "is not a number"),
    (lambda d: d["sensor"][0].update(x_mm=85), "wrong side"),
    (lambda d: d["adc"].update(type="hx711"), "not supported"),
    (lambda d: d["adc"].update(gain=3), "not an ADS1115 gain"),
    (lambda d: d["adc"].update(addresses=[0x48, 0x48]), "duplicate"),
    (lambda d: d.update(sensor=[s for s in d["sensor"] if s["foot"] == "left"]), "no sensor on the right foot"),
    (lambda d: d.pop("adc"), "missing [adc]"),
    (lambda d: d.update(controls={"button_pin": 17, "led_pin": 17}), "share a pin"),
])
def test_bad_layouts_are_refused_with_the_fault(mutate, words):
    d = good()
    mutate(d)
    with pytest.raises(LayoutError) as e:
        parse_layout(d, "x.toml")
    assert words in str(e.value)
    assert "\n" not in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, FootmatError)


def test_bad_layout_file_gives_exit_2_and_one_line(tmp_path, cli):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nfoot_length_mm = 260\ncolour = 1\n')
    code, out, err = cli("demo", "--layout", str(bad), "--no-plot", "--seconds", "5")
    assert code == 2
    assert err.strip().count("\n") == 0 and "unknown field 'colour'" in err
    junk = tmp_path / "junk.toml"
    junk.write_bytes(b"\x00\xff not toml [[[")
    code, out, err = cli("demo", "--layout", str(junk), "--no-plot")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_scaled_layout_keeps_toes_under_small_feet():
    small = reference_layout(6, foot_length_mm=215)
    toes = [s for s in small.sensors if s.zone == "toes"][0]
    assert toes.y_mm < 215 * 0.93
    with pytest.raises(LayoutError):
        reference_layout(6, foot_length_mm=90)
