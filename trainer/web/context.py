"""What every part of ``footmat serve`` shares: :class:`AppContext`.

One context per app (``create_app(ctx)``): the home folder it serves, the session index (the
store, once trainer.store has landed; ``None`` uses the history), the auth state (pairing code,
paired devices, rate limits: all per app, so two apps in one process never share a lockout),
the write log, and the settings of this bind (LAN or not, TLS, allowed WebSocket origins).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_ENV = "FOOTMAT_SERVE_TOKEN"
MIN_TOKEN_CHARS = 16


@dataclass
class AppContext:
    home: Path
    auth: "object"                      # trainer.web.auth.AuthState
    write_log: "object"                 # trainer.web.auth.WriteLog
    store: object | None = None         # trainer.store's Store once it lands; None: the history index
    lan: bool = False                   # bound beyond 127.0.0.1 (--lan)
    tls: bool = False                   # served over https (--cert/--key): cookies are Secure
    allowed_origins: tuple[str, ...] = ()   # extra Origins allowed on WebSockets and writes (a proxy's)
    token: str | None = None            # the fixed bearer token (FOOTMAT_SERVE_TOKEN), None: none
    port: int | None = None             # the port served on (for the URL in the QR code)
    settings: dict = field(default_factory=dict)   # room for the other parts (live, upload)

    @property
    def serve_dir(self) -> Path:
        """Where serve keeps its own files: paired devices and the write log."""
        return self.home / "serve"


def make_context(home: Path | None = None, *, lan: bool = False, tls: bool = False, token: str | None = None,
                 allowed_origins: tuple[str, ...] = (), store=None, port: int | None = None,
                 say=None) -> AppContext:
    """A context for ``home`` (default $FOOTMAT_HOME); the token defaults to $FOOTMAT_SERVE_TOKEN."""
    from firmware.errors import UsageError

    from trainer.sessions import home as homes
    from trainer.web.auth import AuthState, WriteLog

    h = Path(home) if home is not None else homes.home()
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise UsageError(f"{TOKEN_ENV} is {len(token)} characters long",
                         f"use a random token of at least {MIN_TOKEN_CHARS} characters "
                         "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    auth = AuthState(h / "serve", say=say)
    return AppContext(home=h, auth=auth, write_log=WriteLog(h / "serve" / "writes.log"), store=store, lan=lan,
                      tls=tls, allowed_origins=tuple(o.rstrip("/") for o in allowed_origins), token=token,
                      port=port)
