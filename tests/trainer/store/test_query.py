"""One query layer: the same sessions give the same answers on SQLite (a mat) and PostgreSQL (a clinic).

The PostgreSQL here is real (tests/pg.py starts a cluster); the sessions are real folders written
by the product's writer (tests/trainer/store/sessions.py).
"""
import json
import sqlite3

import pytest

from firmware.errors import UsageError
from trainer.sessions import history, people
from trainer.store.identity import session_identity
from trainer.store.query import open_store, upload_root

from tests.trainer.store.sessions import make_session

ANN, BO = "a" * 32, "b" * 32


def _sessions(root):
    """Seven sessions: two people with ids and one from before ids, two drills, one incomplete."""
    specs = [
        dict(person="ann", person_id=ANN, drill="spiral", started_at="2026-03-01T09:00:00.000Z", score=61.0, level=1),
        dict(person="ann", person_id=ANN, drill="spiral", started_at="2026-03-03T09:00:00.000Z", score=72.5, level=2),
        dict(person="ann", person_id=ANN, drill="stance", started_at="2026-03-03T09:20:00.000Z", score=None,
             level=None, left=41.0),
        dict(person="ann", person_id=ANN, drill="spiral", started_at="2026-03-05T09:00:00.000Z", score=80.0, level=2,
             complete=False),
        dict(person="bo", person_id=BO, drill="spiral", started_at="2026-03-02T10:00:00.000Z", score=55.0, level=1,
             pain=(7, 4)),
        dict(person="bo", person_id=BO, drill="spiral", started_at="2026-03-02T10:00:00.000Z", score=57.0, level=1),
        dict(person="cy", person_id=None, drill="stance", started_at="2026-02-01T08:00:00.000Z", score=None,
             level=None),
    ]
    return [make_session(root, seed=i, **s) for i, s in enumerate(specs)]


def _person_files():
    for name, pid, extra in (("ann", ANN, {"levels": {"spiral": 2}, "caps": {"max_level": {"spiral": 3},
                                                                             "exclude": ["one-leg"]}}),
                             ("bo", BO, {}), ("dee", "d" * 32, {"levels": {"stance": 1}})):
        people.save(people.Person(name, 60.0, person_id=pid))
        path = people.path_for(name)
        path.write_text(json.dumps({**json.loads(path.read_text()), **extra}))


def _answers(store):
    strip = lambda rows: [{k: v for k, v in r.items() if k != "folder"} for r in rows]   # noqa: E731
    all_rows = store.sessions()
    one = all_rows[2]["identity"]
    return {
        "sessions": strip(all_rows),
        "newest_page": strip(store.sessions(newest_first=True, limit=3, offset=1)),
        "ann_spiral": strip(store.sessions(person_id=ANN, drill="spiral")),
        "by_name": strip(store.sessions(person="cy")),
        "one": strip([store.session(one)]),
        "none": store.session("f" * 64),
        "people": store.people(),
        "ann": store.person(ANN),
        "ann_levels": store.levels(ANN),
        "nobody": store.person("e" * 32),
        "summaries": store.summaries(),
        "bo_summary": store.summaries(BO),
        "progress": store.progress(ANN),
        "progress_spiral": store.progress(ANN, "spiral"),
        "count": store.count(),
        "has": store.has(one),
    }


def test_the_same_answers_on_sqlite_and_postgresql(footmat_home, pg_url):
    folders = _sessions(footmat_home / "sessions")
    _person_files()
    with open_store(None, footmat_home) as lite:
        assert lite.kind == "sqlite"
        changed = lite.refresh(identity_budget_s=0.0)       # hashing traces is spread over refreshes
        assert changed["identities_pending"] >= len(folders) - 1 and changed["people"] == 3
        assert lite.refresh(identity_budget_s=None)["identities"] == changed["identities_pending"]
        a = _answers(lite)
    with open_store(pg_url, footmat_home) as pg:
        assert pg.kind == "postgresql"
        for f in folders:
            pg.index_folder(f)
        pg.refresh()
        b = _answers(pg)
    assert a == b
    # and the answers are the sessions': not empty, in order, figures from the folders
    assert a["count"] == 7 and a["has"]
    assert [r["started_at"] for r in a["sessions"]] == sorted(r["started_at"] for r in a["sessions"])
    assert {r["identity"] for r in a["sessions"]} == {session_identity(f) for f in folders}
    assert [p["name"] for p in a["people"]] == ["ann", "bo", "dee"]
    assert a["ann"]["sessions"] == 4 and a["ann"]["last_session"] == "2026-03-05T09:00:00.000Z"
    assert a["ann_levels"] == {"levels": {"spiral": 2}, "caps": {"max_level": {"spiral": 3}, "exclude": ["one-leg"]}}
    assert a["nobody"] is None and a["none"] is None
    assert [(p["drill"], p["score"], p["level"]) for p in a["progress"]] == [
        ("spiral", 61.0, 1), ("spiral", 72.5, 2), ("stance", None, None)]       # the incomplete one is not progress
    assert a["progress"][2]["left_pct"] == pytest.approx(41.0, abs=1.0)
    bo = a["bo_summary"]
    assert bo == [{"person_id": BO, "drill": "spiral", "sessions": 2, "complete": 2, "first": "2026-03-02T10:00:00.000Z",
                   "last": "2026-03-02T10:00:00.000Z", "mean_score": 56.0, "best_score": 57.0, "minutes": bo[0]["minutes"]}]
    assert any(s["person_id"] is None and s["drill"] == "stance" for s in a["summaries"])
    assert [r["pain"] for r in a["sessions"] if r["person"] == "bo"][0] in ({"before": 7, "after": 4},
                                                                           {"before": 2, "after": 1})
    assert len(a["newest_page"]) == 3 and a["newest_page"][0]["started_at"] == "2026-03-03T09:20:00.000Z"


def test_postgresql_migrations_are_versioned_and_applied_once(footmat_home, pg_url):
    import psycopg

    with open_store(pg_url, footmat_home) as s1:
        assert s1.version == 2
    with open_store(pg_url, footmat_home) as s2:
        assert s2.count() == 0
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("SELECT version, name FROM footmat_migrations ORDER BY version").fetchall() == [
            (1, "0001_initial.sql"), (2, "0002_progress_index.sql")]
        con.execute("INSERT INTO footmat_migrations (version, name) VALUES (99, '0099_future.sql')")
    with pytest.raises(UsageError, match="newer than this footmat"):
        open_store(pg_url, footmat_home)


def test_a_bad_db_url_is_one_clear_error(footmat_home, postgres):
    with pytest.raises(UsageError, match="not a database URL"):
        open_store("mysql://x@y/z", footmat_home)
    with pytest.raises(UsageError, match=r"cannot reach the database .*\*\*\*"):
        open_store(f"postgresql://footmat:secret@/nosuchdb?host={postgres.dir}&port={postgres.port}", footmat_home)
    with pytest.raises(UsageError) as e:
        open_store(f"postgresql:///nosuchdb?host={postgres.dir}&port={postgres.port}&password=secret", footmat_home)
    assert "secret" not in str(e.value) and "password=***" in str(e.value)


def test_a_version_1_history_is_migrated_in_place(footmat_home):
    folder = make_session(footmat_home / "elsewhere", person_id=BO, person="bo")
    for p in footmat_home.glob("history.sqlite*"):      # the writer entered it: start from a version-1 file
        p.unlink()
    db = footmat_home / "history.sqlite"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE sessions (folder TEXT PRIMARY KEY NOT NULL, person TEXT, drill TEXT, started_at TEXT,
            duration_s REAL, complete INTEGER, score REAL, pain_before INTEGER, pain_after INTEGER,
            left_pct REAL, asymmetry_pp REAL, sway_mm_s REAL, present INTEGER NOT NULL DEFAULT 1, stamp TEXT,
            indexed_at TEXT);
        CREATE INDEX sessions_started ON sessions(started_at);
        CREATE TABLE roots (root TEXT PRIMARY KEY NOT NULL);
        PRAGMA user_version=1;""")
    con.execute("INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (str(folder.resolve()), "bo", "spiral", "2026-03-01T09:00:00.000Z", 2.0, 1, 70.0, 2, 1, 48.0, 4.0,
                 None, 1, "old", "2026-03-01T09:00:00.000Z"))
    con.execute("INSERT INTO roots VALUES (?)", (str(folder.parent.resolve()),))
    con.commit()
    con.close()
    with open_store(None, footmat_home) as s:
        s.refresh(identity_budget_s=None)
        rows = s.sessions()
    assert len(rows) == 1 and rows[0]["person_id"] == BO and rows[0]["identity"] == session_identity(folder)
    assert history.load()[0]["person"] == "bo"          # footmat history still reads it


def test_uploads_are_kept_beside_the_database(footmat_home):
    assert upload_root(footmat_home) == footmat_home / "uploads"
