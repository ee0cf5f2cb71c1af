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
    "web": ("web", "web"),
    "history": ("store", "history"), "sync": ("store", "sync"),     # issue 31: the session index, uploads
}

# Each section's time budget (s, wall clock on the development machine) and the simulated
# scenario it runs on, stated beside its figures (a section may state a more precise one itself
# under "scenario"). The budgets add up to the whole bench's 8 minutes (PRODUCT.md §8).
BUDGET_S: dict[str, float] = {
    "machine": 2, "startup": 20, "pipeline": 20, "accuracy": 85, "acquisition": 70, "render": 60,
    "latency": 60, "analysis": 20, "sessions": 60, "export": 30, "audio": 18, "web": 20,
    "history": 8, "sync": 7,      # issue 31: 15 s taken from accuracy (100 -> 85)
}
TOTAL_BUDGET_S = 480.0
SCENARIO: dict[str, str] = {
    "machine": "none (the machine the bench runs on)",
    "startup": "simulated mat (ideal), a drill started as a new process until its first drawn frame",
    "pipeline": "simulated mat (ideal), virtual clock",
    "accuracy": "simulated mats: ideal, realistic and realistic_8 (each part names its own)",
    "acquisition": "timing-faithful simulated ADS1115 chips on a simulated I2C bus, real clock",
    "render": "simulated mat, chips converting instantly, paced by the real clock, Agg or Tk window",
    "latency": "simulated mat, step of the true CoP to the drawn marker, real clock",
    "analysis": "one synthetic hour of 200 Hz CoP",
    "sessions": "a synthetic hour written by the recorder; a real drill process on the simulated mat",
    "export": "a synthetic one-hour session of 200 Hz frames (6 sensors), time stamps of 16-18 digits (a real clock)",
    "audio": "simulated mat, spiral in real time at 200 Hz",
    "web": "a footmat drill process (simulated mat, spiral, real time, no view) → footmat serve → a WebSocket client",
    "history": "100k synthetic session rows of 20 people in the mat's SQLite (FOOTMAT_BENCH_DB: PostgreSQL)",
    "sync": "recorded sessions sent by the sync client to footmat serve (uvicorn) on 127.0.0.1",
}

# The targets of PRODUCT.md §8: key path in a section -> (">=" or "<=", target). Every figure
# here gets ``<key>_meets: true|false`` beside it, and the text output marks a miss.
TARGETS: dict[str, dict[str, tuple[str, float]]] = {
    "startup": {"help_s": ("<=", 0.3), "first_frame_s": ("<=", 1.0)},
    "acquisition": {"bus_400khz.frames_per_s": (">=", 200.0), "under_load.ratio": (">=", 0.95)},
    "render": {"cpu_pct_one_core": ("<=", 20.0),
               "at_60fps.view_fps": (">=", 58.0), "at_60fps.sampling_hz": (">=", 195.0),
               "at_60fps.cpu_pct_one_core": ("<=", 30.0)},
    "latency": {"at_60fps.p95_ms": ("<=", 50.0)},
    "analysis": {"one_hour_200hz_s": ("<=", 0.5)},
    "sessions": {"drill_rss_growth_mb_per_h": ("<=", 5.0)},
    "export": {"csv_one_hour_s": ("<=", 2.0), "json_one_hour_s": ("<=", 2.0), "c3d_one_hour_s": ("<=", 2.0)},
    "web": {"live_p95_ms": ("<=", 150.0), "live_updates_per_s": (">=", 25.0)},
    "history": {"progress_query_ms": ("<=", 200.0)},
}


def meets(value, op: str, target: float):
    """True/False when ``value`` is a number; None when the figure was not measured."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return value >= target if op == ">=" else value <= target


def judge(name: str, out: dict) -> dict:
    """Add ``<key>_meets`` beside every figure of section ``name`` that has a target, the
    section's ``scenario`` (unless it states its own), ``budget_s`` and ``bench_s_meets``."""
    for path, (op, target) in TARGETS.get(name, {}).items():
        *parents, key = path.split(".")
        node = out
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
        if not isinstance(node, dict) or key not in node:
            continue
        node[f"{key}_meets"] = meets(node[key], op, target)
        node.setdefault(f"{key}_target", f"{op} {target:g}")
    if name in SCENARIO:
        out.setdefault("scenario", SCENARIO[name])
    if name in BUDGET_S:
        out["budget_s"] = BUDGET_S[name]
        if "bench_s" in out:
            out["bench_s_meets"] = out["bench_s"] <= BUDGET_S[name]
            out["bench_s_target"] = f"<= {BUDGET_S[name]:g}"
    return out


def misses(result: dict, prefix: str = "") -> list[str]:
    """The key paths whose ``*_meets`` is False, for the text output's summary."""
    found = []
    for k, v in result.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            found += misses(v, path)
        elif k.endswith("_meets") and v is False:
            found.append(path[: -len("_meets")])
    return found


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
    return judge(name, out)
