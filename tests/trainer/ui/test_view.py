"""The live view offscreen (Agg): the drawn artists reflect the state; the display filter."""
import time

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer.ui.display_filter import CopFilter, butter_sections, step_response_half_ms
from trainer.drills.engine import Snapshot
from trainer.drills.targets import spiral
from trainer.app.simperson import natural_centre
from trainer.ui.blit import merge_rects
from trainer.ui.scene import COLORS, DISC_MM, Scene
from trainer.ui.view import LiveView
from trainer.drills.status import split_cue

COP_RGB = tuple(int(COLORS["cop"][i:i + 2], 16) for i in (1, 3, 5))


def _snap(**kw):
    base = dict(state="running", cop=np.array([-30.0, 100.0]), target=np.array([-20.0, 120.0]),
                forces=np.array([40, 5, 1, 1, 1, 1.0]), total_n=680, left_pct=80.0, heel_pct_left=75.0,
                heel_pct_right=40.0, cue="left heel", loop=1, loops=3)
    base.update(kw)
    return Snapshot(**base)


@pytest.fixture
def view():
    v = LiveView(load_layout())
    yield v
    v.close()


def _pixel(view, xy):
    buf = np.asarray(view.fig.canvas.buffer_rgba())
    h = buf.shape[0]
    return buf[int(round(h - xy[1])), int(round(xy[0])), :3]


def test_artists_follow_the_snapshot(tmp_path):
    layout = load_layout()
    view = LiveView(layout)
    path = spiral(layout, natural_centre(layout))
    snap = _snap(forces=np.array([340, 5, 1, 300, 30, 4.0]))
    assert view.maybe_draw(snap, path_xy=path.dense(), force=True)
    assert view.cop_dot.get_data()[0][0] == -30.0 and view.target_dot.get_data()[1][0] == 120.0
    assert view.cue.get_text() == "left heel"
    assert view.bar_values[0] == pytest.approx(80.0, abs=0.5)      # whole pixels
    assert "80" in view.bar_text[0].get_text() and "20" in view.bar_text_b[0].get_text()
    assert view.disc_r[0] == pytest.approx(DISC_MM)      # half the load or more: full
    assert 0 < view.disc_r[4] < view.disc_r[3]
    assert (view.counter_label.get_text(), view.counter_value.get_text()) == ("loop", "1/3")
    assert view.counter_detail.get_text() == "score –"
    # each foot's own CoP from its own sensors: the left foot's dot near its heel, bigger (80 %)
    left, right = view.drawn_feet["left"], view.drawn_feet["right"]
    assert left[1] < 60 and right[1] < 60
    assert view.foot_dots["left"].get_markersize() > view.foot_dots["right"].get_markersize()
    assert not view.overlay.get_visible() and view.overlay_text.get_text() == ""
    snap.state, snap.cue = "paused", "paused — step back on to continue"
    view.maybe_draw(snap, force=True)
    assert "PAUSED" in view.overlay_text.get_text() and view.overlay.get_visible()
    assert view.band.get_facecolor()[:3] != (1.0, 1.0, 1.0)
    out = tmp_path / "view.png"
    view.save(out)
    assert out.stat().st_size > 10_000
    view.close()
    view.close()   # safe twice
    assert view.closed
    assert not view.maybe_draw(snap, force=True)


def test_blitted_frame_shows_the_marker_where_the_state_puts_it(view):
    view.maybe_draw(_snap(), force=True)
    view.maybe_draw(_snap(cop=np.array([60.0, 180.0])), force=True)      # a blitted frame, not a full draw
    px = view.marker_px()
    assert np.all(np.abs(_pixel(view, px).astype(int) - COP_RGB) < 30)
    old = view.ax.transData.transform([-30.0, 100.0])
    assert np.any(np.abs(_pixel(view, old).astype(int) - COP_RGB) > 30)  # the marker left that place


def test_stepped_off_waiting_and_done_are_unmistakable(view):
    view.maybe_draw(_snap(state="waiting", cop=np.full(2, np.nan), total_n=float("nan"), forces=None,
                          cue="step on and stand still", left_pct=float("nan")), force=True)
    assert view.overlay.get_visible() and view.overlay_text.get_text() == "STEP ON"
    assert len(view.cop_dot.get_data()[0]) == 0 and view.bar_text[0].get_text() == ""
    assert np.all(view.disc_r == 0)
    view.maybe_draw(_snap(state="done", cue="well done"), force=True)
    assert view.overlay_text.get_text() == "DONE"


def test_keys_pause_next_and_quit(view):
    from matplotlib.backend_bases import KeyEvent

    seen = []
    view.on_key.append(seen.append)

    def press(key):
        view.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", view.fig.canvas, key))

    press(" ")
    assert view.pause_requested and seen == ["pause"]
    view.maybe_draw(_snap(), force=True)
    assert not view.overlay.get_visible()              # the engine decides; until then, running
    view.maybe_draw(_snap(state="paused", cue="paused"), force=True)
    assert "PAUSED" in view.overlay_text.get_text() and "space" in view.overlay_text.get_text()
    press(" ")
    assert not view.pause_requested and seen[-1] == "resume"
    view.maybe_draw(_snap(), force=True)
    assert not view.overlay.get_visible()
    press("n")
    assert view.next_requested and seen[-1] == "next"
    assert not view.closed
    press("q")
    assert view.closed and seen[-1] == "quit"


def test_own_frame_rate(view):
    view.fps = 1.0      # one frame a second: a second call right after the first draws nothing
    assert view.maybe_draw(_snap(), force=True)
    assert not view.maybe_draw(_snap())
    assert view.frames_drawn == 1


def test_view_scales_with_the_window(view):
    base = view.cue.get_fontsize(), view.cop_dot.get_markersize()
    view.fig.set_size_inches(16, 9.6)
    view._on_resize(None)
    view.maybe_draw(_snap(), force=True)
    assert view.cop_dot.get_markersize() == pytest.approx(2 * base[1])
    assert view.cue.get_fontsize() == pytest.approx(2 * base[0])


def test_the_overlay_keeps_its_fitted_size_after_a_height_only_resize(view):
    """A resize that changes only the height keeps the scale and width; the paused words must
    still be fitted again (the overlay is set only when its key changes)."""
    s = _snap(state="paused")
    view.maybe_draw(s, force=True)
    fitted = view.overlay_text.get_fontsize(), view.cue.get_fontsize()
    w, h = view.fig.get_size_inches()
    view.fig.set_size_inches(w, h * 1.3)
    view._on_resize(None)
    view.maybe_draw(s, force=True)
    assert (view.overlay_text.get_fontsize(), view.cue.get_fontsize()) == pytest.approx(fitted)


def test_closing_the_view_gives_back_the_switch_interval():
    import sys

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        v = LiveView(load_layout())
        assert sys.getswitchinterval() <= 0.001 + 1e-9
        v.close()
        assert sys.getswitchinterval() == pytest.approx(0.005)
    finally:
        sys.setswitchinterval(before)


def test_feed_filters_every_sample_and_draws_the_newest(view):
    # a 20 mm step fed as single samples at 200 Hz; the drawn marker follows the filter
    cop = np.array([[0.0, 100.0]] * 50 + [[20.0, 100.0]] * 50)
    t = np.arange(100) / 200.0
    ref = CopFilter(200.0).filter(cop)
    drawn = []
    for k in range(0, 100, 5):
        view.feed(t[k:k + 5], cop[k:k + 5])
        view.maybe_draw(_snap(cop=cop[k + 4]), force=True)
        drawn.append(view.cop_dot.get_data()[0][0])
    assert np.allclose(drawn, ref[4::5, 0])
    assert drawn[10] < 10 < drawn[-1]          # lags the step, then gets there
    # nobody on the mat: no marker; stepping back on starts at the new place, no slide
    view.feed([0.6], [[np.nan, np.nan]])
    view.maybe_draw(_snap(cop=np.full(2, np.nan)), force=True)
    assert len(view.cop_dot.get_data()[0]) == 0
    view.feed([0.7], [[-50.0, 60.0]])
    view.maybe_draw(_snap(cop=np.array([-50.0, 60.0])), force=True)
    assert view.cop_dot.get_data()[0][0] == pytest.approx(-50.0)


def test_without_feed_the_snapshot_is_drawn(view):
    view.maybe_draw(_snap(cop=np.array([12.0, 34.0])), force=True)
    assert tuple(view.drawn_cop) == (12.0, 34.0)


def test_drawn_state_follows_a_simulated_drill():
    from firmware.clock import VirtualClock
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptedPerson
    from firmware.sim.vector import VectorSimSource
    from trainer.drills.engine import DrillEngine, SpiralDrill
    from trainer.estimate.estimator import Estimator
    from trainer.app.simcal import nominal_sim_calibration
    from trainer.app.simperson import Follower

    layout = load_layout()
    follower = Follower(natural_centre(layout))
    person = ScriptedPerson(follower, seed=3)
    src = VectorSimSource(SimMat(layout, person, seed=3), VirtualClock(), 200.0)
    estimator = Estimator(layout, nominal_sim_calibration(layout), person.weight_n, 200.0)
    engine = DrillEngine(SpiralDrill(loops=1, period_s=8.0), layout, person.weight_n, 200.0)
    follower.engine = engine
    view = LiveView(layout)
    ref = {f: CopFilter(200.0) for f in ("left", "right")}
    cues, gaps = set(), []
    while engine.snapshot.t < 9.0 and not engine.done:
        block = src.read()
        eb = estimator.estimate(block)
        engine.process(eb)
        view.feed(eb.t, eb.cop)
        view.feed_feet(eb.t, eb.cop_left, eb.cop_right)
        ref["left"].feed(eb.t, eb.cop_left)
        ref["right"].feed(eb.t, eb.cop_right)
        view.maybe_draw(engine.snapshot, path_xy=engine.path_xy(), engine=engine, force=True)
        snap = engine.snapshot
        assert view.cue.get_text() == split_cue(snap.cue)[0] or snap.state == "countdown"
        if snap.state == "running":
            cues.add(snap.cue)
            # the ring sits on the zone the cue names, on that foot
            ring = view.status.ring
            assert ring is not None and ring.label == snap.cue and snap.cue.startswith(ring.foot)
            assert view.ring.get_visible() and np.allclose(view.ring.center, ring.xy)
            for f in ("left", "right"):                  # each foot's dot: that foot's filtered CoP
                if np.all(np.isfinite(ref[f].last)):
                    assert np.allclose(view.drawn_feet[f], ref[f].last)
            assert np.allclose(view.target_dot.get_data(), [[snap.target[0]], [snap.target[1]]])
            gaps.append(np.hypot(*(view.drawn_cop - snap.cop)))
            assert view.path_line.get_xydata().shape[0] > 10
    assert len(cues) >= 3                        # the cue changed with the phase
    assert np.median(gaps) < 2.0 and np.percentile(gaps, 90) < 5.0   # filtered, ≈ 22 ms behind the raw CoP
    view.close()


def test_display_filter_is_the_butterworth_of_metrics_md():
    import scipy.signal as ss

    x = np.random.default_rng(0).normal(size=(400, 2)).cumsum(axis=0)
    for order in (2, 4):
        sos = ss.butter(order, 10.0, fs=200.0, output="sos")
        zi = ss.sosfilt_zi(sos)
        ref = np.stack([ss.sosfilt(sos, x[:, i], zi=zi * x[0, i])[0] for i in range(2)], axis=1)
        assert np.allclose(CopFilter(200.0, 10.0, order).filter(x), ref, atol=1e-9)
    assert CopFilter(100.0).delay_ms == pytest.approx(22.5, abs=0.1)   # METRICS.md: ≈ 22 ms
    assert CopFilter(100.0, order=4).delay_ms == pytest.approx(41.6, abs=0.5)
    assert 15 <= step_response_half_ms(1000.0) <= 25
    with pytest.raises(ValueError):
        butter_sections(10.0, 200.0, order=3)
    with pytest.raises(ValueError):
        butter_sections(120.0, 200.0)


def test_display_filter_follows_the_stream_rate():
    f = CopFilter(200.0)
    t = np.arange(200) / 100.0          # a 100 Hz replay
    f.feed(t, np.zeros((200, 2)))
    assert f.fs_hz == pytest.approx(100.0, rel=0.05)


@pytest.mark.parametrize("kw", [dict(fontsize=15, ha="left", va="bottom", color="#212529"),
                                dict(fontsize=30, weight="bold", ha="center", va="center", color="white"),
                                dict(fontsize=40, ha="center", va="center", linespacing=1.4, color="#f77f00")])
def test_stamped_text_looks_as_matplotlib_text(kw):
    """The view's text keeps its rendered image; drawn anew or from the cache it is a Text's
    image (to 3 levels of 255 where the glyph's alpha is rounded twice)."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from trainer.ui.stamp import stamp_text_class

    stamp = stamp_text_class()
    fig = plt.figure(figsize=(4, 2), dpi=100)
    fig.patch.set_facecolor("#a8dadc")
    images = []
    for cls in (Text, stamp, stamp):                     # plain, stamped (rendered), stamped (cached)
        t = fig.add_artist(cls(0.313, 0.47, "left 45 %\nPAUSED", transform=fig.transFigure, **kw))
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba()).astype(int))
        t.remove()
    plt.close(fig)
    assert np.abs(images[0] - images[0][0, 0]).max() > 60         # the text is there
    assert np.abs(images[0] - images[1]).max() <= 3 and np.array_equal(images[1], images[2])


def test_merge_rects_merges_while_one_copy_costs_less():
    near = [(0, 0, 10, 10), (12, 0, 22, 10)]                 # a small gap: one copy
    assert merge_rects(near) == [(0.0, 0.0, 22.0, 10.0)]
    far = [(0, 0, 10, 10), (500, 400, 510, 410)]              # far apart: two small copies
    assert sorted(merge_rects(far)) == [(0.0, 0.0, 10.0, 10.0), (500.0, 400.0, 510.0, 410.0)]
    assert merge_rects(far, fixed_px=510 * 410) == [(0.0, 0.0, 510.0, 410.0)]     # copies dear: one
    assert merge_rects([]) == [] and merge_rects([(1, 2, 3, 4)]) == [(1.0, 2.0, 3.0, 4.0)]


def _merge_rects_plainly(rects, fixed_px):
    """The greedy merge written plainly: every pair's gain again at every step."""
    rects = [tuple(float(v) for v in r) for r in rects]
    while len(rects) > 1:
        best = None
        for i in range(len(rects)):
            a = rects[i]
            for j in range(i + 1, len(rects)):
                b = rects[j]
                u = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                gain = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) + fixed_px \
                    - (u[2] - u[0]) * (u[3] - u[1])
                if gain >= 0 and (best is None or gain > best[0]):
                    best = (gain, i, j, u)
        if best is None:
            break
        _, i, j, u = best
        rects = [r for k, r in enumerate(rects) if k not in (i, j)] + [u]
    return rects


def test_merge_rects_keeps_the_plain_greedy_merges_result():
    """Gains kept in a heap: the same rectangles, in the same order, as the plain greedy merge."""
    rng = np.random.default_rng(8)
    for _ in range(3000):
        n = int(rng.integers(0, 17))
        xy = rng.integers(0, 60, (n, 2)) * rng.choice([1, 10], (n, 2))
        rects = np.c_[xy, xy + rng.integers(0, 70, (n, 2))]
        fixed = float(rng.choice([0, 100, 10_000, 50_000]))
        assert merge_rects(rects, fixed) == _merge_rects_plainly(rects, fixed)


def test_a_scene_is_the_views_artists_on_any_figure():
    """The scene builds every artist from the layout on a figure it is given; the live view is
    a scene in a window."""
    from matplotlib.figure import Figure

    layout = load_layout()
    scene = Scene(Figure(figsize=(8, 4.8), dpi=100), layout, trail_n=45)
    assert len(scene.rings) == len(layout.sensors) and scene.trail.shape == (45, 2)
    assert len(scene.bar_text) == 1 and set(scene.foot_dots) == {"left", "right"}
    scene.fig.set_size_inches(16, 9.6)
    scene.rescale()
    assert scene.cop_dot.get_markersize() == pytest.approx(2 * 15)
    scene.set_path(np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]))
    assert scene.path_line.get_xydata().shape == (4, 2)       # closed
    assert isinstance(LiveView(layout), Scene)


def test_every_drills_cue_headline_fits_at_full_size():
    """Cue capitals >= 60 px at 800x480: every headline of every drill fits the band at full size
    (the view never has to shrink it), on both layouts."""
    from trainer import drills
    from trainer.drills.status import split_cue
    from trainer.ui.scene import CUE_PT

    for name_layout in ("default-6", "default-8"):
        layout = load_layout(name_layout)
        view = LiveView(layout)
        width = view.fig.bbox.width * 0.97
        heads = ["step on", "paused", "well done", "get ready … 3"]
        for name, d in drills.REGISTRY.items():
            run = d.make(d.resolve({}))
            run.build(layout, natural_centre(layout))
            heads += [split_cue(label)[0] for label in run.labels()]
        for head in heads:
            view.cue.set_text(head)
            assert view.fit_width(view.cue, CUE_PT, width) == CUE_PT, (name_layout, head)
        view.close()


def test_feedback_fades_from_full_to_target_to_none():
    from trainer.drills.status import DrillStatus
    from tests.trainer.drills.test_status import Engine, _snap as status_snap

    e = Engine("spiral")
    a = float(e.drill.path.waypoint_times()[2])             # left toes
    drawn = {}
    for level in ("full", "target", "none"):
        view = LiveView(e.layout, feedback=level)
        snap = status_snap(a, cop=(-60.0, 200.0), left_pct=70.0, forces=[50, 150, 250, 30, 60, 60.0])
        snap.cue = "left toes"
        view.maybe_draw(snap, path_xy=e.drill.path_xy(), engine=e, force=True)
        drawn[level] = {"cop": len(view.cop_dot.get_data()[0]), "feet": sum(len(d.get_data()[0]) for d in
                                                                             view.foot_dots.values()),
                        "discs": float(view.disc_r.sum()), "ring": view.ring.get_visible(),
                        "path": len(view.path_line.get_xydata()), "target": len(view.target_dot.get_data()[0]),
                        "bar": view.bar_text[0].get_text(), "counter": view.counter_value.get_text()}
        view.close()
    full, target, none = drawn["full"], drawn["target"], drawn["none"]
    assert full["cop"] == 1 and full["feet"] == 2 and full["discs"] > 0 and full["ring"] and full["bar"] == "70 %"
    assert target["cop"] == target["feet"] == 0 and target["discs"] == 0 and target["bar"] == ""
    assert target["ring"] and target["path"] > 10 and target["target"] == 1
    assert not none["ring"] and none["path"] == 0 and none["target"] == 0 and none["cop"] == 0
    assert full["counter"] == target["counter"] == none["counter"] == "1/3"
    with pytest.raises(ValueError):
        LiveView(e.layout, feedback="half")
    assert DrillStatus(e, feedback="none").read(e.snapshot).feedback == "none"


def test_done_shows_the_score(view):
    view.maybe_draw(_snap(state="done", cue="well done", last_score=82.4), force=True)
    assert view.overlay_text.get_text() == "DONE\nscore 82"


@pytest.mark.parametrize("dpi", [100, 139])
def test_the_marker_layer_draws_what_the_lines_draw(dpi):
    """The moving markers are one artist pasting kept images: pixel for pixel what matplotlib
    draws for the same Line2D markers, at any sub-pixel place, clipped at the axes' edge too."""
    import matplotlib.pyplot as plt

    from trainer.ui.sprites import sprite_layer_class

    rng = np.random.default_rng(3)
    styles = [dict(ms=26, mfc="none", mec=COLORS["target"], mew=5), dict(ms=17.3, color=COLORS["left"], mec="white", mew=2),
              dict(ms=15, color=COLORS["cop"], mec="white", mew=2)]
    for trial in range(6):
        fig = plt.figure(figsize=(4, 3), dpi=dpi)
        fig.patch.set_facecolor("#e9ecef")
        ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        lines = [ax.plot(*rng.uniform(-0.05, 1.05, (2, 3)), "o", ls="none", **kw)[0] for kw in styles]
        images = []
        for _ in range(2):                # the lines themselves, then the layer (its images made, then kept)
            fig.canvas.draw()
            images.append(np.asarray(fig.canvas.buffer_rgba()).astype(int).copy())
            if len(images) == 1:
                for line in lines:
                    line.remove()
                layer = ax.add_artist(sprite_layer_class()(lines))
        fig.canvas.draw()
        images.append(np.asarray(fig.canvas.buffer_rgba()).astype(int).copy())
        plt.close(fig)
        assert np.abs(images[0] - images[0][0, 0]).max() > 60          # the markers are there
        assert np.abs(images[0] - images[1]).max() <= 1 and np.array_equal(images[1], images[2])
        boxes = layer.boxes()
        h = images[0].shape[0]
        drawn = np.abs(images[0] - images[0][0, 0]).max(axis=2) > 0
        covered = np.zeros_like(drawn)
        for x0, y0, x1, y1 in boxes:                                   # every drawn pixel is in a box
            covered[max(int(h - y1), 0):max(int(h - y0), 0), max(int(x0), 0):max(int(x1), 0)] = True
        assert not (drawn & ~covered).any()


def test_the_trail_draws_what_a_line_collection_draws():
    """The trail's own draw on Agg (one direct draw_path_collection call) gives the pixels of
    matplotlib's LineCollection.draw, for fading round-capped segments, clipped at the axes' edge
    too; one segment (which matplotlib stamps as a marker) and vector output go through
    LineCollection.draw itself."""
    import io

    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from trainer.ui.sprites import trail_collection_class

    rng = np.random.default_rng(4)
    for n in (1, 2, 14, 15):
        fig = plt.figure(figsize=(4, 3), dpi=100)
        ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        pts = np.cumsum(rng.normal(0, 0.15, (n + 1, 2)), axis=0) + 0.5        # wanders past the edges too
        segs = np.stack([pts[:-1], pts[1:]], axis=1)
        rgba = np.zeros((n, 4))
        rgba[:, 3] = np.linspace(0.3, 0.7, n) ** 1.5
        images = []
        for cls in (LineCollection, trail_collection_class()):
            lc = cls([], linewidths=3.0, zorder=4, capstyle="round")
            ax.add_collection(lc)
            lc.set_segments(segs)
            lc.set_color(rgba)
            fig.canvas.draw()
            images.append(np.asarray(fig.canvas.buffer_rgba()).copy())
            lc.remove()
        fig.savefig(io.BytesIO(), format="svg")                        # vector output draws too
        plt.close(fig)
        assert (images[0][..., :3] < 250).any()                         # the trail is there
        assert np.array_equal(images[0], images[1]), n
    assert trail_collection_class().lean                              # its own draw ran, never failed


def test_lean_polygons_and_discs_draw_what_matplotlib_draws():
    """The heel bars, load bar (PolyCollection) and sensor discs (EllipseCollection, offsets on
    the axes' data) drawn lean on Agg: matplotlib's pixels, clipped at the axes' edge too."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import EllipseCollection, PolyCollection

    from trainer.ui.sprites import lean_collection_class

    rng = np.random.default_rng(6)
    for trial in range(4):
        fig = plt.figure(figsize=(4, 3), dpi=100)
        ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 80)
        ax.set_axis_off()
        n = 6
        xy = rng.uniform(-5, 105, (n, 2))
        r = rng.uniform(0, 11, n)
        x0 = rng.uniform(-10, 90, 4)
        y = rng.uniform(0, 80, 4)
        verts = [[(a, 0), (a + 12, 0), (a + 12, b), (a, b)] for a, b in zip(x0, y)]
        images = []
        for poly, ell in ((PolyCollection, EllipseCollection),
                          (lean_collection_class(PolyCollection), lean_collection_class(EllipseCollection))):
            p = poly(verts, edgecolors="none", facecolors=["#9e9e9e", "#dee2e6", "#0072B2", "#E69F00"], zorder=2)
            e = ell(2 * r, 2 * r, np.zeros(n), units="xy", offsets=xy, offset_transform=ax.transData,
                    facecolors="#9e9e9e", edgecolors="none", zorder=3.5)
            ax.add_collection(p, autolim=False)
            ax.add_collection(e, autolim=False)
            fig.canvas.draw()
            images.append(np.asarray(fig.canvas.buffer_rgba()).copy())
            p.remove()
            e.remove()
        plt.close(fig)
        assert (images[0][..., :3] < 250).any()
        assert np.array_equal(images[0], images[1]), trial
    assert lean_collection_class(PolyCollection).lean and lean_collection_class(EllipseCollection).lean


def test_the_window_copy_declares_the_opaque_picture_opaque():
    """On Tk the view copies a changed rectangle with no alpha channel (Tk then neither scans the
    whole photo for see-through pixels nor builds a mask pixel by pixel), which is right only
    because every pixel of the view's picture is opaque; off Tk it is the canvas's own blit."""
    from trainer.ui.blit import OPAQUE, window_copier

    v = LiveView(load_layout())
    try:
        v.maybe_draw(_snap(), force=True)
        assert window_copier(v.fig.canvas) == v.fig.canvas.blit        # Agg: matplotlib's
        assert v.fig.patch.get_facecolor()[3] == 1.0 and v.fig.patch.get_visible()
        assert (np.asarray(v.fig.canvas.buffer_rgba())[..., 3] == 255).all()
        assert OPAQUE[3] >= 4                                           # past the 4-byte pixel: no alpha
    finally:
        v.close()


def test_a_frame_where_nothing_moved_a_pixel_copies_nothing(view):
    """The same state again (the markers less than a pixel away): the frame is on screen already,
    nothing is drawn or copied; a move of a few pixels is drawn."""
    nan = np.full(2, np.nan)
    snap = _snap(left_pct=float("nan"), cop=nan)                     # no CoP: no trail
    for _ in range(3):
        assert view.maybe_draw(snap, force=True)
    n0 = view.frames_unchanged
    px = view.regions.px_per_mm()
    for k in range(5):
        nudged = _snap(left_pct=float("nan"), cop=nan, target=np.array([-20.0, 120.0 + 0.04 * k / px]))
        assert view.maybe_draw(nudged, force=True)                   # a frame on screen all the same
    assert view.frames_unchanged == n0 + 5
    assert view.regions.redraw() == []
    at = view.ax.transData.transform([-20.0, 120.0])
    moved = _snap(left_pct=float("nan"), cop=nan, target=np.array([-20.0, 120.0 + 20 / px]))
    view.maybe_draw(moved, force=True)
    assert view.frames_unchanged == n0 + 5
    buf = np.asarray(view.fig.canvas.buffer_rgba())[..., :3].astype(int)
    h = buf.shape[0]
    ring = tuple(int(COLORS["target"][i:i + 2], 16) for i in (1, 3, 5))
    r = view.target_dot.get_markersize() / 2 * view.fig.dpi / 72     # the ring's radius, pixels
    x, y = int(round(at[0] + r)), int(round(h - at[1] - 20))
    assert np.abs(buf[y - 2:y + 3, x - 2:x + 3] - ring).max(axis=2).min() < 40   # the ring where it went


def test_after_many_partial_frames_the_picture_is_a_full_redraws():
    """Frames restore the feet's background only where the moving layer was and is, and copy only
    what changed; after 120 frames of a moving state (marker, target, trail, discs, heel bars, the
    load bar, a bar going blank and back, a cue change) the picture is, pixel for pixel, what a full
    redraw of the same state draws."""
    layout = load_layout()
    v = LiveView(layout)
    try:
        c = natural_centre(layout)
        path = spiral(layout, c)
        for i in range(120):
            th = i / 30 * 2 * np.pi / 6
            cop = c + 55 * np.array([np.cos(th), np.sin(th)])
            snap = _snap(cop=cop, target=c + 55 * np.array([np.cos(th + 0.4), np.sin(th + 0.4)]),
                         forces=680 * (1 + np.cos(th + np.arange(6))) / 6, total_n=680.0,
                         left_pct=50 + 30 * np.cos(th), heel_pct_left=50 + 20 * np.sin(th),
                         heel_pct_right=float("nan") if 30 <= i < 45 else 40.0,
                         cue="left heel" if i < 60 else "right toes")
            v.feed(np.arange(7) / 200.0 + i / 30, np.tile(cop, (7, 1)))
            if i % 5 == 0:                                  # discs, bars and figures due now and then
                v._load_t = v._text_t[0] = -1e9
            else:                                           # in between only the moving layer
                v._load_t = v._text_t[0] = time.perf_counter() + 10
            assert v.maybe_draw(snap, path_xy=path.dense(), force=True)
            if i % 20 == 19:
                partial = np.asarray(v.fig.canvas.buffer_rgba()).copy()
                v.fig.canvas.draw()                         # a full redraw of the same state
                assert np.array_equal(partial, np.asarray(v.fig.canvas.buffer_rgba())), i
    finally:
        v.close()


def test_a_sprite_a_signature_names_outlives_its_eviction_from_the_cache():
    """A frame's signature names each marker image by its id(): were an image evicted from the
    sprite cache and freed, a new image of another size could get its id, and a frame that changed
    would pass for one on screen already. The images the last signatures name are kept alive."""
    import gc
    import weakref

    import matplotlib.pyplot as plt

    from trainer.ui.sprites import sprite_layer_class

    fig = plt.figure(figsize=(3, 2), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    line = ax.plot([0.5], [0.5], "o", ms=17.123)[0]
    line.remove()
    layer = ax.add_artist(sprite_layer_class()([line]))
    fig.canvas.draw()
    places = layer.places()
    sig = layer.signature(places)
    img = places[0][0][0]
    assert sig[0][0] == id(img)
    alive = weakref.ref(img)
    del img, places
    type(layer).sprites.clear()            # the cache evicts it (it holds SPRITES_MAX images)
    gc.collect()
    assert alive() is not None
    plt.close(fig)


@pytest.mark.parametrize("ext", ["pdf", "svg"])
def test_the_view_saves_as_a_vector_picture_and_goes_on_drawing(view, tmp_path, ext):
    """LiveView.save to a PDF or an SVG: the vector renderer draws the markers' lines themselves
    (the blit regions only cache backgrounds on the screen's Agg canvas); the view then draws on."""
    view.maybe_draw(_snap(), force=True)
    path = tmp_path / f"view.{ext}"
    view.save(path)
    data = path.read_bytes()
    if ext == "pdf":
        assert data.startswith(b"%PDF") and len(data) > 2000
    else:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(data)
        assert root.tag.endswith("svg") and len(list(root.iter())) > 50
    view.maybe_draw(_snap(cop=np.array([40.0, 60.0]), left_pct=30.0), force=True)
    assert view.marker_px() is not None and view.regions.bg is not None     # drawn again, backgrounds cached anew
