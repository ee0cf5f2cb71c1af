"""footmat export: every format read back and compared with the session it came from."""
import csv
import json
import math

import numpy as np
import pytest

from trainer.formats import c3d as c3dfmt
from trainer.formats import export as ex
from trainer.sessions import reader
from trainer.bench.export import synthetic_session


def _session(tmp_path_factory, name, *args, **kw):
    """A module's synthetic session, its history entry in a FOOTMAT_HOME of its own (module
    fixtures are built before the per-test home of conftest.py is set)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOOTMAT_HOME", str(tmp_path_factory.mktemp(name + "-home")))
        return synthetic_session(tmp_path_factory.mktemp(name), *args, **kw)


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    return _session(tmp_path_factory, "s", 30.0)


@pytest.fixture(scope="module")
def long_session(tmp_path_factory):
    # 70,000 frames: more than the 16-bit frame count of a C3D header
    return _session(tmp_path_factory, "l", 350.0, block=10000)


def trace_rows(folder):
    with open(folder / "trace.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def same(a, b):
    """Numbers equal, NaN equal to NaN."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def test_csv_has_every_row_and_a_sidecar_with_the_metadata(short, tmp_path, cli):
    code, out, err = cli("export", str(short), "--format", "csv", "--out", str(tmp_path / "s.csv"))
    assert code == 0, err
    assert trace_rows(short) == list(csv.reader(open(tmp_path / "s.csv", newline="", encoding="utf-8")))
    side = json.loads((tmp_path / "s.meta.json").read_text())
    meta = json.loads((short / "session.json").read_text())
    for k, v in meta.items():
        assert side[k] == v
    assert side["export"]["frames"] == len(trace_rows(short)) - 1 == 6000
    units = {c["name"]: c["unit"] for c in side["export"]["columns"]}
    assert units["left_heel_n"] == "N" and units["cop_x_mm"] == "mm" and units["t_s"] == "s"
    assert units["left_heel_raw"] == "count" and units["left_pct"] == "%"
    assert len(side["events"]) == len(trace_rows_events(short))


def trace_rows_events(folder):
    with open(folder / "events.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def test_json_holds_session_json_events_and_every_sample(short, tmp_path, cli):
    code, _, err = cli("export", str(short), "--format", "json", "--out", str(tmp_path / "s.json"))
    assert code == 0, err
    d = json.loads((tmp_path / "s.json").read_text())
    meta = json.loads((short / "session.json").read_text())
    for k, v in meta.items():
        assert d[k] == v
    assert [[e["t_s"], e["kind"], e["detail"]] for e in d["events"]] == \
        [[float(a), b, c] for a, b, c in trace_rows_events(short)]
    s = d["samples"]
    rows = trace_rows(short)
    assert s["columns"] == rows[0] and s["frames"] == len(rows) - 1 == len(s["rows"])
    sess = reader.read_session(short)
    for j, name in enumerate(s["columns"]):
        col = [r[j] for r in s["rows"]]
        if name in reader.TEXT_COLUMNS:
            assert col == list(sess.text[name])
        else:
            assert same([math.nan if v is None else v for v in col], sess.num[name]), name
    assert d["export"]["frames"] == 6000 and d["export"]["complete"] is True


def read_c3d(path):
    import c3d

    with open(path, "rb") as fh:
        r = c3d.Reader(fh)
        frames = [(p.copy(), a.copy()) for _, p, a in r.read_frames()]
        info = {
            "frame_count": r.frame_count, "first": r.first_frame, "last": r.last_frame,
            "header_last": int(r.header.last_frame), "rate": r.point_rate, "analog_rate": r.analog_rate,
            "points": [s.strip() for s in r.point_labels], "analogs": [s.strip() for s in r.analog_labels],
            "end_words": r.get("TRIAL:ACTUAL_END_FIELD").uint16_array.tolist(),
            "start_words": r.get("TRIAL:ACTUAL_START_FIELD").uint16_array.tolist(),
            "long_frames": r.get("POINT:LONG_FRAMES").float_value if r.get("POINT:LONG_FRAMES") else None,
            "scale": r.get("ANALOG:SCALE").float_array.tolist(),
            "offset": r.get("ANALOG:OFFSET").int16_array.tolist(),
            "units": [u.strip() for u in r.get("ANALOG:UNITS").string_array],
            "point_units": r.get("POINT:UNITS").string_value.strip(),
        }
    pts = np.stack([p for p, _ in frames])
    ana = np.stack([a for _, a in frames])[:, :, 0]
    return info, pts, ana


def check_c3d_matches(sess, info, pts, ana):
    n = sess.frames
    assert info["frame_count"] == n and pts.shape[0] == n
    for j, (label, cx, cy, _) in enumerate(c3dfmt.c3d_points(sess)):
        assert info["points"][j] == label
        x, y = sess.num[cx], sess.num[cy]
        ok = np.isfinite(x) & np.isfinite(y)
        assert np.array_equal(pts[:, j, 3] < 0, ~ok)           # residual -1 exactly where missing
        assert np.allclose(pts[ok, j, 0], x[ok], atol=1e-4 * np.abs(x[ok]).max() + 1e-3)
        assert np.allclose(pts[ok, j, 1], y[ok], atol=1e-4 * np.abs(y[ok]).max() + 1e-3)
    for j, (label, col, unit, _) in enumerate(c3dfmt.c3d_channels(sess)):
        assert info["analogs"][j] == label and info["units"][j] == unit
        assert same(ana[:, j], sess.num[col].astype(np.float32)), label


def test_c3d_longer_than_65535_frames_reads_back_whole_with_c3d_and_ezc3d(long_session, tmp_path, cli):
    out = tmp_path / "long.c3d"
    code, _, err = cli("export", str(long_session), "--format", "c3d", "--out", str(out))
    assert code == 0, err
    sess = reader.read_session(long_session)
    n = sess.frames
    assert n == 70000 > 65535
    info, pts, ana = read_c3d(out)
    assert info["header_last"] == 65535                         # the 16-bit header field is full …
    assert info["first"] == 1 and info["last"] == n             # … the extended fields carry the rest
    assert info["start_words"] == [1, 0] and info["end_words"] == [n & 0xFFFF, n >> 16]
    assert info["long_frames"] == n
    assert info["rate"] == 200.0 and info["analog_rate"] == 200.0 and info["point_units"] == "mm"
    k = len(c3dfmt.c3d_channels(sess))
    assert info["scale"] == [1.0] * k and info["offset"] == [0] * k
    check_c3d_matches(sess, info, pts, ana)

    ezc3d = pytest.importorskip("ezc3d", reason="ezc3d (the independent C3D reader) is not installed: "
                                                 "pip install -e '.[dev]'")
    e = ezc3d.c3d(str(out))
    p = e["data"]["points"]
    a = e["data"]["analogs"]
    assert p.shape[2] == n and a.shape[2] == n                  # ezc3d sees every frame too
    cop = c3dfmt.c3d_points(sess)[0]
    ok = np.isfinite(sess.num[cop[1]])
    assert np.allclose(p[0, 0, ok], sess.num[cop[1]][ok].astype(np.float32))
    assert np.allclose(p[1, 0, ok], sess.num[cop[2]][ok].astype(np.float32))
    assert same(a[0, 0, :], sess.num[c3dfmt.c3d_channels(sess)[0][1]].astype(np.float32))
    assert list(e["parameters"]["ANALOG"]["UNITS"]["value"])[:1] == ["N"]


def test_c3d_block_writer_reads_back_as_the_packages_own_writer(short, tmp_path):
    sess = reader.read_session(short)
    ex.export_c3d(sess, tmp_path / "fast.c3d")
    ex.export_c3d(sess, tmp_path / "slow.c3d", fast=False)
    fi, fp, fa = read_c3d(tmp_path / "fast.c3d")
    si, sp, sa = read_c3d(tmp_path / "slow.c3d")
    assert fi == si
    valid = sp[:, :, 3] >= 0
    assert np.array_equal(fp[:, :, 3], sp[:, :, 3]) and np.array_equal(fp[valid], sp[valid])
    assert same(fa, sa)
    check_c3d_matches(sess, fi, fp, fa)


def test_c3d_written_in_chunks_is_the_same_file_whatever_the_chunk(short, tmp_path, monkeypatch):
    # 6,000 frames in chunks of 997: a last chunk of 18, the pause's missing points across a boundary
    sess = reader.read_session(short, text=False)
    ex.export_c3d(sess, tmp_path / "whole.c3d")
    monkeypatch.setattr(c3dfmt, "CHUNK_FRAMES", 997)
    ex.export_c3d(sess, tmp_path / "chunks.c3d")
    assert (tmp_path / "chunks.c3d").read_bytes() == (tmp_path / "whole.c3d").read_bytes()
    ex.export_c3d(sess, tmp_path / "slow.c3d", fast=False)     # the package's own frame writer
    fi, fp, fa = read_c3d(tmp_path / "chunks.c3d")
    si, sp, sa = read_c3d(tmp_path / "slow.c3d")
    valid = sp[:, :, 3] >= 0           # (the package leaves a missing point's x, y as the frame before's)
    assert fi == si and np.array_equal(fp[:, :, 3], sp[:, :, 3]) and np.array_equal(fp[valid], sp[valid])
    assert (~valid).sum() > 300 and same(fa, sa)
    check_c3d_matches(sess, fi, fp, fa)


def test_default_out_is_inside_the_session(short, cli):
    code, out, _ = cli("export", str(short), "--format", "json")
    assert code == 0
    assert out.strip() == str(short / f"{short.name}.json")


def test_incomplete_session_with_a_cut_last_row_exports_the_rest_and_says_so(tmp_path, cli):
    folder = synthetic_session(tmp_path / "s", 5.0, complete=False)
    with open(folder / "trace.csv", "a", encoding="utf-8") as fh:
        fh.write("5.0000,12,13")             # the power went off mid-row
    code, _, err = cli("export", str(folder), "--format", "json", "--out", str(tmp_path / "c.json"))
    assert code == 0
    assert "incomplete" in err
    d = json.loads((tmp_path / "c.json").read_text())
    assert d["complete"] is False and d["samples"]["frames"] == 1000
    assert any("cut short" in n for n in d["export"]["notes"])
    code, _, _ = cli("export", str(folder), "--format", "c3d", "--out", str(tmp_path / "c.c3d"))
    assert code == 0 and read_c3d(tmp_path / "c.c3d")[0]["frame_count"] == 1000


def _damage(folder, how):
    if how == "no-json":
        (folder / "session.json").unlink()
    elif how == "bad-json":
        (folder / "session.json").write_text("{not json")
    elif how == "no-rate":
        m = json.loads((folder / "session.json").read_text())
        m["sample_rate_hz"] = "fast"
        (folder / "session.json").write_text(json.dumps(m))
    elif how == "ragged":
        lines = (folder / "trace.csv").read_text().splitlines(True)
        lines[50] = "0.25,1,2,3\n"
        (folder / "trace.csv").write_text("".join(lines))
    elif how == "text-in-number":
        lines = (folder / "trace.csv").read_text().splitlines(True)
        f = lines[70].split(",")
        f[14] = "abc"
        lines[70] = ",".join(f)
        (folder / "trace.csv").write_text("".join(lines))
    elif how == "header":
        lines = (folder / "trace.csv").read_text().splitlines(True)
        lines[0] = "a,b,c\n"
        (folder / "trace.csv").write_text("".join(lines))
    elif how == "binary":
        (folder / "trace.csv").write_bytes(b"\xff\xfe\x00\x01" * 100)


@pytest.mark.parametrize("how", ["no-json", "bad-json", "no-rate", "ragged", "text-in-number", "header", "binary"])
@pytest.mark.parametrize("fmt", ["csv", "json", "c3d"])
def test_bad_session_one_line_exit_2_nothing_overwritten(tmp_path, cli, how, fmt):
    folder = synthetic_session(tmp_path / "s", 2.0)
    _damage(folder, how)
    out = tmp_path / f"old.{fmt}"
    out.write_text("keep me")
    side = ex.sidecar_path(out)
    side.write_text("keep me too")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, stdout, err = cli("export", str(folder), "--format", fmt, "--out", str(out))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("footmat export: ") and "Traceback" not in err
    assert out.read_text() == "keep me" and side.read_text() == "keep me too"
    assert sorted(p.name for p in tmp_path.iterdir()) == before     # no temporary file left behind


def test_bad_line_is_named(tmp_path, cli):
    folder = synthetic_session(tmp_path / "s", 2.0)
    _damage(folder, "text-in-number")
    code, _, err = cli("export", str(folder), "--format", "csv")
    assert code == 2 and "line 71" in err and "'abc' is not a number" in err


def test_refuses_to_write_over_the_sessions_own_files(short, cli):
    before = (short / "trace.csv").read_bytes()
    code, _, err = cli("export", str(short), "--format", "csv", "--out", str(short / "trace.csv"))
    assert code == 2 and "session's own files" in err
    assert (short / "trace.csv").read_bytes() == before


def test_missing_folder_and_not_a_session(tmp_path, cli):
    code, _, err = cli("export", str(tmp_path / "nope"), "--format", "csv")
    assert code == 2 and "no such session folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli("export", str(tmp_path / "empty"), "--format", "json")
    assert code == 2 and "not a footmat session" in err


@pytest.mark.parametrize("fmt", ["csv", "json", "c3d"])
def test_an_out_that_cannot_be_written_is_one_line_exit_2(short, tmp_path, cli, fmt):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = cli("export", str(short), "--format", fmt, "--out", str(blocker / f"x.{fmt}"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot write" in err and "give a writable --out" in err


def _awkward_session(root):
    """3,000 frames whose cues change every 50 frames between plain text and text the block path
    refuses (a comma, quotes, a backslash, a tab, a newline, non-ASCII), with missing CoP values
    and 17-digit time stamps."""
    from calibration.store import nominal
    from firmware.layout import load_layout
    from trainer.sessions.writer import SessionWriter

    layout = load_layout("default-6")
    cues = ["plain", "centre, stand tall", 'say "ready"', "back\\slash", "a\ttab", "two\nlines", "plié", "plain"]
    n = 3000
    w = SessionWriter(root, "spiral", layout=layout, calibration=nominal(layout).to_dict(), params={},
                      person={"name": "t", "weight_kg": 70.0, "default": False}, sample_rate_hz=200.0,
                      simulated=False, clock_start=0.1)
    rng = np.random.default_rng(5)
    t = 0.1 + np.arange(n) / 200.0 + rng.normal(0, 1e-7, n)
    forces = rng.uniform(0, 300, (n, 6))
    cop = rng.normal(0, 50, (n, 2))
    cop[rng.random(n) < 0.05] = np.nan
    w.write(t, np.rint(4000 + 30 * forces), forces, forces.sum(axis=1), cop, rng.uniform(0, 100, n),
            np.full((n, 2), np.nan), [cues[(i // 50) % len(cues)] for i in range(n)],
            ["holding_on" if i % 7 == 0 else "" for i in range(n)])
    w.finish({"score": 1.0}, {})
    return w.folder


def test_csv_and_json_in_many_blocks_with_awkward_cues_read_back_as_the_trace(tmp_path, monkeypatch):
    folder = _awkward_session(tmp_path)
    monkeypatch.setattr(reader, "READ_ROWS", 997)             # blocks of 997: mixed, and a part one at the end
    rows = trace_rows(folder)
    ex.export_session(folder, "csv", tmp_path / "a.csv")
    assert list(csv.reader(open(tmp_path / "a.csv", newline="", encoding="utf-8"))) == rows
    assert (tmp_path / "a.csv").read_bytes() == (folder / "trace.csv").read_bytes()
    side = json.loads((tmp_path / "a.meta.json").read_text())
    assert side["export"]["frames"] == 3000
    assert side["export"]["first_t_s"] == float(rows[1][0]) and side["export"]["last_t_s"] == float(rows[-1][0])
    ex.export_session(folder, "json", tmp_path / "a.json")
    d = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    got = d["samples"]["rows"]
    assert d["samples"]["frames"] == len(got) == 3000
    text = set(reader.TEXT_COLUMNS)
    for head, r, g in zip([rows[0]] * len(got), rows[1:], got):
        assert g == [v if h in text else (float(v) if v else None) for h, v in zip(head, r)]
    assert {r[rows[0].index("phase")] for r in got} >= {"centre, stand tall", 'say "ready"', "back\\slash", "two\nlines"}
    assert d["export"]["last_t_s"] == float(rows[-1][0])
