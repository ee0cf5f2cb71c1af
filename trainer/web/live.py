"""The live mirror (PRODUCT.md §10): the drill in progress on this ``FOOTMAT_HOME``, streamed to a
coach's browser.

- A drill (``footmat drill``, ``footmat today``) publishes its view state as datagrams on
  ``$FOOTMAT_HOME/run/live.sock`` (:mod:`trainer.app.publish`: why a Unix datagram socket, what the
  messages hold). :class:`LiveHub` binds that socket (the folder 0700, the socket 0600), reads it
  in the event loop (``add_reader``: no thread, no polling), keeps the newest ``hello`` (the
  geometry) and state, and hands each message to every client. While at least one client is
  connected it keeps ``run/live.watched``: a drill builds and sends states only then (a server
  nobody watches costs the mat nothing either).
- ``/api/live`` is a WebSocket: authenticated as the rest of the app
  (:func:`trainer.web.auth.authenticate_websocket`: the bearer token, or a paired device's cookie
  with this server as its Origin; a wrong Origin is refused), it gets the newest hello and state at
  once, then every message as it arrives (30–40 a second while a drill runs). A slow client never
  holds the others up: each has a small queue of its own (:data:`CLIENT_QUEUE_N` states), the
  oldest dropped first; a hello is never dropped.
- ``/live`` is the page that draws it on a <canvas> (``static/live.js``, ``static/live.css``):
  the feet and their sensors filling with load, each foot's CoP, the whole-body CoP, the target
  ring and path, the cue and the drill's counter, in the mat view's own geometry (the hello).
- ``/api/live/status``: whether the hub listens, what it has received, how many watch.

The hub starts with the app's lifespan (:func:`startup` / :func:`shutdown`) or, at the latest, at
the first request to the mirror; it removes its socket when it stops. A second server on the same
home finds the socket live and leaves it alone (the mirror goes to the first).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import threading
import time
from collections import deque
from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from trainer.app.publish import SocketAddress, run_dir, socket_path, watched_path

CLIENT_QUEUE_N = 4          # states waiting for one slow browser; the oldest dropped first
MAX_DATAGRAM = 256 * 1024
STATIC = Path(__file__).resolve().parent / "static"
ASSETS = ("live.js", "live.css")
HUB_KEY = "live_hub"

log = logging.getLogger("footmat.serve")


class LiveClient:
    """One watcher: the hello to send next (never dropped) and its newest states (bounded)."""

    def __init__(self, n: int = CLIENT_QUEUE_N):
        self.hello: bytes | None = None
        self.queue: deque = deque(maxlen=n)
        self.event = asyncio.Event()
        self.sent = 0
        self.dropped = 0

    def offer(self, kind: str, data: bytes) -> None:
        if kind == "hello":
            self.hello = data
        else:
            if len(self.queue) == self.queue.maxlen:
                self.dropped += 1
            self.queue.append(data)
        self.event.set()

    def take(self) -> list[bytes]:
        out = [] if self.hello is None else [self.hello]
        self.hello = None
        out.extend(self.queue)
        self.queue.clear()
        self.event.clear()
        return out


def _kind(data: bytes) -> str:
    # the publisher writes "k" first: '{"k":"state",...'
    head = data[:16]
    for k in ("hello", "state", "end"):
        if head.startswith(b'{"k":"' + k.encode() + b'"'):
            return k
    return ""


class LiveHub:
    """The server's end of the live socket: receives the drill's messages, fans them out."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.path = socket_path(self.home)
        self.watched = watched_path(self.home)
        self.clients: set[LiveClient] = set()
        self.hello: bytes | None = None
        self.last: bytes | None = None
        self.ended: bytes | None = None
        self.received = 0
        self.bad = 0
        self.last_at: float | None = None       # time.time() of the newest message
        self.listening = False
        self.note = ""
        self._sock = None
        self._addr = None
        self._ino = None
        self._loop = None
        self._users = 0
        self._lock = threading.Lock()

    # -- the socket --------------------------------------------------------------------------
    def _in_use(self) -> bool:
        """Is a live server already bound to the socket (not a stale file)?"""
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        addr = SocketAddress(self.path)
        try:
            probe.connect(addr.address)
            return True
        except OSError:
            return False
        finally:
            probe.close()
            addr.close()

    async def start(self) -> bool:
        """Bind the socket (once) and read it in the running event loop; False (with :attr:`note`)
        when another server on this home already listens. Each app that starts the hub stops it
        once (:meth:`stop`); the socket goes when the last one does."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self.listening:
                if not self._bind():
                    return False
            elif self._loop is not loop and (self._loop is None or not self._loop.is_running()):
                self._detach()            # its loop has gone (an app stopped): read in this one
            if self._loop is None:
                loop.add_reader(self._sock.fileno(), self._readable)
                self._loop = loop
            return True

    async def acquire(self) -> bool:
        """:meth:`start`, counted: the app's lifespan (one :meth:`stop` each)."""
        ok = await self.start()
        if ok:
            with self._lock:
                self._users += 1
        return ok

    def _bind(self) -> bool:
        d = run_dir(self.home)
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o700)
        if self.path.exists() or self.path.is_symlink():
            if self._in_use():
                self.note = f"another footmat serve listens on {self.path}"
                log.warning("live mirror: %s; this server shows no live drill", self.note)
                return False
            self.path.unlink()
        self._set_watched(False)
        addr = SocketAddress(self.path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        except OSError:
            pass
        try:
            s.bind(addr.address)
            os.chmod(self.path, 0o600)
        except OSError:
            s.close()
            addr.close()
            raise
        s.setblocking(False)
        self._sock, self._addr, self._ino = s, addr, os.stat(self.path).st_ino
        self.listening, self.note = True, ""
        return True

    def _detach(self) -> None:
        if self._loop is not None and self._sock is not None:
            try:
                self._loop.remove_reader(self._sock.fileno())
            except Exception:
                pass
        self._loop = None

    async def stop(self) -> None:
        """One app is done with the hub: the last one stops reading and removes the socket (if it is
        still ours); before that, an app's loop that ends hands the reading on to the next request."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self.listening:
                return
            self._users = max(0, self._users - 1)
            if self._users > 0:
                if self._loop is loop:
                    self._detach()
                return
            self._detach()
            self._sock.close()
            self._addr.close()
            try:
                st = os.lstat(self.path)
                if stat.S_ISSOCK(st.st_mode) and st.st_ino == self._ino:
                    self.path.unlink()
            except OSError:
                pass
            self._sock = self._addr = None
            self.listening = False
            self._set_watched(False)
            for c in self.clients:
                c.event.set()

    def _readable(self) -> None:
        """Take every datagram waiting and hand each on."""
        s = self._sock
        while s is not None:
            try:
                data = s.recv(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.feed(data)

    def feed(self, data: bytes) -> None:
        kind = _kind(data)
        if not kind:
            self.bad += 1
            return
        self.received += 1
        self.last_at = time.time()
        if kind == "hello":
            self.hello, self.ended = data, None
        elif kind == "state":
            self.last, self.ended = data, None
        else:
            self.ended = data
        for c in self.clients:
            c.offer("hello" if kind == "hello" else "state", data)

    # -- watchers ----------------------------------------------------------------------------
    def _set_watched(self, on: bool) -> None:
        """``run/live.watched`` while someone watches: a drill builds and sends states only then."""
        try:
            if on:
                self.watched.touch(mode=0o600)
            else:
                self.watched.unlink(missing_ok=True)
        except OSError:
            pass

    def add(self) -> LiveClient:
        c = LiveClient()
        for data in (self.hello, self.last, self.ended):
            if data is not None:
                c.offer(_kind(data), data)
        self.clients.add(c)
        if self.listening and len(self.clients) == 1:
            self._set_watched(True)
        return c

    def remove(self, c: LiveClient) -> None:
        self.clients.discard(c)
        if self.listening and not self.clients:
            self._set_watched(False)

    def status(self) -> dict:
        return {"listening": self.listening, "socket": str(self.path), "note": self.note, "received": self.received,
                "watched": self.watched.exists(),
                "watchers": len(self.clients), "last_message_age_s":
                    None if self.last_at is None else round(time.time() - self.last_at, 3),
                "drill": (json.loads(self.hello).get("drill") if self.hello else None)}


def hub_of(ctx) -> LiveHub:
    """The app's hub (one per context)."""
    hub = ctx.settings.get(HUB_KEY)
    if hub is None:
        hub = ctx.settings[HUB_KEY] = LiveHub(ctx.home)
    return hub


async def _listen(hub: LiveHub, counted: bool = False) -> bool:
    """Start the hub; a socket that cannot be made costs the mirror only (its status says why),
    never the rest of the app."""
    try:
        return await (hub.acquire() if counted else hub.start())
    except OSError as e:
        hub.note = f"cannot listen on {hub.path}: {e.strerror or e}"
        log.warning("live mirror: %s", hub.note)
        return False


async def startup(ctx) -> None:
    """Start listening for a drill (the app's lifespan)."""
    await _listen(hub_of(ctx), counted=True)


async def shutdown(ctx) -> None:
    hub = ctx.settings.get(HUB_KEY)
    if hub is not None:
        await hub.stop()


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Live · footmat</title>
<link rel="stylesheet" href="/live/live.css">
<script src="/live/live.js" defer></script>
</head>
<body class="live">
<header><a class="brand" href="/">footmat</a> <span id="live-title">live</span>
<span id="live-conn" class="conn">connecting…</span></header>
<main>
<canvas id="live-canvas" width="800" height="480" aria-label="the drill on the mat, live"></canvas>
<p id="live-note" class="note">Waiting for a drill: start one on the mat (footmat drill …, footmat today).</p>
<p id="live-rotate" class="note rotate">Turn the phone sideways for a larger view.</p>
</main>
</body>
</html>
"""


def routes(ctx) -> list:
    """The live mirror's routes: the page, its two assets, the WebSocket and its status."""
    from trainer.web.auth import authenticate_websocket

    hub = hub_of(ctx)

    async def page(request):
        await _listen(hub)
        return HTMLResponse(PAGE)

    async def asset(request):
        name = request.path_params["name"]
        if name not in ASSETS:
            return JSONResponse({"error": "no such file", "status": 404}, status_code=404)
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=media)

    async def status(request):
        await _listen(hub)
        return JSONResponse(hub.status())

    async def live_ws(websocket: WebSocket):
        if not authenticate_websocket(ctx, websocket):
            await websocket.close(code=1008)
            return
        await _listen(hub)
        client = hub.add()          # watched from the handshake on: the drill starts sending
        try:
            await websocket.accept()
        except BaseException:
            hub.remove(client)
            raise

        async def pump():
            while True:
                await client.event.wait()
                for data in client.take():
                    await websocket.send_text(data.decode("utf-8"))
                    client.sent += 1
                if not hub.listening:
                    return

        async def drain():          # the browser says nothing; this notices it leaving
            while True:
                msg = await websocket.receive()
                if msg["type"] == "websocket.disconnect":
                    return

        tasks = [asyncio.ensure_future(pump()), asyncio.ensure_future(drain())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            hub.remove(client)
            for t in tasks:
                t.cancel()
            for t in tasks:
                try:
                    await t
                except BaseException:
                    pass
            try:
                await websocket.close()
            except Exception:
                pass

    return [Route("/live", page, methods=["GET"]),
            Route("/live/{name}", asset, methods=["GET"]),
            Route("/api/live/status", status, methods=["GET"]),
            WebSocketRoute("/api/live", live_ws)]
