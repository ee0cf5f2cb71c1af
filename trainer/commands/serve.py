"""footmat serve: the coach's web view (PRODUCT.md §10), paired devices only."""
from __future__ import annotations

from .common import say

DEFAULT_PORT = 8765


def _port(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number 1..65535 (e.g. {DEFAULT_PORT})")
    return n


def add_arguments(p):
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N", help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--lan", action="store_true",
                   help="listen on every network interface, not only 127.0.0.1 (pairing still required)")
    p.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM); with --key, serve https")
    p.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="URL",
                   help="an extra Origin allowed for writes and the live WebSocket (a reverse proxy's https://host)")
    p.add_argument("--revoke-all", action="store_true", help="revoke every paired device, then exit")
    p.add_argument("--db", metavar="URL",
                   help="the clinic's database, postgresql://user@host:port/dbname (default: this mat's SQLite "
                        "history); uploaded sessions are kept as files in $FOOTMAT_HOME/uploads")


def make_store(args):
    """The session index serve reads (None: the history's SQLite index; --db: the clinic's PostgreSQL)."""
    if not getattr(args, "db", None):
        return None
    from trainer.sessions import home
    from trainer.store.query import open_store

    return open_store(args.db, home.home())


def run(args) -> int:
    from pathlib import Path

    from firmware.errors import UsageError

    from trainer.web.context import make_context

    if args.revoke_all:
        ctx = make_context(token="x" * 16)          # the token plays no part in revoking
        n = ctx.auth.devices.revoke_all()
        ctx.write_log.append("terminal", "revoke-all", devices=n)
        say(f"revoked {n} paired device(s): every browser must pair again")
        return 0
    if bool(args.cert) != bool(args.key):
        raise UsageError("--cert and --key go together", "give both (PEM files), or neither")
    for f in (args.cert, args.key):
        if f and not Path(f).is_file():
            raise UsageError(f"no file {f!r}", "give the path of the PEM file")
    import uvicorn

    from trainer.web.app import create_app
    from trainer.web.auth import format_code

    host = "0.0.0.0" if args.lan else "127.0.0.1"
    ctx = make_context(lan=args.lan, tls=bool(args.cert), allowed_origins=tuple(args.allow_origin),
                       store=make_store(args), port=args.port, say=say)
    app = create_app(ctx)
    scheme = "https" if args.cert else "http"
    code = ctx.auth.code()
    from trainer.web.pairing import pairing_url

    url, reachable = pairing_url(ctx, scheme, f"127.0.0.1:{args.port}", code)
    say(f"footmat serve: {scheme}://127.0.0.1:{args.port}/"
        + ((f" and {url.split('/pair')[0]}/ on the network" if reachable else " (and this machine's address on "
            "the network)") if args.lan else " (this machine only; --lan for the network)"))
    say(f"pair a device: open {scheme}://127.0.0.1:{args.port}/pair on the mat's screen, or type the code "
        f"{format_code(code)} on the coach's device")
    if args.lan and not args.cert:
        say("note: plain http on the network — health data: use --cert/--key, or a reverse proxy with TLS (README)")
    if ctx.token:
        say("the fixed token in FOOTMAT_SERVE_TOKEN is accepted as 'Authorization: Bearer …'")
    try:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(url)          # with --lan: this machine's network address (a phone cannot open 127.0.0.1)
        qr.print_ascii(invert=True)
    except Exception:
        pass
    uvicorn.run(app, host=host, port=args.port, ssl_certfile=args.cert, ssl_keyfile=args.key,
                log_level="warning", proxy_headers=False, server_header=False)
    return 0
