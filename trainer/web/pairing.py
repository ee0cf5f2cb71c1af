"""Pairing and paired devices: ``GET /pair`` (open), ``POST /pair/exchange`` (open),
``GET /pair/assets/<name>`` (open), ``GET /devices``, ``POST /devices/<id>/revoke``, ``POST /logout``."""
from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from trainer.web import auth
from trainer.web.templating import STATIC, esc, page

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = img.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="qr" role="img" aria-label="QR code of the pairing link" ', 1)


PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via")


def device_name(user_agent: str) -> str:
    """A name a coach recognises for a device paired without one: "Safari on iPhone", not its
    whole User-Agent."""
    ua = user_agent or ""
    system = next((n for key, n in (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
                                     ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "Chromebook"),
                                     ("Linux", "Linux")) if key in ua), None)
    browser = next((n for key, n in (("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("Edg", "Edge"),
                                      ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
                                      ("Safari/", "Safari")) if key in ua), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (" ".join(ua.split())[:40] or "a browser")


def _shows_code(ctx, request: Request) -> bool:
    """Only the mat's own screen sees the code: a loopback client that asked for a loopback host,
    and not through a proxy (a reverse proxy on this machine that does not pass the public Host on,
    e.g. nginx without ``proxy_set_header Host``, would otherwise show it to the whole network)."""
    if any(h in request.headers for h in PROXY_HEADERS):
        return False
    return auth.is_loopback_client(request.scope) and auth.is_loopback_host({"host": request.headers.get("host", "")})


def lan_address() -> str | None:
    """This machine's address on the network (the interface a route out would use), or None.

    A UDP socket's connect() only picks the route: no packet is sent, nothing leaves the machine."""
    import ipaddress
    import socket

    for probe in ("10.254.254.254", "192.168.254.254", "172.31.254.254"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                ip = s.getsockname()[0]
        except OSError:
            continue
        if not ipaddress.ip_address(ip).is_loopback and not ipaddress.ip_address(ip).is_unspecified:
            return ip
    return None


def pairing_url(ctx, scheme: str, host_header: str, code: str) -> tuple[str, bool]:
    """The link in the QR code → (url, reachable from another device). With --lan it names this
    machine's network address (a phone cannot open the mat's 127.0.0.1); without, the host asked for."""
    host = host_header or "127.0.0.1"
    port = ctx.port
    if port is None and host.rsplit(":", 1)[-1].isdigit() and not host.endswith("]"):
        port = int(host.rsplit(":", 1)[-1])
    if ctx.lan:
        ip = lan_address()
        if ip is not None:
            default = 443 if scheme == "https" else 80
            return f"{scheme}://{ip}{'' if port in (None, default) else f':{port}'}/pair?code={code}", True
    return f"{scheme}://{host}/pair?code={code}", False


def pair_page(ctx, request: Request, *, message: str = "", status: int = 200, given: str = "") -> HTMLResponse:
    parts = ["<h1>Pair this device</h1>"]
    if auth.identity_of(request):
        parts.append('<p class="ok">This device is paired. <a href="/">Open the coach\'s view</a>.</p>')
    if message:
        parts.append(f'<p class="error" id="message">{esc(message)}</p>')
    if _shows_code(ctx, request):
        code = ctx.auth.code()
        url, reachable = pairing_url(ctx, request.url.scheme, request.headers.get("host", ""), code)
        parts.append(f'<p>Pairing code: <strong id="code" class="code">{esc(auth.format_code(code))}</strong></p>')
        parts.append(_qr_svg(url))
        if reachable:
            parts.append("<p>On the coach's phone or tablet, on the same network: scan the QR code, or open "
                         f'<strong id="pair-url">{esc(url.split("?")[0])}</strong> and type the code.</p>')
        else:
            parts.append("<p>This server answers on this machine only. To pair a phone or tablet, restart it "
                         "with <code>footmat serve --lan</code>: the QR code then opens it on the network.</p>")
    else:
        parts.append("<p>Type the pairing code shown on the mat's screen or in the terminal that runs "
                     "<code>footmat serve</code>.</p>")
    prefill = given or request.query_params.get("code", "")
    prefill = "".join(c for c in prefill if c.isdigit() or c == " ")[:12]
    parts.append('<form method="post" action="/pair/exchange" id="pair-form">'
                 '<label for="code-input">Code</label> '
                 f'<input id="code-input" name="code" inputmode="numeric" autocomplete="one-time-code" '
                 f'maxlength="12" value="{esc(prefill)}" required> '
                 '<label for="name-input">This device</label> '
                 '<input id="name-input" name="device" maxlength="60" placeholder="e.g. coach\'s tablet"> '
                 '<button type="submit" id="pair-button">Pair</button></form>')
    # the mat's screen shows the current code: reloaded every 2 minutes, so a used or expired one is replaced
    head = '<meta http-equiv="refresh" content="120">' if _shows_code(ctx, request) and not message else ""
    return HTMLResponse(page("Pair", "\n".join(parts), request=request, nav=False, head=head), status_code=status)


def routes(ctx) -> list:
    async def get_pair(request: Request):
        return pair_page(ctx, request)

    async def exchange(request: Request):
        client = auth.client_of(request.scope)
        if "origin" in request.headers and not auth.origin_ok(ctx, {k: v for k, v in request.headers.items()},
                                                              request.url.scheme):
            raise HTTPException(403, "cross-origin pairing refused")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ("application/x-www-form-urlencoded", "application/json"):
            raise HTTPException(415, "send the code as a form or JSON")
        if ctype == "application/json":
            body = await auth.read_body(request, 4096)
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise HTTPException(400, "unreadable JSON") from None
            if not isinstance(data, dict):
                raise HTTPException(400, "send {\"code\": \"…\"}")
            code, device = data.get("code"), data.get("device")
        else:
            form = await auth.read_form(request, 4096, max_fields=10)
            code, device = (form.get("code") or [None])[0], (form.get("device") or [None])[0]
        if not isinstance(code, str) or not isinstance(device, (str, type(None))):
            raise HTTPException(400, "no code given")
        result = ctx.auth.try_code(client, code)
        html_wanted = ctype != "application/json"
        if result == "blocked":
            wait = int(ctx.auth.blocked_for(client)) + 1
            if html_wanted:
                r = pair_page(ctx, request, message=f"Too many wrong codes: try again in {wait // 60 + 1} min.",
                              status=429)
                r.headers["retry-after"] = str(wait)
                return r
            raise HTTPException(429, f"too many wrong codes: try again in {wait} s")
        if result != "ok":
            if html_wanted:
                return pair_page(ctx, request, message="That code is not right (or has been used): "
                                 "check the code on the mat's screen.", status=403)
            raise HTTPException(403, "wrong or used code")
        name = " ".join((device or "").split())[:60] or device_name(request.headers.get("user-agent", ""))
        device_id, token = ctx.auth.devices.add(name, client)
        ctx.write_log.append(f"device {device_id}", "pair", device=name, client=client)
        if html_wanted:
            r = RedirectResponse("/", status_code=303)
        else:
            from starlette.responses import JSONResponse

            r = JSONResponse({"paired": True, "device": device_id})
        r.headers["set-cookie"] = auth.cookie_header(ctx, device_id, token)
        return r

    async def asset(request: Request):
        name = request.path_params["name"]
        if name not in auth.PAIR_ASSETS:
            raise HTTPException(404, "no such file")
        return _file(name)

    async def devices(request: Request):
        me = auth.identity_of(request)
        rows = []
        for dev_id, d in sorted(ctx.auth.devices.all().items(), key=lambda kv: kv[1].get("created_at", "")):
            this = " (this device)" if me and me.device_id == dev_id else ""
            rows.append(f"<tr><td>{esc(d.get('name'))}{this}</td><td class=\"when\">{esc(_when(d.get('created_at')))}</td>"
                        f"<td>{esc(d.get('client'))}</td><td><form method=\"post\" action=\"/devices/{esc(dev_id)}/revoke\">"
                        f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(me.csrf if me else '')}\">"
                        f"<button type=\"submit\">Revoke</button></form></td></tr>")
        body = ("<h1>Paired devices</h1><table><tr><th>Device</th><th>Paired</th><th>From</th><th></th></tr>"
                + "".join(rows) + "</table>"
                + ("" if rows else "<p>No device is paired (this request used the fixed token).</p>")
                + "<p>Revoke them all from the mat: <code>footmat serve --revoke-all</code>.</p>"
                + (f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{esc(me.csrf)}">'
                   '<button type="submit" id="unpair">Unpair this device</button></form>'
                   if me and me.kind == "device" else ""))
        return HTMLResponse(page("Devices", body, request=request))

    async def revoke(request: Request):
        dev_id = request.path_params["device"]
        me = auth.identity_of(request)
        if not ctx.auth.devices.revoke(dev_id):
            raise HTTPException(404, "no such device")
        ctx.write_log.append(me.who, "revoke", device=dev_id)
        if me.device_id == dev_id:
            r = RedirectResponse("/pair", status_code=303)
            r.headers["set-cookie"] = auth.clear_cookie_header(ctx)
            return r
        return RedirectResponse("/devices", status_code=303)

    async def logout(request: Request):
        me = auth.identity_of(request)
        if me.kind == "device":
            ctx.auth.devices.revoke(me.device_id)
            ctx.write_log.append(me.who, "revoke", device=me.device_id)
        r = RedirectResponse("/pair", status_code=303)
        r.headers["set-cookie"] = auth.clear_cookie_header(ctx)
        return r

    return [
        Route("/pair", get_pair, methods=["GET"]),
        Route("/pair/exchange", exchange, methods=["POST"]),
        Route("/pair/assets/{name}", asset, methods=["GET"]),
        Route("/devices", devices, methods=["GET"]),
        Route("/devices/{device}/revoke", revoke, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def _when(iso) -> str:
    """'2026-12-07T03:39:04.757Z' → '2026-12-07 03:39 UTC'."""
    text = str(iso or "")
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text


def _file(name: str) -> Response:
    p = STATIC / name
    if not p.is_file():
        raise HTTPException(404, "no such file")
    return Response(p.read_bytes(), media_type=_TYPES.get(p.suffix, "application/octet-stream"),
                    headers={"cache-control": "no-cache"})
