import gc
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "data" / "real"          # the shared real force-plate recordings, read in place
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("BLINKA_SKIP_DEPENDENCY_CHECK", "1")
# A safety net under the per-test home below: anything that runs outside a test's own home
# (module-scoped fixtures, collection) still never reaches the user's ~/footmat.
os.environ["FOOTMAT_HOME"] = tempfile.mkdtemp(prefix="footmat-tests-home-")


# The files that take longest start first, longest first (wall seconds of each file under `make
# test`'s three workers on this 2-core machine, measured per test at b5d3295 + the poses default,
# issue 33), so that the workers end together instead of one finishing the day's `today` tests
# alone. make test passes --no-loadscope-reorder: pytest-xdist would otherwise hand out the files
# with the most tests first, and these are mostly files of one long test. Only the order changes:
# every test runs, each file's tests in their own order.
HEAVY_FIRST = (
    "trainer/sessions/test_readback_routine.py",   # 91 s
    "trainer/drills/test_balance.py",              # 82
    "trainer/sessions/test_readback.py",           # 66
    "trainer/ui/test_report_drills.py",            # 52
    "trainer/sessions/test_replay.py",             # 49
    "trainer/drills/test_streaming.py",            # 42
    "trainer/drills/test_feedback.py",             # 41
    "trainer/sessions/test_history.py",            # 37
    "trainer/app/test_pipeline.py",                # 35
    "trainer/app/test_today_days_poor.py",         # 31
    "trainer/app/test_today_days_holding.py",      # 31
    "trainer/app/test_today_days_pain.py",         # 28
    "trainer/ui/test_view_screen.py",              # 28
    "trainer/drills/test_exercise.py",             # 27
    "trainer/app/test_today_days_improving.py",    # 26
    "trainer/store/test_sync_e2e.py",              # 24
    "trainer/sessions/test_format.py",             # 24
    "trainer/app/test_simperson_screen.py",        # 20
    "trainer/ui/test_audio.py",                    # 20
    "trainer/app/test_today.py",                   # 18
    "trainer/web/test_live.py",                    # 17
    "trainer/app/test_simperson_bench.py",         # 17
    "calibration/test_procedure.py",               # 16
    "trainer/bench/test_home.py",                  # 15
    "trainer/app/test_crash.py",                   # 15
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    tests = ROOT / "tests"

    def key(item):
        try:
            rel = item.path.relative_to(tests).as_posix()
        except ValueError:
            return (2, 0)
        if rel in rank:
            return (0, rank[rel])
        return (1, 0) if item.path in slow_files else (2, 0)

    items.sort(key=key)          # stable: the rest keep the order they were collected in


def pytest_collection_finish(session):
    """Everything collection imported (numpy, scipy, matplotlib, the product, the tests) lives
    until the run ends: out of the cyclic collector's way (gc.freeze), and its young generation
    collected every 10,000 allocations instead of 700, so a simulated drill's millions of
    short-lived tuples and lists do not set off scans of the whole heap (4 % of a `footmat today`
    day's CPU was the collector's). When cycles are collected changes, not what a test runs."""
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@pytest.fixture(autouse=True)
def footmat_home(tmp_path, monkeypatch):
    """Every test gets its own FOOTMAT_HOME, never the user's."""
    home = tmp_path / "home"
    monkeypatch.setenv("FOOTMAT_HOME", str(home))
    return home


def need_real(path: Path) -> Path:
    """``path`` (a file of the shared real recordings under :data:`REAL`), when it is there.

    Missing, the test is skipped on a developer's machine, and fails where the environment
    variable CI is "true": there the real-data tests must run, never silently skip.
    """
    if not path.exists():
        why = f"{path} is not here (the shared real recordings are read in place from {REAL})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; CI=true, so the real-data tests must run", pytrace=False)
        pytest.skip(why)
    return path


def run_cli(capsys, *argv):
    from trainer.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(capsys):
    return lambda *argv: run_cli(capsys, *argv)
