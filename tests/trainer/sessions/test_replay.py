"""Exact replay: a recorded session played back through the same engine gives the same summary."""
import json
import shutil

import numpy as np
import pytest

from firmware.clock import RealClock, VirtualClock
from firmware.errors import DataFileError
from firmware.layout import load_layout
from trainer.sessions.replay import TraceReader, open_replay


def record(cli, tmp_path, *extra):
    code, out, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--period", "8",
                         "--pain-before", "4", "--pain-after", "3", "--out", str(tmp_path / "rec"), *extra)
    assert code == 0, err
    return next((tmp_path / "rec").iterdir())


@pytest.fixture(scope="module")
def _one_recording(tmp_path_factory):
    """What record() records (the same drill, options and seed: the same trace and summary), made
    once for the tests that only read a recording or damage their own copy of it."""
    from trainer.cli import main

    root = tmp_path_factory.mktemp("rec")
    with pytest.MonkeyPatch.context() as mp:     # module scope: before conftest's per-test home
        mp.setenv("FOOTMAT_HOME", str(root / "home"))
        assert main(["drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--period", "8",
                     "--pain-before", "4", "--pain-after", "3", "--out", str(root / "rec")]) == 0
    return next((root / "rec").iterdir())


@pytest.fixture
def recorded(_one_recording, tmp_path):
    """This test's own copy of the module's recording (as record() would leave it)."""
    folder = tmp_path / "rec" / _one_recording.name
    shutil.copytree(_one_recording, folder)
    return folder


def test_recorded_spiral_replays_to_the_same_summary(cli, tmp_path):
    folder = record(cli, tmp_path)
    meta = json.loads((folder / "session.json").read_text())
    code, out, err = cli("replay", str(folder), "--no-plot", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["same"] and res["differences"] == [] and res["events_same"]
    assert res["summary"] == meta["summary"] and res["frames"] == meta["summary"]["frames"]
    code, out, err = cli("replay", str(folder / "session.json"), "--no-plot")
    assert code == 0 and "same summary as recorded" in out


def test_stop_and_pause_controls_are_replayed_at_the_same_frame(tmp_path):
    """A run steered from outside the engine (pause control, stop) replays exactly too."""
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptedPerson
    from firmware.sim.vector import VectorSimSource
    from trainer import drills
    from trainer.commands.replay import replay_session
    from trainer.drills.engine import DrillEngine
    from trainer.estimate.estimator import Estimator
    from trainer.app.live import run_drill
    from trainer.sessions.people import Person
    from trainer.sessions.writer import SessionWriter
    from trainer.app.simcal import calibrate_on_sim
    from trainer.app.simperson import Follower, natural_centre

    layout = load_layout()
    defn = drills.get("spiral")
    params = defn.resolve({"loops": 3, "period": 6.0})
    person = Person("ann", 62.0)
    cal = calibrate_on_sim(layout, seed=4)
    follower = Follower(natural_centre(layout))
    mat = SimMat(layout, ScriptedPerson(follower, weight_kg=62.0, seed=4), seed=4)
    clock = VirtualClock()
    src = VectorSimSource(mat, clock)
    estimator = Estimator(layout, cal, person.weight_n, 200.0)
    engine = DrillEngine(defn.make(params), layout, person.weight_n, 200.0, time_cap_s=60.0, person=person)
    follower.engine = engine
    w = SessionWriter(tmp_path, "spiral", layout=layout, calibration=cal.to_dict(), params=params | {"time_cap_s": 60.0},
                      person=person.to_dict(), sample_rate_hz=200.0, simulated=True, clock_start=clock.now())
    steps = {"n": 0}

    def steer(block, eng):
        steps["n"] += 1
        if eng.state == "running" and steps.get("paused") is None and eng.plan.active(block.t[-1])[0] > 2.0:
            eng.toggle_pause()
            steps["paused"] = steps["n"]
        elif steps.get("paused") and steps["n"] == steps["paused"] + 30:
            eng.toggle_pause()
        elif steps.get("paused") and steps["n"] == steps["paused"] + 150:
            eng.stop()

    frames = run_drill(src, engine, w, estimator=estimator, on_block=steer)
    summary, methods = engine.results()
    summary["frames"] = frames
    folder = w.finish(summary, methods)
    kinds = [(k, d) for _, k, d in engine.events]
    assert ("pause", "pause control") in kinds and ("resume", "pause control") in kinds and ("end", "stopped") in kinds
    res = replay_session(folder)
    assert res["same"], res["differences"]
    assert res["events_same"]


def test_replay_source_has_the_source_api_and_paces_on_a_real_clock(recorded):
    folder = recorded
    layout = load_layout()
    src = open_replay(folder, layout, VirtualClock(), time_base=0.0)
    assert src.rate_hz == 200.0 and src.has_truth and src.layout is layout
    b = src.read(7)
    assert len(b) == 7 and b.raw.shape == (7, 6) and b.true_cop.shape == (7, 2)
    rows = (folder / "trace.csv").read_text().splitlines()
    assert b.t[0] == float(rows[1].split(",")[0])
    n = 7
    while not src.exhausted:
        n += len(src.read())
    assert n == len(rows) - 1 == src.counters["frames"]
    src.close()
    src.close()
    # real clock at 20x: 0.5 s of wall time releases about 10 s of frames, never ahead of time (the
    # pace starts at the first read, which always releases the first frame: bounds no load can break)
    import time
    src = open_replay(folder / "trace.csv", layout, RealClock(), speed=20.0)
    t0 = time.perf_counter()
    got = len(src.read(timeout=0.05))
    while time.perf_counter() - t0 < 0.5:
        got += len(src.read(timeout=0.05))
    assert 0 < got <= (time.perf_counter() - t0) * 20 * 200 + 20
    src.close()


def test_torn_last_line_is_ignored_and_damage_elsewhere_refused(cli, recorded):
    folder = recorded
    trace = folder / "trace.csv"
    good = trace.read_bytes()
    lines = good.splitlines(keepends=True)
    layout = load_layout()

    def count():
        r = TraceReader(trace, layout.names)
        n = 0
        while True:
            b = r.read(500)
            if not len(b):
                break
            n += len(b)
        r.close()
        return n, r.torn_lines

    trace.write_bytes(good + lines[5][:17])                 # killed mid-line
    assert count() == (len(lines) - 1, 1)
    trace.write_bytes(good + b"\x00" * 4096)                # power cut: a tail of NULs
    assert count() == (len(lines) - 1, 1)
    bad = b"".join(lines[:100] + [b"1.0,zz\n"] + lines[100:])
    trace.write_bytes(bad)
    with pytest.raises(DataFileError, match="line 101"):
        count()
    code, out, err = cli("replay", str(folder), "--no-plot")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "line 101" in err
    assert trace.read_bytes() == bad


def test_replay_refuses_what_is_not_a_session(cli, tmp_path):
    code, out, err = cli("replay", str(tmp_path / "nothing"), "--no-plot")
    assert code == 2 and "no session" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "d").mkdir()
    code, out, err = cli("replay", str(tmp_path / "d"), "--no-plot")
    assert code == 2 and "trace.csv" in err


def test_incomplete_session_replays_what_it_has(cli, recorded):
    folder = recorded
    meta = json.loads((folder / "session.json").read_text())
    meta["complete"] = False
    (folder / "session.json").write_text(json.dumps(meta))
    trace = folder / "trace.csv"
    data = trace.read_bytes()
    trace.write_bytes(data[: len(data) * 2 // 3])
    code, out, err = cli("replay", str(folder), "--no-plot")
    assert code == 0, err
    assert "incomplete" in out


# -- fuzzed and truncated input: one clear line, exit 2, the file untouched -------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(max_examples=1000, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def mutations(good: bytes):
    """Truncations, byte flips, spliced garbage and plain garbage of a good file."""
    n = len(good)
    cut = st.integers(0, n).map(lambda k: good[:k])
    flip = st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda fl: bytes(_flip(good, fl)))
    splice = st.tuples(st.integers(0, n), st.binary(min_size=1, max_size=40)).map(
        lambda a: good[:a[0]] + a[1] + good[a[0]:])
    return st.one_of(cut, flip, splice, st.binary(max_size=300))


def _flip(good, fl):
    b = bytearray(good)
    for i, v in fl:
        b[i] = v
    return b


@pytest.fixture(scope="module")
def small_session(tmp_path_factory):
    """A recorded session cut to its first 30 frames (the fuzz runs the whole engine on it)."""
    from trainer.cli import main

    root = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as mp:     # module scope: before conftest's per-test home
        mp.setenv("FOOTMAT_HOME", str(root / "home"))
        assert main(["drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--period", "4",
                     "--pain-before", "1", "--pain-after", "1", "--out", str(root / "rec")]) == 0
    folder = next((root / "rec").iterdir())
    lines = (folder / "trace.csv").read_bytes().splitlines(keepends=True)
    (folder / "trace.csv").write_bytes(b"".join(lines[:31]))
    return folder


def _check_one_line_or_ok(cli, argv, path, data):
    path.write_bytes(data)
    code, out, err = cli(*argv)
    assert code in (0, 2), err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"footmat {argv[0]}: ") and " — " in lines[0], err
    assert path.read_bytes() == data                # never rewritten, never deleted


def test_fuzzed_session_json(cli, small_session):
    good = (small_session / "session.json").read_bytes()

    @FUZZ
    @given(mutations(good))
    def run(data):
        _check_one_line_or_ok(cli, ["replay", str(small_session), "--no-plot"], small_session / "session.json", data)

    try:
        run()
    finally:
        (small_session / "session.json").write_bytes(good)


def test_fuzzed_trace(cli, small_session):
    good = (small_session / "trace.csv").read_bytes()

    @FUZZ
    @given(mutations(good))
    def run(data):
        _check_one_line_or_ok(cli, ["replay", str(small_session), "--no-plot"], small_session / "trace.csv", data)

    try:
        run()
    finally:
        (small_session / "trace.csv").write_bytes(good)


def test_replay_draws_on_the_live_view_through_its_display_filter(recorded):
    """One view for live and replay: the replayed CoP reaches the view's display filter."""
    from trainer.commands.replay import replay_session
    from trainer.ui.display_filter import CopFilter
    from trainer.sessions.format import load_meta
    from trainer.ui.view import LiveView
    from firmware.layout import parse_layout

    folder = recorded
    layout = parse_layout(load_meta(folder)["layout"], "session")
    view = LiveView(layout, fps=1e6)          # offscreen (Agg); a frame after every block
    fed = []
    feed = view.feed
    view.feed = lambda t, cop: (fed.append(np.asarray(cop, float).copy()), feed(t, cop))
    try:
        res = replay_session(folder, view=view, clock=VirtualClock())
    finally:
        view.close()
    assert res["same"]
    cop = np.concatenate(fed)
    assert 0.9 * res["frames"] <= len(cop) <= res["frames"]     # every frame up to the drill's end
    assert view.frames_drawn > 10
    ref = CopFilter(200.0).filter(cop[-400:])[-1]   # a settled filter ends where the stream ends
    assert np.all(np.isfinite(ref)) and np.allclose(view.drawn_cop, ref, atol=0.5)
