"""`footmat check --calibration FILE` loads and uses the file, or refuses it with one line (issue 20)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from calibration import store
from firmware.layout import load_layout

ROOT = Path(__file__).resolve().parents[3]
CHECK = ("check", "--backend", "sim", "--seconds", "1")


@pytest.fixture(scope="module")
def cal70(tmp_path_factory):
    """A calibration of the simulated mat made by `footmat calibrate` (hands-free, ~3 s)."""
    import os

    from trainer.cli import main

    d = tmp_path_factory.mktemp("cal")
    out = d / "cal70.json"
    old = os.environ.get("FOOTMAT_HOME")
    os.environ["FOOTMAT_HOME"] = str(d / "home")
    try:
        assert main(["calibrate", "--backend", "sim", "--weight-kg", "70", "--out", str(out), "--json"]) == 0
    finally:
        if old is None:
            os.environ.pop("FOOTMAT_HOME", None)
        else:
            os.environ["FOOTMAT_HOME"] = old
    return out


def one_line_refusal(code, err):
    lines = err.strip().splitlines()
    return code == 2 and len(lines) == 1 and lines[0].startswith("footmat check: ") and "Traceback" not in err


def test_a_nonexistent_file_is_refused_with_one_line():
    r = subprocess.run([sys.executable, "-m", "trainer.cli", *CHECK, "--json", "--calibration", "/nonexistent"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert one_line_refusal(r.returncode, r.stderr), r.stderr
    assert "/nonexistent" in r.stderr and "not found" in r.stderr
    assert r.stdout == ""


def test_a_damaged_file_is_refused_with_one_line(cli, tmp_path, cal70):
    bad = tmp_path / "bad.json"
    bad.write_text(cal70.read_text()[:200])            # cut short
    code, out, err = cli(*CHECK, "--calibration", str(bad))
    assert one_line_refusal(code, err) and "not valid JSON" in err and out == ""
    d = json.loads(cal70.read_text())
    d["sensors"][0]["gain"] = -1.0                      # out of range
    bad.write_text(json.dumps(d))
    code, out, err = cli(*CHECK, "--calibration", str(bad))
    assert one_line_refusal(code, err) and "out of range" in err


def test_a_file_for_another_layout_is_refused_with_one_line(cli, cal70):
    code, out, err = cli(*CHECK, "--layout", "default-8", "--calibration", str(cal70))
    assert one_line_refusal(code, err) and "not 'default-8'" in err


def test_the_calibration_is_used(cli, tmp_path, cal70):
    code, out, err = cli(*CHECK, "--json")
    plain = json.loads(out)
    assert code == 0 and plain["calibration"] is None and all("newtons" not in s for s in plain["sensors"])

    code, out, err = cli(*CHECK, "--json", "--calibration", str(cal70))
    r = json.loads(out)
    assert code == 0, err
    assert r["calibration"]["file"] == str(cal70) and "body-weight" in r["calibration"]["method"]
    newtons = np.array([s["newtons"] for s in r["sensors"]])
    assert np.all(newtons > 0)
    # the simulated 70 kg person standing still: the mat carries most of 686 N (midfoot unseen)
    assert 0.8 * 686 < r["calibration"]["load_n"] < 1.1 * 686
    assert r["calibration"]["load_n"] == pytest.approx(newtons.sum(), rel=0.05)
    # the same raw readings as without the calibration: it adds figures, changes no diagnosis
    assert [s["raw"] for s in r["sensors"]] == [s["raw"] for s in plain["sensors"]]

    # a copy with every gain doubled: every force doubles — the figures come from this file
    cal = store.load(cal70, load_layout())
    cal.gain = cal.gain * 2.0
    doubled = tmp_path / "doubled.json"
    cal.save(doubled)
    code, out, err = cli(*CHECK, "--json", "--calibration", str(doubled))
    r2 = json.loads(out)
    assert code == 0, err
    assert np.allclose([s["newtons"] for s in r2["sensors"]], 2 * newtons, rtol=0.01, atol=0.15)
    assert r2["calibration"]["load_n"] == pytest.approx(2 * r["calibration"]["load_n"], rel=0.01)


def test_the_text_report_shows_newtons(cli, cal70):
    code, out, err = cli(*CHECK, "--calibration", str(cal70))
    assert code == 0, err
    header = next(ln for ln in out.splitlines() if ln.startswith("sensor"))
    assert " N " in header
    assert f"calibration {cal70}: the mat carries" in out
