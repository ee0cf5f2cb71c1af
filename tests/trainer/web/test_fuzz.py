"""Fuzz: 1500 malformed or unauthenticated requests (a seeded generator over paths, methods,
headers, bodies, traversal ids, forged cookies and tokens, missing or wrong CSRF, foreign Origins
and Hosts) all answer 4xx (an unpaired browser's GET may be redirected to /pair), never 5xx, and
nothing under $FOOTMAT_HOME changes. The rate limits are per app: this app's lockout touches no
other test."""
import json
import random
from collections import Counter

import pytest

from .conftest import TOKEN, make_client, pair, tree_hash

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx.*")
N = 1500
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]
# (literal "." and ".." segments are left out: the HTTP client itself removes them before sending)
TRAVERSAL = ["%2e%2e", "%2e%2e%2f%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e", "....//....//", "%00",
             "a%00.json", "..\\..\\windows", "%252e%252e%252f", "~root", "%2e", "%2F", "%c0%ae%c0%ae",
             "a%2F%2E%2E%2F%2E%2E%2Fb", "\u202e", "ann%2F%2E%2E%2F%2E%2E%2Fserve", ".hidden", "con", "x" * 400, "%ff%fe",
             "ann%2F..%2F..", "%0d%0aSet-Cookie:x=1", "...", "a..b"]
DRILLS = ["spiral", "one-leg", "nosuch", "../spiral", ""]


def _paths(rng, sid):
    bad = rng.choice(TRAVERSAL)
    return rng.choice([
        f"/api/sessions/{bad}", f"/api/people/{bad}", f"/sessions/{bad}", f"/sessions/{bad}/report.png",
        f"/sessions/{bad}/export.csv", f"/sessions/{sid}/export.{bad}", f"/sessions/{sid}/report.{bad}",
        f"/people/{bad}", f"/people/{bad}/progress.png", f"/people/ann/progress.{bad}", f"/people/{bad}/caps",
        f"/people/ann/{bad}", f"/static/{bad}", f"/pair/assets/{bad}", f"/devices/{bad}/revoke", f"/{bad}",
        f"/api/sessions?person={bad}", f"/api/{bad}", "/api/live", "/api/upload", "//etc/passwd",
        f"/sessions/{sid}/{bad}", "/" + "a/" * rng.randint(1, 60), "/api/sessions/" + "%41" * rng.randint(1, 200),
    ])


def _open_or_known(rng, sid):
    return rng.choice(["/", "/sessions", f"/sessions/{sid}", f"/sessions/{sid}/report.png", "/api/sessions",
                       "/api/people", "/api/people/ann", f"/api/sessions/{sid}", "/people/ann", "/devices",
                       "/people/ann/caps", "/people/ann/levels", "/logout", "/pair/exchange",
                       "/static/footmat.css", f"/sessions/{sid}/export.json"])


def _body(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return {"content": bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))}
    if kind == 1:
        return {"content": b"code=" + bytes(rng.randrange(32, 127) for _ in range(rng.randint(0, 40))),
                "headers": {"content-type": "application/x-www-form-urlencoded"}}
    if kind == 2:
        return {"content": json.dumps(rng.choice([[], 1, None, {"code": 12345678}, {"code": ["a"]},
                                                  {"code": "0000 0000", "device": {"x": 1}}, "x" * 50])).encode(),
                "headers": {"content-type": "application/json"}}
    if kind == 3:
        return {"content": b"--zz\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n1\r\n--",
                "headers": {"content-type": "multipart/form-data; boundary=zz"}}
    if kind == 4:
        return {"content": b"x" * rng.choice([5000, 70000, 200000]),
                "headers": {"content-type": rng.choice(["application/x-www-form-urlencoded", "text/plain"])}}
    if kind == 5:
        return {"content": b"{not json", "headers": {"content-type": "application/json"}}
    return {}


def _forged_cookie(rng, dev_id):
    return rng.choice([
        "footmat_session=", "footmat_session=garbage", f"footmat_session={dev_id}.wrongtokenwrongtokenwrongtoken",
        f"footmat_session={dev_id}", "footmat_session=../../x.y", "footmat_session=" + "A" * 5000,
        'footmat_session="unterminated', "footmat_session=0123456789abcdef.%00%00%00%00%00%00%00%00%00%00",
        f"other=1; footmat_session={dev_id[::-1]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "\x00\x01\x02",
    ])


def _forged_auth(rng):
    return rng.choice(["Bearer", "Bearer ", "Bearer wrong", f"Bearer {TOKEN}x", f"bearer  {TOKEN[:-1]}",
                       "Basic YWRtaW46YWRtaW4=", "Digest x", f"Token {TOKEN}", "Bearer " + "A" * 3000, b"Bearer \xe9\xff"])


def test_fuzz_malformed_and_unauthenticated_requests(web_home, session_id):
    from trainer.web.context import make_context

    ctx = make_context(web_home, token=TOKEN)
    rng = random.Random(29)
    with make_client(ctx, raise_server_exceptions=False) as anon, make_client(ctx, raise_server_exceptions=False) as paired:
        csrf = pair(paired, ctx)
        dev_id = next(iter(ctx.auth.devices.all()))
        assert paired.get("/api/sessions").status_code == 200            # the index is built before hashing
        before = tree_hash(web_home)
        statuses, redirects = Counter(), 0
        for i in range(N):
            kind = i % 6
            method = rng.choice(METHODS)
            headers = {"accept": rng.choice(["*/*", "text/html", "application/json", ""])}
            path = _paths(rng, session_id) if rng.random() < 0.6 else _open_or_known(rng, session_id)
            body = _body(rng) if method not in ("GET", "HEAD", "TRACE") else {}
            headers.update(body.pop("headers", {}))
            client, authed = anon, False
            if kind == 0:                                      # nothing at all
                pass
            elif kind == 1:                                    # a forged or stale cookie
                headers["cookie"] = _forged_cookie(rng, dev_id)
            elif kind == 2:                                    # a wrong or malformed Authorization
                headers["authorization"] = _forged_auth(rng)
            elif kind == 3:                                    # the right token, a malformed request
                headers["authorization"] = f"Bearer {TOKEN}"
                path, authed = _paths(rng, session_id), True
                if method in ("GET", "HEAD") and rng.random() < 0.3:
                    method = rng.choice(["PUT", "DELETE", "PATCH"])
                if method == "POST" and rng.random() < 0.5:
                    path = rng.choice(["/people/ann/caps", "/people/ann/levels"])
                    body = {"data": rng.choice([{"max_spiral": "x"}, {"level_spiral": "0"}, {"level_nosuch": "2"},
                                                {"exclude": "nosuch"}, {"max_spiral": "99"}, {"level_spiral": "9999"},
                                                {"max_one-leg": "-1"}, {"level_spiral": "١"}])}
                    headers.pop("content-type", None)
            elif kind == 4:                                    # a paired browser's write without a good CSRF
                client, authed = paired, True
                method = rng.choice(["POST", "PUT", "DELETE", "PATCH"])
                path = rng.choice(["/people/ann/caps", "/people/ann/levels", f"/devices/{dev_id}/revoke", "/logout",
                                   "/pair/exchange", _paths(rng, session_id)])
                if path == "/pair/exchange":
                    method = "PUT"
                if rng.random() < 0.5:
                    body = {"data": {"max_spiral": "2", "csrf": rng.choice(["", "0" * 40, csrf[:-1], csrf.upper() + "x"])}}
                    headers.pop("content-type", None)
                else:
                    headers["x-csrf-token"] = rng.choice(["", "nope", csrf + "0"])
                    if rng.random() < 0.5:
                        headers["origin"] = rng.choice(["http://evil.example", "null", "http://127.0.0.1:1"])
            else:                                              # a foreign Host, or the code exchange with wrong codes
                if rng.random() < 0.5:
                    headers["host"] = rng.choice(["evil.example", "127.0.0.1.evil.example", "[::2]:80", "", "localhost.:1"])
                    headers["authorization"] = f"Bearer {TOKEN}"
                else:
                    method, path = "POST", "/pair/exchange"
                    wrong = ctx.auth.code()[::-1] if ctx.auth.code()[::-1] != ctx.auth.code() else "x"
                    body = {"data": {"code": rng.choice([wrong, "", "1" * 500, "12345678\x00", "' OR 1=1 --"])}}
                    headers.pop("content-type", None)
            r = client.request(method, path, headers=headers, **body)
            statuses[r.status_code] += 1
            assert r.status_code < 500, (i, method, path, headers, r.status_code, r.text[:200])
            if r.status_code == 303:
                assert not authed and method in ("GET", "HEAD") and r.headers["location"] == "/pair", (i, method, path)
                redirects += 1
            else:
                assert 400 <= r.status_code < 500, (i, method, path, headers, r.status_code, r.text[:200])
        after = tree_hash(web_home)
        assert paired.get("/api/sessions").status_code == 200      # no forged write revoked the paired device
    assert after == before                                          # nothing on disk changed
    assert N - redirects >= 1000 and statuses[401] > 100 and statuses[403] > 50 and statuses[404] > 50
    assert [e["what"] for e in ctx.write_log.entries()] == ["pair"]
    assert len(ctx.auth.devices.all()) == 1
