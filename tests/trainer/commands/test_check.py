"""footmat check: diagnosis of the simulated mat with injected faults, and one-line failures."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from trainer.cli import main


def check(capsys, *args):
    rc = main(["check", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def check_json(capsys, *args):
    rc, out, err = check(capsys, "--backend", "sim", "--seconds", "1", "--json", *args)
    return rc, json.loads(out), err


def status(report, name):
    return next(s for s in report["sensors"] if s["name"] == name)


@pytest.fixture
def mcp_layout(tmp_path):
    from firmware.layout import reference_layout

    p = tmp_path / "mcp-6.toml"
    p.write_text(reference_layout(6, adc_type="mcp3008", name="mcp-6").to_toml())
    return str(p)


def test_healthy_simulated_mat(capsys):
    rc, r, err = check_json(capsys)
    assert rc == 0 and r["ok"] and r["faults"] == []
    assert r["frames"] == 200 and r["frame_rate_hz"] == pytest.approx(200, rel=0.01)
    assert r["clock"] == "virtual" and r["backend"] == "sim"
    assert [c["state"] for c in r["chips"]] == ["ok", "ok"]
    for s in r["sensors"]:
        assert s["status"] == "ok"
        assert 0.3 < s["volts"] < 2.5 and s["conductance_us"] > 100
        assert s["raw"] == pytest.approx(s["volts"] / (4.096 / 32768), abs=1)
    for key in ("i2c_errors", "retries", "timeouts", "dropped", "late", "jitter_ms"):
        assert key in r["counters"]


@pytest.mark.parametrize("kind, expected", [("open", "open"), ("short", "shorted"), ("noisy", "noisy")])
def test_each_sensor_fault_is_found(capsys, kind, expected):
    rc, r, _ = check_json(capsys, "--sim-fault", f"right_ball={kind}")
    assert rc == 1 and not r["ok"]
    assert status(r, "right_ball")["status"] == expected
    assert all(s["status"] == "ok" for s in r["sensors"] if s["name"] != "right_ball")
    assert any(f.startswith("right_ball") for f in r["faults"])


def test_open_is_told_from_unloaded_by_the_bleed_resistor(capsys):
    """An unloaded sensor reads the bleed level (~3.3 mV), a broken wire 0 V."""
    from trainer.maker.diagnosis import diagnose
    from firmware.frames import FrameBlock
    from firmware.layout import load_layout
    import numpy as np

    layout = load_layout("default-6")
    unloaded = 26.0                                  # ≈ 3.3 mV at gain 1
    raw = np.tile([unloaded, 0.0, unloaded, unloaded, unloaded, unloaded], (50, 1))
    raw += np.random.default_rng(0).integers(-2, 3, raw.shape) * (raw > 0)
    block = FrameBlock(np.arange(50) / 200, raw, np.zeros(50, np.uint16))
    chips = [{"address": "0x48", "state": "ok", "channels": ["A0", "A1", "A2"], "error": None},
             {"address": "0x49", "state": "ok", "channels": ["A0", "A1", "A2"], "error": None}]
    r = diagnose(layout, block, {}, chips, backend="sim", rate_hz=200, elapsed_s=0.25, virtual=True)
    assert [s["status"] for s in r["sensors"]] == ["ok", "open", "ok", "ok", "ok", "ok"]


def test_stuck_chip(capsys):
    rc, r, _ = check_json(capsys, "--sim-fault", "0x49=stuck")
    assert rc == 1
    assert [s["status"] for s in r["sensors"]] == ["ok"] * 3 + ["stuck"] * 3
    assert r["chips"][1]["state"] == "stuck" and "did not finish" in r["chips"][1]["error"]
    assert r["counters"]["timeouts"] >= 1


def test_missing_chip_names_address_and_fix(capsys):
    rc, r, _ = check_json(capsys, "--sim-fault", "0x48=absent")
    assert rc == 1
    assert [s["status"] for s in r["sensors"]] == ["missing"] * 3 + ["ok"] * 3
    assert r["chips"][0]["state"] == "missing"
    text = " ".join(r["faults"])
    assert "0x48" in text and "i2cdetect -y 1" in text and "ADDR" in text


def test_i2c_errors_are_counted_and_reported(capsys):
    rc, r, _ = check_json(capsys, "--sim-i2c-errors", "3")
    c = r["counters"]
    assert c["i2c_errors"] > 0 and c["retries"] > 0
    assert rc == 1 and any(f.startswith("bus:") for f in r["faults"])
    assert all(s["status"] == "ok" for s in r["sensors"])


def test_text_report_has_bars_and_faults(capsys):
    rc, out, err = check(capsys, "--backend", "sim", "--seconds", "1", "--sim-fault", "left_heel=open")
    assert rc == 1
    assert "left_heel" in out and "█" in out and "FAULTS:" in out and "open" in out
    assert "frames/s" in out
    assert "reading simulated mat" in err


def test_mcp3008_layout_on_the_simulator(capsys, mcp_layout):
    rc, r, _ = check_json(capsys, "--layout", mcp_layout)
    assert rc == 0 and all(s["status"] == "ok" for s in r["sensors"])
    rc, r, _ = check_json(capsys, "--layout", mcp_layout, "--sim-fault", "chip=absent")
    assert rc == 1 and all(s["status"] == "missing" for s in r["sensors"])
    assert r["chips"][0]["state"] == "missing" and "MISO" in " ".join(r["faults"])


def test_guided_finds_nothing_on_a_good_mat(capsys):
    rc, r, _ = check_json(capsys, "--guided")
    assert rc == 0, r["faults"]
    assert [s["status"] for s in r["guided"]["sensors"]] == ["ok"] * 6


def test_guided_finds_swapped_and_dead_sensors(capsys):
    rc, r, _ = check_json(capsys, "--guided", "--sim-swap", "left_ball,left_toes", "--sim-fault", "right_heel=open")
    assert rc == 1
    g = {s["name"]: s["status"] for s in r["guided"]["sensors"]}
    assert g == {"left_heel": "ok", "left_ball": "swapped", "left_toes": "swapped",
                 "right_heel": "dead", "right_ball": "ok", "right_toes": "ok"}


def test_real_adc_on_this_machine_is_one_line_exit_2(capsys, monkeypatch, tmp_path):
    import firmware.ads1115 as ads

    monkeypatch.setattr(ads, "I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    rc, out, err = check(capsys, "--backend", "ads1115", "--seconds", "1")
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "I2C bus 1" in lines[0] and "Traceback" not in err


def test_mcp3008_without_gpio_is_one_line_exit_2(capsys, monkeypatch, mcp_layout):
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory

    def none():
        raise BadPinFactory("Unable to load any default pin factory!")

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(none))
    rc, out, err = check(capsys, "--layout", mcp_layout, "--backend", "mcp3008", "--json")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1


def test_the_command_line_really_exits_2_without_a_traceback():
    """The real process on this x86 machine (no /dev/i2c-1): one line, exit 2."""
    import os

    if os.path.exists("/dev/i2c-1"):
        pytest.skip("this machine has an I2C bus")
    p = subprocess.run([sys.executable, "-m", "trainer.cli", "check", "--backend", "ads1115"],
                       capture_output=True, text=True, env={**os.environ, "FOOTMAT_DEBUG": ""})
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr


@pytest.mark.parametrize("args", [["--backend", "replay:x"], ["--backend", "nope"],
                                  ["--backend", "sim", "--sim-fault", "left_heel=melted"],
                                  ["--backend", "sim", "--sim-fault", "nobody=open"],
                                  ["--backend", "ads1115", "--sim-fault", "left_heel=open"]])
def test_bad_usage_is_exit_2(capsys, args):
    rc, out, err = check(capsys, *args, "--seconds", "1")
    assert rc == 2 and len(err.strip().splitlines()) == 1


def test_help_hides_the_testing_options():
    p = subprocess.run([sys.executable, "-m", "trainer.cli", "check", "--help"], capture_output=True, text=True)
    assert "--guided" in p.stdout and "--seconds" in p.stdout
    assert "--sim-fault" not in p.stdout


def test_command_module_imports_only_the_stdlib():
    code = "import sys, trainer.commands.check; print('numpy' in sys.modules, 'gpiozero' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
