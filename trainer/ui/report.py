"""The one-page session report (report.png / .pdf): path against target, per-cycle scores, load
distribution, sway metrics, pain ratings, the person, the calibration used and the date.

``simple_report(folder, out=None)`` is what the runner calls at the end of every drill; it draws
the full page. Incomplete (crashed) sessions are drawn from what was recorded and say so.
"""
from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from firmware.errors import UsageError
from firmware.fileio import atomic_write_bytes
from firmware.layout import parse_layout

from trainer.analysis.sway import METRIC_UNITS, sway_metrics
from trainer.sessions.reader import read_session
from trainer.ui.scene import draw_feet

EXCLUDED_PHASES = ("waiting", "countdown", "paused", "done")


def _fmt(v, nd=1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def report_data(sess) -> dict:
    """What the page shows, as numbers (also handy for tests)."""
    meta = sess.meta
    phase = sess.text.get("phase")
    running = np.ones(sess.frames, bool) if phase is None else ~np.isin(phase, EXCLUDED_PHASES)
    x = np.where(running, sess.num["cop_x_mm"], np.nan)
    y = np.where(running, sess.num["cop_y_mm"], np.nan)
    sway = sway_metrics(x, y, sess.rate_hz)
    names = [h[:-2] for h in sess.sf.header if h.endswith("_n") and h != "total_n"]
    F = np.column_stack([sess.num[f"{n}_n"] for n in names]) if names else np.zeros((sess.frames, 0))
    Fr = F[running & np.all(np.isfinite(F), axis=1)]
    share = 100.0 * Fr.mean(axis=0) / Fr.mean(axis=0).sum() if len(Fr) and Fr.mean(axis=0).sum() > 0 \
        else np.full(len(names), np.nan)
    loops = (meta.get("summary") or {}).get("loops") or []
    scores = [lp.get("score") for lp in loops if isinstance(lp, dict)]
    return {"running": running, "x": x, "y": y, "sway": sway, "sensors": names, "share_pct": share,
            "loop_scores": scores}


def full_report(folder, out=None, notes: list | None = None) -> Path:
    """Draw the one-page report of the session in ``folder`` → ``out`` (default report.png in it).
    What the reader noticed (incomplete, cut short, an older format) is added to ``notes``."""
    import matplotlib
    matplotlib.use("Agg", force=False) if matplotlib.get_backend() == "" else None
    from matplotlib.figure import Figure

    sess = read_session(folder)
    if notes is not None:
        notes.extend(sess.notes)
    folder = sess.sf.folder
    out = Path(out) if out else folder / "report.png"
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise UsageError(f"--out {str(out)!r}: the report is a .png or a .pdf", "give --out F.png or F.pdf")
    meta = sess.meta
    layout = parse_layout(meta["layout"], "session")
    d = report_data(sess)
    summary = meta.get("summary") or {}

    fig = Figure(figsize=(8.27, 11.69), dpi=100)        # A4 portrait
    person = meta.get("person") or {}
    cal = meta.get("calibration") or {}
    pain = meta.get("pain") or {}
    started = str(meta.get("started_at", ""))[:16].replace("T", " ")
    title = f"footmat — {meta.get('drill')} — {started} UTC"
    fig.suptitle(title, fontsize=15, fontweight="bold", y=0.985)
    wkg = person.get("weight_kg")
    lines = [
        f"Person: {person.get('name', 'unknown')}" + (f", {wkg:g} kg" if isinstance(wkg, (int, float)) else "")
        + (" (default person)" if person.get("default") else ""),
        f"Calibration: {cal.get('method', 'unknown')}" + (f", {str(cal.get('created_at'))[:10]}" if cal.get("created_at") else "")
        + (f", by {cal['calibrated_by']}" if cal.get("calibrated_by") else "") + f"  ·  layout {layout.name}",
        f"Pain (0–10): before {_fmt(pain.get('before'))}, after {_fmt(pain.get('after'))}"
        + f"  ·  score {_fmt(summary.get('score'))}  ·  {sess.frames} frames, {_fmt(meta.get('duration_s'))} s",
    ]
    if not sess.sf.complete:
        lines.append("INCOMPLETE SESSION: it did not end normally; this page shows what was recorded")
    fig.text(0.5, 0.955, "\n".join(lines), ha="center", va="top", fontsize=9.5,
             color="black", linespacing=1.5)
    if not sess.sf.complete:
        fig.texts[-1].set_color("#b00020")

    ax = fig.add_axes([0.05, 0.40, 0.55, 0.47])
    draw_feet(ax, layout)
    ax.plot(sess.num["target_x_mm"], sess.num["target_y_mm"], color="#2a9d8f", lw=3, alpha=0.6, label="target path")
    ax.plot(d["x"], d["y"], color="#e76f51", lw=0.8, label="centre of pressure")
    ax.set_title("Centre of pressure against the target")
    ax.legend(loc="lower center", fontsize=8)

    axs = fig.add_axes([0.67, 0.66, 0.30, 0.20])
    sc = d["loop_scores"]
    if sc:
        axs.bar(np.arange(1, len(sc) + 1), [s if isinstance(s, (int, float)) else 0 for s in sc], color="#264653")
        axs.set_xticks(np.arange(1, len(sc) + 1))
    else:
        axs.text(0.5, 0.5, "no cycle finished", ha="center", va="center", transform=axs.transAxes)
    axs.set_ylim(0, 100)
    axs.set_xlabel("cycle")
    axs.set_ylabel("score (0–100)")
    axs.set_title("Score per cycle")

    axl = fig.add_axes([0.67, 0.40, 0.30, 0.20])
    names = d["sensors"]
    share = d["share_pct"]
    colors = ["#457b9d" if layout.sensors[i].foot == "left" else "#e9c46a" for i in range(len(names))] \
        if len(names) == len(layout.sensors) else "#457b9d"
    axl.barh(np.arange(len(names)), np.nan_to_num(share), color=colors)
    axl.set_yticks(np.arange(len(names)))
    axl.set_yticklabels([n.replace("_", " ") for n in names], fontsize=8)
    axl.invert_yaxis()
    axl.set_xlabel("% of the load (drill frames)")
    lp = np.nanmean(sess.num["left_pct"][d["running"]]) if d["running"].any() else math.nan
    axl.set_title(f"Load distribution — left {_fmt(float(lp))} %")

    axt = fig.add_axes([0.05, 0.03, 0.90, 0.29])
    axt.axis("off")
    axt.set_title("Sway metrics of the centre of pressure (drill frames; METRICS.md)")
    sway = d["sway"]
    keys = list(METRIC_UNITS)
    half = (len(keys) + 1) // 2
    for col, chunk in enumerate((keys[:half], keys[half:])):
        for row, k in enumerate(chunk):
            v = sway.get(k)
            txt = f"{k}: {_fmt(float(v), 2) if isinstance(v, (int, float)) else '—'} {METRIC_UNITS[k]}"
            axt.text(0.02 + 0.5 * col, 0.95 - row * 0.1, txt, fontsize=9, va="top", family="monospace")
    axt.text(0.02, 0.0, f"{sway.get('n_samples', 0)} samples used at {sess.rate_hz:g} Hz; "
                        f"notes: {'; '.join(sess.notes) or 'none'}", fontsize=8, va="bottom", wrap=True)

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    atomic_write_bytes(out, buf.getvalue())
    return out


def simple_report(folder: Path, out: Path | None = None) -> Path:
    """The end-of-drill report.png (the runner calls this): the full one-page report."""
    return full_report(folder, out)
