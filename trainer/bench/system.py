"""Bench sections `machine` and `startup`."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time


def machine() -> dict:
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for dist in ("numpy", "scipy", "matplotlib", "gpiozero", "adafruit-circuitpython-ads1x15", "footmat"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions}


def _time_cmd(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):   # the child inherits the bench's temporary FOOTMAT_HOME (trainer.bench)
        t0 = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _import_time(module: str) -> float:
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    try:
        return float(out.stdout.strip())
    except ValueError:
        return float("nan")


def startup() -> dict:
    exe = [sys.executable, "-m", "trainer.cli"]
    result = {"help_s": round(_time_cmd(exe + ["--help"]), 4)}
    result["import_s"] = {m: round(_import_time(m), 4) for m in
                          ("trainer.cli", "numpy", "scipy.signal", "matplotlib.pyplot", "adafruit_ads1x15.ads1x15")}
    try:
        from .render import first_frame_s
        result["first_frame_s"] = first_frame_s()
    except ImportError:
        pass
    return result
