"""Session pictures: the simple report.png (path against target)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np


def read_trace_columns(folder: Path, names: list[str]) -> dict:
    cols = {n: [] for n in names}
    with open(Path(folder) / "trace.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for n in names:
                v = row.get(n, "")
                try:
                    cols[n].append(float(v) if v not in ("", None) else np.nan)
                except ValueError:
                    cols[n].append(np.nan)
    return {n: np.array(v) for n, v in cols.items()}


def simple_report(folder: Path, out: Path | None = None) -> Path:
    import matplotlib
    matplotlib.use("Agg", force=False) if matplotlib.get_backend() == "" else None
    from matplotlib.figure import Figure

    from firmware.layout import parse_layout

    folder = Path(folder)
    meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    layout = parse_layout(meta["layout"], "session")
    c = read_trace_columns(folder, ["cop_x_mm", "cop_y_mm", "target_x_mm", "target_y_mm"])
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    from .view import draw_feet
    draw_feet(ax, layout)
    running = np.isfinite(c["target_x_mm"])
    ax.plot(c["target_x_mm"], c["target_y_mm"], color="#2a9d8f", lw=3, alpha=0.6, label="target path")
    ax.plot(np.where(running, c["cop_x_mm"], np.nan), np.where(running, c["cop_y_mm"], np.nan),
            color="#e76f51", lw=1, label="your centre of pressure")
    s = meta.get("summary", {})
    title = f"{meta['drill']} — {meta['started_at'][:16].replace('T', ' ')} UTC — score {s.get('score')}"
    if not meta.get("complete"):
        title += " (incomplete)"
    ax.set_title(title)
    ax.legend(loc="lower center", fontsize=8)
    out = Path(out) if out else folder / "report.png"
    from firmware.fileio import atomic_write_bytes
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format=out.suffix.lstrip(".") or "png")
    atomic_write_bytes(out, buf.getvalue())
    return out
