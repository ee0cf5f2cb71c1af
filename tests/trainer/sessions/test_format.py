"""trace.csv text from SessionWriter.write is byte for byte what the first (numpy, column by
column) writer produced — kept here as the reference — for any block, odd values included."""
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.layout import load_layout
from trainer.sessions.writer import SessionWriter
from trainer.sessions.format import fmt_time

LAYOUT = load_layout()
K = len(LAYOUT.names)


# -- the reference: the writer's row formatting before it was made fast ----------------------
def ref_fmt(values, decimals):
    out = np.char.mod(f"%.{decimals}f", np.nan_to_num(values, nan=0.0))
    return np.where(np.isfinite(values), out, "").tolist()


def ref_fmt_time(t):
    return np.format_float_positional(float(t), unique=True, trim="0") if math.isfinite(t) else ""


def ref_fmt_exact(values):
    v = np.asarray(values, float)
    finite = np.isfinite(v)
    if np.all(v[finite] == np.round(v[finite])):
        return ref_fmt(v, 0)
    return [np.format_float_positional(float(x), unique=True, trim="0") if f else "" for x, f in zip(v, finite)]


def ref_block(simulated, clock_start, t_clock, raw, forces, total, cop, left_pct, target, phase, flags,
              true_cop=None):
    t = np.asarray(t_clock, float) - clock_start
    n = t.shape[0]
    if n == 0:
        return ""
    cols = [[ref_fmt_time(x) for x in t.tolist()]]
    cols += [ref_fmt_exact(raw[:, i]) for i in range(raw.shape[1])]
    cols += [ref_fmt(forces[:, i], 2) for i in range(forces.shape[1])]
    cols += [ref_fmt(total, 2), ref_fmt(cop[:, 0], 2), ref_fmt(cop[:, 1], 2), ref_fmt(left_pct, 2),
             ref_fmt(target[:, 0], 2), ref_fmt(target[:, 1], 2), phase, flags]
    if simulated:
        tc = true_cop if true_cop is not None else np.full((n, 2), np.nan)
        cols += [ref_fmt(tc[:, 0], 2), ref_fmt(tc[:, 1], 2)]
    return "".join(",".join(row) + "\n" for row in zip(*cols))


# -- values that have tripped number formatting before ----------------------------------------
ODD = [math.nan, math.inf, -math.inf, 0.0, -0.0, -0.001, 0.001, 0.005, -0.005, 0.015, 2.675, 1.005, 0.5, -0.5,
       1.5, 2.5, 1e-4, -1e-4, 9.999999999999999e-05, 1.25e-05, 5e-324, -5e-324, 2.2250738585072014e-308,
       1e15, 9999999999999998.0, 1e16, -1e16, 1.2345678901234568e+17, 2.0 ** 53, 2.0 ** 53 + 2, 1e22, 1e300,
       -1e300, 1.7976931348623157e308, 0.1, 1 / 3, 12345.678901234567, 99.995, 99.985, -99.995]
anyfloat = st.floats(allow_nan=True, allow_infinity=True)
value = st.one_of(st.sampled_from(ODD), anyfloat, st.floats(-2000, 2000), st.integers(-5, 5).map(float))
code = st.one_of(st.integers(-(2 ** 15), 2 ** 16).map(float), st.just(math.nan))
raw_col = st.sampled_from(["codes", "codes", "any"])
text = st.one_of(st.sampled_from(["", "waiting", "hold", "move", "read_error", "read_error clipped"]),
                 st.text(alphabet="ab _|;-", max_size=6))


@st.composite
def blocks(draw, simulated):
    n = draw(st.integers(1, 10))

    def mat(cols, elem=value):
        return np.array(draw(st.lists(st.lists(elem, min_size=cols, max_size=cols), min_size=n, max_size=n)),
                        float).reshape(n, cols)

    raw = np.empty((n, K))
    for i in range(K):
        raw[:, i] = mat(1, code if draw(raw_col) == "codes" else value)[:, 0]
    if draw(st.booleans()) and np.isfinite(raw).all() and (np.abs(raw) < 2 ** 31).all() \
            and (raw == np.round(raw)).all():
        raw = raw.astype(np.int64)   # integer codes as an integer array
    forces = mat(K)
    if draw(st.booleans()):
        with np.errstate(over="ignore"):
            forces = forces.astype(np.float32)
    target = mat(2) if draw(st.booleans()) else np.full((n, 2), np.nan)   # no target while waiting
    t_clock = np.array(draw(st.one_of(
        st.lists(value, min_size=n, max_size=n),
        st.tuples(st.sampled_from([0.0, 10.0, 1e-7, 1e9]), st.floats(1e-7, 0.05)).map(
            lambda a: [a[0] + k * a[1] for k in range(n)]))), float)
    true_cop = mat(2) if simulated and draw(st.booleans()) else None
    return (t_clock, raw, forces, mat(1)[:, 0], mat(2), mat(1)[:, 0], target,
            draw(st.lists(text, min_size=n, max_size=n)), draw(st.lists(text, min_size=n, max_size=n)), true_cop)


def writer(root, simulated, clock_start):
    return SessionWriter(root, "spiral", layout=LAYOUT, calibration={}, params={}, person={"name": "a"},
                         sample_rate_hz=200.0, simulated=simulated, clock_start=clock_start)


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def check_same(simulated, clock_start, bs):
    with tempfile.TemporaryDirectory() as tmp:
        w = writer(Path(tmp), simulated, clock_start)
        want = ",".join(w.columns) + "\n"
        for b in bs:
            want += ref_block(simulated, clock_start, *b)
            w.write(*b)
        w.finish({}, {})
        got = (w.folder / "trace.csv").read_text(encoding="utf-8")
    assert got == want


@pytest.mark.parametrize("simulated", [True, False])
def test_write_matches_the_reference_for_random_blocks(simulated):
    @SETTINGS
    @given(st.sampled_from([0.0, 10.0, 1e6]), st.lists(blocks(simulated), min_size=1, max_size=3))
    def run(clock_start, bs):
        check_same(simulated, clock_start, bs)

    run()


def test_write_matches_the_reference_for_a_recorded_looking_block():
    n = 4
    raw = np.arange(n * K, dtype=float).reshape(n, K)
    raw[1, 2] = np.nan
    cop = np.array([[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0], [-0.001, 6.0]])
    blk = (10.0 + np.arange(n) * 0.005, raw, raw * 2.5, raw.sum(1), cop, np.full(n, 50.0), np.full((n, 2), np.nan),
           ["waiting"] * n, ["", "read_error", "", ""], cop)
    half = (blk[0], raw + 0.5) + blk[2:]     # non-integral raw codes: written with full precision
    check_same(True, 10.0, [blk, half, blk])
    check_same(False, 0.0, [blk, half])


def test_write_a_short_phase_list_cuts_the_block_like_before():
    """The old writer zipped the columns: a block is as long as its shortest column."""
    n = 3
    blk = (np.arange(n) * 0.005, np.ones((n, K)), np.ones((n, K)), np.ones(n), np.ones((n, 2)), np.ones(n),
           np.ones((n, 2)), ["x"] * (n - 1), [""] * n, None)
    check_same(True, 0.0, [blk])
    check_same(True, 0.0, [blk[:7] + (["x"] * n, [""] * n, np.ones((n - 2, 2)))])


@settings(SETTINGS, max_examples=2000)
@given(st.one_of(st.sampled_from(ODD), anyfloat))
def test_fmt_time_matches_the_reference(x):
    assert fmt_time(x) == ref_fmt_time(x)
    assert fmt_time(np.float64(x)) == ref_fmt_time(np.float64(x))
    assert "e" not in fmt_time(x)
    if math.isfinite(x):
        assert float(fmt_time(x)) == x
