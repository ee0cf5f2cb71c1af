"""Every session footmat writes reads back through every reader (issue 20, PRODUCT.md §6, §9).

Through the command line, as a user would: each drill of the registry (so a new drill is
covered without touching this file) and the daily routine run on the simulated mat in virtual
time; every session folder they write then goes through ``report`` (PDF and PNG), ``replay
--no-plot``, ``export`` (csv, json, c3d), ``analyze`` and ``history``, each of which must exit 0
and must have read the whole trace.

Also: a session written the old way (bare-comma trace rows, no ``schema_version``) reads back
with its cue rejoined (tests/trainer/sessions/legacy_session.py); a drill killed with SIGKILL keeps its
``--pain-before``; a trace cut off mid-line is read and reported on standard error.

The wording of the readers' notices is the lead's to choose: the patterns below match loosely,
adjust them here if the wording changes.
"""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from trainer import drills as drill_registry

from tests.trainer.sessions.legacy_session import STANCE_CUE, write_legacy_stance_session

ROOT = Path(__file__).resolve().parents[3]

# --- the readers' notices on standard error (match loosely; adjust if the wording changes) ---
# a session written before schema_version, whose cue text was split on its commas
LEGACY_NOTE = re.compile(r"older|old format|earlier version|before schema|schema_version|comma|rejoin", re.I)
# a session killed mid-drill (complete: false) or whose trace ends in a torn line
INCOMPLETE_NOTE = re.compile(r"incomplete|cut short|cut off|truncat|torn|killed|not complete|unfinished", re.I)

# Shortest options that still let a drill run to its normal end: a number takes its lower limit
# (from the registry), except these (strings, or a minimum that is not the shortest run).
SHORT_OVERRIDES = {"paces": "1", "rest": 0}


def _shortest(defn) -> list[str]:
    argv = []
    for name, p in defn.params.items():
        if name in SHORT_OVERRIDES:
            value = SHORT_OVERRIDES[name]
        elif p.type in (int, float) and p.min is not None:
            value = p.type(p.min)
        else:
            continue            # choices and other strings: the default
        argv += [f"--{name}", str(value)]
    return argv


DRILLS = list(drill_registry.REGISTRY)          # `footmat drills`, read at collection time


# --- helpers ------------------------------------------------------------------------------

def _trace_rows(folder: Path) -> tuple[list[str], list[list[str]]]:
    """trace.csv by the csv module's rules: (header, data rows)."""
    with open(folder / "trace.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r]
    return rows[0], rows[1:]


def _sessions_under(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("session.json"))


def _json_out(out: str):
    try:
        return json.loads(out)
    except ValueError:
        pytest.fail(f"not JSON on standard output: {out[:300]!r}")


def _ok(cli, *argv) -> tuple[str, str]:
    code, out, err = cli(*argv)
    assert code == 0, f"footmat {' '.join(map(str, argv))} exited {code}: {err.strip()[-800:]}"
    return out, err


def _history_rows(cli) -> dict[str, dict]:
    out, _ = _ok(cli, "history", "--json")
    rows = _json_out(out)
    assert isinstance(rows, list)
    return {str(Path(r["folder"]).resolve()): r for r in rows}


def read_back(cli, folder: Path, tmp: Path, *, phase_values: set[str] | None = None) -> dict:
    """Every reader on one session folder; each must exit 0 and have read the whole trace.

    Returns the standard error of each reader (by name), for the callers' notices."""
    folder = Path(folder)
    tmp.mkdir(parents=True, exist_ok=True)
    errs = {}
    header, rows = _trace_rows(folder)
    n_rows = len(rows)

    # report, PDF and PNG
    for ext, magic in (("pdf", b"%PDF"), ("png", b"\x89PNG")):
        out_file = tmp / f"report.{ext}"
        _, errs[f"report-{ext}"] = _ok(cli, "report", str(folder), "--out", str(out_file))
        assert out_file.read_bytes()[:4] == magic, f"report.{ext} is not a {ext.upper()}"

    # replay, as a user runs it: it read every frame of the trace and worked the drill's summary out
    # again (what it says of it; `replay --json` is tested in test_replay.py). Once: a replay
    # re-runs the estimator and the drill engine over the whole session.
    out, errs["replay"] = _ok(cli, "replay", str(folder), "--no-plot")
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    head = re.match(r"(\S+): done \((\d+) samples in ", out)
    assert head, f"replay did not say what it read: {out.splitlines()[:1]}"
    assert head.group(1) == meta["drill"]
    assert int(head.group(2)) == n_rows, f"replay read {head.group(2)} samples, trace.csv has {n_rows} rows"
    if meta.get("complete") and meta.get("schema_version"):
        assert "same summary as recorded" in out.splitlines(), f"the replay's summary differs: {out[-600:]}"

    # export csv: the trace's rows and columns, by the csv module's rules
    _, errs["export-csv"] = _ok(cli, "export", str(folder), "--format", "csv", "--out", str(tmp / "x.csv"))
    with open(tmp / "x.csv", encoding="utf-8", newline="") as fh:
        exp = [r for r in csv.reader(fh) if r]
    exp_header, exp_rows = exp[0], exp[1:]
    assert "phase" in exp_header and "cop_x_mm" in exp_header
    assert all(len(r) == len(exp_header) for r in exp_rows), "the exported CSV has rows of another width"
    assert len(exp_rows) == n_rows, f"export csv has {len(exp_rows)} rows, trace.csv {n_rows}"
    csv_phases = [r[exp_header.index("phase")] for r in exp_rows]

    # export json: every sample
    _, errs["export-json"] = _ok(cli, "export", str(folder), "--format", "json", "--out", str(tmp / "x.json"))
    doc = json.loads((tmp / "x.json").read_text(encoding="utf-8"))
    cols, jrows = doc["samples"]["columns"], doc["samples"]["rows"]
    assert len(jrows) == n_rows, f"export json has {len(jrows)} sample rows, trace.csv {n_rows} data rows"
    assert all(len(r) == len(cols) for r in jrows)
    json_phases = [r[cols.index("phase")] for r in jrows]
    assert [str(p) for p in json_phases] == csv_phases, "csv and json exports disagree on the phase column"
    if phase_values is None:
        assert json_phases == [r[header.index("phase")] for r in rows], "exported phases are not the trace's"
    else:
        assert set(json_phases) <= phase_values, f"unexpected phases {set(json_phases) - phase_values}"

    # export c3d
    _, errs["export-c3d"] = _ok(cli, "export", str(folder), "--format", "c3d", "--out", str(tmp / "x.c3d"))
    c3d = (tmp / "x.c3d").read_bytes()
    assert len(c3d) > 512 and c3d[1] == 0x50, "not a C3D file (byte 2 of a C3D header is 0x50)"

    # analyze
    out, errs["analyze"] = _ok(cli, "analyze", str(folder), "--json")
    metrics = _json_out(out)
    assert isinstance(metrics, dict) and metrics

    # history lists it
    hist = _history_rows(cli)
    assert str(folder.resolve()) in hist, f"history does not list {folder}"

    if phase_values is None:    # a trace written now, by the csv module's rules: every row as wide as the header
        bad = [i for i, r in enumerate(rows, 2) if len(r) != len(header)]
        assert not bad, f"trace.csv rows {bad[:5]} do not have the header's {len(header)} fields"
    return {"errs": errs, "export": doc, "history": hist[str(folder.resolve())], "rows": n_rows}


# --- 1. every drill, and the daily routine --------------------------------------------------

@pytest.mark.parametrize("name", DRILLS)
def test_every_drill_reads_back(cli, tmp_path, name):
    defn = drill_registry.get(name)
    out_dir = tmp_path / "out"
    _ok(cli, "drill", name, *_shortest(defn), "--backend", "sim", "--no-plot", "--out", str(out_dir))
    folders = _sessions_under(out_dir)
    assert len(folders) == 1, folders
    meta = json.loads((folders[0] / "session.json").read_text(encoding="utf-8"))
    assert meta["drill"] == name and meta["complete"] is True, "the drill did not run to its end"
    got = read_back(cli, folders[0], tmp_path / "readers")
    assert got["history"]["complete"] is True


def _short_daily(tmp_path: Path) -> Path:
    """The daily routine's drills, in its order, each once and at its shortest options."""
    from trainer.drills.routine import ROUTINES_DIR

    daily = tomllib.loads((ROUTINES_DIR / "daily.toml").read_text(encoding="utf-8"))
    lines = ['name = "daily-short"', 'title = "The daily routine, every part at its shortest"', "rest_s = 0", ""]
    seen = set()
    for part in daily["part"]:
        if part["drill"] in seen:       # one part per drill: the drills are each covered above
            continue
        seen.add(part["drill"])
        defn = drill_registry.get(part["drill"])
        params = dict(part.get("params", {}))
        short = _shortest(defn)
        params.update({k[2:]: v for k, v in zip(short[::2], short[1::2])})
        lines += ["[[part]]", f'drill = "{part["drill"]}"', "[part.params]"]
        for k, v in params.items():
            p = defn.params[k]
            lines.append(f'{k} = {json.dumps(p.type(v))}')
        lines.append("")
    path = tmp_path / "daily-short.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _routine_reads_back(cli, tmp_path, routine_argv):
    out_dir = tmp_path / "out"
    out, _ = _ok(cli, "routine", *routine_argv, "--rest", "0", "--backend", "sim", "--no-plot", "--json",
                 "--out", str(out_dir))
    summary = _json_out(out)
    assert summary["complete"] is True
    folders = _sessions_under(out_dir)
    assert len(folders) == len(summary["parts"]) >= 2, (folders, summary["parts"])
    assert sorted(f.name for f in folders) == sorted(p["session"] for p in summary["parts"])
    failures = []
    for k, folder in enumerate(folders):
        try:
            read_back(cli, folder, tmp_path / f"readers-{k}")
        except AssertionError as e:      # every part is tried; all failures are reported together
            failures.append(f"{folder.name}: {str(e).splitlines()[0]}")
    assert not failures, "\n".join(failures)


def test_daily_routine_parts_at_their_shortest_read_back(cli, tmp_path):
    """The daily routine's drills, in its order and through the routine runner, kept short."""
    _routine_reads_back(cli, tmp_path, [str(_short_daily(tmp_path))])


# `footmat routine` as shipped reads back too: tests/trainer/sessions/test_readback_routine.py (a file
# of its own, so that make test's workers run it beside the rest of this file)


# --- 2. a session written the old way ----------------------------------------------------------

def test_session_written_the_old_way_reads_back(cli, tmp_path, footmat_home):
    folder = write_legacy_stance_session(footmat_home / "sessions")
    # the fixture is the bug as it was: the cue's commas split the phase field
    raw_lines = (folder / "trace.csv").read_text(encoding="utf-8").splitlines()
    n_header = raw_lines[0].count(",") + 1
    assert any(line.count(",") + 1 == n_header + 2 for line in raw_lines[1:])
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    assert "schema_version" not in meta and "person_id" not in meta

    got = read_back(cli, folder, tmp_path / "readers",
                    phase_values={"waiting", "countdown", STANCE_CUE, "done"})
    # the whole cue, rejoined, in every export
    phases = [r[got["export"]["samples"]["columns"].index("phase")] for r in got["export"]["samples"]["rows"]]
    assert phases.count(STANCE_CUE) == 2000
    assert got["rows"] == len(raw_lines) - 1
    with open(tmp_path / "readers" / "x.csv", encoding="utf-8", newline="") as fh:
        assert sum(r["phase"] == STANCE_CUE for r in csv.DictReader(fh)) == 2000
    assert got["history"]["pain"]["before"] == 3
    # each reader says, once, that the session was written in the older format
    for reader, err in got["errs"].items():
        said = [line for line in err.splitlines() if LEGACY_NOTE.search(line)]
        assert len(said) == 1, f"{reader}: expected one line on stderr about the older format, got {said!r}"
    # and nothing was changed on disk
    assert (folder / "trace.csv").read_text(encoding="utf-8").splitlines() == raw_lines


# --- 3. SIGKILL keeps pain.before --------------------------------------------------------------

def test_sigkill_mid_drill_keeps_pain_before(cli, tmp_path):
    out_dir = tmp_path / "out"
    cmd = [sys.executable, "-m", "trainer.cli", "drill", "spiral", "--backend", "sim", "--pain-before", "4",
           "--realtime", "--no-plot", "--out", str(out_dir)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        folder = None
        while time.monotonic() < deadline and proc.poll() is None:
            found = _sessions_under(out_dir) if out_dir.exists() else []
            if found and (found[0] / "trace.csv").exists():
                folder = found[0]
                # mid-drill: past the 1 s wait and the 3 s countdown (200 frames/s, flushed every
                # 0.2 s), the spiral's 36 s far from their end
                if (found[0] / "trace.csv").read_bytes().count(b"\n") > 1000:
                    break
            time.sleep(0.1)
        assert proc.poll() is None, f"the drill ended before it was killed: {proc.stderr.read().decode()[-500:]}"
        assert folder is not None, "no session folder within 60 s"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    assert meta["complete"] is False
    assert meta["pain"]["before"] == 4, f"pain.before of the killed session: {meta['pain']!r}"

    for argv in (["replay", str(folder), "--no-plot"],
                 ["export", str(folder), "--format", "json", "--out", str(tmp_path / "k.json")]):
        _, err = _ok(cli, *argv)
        assert INCOMPLETE_NOTE.search(err), f"footmat {argv[0]} did not say on stderr that it is incomplete: {err!r}"
    doc = json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))
    assert doc["pain"]["before"] == 4 and doc["complete"] is False


# --- 4. a trace cut off mid-line --------------------------------------------------------------

def test_trace_cut_short_is_read_and_reported(cli, tmp_path):
    out_dir = tmp_path / "out"
    _ok(cli, "drill", "spiral", "--loops", "1", "--period", "4", "--backend", "sim", "--no-plot",
        "--out", str(out_dir))
    (folder,) = _sessions_under(out_dir)
    _, rows = _trace_rows(folder)
    data = (folder / "trace.csv").read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    last = data[last_start:]
    cut = data[:last_start + len(last) // 2]          # the last line cut in half, no newline
    (folder / "trace.csv").write_bytes(cut)

    readers = {
        "report": ["report", str(folder), "--out", str(tmp_path / "r.pdf")],
        "export-csv": ["export", str(folder), "--format", "csv", "--out", str(tmp_path / "x.csv")],
        "export-json": ["export", str(folder), "--format", "json", "--out", str(tmp_path / "x.json")],
        "export-c3d": ["export", str(folder), "--format", "c3d", "--out", str(tmp_path / "x.c3d")],
        "analyze": ["analyze", str(folder), "--json"],
        "replay": ["replay", str(folder), "--no-plot"],
    }
    failures = []
    for name, argv in readers.items():
        code, out, err = cli(*argv)
        if code != 0:
            failures.append(f"{name}: exit {code}: {err.strip()[-300:]}")
        elif not INCOMPLETE_NOTE.search(err):
            failures.append(f"{name}: nothing on stderr about the trace being cut short ({err.strip()[-200:]!r})")
    assert not failures, "\n".join(failures)
    # every whole line was read, the torn one left out
    doc = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert len(doc["samples"]["rows"]) == len(rows) - 1
    assert (folder / "trace.csv").read_bytes() == cut, "a reader changed the trace"
