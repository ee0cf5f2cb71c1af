"""The live view in a real Tk window on a virtual X display, checked as a person sees it.

The test starts its own ``Xvfb`` (when the binary exists; ``make test`` installs it through
``.ci/system-deps``), runs the view with the TkAgg backend in a child process (pytest itself
keeps Agg), and takes screenshots of the X screen with Pillow (``ImageGrab`` over XCB). In the
screenshots: the CoP marker's colour sits at the pixel where the state puts it, and the cue
band shows different text once the phase changes.

Run this file as a script (``python tests/trainer/ui/test_view_window.py OUTDIR``, with DISPLAY set) to
keep the screenshots and look at them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COP_RGB = (0x00, 0x00, 0x00)          # trainer.ui.scene.COLORS["cop"]
PAUSED_RGB = (0xE6, 0x9F, 0x00)       # COLORS["paused"]


def _tk_problem() -> str | None:
    """None when this Python can open Tk windows, else why not."""
    code = "import tkinter, matplotlib.backends.backend_tkagg"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        return (f"this Python ({sys.executable}) cannot import tkinter: {last}. Debian: apt-get install "
                "python3-tk for the system Python; a pyenv Python must be rebuilt after apt-get install tk-dev")
    return None


@pytest.fixture(scope="module")
def xdisplay():
    if shutil.which("Xvfb") is None:
        pytest.skip("no Xvfb (Debian: apt-get install xvfb; `make test` installs it as root)")
    problem = _tk_problem()
    if problem:
        pytest.skip(problem)
    from trainer.bench.render import start_xvfb

    proc, num = start_xvfb()
    if not num:
        proc.kill()
        proc.wait()
        pytest.skip("Xvfb did not start")
    yield f":{num}"
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the child: a real window ----------------------------------------------------------------------
def child(out: Path) -> None:
    """Show the view in a Tk window, draw two phases, screenshot the screen after each."""
    import matplotlib
    matplotlib.use("TkAgg")
    import numpy as np
    from PIL import ImageGrab

    sys.path.insert(0, str(ROOT))
    from firmware.layout import load_layout
    from trainer.drills.engine import Snapshot
    from trainer.drills.targets import spiral
    from trainer.app.simperson import natural_centre
    from trainer.ui.view import LiveView

    layout = load_layout()
    view = LiveView(layout, title="footmat — window test")
    path = spiral(layout, natural_centre(layout))
    widget = view.fig.canvas.get_tk_widget()
    states = [
        ("left heel", np.array([-60.0, 60.0]), "running", 78.0),
        ("right toes", np.array([55.0, 200.0]), "running", 78.0),
        ("paused — step back on to continue", np.array([55.0, 200.0]), "paused", 78.0),
    ]
    shots = []
    for i, (cue, cop, state, left) in enumerate(states):
        snap = Snapshot(state=state, cop=cop, target=cop + [10.0, 15.0], forces=np.array([300, 100, 50, 100, 100, 30.0]),
                        total_n=680.0, left_pct=left - 20 * i, heel_pct_left=70.0, heel_pct_right=40.0, cue=cue,
                        loop=i + 1, loops=3, last_score=80.0)
        view.reset()
        for _ in range(40):                              # settle the display filter on this CoP
            view.feed(np.arange(5) / 200.0, np.tile(cop, (5, 1)))
        view.maybe_draw(snap, path_xy=path.dense(), force=True)
        for _ in range(10):                              # let Tk put it on the screen
            view.poll()
            time.sleep(0.03)
        view.maybe_draw(snap, path_xy=path.dense(), force=True)
        view.poll()
        time.sleep(0.2)
        view.poll()
        img = ImageGrab.grab(xdisplay=os.environ["DISPLAY"])
        name = out / f"screen{i}.png"
        img.save(name)
        x, y = view.marker_px()
        h = view.fig.bbox.height
        band = view.fig_bbox(view.band_rect)
        shots.append({"file": str(name), "cue": cue, "state": state,
                      "marker": [widget.winfo_rootx() + x, widget.winfo_rooty() + (h - y)],
                      "origin": [widget.winfo_rootx(), widget.winfo_rooty()],
                      "size": [widget.winfo_width(), widget.winfo_height()],
                      "band": [widget.winfo_rootx() + band.x0, widget.winfo_rooty() + (h - band.y1),
                               widget.winfo_rootx() + band.x1, widget.winfo_rooty() + (h - band.y0)],
                      "frames": view.frames_drawn, "backend": matplotlib.get_backend()})
    # blitting fidelity: after many partial frames of a moving state, the window must show what a
    # full redraw of the same state shows (a changed place not copied would stay stale)
    c = natural_centre(layout)
    view.reset()
    for i in range(90):
        th = i / 30 * 2 * np.pi / 6
        cop = c + 55 * np.array([np.cos(th), np.sin(th)])
        snap = Snapshot(state="running", cop=cop, target=c + 55 * np.array([np.cos(th + 0.4), np.sin(th + 0.4)]),
                        forces=680 * (1 + np.cos(th + np.arange(6))) / 6, total_n=680.0,
                        left_pct=50 + 30 * np.cos(th), heel_pct_left=50 + 20 * np.sin(th),
                        heel_pct_right=float("nan") if 30 <= i < 45 else 40.0, cue="left heel → ball",
                        loop=2, loops=3, last_score=71.0)
        view.feed(np.arange(7) / 200.0 + i / 30, np.tile(cop, (7, 1)))
        view.maybe_draw(snap, path_xy=path.dense(), force=True)
        view.poll()
    box = (widget.winfo_rootx(), widget.winfo_rooty(), widget.winfo_rootx() + widget.winfo_width(),
           widget.winfo_rooty() + widget.winfo_height())
    time.sleep(0.2)
    view.poll()
    ImageGrab.grab(bbox=box, xdisplay=os.environ["DISPLAY"]).save(out / "blitted.png")
    view.fig.canvas.draw()                               # a full redraw of the same state
    for _ in range(5):
        view.poll()
        time.sleep(0.05)
    ImageGrab.grab(bbox=box, xdisplay=os.environ["DISPLAY"]).save(out / "full.png")
    shots.append({"file": str(out / "blitted.png"), "full": str(out / "full.png"), "frames": view.frames_drawn})
    view.close()
    (out / "shots.json").write_text(json.dumps(shots, indent=1))


def _run_child(display: str, out: Path) -> list[dict]:
    env = dict(os.environ, DISPLAY=display, MPLBACKEND="TkAgg", PYTHONPATH=str(ROOT))
    env.pop("FOOTMAT_FULLSCREEN", None)
    r = subprocess.run([sys.executable, __file__, str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((out / "shots.json").read_text())


def _near(img, xy, rgb, radius: int = 3, tol: int = 40) -> bool:
    x0, y0 = int(round(xy[0])), int(round(xy[1]))
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            p = img.getpixel((x0 + dx, y0 + dy))[:3]
            if all(abs(a - b) <= tol for a, b in zip(p, rgb)):
                return True
    return False


@pytest.fixture(scope="module")
def window_shots(xdisplay, tmp_path_factory):
    return _run_child(xdisplay, tmp_path_factory.mktemp("window"))


@pytest.mark.display
def test_marker_and_cue_in_a_real_window(window_shots):
    from PIL import Image

    shots = window_shots[:3]          # the three phases (the last entry is the blit check)
    assert shots[0]["backend"].lower() == "tkagg"
    w, h = shots[0]["size"]                      # 800×480, times the screen's pixel ratio
    assert w >= 800 and abs(w / h - 800 / 480) < 0.02
    imgs = [Image.open(s["file"]).convert("RGB") for s in shots]
    # the marker's colour at the pixel the state puts it at, in both running phases
    for s, img in zip(shots[:2], imgs[:2]):
        assert _near(img, s["marker"], COP_RGB), (s, img.getpixel(tuple(int(v) for v in s["marker"])))
    # … and not at the place it left
    assert not _near(imgs[1], shots[0]["marker"], COP_RGB, radius=1)
    # the cue band: dark text on white, different text in the second phase
    import numpy as np
    bands = [np.asarray(img.crop(tuple(int(round(v)) for v in s["band"])), dtype=int) for s, img in zip(shots, imgs)]
    for b in bands[:2]:
        assert (b.max(axis=2) < 90).sum() > 300          # large type is there
    assert (np.abs(bands[0] - bands[1]).max(axis=2) > 60).sum() > 300
    # paused: the band turns orange and the feet go dark — the marker is under the overlay
    assert np.all(np.abs(bands[2][bands[2].shape[0] // 2, 5] - PAUSED_RGB) <= 30)
    assert not _near(imgs[2], shots[2]["marker"], COP_RGB, radius=1, tol=25)


@pytest.mark.display
def test_blitted_window_matches_a_full_redraw(window_shots):
    """Only the changed pixels are copied to the window, yet after 90 moving frames (marker,
    target, trail, discs, bars, a bar going blank and back) it shows what a full redraw shows."""
    import numpy as np
    from PIL import Image

    last = window_shots[-1]
    a = np.asarray(Image.open(last["file"]).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(last["full"]).convert("RGB"), dtype=int)
    assert a.shape == b.shape and a.shape[1] >= 800
    stale = (np.abs(a - b).max(axis=2) > 40).sum()
    assert stale < 40, f"{stale} pixels differ between the blitted window and a full redraw"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "view-window-shots")
    target.mkdir(parents=True, exist_ok=True)
    child(target)
