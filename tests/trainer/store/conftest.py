"""The store's tests: a real PostgreSQL (tests/pg.py: ``postgres``, ``pg_url``) and real session folders."""
from tests.pg import pg_url, postgres  # noqa: F401
