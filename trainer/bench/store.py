"""Bench sections `history` and `sync`: the session index at clinic scale and uploads (issue 31).

``history`` — ``progress_query_ms``: one person's progress (:meth:`trainer.store.query.Store.progress`,
every drill, complete sessions, oldest first, as dicts) over ``SESSIONS`` (100k) synthetic session
rows of ``PEOPLE`` people (so ``progress_rows`` each), median of ``REPEAT`` runs;
``progress_drill_query_ms`` the same for one drill; ``sessions_query_ms`` a page of 50 of a
person's newest sessions; ``summaries_query_ms`` per person and drill, everyone; ``insert_s``
entering the 100k rows; ``db_bytes`` / ``bytes_per_session`` the database's size on disk; and
``index_bytes`` per table and index (SQLite's dbstat, PostgreSQL's pg_relation_size).

``sync`` — ``sessions_per_s``: ``SYNC_SESSIONS`` real session folders (``SYNC_SECONDS`` s of 200 Hz
frames each, written by the recorder) sent by the sync client (:func:`trainer.store.sync.upload_session`,
httpx) to a real ``footmat serve`` app (uvicorn in a thread of this process, the bearer token) on
127.0.0.1 — GET state, PUT chunks, commit (checked, stored, indexed) — one after the other;
``mb_per_s`` the same in bytes; ``second_pass_sessions_per_s`` sending them all again (each a
no-op that says so); ``files_bytes_per_hour`` the stored folder's size per hour of training.

Both run on the mat's SQLite by default; with ``FOOTMAT_BENCH_DB=postgresql://…`` on that
database (a scratch one: the bench's tables are created there and its rows left in it).
"""
from __future__ import annotations

import os
import secrets
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

SESSIONS = 100_000
PEOPLE = 20
DRILLS = ("spiral", "stance", "heel-raises", "toe-press", "shifts", "one-leg")
REPEAT = 7
SYNC_SESSIONS = 8
SYNC_SECONDS = 30
DB_ENV = "FOOTMAT_BENCH_DB"


def _url() -> str | None:
    return os.environ.get(DB_ENV) or None


def _median_ms(fn, n: int = REPEAT) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def synthetic_rows(n: int = SESSIONS, people: int = PEOPLE, seed: int = 7) -> list[dict]:
    """``n`` session rows as the history holds them: ``people`` people, the drills in turn, about
    500 sessions a day (50 mats x 10) from 2026-01-01, a few incomplete, scores and figures varying."""
    import random
    from datetime import datetime, timedelta, timezone

    from trainer.sessions.history import COLUMNS

    rng = random.Random(seed)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        when = (t0 + timedelta(seconds=i * 173 + rng.randint(0, 60))).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        p = i % people
        drill = DRILLS[(i // people) % len(DRILLS)]
        left = 50 + rng.uniform(-8, 8)
        row = dict.fromkeys(COLUMNS)
        row.update(folder=f"/bench/sessions/{i:06d}-{drill}", person=f"person{p:02d}",
                   person_id=f"{p:032x}", drill=drill, started_at=when,
                   duration_s=round(rng.uniform(60, 900), 3), complete=0 if rng.random() < 0.03 else 1,
                   score=round(rng.uniform(30, 95), 2), pain_before=rng.randint(0, 5), pain_after=rng.randint(0, 5),
                   left_pct=round(left, 2), asymmetry_pp=round(abs(2 * left - 100), 2),
                   sway_mm_s=round(rng.uniform(5, 30), 2), present=1, stamp="bench", indexed_at=when,
                   level=rng.randint(1, 6), summary='{"score": %.2f}' % rng.uniform(30, 95),
                   identity=f"{i:064x}")
        out.append(row)
    return out


def _sizes(store) -> dict:
    """(database bytes, {table or index: bytes})."""
    if store.kind == "sqlite":
        con = store.con
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        total = store.path.stat().st_size
        try:
            got = con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY name").fetchall()
            parts = {name: int(b) for name, b in got}
        except Exception:                       # dbstat not compiled in
            parts = {}
        return total, parts
    got = store._all("SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                     "AND c.relkind IN ('r', 'i') ORDER BY c.relname")
    total = store._all("SELECT pg_total_relation_size('sessions') + pg_total_relation_size('people')")[0][0]
    return int(total), {name: int(b) for name, b in got}


def history() -> dict:
    from trainer.sessions import home
    from trainer.store.query import open_store

    url = _url()
    base = Path(tempfile.mkdtemp(prefix="footmat-bench-history-", dir=home.home()))
    out = {"database": "postgresql" if url else "sqlite", "sessions": SESSIONS, "people": PEOPLE,
           "scenario": f"{SESSIONS} synthetic session rows, {PEOPLE} people, {len(DRILLS)} drills"}
    rows = synthetic_rows()
    with open_store(url, base) as store:
        if store.count():
            raise RuntimeError(f"{DB_ENV} names a database that already holds sessions: give a scratch one")
        t0 = time.perf_counter()
        for i in range(0, len(rows), 10_000):
            store.insert_rows(rows[i:i + 10_000])
        out["insert_s"] = round(time.perf_counter() - t0, 2)
        if store.kind == "postgresql":          # what autovacuum does soon after a bulk load
            store.con.execute("VACUUM ANALYZE sessions")
        else:
            store.con.execute("ANALYZE")
        pid = f"{3:032x}"
        out["progress_rows"] = len(store.progress(pid))
        out["progress_query_ms"] = _median_ms(lambda: store.progress(pid))
        out["progress_drill_query_ms"] = _median_ms(lambda: store.progress(pid, "spiral"))
        out["sessions_query_ms"] = _median_ms(lambda: store.sessions(person_id=pid, limit=50, newest_first=True))
        out["summaries_query_ms"] = _median_ms(lambda: store.summaries(), 1)
        total, parts = _sizes(store)
        out["db_bytes"] = total
        out["bytes_per_session"] = round(total / SESSIONS)
        out["index_bytes"] = parts
    return out


# -- sync: uploads to a local serve ------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sessions(root: Path, n: int, seconds: int) -> list[Path]:
    import numpy as np

    from firmware.layout import load_layout
    from trainer.sessions.writer import SessionWriter

    layout = load_layout()
    k = len(layout.names)
    rng = np.random.default_rng(1)
    frames = int(seconds * 200)
    t = np.arange(frames) / 200.0
    out = []
    for i in range(n):
        w = SessionWriter(root, "spiral", layout=layout, calibration={}, params={}, person={"name": "bench"},
                          person_id="b" * 32, sample_rate_hz=200.0, simulated=False, clock_start=0.0, level=1)
        cop = np.cumsum(rng.normal(0, 0.3, (frames, 2)), axis=0)
        w.write(t, rng.integers(0, 4096, (frames, k)).astype(float), rng.uniform(0, 300, (frames, k)),
                np.full(frames, 700.0), cop, 50 + rng.normal(0, 2, frames), cop * 0.5,
                ["lean left then right"] * frames, [""] * frames)
        w.meta["started_at"] = f"2026-05-{1 + i // 24:02d}T{i % 24:02d}:00:00.000Z"
        w.finish({"score": 70.0}, {}, {"before": 1, "after": 1})
        out.append(w.folder)
    return out


def sync() -> dict:
    import uvicorn

    from trainer.sessions import home
    from trainer.store.identity import session_identity
    from trainer.store.query import open_store, upload_root
    from trainer.store.sync import Client, upload_session
    from trainer.web.app import create_app
    from trainer.web.context import make_context

    url = _url()
    base = Path(tempfile.mkdtemp(prefix="footmat-bench-sync-", dir=home.home()))
    folders = _sessions(base / "mat", SYNC_SESSIONS, SYNC_SECONDS)
    idents = [session_identity(f) for f in folders]
    nbytes = sum(p.stat().st_size for f in folders for p in f.iterdir())
    server_home = base / "clinic"
    server_home.mkdir()
    token = secrets.token_urlsafe(24)
    store = open_store(url, server_home)
    ctx = make_context(server_home, token=token, store=store)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="error",
                                           lifespan="on"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    out = {"database": "postgresql" if url else "sqlite", "sessions": SYNC_SESSIONS,
           "session_s": SYNC_SECONDS,
           "scenario": f"{SYNC_SESSIONS} recorded sessions of {SYNC_SECONDS} s at 200 Hz, sync client → "
                       "footmat serve (uvicorn) on 127.0.0.1, one at a time"}
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        client = Client(f"http://127.0.0.1:{port}", token)
        try:
            t0 = time.perf_counter()
            got = [upload_session(client, f, i) for f, i in zip(folders, idents)]
            dt = time.perf_counter() - t0
            if got != ["stored"] * len(folders):
                raise RuntimeError(f"uploads not stored: {sorted(set(got))}")
            out["sessions_per_s"] = round(len(folders) / dt, 2)
            out["mb_per_s"] = round(nbytes / dt / 1e6, 1)
            t0 = time.perf_counter()
            again = [upload_session(client, f, i) for f, i in zip(folders, idents)]
            out["second_pass_sessions_per_s"] = round(len(folders) / (time.perf_counter() - t0), 1)
            if again != ["already"] * len(folders):
                raise RuntimeError(f"second pass: {sorted(set(again))}")
        finally:
            client.close()
        stored = upload_root(server_home) / "sessions"
        sbytes = sum(p.stat().st_size for d in stored.iterdir() for p in d.iterdir())
        out["stored_sessions"] = store.count()
        out["files_bytes_per_session"] = round(sbytes / len(folders))
        out["files_bytes_per_hour"] = round(sbytes / (len(folders) * SYNC_SECONDS) * 3600)
    finally:
        server.should_exit = True
        th.join(timeout=10)
        store.close()
    return out
