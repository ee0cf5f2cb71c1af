"""One query layer over a mat's SQLite history and a clinic's PostgreSQL: :func:`open_store`.

``open_store(None, home)`` is the mat's history (``$FOOTMAT_HOME/history.sqlite``, owned by
:mod:`trainer.sessions.history`); ``open_store("postgresql://user@host/db", home)`` is a clinic's
database (psycopg 3; versioned migrations in ``trainer/store/migrations/NNNN_*.sql``, applied on
open). Both have the same tables and columns, and every read below is one SQL text run on both,
so the same sessions give the same answers (tests/trainer/store/test_query.py checks it).

For the web view (issue 29) and everything else that lists sessions or people::

    from trainer.store.query import open_store
    with open_store(args.db, home.home()) as store:   # args.db None: the mat's SQLite
        store.refresh()                               # enter new folders / people files (cheap when none)
        store.sessions(person_id=pid, drill="spiral", limit=50, newest_first=True)
        store.session(identity)                       # one session, or None
        store.people(); store.person(pid); store.levels(pid)
        store.summaries(pid); store.progress(pid, drill="spiral")

A session row (``sessions``, ``session``) is a dict: ``identity`` (the session's hash, None on a mat
until :meth:`Store.refresh` has computed it), ``folder`` (absolute path of the session folder on
this machine), ``person``, ``person_id``, ``drill``, ``started_at`` (ISO text, UTC), ``duration_s``,
``complete`` (bool), ``score``, ``pain`` ({before, after}), ``left_pct``, ``asymmetry_pp``,
``sway_mm_s``, ``level``, ``summary`` (dict), ``present`` (bool: the folder is still on disk).
Rows come oldest first (``newest_first=True`` reverses). A person (``people``, ``person``) is
``person_id``, ``name``, ``levels`` (drill → level), ``caps`` ({max_level, exclude}), ``profile``
(the person file's other keys), ``sessions`` (how many present), ``last_session`` (ISO or None).

A store is safe to share between threads (each call holds the store's lock). Writes:
:meth:`Store.index_folder` (a session folder, with its identity) and :meth:`Store.insert_rows`
(synthetic rows, for the bench). Uploaded session folders live in :func:`upload_root`.
"""
from __future__ import annotations

import json
import os
import re
import threading
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from firmware.errors import DataFileError, UsageError

from trainer.sessions import history

SESSION_COLUMNS = history.COLUMNS
_PG_SCHEMES = ("postgresql", "postgres")
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# -- the reads: one text each, run on both databases ----------------------------------------------
_ORDER = " ORDER BY started_at{d}, COALESCE(identity, ''){d}, folder{d}"
_PERSON_SELECT = ("SELECT p.person_id, p.name, p.levels, p.caps, p.profile, "
                  "COUNT(s.folder), MAX(s.started_at) FROM people p "
                  "LEFT JOIN sessions s ON s.person_id = p.person_id AND s.present = 1")
_PERSON_GROUP = " GROUP BY p.person_id, p.name, p.levels, p.caps, p.profile"
_SUMMARY = ("SELECT COALESCE(person_id, ''), drill, COUNT(*), SUM(complete), MIN(started_at), MAX(started_at), "
            "AVG(score), MAX(score), SUM(duration_s) FROM sessions WHERE present = 1{w} "
            "GROUP BY COALESCE(person_id, ''), drill ORDER BY COALESCE(person_id, ''), drill")
_PROGRESS_COLUMNS = ("started_at", "drill", "score", "left_pct", "asymmetry_pp", "sway_mm_s", "level",
                     "duration_s", "pain_before", "pain_after", "identity")
_PROGRESS = (f"SELECT {', '.join(_PROGRESS_COLUMNS)} FROM sessions WHERE person_id = ? AND complete = 1 "
             "AND present = 1{w} ORDER BY started_at, COALESCE(identity, ''), folder")


def _f(v, nd: int = 6):
    """An aggregate as both databases give it (their sums and means differ in the last bits); a
    stored number comes back as the same float from both (8-byte IEEE on both) and is not rounded."""
    return None if v is None else round(float(v), nd)


def _json(text, default):
    if text is None:
        return default
    try:
        v = json.loads(text)
    except ValueError:
        return default
    return v if isinstance(v, type(default)) else default


def session_row(values) -> dict:
    d = dict(zip(SESSION_COLUMNS, values))
    return {
        "identity": d["identity"], "folder": d["folder"], "person": d["person"], "person_id": d["person_id"],
        "drill": d["drill"], "started_at": d["started_at"], "duration_s": d["duration_s"],
        "complete": bool(d["complete"]), "score": d["score"],
        "pain": {"before": d["pain_before"], "after": d["pain_after"]},
        "left_pct": d["left_pct"], "asymmetry_pp": d["asymmetry_pp"], "sway_mm_s": d["sway_mm_s"],
        "level": d["level"], "summary": _json(d["summary"], {}), "present": bool(d["present"]),
    }


def upload_root(home) -> Path:
    """Where uploaded session folders are kept on a serve machine: ``<home>/uploads``
    (``sessions/<identity>/`` once stored, ``partial/<identity>/`` while arriving)."""
    return Path(home) / "uploads"


def redact(url: str) -> str:
    """A database URL fit to print: the password (in the authority or as ?password=) replaced by ***."""
    url = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", url)
    try:
        u = urlsplit(url)
        if u.password is not None:
            host = u.hostname or ""
            netloc = f"{u.username or ''}:***@{host}" + (f":{u.port}" if u.port else "")
            return urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))
    except ValueError:
        return "(an unreadable URL)"
    return url


class Store:
    """The query layer; :class:`SQLiteStore` or :class:`PostgresStore` (see the module)."""

    kind = "?"
    _param = "?"

    def __init__(self, home):
        self.home = Path(home)
        self._lock = threading.RLock()

    # -- plumbing (per backend) --------------------------------------------------------------------
    def _sql(self, text: str) -> str:
        return text if self._param == "?" else text.replace("?", self._param)

    def _all(self, text: str, args=()) -> list[tuple]:
        raise NotImplementedError

    def _write(self, text: str, many: list) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reads ---------------------------------------------------------------------------------------
    def sessions(self, *, person_id: str | None = None, person: str | None = None, drill: str | None = None,
                 present_only: bool = False, limit: int | None = None, offset: int = 0,
                 newest_first: bool = False) -> list[dict]:
        """Session rows, oldest first (or newest), filtered by person id, person name, drill."""
        cond, args = [], []
        for col, v in (("person_id", person_id), ("person", person), ("drill", drill)):
            if v is not None:
                cond.append(f"{col} = ?")
                args.append(v)
        if present_only:
            cond.append("present = 1")
        q = f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions"
        if cond:
            q += " WHERE " + " AND ".join(cond)
        q += _ORDER.format(d=" DESC" if newest_first else "")
        if limit is not None:
            q += " LIMIT ? OFFSET ?"
            args += [max(0, int(limit)), max(0, int(offset))]
        with self._lock:
            return [session_row(r) for r in self._all(q, args)]

    def session(self, identity: str) -> dict | None:
        """One session by its identity, or None."""
        with self._lock:
            got = self._all(f"SELECT {', '.join(SESSION_COLUMNS)} FROM sessions WHERE identity = ?", [identity])
        return session_row(got[0]) if got else None

    def has(self, identity: str) -> bool:
        with self._lock:
            return bool(self._all("SELECT 1 FROM sessions WHERE identity = ?", [identity]))

    def count(self) -> int:
        with self._lock:
            return int(self._all("SELECT COUNT(*) FROM sessions")[0][0])

    @staticmethod
    def _person(r) -> dict:
        return {"person_id": r[0], "name": r[1], "levels": _json(r[2], {}), "caps": _json(r[3], {}),
                "profile": _json(r[4], {}), "sessions": int(r[5]), "last_session": r[6]}

    def people(self) -> list[dict]:
        """Every person: from the people files and every session that names a person_id; by name."""
        with self._lock:
            got = self._all(_PERSON_SELECT + _PERSON_GROUP + " ORDER BY p.name, p.person_id")
        return [self._person(r) for r in got]

    def person(self, person_id: str) -> dict | None:
        with self._lock:
            got = self._all(_PERSON_SELECT + " WHERE p.person_id = ?" + _PERSON_GROUP, [person_id])
        return self._person(got[0]) if got else None

    def levels(self, person_id: str) -> dict | None:
        """{"levels": drill → level, "caps": {...}} of a person, or None for an unknown person."""
        p = self.person(person_id)
        return None if p is None else {"levels": p["levels"], "caps": p["caps"]}

    def summaries(self, person_id: str | None = None) -> list[dict]:
        """Per person and drill (present sessions): how many, how many complete, first and last,
        mean and best score, minutes trained. ``person_id`` "" is the sessions without one."""
        args = [] if person_id is None else [person_id]
        q = _SUMMARY.format(w="" if person_id is None else " AND COALESCE(person_id, '') = ?")
        with self._lock:
            got = self._all(q, args)
        return [{"person_id": r[0] or None, "drill": r[1], "sessions": int(r[2]), "complete": int(r[3] or 0),
                 "first": r[4], "last": r[5], "mean_score": _f(r[6], 3), "best_score": _f(r[7], 3),
                 "minutes": _f(None if r[8] is None else float(r[8]) / 60.0, 3)} for r in got]

    def progress(self, person_id: str, drill: str | None = None) -> list[dict]:
        """A person's complete sessions, oldest first, with the figures the progress plot shows."""
        args = [person_id] + ([drill] if drill else [])
        q = _PROGRESS.format(w=" AND drill = ?" if drill else "")
        with self._lock:
            got = self._all(q, args)
        return [{"started_at": r[0], "drill": r[1], "score": r[2], "left_pct": r[3], "asymmetry_pp": r[4],
                 "sway_mm_s": r[5], "level": r[6], "duration_s": r[7], "pain": {"before": r[8], "after": r[9]},
                 "identity": r[10]} for r in got]

    # -- writes --------------------------------------------------------------------------------------
    def insert_rows(self, rows: list[dict]) -> None:
        """Enter session rows (dicts with :data:`SESSION_COLUMNS`) in one transaction."""
        with self._lock:
            self._write(history.UPSERT_SESSION, [[r.get(c) for c in SESSION_COLUMNS] for r in rows])
            people = {r["person_id"]: (r["person_id"], r["person"], r.get("indexed_at")) for r in rows
                      if r.get("person_id") and r.get("person")}
            if people:
                self._write(history.ADD_PERSON, list(people.values()))

    def refresh_people(self) -> int:
        """Enter this home's people files (their levels and caps) in the store; returns how many."""
        got = history.person_rows(self.home)
        if got:
            with self._lock:
                self._write(history.UPSERT_PERSON, got)
        return len(got)

    def index_folder(self, folder, identity: str | None = None) -> dict:
        raise NotImplementedError

    def refresh(self, identity_budget_s: float | None = 1.0) -> dict:
        raise NotImplementedError


class SQLiteStore(Store):
    """A mat's history: ``<home>/history.sqlite`` through :mod:`trainer.sessions.history`."""

    kind = "sqlite"

    def __init__(self, home, path: Path | None = None):
        super().__init__(home)
        self.path = Path(path) if path is not None else self.home / "history.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = history.connect(self.path, shared=True)

    def _all(self, text, args=()):
        try:
            return self.con.execute(text, list(args)).fetchall()
        except (history.sqlite3.Error, UnicodeDecodeError) as e:
            raise history._damaged(self.path, e) from None

    def _write(self, text, many):
        try:
            with history._tx(self.con):
                self.con.executemany(text, many)
        except history.sqlite3.Error as e:
            raise DataFileError(f"cannot write the history {self.path} ({e})", "check the disk") from None

    def close(self):
        with self._lock:
            self.con.close()

    def index_folder(self, folder, identity: str | None = None) -> dict:
        """Enter a session folder (with its identity, computed when not given)."""
        from trainer.store.identity import session_identity

        with self._lock:
            row = history.index_session(folder, self.con)
            identity = identity or session_identity(folder)
            history.set_identity(self.con, row["folder"], row["stamp"], identity)
            row["identity"] = identity
            return row

    def refresh(self, identity_budget_s: float | None = 1.0) -> dict:
        """Reconcile with the folders and people files; compute the identities not known yet
        (hashing each trace once) for at most ``identity_budget_s`` seconds (None: all of them;
        the next refresh goes on where this one stopped: ``identities_pending``)."""
        import time

        from trainer.store.identity import session_identity

        with self._lock:
            changed = history.reconcile(self.con)
            changed["people"] = history.reconcile_people(self.con, self.home)
            n = 0
            todo = history.without_identity(self.con)
            t0 = time.monotonic()
            for k, (folder, stamp) in enumerate(todo):
                if identity_budget_s is not None and time.monotonic() - t0 > identity_budget_s:
                    break
                try:
                    ident = session_identity(folder)
                except DataFileError:
                    continue
                n += history.set_identity(self.con, folder, stamp, ident)
            changed["identities"] = n
            changed["identities_pending"] = len(todo) - n
            return changed


class PostgresStore(Store):
    """A clinic's database (psycopg 3). Session folders: :func:`upload_root` of ``home``."""

    kind = "postgresql"
    _param = "%s"

    def __init__(self, url: str, home):
        super().__init__(home)
        import psycopg

        self._psycopg = psycopg
        self.url = url
        try:
            self.con = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            why = " ".join(str(e).split())[:160]
            raise UsageError(f"cannot reach the database {redact(url)} ({why})",
                             "check --db (postgresql://user@host:port/dbname) and that PostgreSQL runs") from None
        try:
            self.version = migrate(self.con)
        except BaseException:
            self.con.close()
            raise

    def _all(self, text, args=()):
        try:
            with self.con.cursor() as cur:
                cur.execute(self._sql(text), list(args))
                return cur.fetchall()
        except self._psycopg.Error as e:
            raise DataFileError(f"the database {redact(self.url)} refused a query ({str(e).splitlines()[0][:120]})",
                                "check the database (footmat serve --db)") from None

    def _write(self, text, many):
        try:
            with self.con.transaction(), self.con.cursor() as cur:
                cur.executemany(self._sql(text), many)
        except self._psycopg.Error as e:
            raise DataFileError(f"cannot write to the database {redact(self.url)} ({str(e).splitlines()[0][:120]})",
                                "check the database (footmat serve --db)") from None

    def close(self):
        with self._lock:
            self.con.close()

    def index_folder(self, folder, identity: str | None = None) -> dict:
        """Enter a session folder (on this machine: its row holds the folder's absolute path)."""
        from trainer.store.identity import session_identity

        row = history.row_for(folder)
        row["identity"] = identity or session_identity(folder)
        self.insert_rows([row])
        return row

    def refresh(self, identity_budget_s: float | None = None) -> dict:
        """Enter the serve machine's people files (levels and caps set at the clinic) and the
        stored uploads the database does not know (a database restored from an older backup)."""
        with self._lock:
            n_people = self.refresh_people()
            added = 0
            stored = upload_root(self.home) / "sessions"
            names = os.listdir(stored) if stored.is_dir() else []
            if len(names) > self.count():         # the usual case (every upload indexed) costs a count
                known = {r[0] for r in self._all("SELECT identity FROM sessions WHERE identity IS NOT NULL")}
                for p in sorted(stored / n for n in names):
                    if p.name not in known and p.is_dir() and (p / "session.json").is_file():
                        try:
                            self.index_folder(p, p.name)
                            added += 1
                        except DataFileError:
                            continue
            return {"people": n_people, "added": added}


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of the packaged migrations, in order."""
    out = []
    for f in resources.files("trainer.store").joinpath("migrations").iterdir():
        m = _MIGRATION.match(f.name)
        if m:
            out.append((int(m.group(1)), f.name, f.read_text(encoding="utf-8")))
    return sorted(out)


def migrate(con) -> int:
    """Apply the migrations the database lacks, each in its own transaction (serialised between
    servers by an advisory lock); returns the database's version. A database newer than this
    footmat is refused."""
    import psycopg

    try:
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(872345001)")
            con.execute("CREATE TABLE IF NOT EXISTS footmat_migrations (version INTEGER PRIMARY KEY, "
                        "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            have = {r[0] for r in con.execute("SELECT version FROM footmat_migrations").fetchall()}
            known = migrations()
            if have and max(have) > known[-1][0]:
                raise UsageError(f"the database has schema version {max(have)}, newer than this footmat "
                                 f"knows ({known[-1][0]})", "update footmat on this machine")
            for version, name, sql in known:
                if version not in have:
                    con.execute(sql)
                    con.execute("INSERT INTO footmat_migrations (version, name) VALUES (%s, %s)", (version, name))
            return known[-1][0]
    except psycopg.Error as e:
        raise DataFileError(f"cannot set up the database ({str(e).splitlines()[0][:160]})",
                            "check that the --db user may create tables") from None


def open_store(url: str | None, home) -> Store:
    """The store for ``--db URL`` (None or "": the mat's SQLite history in ``home``)."""
    if not url:
        return SQLiteStore(home)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in _PG_SCHEMES:
        return PostgresStore(url, home)
    if scheme == "sqlite":
        return SQLiteStore(home, Path(url.split(":", 1)[1].removeprefix("//")))
    raise UsageError(f"--db {redact(url)!r} is not a database URL",
                     "give postgresql://user@host:port/dbname (or leave --db out for this mat's SQLite)")
