"""Every drill's live view in a real Tk window on an 800×480 screen (Xvfb), as a person sees it.

A child process runs each drill on the simulated mat with a simulated person (virtual time,
the real engine and estimator, the view fed as the live loop feeds it) in a TkAgg window on
``Xvfb -screen 0 800x480x24``, at the X server's default density and at 150 dpi (Tk's scaling
1.39 and 2.08). At a chosen moment of each drill it screenshots the screen and records where
the window is, the view's status and the sizes its text is drawn at. The tests check that:

- the window lies within the screen and fills it: 800×480, at either density;
- the cue's capitals are at least 60 px tall and the figures at least 36 px;
- each drill's own counter or timer is in the status and drawn (dark pixels where it is);
- during "left toes" the spiral's ring lies on the left foot's toes zone, in the status and in
  the screenshot's pixels;
- after the drill's blitted frames the window shows what a full redraw shows.

Run this file as a script (``python tests/trainer/ui/test_view_screen.py OUTDIR``, with DISPLAY
set to an 800×480 screen) to keep the screenshots.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TARGET_RGB = (0x00, 0x9E, 0x73)        # trainer.ui.scene.COLORS["target"]
# (drill, options, until: the active time (s) to show, or the spiral's cue to wait for)
PLAN = [
    ("spiral", {"loops": 1}, "left toes"),
    ("heel-raises", {"reps": 3, "sets": 2}, 5.6),
    ("toe-press", {"reps": 2}, 4.8),
    ("shift-lr", {"cycles": 1}, 3.3),
    ("shift-ap", {"cycles": 1}, 3.3),
    ("limits", {"lean-time": 5.0}, 5.0),
    ("stance", {"duration": 10.0}, 4.2),
    ("one-leg", {"max-time": 10.0}, 2.2),
]
SCREENSHOTS = ("spiral", "heel-raises", "limits")       # kept in OUTDIR when run as a script


def _tk_problem() -> str | None:
    code = "import tkinter, matplotlib.backends.backend_tkagg"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


def start_xvfb(dpi: int | None):
    """A private ``Xvfb`` with an 800×480 screen (at ``dpi``); returns (process, display)."""
    r_fd, w_fd = os.pipe()
    cmd = ["Xvfb", "-displayfd", str(w_fd), "-screen", "0", "800x480x24", "-nolisten", "tcp"]
    if dpi:
        cmd += ["-dpi", str(dpi)]
    proc = subprocess.Popen(cmd, pass_fds=(w_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w_fd)
    data, deadline = b"", time.monotonic() + 10
    while time.monotonic() < deadline and not data.endswith(b"\n"):
        if select.select([r_fd], [], [], 0.2)[0]:
            chunk = os.read(r_fd, 16)
            if not chunk:
                break
            data += chunk
    os.close(r_fd)
    return proc, (f":{data.decode().strip()}" if data.strip() else None)


# -- the child: each drill in a real window ----------------------------------------------------------
def _cap_px(text_artist, dpi: float, glyph: str = "H") -> float:
    """Height (px) of ``glyph`` in the artist's font at its size: the capital height."""
    from matplotlib.textpath import TextPath

    return TextPath((0, 0), glyph, prop=text_artist.get_fontproperties()).get_extents().height * dpi / 72.0


def _screen_box(view, bbox):
    """A display-space bbox (origin bottom left) as screen pixels (x0, y0, x1, y1), origin top left."""
    x, y, _, h = view.window_box()
    return [x + bbox.x0, y + (h - bbox.y1), x + bbox.x1, y + (h - bbox.y0)]


def run_drill(name: str, options: dict, until, out: Path | None) -> dict:
    import numpy as np
    from PIL import ImageGrab

    from firmware.clock import VirtualClock
    from firmware.layout import load_layout
    from firmware.sim.vector import VectorSimSource
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptedPerson
    from trainer import drills
    from trainer.app.simcal import nominal_sim_calibration
    from trainer.app.simperson import Follower, natural_centre
    from trainer.drills.engine import DrillEngine
    from trainer.estimate.estimator import Estimator
    from trainer.ui.view import LiveView

    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=4)
    source = VectorSimSource(SimMat(layout, person, seed=4), VirtualClock(), 200.0)
    estimator = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
    defn = drills.get(name)
    engine = DrillEngine(defn.make(defn.resolve(options)), layout, person.weight_n, 200.0)
    follower.engine = engine
    view = LiveView(layout, title=f"footmat — {name}")
    after = None
    while not engine.done:
        eb = estimator.estimate(source.read())
        engine.process(eb)
        view.feed(eb.t, eb.cop)
        view.feed_feet(eb.t, eb.cop_left, eb.cop_right)
        view.maybe_draw(engine.snapshot, path_xy=engine.path_xy(), engine=engine)
        snap = engine.snapshot
        if snap.t > 120.0:
            raise RuntimeError(f"{name}: never reached {until!r} (state {snap.state}, events {engine.events[-3:]})")
        if snap.state != "running":
            continue
        a = float(engine.active(snap.t)[0])
        reached = snap.cue == until if isinstance(until, str) else a >= until
        if reached and after is None:
            after = a
        if after is not None and a >= after + (0.6 if isinstance(until, str) else 0.0):
            break
    for _ in range(3):                         # the last state, on the screen
        view.maybe_draw(engine.snapshot, path_xy=engine.path_xy(), engine=engine, force=True)
        view.poll()
        time.sleep(0.1)
    win = view._tk_window()
    shot = ImageGrab.grab(xdisplay=os.environ["DISPLAY"])
    png = (out or Path(os.environ["VIEW_SHOTS"])) / f"{name}.png"
    shot.save(png)
    renderer = view.fig.canvas.get_renderer()
    dpi = view.fig.dpi
    st = view.status
    res = {"drill": name, "png": str(png), "box": list(view.window_box()),
           "screen": [int(win.winfo_screenwidth()), int(win.winfo_screenheight())],
           "tk_scaling": float(win.tk.call("tk", "scaling")), "dpi": dpi, "status": st.to_dict(),
           "cue": view.cue.get_text(), "cue_cap_px": _cap_px(view.cue, dpi),
           "value_cap_px": _cap_px(view.counter_value, dpi, "8"),
           "detail_cap_px": _cap_px(view.counter_detail, dpi, "8"),
           "bar_cap_px": _cap_px(view.bar_text[0], dpi, "8"),
           "texts": {k: {"text": a.get_text(), "box": _screen_box(view, a.get_window_extent(renderer))}
                     for k, a in (("cue", view.cue), ("value", view.counter_value), ("detail", view.counter_detail),
                                  ("label", view.counter_label), ("bar", view.bar_text[0]))}}
    if st.ring is not None and st.ring.foot is not None:
        tr = view.ax.transData
        c = tr.transform(st.ring.xy)
        r_px = tr.transform(st.ring.xy + [st.ring.radius_mm, 0])[0] - c[0]
        x, y, _, h = view.window_box()
        zones = {}
        for s in layout.sensors:
            p = tr.transform([s.x_mm, s.y_mm])
            zones[s.name] = [x + p[0], y + h - p[1]]
        res["ring_px"] = {"centre": [x + c[0], y + h - c[1]], "radius": float(r_px), "sensors": zones}
    # blitting fidelity: the window after the drill's blitted frames against a full redraw
    box = tuple(view.window_box())
    bbox = (box[0], box[1], box[0] + box[2], box[1] + box[3])
    blitted = np.asarray(ImageGrab.grab(bbox=bbox, xdisplay=os.environ["DISPLAY"]).convert("RGB"), dtype=int)
    view.fig.canvas.draw()
    for _ in range(5):
        view.poll()
        time.sleep(0.05)
    full = np.asarray(ImageGrab.grab(bbox=bbox, xdisplay=os.environ["DISPLAY"]).convert("RGB"), dtype=int)
    res["stale_px"] = int((np.abs(blitted - full).max(axis=2) > 40).sum())
    res["frames"] = view.frames_drawn
    view.close()
    return res


def child(out: Path, names: list[str]) -> None:
    import matplotlib
    matplotlib.use("TkAgg")
    sys.path.insert(0, str(ROOT))
    results = [run_drill(n, o, u, out) for n, o, u in PLAN if n in names]
    (out / "screen.json").write_text(json.dumps(results, indent=1))


def _run_child(display: str, out: Path, names) -> dict:
    env = dict(os.environ, DISPLAY=display, MPLBACKEND="TkAgg", PYTHONPATH=str(ROOT))
    env.pop("FOOTMAT_FULLSCREEN", None)
    r = subprocess.run([sys.executable, __file__, str(out), *names], env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return {d["drill"]: d for d in json.loads((out / "screen.json").read_text())}


@pytest.fixture(scope="module", params=[None, 150], ids=["xvfb-dpi", "150dpi"])
def screen(request, tmp_path_factory):
    if shutil.which("Xvfb") is None:
        pytest.skip("no Xvfb (Debian: apt-get install xvfb; `make test` installs it as root)")
    problem = _tk_problem()
    if problem:
        pytest.skip(f"this Python cannot open Tk windows: {problem} (Debian: apt-get install python3-tk)")
    proc, display = start_xvfb(request.param)
    if not display:
        proc.kill()
        proc.wait()
        pytest.skip("Xvfb did not start")
    names = [n for n, _, _ in PLAN] if request.param is None else ["spiral", "toe-press"]
    try:
        yield _run_child(display, tmp_path_factory.mktemp("screen"), names)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _dark(img, box, level: int = 90) -> int:
    import numpy as np

    crop = np.asarray(img.crop(tuple(int(round(v)) for v in box)).convert("RGB"), dtype=int)
    return int((crop.max(axis=2) < level).sum())


@pytest.mark.display
def test_each_drills_view_fits_the_screen_with_large_type(screen):
    for name, r in screen.items():
        x, y, w, h = r["box"]
        sw, sh = r["screen"]
        assert (sw, sh) == (800, 480)
        assert x >= 0 and y >= 0 and x + w <= sw and y + h <= sh, (name, r["box"], r["tk_scaling"])
        assert (w, h) == (800, 480), (name, r["box"], r["tk_scaling"])    # fills it: nothing clipped, nothing lost
        assert r["cue_cap_px"] >= 60, (name, r["cue"], r["cue_cap_px"])
        for key in ("value_cap_px", "bar_cap_px"):
            assert r[key] >= 36, (name, key, r[key])
        if any(ch.isdigit() for ch in r["texts"]["detail"]["text"]):
            assert r["detail_cap_px"] >= 36, (name, r["texts"]["detail"], r["detail_cap_px"])
        for key, t in r["texts"].items():               # every text inside the window
            if t["text"]:
                bx = t["box"]
                assert bx[0] >= x - 1 and bx[2] <= x + w + 1 and bx[1] >= y - 1 and bx[3] <= y + h + 1, (name, key, t)
        assert r["stale_px"] < 40, f"{name}: {r['stale_px']} pixels differ between the blitted window and a full redraw"


@pytest.mark.display
def test_each_drill_draws_its_own_counter(screen):
    from PIL import Image

    want = {"spiral": ("loop", "1/1"), "heel-raises": ("rep", "1/3"), "toe-press": ("hold", " s"),
            "shift-lr": ("to the", " s"), "shift-ap": ("", " s"), "limits": ("lean 1 of 8", "1/8"),
            "stance": ("time", "0:0"), "one-leg": ("held", "0:0")}
    for name, r in screen.items():
        c = r["status"]["counter"]
        label, value = want[name]
        assert c["label"].startswith(label) and value in c["value"], (name, c)
        assert r["texts"]["value"]["text"] == c["value"]
        img = Image.open(r["png"])
        assert _dark(img, r["texts"]["value"]["box"]) > 150, (name, c)     # the figure is on the screen
    hr = screen.get("heel-raises")
    if hr:
        assert hr["status"]["counter"]["detail"] == "set 1/2" and hr["status"]["counter"]["beat"][1] == 4
    tp = screen["toe-press"]["status"]["counter"]
    assert 0 < float(tp["value"].split()[0]) <= 3.0 and tp["progress"] > 0      # the hold timer runs


@pytest.mark.display
def test_the_spirals_ring_is_on_the_left_toes_during_left_toes(screen):
    import numpy as np
    from PIL import Image

    r = screen["spiral"]
    st = r["status"]
    assert r["cue"] == "left toes" and st["ring"]["foot"] == "left" and st["ring"]["label"] == "left toes"
    zones = np.array(st["foot_zones"]["left"])
    toes = int(np.argmax(zones[:, 1]))                       # heel → ball → toes: the toes are furthest forward
    assert np.allclose(st["ring"]["xy"], zones[toes])
    # on the screen: the ring's centre is nearest the left toes sensor, and its colour is on its circle
    ring = r["ring_px"]
    sensors = ring["sensors"]
    nearest = min(sensors, key=lambda s: np.hypot(*(np.array(sensors[s]) - ring["centre"])))
    assert nearest == "left_toes"
    img = Image.open(r["png"]).convert("RGB")
    cx, cy = ring["centre"]
    hits = 0
    for th in np.linspace(0, 2 * np.pi, 24, endpoint=False):
        px = (int(round(cx + ring["radius"] * np.cos(th))), int(round(cy + ring["radius"] * np.sin(th))))
        p = img.getpixel(px)[:3]
        hits += all(abs(a - b) <= 45 for a, b in zip(p, TARGET_RGB))
    assert hits >= 12, hits                                 # most of the circle is the ring's colour
    assert st["share_target_pct"] == pytest.approx(70.0)     # most of the weight asked on the left foot


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "view-screen-shots")
    target.mkdir(parents=True, exist_ok=True)
    child(target, sys.argv[2:] or [n for n, _, _ in PLAN])
