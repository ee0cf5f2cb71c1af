"""Scoring a recorded trace with a drill's own scorer (`footmat score DRILL TRACE`).

A trace is a CSV with ``t_s``, ``cop_x_mm``, ``cop_y_mm`` and, optionally, ``left_pct``, the
per-foot ``left_cop_x_mm``/``left_cop_y_mm``/``left_n`` (and ``right_``), ``target_x_mm``/
``target_y_mm``. It becomes the drill's :class:`~trainer.drills.base.RunData` (what a trace does
not carry is NaN) and goes through the very ``score(run, fs)`` a live session uses. Without target
columns the target is the drill's own path for that layout, person and options, from t = 0,
centred on the mean CoP of the first 2 s (or the centre given).

**A scorer per drill** lives in :data:`SCORERS`: a :class:`Scorer` names the checks the drill
makes and the columns each needs, so the output's ``skipped`` lists every check the trace could
not support (a skipped check is never counted as a failure). Adding a drill = adding one entry
(``SCORERS["reach"] = Scorer("reach", checks=(...))``); the reading, the target, the centre and
the output are shared.

A footmat session folder is scored by the replay of its raw codes (the command hands that
summary to :func:`session_result`): its numbers are the recorded summary's. A footmat trace or
its CSV export outside its folder carries a ``phase`` column and each sensor's force: then only
the running rows count (active time runs from the drill's start, pauses left out), the target is
centred where the engine centred it (the mean CoP of the last second before the countdown), and
each foot's load and CoP come from the sensors' forces (the estimator's CoP model), so the
drill's score comes back, not one shifted by the seconds of waiting before the start.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from firmware.errors import DataFileError, UsageError
from trainer.drills.base import RunData
from trainer.sessions.format import TraceLines, read_columns

CENTRE_S = 2.0     # the target is centred on the mean CoP of the trace's first CENTRE_S seconds
REQUIRED = ("t_s", "cop_x_mm", "cop_y_mm")
OPTIONAL = ("left_pct", "left_cop_x_mm", "left_cop_y_mm", "left_n", "right_cop_x_mm", "right_cop_y_mm",
            "right_n", "target_x_mm", "target_y_mm", "total_n", "target_radius_mm")
# what the live engine adds to a summary from the session's flow (pauses, holding on, how it
# ended): a bare trace cannot carry it, so a CSV's summary lacks these keys
FLOW_KEYS = ("paused_s", "pauses", "holding_on_events", "end")
# a footmat trace's phases in which the drill is not running (trainer.drills.engine)
INACTIVE_PHASES = ("waiting", "countdown", "paused", "done")
CENTRE_BEFORE_S = 1.0    # the engine's centre: the mean CoP of the last second before the countdown


@dataclass(frozen=True)
class Check:
    """One check a drill's scorer makes, and the trace columns it needs."""

    name: str
    needs: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class Scorer:
    """A drill's entry in :data:`SCORERS`: its checks (for ``skipped``)."""

    drill: str
    checks: tuple[Check, ...] = field(default_factory=tuple)
    # a scorer of its own for a trace ("module:function(cols, **options) -> (summary, methods)"), for
    # a drill that is not a live drill (reach); its options (name -> help) are the command's
    trace_scorer: str = ""
    options: tuple[str, ...] = ()

    def skipped(self, columns) -> list[dict]:
        have = set(columns)
        out = []
        for c in self.checks:
            missing = [n for n in c.needs if n not in have]
            if missing:
                out.append({"check": c.name, "what": c.what, "missing_columns": missing})
        return out


_FEET = ("left_cop_x_mm", "left_cop_y_mm", "right_cop_x_mm", "right_cop_y_mm")
SCORERS: dict[str, Scorer] = {
    "spiral": Scorer("spiral", checks=(
        Check("tracking", REQUIRED, "tracking error, lag, gain and phase, direction, smoothness"),
        Check("share_on_working_foot", ("left_pct",),
              "the share of body weight on the working foot (transfer depth)"),
        Check("foot_roll", _FEET, "the working foot's own CoP through its heel, ball and toes zones"),
        Check("visits", _FEET, "waypoints visited, judged on the working foot's own CoP"),
    )),
    "reach": Scorer("reach", checks=(
        Check("zones", REQUIRED + ("target_x_mm", "target_y_mm", "target_radius_mm"),
              "target zones: hit, time to target, dwell, success, crossings, overshoot, gaps; Biodex score"),
    ), trace_scorer="trainer.analysis.zones:score_trace", options=("dwell",)),
}


def score_own(drill_name: str, path, options: dict) -> dict:
    """A trace scored by a drill's own trace scorer (reach): every column its checks need is
    required (a trace without them is one line, exit 2)."""
    import importlib

    sc = scorer(drill_name)
    cols = read_trace(path)
    missing = [c for ch in sc.checks for c in ch.needs if c not in cols]
    if missing:
        raise DataFileError(f"trace {path} has no {missing[0]} column",
                            f"footmat score {drill_name} needs {', '.join(dict.fromkeys(c for ch in sc.checks for c in ch.needs))}")
    module, attr = sc.trace_scorer.split(":")
    summary, methods = getattr(importlib.import_module(module), attr)(cols, **options)
    fs = 1.0 / float(np.median(np.diff(cols["t_s"])))
    summary = dict(summary)
    summary["skipped"] = []
    summary["trace"] = {"rows": int(cols["t_s"].size), "rate_hz": round(fs, 3)}
    return {"drill": drill_name, "summary": summary, "methods": methods}


def scorer(drill: str) -> Scorer:
    if drill not in SCORERS:
        raise UsageError(f"there is no trace scorer for the drill {drill!r}",
                         f"footmat score scores {' and '.join(SCORERS)}; a {drill} session's own figures come "
                         "back with footmat replay SESSION (and footmat report SESSION)")
    return SCORERS[drill]


def is_c3d(path) -> bool:
    """A C3D file, by its extension or by its header: the first byte points to the parameter
    block (a small block number, never a printable character) and the second is 0x50 (the key
    :mod:`trainer.formats.c3d`'s writer, like every C3D writer, puts there)."""
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() == ".c3d":
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        return False
    return len(head) == 2 and 0 < head[0] < 0x20 and head[1] == 0x50


def read_trace(path, extra=()) -> dict:
    """The trace CSV's columns as float arrays (NaN where empty), the ``extra`` numeric columns
    it has, and a footmat trace's ``phase`` column (a list of str) when it has one; a malformed
    file raises one line, and so does a C3D file (score reads CSV only)."""
    if is_c3d(path):
        raise DataFileError(f"{path} is a C3D file: footmat score reads a CSV trace, not C3D",
                            "give the session folder, its trace.csv, or a CSV export "
                            "(footmat export SESSION --format csv)")
    with TraceLines(path, required=REQUIRED) as tr:
        cols = {c: tr.columns.index(c) for c in REQUIRED + OPTIONAL + tuple(extra) if c in tr.columns}
        text = {"phase": tr.columns.index("phase")} if "phase" in tr.columns else {}
        nums, txt, _ = read_columns(tr, cols, text)
    if "phase" in txt:
        nums["phase"] = txt["phase"]
    t = nums["t_s"]
    if t.size < 2:
        raise DataFileError(f"trace {path} has fewer than two rows", "give a recorded trace")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise DataFileError(f"trace {path}: t_s is not strictly increasing (or has empty cells)",
                            "give one row per sample, in time order")
    for pair in (("target_x_mm", "target_y_mm"), ("left_cop_x_mm", "left_cop_y_mm"),
                 ("right_cop_x_mm", "right_cop_y_mm")):
        if (pair[0] in nums) != (pair[1] in nums):
            raise DataFileError(f"trace {path} has {pair[0] if pair[0] in nums else pair[1]} without its pair",
                                f"give both {pair[0]} and {pair[1]}, or neither")
    return nums


def _xy(cols: dict, prefix: str, n: int) -> np.ndarray:
    if f"{prefix}_x_mm" in cols:
        return np.column_stack([cols[f"{prefix}_x_mm"], cols[f"{prefix}_y_mm"]])
    return np.full((n, 2), np.nan)


def _active(t: np.ndarray, phase) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(active time (n,), running rows (n,), rows before the countdown (n,)) of a footmat trace's
    ``phase`` column: active time from the first running row, each running row adding the time
    since the row before it (one frame after a pause, as the engine leaves the pause out)."""
    ph = np.asarray(phase, dtype=object)
    running = ~np.isin(ph, INACTIVE_PHASES) & (ph != "")
    n = t.size
    a = np.full(n, np.nan)
    if running.any():
        dt = np.diff(t, prepend=t[0])
        frame = float(np.median(np.diff(t))) if n > 1 else 0.0
        prev_running = np.concatenate([[False], running[:-1]])
        step = np.where(prev_running, dt, frame)
        first = int(np.argmax(running))
        step[first] = 0.0
        a = np.where(running, np.cumsum(np.where(running, step, 0.0)), np.nan)
    started = np.cumsum(ph != "waiting") > 0
    return a, running, ~started


def _feet_from_forces(cols: dict, layout) -> None:
    """Each foot's load and CoP (and the left share) from the sensors' forces, as the estimator
    computes them (:class:`~trainer.estimate.cop.CopModel`), when the trace has every sensor's
    ``<name>_n`` column and no per-foot columns of its own."""
    from trainer.estimate.cop import from_force_columns

    cb = None if "left_cop_x_mm" in cols else from_force_columns(cols, layout)
    if cb is None:
        return
    cols.update(left_cop_x_mm=cb.cop_left[:, 0], left_cop_y_mm=cb.cop_left[:, 1], left_n=cb.load_left,
                right_cop_x_mm=cb.cop_right[:, 0], right_cop_y_mm=cb.cop_right[:, 1], right_n=cb.load_right)
    cols.setdefault("left_pct", cb.left_pct)


def run_data(cols: dict, drill, layout, person, centre=None) -> tuple[RunData, list[float]]:
    """The trace as the drill's running frames (active time = t − t₀, or a footmat trace's own
    running rows: :func:`_active`); builds the drill first. Returns the RunData and the centre used."""
    t = cols["t_s"]
    n = t.size
    cop = _xy(cols, "cop", n)
    running = np.ones(n, bool)
    if "phase" in cols:
        a, running, before = _active(t, cols["phase"])
        if not running.any():
            raise DataFileError("the trace has no running rows (its phase column says waiting, countdown, "
                                "paused or done throughout)", "give a trace of a drill that started")
        if centre is None:
            # where the engine centred the target: the last second of standing before the countdown
            pre = before & np.all(np.isfinite(cop), axis=1)
            pre &= t > (t[pre].max() - CENTRE_BEFORE_S) if pre.any() else pre
            if pre.any():
                centre = cop[pre].mean(axis=0)
    else:
        a = t - t[0]
    if centre is None:
        with np.errstate(invalid="ignore"):
            first = cop[running & (a < a[running][0] + CENTRE_S) & np.all(np.isfinite(cop), axis=1)]
        if not len(first):
            raise DataFileError("the trace has no CoP in its first 2 s to centre the target on",
                                "give --centre X,Y")
        centre = first.mean(axis=0)
    centre = np.asarray(centre, float)
    drill.build(layout, centre, person)
    weight_n = person.weight_n
    with np.errstate(invalid="ignore"):
        keep = running & (a < drill.active_duration_s)
    nan = np.full(n, np.nan)
    load_l = cols.get("left_n", nan)
    load_r = cols.get("right_n", nan)
    total = cols.get("total_n", load_l + load_r if "left_n" in cols and "right_n" in cols else np.full(n, weight_n))
    left_pct = cols.get("left_pct")
    if left_pct is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            left_pct = 100.0 * load_l / (load_l + load_r)
    target = _xy(cols, "target", n) if "target_x_mm" in cols else drill.target(a)
    k = np.flatnonzero(keep)
    frames = dict(
        t=t, raw=np.zeros((n, 0)), flags=np.zeros(n, np.uint16), forces=np.zeros((n, 0)), total=total,
        cop=cop, cop_left=_xy(cols, "left_cop", n), cop_right=_xy(cols, "right_cop", n),
        load_left=load_l, load_right=load_r, left_pct=left_pct, heel_pct_left=nan, heel_pct_right=nan,
        still=np.zeros(n, bool), unloaded=np.zeros(n, bool), holding_on=np.zeros(n, bool),
        a=a, target=target)
    run = RunData(**{name: v[k] for name, v in frames.items()}, layout=layout, weight_n=weight_n)
    return run, [round(float(c), 1) for c in centre]


def score_csv(drill_name: str, path, *, layout, person, params: dict, centre=None) -> dict:
    """Score a trace CSV with ``drill_name``'s scorer → the session-summary object (+ ``skipped``,
    ``not_from_trace``, ``methods``)."""
    from trainer import drills

    sc = scorer(drill_name)
    cols = read_trace(path, extra=[f"{n}_n" for n in layout.names])
    _feet_from_forces(cols, layout)
    defn = drills.get(drill_name)
    run_obj = defn.make(defn.resolve(params))
    run, used_centre = run_data(cols, run_obj, layout, person, centre)
    if len(run) < 2:
        raise DataFileError(f"trace {path} has no rows inside the drill's duration", "check t_s")
    fs = 1.0 / float(np.median(np.diff(cols["t_s"])))
    summary, methods = run_obj.score(run, fs)
    summary = dict(summary)
    summary["skipped"] = sc.skipped(cols)
    summary["not_from_trace"] = list(FLOW_KEYS)
    summary["trace"] = {"rows": int(cols["t_s"].size), "rate_hz": round(fs, 3), "centre_mm": used_centre,
                        "target": "from the trace" if "target_x_mm" in cols else "the drill's own path"}
    methods = dict(methods)
    methods["score_command"] = ("a trace is scored as the drill's running frames (active time = t - first t); "
                                "without target columns the target is the drill's own path from t = 0, centred "
                                f"on the mean CoP of the first {CENTRE_S:g} s (or --centre); checks whose columns "
                                "are missing are listed in `skipped`, never failed; the session-flow keys "
                                f"{', '.join(FLOW_KEYS)} need a session")
    return {"drill": drill_name, "summary": summary, "methods": methods}


def session_result(drill_name: str, replayed: dict) -> dict:
    """A session's summary (from its replay) in the command's output shape."""
    scorer(drill_name)
    if replayed["drill"] != drill_name:
        other = replayed["drill"]
        raise UsageError(f"that session is a {other!r} session, not {drill_name!r}",
                         f"score it with: footmat score {other} ..." if other in SCORERS else
                         f"footmat score scores {' and '.join(SCORERS)}; footmat replay SESSION gives a {other} "
                         "session's own figures again")
    summary = dict(replayed["summary"])
    summary["skipped"] = []
    summary["not_from_trace"] = []
    return {"drill": drill_name, "summary": summary, "methods": replayed.get("methods", {}),
            "recorded_same": replayed.get("same"), "differences": replayed.get("differences", [])}
