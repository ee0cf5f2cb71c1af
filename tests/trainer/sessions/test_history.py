"""History in SQLite: one row per session, reconciled with the folders both ways, never corrupted."""
import json
from pathlib import Path
import shutil
import sqlite3

import numpy as np
import pytest

from firmware.layout import load_layout
from trainer.sessions.writer import SessionWriter


def record(cli, out, *extra):
    code, _, err = cli("drill", "spiral", "--backend", "sim", "--no-plot", "--loops", "1", "--period", "6",
                       "--pain-before", "5", "--pain-after", "3", "--out", str(out), *extra)
    assert code == 0, err
    return sorted(out.iterdir())[-1]


def history(cli, *extra):
    code, out, err = cli("history", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_recorded_sessions_are_rows_with_the_contract_fields(cli, tmp_path, footmat_home):
    folder = record(cli, tmp_path / "elsewhere")              # --out: still in the history
    rows = history(cli)
    assert len(rows) == 1
    r = rows[0]
    meta = json.loads((folder / "session.json").read_text())
    assert r["folder"] == str(folder.resolve()) and r["drill"] == "spiral" and r["person"] == "default"
    assert r["started_at"] == meta["started_at"] and r["complete"] is True
    assert r["duration_s"] == pytest.approx(meta["duration_s"]) and r["score"] == meta["summary"]["score"]
    assert r["pain"] == {"before": 5, "after": 3}
    assert 0 <= r["asymmetry_pp"] <= 100 and r["sway_mm_s"] > 0
    db = footmat_home / "history.sqlite"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    code, out, err = cli("history")
    assert code == 0 and "spiral" in out and "5→3" in out
    assert r["level"] is None                       # a drill run by hand has no programme level


def test_a_programme_part_carries_its_level_to_the_history_and_its_plot(cli, tmp_path, footmat_home):
    """`footmat today` records each part's level; `footmat history --json` gives it back and the
    progress page draws it (PRODUCT.md §7: pain, scores, symmetry, sway and levels)."""
    from trainer.ui.progress import panels

    assert cli("person", "add", "Ann", "--weight-kg", "60")[0] == 0
    code, _, err = cli("today", "--person", "Ann", "--backend", "sim", "--no-plot", "--short", "--sim-scenario", "ideal",
                       "--audio", "off", "--pain-before", "3", "--pain-after", "2")
    assert code == 0, err
    rows = history(cli, "--person", "Ann")
    parts = [json.loads((Path(r["folder"]) / "session.json").read_text()) for r in rows]
    assert rows and [r["level"] for r in rows] == [m.get("level") for m in parts]
    assert any(isinstance(r["level"], int) for r in rows)
    level = next(p for p in panels(rows) if p["title"] == "Level")
    assert {label for label, _, _, _ in level["series"]} == {r["drill"] for r in rows if r["level"] is not None}


def test_a_session_is_listed_as_incomplete_from_its_start(tmp_path, cli):
    layout = load_layout()
    w = SessionWriter(tmp_path / "out", "spiral", layout=layout, calibration={}, params={}, person={"name": "bo"},
                      sample_rate_hz=200.0, simulated=False, clock_start=0.0)
    w.write(np.arange(400) / 200.0, np.ones((400, 6)), np.ones((400, 6)), np.ones(400), np.ones((400, 2)),
            np.ones(400), np.ones((400, 2)), ["x"] * 400, [""] * 400)
    w._sync()
    rows = history(cli)
    assert len(rows) == 1 and rows[0]["complete"] is False and rows[0]["person"] == "bo"
    assert rows[0]["duration_s"] == pytest.approx(399 / 200.0)      # what is on disk, from the trace
    w.finish({"score": 55.5}, {})
    rows = history(cli)
    assert rows[0]["complete"] is True and rows[0]["score"] == 55.5


def test_reconciled_with_the_folders_both_ways(cli, tmp_path, footmat_home):
    a = record(cli, tmp_path / "out")
    b = record(cli, footmat_home / "sessions")
    assert len(history(cli)) == 2
    shutil.rmtree(a)                                          # gone from disk: kept, marked missing
    rows = {r["folder"]: r for r in history(cli)}
    assert rows[str(a.resolve())]["present"] is False and rows[str(b.resolve())]["present"] is True
    code, out, _ = cli("history")
    assert "(missing)" in out
    # a folder the database never saw (copied in, or recorded while the database was away)
    copy = footmat_home / "sessions" / "20200101-000000-spiral"
    shutil.copytree(b, copy)
    (footmat_home / "history.sqlite").rename(tmp_path / "away.sqlite")
    for p in footmat_home.glob("history.sqlite-*"):
        p.unlink()
    rows = history(cli)                                       # rebuilt from the folders
    assert {r["folder"] for r in rows} >= {str(copy.resolve()), str(b.resolve())}
    # a damaged folder is skipped with a note; the rest still shows
    (copy / "session.json").write_text("{")
    code, out, err = cli("history", "--json")
    assert code == 0 and "skipped 1 damaged" in err


def test_filters_and_plot(cli, tmp_path):
    record(cli, tmp_path / "out")
    assert history(cli, "--drill", "stance") == []
    assert len(history(cli, "--person", "default")) == 1
    out = tmp_path / "progress.png"
    code, _, err = cli("history", "--plot", str(out))
    assert code == 0, err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = cli("history", "--plot", str(tmp_path / "p.txt"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_damaged_database_is_refused_and_left_alone(cli, tmp_path, footmat_home):
    record(cli, tmp_path / "out")
    db = footmat_home / "history.sqlite"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = db.read_bytes()
    for bad in (b"not a database at all" * 50, data[:100], data[: len(data) // 2] + b"\x00" * 7):
        db.write_bytes(bad)
        code, out, err = cli("history")
        assert code == 2 and len(err.strip().splitlines()) == 1 and "history" in err and "mv " in err
        assert db.read_bytes() == bad


# -- fuzzed and truncated input: one clear line, exit 2, the file untouched -------------------
from hypothesis import given  # noqa: E402

from tests.trainer.sessions.test_replay import FUZZ, mutations  # noqa: E402


def _history_db(cli, tmp_path, footmat_home) -> bytes:
    """A real history database (three rows) with its WAL checkpointed into the file."""
    from trainer.sessions.history import connect

    for k in range(3):
        layout = load_layout()
        w = SessionWriter(tmp_path / "gone", "spiral", layout=layout, calibration={}, params={},
                          person={"name": f"p{k}"}, sample_rate_hz=200.0, simulated=False, clock_start=0.0)
        w.finish({"score": 10.0 * k}, {}, {"before": k, "after": 0})
    shutil.rmtree(tmp_path / "gone")             # rows only (already marked missing): nothing to reconcile
    assert len(history(cli)) == 3
    con = connect()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return (footmat_home / "history.sqlite").read_bytes()


def test_fuzzed_history_database(cli, tmp_path, footmat_home):
    db = footmat_home / "history.sqlite"
    good = _history_db(cli, tmp_path, footmat_home)

    @FUZZ
    @given(mutations(good))
    def run(data):
        for p in footmat_home.glob("history.sqlite-*"):
            p.unlink()
        db.write_bytes(data)
        code, out, err = cli("history", "--json")
        assert code in (0, 2), err
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("footmat history: ") and " — " in lines[0], err
            assert db.read_bytes() == data
        else:
            json.loads(out)

    run()


def test_fuzzed_person_file(cli, footmat_home):
    code, _, err = cli("person", "add", "ann", "--weight-kg", "61.5", "--height-cm", "165")
    assert code == 0, err
    path = footmat_home / "people" / "ann.json"
    good = path.read_bytes()

    @FUZZ
    @given(mutations(good))
    def run(data):
        path.write_bytes(data)
        code, out, err = cli("person", "show", "ann")
        assert code in (0, 2), err
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("footmat person: ") and " — " in lines[0], err
        assert path.read_bytes() == data

    run()


def test_an_unknown_person_is_one_line_and_exit_2(cli, footmat_home):
    assert cli("person", "add", "Ann", "--weight-kg", "60")[0] == 0
    code, out, err = cli("history", "--person", "Nobody")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no person called 'Nobody'" in err and "Ann" in err
    code, out, err = cli("history", "--person", "Ann")        # known, no session yet: not an error
    assert code == 0 and "no sessions yet for Ann" in err + out
