"""``footmat serve``'s ASGI app: :func:`create_app`.

Routes come from the modules named in :data:`ROUTE_MODULES` (each ``trainer.web.<name>`` has
``routes(ctx) -> list`` of Starlette routes); add a module by adding its name to that one tuple.
Every request passes :class:`trainer.web.auth.AuthMiddleware` first (pairing, token, CSRF, Host).
"""
from __future__ import annotations

import importlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from firmware.errors import FootmatError

from trainer.web.auth import AuthMiddleware
from trainer.web.context import AppContext

ROUTE_MODULES = ("pairing", "pages", "api", "live", "upload")

log = logging.getLogger("footmat.serve")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def _error(request: Request, status: int, what: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": what, "status": status}, status_code=status)
    from trainer.web.templating import page

    return HTMLResponse(page(f"{status}", f"<h1>{status}</h1><p>{_esc(what)}</p>", request=request),
                        status_code=status)


def _esc(text) -> str:
    import html

    return html.escape(str(text))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code)
    return _error(request, exc.status_code, exc.detail or "error")


async def _footmat_error(request: Request, exc: FootmatError) -> Response:
    what = getattr(exc, "what", None) or str(exc)
    fix = getattr(exc, "fix", None)
    return _error(request, 400, f"{what}" + (f" ({fix})" if fix else ""))


def _lifespan(ctx: AppContext, modules):
    """A route module's optional ``startup(ctx)`` / ``shutdown(ctx)`` coroutines run with the app
    (the live mirror's listener)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        for m in modules:
            if hasattr(m, "startup"):
                await m.startup(ctx)
        try:
            yield
        finally:
            for m in reversed(modules):
                if hasattr(m, "shutdown"):
                    await m.shutdown(ctx)
    return lifespan


def create_app(ctx: AppContext) -> Starlette:
    routes = []
    modules = [importlib.import_module(f"trainer.web.{name}") for name in ROUTE_MODULES]
    for m in modules:
        routes.extend(m.routes(ctx))
    app = Starlette(routes=routes, middleware=[Middleware(AuthMiddleware, ctx=ctx)],
                    exception_handlers={HTTPException: _http_error, FootmatError: _footmat_error},
                    lifespan=_lifespan(ctx, modules))
    app.router.redirect_slashes = False          # "/api/sessions/" is not a route: 404, not a 307 to somewhere
    app.state.ctx = ctx
    return app
