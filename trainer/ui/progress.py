"""The progress plot of ``footmat history --plot``: per drill, over days and weeks, the score,
the left/right asymmetry, the sway before the drill and the pain ratings, from the rows of
:func:`trainer.sessions.history.load` (incomplete sessions marked apart, weekly means drawn
where there are two weeks or more). matplotlib is imported only when a plot is drawn.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from firmware.errors import UsageError
from firmware.fileio import atomic_write_bytes

from trainer.sessions.format import parse_started_at


def _date(text: str):
    return parse_started_at(text) if isinstance(text, str) else None


def plot(history: list[dict], out: Path) -> Path:
    """Progress per drill over days and weeks: score, left/right asymmetry, sway, pain."""
    import matplotlib

    if matplotlib.get_backend() == "":
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise UsageError(f"cannot draw a plot as {out.suffix or 'a file without a suffix'!r}", "use .png, .pdf or .svg")
    drills = sorted({r["drill"] for r in history if r["drill"]}) or ["(none)"]
    panels = [("score", "score (0-100)"), ("asymmetry_pp", "left/right asymmetry (pp)"),
              ("sway_mm_s", "sway before the drill (mm/s)"), ("pain", "pain 0-10")]
    fig = Figure(figsize=(4.5 * len(drills), 9), dpi=100)
    axes = fig.subplots(len(panels), len(drills), squeeze=False, sharex="col")
    for j, drill in enumerate(drills):
        rs = [r for r in history if r["drill"] == drill and _date(r["started_at"]) is not None]
        days = np.array([_date(r["started_at"]).timestamp() / 86400.0 for r in rs])
        for i, (key, label) in enumerate(panels):
            ax = axes[i][j]
            if key == "pain":
                for k, mark, name in (("before", "o", "before"), ("after", "s", "after")):
                    v = np.array([np.nan if r["pain"][k] is None else r["pain"][k] for r in rs], float)
                    if np.isfinite(v).any():
                        ax.plot(days, v, mark, ms=4, label=name)
                ax.set_ylim(-0.5, 10.5)
                if ax.get_legend_handles_labels()[0]:
                    ax.legend(fontsize=7, loc="upper right")
            else:
                v = np.array([np.nan if r[key] is None else r[key] for r in rs], float)
                done = np.array([r["complete"] for r in rs], bool)
                if v.size:
                    ax.plot(days[done], v[done], "o", ms=4, color="#2a9d8f", label="session")
                    ax.plot(days[~done], v[~done], "x", ms=5, color="#999999", label="incomplete")
                    weeks = np.floor(days / 7.0)
                    wk = sorted(set(weeks[np.isfinite(v)].tolist()))
                    if len(wk) > 1:
                        ax.plot([w * 7 + 3.5 for w in wk], [np.nanmean(v[weeks == w]) for w in wk], "-",
                                color="#e76f51", lw=2, label="weekly mean")
            ax.set_ylabel(label, fontsize=8)
            ax.grid(alpha=0.3)
        axes[0][j].set_title(f"{drill} ({len(rs)} sessions)")
        ticks = axes[-1][j].get_xticks()
        axes[-1][j].set_xticks(ticks)
        axes[-1][j].set_xticklabels([datetime.fromtimestamp(t * 86400, timezone.utc).strftime("%d %b")
                                     for t in ticks], fontsize=7, rotation=30)
        axes[-1][j].set_xlabel("date (UTC)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return atomic_write_bytes(out, buf.getvalue())
