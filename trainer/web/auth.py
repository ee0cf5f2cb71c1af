"""Who may use ``footmat serve``: pairing, the fixed token, CSRF, Origin checks, rate limits,
id validation, the write log and revocation.

Without pairing, three things are served (:func:`is_open`): the pairing page ``GET /pair``, its
own assets ``GET /pair/assets/<name>`` and the code exchange ``POST /pair/exchange``. Everything
else answers 401 (the API, writes, WebSockets) or redirects a browser to ``/pair``.

- **Pairing.** A one-time code of 8 digits (shown in the terminal, and on the pairing page with
  its QR code only to a browser on the mat itself: loopback client *and* a loopback Host) is
  exchanged for a device: a random 256-bit token in an HttpOnly, SameSite=Strict cookie. Only the
  token's SHA-256 is stored (``$FOOTMAT_HOME/serve/devices.json``, written atomically). A used
  code is replaced at once; an unused one after :data:`CODE_TTL_S`.
- **Fixed token.** ``Authorization: Bearer $FOOTMAT_SERVE_TOKEN`` (automation, ``footmat sync``);
  compared in constant time. A wrong bearer header is refused, never mixed with a cookie.
- **CSRF.** Every cookie-authenticated write (any method but GET/HEAD/OPTIONS) carries the
  device's CSRF token (``X-CSRF-Token`` header or a ``csrf`` form field) and, when the browser
  sends one, a same-origin ``Origin``. Bearer requests need neither (a browser never adds them).
- **Origin check** on WebSockets: :func:`authenticate_websocket`.
- **Rate limiting** of code attempts: :data:`MAX_TRIES_PER_CODE` wrong tries kill a code (a new
  one is made and shown), and a client with :data:`MAX_FAILS_PER_CLIENT` wrong tries within
  :data:`CLIENT_WINDOW_S` gets 429 until the window has passed; :data:`MAX_FAILS_ALL` wrong tries
  from all clients within :data:`GLOBAL_WINDOW_S` pause pairing for everyone (many addresses do not
  multiply the guesses: at most 43 200 a day against a 10⁸ code space). All state is per app.
- **Host check.** Bound to 127.0.0.1 (no ``--lan``), only a loopback client asking for a loopback
  Host (or the host of an ``--allow-origin``: a reverse proxy) is served, so a web page elsewhere
  cannot reach the server through DNS rebinding.
- **Ids** of sessions and people are checked against a strict pattern and resolved strictly
  inside their folder (:func:`session_dir`, :func:`person_name`): no path traversal.
- **Write log.** Every write (pairing, revocation, levels and caps) is a JSON line in
  ``$FOOTMAT_HOME/serve/writes.log``: when, who (device or token), what, before and after.
- **Revocation.** A device can be revoked (``POST /devices/<id>/revoke``, or ``/logout`` for
  itself); ``footmat serve --revoke-all`` revokes them all. A running server sees a revocation
  made by another process (the devices file is re-read when it changes).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from firmware.fileio import atomic_write_json

COOKIE = "footmat_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
CODE_DIGITS = 8
CODE_TTL_S = 600.0
MAX_TRIES_PER_CODE = 5
MAX_FAILS_PER_CLIENT = 10
CLIENT_WINDOW_S = 900.0
MAX_FAILS_ALL = 30               # wrong codes from all clients together per GLOBAL_WINDOW_S: many
GLOBAL_WINDOW_S = 60.0           # addresses (a LAN, IPv6) cannot multiply the guesses
MAX_FORM_BYTES = 64 * 1024
COOKIE_MAX_AGE_S = 180 * 24 * 3600
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PAIR_ASSETS = ("pair.css", "footmat.css")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
_DEVICE_ID = re.compile(r"^[0-9a-f]{16}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),   # not no-referrer: that makes a form's Origin "null"
    (b"cache-control", b"no-store"),
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the write log
class WriteLog:
    """Every write serve makes, one JSON line each, appended and synced."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, who: str, what: str, **detail) -> None:
        line = json.dumps({"at": now_iso(), "who": who, "what": what, **detail}, ensure_ascii=False,
                          sort_keys=True, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())

    def entries(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


# --------------------------------------------------------------------------- paired devices
class Devices:
    """Paired devices, ``devices.json``: id → name, created_at, client, token_sha256.

    Re-read whenever the file changes on disk, so ``footmat serve --revoke-all`` (another process)
    takes effect on a running server at its next request."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = None
        self._devices: dict[str, dict] = {}

    def _file_stamp(self):
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def _load(self) -> dict[str, dict]:
        stamp = self._file_stamp()
        if stamp != self._stamp:
            devices = {}
            if stamp is not None:
                try:
                    d = json.loads(self.path.read_text(encoding="utf-8"))
                    for k, v in (d.get("devices") or {}).items():
                        if _DEVICE_ID.match(k) and isinstance(v, dict) and isinstance(v.get("token_sha256"), str):
                            devices[k] = v
                except (OSError, ValueError, AttributeError, UnicodeDecodeError):
                    devices = {}          # a damaged file pairs nobody (fail closed); it is rewritten on the next pairing
            self._devices, self._stamp = devices, stamp
        return self._devices

    def _save(self, devices: dict) -> None:
        atomic_write_json(self.path, {"version": 1, "devices": devices})
        self._devices, self._stamp = devices, self._file_stamp()

    def all(self) -> dict[str, dict]:
        with self._lock:
            return {k: dict(v) for k, v in self._load().items()}

    def add(self, name: str, client: str) -> tuple[str, str]:
        """A new device → (device id, its token); only the token's hash is kept."""
        device_id, token = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._lock:
            devices = dict(self._load())
            devices[device_id] = {"name": name[:80], "client": client, "created_at": now_iso(),
                                  "token_sha256": _sha(token)}
            self._save(devices)
        return device_id, token

    def check(self, device_id: str, token: str) -> dict | None:
        if not (_DEVICE_ID.match(device_id) and _TOKEN.match(token)):
            return None
        with self._lock:
            dev = self._load().get(device_id)
        if dev is None or not hmac.compare_digest(dev["token_sha256"], _sha(token)):
            return None
        return dev

    def revoke(self, device_id: str) -> bool:
        with self._lock:
            devices = dict(self._load())
            if device_id not in devices:
                return False
            del devices[device_id]
            self._save(devices)
        return True

    def revoke_all(self) -> int:
        with self._lock:
            devices = self._load()
            n = len(devices)
            if n or self.path.exists():
                self._save({})
        return n


# --------------------------------------------------------------------------- pairing codes and rate limits
class AuthState:
    """The pairing code, the paired devices and the rate limits of one app."""

    def __init__(self, serve_dir: Path, say=None, clock=time.monotonic):
        self.devices = Devices(Path(serve_dir) / "devices.json")
        self.say = say
        self.clock = clock
        self._lock = threading.Lock()
        self._code: str | None = None
        self._code_made = 0.0
        self._code_tries = 0
        self._fails: dict[str, list[float]] = {}
        self._all_fails: list[float] = []

    def _new_code(self, why: str | None = None) -> None:
        self._code = "".join(str(secrets.randbelow(10)) for _ in range(CODE_DIGITS))
        self._code_made, self._code_tries = self.clock(), 0
        if self.say:
            self.say(f"pairing code{' (' + why + ')' if why else ''}: {format_code(self._code)}")

    def code(self) -> str:
        """The current one-time code (a new one when it has expired)."""
        with self._lock:
            if self._code is None:
                self._new_code()
            elif self.clock() - self._code_made > CODE_TTL_S:
                self._new_code("the last one expired")
            return self._code

    def blocked_for(self, client: str) -> float:
        """Seconds until ``client`` may try a code again (0: now)."""
        with self._lock:
            t = self.clock()
            fails = [f for f in self._fails.get(client, []) if t - f < CLIENT_WINDOW_S]
            self._fails[client] = fails
            if not fails:
                self._fails.pop(client, None)
            if len(fails) >= MAX_FAILS_PER_CLIENT:
                return max(1.0, CLIENT_WINDOW_S - (t - fails[0]))
            self._all_fails = [f for f in self._all_fails if t - f < GLOBAL_WINDOW_S]
            if len(self._all_fails) >= MAX_FAILS_ALL:
                return max(1.0, GLOBAL_WINDOW_S - (t - self._all_fails[0]))
            return 0.0

    def try_code(self, client: str, given: str) -> str:
        """'ok' (the code is used up and replaced), 'wrong' or 'blocked'."""
        if self.blocked_for(client):
            return "blocked"
        digits = re.sub(r"[\s-]", "", given or "")[:64]
        current = self.code()
        with self._lock:
            if self._code == current and hmac.compare_digest(digits.encode(), current.encode()) \
                    and self._code_tries < MAX_TRIES_PER_CODE:
                self._new_code("the last one was used")
                return "ok"
            t = self.clock()
            if len(self._fails) > 10_000:          # many clients (addresses are cheap): forget the stale ones
                self._fails = {c: f for c, f in self._fails.items() if f and t - f[-1] < CLIENT_WINDOW_S}
            fails = self._fails.setdefault(client, [])
            fails.append(t)
            self._all_fails.append(t)
            if len(self._all_fails) == MAX_FAILS_ALL and self.say:
                self.say(f"pairing: {MAX_FAILS_ALL} wrong codes within {GLOBAL_WINDOW_S:.0f} s from "
                         f"{len({c for c, f in self._fails.items() if f and t - f[-1] < GLOBAL_WINDOW_S})} client(s); "
                         "pairing paused for a minute")
            if len(fails) == MAX_FAILS_PER_CLIENT and self.say:
                self.say(f"pairing: {client} gave {MAX_FAILS_PER_CLIENT} wrong codes; refused for "
                         f"{CLIENT_WINDOW_S / 60:.0f} minutes")
            if self._code == current:
                self._code_tries += 1
                if self._code_tries >= MAX_TRIES_PER_CODE:
                    self._new_code(f"{MAX_TRIES_PER_CODE} wrong tries")
        return "wrong"


def format_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


# --------------------------------------------------------------------------- identities
@dataclass(frozen=True)
class Identity:
    kind: str                 # "token" or "device"
    device_id: str | None = None
    csrf: str | None = None   # the device's CSRF token (None for the bearer token: no CSRF needed)

    @property
    def who(self) -> str:
        return f"device {self.device_id}" if self.kind == "device" else "token"


def csrf_for(device: dict) -> str:
    """A device's CSRF token: derived from its token's hash, which never leaves the server."""
    return hmac.new(bytes.fromhex(device["token_sha256"]), b"footmat csrf", hashlib.sha256).hexdigest()[:40]


def _headers(scope) -> dict[str, str]:
    out = {}
    for k, v in scope.get("headers") or ():
        try:
            out[k.decode("latin-1").lower()] = v.decode("latin-1")
        except (AttributeError, UnicodeDecodeError):
            continue
    return out


def _cookie(headers: dict, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    try:
        c = SimpleCookie()
        c.load(raw)
    except Exception:
        return None
    m = c.get(name)
    return m.value if m is not None else None


def client_of(scope) -> str:
    c = scope.get("client")
    return str(c[0]) if c else "unknown"


def is_loopback_client(scope) -> bool:
    c = client_of(scope)
    if c in ("testclient",):          # Starlette's TestClient: in-process, no network
        return True
    try:
        return ipaddress.ip_address(c).is_loopback
    except ValueError:
        return False


def host_name(headers: dict) -> str:
    host = headers.get("host", "").strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def is_loopback_host(headers: dict) -> bool:
    return host_name(headers) in LOOPBACK_HOSTS


def served_here(ctx, scope, headers: dict) -> bool:
    """With --lan: every request. Without: a loopback client asking for a loopback Host, or for the
    host of an --allow-origin (a reverse proxy on this machine passing the public Host on)."""
    if ctx.lan:
        return True
    if not is_loopback_client(scope):
        return False
    host = host_name(headers)
    if host in LOOPBACK_HOSTS:
        return True
    from urllib.parse import urlsplit

    return any((urlsplit(o).hostname or "").lower() == host for o in ctx.allowed_origins)


def identify(ctx, scope) -> Identity | None | bool:
    """The identity of a request: an Identity, None (nobody), or False (a bearer header that is wrong)."""
    headers = _headers(scope)
    auth = headers.get("authorization")
    if auth is not None:
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not ctx.token:
            return False
        if hmac.compare_digest(given.strip().encode("utf-8", "replace"), ctx.token.encode("utf-8")):
            return Identity("token")
        return False
    raw = _cookie(headers, COOKIE)
    if raw:
        device_id, _, token = raw.partition(".")
        dev = ctx.auth.devices.check(device_id, token)
        if dev is not None:
            return Identity("device", device_id, csrf_for(dev))
    return None


def origin_ok(ctx, headers: dict, scheme: str) -> bool:
    """Is the request's Origin this server (same scheme and Host) or one of ctx.allowed_origins?"""
    origin = headers.get("origin", "").rstrip("/").lower()
    if not origin:
        return False
    host = headers.get("host", "").lower()
    http = "https" if scheme in ("https", "wss") else "http"
    return origin == f"{http}://{host}" or origin in {o.lower() for o in ctx.allowed_origins}


def authenticate_websocket(ctx, websocket) -> bool:
    """May this WebSocket be accepted? The bearer token (Origin checked when sent), or a paired
    device's cookie with an Origin that is this server (a page elsewhere cannot use the cookie)."""
    scope = websocket.scope if hasattr(websocket, "scope") else websocket
    headers = _headers(scope)
    if not served_here(ctx, scope, headers):
        return False
    ident = identify(ctx, scope)
    if not ident:
        return False
    scheme = scope.get("scheme", "ws")
    if ident.kind == "token":
        return "origin" not in headers or origin_ok(ctx, headers, scheme)
    return origin_ok(ctx, headers, scheme)


def is_open(method: str, path: str) -> bool:
    """The three things served without pairing: the pairing page, its assets, the code exchange."""
    if path == "/pair":
        return method in ("GET", "HEAD")
    if path == "/pair/exchange":
        return method == "POST"
    if path.startswith("/pair/assets/"):
        return method in ("GET", "HEAD") and path[len("/pair/assets/"):] in PAIR_ASSETS
    return False


# --------------------------------------------------------------------------- ids
def session_roots(ctx) -> list[Path]:
    """Where sessions shown by serve live: the mat's own, then the uploads a clinic's server stored."""
    from trainer.store.query import upload_root

    return [(ctx.home / "sessions").resolve(), (upload_root(ctx.home) / "sessions").resolve()]


def session_dir(ctx, session_id: str) -> Path:
    """The folder of session ``session_id`` (its folder's name in one of :func:`session_roots`), or 404."""
    from starlette.exceptions import HTTPException

    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id) or ".." in session_id:
        raise HTTPException(404, "no such session")
    for root in session_roots(ctx):
        p = root / session_id
        if p.is_symlink():
            continue                                   # never follow a link out of the folder
        try:
            resolved = p.resolve()
        except (OSError, RuntimeError):
            continue
        if resolved.parent == root and (resolved / "session.json").is_file():
            return resolved
    raise HTTPException(404, "no such session")


def person_name(name: str) -> str:
    """A person's name from a URL, checked as the person files check it, or 404."""
    from starlette.exceptions import HTTPException

    from trainer.sessions import people

    try:
        people.check_name(name)
    except Exception:
        raise HTTPException(404, "no such person") from None
    if ".." in name:
        raise HTTPException(404, "no such person")
    return name


# --------------------------------------------------------------------------- the middleware
async def _send_simple(send, status: int, body: bytes, ctype: bytes, extra=()):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS, *extra]})
    await send({"type": "http.response.body", "body": body})


def _json_error(status: int, what: str) -> bytes:
    return json.dumps({"error": what, "status": status}).encode()


class AuthMiddleware:
    """Every request: Host check, identity, 401/redirect for the unpaired, CSRF and Origin on
    cookie-authenticated writes, security headers on every answer."""

    def __init__(self, app, ctx):
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope, receive, send):
        kind = scope.get("type")
        if kind == "lifespan":
            return await self.app(scope, receive, send)
        ctx = self.ctx
        headers = _headers(scope)
        path = scope.get("path", "")
        if kind == "websocket":
            if not authenticate_websocket(ctx, scope):
                await send({"type": "websocket.close", "code": 1008})
                return
            scope.setdefault("state", {})["identity"] = identify(ctx, scope)
            return await self.app(scope, receive, send)
        if kind != "http":
            return
        method = scope.get("method", "GET").upper()
        if not served_here(ctx, scope, headers):
            return await _send_simple(send, 400, _json_error(400, "this server answers on localhost only "
                                                                  "(start it with --lan to reach it from the network)"),
                                      b"application/json")
        ident = identify(ctx, scope)
        if ident is False:
            return await _send_simple(send, 401, _json_error(401, "bad bearer token"), b"application/json",
                                      [(b"www-authenticate", b'Bearer realm="footmat"')])
        if ident is None and not is_open(method, path):
            wants_html = "text/html" in headers.get("accept", "")
            if method in ("GET", "HEAD") and not path.startswith("/api/") and wants_html:
                return await _send_simple(send, 303, b"", b"text/plain", [(b"location", b"/pair")])
            return await _send_simple(send, 401, _json_error(401, "not paired: open /pair on this server"),
                                      b"application/json", [(b"www-authenticate", b'Bearer realm="footmat"')])
        scope.setdefault("state", {})["identity"] = ident or None
        if ident and ident.kind == "device" and method not in SAFE_METHODS:
            if "origin" in headers and not origin_ok(ctx, headers, scope.get("scheme", "http")):
                return await _send_simple(send, 403, _json_error(403, "cross-origin write refused"),
                                          b"application/json")
            given = headers.get(CSRF_HEADER)
            if given is None and headers.get("content-type", "").split(";")[0].strip() == \
                    "application/x-www-form-urlencoded":
                body = await _read_body(receive, MAX_FORM_BYTES)
                if body is None:
                    return
                if body is False:
                    return await _send_simple(send, 413, _json_error(413, "form too large"), b"application/json")
                try:
                    fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
                except (UnicodeDecodeError, ValueError):
                    fields = {}
                given = (fields.get(CSRF_FIELD) or [None])[0]
                receive = _replay(body, receive)
            if not given or not hmac.compare_digest(given.encode("utf-8", "replace"), ident.csrf.encode()):
                return await _send_simple(send, 403, _json_error(403, "missing or wrong CSRF token: reload the page"),
                                          b"application/json")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": list(message.get("headers", []))
                           + [h for h in SECURITY_HEADERS if h[0] not in have]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


async def _read_body(receive, limit: int):
    chunks, size = [], 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > limit:
            return False
        chunks.append(chunk)
        if not msg.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def read_body(request, limit: int = MAX_FORM_BYTES) -> bytes:
    """The request's body, or 413 once it passes ``limit`` bytes (never read whole into memory first)."""
    from starlette.exceptions import HTTPException

    try:
        declared = int(request.headers.get("content-length", "0") or 0)
    except ValueError:
        raise HTTPException(400, "bad Content-Length") from None
    if declared > limit:
        raise HTTPException(413, f"more than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request, limit: int = MAX_FORM_BYTES, max_fields: int = 100) -> dict[str, list[str]]:
    """A urlencoded form, bounded: field → its values; 400/413/415 when it is not one."""
    from starlette.exceptions import HTTPException

    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send a form (application/x-www-form-urlencoded)")
    body = await read_body(request, limit)
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "unreadable form") from None


def identity_of(request) -> Identity | None:
    return getattr(request.state, "identity", None)


def cookie_header(ctx, device_id: str, token: str) -> str:
    parts = [f"{COOKIE}={device_id}.{token}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={COOKIE_MAX_AGE_S}"]
    if ctx.tls:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie_header(ctx) -> str:
    return f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + ("; Secure" if ctx.tls else "")
