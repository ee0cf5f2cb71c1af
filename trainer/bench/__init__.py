"""`footmat bench`: one registry of sections that each capability adds to.

A section is a function ``run() -> dict`` in a module of this package; its keys are the
contract of PRODUCT.md §8 (sections may add more keys). Register a new one by adding a line
to SECTIONS — nothing is imported until that section runs.
"""
from __future__ import annotations

import importlib
import time

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
}


def available() -> list[str]:
    import os
    here = os.path.dirname(__file__)
    return [k for k, (m, _) in SECTIONS.items() if os.path.exists(os.path.join(here, m + ".py"))]


def run_section(name: str) -> dict:
    module, func = SECTIONS[name]
    fn = getattr(importlib.import_module(f"trainer.bench.{module}"), func)
    t0 = time.perf_counter()
    out = fn()
    out.setdefault("bench_s", round(time.perf_counter() - t0, 3))
    return out
