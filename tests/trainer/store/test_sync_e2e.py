"""`footmat sync` end to end (issue 32): two mats (two FOOTMAT_HOMEs) and one clinic server — a
real `footmat serve --db postgresql://…` in a uvicorn subprocess on a free port, on a PostgreSQL
cluster of the test's own (tests/trainer/store/conftest.py). The mats' commands run in-process
(FOOTMAT_HOME switched per mat); the killed sync is a real `footmat sync` subprocess."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from trainer.sessions import people
from trainer.store import sync
from trainer.store.identity import session_identity

pytestmark = pytest.mark.slow
TOKEN = "sync-test-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _main(argv) -> list:
    return [sys.executable, "-c", f"import sys; from trainer.cli import main; sys.exit(main({argv!r}))"]


class Server:
    """`footmat serve --db URL --port N` in a subprocess, with its own FOOTMAT_HOME."""

    def __init__(self, home: Path, db_url: str):
        self.home, self.db_url, self.port = home, db_url, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def env(self) -> dict:
        return os.environ | {"FOOTMAT_HOME": str(self.home), "FOOTMAT_SERVE_TOKEN": TOKEN}

    def start(self):
        self.log = open(self.home.parent / f"serve-{self.port}.log", "ab")
        self.proc = subprocess.Popen(_main(["serve", "--port", str(self.port), "--db", self.db_url]),
                                     env=self.env(), stdout=self.log, stderr=self.log, cwd=ROOT)
        deadline = time.time() + 60
        while time.time() < deadline:
            assert self.proc.poll() is None, (self.home.parent / f"serve-{self.port}.log").read_text()
            try:
                if self.get("/api/sessions").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError("footmat serve did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def get(self, path: str):
        return httpx.get(self.url + path, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20)

    def sessions(self) -> list:
        r = self.get("/api/sessions")
        assert r.status_code == 200, r.text
        d = r.json()
        return d["sessions"] if isinstance(d, dict) else d

    def people(self) -> list:
        r = self.get("/api/people")
        assert r.status_code == 200, r.text
        d = r.json()
        return d["people"] if isinstance(d, dict) else d


@pytest.fixture
def mats(tmp_path, monkeypatch):
    """on(home): run in-process commands on a mat (its FOOTMAT_HOME)."""
    @contextmanager
    def on(name: str):
        home = tmp_path / name
        home.mkdir(exist_ok=True)
        with monkeypatch.context() as mp:
            mp.setenv("FOOTMAT_HOME", str(home))
            mp.setenv("FOOTMAT_SYNC_TOKEN", TOKEN)
            yield home
    return on


@pytest.fixture
def server(tmp_path, pg_url):
    srv = Server(tmp_path / "server", pg_url)
    srv.home.mkdir()
    yield srv
    srv.stop()


def record(cli, person="Ann", **kw):
    args = ["drill", "toe-press", "--reps", "1", "--backend", "sim", "--no-plot", "--audio", "off",
            "--person", person]
    for k, v in kw.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    code, _, err = cli(*args)
    assert code == 0, err
    return max((sync.home.home() / "sessions").iterdir(), key=lambda p: p.stat().st_mtime_ns)


def sync_json(cli, url):
    code, out, err = cli("sync", "--to", url, "--json")
    return code, json.loads(out) if out.strip() else None, err


def test_two_mats_one_history_no_doubles_and_caps_reach_the_mats(cli, mats, server):
    server.start()
    with mats("A"), pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOOTMAT_SYNC_TOKEN", "not-the-token-0123456789")
        code, _, err = cli("sync", "--to", server.url)
        assert code == 2 and "refused the sync token (401)" in err
    with mats("A"):
        assert cli("person", "add", "Ann", "--weight-kg", "61")[0] == 0
        assert cli("person", "set", "Ann", "--level", "spiral=3")[0] == 0
        assert cli("person", "add", "Bob", "--weight-kg", "80")[0] == 0
        ann_id = people.load("Ann").person_id
        a1 = record(cli)
        code, res, err = sync_json(cli, server.url)
        assert code == 0, err
        assert len(res["sent"]) == 1 and not res["refused"]
        ids_a = {session_identity(a1)}
    with mats("B"):
        assert cli("person", "add", "Bob", "--weight-kg", "95")[0] == 0   # another Bob, on mat B
        bob_b = people.load("Bob").person_id
        code, res, err = sync_json(cli, server.url)                  # B pulls Ann
        assert code == 0, err
        assert people.load("Ann").person_id == ann_id and people.load("Ann").levels["spiral"] == 3
        assert any("'Bob'" in c for c in res["clashes"])             # reported ...
        assert people.load("Bob").person_id == bob_b and people.load("Bob").weight_kg == 95.0   # ... not merged
        b1 = record(cli)                                             # Ann trains on B
        code, res, err = sync_json(cli, server.url)
        assert code == 0 and len(res["sent"]) == 1, err
        assert json.loads((b1 / "session.json").read_text())["person_id"] == ann_id
        ids_b = {session_identity(b1)}
    with mats("A"):
        a2 = record(cli)                                             # and on A again
        ids_a.add(session_identity(a2))
        code, res, err = sync_json(cli, server.url)
        assert code == 0 and res["sent"] == [a2.name], err

    rows = server.sessions()
    listed = [r.get("identity") or r.get("id") for r in rows]
    assert len(rows) == 3 and len(set(listed)) == 3
    assert {r.get("identity") for r in rows} == ids_a | ids_b
    anns = [p for p in server.people() if p.get("person_id") == ann_id]
    assert len(anns) == 1 and anns[0]["name"] == "Ann"
    assert [p["name"] for p in server.people()].count("Ann") == 1

    for mat in ("A", "B"):                                           # again: nothing added
        with mats(mat):
            code, res, err = sync_json(cli, server.url)
            assert code == 0 and res["sent"] == [] and res["already"] == [], err
    assert len(server.sessions()) == 3

    # a clinician caps Ann's spiral and excludes one-leg, on the server
    env = server.env()
    out = subprocess.run(_main(["person", "set", "Ann", "--max-level", "spiral=1", "--exclude", "heel-raises",
                                "--exclude", "toe-press", "--exclude", "stance"]),
                         env=env, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    with mats("B"):
        code, res, err = sync_json(cli, server.url)
        assert code == 0, err
        ann = people.load("Ann")
        assert ann.caps["max_level"].get("spiral") == 1 and "heel-raises" in ann.caps["exclude"]
        assert ann.levels["spiral"] == 1                             # the cap wins over the level 3
        honoured_by_today(cli)
    with mats("A"):                                                  # and mat A at its next sync
        assert sync_json(cli, server.url)[0] == 0
        assert people.load("Ann").caps["max_level"].get("spiral") == 1


def honoured_by_today(cli):
    """`footmat today` on mat B runs Ann's day within the clinician's caps: the spiral at level 1,
    the excluded drills not run (--short: one loop of each spiral part, nothing else)."""
    code, out, err = cli("today", "--person", "Ann", "--backend", "sim", "--no-plot", "--json", "--again", "--short",
                         "--pain-before", "2", "--pain-after", "2", "--audio", "off")
    assert code == 0, err
    block = json.loads(out)
    assert block["plan"] and {(p["drill"], p["level"]) for p in block["plan"]} == {("spiral", 1)}
    excluded = " ".join(e["detail"] for e in block["events"] if e["kind"] == "excluded")
    assert "heel-raises" in excluded and "toe-press" in excluded and "stance" in excluded


def test_offline_then_sigkill_mid_upload_then_every_session_once(cli, mats, server, tmp_path):
    with mats("A") as home:
        assert cli("person", "add", "Ann", "--weight-kg", "61")[0] == 0
        (home / "settings.toml").write_text(f'[sync]\nurl = "{server.url}"\n')
        # server down: the mat records normally, sync says so, --status lists what waits
        small = record(cli)
        big = record(cli, reps=6)
        code, _, err = cli("sync")
        assert code == 1 and "cannot reach the clinic server" in err
        code, out, _ = cli("sync", "--status")
        assert small.name in out and big.name in out and "2 session(s) wait" in out

        server.start()
        env = os.environ | {"FOOTMAT_HOME": str(home), "FOOTMAT_SYNC_TOKEN": TOKEN,
                            sync.CHUNK_ENV: "32768", sync.THROTTLE_ENV: "0.05"}
        ident = session_identity(big)
        for _ in range(2):                                           # killed twice mid-upload
            proc = subprocess.Popen(_main(["sync"]), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=ROOT)
            deadline = time.time() + 60
            while time.time() < deadline:
                st = server.get(f"/api/upload/sessions/{ident}").json()
                if st.get("state") == "partial" and sum(st.get("files", {}).values()) > 32768:
                    break
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert server.get(f"/api/upload/sessions/{ident}").json()["state"] == "partial"
            json.loads((home / "sync" / "state.json").read_text())  # the outbox is whole
        # session.json rewritten since (its summary, say): the partial upload of it cannot be
        # continued, so it is dropped and sent again; the identity (trace, events, drill, start,
        # person) is the same
        meta = json.loads((big / "session.json").read_text())
        (big / "session.json").write_text(json.dumps(meta | {"note": "rewritten after the kill"}))
        assert session_identity(big) == ident
        code, out, err = cli("sync", "--json")                        # resumes: every session once
        assert code == 0, err
        res = json.loads(out)
        assert big.name in res["sent"] and not res["waiting"]
        code, out, _ = cli("sync", "--status")
        assert "nothing waits" in out
    rows = server.sessions()
    idents = [r.get("identity") for r in rows]
    assert sorted(idents) == sorted({session_identity(small), ident})
    from trainer.store.query import upload_root
    stored = upload_root(server.home) / "sessions" / ident
    assert "rewritten after the kill" in (stored / "session.json").read_text()      # the new version went
    assert (stored / "trace.csv").read_bytes() == (big / "trace.csv").read_bytes()
