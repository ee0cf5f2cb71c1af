"""A real PostgreSQL for the tests: its own cluster in a temporary directory, started and stopped here.

Use it from any test package (the sync tests reuse it)::

    from tests.pg import postgres, pg_url   # noqa: F401  (fixtures, in a conftest.py or test module)

    def test_x(pg_url):          # a fresh, empty database for this test: "postgresql://...?host=..."
        ...

``postgres`` (session-scoped) is the running cluster (:class:`Cluster`); ``pg_url`` (per test)
creates a new database in it and gives its URL. As root (CI, ``make test``), ``initdb`` and
``pg_ctl`` run as the unprivileged ``postgres`` user through ``runuser`` (they refuse root) on a
directory chowned to it; otherwise as the current user. The server listens on a Unix socket in
that directory only (``-h ''``: no TCP), on a free port number, with fsync off (a test cluster).
Where PostgreSQL is not installed the tests skip with one line saying why — except under
``CI=true``, where they fail: there they must run.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER = "footmat"


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running PostgreSQL cluster in ``dir`` (socket there too)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="footmat-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._n = itertools.count(1)
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, *argv, check=True):
        cmd = [str(a) for a in argv]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        got = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if check and got.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({got.returncode}): {got.stderr.strip()[-800:]}")
        return got

    def start(self) -> "Cluster":
        self._run(self.bindir / "initdb", "-D", self.data, "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        opts = f"-k {self.dir} -p {self.port} -h '' -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=16MB -c max_connections=40"
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.dir / "log", "-w", "-t", "60",
                  "start")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{USER}@/{dbname}?host={self.dir}&port={self.port}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._n)}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def _unavailable(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL: {why}; CI=true, so the PostgreSQL tests must run", pytrace=False)
    pytest.skip(f"PostgreSQL: {why}")


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL cluster for this test session (stopped and removed afterwards)."""
    bindir = _bin()
    if bindir is None:
        _unavailable("initdb is not installed (Debian: apt-get install postgresql, as root)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run initdb as")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        cluster.stop()
        _unavailable(f"could not start a cluster ({' '.join(str(e).split())[:300]})")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(postgres) -> str:
    """The URL of a fresh, empty database in the test cluster."""
    return postgres.new_database()
