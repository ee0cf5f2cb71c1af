"""The upload API against a real PostgreSQL (and the mat's SQLite): stored once, resumable, hostile
uploads refused with the database and the files unchanged.

The server is the real app (trainer.web.app.create_app with the upload routes, the real auth
middleware) through Starlette's TestClient; the sessions are real folders written by the writer;
what is stored is read back by the product's reader.
"""
import hashlib
import json
import os
import shutil
import warnings

import pytest

from trainer.sessions import reader
from trainer.store import protocol as P
from trainer.store.identity import session_identity
from trainer.store.query import open_store, upload_root

from tests.trainer.store.sessions import make_session

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")
TOKEN = "upload-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "http://127.0.0.1:8765"
PID = "c" * 32


@pytest.fixture
def mat(tmp_path, monkeypatch, footmat_home):
    """Two sessions recorded on another mat (its own FOOTMAT_HOME)."""
    monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / "mat-home"))
    folders = [make_session(tmp_path / "mat-home" / "sessions", person="cat", person_id=PID, seed=i, frames=600,
                            started_at=f"2026-04-0{i + 1}T10:00:00.000Z", score=60.0 + i) for i in range(2)]
    monkeypatch.setenv("FOOTMAT_HOME", str(footmat_home))
    return folders


def _client(home, store):
    from starlette.testclient import TestClient

    from trainer.web.app import create_app
    from trainer.web.context import make_context

    ctx = make_context(home, token=TOKEN, store=store)
    return TestClient(create_app(ctx), base_url=BASE, follow_redirects=False), ctx


@pytest.fixture(params=["postgresql", "sqlite"])
def server(request, footmat_home):
    store = open_store(request.getfixturevalue("pg_url") if request.param == "postgresql" else None, footmat_home)
    client, ctx = _client(footmat_home, store)
    with client:
        yield client, ctx, store
    store.close()


@pytest.fixture
def pg_server(footmat_home, pg_url):
    store = open_store(pg_url, footmat_home)
    client, ctx = _client(footmat_home, store)
    with client:
        yield client, ctx, store
    store.close()


def put(client, ident, name, data, start, total, sha, headers=AUTH, ctype=P.CONTENT_TYPE, rng=None):
    h = {**headers, "Content-Type": ctype, P.HEADER_SHA256: sha,
         P.HEADER_RANGE: rng or P.content_range(start, len(data), total)}
    return client.put(P.FILE_PATH.format(identity=ident, file=name), content=data, headers=h)


def upload(client, folder, ident=None, chunk=P.MAX_CHUNK_BYTES, stop_after=None, files=P.FILES, replace=None):
    """Send a session folder by the protocol (resuming from what the server has); the commit's
    response, or None when stopped after ``stop_after`` chunks (an interrupted upload)."""
    ident = ident or session_identity(folder)
    state = client.get(P.SESSION_PATH.format(identity=ident), headers=AUTH).json()
    if state["state"] == P.STATE_STORED:
        return state
    sent = 0
    for name in files:
        p = folder / name
        if not p.exists():
            continue
        data = (replace or {}).get(name, p.read_bytes())
        sha = hashlib.sha256(data).hexdigest()
        pos = state["files"].get(name, 0)
        while pos < len(data):
            piece = data[pos:pos + chunk]
            r = put(client, ident, name, piece, pos, len(data), sha)
            assert r.status_code == 200, r.text
            if r.json()["state"] == P.STATE_STORED:
                return r.json()
            pos = r.json()["received"]
            sent += 1
            if stop_after is not None and sent >= stop_after:
                return None
    return client.post(P.COMMIT_PATH.format(identity=ident), headers=AUTH)


def snapshot(ctx, store):
    """Everything an upload could change: the database's rows and every file under the upload area."""
    db = {"sessions": store.sessions(), "people": store.people(), "count": store.count()}
    files = {}
    root = upload_root(ctx.home)
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                files[rel] = ("link", os.readlink(p))
            elif os.path.isfile(p):
                files[rel] = ("file", open(p, "rb").read())
            else:
                files[rel] = ("dir", None)
    return db, files


def test_a_session_uploaded_twice_is_stored_once(server, mat):
    client, ctx, store = server
    folder = mat[0]
    ident = session_identity(folder)
    r = upload(client, folder, chunk=10_000)
    assert r.status_code == 201 and r.json() == {"identity": ident, "state": "stored", "already": False}
    stored = upload_root(ctx.home) / "sessions" / ident
    back = reader.read_session(stored)                       # the product's reader reads what was stored
    orig = reader.read_session(folder)
    assert back.frames == orig.frames and back.meta == orig.meta
    assert session_identity(stored) == ident
    assert store.count() == 1 and store.session(ident)["folder"] == str(stored.resolve())
    assert store.session(ident)["person_id"] == PID and store.session(ident)["score"] == 60.0
    before = snapshot(ctx, store)
    # again: the state says stored, a PUT is a no-op that says so, so is a commit
    assert client.get(P.SESSION_PATH.format(identity=ident), headers=AUTH).json()["state"] == "stored"
    data = (folder / "trace.csv").read_bytes()
    r = put(client, ident, "trace.csv", data[:100], 0, len(data), hashlib.sha256(data).hexdigest())
    assert r.status_code == 200 and r.json()["already"] is True
    r = client.post(P.COMMIT_PATH.format(identity=ident), headers=AUTH)
    assert r.status_code == 200 and r.json()["already"] is True
    assert snapshot(ctx, store) == before and store.count() == 1
    # a second session is a second row
    assert upload(client, mat[1]).status_code == 201 and store.count() == 2


def test_an_interrupted_upload_resumes(pg_server, mat):
    client, ctx, store = pg_server
    folder = mat[0]
    ident = session_identity(folder)
    assert upload(client, folder, chunk=4096, stop_after=3) is None      # the connection dropped
    state = client.get(P.SESSION_PATH.format(identity=ident), headers=AUTH).json()
    assert state["state"] == "partial" and 0 < sum(state["files"].values()) <= 3 * 4096
    assert store.count() == 0
    # a chunk sent again from 0 (the client lost its place) is told where to resume
    data = (folder / "session.json").read_bytes()
    r = put(client, ident, "session.json", data[:10], 0, len(data), hashlib.sha256(data).hexdigest())
    assert r.status_code == 409 and r.json()["received"] == state["files"]["session.json"]
    # a commit before the end changes nothing and says what is missing
    r = client.post(P.COMMIT_PATH.format(identity=ident), headers=AUTH)
    assert r.status_code == 409 and "trace.csv" in r.json()["missing"]
    r = upload(client, folder, chunk=4096)                                # a new sync picks up where it stopped
    assert r.status_code == 201, r.text
    stored = upload_root(ctx.home) / "sessions" / ident
    for name in ("session.json", "trace.csv", "events.csv"):
        assert (stored / name).read_bytes() == (folder / name).read_bytes()
    assert reader.read_session(stored).frames == 600 and store.count() == 1
    assert not (upload_root(ctx.home) / "partial" / ident).exists()


def test_people_levels_and_caps_for_a_mat_to_pull(pg_server, mat):
    client, ctx, store = pg_server
    (ctx.home / "people").mkdir(parents=True, exist_ok=True)
    (ctx.home / "people" / "cat.json").write_text(json.dumps(
        {"name": "cat", "weight_kg": 55.0, "person_id": PID, "levels": {"spiral": 3},
         "caps": {"max_level": {"spiral": 4}, "exclude": ["one-leg"]}}))
    assert upload(client, mat[0]).status_code == 201
    r = client.get(P.PEOPLE_PATH, headers=AUTH)
    assert r.status_code == 200
    (cat,) = r.json()["people"]
    assert cat["person_id"] == PID and cat["name"] == "cat" and cat["levels"] == {"spiral": 3}
    assert cat["caps"] == {"max_level": {"spiral": 4}, "exclude": ["one-leg"]} and cat["profile"]["weight_kg"] == 55.0
    assert client.get(P.PEOPLE_PATH).status_code == 401


def _session_files(folder):
    return {n: (folder / n).read_bytes() for n in P.FILES if (folder / n).exists()}


def _damage(trace: bytes, line: int) -> bytes:
    """``trace`` with a number on ``line`` that is not a number."""
    lines = trace.split(b"\n")
    fields = lines[line].split(b",")
    fields[1] = b"12abc"
    lines[line] = b",".join(fields)
    return b"\n".join(lines)


def _hostile_cases(folder, tmp):
    """(name, expected status, the requests) — each a whole hostile upload."""
    ident = session_identity(folder)
    files = _session_files(folder)
    meta = json.loads(files["session.json"])
    trace = files["trace.csv"]
    sha = hashlib.sha256(trace).hexdigest()

    def with_meta(**kw):
        return json.dumps({**meta, **kw}).encode()

    def bad_session(name, status, replace):
        """The session's files with ``replace``d ones, sent under the identity they have (where one
        can be computed), so each is refused for what is wrong in it, not for a wrong identity."""
        copy = tmp / f"case{len(replace)}-{abs(hash(name))}"
        shutil.copytree(folder, copy)
        for n, data in replace.items():
            (copy / n).write_bytes(data)
        try:
            own = session_identity(copy)
        except Exception:
            own = ident

        def run(c):
            return upload(c, copy, ident=own)
        return name, status, run

    def req(name, status, fn):
        return name, status, fn

    zip_bytes = b"PK\x03\x04" + b"\x00" * 26 + b"../../etc/passwd" + b"\x00" * 64
    deep = b'{"a":' * 100000 + b"1" + b"}" * 100000
    return [
        req("no credentials", 401, lambda c: put(c, ident, "trace.csv", trace[:10], 0, len(trace), sha, headers={})),
        req("wrong bearer token", 401, lambda c: put(c, ident, "trace.csv", trace[:10], 0, len(trace), sha,
                                                       headers={"Authorization": "Bearer " + "x" * 30})),
        req("no credentials on commit", 401, lambda c: c.post(P.COMMIT_PATH.format(identity=ident))),
        req("a path for an identity", 404, lambda c: c.put(f"{P.API}/..%2F..%2Fetc/trace.csv", content=b"x",
                                                           headers={**AUTH, "Content-Type": P.CONTENT_TYPE})),
        req("an upper-case identity", 404, lambda c: put(c, ident.upper(), "trace.csv", trace[:10], 0, len(trace),
                                                          sha)),
        req("a file that is not a session's", 404, lambda c: put(c, ident, "run.sh", b"rm -rf /", 0, 8,
                                                                  hashlib.sha256(b"rm -rf /").hexdigest())),
        req("an archive by name", 404, lambda c: put(c, ident, "session.zip", zip_bytes, 0, len(zip_bytes),
                                                     hashlib.sha256(zip_bytes).hexdigest())),
        req("a path as the file name", 404, lambda c: c.put(f"{P.API}/{ident}/..%2F..%2Fsession.json",
                                                             content=b"{}", headers={**AUTH,
                                                                                     "Content-Type": P.CONTENT_TYPE})),
        req("no Content-Range", 400, lambda c: c.put(P.FILE_PATH.format(identity=ident, file="trace.csv"),
                                                     content=trace[:10], headers={**AUTH, P.HEADER_SHA256: sha,
                                                                                  "Content-Type": P.CONTENT_TYPE})),
        req("a backwards range", 400, lambda c: put(c, ident, "trace.csv", trace[:10], 0, len(trace), sha,
                                                    rng=f"bytes 9-0/{len(trace)}")),
        req("a chunk longer than its range", 400, lambda c: put(c, ident, "trace.csv", trace[:20], 0, len(trace), sha,
                                                                rng=f"bytes 0-9/{len(trace)}")),
        req("no SHA-256", 400, lambda c: put(c, ident, "trace.csv", trace[:10], 0, len(trace), "not-a-hash")),
        req("another content type", 415, lambda c: put(c, ident, "trace.csv", trace[:10], 0, len(trace), sha,
                                                       ctype="multipart/form-data")),
        req("a huge file announced", 413, lambda c: put(c, ident, "session.json", b"{", 0, 10 ** 9, sha)),
        req("a chunk over the limit", 413, lambda c: put(c, ident, "trace.csv", b"1" * (P.MAX_CHUNK_BYTES + 1), 0,
                                                         P.MAX_CHUNK_BYTES + 1, sha)),
        req("a chunk beyond what arrived", 409, lambda c: put(c, ident, "trace.csv", trace[100:110], 100, len(trace),
                                                              sha)),
        req("a file that is not what its SHA-256 says", 422,
            lambda c: put(c, ident, "events.csv", files["events.csv"], 0, len(files["events.csv"]),
                          hashlib.sha256(b"something else").hexdigest())),
        bad_session("session.json that is not JSON", 422, {"session.json": b"{not json"}),
        bad_session("session.json nested 100000 deep", 422, {"session.json": deep}),
        bad_session("a huge person name", 422, {"session.json": with_meta(person={"name": "x" * 100000})}),
        bad_session("a path as the person id", 422, {"session.json": with_meta(person_id="../../../etc/passwd")}),
        bad_session("a path as the drill", 422, {"session.json": with_meta(drill="../../spiral")}),
        bad_session("NUL bytes in the trace", 422, {"trace.csv": trace[:200] + b"\x00" * 10 + trace[200:]}),
        bad_session("an archive as the trace", 422, {"trace.csv": zip_bytes}),
        req("a trace changed after hashing", 422,
            lambda c: upload(c, folder, ident=ident, replace={"trace.csv": trace.replace(b"countdown", b"countdowm", 1)})),
        bad_session("a report that is not a PNG", 422, {"report.png": b"<script>alert(1)</script>"}),
        bad_session("a damaged record mid-trace", 422, {"trace.csv": _damage(trace, 300)}),
        bad_session("NUL bytes mid-events", 422, {"events.csv": files["events.csv"].replace(b"cue", b"c\x00e", 1)}),
        req("a session under another's identity", 422,
            lambda c: upload(c, folder, ident="0" * 64)),
        req("deleting a stored session", 409, None),          # filled in by the test (needs a stored one)
    ]


def test_hostile_uploads_are_refused_and_change_nothing(pg_server, mat, tmp_path):
    client, ctx, store = pg_server
    good, other = mat
    assert upload(client, other).status_code == 201          # something stored already, which must stay
    other_ident = session_identity(other)
    (good / "report.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)   # so report.png is sent too
    cases = _hostile_cases(good, tmp_path)
    assert len(cases) >= 20
    for name, status, run in cases:
        before = snapshot(ctx, store)
        if run is None:
            r = client.delete(P.SESSION_PATH.format(identity=other_ident), headers=AUTH)
        else:
            r = run(client)
        assert r.status_code == status, f"{name}: {r.status_code} {r.text[:200]}"
        if status != 401:
            assert "error" in r.json() and "/tmp/" not in r.text, name     # no server paths in answers
        assert snapshot(ctx, store) == before, f"{name} changed something"
    # a symbolic link planted in the upload area is not followed
    outside = tmp_path / "outside"
    outside.mkdir()
    ident = session_identity(good)
    (upload_root(ctx.home) / "partial").mkdir(exist_ok=True)
    os.symlink(outside, upload_root(ctx.home) / "partial" / ident)
    before = snapshot(ctx, store)
    data = (good / "trace.csv").read_bytes()
    r = put(client, ident, "trace.csv", data[:10], 0, len(data), hashlib.sha256(data).hexdigest())
    assert r.status_code == 409 and list(outside.iterdir()) == [] and snapshot(ctx, store) == before
    os.unlink(upload_root(ctx.home) / "partial" / ident)
    # and after all that, the good session still uploads, once
    assert upload(client, good).status_code == 201 and store.count() == 2


def test_a_mat_sends_its_people_and_malformed_people_change_nothing(pg_server):
    client, ctx, store = pg_server
    dee = {"person_id": "d" * 32, "name": "dee", "levels": {"spiral": 2}, "caps": {"max_level": {}, "exclude": []},
           "profile": {"weight_kg": 70.0}}
    before = snapshot(ctx, store)
    people_dir = ctx.home / "people"
    for body, ctype, status in ((b"{not json", "application/json", 400),
                                (json.dumps({"people": [{**dee, "name": "../../x"}]}).encode(), "application/json", 422),
                                (json.dumps({"people": "dee"}).encode(), "application/json", 422),
                                (json.dumps({"people": [dee]}).encode(), "text/plain", 415)):
        r = client.post(P.PEOPLE_PATH, content=body, headers={**AUTH, "Content-Type": ctype})
        assert r.status_code == status, r.text
        assert snapshot(ctx, store) == before and not list(people_dir.glob("*.json"))
    assert client.post(P.PEOPLE_PATH, json={"people": [dee]}).status_code == 401
    r = client.post(P.PEOPLE_PATH, json={"people": [dee]}, headers=AUTH)
    assert r.status_code == 200 and r.json()["stored"] == [dee["person_id"]]
    assert store.person("d" * 32)["levels"] == {"spiral": 2}                  # in the database at once
    (got,) = client.get(P.PEOPLE_PATH, headers=AUTH).json()["people"]
    assert got["name"] == "dee" and got["levels"] == {"spiral": 2} and got["profile"]["weight_kg"] == 70.0


def test_a_full_partial_area_drops_only_week_old_uploads(pg_server, mat, monkeypatch):
    import time

    from trainer.web import upload as up

    client, ctx, store = pg_server
    monkeypatch.setattr(P, "MAX_PARTIAL_UPLOADS", 2)
    data = (mat[0] / "session.json").read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    old, fresh, new = "1" * 64, "2" * 64, "3" * 64
    for ident in (old, fresh):
        assert put(client, ident, "session.json", data[:10], 0, len(data), sha).status_code == 200
    part = upload_root(ctx.home) / "partial"
    week = time.time() - P.PARTIAL_KEPT_S - 60
    for f in [part / old] + list((part / old).iterdir()):
        os.utime(f, (week, week))
    assert put(client, new, "session.json", data[:10], 0, len(data), sha).status_code == 200   # old dropped
    assert sorted(p.name for p in part.iterdir()) == [fresh, new]
    r = put(client, "4" * 64, "session.json", data[:10], 0, len(data), sha)                    # full of fresh ones
    assert r.status_code == 429 and sorted(p.name for p in part.iterdir()) == [fresh, new]
    assert up.P is P


def test_a_session_killed_mid_recording_is_a_session(pg_server, tmp_path, monkeypatch, footmat_home):
    """A torn last line and the NUL bytes a power cut leaves: stored, read as the reader reads it."""
    client, ctx, store = pg_server
    monkeypatch.setenv("FOOTMAT_HOME", str(tmp_path / "mat-home"))
    folder = make_session(tmp_path / "mat-home" / "sessions", complete=False, frames=300, score=None)
    monkeypatch.setenv("FOOTMAT_HOME", str(footmat_home))
    with open(folder / "trace.csv", "ab") as fh:
        fh.write(b"1.5,12,3" + b"\x00" * 64)
    ident = session_identity(folder)
    r = upload(client, folder)
    assert r.status_code == 201, r.text
    stored = upload_root(ctx.home) / "sessions" / ident
    back = reader.read_session(stored)
    assert back.frames == 300 and any("cut short" in n for n in back.notes)
    assert store.session(ident)["complete"] is False
