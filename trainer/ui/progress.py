"""The progress page of ``footmat history --plot``: one person's progress over days and weeks.

Panels, in this order, each only when there is something to draw: pain before and after the
sessions, the spiral's score, the other drills' scores, left/right symmetry (how unevenly the
weight was shared), sway while standing still, and the level once the history carries one. Dates
read as dates; every y-axis starts at zero and spans at least a sensible range, so that day-to-day
noise is not drawn as a trend. A PNG is one page for the mat's 800×480 screen (1600×960 pixels,
type large enough to read at half size); a PDF is an A4 landscape page. matplotlib is imported
only when a page is drawn.
"""
from __future__ import annotations

import io
import math
from datetime import timedelta
from pathlib import Path

import numpy as np

from firmware.errors import UsageError
from firmware.fileio import atomic_write_bytes

from trainer.sessions.format import parse_started_at

PNG_SIZE_IN, PNG_DPI = (8.0, 4.8), 200          # 1600 × 960 px: the 800×480 screen at twice its pixels
A4_LANDSCAPE_IN = (11.69, 8.27)
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
# drills that stand on both feet evenly: their left/right difference says something about symmetry
# (one-leg, the shifts, limits and the spiral move the weight on purpose)
SYMMETRY_DRILLS = ("stance", "heel-raises", "toe-press")


def _date(text):
    try:
        return parse_started_at(text) if isinstance(text, str) else None
    except (ValueError, TypeError):
        return None


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def panels(history: list[dict]) -> list[dict]:
    """What the page shows: [{title, ylabel, ymax, series: [(label, dates, values, marker)]}]."""
    rows = [r for r in history if _date(r.get("started_at")) is not None]
    out = []

    def series(rs, key):
        pts = [(_date(r["started_at"]), _num(r.get(key))) for r in rs]
        pts = [(d, v) for d, v in pts if v is not None]
        return [d for d, _ in pts], [v for _, v in pts]

    pain = []
    for k, label, mark in (("before", "before", "o"), ("after", "after", "s")):
        pts = [(_date(r["started_at"]), (r.get("pain") or {}).get(k)) for r in rows]
        pts = [(d, float(v)) for d, v in pts if isinstance(v, (int, float))]
        if pts:
            pain.append((f"pain {label}", [d for d, _ in pts], [v for _, v in pts], mark))
    if pain:
        out.append({"title": "Pain (0–10)", "ylabel": "pain", "ymax": 10.0, "fixed": True, "series": pain})
    d, v = series([r for r in rows if r.get("drill") == "spiral"], "score")
    if v:
        out.append({"title": "Spiral score", "ylabel": "score (of 100)", "ymax": 105.0, "fixed": True,
                    "series": [("spiral", d, v, "o")]})
    others = []
    for drill in sorted({r.get("drill") for r in rows if r.get("drill") not in (None, "spiral")}):
        d, v = series([r for r in rows if r.get("drill") == drill], "score")
        if v:
            others.append((drill, d, v, "o"))
    if others:
        out.append({"title": "Other drills' scores", "ylabel": "score (of 100)", "ymax": 105.0, "fixed": True,
                    "series": others})
    ss = []
    for drill in SYMMETRY_DRILLS:
        d, v = series([r for r in rows if r.get("drill") == drill], "asymmetry_pp")
        if v:
            ss.append((drill, d, v, "o"))
    if ss:
        top = max(max(s[2]) for s in ss)
        out.append({"title": "Left/right difference (0 = even)", "ylabel": "difference (points)",
                    "ymax": max(10.0, top * 1.25), "fixed": False, "series": ss})
    d, v = series(rows, "sway_mm_s")
    if v:
        out.append({"title": "Sway standing still before a drill", "ylabel": "speed (mm/s)",
                    "ymax": max(10.0, max(v) * 1.25), "fixed": False, "series": [("sway", d, v, "o")]})
    lv = []                 # the programme's level of each drill over time (`footmat today`)
    for drill in sorted({r.get("drill") for r in rows if _num(r.get("level")) is not None}):
        d, v = series([r for r in rows if r.get("drill") == drill], "level")
        if v:
            lv.append((drill, d, v, "o"))
    if lv:
        top = max(max(s[2]) for s in lv)
        out.append({"title": "Level", "ylabel": "level", "ymax": max(5.0, top + 1), "fixed": False, "series": lv})
    return out


def plot(history: list[dict], out: Path, person: str | None = None) -> Path:
    """Draw one person's progress page (PNG for the screen, PDF on A4, SVG) → ``out``."""
    import matplotlib

    if matplotlib.get_backend() == "":
        matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator, FuncFormatter
    from matplotlib.figure import Figure

    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf", "svg"):
        raise UsageError(f"cannot draw a plot as {out.suffix or 'a file without a suffix'!r}", "use .png, .pdf or .svg")
    pans = panels(history)
    size, dpi = (A4_LANDSCAPE_IN, 100) if fmt == "pdf" else (PNG_SIZE_IN, PNG_DPI)
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    dates = [_date(r.get("started_at")) for r in history if _date(r.get("started_at")) is not None]
    who = person or ", ".join(sorted({str(r.get("person")) for r in history if r.get("person")})) or "everyone"
    span = f"{min(dates):%d %b %Y} – {max(dates):%d %b %Y}" if dates else "no sessions yet"
    fig.suptitle(f"Progress of {who}: {len(history)} session(s), {span}", fontsize=13, fontweight="bold")
    if not pans:
        fig.text(0.5, 0.5, "Nothing to show yet: no session has a score, a pain rating or a sway figure.\n"
                 "Run footmat drill spiral (with --pain-before and --pain-after) and look again.",
                 ha="center", va="center", fontsize=12)
    else:
        n = len(pans)
        cols = 1 if n == 1 else 2 if n <= 4 else 3
        rowsn = math.ceil(n / cols)
        axes = fig.subplots(rowsn, cols, squeeze=False)
        colour = {}
        lo, hi = min(dates), max(dates)
        pad = max(timedelta(days=1), (hi - lo) * 0.05)          # days and weeks, never hours
        xlim = (lo - pad, max(hi + pad, lo + timedelta(days=7)))
        # Within a few months every tick says its day and month ("7 Dec"), as a person writes a date;
        # matplotlib's concise labels ("09", "13" under a "2026-Dec") read as numbers, not dates.
        short_span = (xlim[1] - xlim[0]) <= timedelta(days=120)
        day_month = FuncFormatter(lambda x, _pos: f"{mdates.num2date(x).day} {mdates.num2date(x):%b}")
        # the ticks start on the first session's day, a few days apart
        first_day = lo.replace(hour=0, minute=0, second=0, microsecond=0)
        step = max(1, math.ceil((xlim[1] - first_day).days / 4))
        day_ticks = [mdates.date2num(first_day + timedelta(days=k))
                     for k in range(0, (xlim[1] - first_day).days + 1, step)]
        for ax, p in zip(axes.flat, pans):
            for label, d, v, mark in p["series"]:
                c = colour.setdefault(label, PALETTE[len(colour) % 6])
                order = np.argsort(d)
                ax.plot([d[i] for i in order], [v[i] for i in order], marker=mark, ms=5, lw=1.2, color=c,
                        label=label)
            ax.set_ylim(0, p["ymax"])
            ax.set_xlim(*xlim)
            ax.set_title(p["title"], fontsize=11)
            ax.set_ylabel(p["ylabel"], fontsize=9)
            loc = mdates.AutoDateLocator(minticks=2, maxticks=4, interval_multiples=True)
            loc.intervald[mdates.HOURLY] = []          # ticks on days, weeks and months only
            loc.intervald[mdates.MINUTELY] = []
            ax.xaxis.set_major_locator(FixedLocator(day_ticks) if short_span else loc)
            ax.xaxis.set_major_formatter(day_month if short_span else mdates.ConciseDateFormatter(loc))
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            if len(p["series"]) > 1:
                ax.legend(fontsize=7, frameon=False, loc="best")
        for ax in list(axes.flat)[n:]:
            ax.remove()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return atomic_write_bytes(out, buf.getvalue())
