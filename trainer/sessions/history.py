"""The history of sessions: one SQLite database, ``$FOOTMAT_HOME/history.sqlite``.

One row per session folder: ``person``, ``drill``, ``started_at``, ``duration_s``,
``complete``, ``score`` (the summary's, where the drill has one), ``pain`` (before/after) and
``folder``, plus the progress figures the plot (:mod:`trainer.ui.progress`) shows: ``left_pct``
and ``asymmetry_pp`` (left/right load over the drill's active frames; |left − right| in
percentage points) and ``sway_mm_s`` (CoP path speed while standing still in the countdown
before the drill).

Schema version 2 adds ``person_id``, ``level``, ``summary`` (the session's summary, JSON text)
and ``identity`` (:func:`trainer.store.identity.session_identity`, filled in by the store layer:
NULL until computed, reset when the folder changes), and a ``people`` table (person_id, name,
levels, caps, profile: the people files of ``$FOOTMAT_HOME/people`` and every person a session
names). A version-1 database is migrated in place on open (its rows re-read from their folders).

The database is derived from the folders, never the other way round: it is reconciled with
them in both directions (:func:`reconcile`: new or changed folders are (re)indexed, rows whose
folder has gone are marked ``present = 0``). WAL and one transaction per change, so a crash
never corrupts it; a damaged database is refused with one line and left exactly as it is.

This module is the one owner of the history's SQL on a mat. The query layer
(:mod:`trainer.store.query`) reads it through :func:`connect` and the statements here
(:data:`UPSERT_SESSION`, :data:`UPSERT_PERSON`, :data:`ADD_PERSON`), which are portable SQL the
clinic's PostgreSQL store runs too (its tables: trainer/store/migrations/*.sql, the same columns).
"""
from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from firmware.errors import DataFileError

from trainer.sessions import home
from trainer.sessions.format import TRACE_FILE, TraceLines, load_meta

SCHEMA_VERSION = 2
COLUMNS_V1 = ("folder", "person", "drill", "started_at", "duration_s", "complete", "score", "pain_before",
              "pain_after", "left_pct", "asymmetry_pp", "sway_mm_s", "present", "stamp", "indexed_at")
COLUMNS = COLUMNS_V1 + ("person_id", "level", "summary", "identity")
PEOPLE_COLUMNS = ("person_id", "name", "levels", "caps", "profile", "updated_at")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    folder TEXT PRIMARY KEY NOT NULL,
    person TEXT, drill TEXT, started_at TEXT, duration_s REAL, complete INTEGER,
    score REAL, pain_before INTEGER, pain_after INTEGER,
    left_pct REAL, asymmetry_pp REAL, sway_mm_s REAL,
    present INTEGER NOT NULL DEFAULT 1, stamp TEXT, indexed_at TEXT,
    person_id TEXT, level INTEGER, summary TEXT, identity TEXT);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started_at);
CREATE TABLE IF NOT EXISTS roots (root TEXT PRIMARY KEY NOT NULL);
"""
_V2 = """
CREATE INDEX IF NOT EXISTS sessions_progress ON sessions(person_id, started_at, complete, present, drill, score,
    left_pct, asymmetry_pp, sway_mm_s, level, duration_s, pain_before, pain_after, identity, folder);
CREATE INDEX IF NOT EXISTS sessions_identity ON sessions(identity);
CREATE TABLE IF NOT EXISTS people (
    person_id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, levels TEXT, caps TEXT, profile TEXT,
    updated_at TEXT);
"""
_MIGRATE_1_2 = """
ALTER TABLE sessions ADD COLUMN person_id TEXT;
ALTER TABLE sessions ADD COLUMN level INTEGER;
ALTER TABLE sessions ADD COLUMN summary TEXT;
ALTER TABLE sessions ADD COLUMN identity TEXT;
UPDATE sessions SET stamp = NULL
"""
# Portable SQL (SQLite and PostgreSQL; ? placeholders): the store layer runs these on both.
UPSERT_SESSION = (f"INSERT INTO sessions ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))}) "
                  "ON CONFLICT (folder) DO UPDATE SET "
                  + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "folder"))
UPSERT_PERSON = (f"INSERT INTO people ({','.join(PEOPLE_COLUMNS)}) VALUES ({','.join('?' * len(PEOPLE_COLUMNS))}) "
                 "ON CONFLICT (person_id) DO UPDATE SET "
                 + ", ".join(f"{c} = excluded.{c}" for c in PEOPLE_COLUMNS if c != "person_id"))
ADD_PERSON = ("INSERT INTO people (person_id, name, levels, caps, profile, updated_at) "
              "VALUES (?, ?, NULL, NULL, NULL, ?) ON CONFLICT (person_id) DO NOTHING")
_TYPES = {"folder": ("text",), "person": ("text", "null"), "drill": ("text", "null"),
          "started_at": ("text", "null"), "duration_s": ("real", "integer", "null"),
          "complete": ("integer",), "score": ("real", "integer", "null"),
          "pain_before": ("integer", "null"), "pain_after": ("integer", "null"),
          "left_pct": ("real", "integer", "null"), "asymmetry_pp": ("real", "integer", "null"),
          "sway_mm_s": ("real", "integer", "null"), "present": ("integer",), "stamp": ("text", "null"),
          "indexed_at": ("text", "null"), "person_id": ("text", "null"), "level": ("integer", "null"),
          "summary": ("text", "null"), "identity": ("text", "null")}
_PEOPLE_TYPES = {"person_id": ("text",), "name": ("text",), "levels": ("text", "null"), "caps": ("text", "null"),
                 "profile": ("text", "null"), "updated_at": ("text", "null")}
INACTIVE_PHASES = {"", "waiting", "countdown", "paused", "done"}
METHODS = {
    "left_pct": "mean of the trace's left_pct over the drill's active frames (phase not waiting, countdown, "
                "paused or done), or the drill summary's left_pct",
    "asymmetry_pp": "|left_pct - (100 - left_pct)|, percentage points (0 = even)",
    "sway_mm_s": "CoP path length / time over the countdown (3 s of still standing before the drill), raw CoP, mm/s; "
                 "or the drill summary's mean_velocity_mm_s",
}


def _damaged(path, e) -> DataFileError:
    why = " ".join(str(e).split())[:80] or e.__class__.__name__
    return DataFileError(f"history {path} is damaged or not a footmat history ({why})",
                         f"move it aside (mv '{path}' '{path}.bad'); footmat rebuilds it from the session folders")


def _check(path: Path) -> None:
    """Refuse a damaged database before anything writes to it (read-only, nothing changes)."""
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=10)
    except (sqlite3.Error, UnicodeDecodeError) as e:
        raise _damaged(path, e) from None
    try:
        ok = con.execute("PRAGMA quick_check").fetchone()
        if not ok or ok[0] != "ok":
            raise _damaged(path, ok[0] if ok else "quick_check failed")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and not tables:
            return   # an empty database: initialised on open
        need = {"sessions", "roots"} | ({"people"} if version == 2 else set())
        if version not in (1, 2) or not need <= tables:
            raise _damaged(path, f"schema version {version}, tables {sorted(tables)}")
        want = COLUMNS if version == 2 else COLUMNS_V1
        cols = [r[1] for r in con.execute("PRAGMA table_info(sessions)")]
        if tuple(cols) != want:
            raise _damaged(path, f"unexpected columns {cols}")
        checks = [("sessions", {c: _TYPES[c] for c in want})]
        if version == 2:
            pcols = [r[1] for r in con.execute("PRAGMA table_info(people)")]
            if tuple(pcols) != PEOPLE_COLUMNS:
                raise _damaged(path, f"unexpected people columns {pcols}")
            checks.append(("people", _PEOPLE_TYPES))
        for table, types in checks:
            cond = " OR ".join(f"typeof({c}) NOT IN ({','.join(repr(t) for t in ts)})" for c, ts in types.items())
            bad = con.execute(f"SELECT count(*) FROM {table} WHERE {cond}").fetchone()[0]
            if bad:
                raise _damaged(path, f"{bad} {table} row(s) with values of the wrong type")
        if con.execute("SELECT count(*) FROM roots WHERE typeof(root) != 'text'").fetchone()[0]:
            raise _damaged(path, "a session root that is not text")
        for table in sorted(need):                   # every value readable (text decodes) before any write
            for _ in con.execute(f"SELECT * FROM {table}"):
                pass
    except (sqlite3.Error, UnicodeDecodeError) as e:   # a damaged file can hold bytes that are not UTF-8
        raise _damaged(path, e) from None
    finally:
        con.close()


def connect(path: Path | None = None, *, shared: bool = False) -> sqlite3.Connection:
    """The history database (created when missing), checked, in WAL mode. ``shared``: usable
    from several threads (the caller serialises its use: the store layer holds a lock)."""
    path = Path(path) if path is not None else home.history_path()
    try:
        exists = path.stat().st_size > 0
    except FileNotFoundError:
        exists = False
    except OSError as e:
        raise DataFileError(f"cannot read the history {path} ({e.strerror})", "check its permissions") from None
    if exists:
        _check(path)
    try:
        con = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=not shared)
        con.execute("PRAGMA busy_timeout=30000")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            with _tx(con):
                script = _SCHEMA + _V2 if version == 0 else _MIGRATE_1_2 + ";" + _V2
                for stmt in script.strip().split(";"):
                    if stmt.strip():
                        con.execute(stmt)
                con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except (sqlite3.Error, UnicodeDecodeError) as e:
        raise _damaged(path, e) from None
    return con


class _tx:
    """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""

    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN IMMEDIATE")
        return self.con

    def __exit__(self, typ, exc, tb):
        self.con.execute("ROLLBACK" if typ else "COMMIT")
        return False


# -- what one folder says --------------------------------------------------------------------
def _stamp(folder: Path) -> str | None:
    try:
        js = (folder / "session.json").stat()
    except OSError:
        return None
    try:
        tr = (folder / "trace.csv").stat().st_size
    except OSError:
        tr = -1
    return f"{js.st_mtime_ns}:{js.st_size}:{tr}"


def _num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _pain(v):
    return int(v) if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10 else None


def trace_figures(path: Path, rate_hz: float) -> dict:
    """Last ``t_s``, mean ``left_pct`` over active frames and countdown sway, streamed.

    Tolerant by design (a damaged record ends the pass): the history describes what is on disk;
    ``footmat replay`` and ``analyze`` are where a damaged trace is reported.
    """
    out = {"last_t_s": None, "left_pct": None, "sway_mm_s": None}
    try:
        tr = TraceLines(path)
    except DataFileError:
        return out
    with tr:
        idx = {c: tr.columns.index(c) for c in ("t_s", "left_pct", "cop_x_mm", "cop_y_mm", "phase")
               if c in tr.columns}
        lp_sum = lp_n = 0.0
        path_mm = 0.0
        cd_t0 = cd_t1 = None
        prev = None
        last_t = None
        try:
            for _, rows in tr.blocks(4096):
                for f in rows:
                    t = float(f[idx["t_s"]])
                    if not math.isfinite(t):
                        raise ValueError
                    last_t = t
                    phase = f[idx["phase"]] if "phase" in idx else "running"
                    if phase not in INACTIVE_PHASES and "left_pct" in idx and f[idx["left_pct"]]:
                        v = float(f[idx["left_pct"]])
                        if math.isfinite(v):
                            lp_sum += v
                            lp_n += 1
                    if phase == "countdown" and "cop_x_mm" in idx and f[idx["cop_x_mm"]] and f[idx["cop_y_mm"]]:
                        xy = (float(f[idx["cop_x_mm"]]), float(f[idx["cop_y_mm"]]))
                        if prev is not None and math.isfinite(xy[0] + xy[1]):
                            path_mm += math.hypot(xy[0] - prev[0], xy[1] - prev[1])
                        cd_t0 = t if cd_t0 is None else cd_t0
                        cd_t1 = t
                        prev = xy
                    else:
                        prev = None
        except (ValueError, DataFileError):
            pass
    out["last_t_s"] = last_t
    if lp_n:
        out["left_pct"] = lp_sum / lp_n
    if cd_t0 is not None and cd_t1 - cd_t0 >= 1.0:
        out["sway_mm_s"] = path_mm / (cd_t1 - cd_t0)
    return out


def row_for(folder: Path) -> dict:
    """The history row of one session folder (raises DataFileError for a damaged session.json)."""
    folder = Path(folder).resolve()
    stamp = _stamp(folder)
    meta = load_meta(folder)
    summary = meta.get("summary") or {}
    pain = meta.get("pain") or {}
    person = meta["person"].get("name")
    figs = trace_figures(folder / TRACE_FILE, meta["sample_rate_hz"])
    duration = _num(meta["duration_s"])
    if not meta["complete"] or not duration:
        duration = figs["last_t_s"] if figs["last_t_s"] is not None else duration
    left = _num(summary.get("left_pct"))
    left = left if left is not None else figs["left_pct"]
    sway = _num(summary.get("mean_velocity_mm_s"))
    if sway is None and isinstance(summary.get("sway"), dict):
        sway = _num(summary["sway"].get("mean_velocity_mm_s"))
    sway = sway if sway is not None else figs["sway_mm_s"]
    pid = meta.get("person_id")
    level = meta.get("level")
    return {
        "folder": str(folder),
        "person": person if isinstance(person, str) else None,
        "drill": meta["drill"],
        "started_at": meta["started_at"],
        "duration_s": None if duration is None else round(duration, 3),
        "complete": 1 if meta["complete"] else 0,
        "score": _num(summary.get("score")),
        "pain_before": _pain(pain.get("before")),
        "pain_after": _pain(pain.get("after")),
        "left_pct": None if left is None else round(left, 2),
        "asymmetry_pp": None if left is None else round(abs(2 * left - 100), 2),
        "sway_mm_s": None if sway is None else round(sway, 2),
        "present": 1,
        "stamp": stamp,
        "indexed_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "person_id": pid if isinstance(pid, str) and 0 < len(pid) <= 200 else None,
        "level": level if isinstance(level, int) and not isinstance(level, bool) and 0 <= level < 1000 else None,
        "summary": json.dumps(summary, sort_keys=True, allow_nan=False, default=str) if _plain(summary) else None,
        "identity": None,
    }


def _plain(v, depth: int = 0) -> bool:
    """Whether a summary is plain JSON (finite numbers, no deep nesting) the store can keep."""
    if depth > 8:
        return False
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x, depth + 1) for k, x in v.items())
    if isinstance(v, list):
        return all(_plain(x, depth + 1) for x in v)
    if isinstance(v, float):
        return math.isfinite(v)
    return v is None or isinstance(v, (str, int, bool))


def _upsert(con, row: dict) -> None:
    con.execute(UPSERT_SESSION, [row[c] for c in COLUMNS])
    if row.get("person_id") and row.get("person"):
        con.execute(ADD_PERSON, (row["person_id"], row["person"], row["indexed_at"]))


def set_identity(con: sqlite3.Connection, folder: str, stamp: str | None, identity: str) -> bool:
    """Record a folder's identity, if the folder is still as it was when it was hashed."""
    with _tx(con):
        cur = con.execute("UPDATE sessions SET identity = ? WHERE folder = ? AND stamp IS ?", (identity, folder, stamp))
    return cur.rowcount == 1


def without_identity(con: sqlite3.Connection) -> list[tuple[str, str | None]]:
    """(folder, stamp) of the present rows whose identity is not known yet."""
    return con.execute("SELECT folder, stamp FROM sessions WHERE identity IS NULL AND present = 1 "
                       "ORDER BY folder").fetchall()


def person_rows(home_dir: Path | None = None) -> list[tuple]:
    """The people files of ``<home_dir or $FOOTMAT_HOME>/people`` as rows of the ``people`` table
    (files without a person_id, or damaged, are left out: the person commands report those)."""
    from trainer.sessions import people

    out = []
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    d = Path(home_dir if home_dir is not None else home.home()) / "people"
    for p in sorted(d.glob("*.json")) if d.is_dir() else []:
        try:
            data = p.read_bytes()
            person = people.parse(data, str(p))
            raw = json.loads(data.decode("utf-8"))
        except (OSError, DataFileError, ValueError):
            continue
        if not person.person_id:
            continue
        levels = getattr(person, "levels", None)           # as the person file's reader checked them
        caps = getattr(person, "caps", None)
        levels = levels if isinstance(levels, dict) else (raw.get("levels") if isinstance(raw.get("levels"), dict) else {})
        caps = caps if isinstance(caps, dict) else (raw.get("caps") if isinstance(raw.get("caps"), dict) else {})
        profile = {k: v for k, v in person.to_dict().items() if k not in ("name", "person_id", "levels", "caps")}
        out.append((person.person_id, person.name, json.dumps(levels, sort_keys=True),
                    json.dumps(caps, sort_keys=True), json.dumps(profile, sort_keys=True), now))
    return out


def reconcile_people(con: sqlite3.Connection, home_dir: Path | None = None) -> int:
    """Enter the people files in the ``people`` table (their levels and caps); returns how many."""
    got = person_rows(home_dir)
    if got:
        with _tx(con):
            con.executemany(UPSERT_PERSON, got)
    return len(got)


def index_session(folder, con: sqlite3.Connection | None = None) -> dict:
    """Enter (or refresh) one session folder in the history; returns its row.

    Called by the session recorder when a session starts and when it ends (``--out``
    folders included: their parent is remembered as a root that reconciliation scans).
    """
    row = row_for(folder)
    own = con is None
    con = con or connect()
    try:
        root = str(Path(row["folder"]).parent)
        with _tx(con):
            _upsert(con, row)
            if Path(root) != home.home().resolve() / "sessions":
                con.execute("INSERT OR IGNORE INTO roots(root) VALUES (?)", (root,))
    except sqlite3.Error as e:
        raise DataFileError(f"cannot write the history ({e})", "check the disk and FOOTMAT_HOME") from None
    finally:
        if own:
            con.close()
    return row


def _folders_under(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if p.is_dir() and (p / "session.json").is_file()]
    except OSError:
        return []


def reconcile(con: sqlite3.Connection) -> dict:
    """Make the database match the folders on disk, both ways; returns what changed."""
    known = {r[0]: (r[1], r[2]) for r in con.execute("SELECT folder, stamp, present FROM sessions")}
    roots = [home.home() / "sessions"] + [Path(r[0]) for r in con.execute("SELECT root FROM roots")]
    on_disk = {}
    for root in roots:
        for p in _folders_under(root):
            on_disk[str(p.resolve())] = p
    for f in known:
        if f not in on_disk and (Path(f) / "session.json").is_file():
            on_disk[f] = Path(f)
    changed = {"added": 0, "updated": 0, "missing": 0, "skipped": []}
    for f, p in sorted(on_disk.items()):
        stamp, present = known.get(f, (None, None))
        if f in known and stamp == _stamp(p) and present == 1:
            continue
        try:
            row = row_for(p)
        except DataFileError as e:
            changed["skipped"].append(f"{p.name}: {e.what}")
            continue
        try:
            with _tx(con):
                _upsert(con, row)
        except sqlite3.Error as e:
            raise DataFileError(f"cannot write the history ({e})", "check the disk and FOOTMAT_HOME") from None
        changed["updated" if f in known else "added"] += 1
    gone = [f for f, (_, present) in known.items() if f not in on_disk and present == 1]
    if gone:
        with _tx(con):
            con.executemany("UPDATE sessions SET present = 0 WHERE folder = ?", [(f,) for f in gone])
        changed["missing"] = len(gone)
    return changed


def rows(con: sqlite3.Connection, *, person: str | None = None, drill: str | None = None) -> list[dict]:
    """The rows, oldest first, as the JSON of ``footmat history --json``."""
    q = f"SELECT {','.join(COLUMNS)} FROM sessions"
    cond, args = [], []
    if person:
        cond.append("person = ?")
        args.append(person)
    if drill:
        cond.append("drill = ?")
        args.append(drill)
    if cond:
        q += " WHERE " + " AND ".join(cond)
    q += " ORDER BY started_at, folder"
    out = []
    for r in con.execute(q, args):
        d = dict(zip(COLUMNS, r))
        out.append({
            "person": d["person"], "drill": d["drill"], "started_at": d["started_at"],
            "duration_s": d["duration_s"], "complete": bool(d["complete"]), "score": d["score"],
            "pain": {"before": d["pain_before"], "after": d["pain_after"]},
            "left_pct": d["left_pct"], "asymmetry_pp": d["asymmetry_pp"], "sway_mm_s": d["sway_mm_s"],
            "level": d["level"],          # the programme's level of a `footmat today` part (else null)
            "folder": d["folder"], "present": bool(d["present"]),
        })
    return out


def load(*, person: str | None = None, drill: str | None = None, say=None) -> list[dict]:
    """Open, reconcile and read the history (what ``footmat history`` shows)."""
    con = connect()
    try:
        changed = reconcile(con)
        if say and changed["skipped"]:
            say(f"skipped {len(changed['skipped'])} damaged session folder(s): {changed['skipped'][0]}"
                + (" …" if len(changed["skipped"]) > 1 else ""))
        return rows(con, person=person, drill=drill)
    except DataFileError:
        raise
    except (sqlite3.Error, UnicodeDecodeError) as e:
        raise _damaged(home.history_path(), e) from None
    finally:
        con.close()


def last_sessions(person: str | None, drill: str, before: str, n: int = 5, path: Path | None = None) -> list[dict]:
    """The ``n`` complete sessions of ``person`` in ``drill`` started before ``before`` (ISO text),
    oldest first, as :func:`rows` gives them; [] when there is no history yet (nothing is created:
    the report only reads)."""
    path = Path(path) if path is not None else home.history_path()
    if not person or not path.is_file():
        return []
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return []
    try:
        got = con.execute(f"SELECT {','.join(COLUMNS)} FROM sessions WHERE person = ? AND drill = ? AND complete = 1 "
                          "AND present = 1 AND started_at < ? ORDER BY started_at DESC LIMIT ?",
                          (person, drill, before, int(n))).fetchall()
    except sqlite3.Error:
        return []
    finally:
        con.close()
    out = []
    for r in reversed(got):
        d = dict(zip(COLUMNS, r))
        out.append({"started_at": d["started_at"], "score": d["score"], "left_pct": d["left_pct"],
                    "asymmetry_pp": d["asymmetry_pp"], "sway_mm_s": d["sway_mm_s"], "folder": d["folder"],
                    "pain": {"before": d["pain_before"], "after": d["pain_after"]}})
    return out
