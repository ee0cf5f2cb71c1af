"""hardware/pi/install.sh: what can be checked without a Pi (syntax, shellcheck, --dry-run, the
autostart entry). The script is only ever run with --dry-run here: it changes nothing then."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "hardware" / "pi" / "install.sh"
DESKTOP = ROOT / "hardware" / "pi" / "footmat.desktop"
BASH = shutil.which("bash")

pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")

BOOKWORM_CONFIG = """\
# For more options and information see
# http://rpf.io/configtxt
#dtparam=i2c_arm=on
#dtparam=i2s=on
dtparam=i2c_arm=on
dtparam=spi=on

[cm4]
otg_mode=1

[all]
"""


def dry_run(tmp_path, *args, config: str | None = BOOKWORM_CONFIG):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LC_ALL": "C"}
    if config is not None:
        cfg = tmp_path / "config.txt"
        cfg.write_text(config)
        env["FOOTMAT_PI_CONFIG"] = str(cfg)
    p = subprocess.run([BASH, str(SCRIPT), "--dry-run", *args], capture_output=True, text=True, env=env, timeout=60)
    return p


def _desktop_block(out: str, path_end: str) -> configparser.ConfigParser:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("+ write ") and line.endswith(path_end + ":"))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        body.append(line[4:])
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    cp.read_string("\n".join(body))
    return cp


def test_bash_syntax():
    subprocess.run([BASH, "-n", str(SCRIPT)], check=True)


def test_script_is_executable():
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_clean():
    p = subprocess.run(["shellcheck", "--severity=style", str(SCRIPT)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout


def test_desktop_template_fields():
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    cp.read(DESKTOP)
    e = cp["Desktop Entry"]
    assert e["Type"] == "Application" and e["Name"] == "footmat" and e["Terminal"] == "false"
    assert e["Exec"].startswith("env MPLBACKEND=TkAgg FOOTMAT_FULLSCREEN=1 @FOOTMAT@ @ARGS@")
    assert e["TryExec"] == "@FOOTMAT@"
    assert e.get("Hidden", "false") == "false" and "OnlyShowIn" not in e


def test_dry_run_lists_every_step_and_changes_nothing(tmp_path):
    p = dry_run(tmp_path, "--autostart")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    for step in ["+ sudo apt-get install -y", "python3-tk", "python3-lgpio", "python3-venv", "i2c-tools",
                 "+ sudo raspi-config nonint do_i2c 0", "+ sudo raspi-config nonint do_spi 0",
                 "+ sudo usermod -aG i2c,spi,gpio ",
                 f"+ python3 -m venv --system-site-packages {ROOT}/.venv",
                 f"+ {ROOT}/.venv/bin/python -m pip install -e {ROOT}",
                 "+ sudo raspi-config nonint do_boot_behaviour B4", "+ sudo raspi-config nonint do_blanking 1",
                 "+dtparam=i2c_arm_baudrate=400000"]:
        assert step in out, step
    # nothing written: no desktop files, config.txt untouched
    assert not any((tmp_path / "home").rglob("*"))
    assert (tmp_path / "config.txt").read_text() == BOOKWORM_CONFIG
    # the baudrate goes right after the line that enables the bus, outside the [cm4] section
    diff = out[out.index("+ edit "):]
    assert diff.index(" dtparam=i2c_arm=on") < diff.index("+dtparam=i2c_arm_baudrate=400000") < diff.index(" dtparam=spi=on")


def test_autostart_entry_as_installed(tmp_path):
    p = dry_run(tmp_path, "--autostart=drill spiral --person anna")
    assert p.returncode == 0, p.stderr
    e = _desktop_block(p.stdout, "/.config/autostart/footmat.desktop")["Desktop Entry"]
    footmat = f"{ROOT}/.venv/bin/footmat"
    assert e["Exec"] == f"env MPLBACKEND=TkAgg FOOTMAT_FULLSCREEN=1 {footmat} drill spiral --person anna"
    assert e["TryExec"] == footmat and e["Type"] == "Application" and e["Terminal"] == "false"
    assert e["X-GNOME-Autostart-enabled"] == "true"
    # the same entry goes into the menu, so the trainer can be started again without a keyboard
    menu = _desktop_block(p.stdout, "/.local/share/applications/footmat.desktop")["Desktop Entry"]
    assert menu["Exec"] == e["Exec"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_autostart_entry_validates(tmp_path):
    p = dry_run(tmp_path, "--autostart")
    cp = _desktop_block(p.stdout, "/.config/autostart/footmat.desktop")
    f = tmp_path / "footmat.desktop"
    with f.open("w") as fh:
        cp.write(fh, space_around_delimiters=False)
    v = subprocess.run(["desktop-file-validate", str(f)], capture_output=True, text=True)
    assert v.returncode == 0 and "error" not in v.stdout.lower(), v.stdout


def test_without_autostart_no_login_changes(tmp_path):
    p = dry_run(tmp_path)
    assert p.returncode == 0, p.stderr
    assert "do_boot_behaviour" not in p.stdout and "do_blanking" not in p.stdout
    assert "/.config/autostart/" not in p.stdout
    p = dry_run(tmp_path, "--no-autostart")
    assert "+ rm -f " in p.stdout and p.stdout.rstrip().endswith("check")


@pytest.mark.parametrize("config,expected_tail", [
    ("dtparam=i2c_arm=on\ndtparam=i2c_arm_baudrate=100000\n", ["-dtparam=i2c_arm_baudrate=100000",
                                                               "+dtparam=i2c_arm_baudrate=400000"]),
    ("#dtparam=i2c_arm_baudrate=100000\ndtparam=i2c_arm=on\n", ["-#dtparam=i2c_arm_baudrate=100000",
                                                                "+dtparam=i2c_arm_baudrate=400000"]),
    ("[pi4]\narm_boost=1\n", ["+", "+[all]", "+dtparam=i2c_arm_baudrate=400000"]),
])
def test_config_edits(tmp_path, config, expected_tail):
    p = dry_run(tmp_path, config=config)
    assert p.returncode == 0, p.stderr
    diff = p.stdout[p.stdout.index("+ edit "):p.stdout.index("== 3/5")]
    changed = [line.strip() for line in diff.splitlines() if line.strip()[:1] in "+-" and not line.strip().startswith(("+++", "---", "+ edit"))]
    assert changed == expected_tail


def test_config_already_set_is_left_alone(tmp_path):
    p = dry_run(tmp_path, config="dtparam=i2c_arm=on\ndtparam=i2c_arm_baudrate=400000\n")
    assert "already has dtparam=i2c_arm_baudrate=400000" in p.stdout
    assert "+ edit " not in p.stdout


@pytest.mark.parametrize("args,needle", [
    (["--frobnicate"], "unknown option '--frobnicate'"),
    (["--autostart=drill; rm -rf ~"], "may only hold"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, args, needle):
    p = dry_run(tmp_path, *args)
    assert p.returncode == 2
    assert needle in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert p.stdout == ""


def test_help(tmp_path):
    p = subprocess.run([BASH, str(SCRIPT), "--help"], capture_output=True, text=True)
    assert p.returncode == 0
    assert "--autostart" in p.stdout and "--dry-run" in p.stdout and not p.stdout.startswith("!")


def test_serve_user_service_as_installed(tmp_path):
    """--serve installs `footmat serve` as a systemd user service (opt-in; default --lan), started at boot."""
    p = dry_run(tmp_path, "--serve")
    assert p.returncode == 0, p.stderr
    unit = _desktop_block(p.stdout, "/.config/systemd/user/footmat-serve.service")
    assert unit["Service"]["ExecStart"] == f'"{ROOT}/.venv/bin/footmat" serve --lan'
    assert unit["Service"]["EnvironmentFile"] == "-%h/.config/footmat/serve.env"
    assert unit["Install"]["WantedBy"] == "default.target"
    for step in ["+ systemctl --user enable --now footmat-serve.service", "+ sudo loginctl enable-linger "]:
        assert step in p.stdout, step
    assert not any((tmp_path / "home").rglob("*"))
    p = dry_run(tmp_path, "--serve=--port 9000")
    assert _desktop_block(p.stdout, "/footmat-serve.service")["Service"]["ExecStart"].endswith("serve --port 9000")
    p = dry_run(tmp_path, "--no-serve")
    assert "+ systemctl --user disable --now footmat-serve.service" in p.stdout
    assert "systemctl" not in dry_run(tmp_path).stdout                 # opt-in: nothing without --serve
    p = dry_run(tmp_path, "--serve=--lan; curl evil")
    assert p.returncode == 2 and "may only hold" in p.stderr
