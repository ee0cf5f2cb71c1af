"""The JSON API: ``GET /api/sessions``, ``/api/sessions/{id}``, ``/api/people``, ``/api/people/{id}``.

The session index is read through ONE function, :func:`session_rows` (trainer.store's ``Store``:
the clinic's database with ``--db``, else this home's SQLite history).
"""
from __future__ import annotations

import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from trainer.web import auth

_refresh_lock = threading.Lock()


REFRESH_EVERY_S = 2.0          # the index is reconciled with the folders at most this often


def session_rows(ctx, person: str | None = None) -> list[dict]:
    """The sessions this server shows, oldest first, each with its ``id`` (its folder's name): the
    mat's own (``$FOOTMAT_HOME/sessions``) and, on a clinic's server, the uploaded ones.

    The one place that reads the session index: trainer.store's ``Store`` (``ctx.store`` with
    ``--db``, else this home's SQLite history, shared with the upload API)."""
    import time

    from trainer.web.upload import store_of

    store = store_of(ctx)
    with _refresh_lock:
        last = ctx.settings.get("index_refreshed_at", -1e9)
        if time.monotonic() - last > REFRESH_EVERY_S:
            store.refresh()
            ctx.settings["index_refreshed_at"] = time.monotonic()
    rows = store.sessions(person=person)
    roots = set(auth.session_roots(ctx))
    out = []
    for r in rows:
        folder = Path(r.get("folder") or "")
        if not r.get("present", True) or folder.parent not in roots:
            continue
        row = {"id": folder.name, **{k: v for k, v in r.items() if k not in ("folder", "summary")}}
        out.append(row)
    return out


def people_rows(ctx) -> list[dict]:
    from trainer.sessions import people

    out = []
    for name in people.names():
        try:
            out.append(people.load(name).to_dict())
        except Exception as e:            # a damaged person file is listed as such, never a 500
            out.append({"name": name, "error": getattr(e, "what", str(e))})
    return out


def find_person(ctx, ident: str) -> dict:
    """A person by name or by person_id, or 404."""
    from trainer.sessions import people

    if len(ident) == 32 and all(c in "0123456789abcdef" for c in ident):
        for p in people_rows(ctx):
            if p.get("person_id") == ident:
                return p
        raise HTTPException(404, "no such person")
    name = auth.person_name(ident)
    try:
        return people.load(name).to_dict()
    except Exception:
        raise HTTPException(404, "no such person") from None


def session_detail(ctx, session_id: str) -> dict:
    from trainer.sessions.format import load_meta

    folder = auth.session_dir(ctx, session_id)
    try:
        meta = load_meta(folder)
    except Exception as e:
        raise HTTPException(422, f"session {session_id} cannot be read ({getattr(e, 'what', e)})") from None
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    return {"id": session_id, "session": meta, "files": files,
            "links": {"report_png": f"/sessions/{session_id}/report.png",
                      "report_pdf": f"/sessions/{session_id}/report.pdf",
                      "exports": {f: f"/sessions/{session_id}/export.{f}" for f in ("csv", "json", "c3d")}}}


def routes(ctx) -> list:
    async def sessions(request: Request):
        person = request.query_params.get("person")
        if person is not None:
            person = auth.person_name(person)
        return JSONResponse({"sessions": await run_in_threadpool(session_rows, ctx, person)})

    async def session(request: Request):
        return JSONResponse(await run_in_threadpool(session_detail, ctx, request.path_params["id"]))

    async def people_list(request: Request):
        return JSONResponse({"people": await run_in_threadpool(people_rows, ctx)})

    async def person(request: Request):
        p = await run_in_threadpool(find_person, ctx, request.path_params["id"])
        rows = await run_in_threadpool(session_rows, ctx, p["name"])
        return JSONResponse({"person": p, "sessions": rows})

    return [
        Route("/api/sessions", sessions, methods=["GET"]),
        Route("/api/sessions/{id}", session, methods=["GET"]),
        Route("/api/people", people_list, methods=["GET"]),
        Route("/api/people/{id}", person, methods=["GET"]),
    ]
