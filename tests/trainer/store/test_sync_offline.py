"""`footmat sync` without a server: settings, the outbox, --status, the offline message, the
hook after a session. (The end-to-end exchange with a real serve is test_sync_e2e.py.)"""
import json
import os
import socket
import time

import pytest

from trainer.sessions.reader import read_session
from trainer.store import sync


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def record(cli, person="Ann"):
    code, out, err = cli("drill", "toe-press", "--reps", "1", "--backend", "sim", "--no-plot", "--person", person)
    assert code == 0, err
    return sorted((sync.home.home() / "sessions").iterdir())[-1]


@pytest.fixture
def ann(cli):
    assert cli("person", "add", "Ann", "--weight-kg", "61")[0] == 0


def test_offline_mat_records_status_lists_it_and_sync_says_so_in_one_line(cli, ann, footmat_home, monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}"
    (footmat_home / "settings.toml").write_text(f'[sync]\nurl = "{url}"\n')
    monkeypatch.setenv("FOOTMAT_SYNC_TOKEN", "t" * 32)
    folder = record(cli)
    assert read_session(folder).meta["complete"] is True          # the mat records normally

    code, out, err = cli("sync")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot reach the clinic server" in lines[0] and "1 session(s) wait" in lines[0]
    from trainer.store.identity import session_identity
    cached = sync.load_state()["identities"][folder.name]             # hashed once, not again next time
    assert cached["identity"] == session_identity(folder) and not sync.load_state()["servers"][url]["sent"]

    code, out, err = cli("sync", "--status")
    assert code == 0 and folder.name in out and "1 session(s) wait" in out and url in out
    assert "people new or changed since the last sync: Ann" in out
    code, out, _ = cli("sync", "--status", "--json")
    st = json.loads(out)
    assert [w["session"] for w in st["waiting"]] == [folder.name] and st["waiting"][0]["person"] == "Ann"

    folder2 = record(cli)                                            # still offline: both wait, oldest first
    todo, _ = sync.waiting(url)
    assert [p.folder for p in todo] == sorted([folder, folder2])
    assert not (footmat_home / "sync" / "state.json").exists() or not sync.load_state()["servers"].get(url, {}).get("sent")


def test_a_session_being_recorded_waits_until_it_ends_or_has_settled(footmat_home, cli, ann):
    folder = record(cli)
    meta_path = folder / "session.json"
    meta = json.loads(meta_path.read_text())
    meta["complete"] = False                                          # as a killed or running recording
    meta_path.write_text(json.dumps(meta))
    todo, busy = sync.waiting("http://127.0.0.1:1")
    assert not todo and [p.folder for p in busy] == [folder]
    old = time.time() - sync.SETTLE_S - 5                             # untouched for longer: it was killed
    for f in folder.iterdir():
        os.utime(f, (old, old))
    todo, busy = sync.waiting("http://127.0.0.1:1")
    assert [p.folder for p in todo] == [folder] and not busy


def test_settings_and_token_errors_exit_2_with_the_fix(cli, footmat_home, monkeypatch):
    monkeypatch.delenv("FOOTMAT_SYNC_TOKEN", raising=False)
    code, _, err = cli("sync")
    assert code == 2 and "no clinic server" in err and "--to" in err
    code, _, err = cli("sync", "--to", "http://127.0.0.1:9")
    assert code == 2 and "FOOTMAT_SYNC_TOKEN" in err
    code, _, err = cli("sync", "--to", "ftp://clinic")
    assert code == 2 and "not an http(s) address" in err
    footmat_home.mkdir(parents=True, exist_ok=True)
    (footmat_home / "settings.toml").write_text("[sync\nurl=")
    code, _, err = cli("sync", "--status")
    assert code == 2 and "settings.toml" in err
    (footmat_home / "settings.toml").write_text('[sync]\nurl = "https://clinic.example:8443/"\nafter_every_session = true\n')
    s = sync.load_settings()
    assert s.url == "https://clinic.example:8443" and s.after_every_session is True


def test_plain_http_warning_only_off_this_computer():
    assert sync.plain_http_warning("http://192.168.1.20:8000")
    assert "TLS" in sync.plain_http_warning("http://clinic.example")
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "https://clinic.example"):
        assert sync.plain_http_warning(url) is None


def test_after_session_hook_never_fails_the_drill_offline(cli, ann, footmat_home, monkeypatch):
    assert sync.after_session() is False                              # no settings: nothing happens
    url = f"http://127.0.0.1:{closed_port()}"
    (footmat_home / "settings.toml").write_text(f'[sync]\nurl = "{url}"\nafter_every_session = true\n')
    monkeypatch.setenv("FOOTMAT_SYNC_TOKEN", "t" * 32)
    folder = record(cli)                                              # the drill's own hook runs here
    assert read_session(folder).meta["complete"] is True
    log = footmat_home / "sync" / "last-background-sync.log"
    deadline = time.time() + 60
    while time.time() < deadline and "cannot reach" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    assert "cannot reach the clinic server" in log.read_text()       # the background sync ran and gave up
    todo, _ = sync.waiting(url)
    assert [p.folder for p in todo] == [folder]                       # and the session still waits


def test_accept_people_writes_person_files_reports_clashes_and_refuses_malformed_whole(cli, footmat_home):
    """The server's half of POST /api/sync/people (run here on a home standing for the serve machine)."""
    from firmware.errors import UsageError
    from trainer.sessions import people

    assert cli("person", "add", "Bob", "--weight-kg", "80")[0] == 0
    bob_here = people.load("Bob").person_id
    ann = {"person_id": "a" * 32, "name": "Ann", "levels": {"spiral": 2}, "caps": {"max_level": {}, "exclude": []},
           "profile": {"weight_kg": 61.0, "units": "kg"}, "levels_at": {"spiral": "2026-12-01T10:00:00.000Z"}}
    other_bob = {"person_id": "b" * 32, "name": "Bob", "levels": {}, "caps": {}, "profile": {"weight_kg": 90.0}}
    before = sorted(p.read_bytes() for p in people.home.people_dir().glob("*.json"))
    with pytest.raises(UsageError):
        sync.accept_people({"people": [ann, {"person_id": "c" * 32, "name": "../x", "profile": {"weight_kg": 70}}]})
    with pytest.raises(UsageError):
        sync.accept_people({"people": [ann | {"profile": {"weight_kg": 3}}]})
    assert sorted(p.read_bytes() for p in people.home.people_dir().glob("*.json")) == before   # nothing written
    out = sync.accept_people({"people": [ann, other_bob]})
    assert out["stored"] == ["a" * 32]
    assert out["clashes"] == [{"name": "Bob", "person_id": "b" * 32, "other_person_id": bob_here}]
    assert people.load("Ann").levels == {"spiral": 2} and people.load("Ann").person_id == "a" * 32
    assert people.load("Bob").person_id == bob_here and people.load("Bob").weight_kg == 80.0
    out = sync.accept_people({"people": [ann | {"name": "Anne"}]})               # renamed on a mat
    assert out["stored"] == ["a" * 32] and "Ann" not in people.names() and people.load("Anne").person_id == "a" * 32


def test_one_sync_at_a_time_the_second_says_so_and_exits_1(cli, footmat_home, monkeypatch):
    monkeypatch.setenv("FOOTMAT_SYNC_TOKEN", "t" * 32)
    with sync.lock(wait=False):
        code, _, err = cli("sync", "--to", f"http://127.0.0.1:{closed_port()}")
    assert code == 1 and "another footmat sync is running" in err


def test_a_file_the_server_keeps_finding_damaged_is_given_up_not_sent_forever(tmp_path, monkeypatch):
    """The server takes each chunk but finds the whole file's SHA-256 wrong at its last one (the
    file changed while it was sent) and drops it (422, from 0): the client starts over with a fresh
    digest a bounded number of times, then reports the session refused — never resends forever."""
    import re

    import httpx

    from trainer.store import protocol as proto

    folder = tmp_path / "s"
    folder.mkdir()
    for name in ("session.json", "trace.csv"):
        (folder / name).write_bytes(b"x" * 5000)
    monkeypatch.setenv(sync.CHUNK_ENV, "1000")
    puts = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"state": proto.STATE_PARTIAL, "files": {}})
        if request.method == "PUT":
            puts.append(request.url.path)
            if len(puts) > 200:
                raise AssertionError("the client keeps resending the file")
            first, last, total = map(int, re.findall(r"\d+", request.headers[proto.HEADER_RANGE]))
            if last + 1 < total:
                return httpx.Response(200, json={"received": last + 1})
            return httpx.Response(proto.INVALID, json={"received": 0, "error": "sha-256 does not match"})
        return httpx.Response(204)

    client = sync.Client("http://clinic.test", "t" * 20, transport=httpx.MockTransport(handler))
    try:
        got = sync.upload_session(client, folder, "a" * 64)
    finally:
        client.close()
    assert got.startswith("refused"), got
    assert len(puts) <= 3 * 2 * 5, len(puts)    # 3 attempts, each at most two passes of 5 chunks
