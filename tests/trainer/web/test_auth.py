"""footmat serve's security: the route table walked without pairing, the fixed token, pairing,
rate limits, CSRF, Origin and Host checks, id validation, the write log and revocation."""
import io
import json
import re

import pytest
from starlette.routing import Route, WebSocketRoute

from trainer.web import auth

from .conftest import BASE, TOKEN, make_client, pair

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx.*")
BEARER = {"authorization": f"Bearer {TOKEN}"}
OPEN = {("GET", "/pair"), ("HEAD", "/pair"), ("POST", "/pair/exchange"), ("GET", "/pair/assets/{name}"),
        ("HEAD", "/pair/assets/{name}")}


def _concrete(path: str, session_id: str) -> str:
    values = {"id": session_id, "name": "pair.css" if "/assets/" in path else "ann", "fmt": "png", "what": "caps",
              "device": "0123456789abcdef"}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _walk(app):
    for r in app.routes:
        if isinstance(r, Route):
            for m in sorted(r.methods or ()):
                yield "http", m, r.path
        elif isinstance(r, WebSocketRoute):
            yield "websocket", "GET", r.path


def test_without_pairing_only_the_three_open_things_are_served(client, session_id):
    seen_open = set()
    walked = 0
    for kind, method, path in _walk(client.app):
        url = _concrete(path, session_id)
        if kind == "websocket":
            from starlette.websockets import WebSocketDisconnect

            for headers in ({}, {"cookie": "footmat_session=0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                 "origin": BASE}, {"authorization": "Bearer wrong-token-0123456789"}):
                with pytest.raises((WebSocketDisconnect, Exception)):
                    with client.websocket_connect(url, headers=headers) as ws:
                        ws.receive_text()
            walked += 1
            continue
        if (method, path) in OPEN:
            seen_open.add((method, path))
            r = client.request(method, url, data={"code": "x"} if method == "POST" else None)
            assert r.status_code not in (401, 303), (method, url)
            continue
        for headers in ({"accept": "application/json"}, {"accept": "text/html"},
                        {"cookie": "footmat_session=0123456789abcdef.forgedforgedforgedforgedforged"},
                        {"authorization": "Bearer not-the-token-at-all"}, {"authorization": "Basic YWRtaW46YWRtaW4="}):
            r = client.request(method, url, headers=headers)
            if r.status_code == 303:
                assert method in ("GET", "HEAD") and r.headers["location"] == "/pair", (method, url, headers)
            else:
                assert r.status_code == 401, (method, url, headers, r.status_code)
        walked += 1
    assert walked >= 15
    assert seen_open == OPEN                 # exactly the pairing page, its assets and the code exchange
    # and what is not a route at all says nothing either
    assert client.get("/no/such/thing").status_code == 401
    assert client.get("/pair/assets/../../../etc/passwd").status_code in (401, 404)


def test_the_fixed_token_lists_sessions_and_people_and_downloads_a_report(client, web_home, session_id):
    from PIL import Image

    from trainer.sessions.format import load_meta

    r = client.get("/api/sessions", headers=BEARER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    (row,) = r.json()["sessions"]
    assert row["id"] == session_id and row["drill"] == "stance" and row["person"] == "ann" and row["complete"]
    assert row["pain"] == {"before": 3, "after": 2}
    d = client.get(f"/api/sessions/{session_id}", headers=BEARER).json()
    assert d["session"] == load_meta(web_home / "sessions" / session_id)          # the product's reader agrees
    png = client.get(f"/sessions/{session_id}/report.png", headers=BEARER)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content == (web_home / "sessions" / session_id / "report.png").read_bytes()
    assert Image.open(io.BytesIO(png.content)).size[0] >= 800
    people = client.get("/api/people", headers=BEARER).json()["people"]
    assert [p["name"] for p in people] == ["ann"] and len(people[0]["person_id"]) == 32
    one = client.get(f"/api/people/{people[0]['person_id']}", headers=BEARER).json()
    assert one["person"]["name"] == "ann" and [s["id"] for s in one["sessions"]] == [session_id]
    assert client.get("/api/people/ann", headers=BEARER).json()["person"]["weight_kg"] == 60.0
    # an export downloads and is the product's JSON export (the session's frames)
    ex = client.get(f"/sessions/{session_id}/export.json", headers=BEARER)
    assert ex.status_code == 200 and "attachment" in ex.headers["content-disposition"]
    body = json.loads(ex.content)
    assert isinstance(body, dict) and body
    pdf = client.get(f"/sessions/{session_id}/report.pdf", headers=BEARER)        # drawn on request
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 10_000
    csv = client.get(f"/sessions/{session_id}/export.csv", headers=BEARER)          # the CSV and its sidecar
    import zipfile

    names = sorted(zipfile.ZipFile(io.BytesIO(csv.content)).namelist())
    assert names == [f"{session_id}.csv", f"{session_id}.meta.json"]
    # nothing was written into the session by reading it
    assert sorted(p.name for p in (web_home / "sessions" / session_id).iterdir()) == \
        ["events.csv", "report.png", "session.json", "trace.csv"]


@pytest.mark.parametrize("bad", ["..", "..%2F..%2Fetc", "%2e%2e", "x%00y", ".hidden", "a..b",
                                 "..%5C..%5Cwindows", "%2Fetc%2Fpasswd", "a" * 300])
def test_ids_cannot_leave_their_folder(client, bad):
    for url in (f"/api/sessions/{bad}", f"/sessions/{bad}/report.png", f"/sessions/{bad}/export.csv",
                f"/api/people/{bad}", f"/people/{bad}/progress.png"):
        r = client.get(url, headers=BEARER)
        assert r.status_code in (404, 400), (url, r.status_code)


def test_pairing_gives_a_cookie_that_works_and_the_code_is_one_time(ctx, web_home):
    with make_client(ctx) as a, make_client(ctx) as b:
        code = ctx.auth.code()
        page = a.get("/pair")
        assert auth.format_code(code) in page.text and "<svg" in page.text      # the mat's own screen: code and QR
        r = a.post("/pair/exchange", data={"code": code})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert a.get("/api/sessions").status_code == 200
        assert b.post("/pair/exchange", data={"code": code}).status_code == 403        # used up
        assert ctx.auth.code() != code
        devices = json.loads((web_home / "serve" / "devices.json").read_text())["devices"]
        (dev,) = devices.values()
        token = cookie.split("=", 1)[1].split(";")[0].split(".", 1)[1]
        assert token not in json.dumps(devices) and dev["token_sha256"]          # only the hash is kept
        assert [e["what"] for e in ctx.write_log.entries()] == ["pair"]


def test_the_code_is_not_shown_to_the_network(ctx):
    code = ctx.auth.code()
    with make_client(ctx, client=("192.168.1.20", 40000)) as lan_client:
        assert lan_client.get("/pair").status_code == 400                # bound to localhost: the LAN is not served
    ctx.lan = True
    with make_client(ctx, client=("192.168.1.20", 40000), base_url="http://192.168.1.2:8765") as lan_client:
        page = lan_client.get("/pair")
        assert page.status_code == 200 and auth.format_code(code) not in page.text and "<svg" not in page.text
    with make_client(ctx, base_url="http://evil.example:8765") as rebinding:   # loopback client, foreign Host
        page = rebinding.get("/pair")
        assert auth.format_code(code) not in page.text


def test_with_lan_the_qr_code_on_the_mats_screen_opens_the_mat_on_the_network(ctx, monkeypatch):
    """A phone cannot open the mat's 127.0.0.1: with --lan the QR code names this machine's network
    address (and the page says it); without --lan the page says how to reach a phone."""
    from trainer.web import pairing

    code = ctx.auth.code()
    with make_client(ctx, base_url="http://127.0.0.1:8765") as mat:
        page = mat.get("/pair").text
        assert "--lan" in page and 'id="pair-url"' not in page
    monkeypatch.setattr(pairing, "lan_address", lambda: "192.0.2.7")     # this machine's address on the LAN
    ctx.lan = True
    with make_client(ctx, base_url="http://127.0.0.1:8765") as mat:
        page = mat.get("/pair").text
    assert pairing._qr_svg(f"http://192.0.2.7:8765/pair?code={code}") in page       # the QR code's link
    assert pairing._qr_svg(f"http://127.0.0.1:8765/pair?code={code}") not in page
    assert "http://192.0.2.7:8765/pair</strong>" in page
    monkeypatch.setattr(pairing, "lan_address", lambda: None)            # no network: the host asked for
    with make_client(ctx, base_url="http://127.0.0.1:8765") as mat:
        assert pairing._qr_svg(f"http://127.0.0.1:8765/pair?code={code}") in mat.get("/pair").text
    monkeypatch.undo()
    import ipaddress

    ip = pairing.lan_address()                  # this machine's own: an address, never the loopback
    assert ip is None or not ipaddress.ip_address(ip).is_loopback


@pytest.mark.parametrize("header", ["x-forwarded-for", "x-real-ip", "forwarded", "via"])
def test_the_code_is_not_shown_through_a_proxy_that_keeps_the_loopback_host(ctx, header):
    """nginx without `proxy_set_header Host $host` asks for 127.0.0.1: every LAN client would be the
    mat's own screen. A request that came through a proxy never sees the code."""
    code = ctx.auth.code()
    with make_client(ctx, base_url="http://127.0.0.1:8765") as mat:
        assert auth.format_code(code) in mat.get("/pair").text
        page = mat.get("/pair", headers={header: "for=192.168.1.20" if header == "forwarded" else "192.168.1.20"})
        assert page.status_code == 200 and auth.format_code(code) not in page.text and "<svg" not in page.text


def test_a_report_planted_as_a_link_is_not_followed(client, web_home, session_id, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n not this session's report: a file outside the sessions")
    report = web_home / "sessions" / session_id / "report.png"
    report.unlink()
    report.symlink_to(secret)
    r = client.get(f"/sessions/{session_id}/report.png", headers=BEARER)
    assert r.status_code == 200 and b"outside the sessions" not in r.content
    from PIL import Image

    assert Image.open(io.BytesIO(r.content)).size[0] > 400           # the session's report, drawn afresh


def test_a_wrong_host_is_refused_without_lan(client):
    r = client.get("/api/sessions", headers={**BEARER, "host": "evil.example"})
    assert r.status_code == 400


def test_rate_limits_per_code_and_per_client(ctx):
    ctx.lan = True
    lan = "http://10.0.0.9:8765"
    with make_client(ctx, client=("10.0.0.1", 1), base_url=lan) as a, \
            make_client(ctx, client=("10.0.0.2", 1), base_url=lan) as b:
        first = ctx.auth.code()
        for _ in range(auth.MAX_TRIES_PER_CODE):
            assert a.post("/pair/exchange", data={"code": "00000000" if first != "00000000" else "11111111"}
                          ).status_code == 403
        assert ctx.auth.code() != first                                   # that code is dead
        assert b.post("/pair/exchange", data={"code": first}).status_code == 403
        for _ in range(auth.MAX_FAILS_PER_CLIENT - auth.MAX_TRIES_PER_CODE):
            a.post("/pair/exchange", data={"code": "x"})
        r = a.post("/pair/exchange", data={"code": ctx.auth.code()})    # even the right code: a is blocked
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        r = b.post("/pair/exchange", data={"code": ctx.auth.code()})    # b is not
        assert r.status_code == 303

    # many clients together: pairing pauses for everyone once MAX_FAILS_ALL wrong codes came in a minute
    from trainer.web.context import make_context

    ctx = make_context(ctx.home, token=TOKEN, lan=True)                  # a fresh app: its own limits
    for i in range(auth.MAX_FAILS_ALL):
        with make_client(ctx, client=(f"10.0.1.{i}", 1), base_url=lan) as c:
            assert c.post("/pair/exchange", data={"code": "x"}).status_code == 403
    with make_client(ctx, client=("10.0.2.1", 1), base_url=lan) as c:
        r = c.post("/pair/exchange", data={"code": ctx.auth.code()})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= auth.GLOBAL_WINDOW_S + 1


def test_cookie_writes_need_csrf_and_a_same_origin(ctx, client, web_home):
    from trainer.sessions import people

    csrf = pair(client, ctx)
    form = {"max_spiral": "3"}
    assert client.post("/people/ann/caps", data=form).status_code == 403
    assert client.post("/people/ann/caps", data={**form, "csrf": "0" * 40}).status_code == 403
    assert client.post("/people/ann/caps", data={**form, "csrf": csrf},
                       headers={"origin": "http://evil.example"}).status_code == 403
    assert people.load("ann").caps["max_level"] == {}
    r = client.post("/people/ann/caps", data={**form, "csrf": csrf}, headers={"origin": BASE})
    assert r.status_code == 303 and people.load("ann").caps["max_level"] == {"spiral": 3}
    r = client.post("/people/ann/levels", data={"level_spiral": "2"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 303 and people.load("ann").levels["spiral"] == 2
    assert client.post("/people/ann/levels", data={"level_spiral": "99", "csrf": csrf}).status_code == 400
    assert people.load("ann").levels["spiral"] == 2
    r = client.post("/people/ann/levels", data={"level_spiral": "4", "csrf": csrf})       # above the cap of 3
    assert r.status_code == 400 and "cap" in r.json()["error"] and people.load("ann").levels["spiral"] == 2
    unchanged = people.path_for("ann").read_bytes()
    r = client.post("/people/ann/levels", data={"level_spiral": "2", "level_stance": "1", "csrf": csrf})
    assert r.status_code == 303 and people.path_for("ann").read_bytes() == unchanged   # nothing changed, nothing written
    log = ctx.write_log.entries()
    assert [e["what"] for e in log] == ["pair", "caps", "levels"]
    assert log[1]["after"]["max_level"] == {"spiral": 3} and log[1]["who"].startswith("device ")
    # the fixed token writes without CSRF (no browser sends it by itself)
    r = client.post("/people/ann/caps", data={"max_spiral": ""}, headers=BEARER)
    assert r.status_code == 303 and people.load("ann").caps["max_level"] == {}
    # unpairing oneself is a write too
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/api/sessions").status_code == 401 and not ctx.auth.devices.all()


def test_revocation_one_device_and_all(ctx, client, cli):
    csrf = pair(client, ctx)
    with make_client(ctx) as other:
        pair(other, ctx)
        dev_other = [k for k, v in ctx.auth.devices.all().items()][-1]
        assert client.post(f"/devices/{dev_other}/revoke", data={"csrf": csrf}).status_code == 303
        assert other.get("/api/sessions").status_code == 401
        assert client.get("/api/sessions").status_code == 200
        code, out, err = cli("serve", "--revoke-all")       # as another process would: its own view of the home
        assert code == 0 and "revoked 1 paired device" in out + err
        assert client.get("/api/sessions").status_code == 401              # the running app sees it
    assert [e["what"] for e in ctx.write_log.entries()][-2:] == ["revoke", "revoke-all"]


def test_websockets_need_a_credential_and_this_origin(ctx):
    from types import SimpleNamespace

    def ws(headers):
        return SimpleNamespace(scope={"type": "websocket", "scheme": "ws", "client": ("127.0.0.1", 1),
                                      "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})

    dev_id, token = ctx.auth.devices.add("t", "127.0.0.1")
    cookie = f"{auth.COOKIE}={dev_id}.{token}"
    host = {"host": "127.0.0.1:8765"}
    assert auth.authenticate_websocket(ctx, ws({**host, "cookie": cookie, "origin": BASE}))
    assert not auth.authenticate_websocket(ctx, ws({**host, "cookie": cookie}))
    assert not auth.authenticate_websocket(ctx, ws({**host, "cookie": cookie, "origin": "http://evil.example"}))
    assert not auth.authenticate_websocket(ctx, ws({**host, "origin": BASE}))
    assert auth.authenticate_websocket(ctx, ws({**host, "authorization": f"Bearer {TOKEN}"}))
    assert not auth.authenticate_websocket(ctx, ws({**host, "authorization": "Bearer wrong"}))
    assert not auth.authenticate_websocket(ctx, ws({"host": "evil.example", "cookie": cookie, "origin": "http://evil.example"}))


def test_a_short_token_is_refused(web_home, monkeypatch):
    from firmware.errors import UsageError

    from trainer.web.context import make_context

    monkeypatch.setenv("FOOTMAT_SERVE_TOKEN", "short")
    with pytest.raises(UsageError, match="at least 16"):
        make_context(web_home)


def test_behind_a_reverse_proxy_on_this_machine(ctx, web_home):
    """Kept on 127.0.0.1 behind a proxy that passes the public Host on (README): the --allow-origin's
    host is served, browsers there can write, and the pairing code is not shown through the proxy."""
    from trainer.sessions import people

    ctx.allowed_origins = ("https://clinic.example",)
    with make_client(ctx, base_url="http://clinic.example") as c:
        page = c.get("/pair")
        assert page.status_code == 200 and auth.format_code(ctx.auth.code()) not in page.text
        csrf = pair(c, ctx)
        r = c.post("/people/ann/caps", data={"max_spiral": "2", "csrf": csrf}, headers={"origin": "https://clinic.example"})
        assert r.status_code == 303 and people.load("ann").caps["max_level"] == {"spiral": 2}
        assert c.post("/people/ann/caps", data={"max_spiral": "3", "csrf": csrf},
                      headers={"origin": "https://other.example"}).status_code == 403
    with make_client(ctx, base_url="http://other.example") as c:
        assert c.get("/api/sessions", headers=BEARER).status_code == 400


def test_bodies_are_bounded(client, web_home):
    from trainer.sessions import people

    before = people.path_for("ann").read_bytes()
    assert client.post("/pair/exchange", content=b"code=" + b"1" * 5000,
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413
    r = client.post("/people/ann/caps", content=b"max_spiral=2&" + b"x=1&" * 30000,
                    headers={**BEARER, "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = client.post("/people/ann/caps", content=b"max_spiral=2&" + b"x=1&" * 200,
                    headers={**BEARER, "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400                                   # too many fields
    assert client.post("/people/ann/caps", json={"max_spiral": 2}, headers=BEARER).status_code == 415
    assert people.path_for("ann").read_bytes() == before


def test_a_device_paired_without_a_name_is_listed_by_browser_and_system(ctx):
    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.1 Mobile/15E148 Safari/604.1")
    with make_client(ctx, headers={"user-agent": iphone}) as phone:
        assert phone.post("/pair/exchange", data={"code": ctx.auth.code()}).status_code == 303
        page = phone.get("/devices", headers={"accept": "text/html"}).text
    (dev,) = ctx.auth.devices.all().values()
    assert dev["name"] == "Safari on iPhone"
    assert "Safari on iPhone (this device)" in page and "AppleWebKit" not in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
