"""Fixtures of the coach's web view: a home with a person and a real (simulated) session, made once
per worker and copied into each test's own FOOTMAT_HOME; an app and a TestClient on it."""
import hashlib
import os
import shutil
import socket
import warnings
from pathlib import Path

import pytest

TOKEN = "test-token-0123456789abcdef"
BASE = "http://127.0.0.1:8765"
warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")


@pytest.fixture(scope="session")
def template_home(tmp_path_factory):
    """A home with ann (60 kg) and one complete 10 s stance session of hers, run by the product (its
    history index is not copied: it holds absolute paths, and each test's app builds its own)."""
    from trainer.cli import main

    home = tmp_path_factory.mktemp("web-home") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOOTMAT_HOME", str(home))
        mp.setenv("MPLBACKEND", "Agg")
        assert main(["person", "add", "ann", "--weight-kg", "60"]) == 0
        assert main(["drill", "stance", "--backend", "sim", "--no-plot", "--duration", "10", "--person", "ann",
                     "--pain-before", "3", "--pain-after", "2", "--audio", "off"]) == 0
    return home


@pytest.fixture
def web_home(template_home, footmat_home):
    """This test's own copy of the template home (its FOOTMAT_HOME)."""
    shutil.copytree(template_home, footmat_home, ignore=shutil.ignore_patterns("history.sqlite*"))
    return footmat_home


@pytest.fixture
def session_id(web_home):
    (folder,) = sorted((web_home / "sessions").iterdir())
    return folder.name


def make_client(ctx, **kw):
    from starlette.testclient import TestClient

    from trainer.web.app import create_app

    return TestClient(create_app(ctx), base_url=kw.pop("base_url", BASE), follow_redirects=False, **kw)


@pytest.fixture
def ctx(web_home):
    from trainer.web.context import make_context

    return make_context(web_home, token=TOKEN)


@pytest.fixture
def client(ctx):
    with make_client(ctx) as c:
        yield c


def pair(client, ctx) -> str:
    """Pair ``client`` with the current code; returns its CSRF token (the cookie stays in the client)."""
    r = client.post("/pair/exchange", data={"code": ctx.auth.code(), "device": "test tablet"})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    import re

    return re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)


def tree_hash(root: Path) -> str:
    """Every file's path and bytes under ``root`` (a socket: its path)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for f in sorted(filenames):
            p = Path(dirpath) / f
            data = p.read_bytes() if p.is_file() else b"(not a file)"      # the live mirror's socket
            h.update(str(p.relative_to(root)).encode() + b"\0" + data + b"\0")
    return h.hexdigest()


# -- a real browser and a real server (Debian's chromium through its chromedriver: no downloads) ---
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def need_browser():
    """Skip where chromium, its driver or selenium is missing — but under CI=true, fail."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        why = f"{', '.join(missing)} missing (Debian: apt install chromium chromium-driver; .ci/system-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; CI=true, so the browser test must run", pytrace=False)
        pytest.skip(why)


def headless_chromium(width: int, height: int, *extra: str):
    """A headless chromium (as root it needs --no-sandbox) with nothing that reaches the network."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-sync", "--disable-component-update",
              "--disable-default-apps", *extra):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
