"""`footmat bench`: one registry of sections that each capability adds to.

A section is a function ``run() -> dict`` in a module of this package; its keys are the
contract of PRODUCT.md §8 (sections may add more keys). Register a new one by adding a line
to SECTIONS — nothing is imported until that section runs.

The bench never reads or writes the user's files: every section runs with ``FOOTMAT_HOME``
pointing at a fresh temporary folder (:func:`temporary_home`), which the child processes the
sections start inherit through the environment; it is removed and the environment restored
afterwards. A section needs no home handling of its own.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import tempfile
import time
from pathlib import Path

_active: list[Path] = []   # the bench homes in use, innermost last

# section name -> (module in trainer.bench, function). Order is the run order.
SECTIONS: dict[str, tuple[str, str]] = {
    "machine": ("system", "machine"),
    "startup": ("system", "startup"),
    "pipeline": ("pipeline", "pipeline"),
    "accuracy": ("pipeline", "accuracy"),
    "acquisition": ("acquisition", "acquisition"),
    "render": ("render", "render"),
    "latency": ("render", "latency"),
    "analysis": ("analysis", "analysis"),
    "sessions": ("sessions", "sessions"),
    "export": ("export", "export"),
    "audio": ("audio", "audio"),
}


def available() -> list[str]:
    import os
    here = os.path.dirname(__file__)
    return [k for k, (m, _) in SECTIONS.items() if os.path.exists(os.path.join(here, m + ".py"))]


@contextlib.contextmanager
def temporary_home(fresh: bool = False):
    """``FOOTMAT_HOME`` → a new empty temporary folder while the block runs; afterwards the folder
    is removed and ``FOOTMAT_HOME`` is as it was (unset stays unset). Nested inside another one it
    reuses that folder, unless ``fresh`` (e.g. to time a first start). Yields the folder."""
    if _active and not fresh:
        yield _active[-1]
        return
    old = os.environ.get("FOOTMAT_HOME")
    folder = Path(tempfile.mkdtemp(prefix="footmat-bench-home-"))
    os.environ["FOOTMAT_HOME"] = str(folder)
    _active.append(folder)
    try:
        yield folder
    finally:
        _active.pop()
        if old is None:
            os.environ.pop("FOOTMAT_HOME", None)
        else:
            os.environ["FOOTMAT_HOME"] = old
        shutil.rmtree(folder, ignore_errors=True)


def run_section(name: str) -> dict:
    """Run one section in the bench's temporary home (a new one unless already inside one)."""
    module, func = SECTIONS[name]
    fn = getattr(importlib.import_module(f"trainer.bench.{module}"), func)
    with temporary_home():
        t0 = time.perf_counter()
        out = fn()
        out.setdefault("bench_s", round(time.perf_counter() - t0, 3))
    return out
