"""`footmat sync`: the mat's side of the clinic's upload API (trainer/store/protocol.py).

What it does, in order:

1. **Sessions.** Every settled session folder under ``$FOOTMAT_HOME/sessions`` (routines' parts
   included) not yet sent to this server is sent, oldest first, by its identity
   (:func:`trainer.store.identity.session_identity`): ``GET`` its state, ``PUT`` each file in
   chunks from where the server stands, ``POST`` commit. The server stores a session once, so
   sending again is a no-op that says so; an interrupted upload resumes where the server's bytes
   end. A session is *settled* when it is complete, or (a session killed mid-recording) its files
   have not changed for :data:`SETTLE_S` seconds: a session still being recorded is never sent.
2. **People.** The mat's people and the clinic's are merged by :func:`trainer.store.merge.merge_people`
   against the last sync's agreement (the *base*): what the clinic lacks or holds older is sent,
   what the mat lacks or holds older (people, levels, caps) is written here, a name clash is
   reported and never merged. The default person is this mat's own and is not exchanged (their
   sessions are).

The outbox is ``$FOOTMAT_HOME/sync/state.json``, written atomically after every session the
server has stored: a SIGKILL at any moment leaves it saying either "not sent" (the next run asks
the server, which answers "stored" or resumes the partial upload) or "sent". Nothing is lost,
nothing is stored twice. One sync runs at a time (``sync/.lock``).

Settings live in ``$FOOTMAT_HOME/settings.toml``::

    [sync]
    url = "https://clinic.example:8443"   # the clinic's footmat serve
    after_every_session = true             # start a background sync when a session ends

and the token in the environment, ``FOOTMAT_SYNC_TOKEN`` (the server's ``FOOTMAT_SERVE_TOKEN``).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from firmware.errors import DataFileError, FootmatError, UsageError
from firmware.fileio import atomic_write_json

from trainer.sessions import format as sfmt
from trainer.sessions import home, people
from trainer.store import protocol as proto
from trainer.store.identity import session_identity
from trainer.store.merge import merge_people, same_person

SETTINGS_FILE = "settings.toml"
STATE_VERSION = 1
SETTLE_S = 600.0            # an incomplete session untouched this long was killed: it is sent as it is
TIMEOUT_S = 60.0            # per request once connected (connect: 5 s, so a mat with no network gives up quickly)
COMMIT_TIMEOUT_S = 900.0    # the commit: the server reads the whole session back and recomputes its identity
TOKEN_ENV = "FOOTMAT_SYNC_TOKEN"
# For tests only: seconds to sleep after each chunk, and a smaller chunk, so that an upload can be
# killed in the middle (tests/trainer/store/test_sync_e2e.py). Never set in use.
THROTTLE_ENV = "FOOTMAT_SYNC_TEST_THROTTLE_S"
CHUNK_ENV = "FOOTMAT_SYNC_TEST_CHUNK_BYTES"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
PROFILE_SKIP = ("person_id", "name", "levels", "caps", "is_default")


class Offline(FootmatError, OSError):
    """The server could not be reached: nothing is lost, the next sync sends what waits."""


class Busy(FootmatError, RuntimeError):
    """Another `footmat sync` runs on this mat."""


# --------------------------------------------------------------------------- settings
@dataclass
class Settings:
    url: str | None = None
    after_every_session: bool = False


def settings_path() -> Path:
    return home.home() / SETTINGS_FILE


def load_settings() -> Settings:
    """``[sync]`` of ``$FOOTMAT_HOME/settings.toml`` (missing file: no URL, no automatic sync)."""
    import tomllib

    p = settings_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"settings file {p} cannot be read ({e})", "fix it (TOML, a [sync] table) or remove it")
    sync = data.get("sync", {})
    if not isinstance(sync, dict):
        raise DataFileError(f"settings file {p}: 'sync' is not a table", "write [sync] with url = \"...\"")
    url, after = sync.get("url"), sync.get("after_every_session", False)
    if url is not None and not isinstance(url, str):
        raise DataFileError(f"settings file {p}: sync.url {url!r} is not text", "url = \"https://clinic:8443\"")
    if not isinstance(after, bool):
        raise DataFileError(f"settings file {p}: sync.after_every_session {after!r} is not true/false",
                            "after_every_session = true")
    return Settings(check_url(url) if url else None, after)


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"sync URL {url!r} is not an http(s) address", "give it like https://clinic.example:8443")
    return url.strip().rstrip("/")


def plain_http_warning(url: str) -> str | None:
    """A warning for health data over plain HTTP to anything but this computer, else None."""
    parts = urlsplit(url)
    if parts.scheme == "http" and (parts.hostname or "") not in LOCAL_HOSTS:
        return (f"warning: syncing health data over plain HTTP to {parts.hostname}: anyone on the network can "
                "read it; serve over TLS (footmat serve --cert/--key, or a reverse proxy) and use https://")
    return None


def token() -> str:
    t = os.environ.get(TOKEN_ENV, "").strip()
    if not t:
        raise UsageError(f"no sync token: {TOKEN_ENV} is not set",
                         f"set {TOKEN_ENV} to the clinic server's FOOTMAT_SERVE_TOKEN")
    return t


# --------------------------------------------------------------------------- the outbox
def state_path() -> Path:
    return home.home() / "sync" / "state.json"


def load_state() -> dict:
    p = state_path()
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        if isinstance(d, dict) and d.get("version") == STATE_VERSION and isinstance(d.get("servers"), dict):
            return d
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        pass    # a damaged outbox costs one round of "already stored" answers, never a session
    return {"version": STATE_VERSION, "servers": {}}


def save_state(state: dict) -> None:
    atomic_write_json(state_path(), state)


def server_state(state: dict, url: str) -> dict:
    s = state["servers"].setdefault(url, {})
    for k in ("sent", "base", "clashes", "refused"):
        s.setdefault(k, {} if k != "clashes" else [])
    return s


def _stamp(folder: Path) -> str:
    """What changes when a session's files change (sizes and mtimes)."""
    parts = []
    for name in proto.FILES:
        try:
            st = (folder / name).stat()
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            pass
    return "|".join(parts)


@dataclass
class Pending:
    folder: Path
    rel: str
    started_at: str
    drill: str
    person: str


def session_folders() -> list[Path]:
    """Session folders under $FOOTMAT_HOME/sessions, a routine's parts included."""
    root = home.home() / "sessions"
    out = []
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return []
    for p in children:
        if (p / sfmt.META_FILE).is_file():
            out.append(p)
        else:
            with contextlib.suppress(OSError):
                out += sorted(q for q in p.iterdir() if q.is_dir() and (q / sfmt.META_FILE).is_file())
    return out


def _settled(folder: Path, meta: dict, now: float) -> bool:
    if meta.get("complete"):
        return True
    newest = max(((folder / n).stat().st_mtime for n in proto.FILES if (folder / n).exists()), default=now)
    return now - newest >= SETTLE_S


def waiting(url: str | None, state: dict | None = None, now: float | None = None) -> tuple[list, list]:
    """(sessions waiting to be sent to ``url``, oldest first; sessions still being recorded)."""
    state = state if state is not None else load_state()
    sent = state["servers"].get(url, {}).get("sent", {}) if url else {}
    now = time.time() if now is None else now
    root = home.home() / "sessions"
    out, busy = [], []
    for folder in session_folders():
        rel = folder.relative_to(root).as_posix()
        if rel in sent and sent[rel].get("stamp") == _stamp(folder):
            continue
        try:
            meta = sfmt.load_meta(folder)
        except (FootmatError, OSError):
            continue                         # a damaged folder: `footmat history` names it
        item = Pending(folder, rel, str(meta.get("started_at") or ""), str(meta.get("drill") or "?"),
                       str((meta.get("person") or {}).get("name") or "?"))
        (out if _settled(folder, meta, now) else busy).append(item)
    out.sort(key=lambda p: (p.started_at, p.rel))
    return out, busy


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now_iso() -> str:
    return _iso(time.time())


# --------------------------------------------------------------------------- people on the mat
def local_people() -> dict:
    """person_id -> person dict (with the file's time) for every person on this mat but the default."""
    out = {}
    for name in people.names():
        if name == people.DEFAULT_NAME:
            continue
        try:
            person = people.ensure_id(people.load(name))
            mtime = people.path_for(name).stat().st_mtime
        except (FootmatError, OSError):
            continue
        d = person.to_dict()
        if d.get("person_id") and d["person_id"] not in out:
            out[d["person_id"]] = d | {"_mtime": _iso(mtime)}
    return out


def people_waiting(url: str | None, state: dict | None = None) -> list[str]:
    """Names of this mat's people created or changed since the last sync with ``url``."""
    state = state if state is not None else load_state()
    base = state["servers"].get(url, {}).get("base", {}) if url else {}
    out = []
    for pid, d in local_people().items():
        d.pop("_mtime", None)
        if pid not in base or not same_person(d, base[pid]):
            out.append(d["name"])
    return sorted(out)


def _profile(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in PROFILE_SKIP and not k.endswith("_at") and not k.startswith("_")}


def with_times(d: dict, base: dict | None) -> dict:
    """A local person dict with the times of its decisions: what differs from the base was decided
    when the person's file last changed; what is the same keeps the base's time."""
    base = base or {}
    at = d.pop("_mtime")
    out = dict(d)
    b_levels, b_at = base.get("levels") or {}, base.get("levels_at") or {}
    out["levels_at"] = {k: (b_at.get(k) if b_levels.get(k) == v and b_at.get(k) else at)
                        for k, v in (d.get("levels") or {}).items()}
    same_caps = _caps_norm(d.get("caps")) == _caps_norm(base.get("caps"))
    out["caps_at"] = base.get("caps_at") if same_caps and base.get("caps_at") else at
    same_profile = _profile(d) == _profile(base) and d.get("name") == base.get("name")
    out["changed_at"] = base.get("changed_at") if same_profile and base.get("changed_at") else at
    return out


def _caps_norm(c):
    c = c or {}
    return ({k: v for k, v in sorted((c.get("max_level") or {}).items())}, sorted(c.get("exclude") or []))


def to_wire(d: dict) -> dict:
    """A person as the API carries them (protocol.py: person_id, name, levels, caps, profile)."""
    return {"person_id": d["person_id"], "name": d["name"], "levels": d.get("levels") or {},
            "caps": d.get("caps") or {"max_level": {}, "exclude": []}, "profile": _profile(d),
            "levels_at": d.get("levels_at") or {}, "caps_at": d.get("caps_at"), "changed_at": d.get("changed_at")}


def from_wire(e) -> dict | None:
    """A person from the API as a person dict (None when it is not a usable person)."""
    if not isinstance(e, dict) or not isinstance(e.get("person_id"), str) or not isinstance(e.get("name"), str):
        return None
    prof = e.get("profile") if isinstance(e.get("profile"), dict) else {}
    d = {k: v for k, v in prof.items() if k not in PROFILE_SKIP}
    d.update(person_id=e["person_id"], name=e["name"], levels=e.get("levels") or {},
             caps=e.get("caps") or {"max_level": {}, "exclude": []})
    for k in ("levels_at", "caps_at", "changed_at"):
        if k in e:
            d[k] = e[k]
    return d


def write_person(d: dict, old_name: str | None) -> str | None:
    """Write a merged person on this mat (checked by the person file's own reader first).
    Returns a note when it could not be written."""
    keep = {k: v for k, v in d.items() if not k.endswith("_at")}
    try:
        person = people.parse(json.dumps(keep).encode(), f"the clinic's person {d.get('name')!r}")
    except DataFileError as e:
        return f"not written: {e.what}"
    target = people.path_for(person.name)
    if old_name and old_name != person.name and target.exists():
        return f"not renamed from {old_name!r}: {person.name!r} is someone else on this mat"
    people.save(person)
    if old_name and old_name != person.name:
        with contextlib.suppress(OSError):
            people.path_for(old_name).unlink()
    return None


# --------------------------------------------------------------------------- the client
@dataclass
class Result:
    url: str
    sent: list = field(default_factory=list)          # rel folders stored now
    already: list = field(default_factory=list)       # rel folders the server had already
    refused: list = field(default_factory=list)       # (rel, why)
    people_sent: int = 0
    people_received: int = 0
    clashes: list = field(default_factory=list)       # texts
    notes: list = field(default_factory=list)
    warning: str | None = None


class Client:
    """The upload API over httpx, with the bearer token."""

    def __init__(self, url: str, tok: str, transport=None):
        import httpx

        self.httpx = httpx
        self.url = url
        kw = {"transport": transport} if transport is not None else {}
        self.http = httpx.Client(headers={"Authorization": f"Bearer {tok}"},
                                 timeout=httpx.Timeout(TIMEOUT_S, connect=5.0), **kw)

    def close(self):
        self.http.close()

    def request(self, method: str, url: str, **kw):
        try:
            r = self.http.request(method, url, **kw)
        except (self.httpx.TransportError,) as e:
            raise Offline(f"cannot reach the clinic server at {self.url} ({e.__class__.__name__})",
                          "nothing is lost: the mat keeps recording, and the next footmat sync sends what waits "
                          "(footmat sync --status lists it)") from None
        if r.status_code == proto.UNAUTHORIZED:
            raise UsageError(f"the clinic server at {self.url} refused the sync token (401)",
                             f"set {TOKEN_ENV} to the server's FOOTMAT_SERVE_TOKEN")
        if r.status_code >= 500:
            raise Offline(f"the clinic server at {self.url} failed ({r.status_code})",
                          "nothing is lost: try footmat sync again later")
        return r


def _json(r) -> dict:
    try:
        d = r.json()
        return d if isinstance(d, dict) else {}
    except ValueError:
        return {}


def _why(r) -> str:
    d = _json(r)
    return f"{r.status_code} {d.get('error') or r.reason_phrase}"


def _sha256(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def _int(v, default: int = 0) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else default


class _Restart(Exception):
    """The server's partial upload cannot be continued (a file changed since): dropped, start over."""


def _send_file(client: Client, identity: str, name: str, path: Path, pos: int, known: bool,
               chunk: int, throttle: float) -> str | None:
    """Send ``path`` from byte ``pos``. Returns None when the file is complete on the server,
    "already" when the server has the whole session, "refused: why"; raises :class:`_Restart`."""
    digest, total = _sha256(path)
    if pos > total:
        raise _Restart
    url = proto.file_url(client.url, identity, name)
    stuck = invalid = 0
    with open(path, "rb") as f:
        while pos < total or (total == 0 and not known):
            f.seek(pos)
            data = f.read(min(chunk, total - pos))
            r = client.request("PUT", url, content=data, headers={
                proto.HEADER_RANGE: proto.content_range(pos, len(data), total),
                proto.HEADER_SHA256: digest, "Content-Type": proto.CONTENT_TYPE})
            d = _json(r)
            if r.status_code == proto.OK and d.get("state") == proto.STATE_STORED:
                return "already"
            if r.status_code in (proto.CONFLICT, proto.INVALID):
                # 409: the server stands elsewhere (resume there) or holds another version of this
                # file (no progress: drop the partial upload); 422: its chunks were dropped (from 0)
                new = _int(d.get("received"), -1) if r.status_code == proto.CONFLICT else 0
                stuck = stuck + 1 if new == pos or new < 0 else 0
                invalid += r.status_code == proto.INVALID
                if stuck >= 2 or new > total or invalid >= 2:
                    # a second 422: the file changes while it is sent (its digest was taken at the
                    # start) — start over with a fresh digest (bounded by upload_session's attempts)
                    raise _Restart
                pos = max(new, 0) if new >= 0 else pos
                continue
            if r.status_code != proto.OK:
                return f"refused: {_why(r)}"
            pos, stuck, known = _int(d.get("received"), pos + len(data)), 0, True
            if throttle:
                time.sleep(throttle)
    return None


def upload_session(client: Client, folder: Path, identity: str) -> str:
    """Send one session; returns "stored" (stored now) or "already" (the server had it).
    Raises :class:`Offline`; returns "refused: why" when the server will not take it.

    Resumes where the server's bytes end (``GET`` state); a partial upload that cannot be
    continued (a file changed since, e.g. session.json rewritten) is dropped and sent again."""
    chunk = int(os.environ.get(CHUNK_ENV) or proto.MAX_CHUNK_BYTES)
    chunk = max(1, min(chunk, proto.MAX_CHUNK_BYTES))
    throttle = float(os.environ.get(THROTTLE_ENV) or 0)
    for attempt in range(3):
        r = client.request("GET", proto.session_url(client.url, identity))
        if r.status_code != proto.OK:
            return f"refused: {_why(r)}"
        st = _json(r)
        if st.get("state") == proto.STATE_STORED:
            return "already"
        have = st.get("files") if isinstance(st.get("files"), dict) else {}
        try:
            for name in proto.FILES:
                if (folder / name).is_file():
                    got = _send_file(client, identity, name, folder / name, _int(have.get(name)), name in have,
                                     chunk, throttle)
                    if got is not None:
                        return got
        except _Restart:
            client.request("DELETE", proto.session_url(client.url, identity))
            continue
        r = client.request("POST", proto.commit_url(client.url, identity),
                           timeout=client.httpx.Timeout(COMMIT_TIMEOUT_S, connect=5.0))
        if r.status_code in (proto.OK, proto.CREATED):
            return "already" if _json(r).get("already") else "stored"
        if r.status_code == proto.CONFLICT and attempt < 2:
            continue                                 # a file was not complete after all: ask again
        return f"refused: {_why(r)}"
    return "refused: the upload did not complete after 3 attempts"


def sync_people(client: Client, srv: dict, res: Result) -> None:
    r = client.request("GET", client.url + proto.PEOPLE_PATH)
    if r.status_code != proto.OK:
        res.notes.append(f"people not fetched: {_why(r)}")
        return
    entries = _json(r).get("people")
    remote = {}
    for e in entries if isinstance(entries, list) else []:
        d = from_wire(e)
        if d is not None and d["name"] != people.DEFAULT_NAME:
            remote[d["person_id"]] = d
    base = srv.get("base") or {}
    local = {pid: with_times(d, base.get(pid)) for pid, d in local_people().items()}
    out = merge_people(local, remote, base)
    for pid, d in out.to_mat.items():
        if pid not in local and "weight_kg" not in d:
            continue                         # known at the clinic only from sessions: no person file to make
        note = write_person(d, (local.get(pid) or {}).get("name"))
        if note:
            res.notes.append(f"{d.get('name')}: {note}")
        else:
            res.people_received += 1
    unsent = set()
    entries = list(out.to_clinic.values())
    for i in range(0, len(entries), proto.MAX_PEOPLE_PER_POST):
        batch = entries[i:i + proto.MAX_PEOPLE_PER_POST]
        r = client.request("POST", client.url + proto.PEOPLE_PATH, json={"people": [to_wire(d) for d in batch]})
        if r.status_code not in (proto.OK, proto.CREATED):
            res.notes.append(f"people not sent: {_why(r)}")
            unsent |= {d["person_id"] for d in batch}
            continue
        answer = _json(r)
        stored = answer.get("stored") if isinstance(answer.get("stored"), list) else [d["person_id"] for d in batch]
        res.people_sent += len([d for d in batch if d["person_id"] in stored])
        unsent |= {d["person_id"] for d in batch if d["person_id"] not in stored}
        for c in answer.get("clashes") or []:
            if isinstance(c, dict):
                res.clashes.append(f"name clash at the clinic: {c.get('name')!r} is another person there "
                                   f"({str(c.get('other_person_id'))[:8]}); {str(c.get('person_id'))[:8]} from this "
                                   "mat was not merged (rename one)")
    # what the clinic did not take is not agreed: it stays out of the base and is sent again next time
    out.people = {pid: (remote[pid] if pid in remote else None) if pid in unsent else d
                  for pid, d in out.people.items()}
    out.people = {pid: d for pid, d in out.people.items() if d is not None}
    res.clashes = [c.text() for c in out.clashes] + res.clashes
    res.notes += out.notes
    srv["base"] = out.people
    srv["clashes"] = res.clashes


def _identity(state: dict, item: Pending, stamp: str) -> str:
    """The session's identity, computed once per version of its files (it reads the whole trace:
    seconds for a long session); kept in the outbox until the session is sent (a session the
    server refused, or one waiting when the network went, is not hashed again)."""
    cache = state.setdefault("identities", {})
    got = cache.get(item.rel)
    if got and got.get("stamp") == stamp:
        return got["identity"]
    identity = session_identity(item.folder)
    cache[item.rel] = {"stamp": stamp, "identity": identity}   # saved with the next outbox write
    return identity


@contextlib.contextmanager
def lock(wait: bool):
    """One sync at a time on a mat (a SIGKILLed sync's lock goes with its process)."""
    import fcntl

    p = home.ensure("sync") / ".lock"
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy("another footmat sync is running on this mat", "it sends what waits; or run this again later") from None
        yield
    finally:
        os.close(fd)


def run_sync(url: str, tok: str, *, transport=None, wait: bool = False, on_session=None) -> Result:
    """Send what waits and exchange people with ``url``. Raises :class:`Offline` when the server
    cannot be reached (what was stored before that is recorded)."""
    res = Result(url, warning=plain_http_warning(url))
    with lock(wait):
        state = load_state()
        srv = server_state(state, url)
        client = Client(url, tok, transport)
        try:
            while True:
                todo, _ = waiting(url, state)
                todo = [p for p in todo if p.rel not in {r for r, _ in res.refused}]
                if not todo:
                    break
                for item in todo:
                    stamp = _stamp(item.folder)
                    try:
                        identity = _identity(state, item, stamp)
                    except (FootmatError, OSError) as e:
                        res.refused.append((item.rel, f"cannot be read here: {getattr(e, 'what', e)}"))
                        continue
                    sent = srv["sent"].get(item.rel)
                    if sent and sent.get("identity") == identity:
                        outcome = "same"             # only its summary or report changed
                    else:
                        outcome = upload_session(client, item.folder, identity)
                    if outcome.startswith("refused"):
                        res.refused.append((item.rel, outcome[len("refused: "):]))
                        srv["refused"][item.rel] = {"identity": identity, "why": outcome, "at": _now_iso()}
                        save_state(state)
                        continue
                    srv["sent"][item.rel] = {"identity": identity, "stamp": stamp, "at": _now_iso()}
                    state.get("identities", {}).pop(item.rel, None)   # kept in "sent" from now on
                    srv["refused"].pop(item.rel, None)
                    save_state(state)             # atomically, after the server said "stored"
                    (res.sent if outcome == "stored" else res.already).append(item.rel)
                    if on_session:
                        on_session(item, outcome)
            sync_people(client, srv, res)
            srv["last_sync"] = _now_iso()
            save_state(state)
        finally:
            client.close()
            with contextlib.suppress(OSError):
                save_state(state)            # the identities hashed before the network went, too
    return res


# --------------------------------------------------------------------------- the server's half
def accept_people(body) -> dict:
    """``POST /api/sync/people`` on the serve machine (protocol.py): write each entry of a mat's
    ``{"people": [...]}`` as a person file in this machine's ``$FOOTMAT_HOME/people`` (checked by
    the person file's reader, written atomically). A name that is another person_id's here is a
    clash: not written, reported. Raises :class:`UsageError` (→ 400/422) for a malformed body,
    before anything is written. Returns ``{"stored": [person_id...], "clashes": [...]}``."""
    entries = body.get("people") if isinstance(body, dict) else None
    if not isinstance(entries, list) or len(entries) > proto.MAX_PEOPLE_PER_POST:
        raise UsageError("the body is not {\"people\": [...]}", f"send at most {proto.MAX_PEOPLE_PER_POST} people")
    checked = []
    for e in entries:
        d = from_wire(e)
        if d is None or len(d["name"]) > proto.MAX_TEXT_FIELD or d["name"] == people.DEFAULT_NAME:
            raise UsageError("a person entry is not usable", "person_id and name are required")
        keep = {k: v for k, v in d.items() if not k.endswith("_at")}
        try:
            person = people.parse(json.dumps(keep).encode(), f"entry {d['name']!r}")
        except DataFileError as err:
            raise UsageError(err.what, "send a person as footmat person show --json gives it") from None
        if person.person_id is None:
            raise UsageError(f"person {person.name!r} has no person_id", "send the person's stable id")
        checked.append(person)
    here = {}
    for name in people.names():
        with contextlib.suppress(FootmatError, OSError):
            here[name] = people.load(name).person_id
    by_id = {pid: name for name, pid in here.items()}
    stored, clashes = [], []
    for person in checked:
        other = here.get(person.name)
        if other is not None and other != person.person_id:
            clashes.append({"name": person.name, "person_id": person.person_id, "other_person_id": other})
            continue
        people.save(person)
        old = by_id.get(person.person_id)
        if old and old != person.name:                    # renamed on the mat: one file per person
            with contextlib.suppress(OSError):
                people.path_for(old).unlink()
        here[person.name] = person.person_id
        by_id[person.person_id] = person.name
        stored.append(person.person_id)
    return {"stored": stored, "clashes": clashes}


# --------------------------------------------------------------------------- after a session
def after_session(say=None) -> bool:
    """Start a background `footmat sync` when settings.toml asks for one after every session.
    Never blocks and never fails the drill: no settings, no token or no network, nothing happens
    here (the next sync sends what waits). Returns whether one was started."""
    try:
        s = load_settings()
        if not (s.after_every_session and s.url):
            return False
        if not os.environ.get(TOKEN_ENV):
            if say:
                say(f"note: settings.toml asks for a sync after every session, but {TOKEN_ENV} is not set: "
                    "not syncing (the session waits for the next footmat sync)")
            return False
        log = home.ensure("sync") / "last-background-sync.log"
        with open(log, "ab") as out:
            subprocess.Popen([sys.executable, "-c", "import sys; from trainer.cli import main; "
                              "sys.exit(main(['sync', '--background']))"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True,
                             close_fds=True)
        if say:
            say(f"syncing with {s.url} in the background (log: {log})")
        return True
    except Exception as e:  # noqa: BLE001 — the session is safe on disk; sync later
        if say:
            say(f"note: no background sync ({e.__class__.__name__}: {e}); footmat sync sends it later")
        return False
