"""Where a user's files live: $FOOTMAT_HOME (default ~/footmat), created on first use only."""
from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The footmat home folder (not created here)."""
    return Path(os.environ.get("FOOTMAT_HOME") or Path.home() / "footmat").expanduser()


def ensure(*parts: str) -> Path:
    """A folder under the home, created (with its parents) when missing."""
    p = home().joinpath(*parts)
    p.mkdir(parents=True, exist_ok=True)
    return p


def sessions_dir() -> Path:
    return ensure("sessions")


def people_dir() -> Path:
    return ensure("people")


def history_path() -> Path:
    return ensure() / "history.sqlite"


def calibration_path(layout_name: str) -> Path:
    """The mat's calibration: one per layout, shared by everyone who stands on that mat."""
    return home() / f"calibration-{layout_name}.json"
