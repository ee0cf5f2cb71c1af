"""A session folder written the OLD way (footmat at commit 1e098b0, before ``schema_version``).

Used by tests/trainer/sessions/test_readback.py to prove that sessions already on people's disks still
read back (issue 20). The writing logic below is a minimal copy of ``SessionWriter`` in
trainer/sessions/writer.py at 1e098b0; keep it frozen, it is the format as it was:

- ``trace.csv``: the header and every row joined with a bare ``","`` — no quoting, so a cue
  with a comma in the ``phase`` column ("stand still, weight even, eyes forward") splits into
  several fields and the row has more fields than the header;
- NaN is an empty field; ``t_s`` as ``repr`` (shortest round trip); raw codes ``%.0f``; forces,
  CoP, left %, target and the simulator's true CoP ``%.2f``;
- ``events.csv``: ``t_s,kind,detail``, details with a comma in double quotes (that writer did
  quote events);
- ``session.json``: the keys that writer wrote (``drill``, ``params``, ``person``, ``started_at``,
  ``duration_s``, ``sample_rate_hz``, ``complete``, ``layout``, ``calibration``, ``software``,
  ``pain``, ``summary``, ``methods``, and ``acquisition`` from the runner) — no
  ``schema_version``, no ``person_id``.

The frames are not invented by hand: a simulated person stands still on the simulated mat
(firmware.sim, the same physics `--backend sim` uses), the raw codes go through the sim mat's
nominal calibration, and the trace follows a stance drill's phases as the engine wrote them
(waiting 1 s, countdown 3 s, the cue for ``duration_s``, 10 frames of ``done``).
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RATE_HZ = 200.0
STANCE_CUE = "stand still, weight even, eyes forward"   # the stance drill's cue: two commas
WAIT_S = 1.0
COUNTDOWN_S = 3.0
DONE_FRAMES = 10


def _fmt_num(x: float, spec: str) -> str:
    """One number as the old writer's %-format gave it, NaN/inf as an empty field."""
    x = float(x)
    return spec % x if math.isfinite(x) else ""


def _fmt_time(t: float) -> str:
    s = repr(float(t))
    return np.format_float_positional(float(t), unique=True, trim="0") if "e" in s else s


def legacy_columns(names: list[str], simulated: bool = True) -> list[str]:
    cols = ["t_s"] + [f"{n}_raw" for n in names] + [f"{n}_n" for n in names] + [
        "total_n", "cop_x_mm", "cop_y_mm", "left_pct", "target_x_mm", "target_y_mm", "phase", "flags"]
    if simulated:
        cols += ["true_cop_x_mm", "true_cop_y_mm"]
    return cols


def legacy_trace_line(t, raw, forces, total, cop, left_pct, target, phase, flags, true_cop=None) -> str:
    """One frame as the old writer wrote it: fields joined with a bare comma (the bug)."""
    fields = ([_fmt_time(t)] + [_fmt_num(r, "%.0f") for r in raw] + [_fmt_num(f, "%.2f") for f in forces]
              + [_fmt_num(v, "%.2f") for v in (total, cop[0], cop[1], left_pct, target[0], target[1])]
              + [phase, flags])
    if true_cop is not None:
        fields += [_fmt_num(true_cop[0], "%.2f"), _fmt_num(true_cop[1], "%.2f")]
    return ",".join(fields)


def legacy_event_line(t: float, kind: str, detail: str = "") -> str:
    detail = str(detail).replace("\n", " ").replace('"', "'")
    if "," in detail:
        detail = f'"{detail}"'
    return f"{_fmt_time(t)},{kind},{detail}"


def _standing_frames(layout, seconds: float, seed: int):
    """Raw codes, true CoP and times of a simulated person standing still from t = 0."""
    from firmware.clock import VirtualClock
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptBuilder, ScriptedPerson
    from firmware.sim.vector import VectorSimSource
    from trainer.app.simperson import natural_centre

    centre = natural_centre(layout)
    script = ScriptBuilder(float(centre[0]), float(centre[1])).hold(seconds + 1.0).build()
    person = ScriptedPerson(script, weight_kg=70.0, seed=seed)
    mat = SimMat(layout, person, seed=seed, spread=0.0, hysteresis=0.0, creep=0.0)
    src = VectorSimSource(mat, VirtualClock(), RATE_HZ)
    n = int(round(seconds * RATE_HZ))
    block = src.read(n)
    return block, centre


def write_legacy_stance_session(root, *, duration_s: float = 10.0, seed: int = 5, complete: bool = True) -> Path:
    """A stance session folder inside ``root`` exactly as footmat 1e098b0 wrote it; returns the folder."""
    from firmware.layout import load_layout
    from trainer.app.simcal import nominal_sim_calibration

    layout = load_layout("default-6")
    cal = nominal_sim_calibration(layout)
    names = layout.names
    total_s = WAIT_S + COUNTDOWN_S + duration_s + DONE_FRAMES / RATE_HZ
    block, centre = _standing_frames(layout, total_s, seed)
    t = np.asarray(block.t, float) - float(block.t[0])
    raw = np.asarray(block.raw, float)
    forces = cal.forces(raw, layout)
    total = forces.sum(axis=1)
    pos = layout.positions
    with np.errstate(invalid="ignore", divide="ignore"):
        cop = (forces @ pos) / total[:, None]
        left_pct = forces[:, layout.mask("left")].sum(axis=1) / total * 100.0
    true_cop = np.asarray(block.true_cop, float)
    start_t = WAIT_S + COUNTDOWN_S
    end_t = start_t + duration_s

    def phase_at(ts: float) -> str:
        if ts < WAIT_S - 1e-9:
            return "waiting"
        if ts < start_t - 1e-9:
            return "countdown"
        if ts < end_t - 1e-9:
            return STANCE_CUE
        return "done"

    started = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=timezone.utc)
    folder = Path(root) / f"{started.strftime('%Y%m%d-%H%M%S')}-stance"
    folder.mkdir(parents=True)
    lines = [",".join(legacy_columns(names))]
    nan2 = (math.nan, math.nan)
    for i in range(len(t)):
        lines.append(legacy_trace_line(t[i], raw[i], forces[i], total[i], cop[i], left_pct[i], nan2,
                                             phase_at(t[i]), "", true_cop[i]))
    (folder / "trace.csv").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")

    ev = ["t_s,kind,detail",
          legacy_event_line(WAIT_S - 0.005, "cue", "get ready"),
          legacy_event_line(start_t, "start", f"centre {centre[0]:.1f},{centre[1]:.1f} mm"),
          legacy_event_line(start_t, "cue", STANCE_CUE),
          legacy_event_line(end_t, "end", "complete")]
    (folder / "events.csv").write_text("\n".join(ev) + "\n", encoding="utf-8", newline="")

    run = (t >= start_t) & (t < end_t)
    lp = float(np.nanmean(left_pct[run]))
    heel = {foot: float(np.nanmean(forces[run][:, layout.mask(foot, "heel")].sum(axis=1)
                                   / forces[run][:, layout.mask(foot)].sum(axis=1)) * 100.0)
            for foot in ("left", "right")}
    meta = {
        "drill": "stance",
        "params": {"duration": float(duration_s), "backend": "sim", "time_cap_s": duration_s + 60.0},
        "person": {"name": "default", "weight_kg": 70.0, "height_cm": None, "foot_length_mm": None,
                   "units": "kg", "reach_mm": None, "reach_note": None, "default": True},
        "started_at": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "duration_s": round(float(t[-1]), 4) if complete else 0.0,
        "sample_rate_hz": RATE_HZ,
        "complete": complete,
        "layout": layout.to_dict(),
        "calibration": cal.to_dict(),
        "software": {"footmat": "0.1.0", "python": "3.11.7",
                     "platform": "Linux-6.1.0-rpi7-rpi-v8-aarch64-with-glibc2.36"},
        "pain": {"before": 3, "after": 2},
        "summary": ({"left_pct": round(lp, 2), "right_pct": round(100.0 - lp, 2),
                     "heel_pct_left": round(heel["left"], 2), "heel_pct_right": round(heel["right"], 2),
                     "asymmetry_pp": round(abs(2 * lp - 100.0), 2), "asymmetry_flag": abs(2 * lp - 100.0) > 7,
                     "load_pct_body_weight": round(float(np.nanmean(total[run])) / (70.0 * 9.80665) * 100.0, 1),
                     "paused_s": 0, "pauses": 0, "holding_on_events": 0, "end": "complete", "frames": len(t)}
                    if complete else {}),
        "methods": {},
        "acquisition": {"frames": len(t), "dropped": 0, "late": 0, "flagged": 0, "unreadable": 0,
                        "max_jitter_ms": 0.0, "jitter_ms": 0.0, "i2c_errors": 0, "retries": 0, "timeouts": 0},
    }
    (folder / "session.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return folder
