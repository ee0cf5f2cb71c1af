"""The upload API of ``footmat serve`` (issue 31): mats send sessions, and pull people, levels and caps.

The protocol — paths, headers, chunks, status codes, limits — is :mod:`trainer.store.protocol`;
this module serves it. Authentication is the app's (:class:`trainer.web.auth.AuthMiddleware`):
the bearer token or a paired device; nothing here answers the unauthenticated.

Files on disk, beside the database (:func:`trainer.store.query.upload_root`, ``$FOOTMAT_HOME/uploads``):
``partial/<identity>/<file>`` (+ ``<file>.state``: the announced size and SHA-256) while a session
arrives, ``sessions/<identity>/`` once committed and indexed (in ``ctx.store``: the clinic's
PostgreSQL with ``--db``, else this machine's SQLite history). Names come only from
:data:`~trainer.store.protocol.FILES` and a 64-hex identity, so no request names a path; files are
opened with ``O_NOFOLLOW`` in folders that must not be symlinks. A refused request (4xx) writes
nothing; a session that fails its commit checks is discarded whole.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from firmware.errors import DataFileError
from firmware.fileio import atomic_write_json

from trainer.store import protocol as P
from trainer.store.query import upload_root

_DRILL = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PERSON_ID = re.compile(r"^[0-9a-f]{32}$")
_PNG = b"\x89PNG\r\n\x1a\n"
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class Refused(Exception):
    def __init__(self, status: int, what: str, fix: str = "", **extra):
        super().__init__(what)
        self.status, self.what, self.fix, self.extra = status, what, fix, extra

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.what, "fix": self.fix, **self.extra}, status_code=self.status)


def _lock(identity: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(identity, threading.Lock())


def store_of(ctx):
    """The store uploads are indexed in: ``ctx.store`` (--db), else this home's SQLite history."""
    if ctx.store is not None:
        return ctx.store
    with _LOCKS_GUARD:
        s = ctx.settings.get("upload_store")
        if s is None:
            from trainer.store.query import open_store

            s = ctx.settings["upload_store"] = open_store(None, ctx.home)
        return s


# -- places ------------------------------------------------------------------------------------------
def _dir(root: Path, *parts: str, create: bool = False) -> Path:
    """A folder under the upload root that is a real folder (never a symlink); created if asked."""
    p = root
    for part in parts:
        p = p / part
        if p.is_symlink():
            raise Refused(P.CONFLICT, f"the upload area's {part!r} is a symbolic link", "ask the clinic's admin")
        if create:
            try:
                p.mkdir(mode=0o700)
            except FileExistsError:
                pass
        if p.exists() and not p.is_dir():
            raise Refused(P.CONFLICT, f"the upload area's {part!r} is not a folder", "ask the clinic's admin")
    return p


def _root(ctx) -> Path:
    root = upload_root(ctx.home)
    if root.is_symlink():
        raise Refused(P.CONFLICT, "the upload area is a symbolic link", "ask the clinic's admin")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _stored(ctx, identity: str) -> bool:
    root = _root(ctx)
    return _dir(root, "sessions", identity).is_dir() or store_of(ctx).has(identity)


def _state(part: Path, name: str) -> dict | None:
    try:
        d = json.loads((part / f"{name}.state").read_text(encoding="utf-8"))
        return d if isinstance(d, dict) and isinstance(d.get("total"), int) and isinstance(d.get("sha256"), str) else None
    except (OSError, ValueError):
        return None


def _received(part: Path, name: str) -> int:
    try:
        st = os.lstat(part / name)
    except FileNotFoundError:
        return 0
    return st.st_size


def _sha_file(path: Path) -> str:
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _drop_file(part: Path, name: str) -> None:
    for p in (part / name, part / f"{name}.state"):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
    try:
        part.rmdir()                      # only when empty
    except OSError:
        pass


def _drop_stale(partial: Path) -> int:
    """Drop the partial uploads nobody touched for :data:`~trainer.store.protocol.PARTIAL_KEPT_S`
    (a mat that never came back); only when the partial area is full."""
    import time

    now, n = time.time(), 0
    for d in list(partial.iterdir()):
        if d.is_symlink() or not d.is_dir() or not P.IDENTITY_RE.match(d.name):
            continue
        newest = max([d.lstat().st_mtime] + [f.lstat().st_mtime for f in d.iterdir()])
        if now - newest > P.PARTIAL_KEPT_S:
            with _lock(d.name):
                shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


# -- checks of one request ---------------------------------------------------------------------------
def _identity(request: Request) -> str:
    ident = request.path_params.get("identity", "")
    if not P.IDENTITY_RE.match(ident):
        raise Refused(P.NOT_FOUND, "no such session identity", "an identity is 64 lower-case hex digits")
    return ident


def _range(headers) -> tuple[int, int, int]:
    """(start, length, total) from Content-Range."""
    raw = headers.get(P.HEADER_RANGE)
    m = P.RANGE_RE.match(raw or "")
    if not m:
        raise Refused(P.BAD_REQUEST, f"missing or malformed {P.HEADER_RANGE}",
                      "send 'bytes START-END/TOTAL' (END inclusive), or 'bytes */0' for an empty file")
    total = int(m.group(3))
    if m.group(1) is None:
        if total != 0:
            raise Refused(P.BAD_REQUEST, f"{P.HEADER_RANGE} 'bytes */{total}' only describes an empty file",
                          "send 'bytes START-END/TOTAL'")
        return 0, 0, 0
    start, end = int(m.group(1)), int(m.group(2))
    if end < start or end >= total:
        raise Refused(P.BAD_REQUEST, f"{P.HEADER_RANGE} {raw!r} is not a range of the file",
                      "START <= END < TOTAL")
    return start, end - start + 1, total


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise Refused(P.BAD_REQUEST, "malformed Content-Length")
        if int(declared) > limit:
            raise Refused(P.TOO_LARGE, f"a chunk holds at most {limit} bytes", "send smaller chunks")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(P.TOO_LARGE, f"a chunk holds at most {limit} bytes", "send smaller chunks")
        chunks.append(chunk)
    return b"".join(chunks)


# -- the handlers ------------------------------------------------------------------------------------
def _answer(fn):
    async def handler(request: Request):
        try:
            return await fn(request)
        except Refused as r:
            return r.response()
    return handler


async def session_state(request: Request):
    ctx = request.app.state.ctx
    ident = _identity(request)

    def look():
        if _stored(ctx, ident):
            return {"identity": ident, "state": P.STATE_STORED, "files": {}}
        part = _dir(_root(ctx), "partial", ident)
        if not part.is_dir():
            return {"identity": ident, "state": P.STATE_ABSENT, "files": {}}
        files = {n: _received(part, n) for n in P.FILES if _state(part, n) is not None}
        return {"identity": ident, "state": P.STATE_PARTIAL, "files": files}
    return JSONResponse(await run_in_threadpool(look))


async def put_file(request: Request):
    ctx = request.app.state.ctx
    ident = _identity(request)
    name = request.path_params.get("file", "")
    if name not in P.FILES:
        raise Refused(P.NOT_FOUND, f"a session has no file {name[:40]!r}", f"send only {', '.join(P.FILES)}")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != P.CONTENT_TYPE:
        raise Refused(P.UNSUPPORTED_TYPE, f"Content-Type {ctype[:40]!r}", f"send {P.CONTENT_TYPE}")
    start, length, total = _range(request.headers)
    sha = request.headers.get(P.HEADER_SHA256, "")
    if not P.SHA256_RE.match(sha):
        raise Refused(P.BAD_REQUEST, f"missing or malformed {P.HEADER_SHA256}", "send the whole file's SHA-256 (hex)")
    if total > P.MAX_FILE_BYTES[name]:
        raise Refused(P.TOO_LARGE, f"{name} of {total} bytes is larger than {P.MAX_FILE_BYTES[name]}",
                      "this is not a footmat session file")
    if length > P.MAX_CHUNK_BYTES:
        raise Refused(P.TOO_LARGE, f"a chunk holds at most {P.MAX_CHUNK_BYTES} bytes", "send smaller chunks")
    if await run_in_threadpool(_stored, ctx, ident):
        return JSONResponse({"identity": ident, "state": P.STATE_STORED, "already": True})
    body = await _body(request, P.MAX_CHUNK_BYTES)
    if len(body) != length:
        raise Refused(P.BAD_REQUEST, f"the chunk has {len(body)} bytes, the range says {length}",
                      "send exactly the bytes of the range")

    def write():
        with _lock(ident):
            root = _root(ctx)
            if _stored(ctx, ident):
                return {"identity": ident, "state": P.STATE_STORED, "already": True}
            partial = _dir(root, "partial", create=True)
            part = _dir(root, "partial", ident)
            if not part.is_dir():
                if sum(1 for _ in partial.iterdir()) >= P.MAX_PARTIAL_UPLOADS:
                    _drop_stale(partial)
                if sum(1 for _ in partial.iterdir()) >= P.MAX_PARTIAL_UPLOADS:
                    raise Refused(P.TOO_MANY, "too many unfinished uploads on this server",
                                  "finish or delete the others first")
            st = _state(part, name) if part.is_dir() else None
            got = _received(part, name) if st is not None else 0
            if st is not None and (st["total"] != total or st["sha256"] != sha):
                raise Refused(P.CONFLICT, f"{name} was announced with another size or SHA-256",
                              "DELETE the upload and send it again", received=got)
            if start != got:
                raise Refused(P.CONFLICT, f"{name} stands at byte {got}, not {start}", f"resume at byte {got}",
                              received=got)
            part = _dir(root, "partial", ident, create=True)
            if st is None:
                atomic_write_json(part / f"{name}.state", {"total": total, "sha256": sha})
            fd = os.open(part / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            try:
                if os.fstat(fd).st_size != got:
                    raise Refused(P.CONFLICT, f"{name} changed under this upload", "send it again", received=got)
                os.write(fd, body) if body else None
                os.fsync(fd)
            finally:
                os.close(fd)
            got += len(body)
            complete = got == total
            if complete and _sha_file(part / name) != sha:
                _drop_file(part, name)
                raise Refused(P.INVALID, f"{name}'s SHA-256 is not the one announced", "send the file again from 0",
                              received=0)
            return {"identity": ident, "state": P.STATE_PARTIAL, "file": name, "received": got, "total": total,
                    "complete": complete}
    return JSONResponse(await run_in_threadpool(write))


def check_session(folder: Path, identity: str) -> None:
    """The commit's checks of an uploaded folder (raises Refused 422): a valid, whole session read
    back by the product's reader, within the field limits, whose identity is ``identity``."""
    from trainer.sessions import format as sfmt
    from trainer.sessions import reader
    from trainer.store.identity import session_identity

    def bad(what):
        raise Refused(P.INVALID, what, "send a footmat session folder, unchanged")

    if b"\x00" in (folder / sfmt.META_FILE).read_bytes():
        bad("session.json holds NUL bytes")
    # trace.csv and events.csv: NUL bytes only as a power cut leaves them (to the end of the file,
    # after the last whole record), which the reader reads as a torn last line; anywhere else the
    # reader refuses them. A session killed mid-recording (a torn last line) is a session: sync
    # sends it once it has settled, and its identity leaves the torn line out.
    if (folder / sfmt.REPORT_FILE).exists() and (folder / sfmt.REPORT_FILE).read_bytes()[:8] != _PNG:
        bad("report.png is not a PNG image")
    try:
        sf = reader.open_session(folder)
        for _ in reader.iter_rows(sf):
            pass
    except DataFileError as e:       # said without this server's paths
        bad(f"not a valid session: {e.what.replace(str(folder) + os.sep, '').replace(str(folder), 'the upload')[:200]}")
    except RecursionError:
        bad("session.json is nested too deeply")
    meta = sf.meta
    if not _DRILL.match(meta["drill"]):
        bad(f"drill {meta['drill'][:40]!r} is not a drill name")
    name = meta["person"].get("name")
    if name is not None and (not isinstance(name, str) or len(name) > P.MAX_TEXT_FIELD):
        bad(f"the person's name is not a name (at most {P.MAX_TEXT_FIELD} characters)")
    pid = meta.get("person_id")
    if pid is not None and not (isinstance(pid, str) and _PERSON_ID.match(pid)):
        bad("person_id is not a person id (32 hex digits)")
    if len(meta["started_at"]) > 64:
        bad("started_at is too long")
    if session_identity(folder) != identity:
        bad("the files' identity is not the one in the URL")


async def commit(request: Request):
    ctx = request.app.state.ctx
    ident = _identity(request)

    def run():
        with _lock(ident):
            root = _root(ctx)
            if _stored(ctx, ident):
                return P.OK, {"identity": ident, "state": P.STATE_STORED, "already": True}
            part = _dir(root, "partial", ident)
            if not part.is_dir():
                raise Refused(P.CONFLICT, "nothing of this session has arrived", "PUT its files first",
                              missing=list(P.REQUIRED_FILES))
            missing = []
            for name in P.FILES:
                st = _state(part, name)
                if st is None:
                    if name in P.REQUIRED_FILES:
                        missing.append(name)
                elif _received(part, name) != st["total"]:
                    missing.append(name)
            if missing:
                raise Refused(P.CONFLICT, f"not every file is complete: {', '.join(missing)}",
                              "send the rest, then commit", missing=missing)
            for name in P.FILES:                      # the folder holds the session's files only
                try:
                    (part / f"{name}.state").unlink()
                except FileNotFoundError:
                    pass
            unknown = [p.name for p in part.iterdir() if p.name not in P.FILES or p.is_symlink()]
            try:
                if unknown:
                    raise Refused(P.INVALID, "the upload holds files that are not a session's", "send it again")
                check_session(part, ident)
            except Refused:
                shutil.rmtree(part, ignore_errors=True)
                raise
            final = _dir(root, "sessions", create=True) / ident
            os.rename(part, final)
            try:
                store_of(ctx).index_folder(final, ident)
            except BaseException:
                os.rename(final, part)
                raise
            return P.CREATED, {"identity": ident, "state": P.STATE_STORED, "already": False}

    status, body = await run_in_threadpool(run)
    return JSONResponse(body, status_code=status)


async def drop(request: Request):
    ctx = request.app.state.ctx
    ident = _identity(request)

    def run():
        with _lock(ident):
            if _stored(ctx, ident):
                raise Refused(P.CONFLICT, "a stored session is never deleted through the upload API",
                              "nothing to do: it is stored")
            part = _dir(_root(ctx), "partial", ident)
            if part.is_dir():
                shutil.rmtree(part)
    await run_in_threadpool(run)
    return Response(status_code=P.NO_CONTENT)


async def people(request: Request):
    ctx = request.app.state.ctx

    def run():
        store = store_of(ctx)
        store.refresh_people()
        return [{k: p[k] for k in ("person_id", "name", "levels", "caps", "profile")} for p in store.people()]
    return JSONResponse({"people": await run_in_threadpool(run)})


MAX_PEOPLE_BODY = 8 * 1024 * 1024
_PEOPLE_LOCK = threading.Lock()


async def post_people(request: Request):
    """A mat's people (protocol.py): written as person files here by the sync helper's
    :func:`trainer.store.sync.accept_people`, then entered in the store."""
    ctx = request.app.state.ctx
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise Refused(P.UNSUPPORTED_TYPE, f"Content-Type {ctype[:40]!r}", "send application/json")
    raw = await _body(request, MAX_PEOPLE_BODY)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(P.BAD_REQUEST, "the body is not JSON", 'send {"people": [...]}') from None

    def run():
        from firmware.errors import UsageError

        from trainer.store.sync import accept_people

        with _PEOPLE_LOCK:
            try:
                got = accept_people(body)
            except UsageError as e:
                raise Refused(P.INVALID, e.what, getattr(e, "fix", "") or "") from None
            store_of(ctx).refresh_people()
            return got
    return JSONResponse(await run_in_threadpool(run))


def routes(ctx) -> list:
    return [
        Route(P.SESSION_PATH, _answer(session_state), methods=["GET"]),
        Route(P.SESSION_PATH, _answer(drop), methods=["DELETE"]),
        Route(P.COMMIT_PATH, _answer(commit), methods=["POST"]),
        Route(P.FILE_PATH, _answer(put_file), methods=["PUT"]),
        Route(P.PEOPLE_PATH, _answer(people), methods=["GET"]),
        Route(P.PEOPLE_PATH, _answer(post_people), methods=["POST"]),
    ]
