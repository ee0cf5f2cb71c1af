"""footmat analyze FILE: sway metrics (METRICS.md) of a session or an external CoP recording.

Cheap to import: the standard library and light footmat modules (numpy and the readers are
imported inside ``run``).
"""
from __future__ import annotations

import math

from firmware.errors import UsageError

from .common import add_json_option, positive_float, print_json, say

_SUFFIXES = (("_mm2_s", "mm²/s"), ("_mm_s", "mm/s"), ("_mm2", "mm²"), ("_mm", "mm"), ("_hz", "Hz"))


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE",
                   help="a footmat session folder or its trace.csv, or a force-plate export "
                        "(BDS/PDS tab-separated, AMTI CSV, or any table of numbers with --columns)")
    add_json_option(p)
    p.add_argument("--window", metavar="START:END",
                   help="analyse only START <= t < END, seconds on the file's time axis (either may be "
                        "left out: '10:' or ':30')")
    p.add_argument("--pipeline", choices=("raw", "quijoux"), default="raw",
                   help="raw: the CoP as recorded (default); quijoux: Quijoux et al. 2021's pipeline "
                        "(samples 4000-7000 unless --window, SWARII to 25 Hz, zero-lag 4th-order 10 Hz low-pass)")
    p.add_argument("--columns", metavar="X,Y",
                   help="the medio-lateral and antero-posterior CoP columns (names or 1-based numbers; "
                        "'-' before one flips its sign) when the format is not recognised or to override it")
    p.add_argument("--units", metavar="UNIT", help="unit of those columns: mm, cm or m (when the header does not say)")
    p.add_argument("--rate", metavar="HZ", type=positive_float,
                   help="sampling rate in Hz (when the file has no time column or rate, or to override it)")


def parse_window(text: str | None) -> tuple[float | None, float | None] | None:
    """'START:END' → (start, end) in seconds; either side may be empty."""
    if text is None:
        return None
    fix = "give --window START:END in seconds, e.g. --window 10:40 (or 10: or :40)"
    parts = text.split(":")
    if len(parts) != 2:
        raise UsageError(f"--window {text!r} is not START:END", fix)
    vals = []
    for part in parts:
        part = part.strip()
        if not part:
            vals.append(None)
            continue
        try:
            v = float(part)
        except ValueError:
            raise UsageError(f"--window {text!r}: {part!r} is not a number of seconds", fix) from None
        if not math.isfinite(v):
            raise UsageError(f"--window {text!r}: {part!r} is not a finite number of seconds", fix)
        vals.append(v)
    start, end = vals
    if start is not None and end is not None and not end > start:
        raise UsageError(f"--window {text!r} ends before it starts", fix)
    return start, end


def analyze(rec, *, window=None, pipeline: str = "raw") -> dict:
    """Metrics and method of a :class:`~trainer.formats.cop_grid.Recording` — the ``--json`` object."""
    import numpy as np

    from trainer.analysis import quijoux, sway

    source_excluded = rec.excluded
    if window is not None:
        rec = rec.window(*window)
    x, y, fs = rec.x_mm, rec.y_mm, rec.fs_hz
    try:
        select = False if window is not None else None
        px, py, pfs, pinfo = quijoux.apply_pipeline(pipeline, x, y, fs, select=select)
    except ValueError as e:
        raise UsageError(f"pipeline {pipeline}: {e}", "choose a part with --window START:END") from None
    m = sway.sway_metrics(px, py, pfs)
    out = dict(m)
    if rec.left_pct is not None:
        lp = rec.left_pct[np.isfinite(rec.left_pct)]
        out["left_pct"] = float(lp.mean()) if lp.size else math.nan
    source = {
        "file": rec.path,
        "format": rec.format,
        "frame": rec.frame,
        "fs_hz": rec.fs_hz,
        "slots": rec.n,
        "excluded": rec.excluded,
        "excluded_whole_file": source_excluded,
        "notes": list(rec.notes),
    }
    if rec.feet is not None and rec.plate_net is not None:
        net = quijoux.net_cop(rec.feet["cop_l"], rec.feet["f_l"], rec.feet["cop_r"], rec.feet["f_r"])
        d = np.hypot(*(net - rec.plate_net).T)
        d = d[np.isfinite(d)]
        source["net_cop_from_feet_vs_plate_max_mm"] = float(d.max()) if d.size else math.nan
    out["method"] = {
        "pipeline": pinfo,
        "window_s": None if window is None else {"start": window[0], "end": window[1]},
        "source": source,
        "metrics": {k: v for k, v in sway.METHODS.items()},
    }
    return out


def _label(key: str) -> tuple[str, str]:
    for suf, unit in _SUFFIXES:
        if key.endswith(suf):
            return key[: -len(suf)], unit
    return key, ""


def _num(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, int):
        return str(v)
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _table(res: dict) -> str:
    from trainer.formats.cop_grid import REASON_HELP
    from trainer.analysis.sway import METRIC_UNITS

    meth = res["method"]
    src = meth["source"]
    lines = [f"{src['file']}  ({src['format']}, {src['fs_hz']:g} Hz)",
             f"  frame     {src['frame']}",
             f"  pipeline  {meth['pipeline']['name']}: {meth['pipeline']['description']}"]
    if meth["window_s"]:
        w = meth["window_s"]
        lines.append(f"  window    {'' if w['start'] is None else w['start']}:{'' if w['end'] is None else w['end']} s")
    used = f"  samples   {res['n_samples']} used ({res['duration_s']:.2f} s at {res['fs_hz']:g} Hz)"
    lines.append(used)
    selected = meth["pipeline"].get("select")
    where = " in the file" if selected else ""
    for reason, count in src["excluded"].items():
        lines.append(f"  excluded  {count} × {REASON_HELP.get(reason, reason)}{where}")
    if selected:
        a, b = selected["samples"]
        lines.append(f"  excluded  {meth['pipeline']['excluded_nan_rows']} without CoP among the pipeline's "
                     f"samples {a}–{b}")
    for note in src["notes"]:
        lines.append(f"  note      {note}")
    if "net_cop_from_feet_vs_plate_max_mm" in src:
        lines.append(f"  check     net CoP from the two feet vs the plates' own: max "
                     f"{_num(src['net_cop_from_feet_vs_plate_max_mm'])} mm")
    lines.append("")
    rows = [(*_label(k), _num(res[k])) for k in METRIC_UNITS]
    if "left_pct" in res:
        rows.append(("left_pct (mean load on the left foot)", "%", _num(res["left_pct"])))
    w1 = max(len(r[0]) for r in rows)
    w3 = max(len(r[2]) for r in rows)
    lines.append(f"  {'metric':<{w1}}  {'value':>{w3}}  unit")
    for name, unit, val in rows:
        lines.append(f"  {name:<{w1}}  {val:>{w3}}  {unit}")
    lines.append("")
    lines.append("  definitions: footmat analyze --json (method.metrics) and METRICS.md")
    return "\n".join(lines)


def run(args) -> int:
    from trainer.formats.recordings import read_recording

    window = parse_window(args.window)
    rec = read_recording(args.file, columns=args.columns, units=args.units, rate_hz=args.rate)
    if rec.format == "footmat":
        for note in rec.notes:
            say(f"footmat analyze: note: {note}")
    res = analyze(rec, window=window, pipeline=args.pipeline)
    if args.json:
        print_json(res)
    else:
        print(_table(res))
    if res["n_samples"] < 3:
        say(f"footmat analyze: only {res['n_samples']} usable samples — the metrics are undefined")
    return 0
