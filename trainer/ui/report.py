"""A session's report page (report.png / .pdf), one page per drill with that drill's own pictures,
and a routine's report: one page per part (PDF).

Every page, top to bottom: what was done, by whom and when (pain only when it was given); the
drill's ``feedback`` sentences; the drill's own pictures (:mod:`trainer.ui.report_panels`); its
three or four main figures with human names and units; this session against the person's last
five (when there are five in the history); and, small, every figure of the summary as an appendix.
Incomplete (crashed) sessions are drawn from what was recorded and say so.

``simple_report(folder)`` is what the runner calls at the end of every drill.
"""
from __future__ import annotations

import io
import json
import math
import textwrap
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError, UsageError
from firmware.fileio import atomic_write_bytes
from firmware.layout import parse_layout

from trainer.sessions import history
from trainer.sessions.reader import read_session
from trainer.ui.report_panels import panels_for
from trainer.ui.report_words import appendix_lines, feedback_of, headline_figures, value_text

ROUTINE_FILE = "routine.json"
A4 = (8.27, 11.69)
PANEL_BOX = [0.07, 0.42, 0.88, 0.33]           # the drill's own pictures
# what "this session against your last five" compares, by what the drill has: (row key, name, unit)
COMPARE = (("score", "score", "/100"), ("asymmetry_pp", "difference left to right", "points"),
           ("sway_mm_s", "sway speed standing still", "mm/s"))


def _mpl():
    import matplotlib

    if matplotlib.get_backend() == "":
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure


def _out_format(out: Path) -> str:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise UsageError(f"--out {str(out)!r}: the report is a .png or a .pdf", "give --out F.png or F.pdf")
    return fmt


def _header_lines(meta: dict, layout_name: str) -> list[str]:
    person = meta.get("person") or {}
    cal = meta.get("calibration") or {}
    pain = meta.get("pain") or {}
    wkg = person.get("weight_kg")
    who = f"{person.get('name', 'unknown')}" + (f", {wkg:g} kg" if isinstance(wkg, (int, float)) else "") \
        + (" (default person)" if person.get("default") else "")
    dur = meta.get("duration_s")
    lines = [f"Person: {who}" + (f"  ·  {dur / 60:.1f} minutes" if isinstance(dur, (int, float)) and dur > 0 else ""),
             f"Mat: layout {layout_name}, " + (lambda m: m if "calibration" in m else f"calibration {m}")(
                 str(cal.get("method", "unknown")))
             + (f" of {str(cal.get('created_at'))[:10]}" if cal.get("created_at") else "")
             + (f" by {cal['calibrated_by']}" if cal.get("calibrated_by") else "")]
    given = {k: pain.get(k) for k in ("before", "after") if isinstance(pain.get(k), (int, float))}
    if given:
        lines.append("Pain (0–10): " + ", ".join(f"{k} {v:g}" for k, v in given.items()))
    return lines


def _last_five(meta: dict, folder: Path):
    """(this session's history row, the last five rows) or None when there are fewer than five."""
    person = (meta.get("person") or {}).get("name")
    prev = history.last_sessions(person, meta.get("drill"), str(meta.get("started_at")), 5)
    if len(prev) < 5:
        return None
    try:
        this = history.row_for(folder)
    except DataFileError:
        return None
    return this, prev


def _draw_last_five(fig, box, this: dict, prev: list[dict]):
    key = next((k for k in COMPARE if this.get(k[0]) is not None
                and all(p.get(k[0]) is not None for p in prev)), None)
    if key is None:
        return None
    k, name, unit = key
    vals = [p[k] for p in prev]
    ax = fig.add_axes(box)
    ax.plot(range(5), vals, "o-", color="0.6", label="your last five")
    ax.plot([5], [this[k]], "o", ms=10, color="#d55e00", label="this session")
    ax.set_xticks(range(6))
    ax.set_xticklabels([p["started_at"][5:10] for p in prev] + ["now"], fontsize=7)
    lo, hi = min(vals + [this[k]]), max(vals + [this[k]])
    span = {"score": 20.0, "asymmetry_pp": 5.0, "sway_mm_s": 5.0}[k]   # no noise blown up into a trend
    mid = (lo + hi) / 2
    half = max((hi - lo) / 2 * 1.2, span / 2)
    ax.set_ylim(max(0.0, mid - half), mid + half)
    ax.set_ylabel(f"{unit.lstrip('/') if unit != '/100' else 'of 100'}", fontsize=8)
    ax.set_title("\n".join(textwrap.wrap(f"This session against your last five: {name}", 44)), fontsize=10)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, loc="best")
    return ax


def draw_session_page(fig, folder, *, title_prefix: str = "", notes: list | None = None) -> list:
    """Draw one session's page on ``fig`` (A4 portrait); returns the drill's picture axes."""
    sess = read_session(folder)
    if notes is not None:
        notes.extend(n for n in sess.notes if n not in notes)
    meta = sess.meta
    folder = sess.sf.folder
    layout = parse_layout(meta["layout"], "session")
    summary = meta.get("summary") or {}
    drill = str(meta.get("drill"))
    started = str(meta.get("started_at", ""))[:16].replace("T", " ")
    title = f"{title_prefix}{drill} — {started} UTC"
    # 15 pt bold holds about 56 characters across A4 portrait: a routine part's longer title is set
    # smaller (it ran off both edges), never below 10 pt
    fig.suptitle(title, fontsize=max(10.0, min(15.0, 15.0 * 56 / max(len(title), 1))), fontweight="bold", y=0.985)
    lines = _header_lines(meta, layout.name)
    if not sess.sf.complete:
        lines.append("INCOMPLETE SESSION: it did not end normally; this page shows what was recorded")
    lines = [w for ln in lines for w in textwrap.wrap(ln, 110)]
    head = fig.text(0.5, 0.958, "\n".join(lines), ha="center", va="top", fontsize=9.5, linespacing=1.5)
    if not sess.sf.complete:
        head.set_color("#b00020")

    fb = feedback_of(summary)
    if fb:
        fig.text(0.07, 0.872, "\n".join(textwrap.wrap(fb, 88)), ha="left", va="top", fontsize=11.5,
                 linespacing=1.4, bbox={"boxstyle": "round,pad=0.6", "fc": "#eef6f3", "ec": "#009e73"})
    axes = panels_for(drill)(fig, PANEL_BOX, sess, layout, summary)

    figs = headline_figures(drill, summary)
    if figs:
        fig.text(0.07, 0.365, "Main figures", fontsize=11, fontweight="bold", va="top")
        fig.text(0.07, 0.34, "\n".join(f"{n}: {v}" for n, v in figs), fontsize=10.5, va="top", linespacing=1.6)
    cmp = _last_five(meta, folder)
    if cmp is not None:
        _draw_last_five(fig, [0.62, 0.26, 0.33, 0.09], *cmp)

    app = appendix_lines(summary)
    if app:
        fig.text(0.07, 0.225, "All figures of this session", fontsize=8.5, fontweight="bold", va="top")
        per_col = max(1, math.ceil(len(app) / 3))
        for c in range(3):
            chunk = app[c * per_col:(c + 1) * per_col]
            if chunk:
                # each figure whole (a long name or value wraps, indented), never cut off with "[...]"
                fig.text(0.07 + c * 0.30, 0.205, "\n".join(w for s in chunk
                                                             for w in textwrap.wrap(s, 46, subsequent_indent="   ")),
                         fontsize=6.5, va="top", linespacing=1.35, color="0.25")
    foot = f"{sess.frames} samples at {sess.rate_hz:g} Hz"
    if sess.notes:
        foot += "; notes: " + "; ".join(sess.notes)
    fig.text(0.07, 0.012, "\n".join(textwrap.wrap(foot, 150)), fontsize=6.5, va="bottom", color="0.35")
    return axes


def is_routine(path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / ROUTINE_FILE).is_file() and not (p / "session.json").exists()


def routine_parts(folder: Path) -> tuple[dict, list[tuple[dict, Path]]]:
    """A routine folder's summary and its parts' session folders (parts without a folder left out)."""
    try:
        summary = json.loads((folder / ROUTINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DataFileError(f"{folder / ROUTINE_FILE}: cannot be read ({e.__class__.__name__})",
                            "the routine's parts are still session folders: give one of them") from None
    parts = [(p, folder / p["session"]) for p in summary.get("parts") or []
             if isinstance(p, dict) and isinstance(p.get("session"), str) and (folder / p["session"]).is_dir()]
    if not parts:
        raise DataFileError(f"{folder}: the routine has no recorded part", "run the routine again")
    return summary, parts


def full_report(folder, out=None, notes: list | None = None) -> Path:
    """Draw the report of the session (or routine) in ``folder`` → ``out``.

    A session: one page (default ``report.png`` in its folder). A routine folder: a page per part,
    as a PDF (default ``report.pdf`` in the routine's folder). What the reader noticed
    (incomplete, cut short, an older format) is added to ``notes``.
    """
    Figure = _mpl()
    if is_routine(folder):
        return routine_report(Path(folder), out, notes)
    from trainer.sessions.format import session_folder

    sfolder = session_folder(folder)
    out = Path(out) if out else sfolder / "report.png"
    fmt = _out_format(out)
    fig = Figure(figsize=A4, dpi=100)
    draw_session_page(fig, sfolder, notes=notes)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    atomic_write_bytes(out, buf.getvalue())
    return out


def routine_report(folder: Path, out=None, notes: list | None = None) -> Path:
    """A routine's report: one page per part, in one PDF."""
    Figure = _mpl()
    from matplotlib.backends.backend_pdf import PdfPages

    out = Path(out) if out else folder / "report.pdf"
    if _out_format(out) != "pdf":
        raise UsageError(f"--out {str(out)!r}: a routine's report has a page per part", "give --out F.pdf")
    summary, parts = routine_parts(folder)
    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        for part, sfolder in parts:
            fig = Figure(figsize=A4, dpi=100)
            prefix = f"{summary.get('title') or summary.get('routine', 'routine')}, part {part.get('part')}" \
                     f"/{len(summary.get('parts') or [])}: "
            draw_session_page(fig, sfolder, title_prefix=prefix, notes=notes)
            pdf.savefig(fig)
    atomic_write_bytes(out, buf.getvalue())
    return out


def simple_report(folder: Path, out: Path | None = None) -> Path:
    """The end-of-drill report.png (the runner calls this)."""
    return full_report(folder, out)


def report_data(sess) -> dict:
    """The drill frames' centre of pressure as arrays (handy for tests)."""
    from trainer.ui.report_panels import running_mask

    run = running_mask(sess)
    return {"running": run, "x": np.where(run, sess.num["cop_x_mm"], np.nan),
            "y": np.where(run, sess.num["cop_y_mm"], np.nan)}


__all__ = ["full_report", "routine_report", "simple_report", "draw_session_page", "is_routine", "value_text"]
