"""footmat check on a terminal: the live table fits an 80-column pane and redraws in place (a
real terminal: tmux, read back with capture-pane); the simulated guided check shows its steps."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _tmux(sock, *args, check=True):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, check=check)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/system-deps installs it)")
def test_live_check_fits_80_columns_and_redraws_in_place(tmp_path, footmat_home):
    sock = f"footmat-test-{os.getpid()}"
    footmat = Path(sys.executable).parent / "footmat"
    cmd = f"cd {ROOT} && FOOTMAT_HOME={footmat_home} TERM=xterm-256color {footmat} check --backend sim; sleep 30"
    _tmux(sock, "new-session", "-d", "-x", "80", "-y", "30", "-s", "chk", cmd)
    try:
        screens = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(screens) < 3:
            time.sleep(1.5)
            screen = _tmux(sock, "capture-pane", "-p", "-t", "chk").stdout
            if screen.count("frames/s (asked") != 1:     # caught mid-redraw (or not drawn yet): look again
                time.sleep(0.3)
                screen = _tmux(sock, "capture-pane", "-p", "-t", "chk").stdout
            if "frames/s (asked" in screen:
                screens.append(screen)
        assert len(screens) == 3, "the live table never appeared:\n" + (screens[-1] if screens else screen)
        for screen in screens:
            lines = screen.rstrip("\n").splitlines()
            assert max(len(ln) for ln in lines) <= 80
            # redrawn in place: one table on the screen, not a new one scrolled under the old
            assert screen.count("frames/s (asked") == 1, screen
            assert screen.count("left_heel") == 1, screen
        history = _tmux(sock, "capture-pane", "-p", "-S", "-200", "-t", "chk").stdout
        assert history.count("frames/s (asked") == 1, "the table scrolled:\n" + history
        _tmux(sock, "send-keys", "-t", "chk", "C-c")
        time.sleep(3)
        final = _tmux(sock, "capture-pane", "-p", "-S", "-200", "-t", "chk").stdout
        assert "footmat check — layout" in final
        assert max(len(ln) for ln in final.splitlines()) <= 80
    finally:
        _tmux(sock, "kill-server", check=False)


def test_simulated_guided_check_shows_its_steps(cli):
    code, out, err = cli("check", "--backend", "sim", "--guided")
    assert code == 0, err
    steps = [ln for ln in err.splitlines() if "the simulated person" in ln]
    assert len(steps) == 2 + 6
    assert "steps off the mat" in steps[0] and "steps on" in steps[1] and "left heel" in steps[2]
    assert max(len(ln) for ln in out.splitlines()) <= 80
