"""`footmat routine` as shipped (the daily routine, no rests) reads back through every reader
(tests/trainer/sessions/test_readback.py says how). The longest test of the suite: a file of its
own, so that make test's workers (pytest-xdist, ``--dist loadfile``) run it beside the rest of
test_readback.py, and started first (tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.trainer.sessions.test_readback import _routine_reads_back


@pytest.mark.slow
def test_daily_routine_reads_back(cli, tmp_path):
    """`footmat routine` as shipped (the daily routine, no rests): about a minute on 2 cores."""
    _routine_reads_back(cli, tmp_path, [])
