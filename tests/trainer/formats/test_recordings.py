"""`footmat analyze` and the recording readers (trainer.formats.recordings): formats, frames, exclusions,
windows, pipelines. What it cannot use (files, options): test_malformed.py."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from trainer.analysis import sway
from trainer.cli import main
from trainer.formats.recordings import read_recording

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "real"
BDS = REAL / "bds_santos_duarte_2016"
PDS = REAL / "pds_two_plates_2017"
QUIJOUX = REAL / "quijoux2021_amti"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FOOTMAT_DEBUG", raising=False)
    return tmp_path / "home"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared real recordings are read in place)")
    return path


def cli(capsys, *args):
    rc = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def cli_json(capsys, *args) -> dict:
    rc, out, err = cli(capsys, *args, "--json")
    assert rc == 0, err
    return json.loads(out)          # stdout is JSON only


def one_line_error(capsys, *args) -> str:
    rc, out, err = cli(capsys, *args)
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("footmat analyze: ")
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- footmat sessions
TRACE_HEADER = ("t_s,L1_raw,R1_raw,L1_n,R1_n,total_n,cop_x_mm,cop_y_mm,left_pct,target_x_mm,target_y_mm,"
                "phase,flags")


def sway_xy(n: int, seed: int = 4):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    x = 4 * np.sin(2 * np.pi * 0.3 * t) + np.cumsum(rng.normal(0, 0.05, n))
    y = 6 * np.sin(2 * np.pi * 0.2 * t + 1) + np.cumsum(rng.normal(0, 0.05, n))
    return np.round(x, 2), np.round(y, 2)


def write_session(folder: Path, *, rate=100.0, n=3300, waiting=0, countdown=300, paused=range(1500, 1600),
                  done=0,
                  no_cop=(2000, 2001, 2002), drop_rows=(), cut_last=False, session_json=True):
    """A footmat session folder; returns (x, y, phases) per row as written (before drop_rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    x, y = sway_xy(n)
    phase = np.array(["stance"] * n, dtype=object)
    phase[:waiting] = "waiting"
    phase[waiting:waiting + countdown] = "countdown"
    phase[list(paused)] = "paused"
    phase[n - done:] = "done"
    lines = [TRACE_HEADER]
    for i in range(n):
        if i in drop_rows:
            continue
        cx = "" if i in no_cop else f"{x[i]:.2f}"
        cy = "" if i in no_cop else f"{y[i]:.2f}"
        lines.append(f"{i / rate:.4f},1000,1000,300.00,300.00,600.00,{cx},{cy},50.00,,,{phase[i]},")
    text = "\n".join(lines) + "\n"
    if cut_last:
        text += f"{n / rate:.4f},1000,10"          # power cut in the middle of a line
    (folder / "trace.csv").write_text(text, encoding="utf-8")
    if session_json:
        (folder / "session.json").write_text(json.dumps({"drill": "stance", "sample_rate_hz": rate}),
                                             encoding="utf-8")
    return x, y, phase


def test_session_folder_uses_drill_rows_with_cop(capsys, tmp_path):
    folder = tmp_path / "20250101-120000-stance"
    x, y, phase = write_session(folder, waiting=50, done=20)
    res = cli_json(capsys, folder)
    src = res["method"]["source"]
    assert src["format"] == "footmat" and res["fs_hz"] == 100.0
    assert src["excluded"] == {"waiting": 50, "countdown": 300, "paused": 100, "done": 20, "no_cop": 3}
    use = (phase == "stance")
    use[[2000, 2001, 2002]] = False
    xe = np.where(use, x, np.nan)
    ye = np.where(use, y, np.nan)
    expected = sway.sway_metrics(xe, ye, 100.0)
    assert res["n_samples"] == int(use.sum()) == 3300 - 50 - 300 - 100 - 20 - 3
    for k in sway.METRIC_UNITS:
        assert res[k] == pytest.approx(expected[k], rel=1e-12), k
    assert res["left_pct"] == pytest.approx(50.0)
    # paused rows are not bridged: the path has no step across the pause
    assert res["path_length_mm"] < sway.sway_metrics(x[use], y[use], 100.0)["path_length_mm"]


def test_trace_csv_directly_takes_the_rate_from_session_json(capsys, tmp_path):
    write_session(tmp_path / "s", rate=200.0)
    res = cli_json(capsys, tmp_path / "s" / "trace.csv")
    assert res["fs_hz"] == 200.0
    rec = read_recording(tmp_path / "s" / "trace.csv", rate_hz=50.0)     # --rate overrides
    assert rec.fs_hz == 50.0
    assert read_recording(tmp_path / "s" / "session.json").n == rec.n     # the session's other file


def test_session_without_session_json_measures_the_rate(tmp_path):
    write_session(tmp_path / "s", rate=200.0, session_json=False)
    assert read_recording(tmp_path / "s").fs_hz == 200.0


def test_interrupted_trace_ignores_its_cut_last_line(capsys, tmp_path):
    write_session(tmp_path / "s", cut_last=True)
    rec = read_recording(tmp_path / "s")
    assert rec.n == 3300
    assert any("cut short" in note for note in rec.notes)
    rc, out, err = cli(capsys, tmp_path / "s")
    assert rc == 0 and "cut short" in out


def test_missing_rows_leave_empty_slots(tmp_path):
    x, y, phase = write_session(tmp_path / "s", countdown=0, paused=(), no_cop=(), drop_rows=range(1000, 1010))
    rec = read_recording(tmp_path / "s")
    assert rec.n == 3300 and rec.excluded == {"missing_frame": 10}
    assert np.isnan(rec.x_mm[1000:1010]).all() and rec.x_mm[1010] == pytest.approx(x[1010])
    m = sway.sway_metrics(rec.x_mm, rec.y_mm, rec.fs_hz)
    keep = np.ones(3300, bool)
    keep[1000:1010] = False
    steps = np.hypot(np.diff(x), np.diff(y))[keep[1:] & keep[:-1]]
    assert m["path_length_mm"] == pytest.approx(steps.sum(), rel=1e-9)


# --------------------------------------------------------------------------- real recordings
def published(info_file: Path, trial: str) -> dict:
    lines = info_file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        f = line.split("\t")
        if f[0] == trial:
            return dict(zip(header, f))
    raise KeyError(trial)


def test_bds_trial_through_the_cli(capsys):
    path = need(BDS / "BDS00007.txt")
    ref = published(need(BDS / "BDSinfoCOP.txt"), "BDS00007")
    res = cli_json(capsys, path)
    assert res["method"]["source"]["format"] == "bds"
    assert res["method"]["pipeline"]["name"] == "raw"
    assert res["ellipse95_area_mm2"] == pytest.approx(100 * float(ref["COParea"]), rel=1e-9)
    assert res["mean_velocity_mm_s"] == pytest.approx(10 * float(ref["COPvelo"]), rel=1e-9)
    assert res["mean_power_frequency_hz"] == pytest.approx(float(ref["COPmfreq"]), rel=1e-9)
    # a flat object of numbers plus the method object, which documents every metric
    assert all(not isinstance(v, (dict, list)) for k, v in res.items() if k != "method")
    assert set(sway.METRIC_UNITS) <= set(res["method"]["metrics"])


def test_bds_frame_is_footmat_frame():
    rec = read_recording(need(BDS / "BDS00001.txt"))
    raw = np.loadtxt(BDS / "BDS00001.txt", skiprows=1)
    assert np.allclose(rec.x_mm, raw[:, 8] * 10)      # COPy (ML, cm) → x mm
    assert np.allclose(rec.y_mm, raw[:, 7] * 10)      # COPx (AP, cm) → y mm
    assert rec.t_s[0] == pytest.approx(0.01)


def test_window_selects_seconds_on_the_files_time_axis(capsys):
    path = need(BDS / "BDS00002.txt")
    res = cli_json(capsys, path, "--window", "10:40")
    raw = np.loadtxt(path, skiprows=1)
    sel = (raw[:, 0] >= 10 - 1e-9) & (raw[:, 0] < 40 - 1e-9)
    expected = sway.sway_metrics(raw[sel, 8] * 10, raw[sel, 7] * 10, 100.0)
    assert res["n_samples"] == 3000
    for k in sway.METRIC_UNITS:
        assert res[k] == pytest.approx(expected[k], rel=1e-9)
    assert res["method"]["window_s"] == {"start": 10.0, "end": 40.0}
    assert cli_json(capsys, path, "--window", "50:")["n_samples"] == 1001
    assert cli_json(capsys, path, "--window", ":1")["n_samples"] == 99


def test_pds_trial_reports_load_share_and_net_cop_check(capsys):
    path = need(PDS / "PDS13OR1grf.txt")
    ref = published(need(PDS / "PDSinfoCOP.txt"), "PDS13OR1")
    res = cli_json(capsys, path)
    assert res["mean_velocity_mm_s"] == pytest.approx(10 * float(ref["COPvelo"]), rel=1e-9)
    # SOURCE.txt: right-foot share 0.456 on average in this trial
    assert res["left_pct"] == pytest.approx(100 - 45.6, abs=0.1)
    assert res["method"]["source"]["net_cop_from_feet_vs_plate_max_mm"] < 0.1
    rc, out, err = cli(capsys, path)
    assert rc == 0 and "left_pct" in out and "net CoP from the two feet" in out


def test_quijoux_recording_through_the_cli(capsys):
    path = need(QUIJOUX / "test.csv")
    raw = cli_json(capsys, path)
    assert raw["method"]["source"]["format"] == "amti"
    assert raw["method"]["source"]["excluded"] == {"dropped_frame": 7}
    assert raw["n_samples"] == 15605 - 7 and raw["n_excluded"] == 7
    res = cli_json(capsys, path, "--pipeline", "quijoux")
    pipe = res["method"]["pipeline"]
    assert pipe["name"] == "quijoux" and pipe["resample"]["rate_hz"] == 25.0
    assert pipe["filter"]["order"] == 4 and pipe["filter"]["cutoff_hz"] == 10.0
    assert pipe["select"] == {"samples": [4000, 7000]}
    assert res["fs_hz"] == 25.0 and res["n_samples"] == 748
    # the reference printed mean_velocity_ML_AND_AP = 0.6953667708089489 cm/s
    assert res["mean_velocity_mm_s"] == pytest.approx(6.953667708089489, rel=1e-9)
    rc, out, err = cli(capsys, path, "--pipeline", "quijoux")
    assert rc == 0 and "SWARII" in out and "10 Hz" in out
    # with --window the window replaces the pipeline's own selection
    res_w = cli_json(capsys, path, "--pipeline", "quijoux", "--window", "40:70")
    assert res_w["method"]["pipeline"]["select"] is None
    assert res_w["mean_velocity_mm_s"] == pytest.approx(res["mean_velocity_mm_s"], rel=1e-9)


def test_amti_rows_with_zero_force_are_dropped_not_averaged(tmp_path):
    n = 1000
    x, y = sway_xy(n)
    fz = np.full(n, 600.0)
    fz[[0, 1, 500, 998, 999]] = 0.0
    rows = ["Format Version,1.0,", "Export Frame Rate,100.00,", "Device Name,AMTI 3265 3265,", "",
            "MocapFrame, MocapTime, DeviceFrame, Fx, Fy, Fz, Mx, My, Mz, Cx, Cy, Cz"]
    for i in range(n):
        if fz[i] == 0:
            rows.append(f"{i},{i / 100:.6f},{i}" + ",0.000000" * 9)
        else:
            mx, my = y[i] / 1000 * fz[i], x[i] / 1000 * fz[i]
            rows.append(f"{i},{i / 100:.6f},{i},0,0,{fz[i]:.6f},{mx:.9f},{my:.9f},0,{-x[i] / 1000:.6f},"
                        f"{y[i] / 1000:.6f},0")
    p = tmp_path / "plate.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rec = read_recording(p)
    assert rec.format == "amti" and rec.fs_hz == 100.0
    assert rec.excluded == {"dropped_frame": 5}
    ok = fz > 0
    assert np.allclose(rec.x_mm[ok], x[ok], atol=1e-6) and np.allclose(rec.y_mm[ok], y[ok], atol=1e-6)
    assert np.isnan(rec.x_mm[~ok]).all()
    m = sway.sway_metrics(rec.x_mm, rec.y_mm, rec.fs_hz)
    assert m["n_excluded"] == 5 and m["n_samples"] == 995


# --------------------------------------------------------------------------- a BDS trial as text
BDS_HEADER = "Time[s]\tFx[N]\tFy[N]\tFz[N]\tMx[Nm]\tMy[Nm]\tMz[Nm]\tCOPx[cm]\tCOPy[cm]\n"
BDS_ROW = "{t:.3f}\t-1.6\t-3.7\t539.0\t5.38\t43.06\t-0.57\t{ap:.6f}\t{ml:.6f}\n"


def bds_text(n=200, bad_line=None, bad=None):
    rows = [BDS_ROW.format(t=(i + 1) / 100, ap=-8 + 0.01 * math.sin(i / 10), ml=1 + 0.01 * math.cos(i / 7))
            for i in range(n)]
    if bad_line is not None:
        rows[bad_line] = bad
    return BDS_HEADER + "".join(rows)


# --------------------------------------------------------------------------- other tables
def test_generic_table_needs_columns_then_reads_units_from_the_header(capsys, tmp_path):
    x, y = sway_xy(2000)
    p = tmp_path / "cop.csv"
    p.write_text("time,ml [cm],ap [cm]\n" + "".join(f"{i / 50:.2f},{x[i] / 10:.4f},{y[i] / 10:.4f}\n"
                                                    for i in range(2000)), encoding="utf-8")
    line = one_line_error(capsys, p)
    assert "--columns" in line
    res = cli_json(capsys, p, "--columns", "ml [cm],ap [cm]")
    expected = sway.sway_metrics(np.round(x / 10, 4) * 10, np.round(y / 10, 4) * 10, 50.0)
    assert res["fs_hz"] == 50.0
    assert res["mean_velocity_mm_s"] == pytest.approx(expected["mean_velocity_mm_s"], rel=1e-9)
    # by number, with a sign flipped: only signed quantities could change, and none are reported
    res2 = cli_json(capsys, p, "--columns", "2,-3")
    assert res2["ellipse95_area_mm2"] == pytest.approx(res["ellipse95_area_mm2"], rel=1e-12)
    rec = read_recording(p, columns="2,-3")
    assert rec.y_mm[5] == pytest.approx(-round(y[5] / 10, 4) * 10)


def test_generic_table_without_units_or_rate_asks_for_them(capsys, tmp_path):
    x, y = sway_xy(500)
    p = tmp_path / "cop.txt"
    p.write_text("a b\n" + "".join(f"{x[i]:.3f} {y[i]:.3f}\n" for i in range(500)), encoding="utf-8")
    assert "--units" in one_line_error(capsys, p, "--columns", "a,b")
    assert "--rate" in one_line_error(capsys, p, "--columns", "a,b", "--units", "mm")
    res = cli_json(capsys, p, "--columns", "a,b", "--units", "mm", "--rate", "100")
    assert res["fs_hz"] == 100.0 and res["n_samples"] == 500
    # no header at all: columns by number
    q = tmp_path / "bare.txt"
    q.write_text("".join(f"{x[i]:.3f}\t{y[i]:.3f}\n" for i in range(500)), encoding="utf-8")
    res_q = cli_json(capsys, q, "--columns", "1,2", "--units", "mm", "--rate", "100")
    assert res_q["path_length_mm"] == pytest.approx(res["path_length_mm"], rel=1e-12)


def test_units_option_scales(capsys, tmp_path):
    x, y = sway_xy(500)
    p = tmp_path / "m.csv"
    p.write_text("t,x,y\n" + "".join(f"{i / 100:.2f},{x[i] / 1000:.6f},{y[i] / 1000:.6f}\n" for i in range(500)),
                 encoding="utf-8")
    res = cli_json(capsys, p, "--columns", "x,y", "--units", "m")
    mm = cli_json(capsys, p, "--columns", "x,y", "--units", "mm")
    assert res["range_x_mm"] == pytest.approx(1000 * mm["range_x_mm"], rel=1e-12)


def test_table_output_is_readable(capsys):
    rc, out, err = cli(capsys, need(BDS / "BDS00001.txt"))
    assert rc == 0 and err == ""
    for label in ("ellipse95_area", "mean_velocity", "mean_power_frequency", "mm²", "mm/s", "Hz", "raw"):
        assert label in out


def test_too_few_samples_print_null_and_say_so(capsys, tmp_path):
    p = tmp_path / "short.csv"
    p.write_text("t_s,cop_x_mm,cop_y_mm,phase,flags\n0.00,1,2,stance,\n0.01,1.5,2,stance,\n0.02,,,stance,\n",
                 encoding="utf-8")
    rc, out, err = cli(capsys, p, "--json")
    assert rc == 0
    res = json.loads(out)
    assert res["ellipse95_area_mm2"] is None and res["n_samples"] == 2
    assert "undefined" in err


def test_options_override_a_known_format(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text(bds_text(n=300), encoding="utf-8")
    rec = read_recording(path, rate_hz=200.0)
    assert rec.fs_hz == 200.0 and rec.n == 300
    rec = read_recording(path, columns="COPx[cm],COPy[cm]")     # swap the axes on purpose
    raw = np.loadtxt(path, skiprows=1)
    assert np.allclose(rec.x_mm, raw[:, 7] * 10)


def test_command_module_imports_only_the_stdlib():
    import subprocess
    import sys

    code = ("import sys; import trainer.commands.analyze; "
            "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ))
    assert out.stdout.strip() == "[]"
