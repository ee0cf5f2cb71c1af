"""`footmat serve` as a user runs it: a real process on 127.0.0.1 that prints the URL and the
pairing code, answers the fixed token, pairs with the printed code, and refuses bad options."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

TOKEN = "serve-test-token-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def _stop(p: subprocess.Popen) -> None:
    """Stop a `footmat serve` started in its own session: Ctrl-C, then SIGKILL after 20 s."""
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def test_serve_prints_the_code_and_serves_only_paired_clients(footmat_home, tmp_path):
    port = _free_port()
    env = {**os.environ, "FOOTMAT_HOME": str(footmat_home), "FOOTMAT_SERVE_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    err = open(tmp_path / "stderr.txt", "w+")
    p = subprocess.Popen([sys.executable, "-m", "trainer.cli", "serve", "--port", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/pair", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert p.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
            time.sleep(0.2)
        text = (tmp_path / "stderr.txt").read_text()
        assert f"{base}/" in text and "this machine only" in text
        code = re.search(r"type the code (\d{4} \d{4})", text).group(1)
        assert httpx.get(base + "/api/people", timeout=10).status_code == 401
        r = httpx.get(base + "/api/people", headers={"authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert r.status_code == 200 and r.json() == {"people": []}
        r = httpx.post(base + "/pair/exchange", data={"code": code}, timeout=10)
        assert r.status_code == 303 and "footmat_session=" in r.headers["set-cookie"]
        assert httpx.get(base + "/api/sessions", cookies=r.cookies, timeout=10).status_code == 200
        # bound to 127.0.0.1 only
        addrs = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
        for a in list(addrs)[:1]:
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://{a}:{port}/pair", timeout=2)
    finally:
        _stop(p)
        err.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_serve_speaks_tls_with_cert_and_key_and_its_cookie_is_secure(footmat_home, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    port = _free_port()
    env = {**os.environ, "FOOTMAT_HOME": str(footmat_home), "PYTHONUNBUFFERED": "1"}
    err = open(tmp_path / "stderr.txt", "w+")
    p = subprocess.Popen([sys.executable, "-m", "trainer.cli", "serve", "--port", str(port), "--cert", str(cert),
                          "--key", str(key)], env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        base = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/pair", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert p.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
            time.sleep(0.2)
        with pytest.raises(httpx.TransportError):                     # plain http is not served on that port
            httpx.get(f"http://127.0.0.1:{port}/pair", timeout=5)
        code = re.search(r"type the code (\d{4} \d{4})", (tmp_path / "stderr.txt").read_text()).group(1)
        r = httpx.post(base + "/pair/exchange", data={"code": code}, verify=False, timeout=10)
        assert r.status_code == 303 and "; Secure" in r.headers["set-cookie"]
    finally:
        _stop(p)
        err.close()


def test_a_port_out_of_range_is_a_usage_error(capsys):
    from trainer.cli import main

    with pytest.raises(SystemExit) as e:
        main(["serve", "--port", "0"])
    assert e.value.code == 2 and "'0' is not a port" in capsys.readouterr().err


@pytest.mark.parametrize("args, needle", [
    (["--cert", "c.pem"], "--cert and --key go together"),
    (["--cert", "nope.pem", "--key", "nope.key"], "no file 'nope.pem'"),
])
def test_serve_refuses_bad_options_in_one_line(cli, args, needle):
    code, out, err = cli("serve", *args)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_a_short_fixed_token_is_refused(cli, monkeypatch):
    monkeypatch.setenv("FOOTMAT_SERVE_TOKEN", "short")
    code, _, err = cli("serve", "--port", "9")
    assert code == 2 and "at least 16" in err
