import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("BLINKA_SKIP_DEPENDENCY_CHECK", "1")


@pytest.fixture(autouse=True)
def footmat_home(tmp_path, monkeypatch):
    """Every test gets its own FOOTMAT_HOME, never the user's."""
    home = tmp_path / "home"
    monkeypatch.setenv("FOOTMAT_HOME", str(home))
    return home


def run_cli(capsys, *argv):
    from trainer.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(capsys):
    return lambda *argv: run_cli(capsys, *argv)
