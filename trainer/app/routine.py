"""Running a routine: its drills in turn with rests, one session per part.

Running a routine writes one session per part (``footmat drill`` sessions, inside the routine's
folder ``<YYYYmmdd-HHMMSS>-routine-<name>/``) and ``routine.json``, the routine summary, which is
rewritten atomically after every part (``complete`` is false until the routine has ended normally).
The routine itself (reading, checking, planning) is :mod:`trainer.drills.routine`.
"""
from __future__ import annotations

import argparse
import functools
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from firmware.fileio import atomic_write_json
from firmware.layout import load_layout

from trainer.app import drill as app_drill
from trainer.drills.routine import Routine, headline, planned_text
from trainer.sessions.writer import new_folder
from trainer.ui import console


def _new_session(root: Path, before: set) -> Path | None:
    made = [p for p in root.iterdir() if p.is_dir() and p.name not in before and (p / "session.json").exists()]
    return max(made, key=lambda p: p.stat().st_mtime) if made else None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_routine(args, routine: Routine, *, run_part=None, say=None, sleep=time.sleep, pain_before=None,
                pain_after=None, red_flags: bool = True) -> tuple[Path, dict]:
    """Run every part in turn with rests; returns (routine folder, routine summary).

    With ``red_flags`` the routine says the red flags (PRODUCT.md §4b) once before its first part
    when the pain before is 7 or more, and once at its end when the pain after is (False: the
    caller says them, as `footmat today` does with its plan).

    ``run_part(args, drill, params, time_cap_s=, pain_before=, pain_after=)`` defaults to
    :func:`trainer.app.drill.run_drill_command` (and then the mat is checked first). Rests are
    waited in real time (a countdown on the terminal), and skipped in virtual time (a simulated
    run with --no-plot).
    """
    if run_part is None:
        # the routine says the red flags for its pain ratings once, not once per part
        run_part = functools.partial(app_drill.run_drill_command, red_flags=False)
        check_mat(args)
    if say is None:
        say = console.say
    started = datetime.now(timezone.utc)
    folder = new_folder(app_drill.session_root(args), f"routine-{routine.name}", started)
    virtual = (getattr(args, "backend", None) == "sim" and not getattr(args, "realtime", False)
               and (getattr(args, "no_plot", False) or not app_drill.has_display()))
    t0 = time.perf_counter()
    summary = {"routine": routine.name, "title": routine.title, "source": routine.source,
               "started_at": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
               "complete": False, "planned_s": round(routine.planned_s), "backend": getattr(args, "backend", None),
               "person": getattr(args, "person", None) or "default", "virtual_time": virtual,
               "pain": {"before": pain_before, "after": None}, "parts": []}

    def save():
        summary["duration_s"] = round(time.perf_counter() - t0, 2)
        atomic_write_json(folder / "routine.json", summary)

    save()
    say(f"routine {routine.name!r}: {routine.title} — {len(routine.parts)} parts, about "
        f"{planned_text(routine.planned_s)}" + (f". {routine.about}" if routine.about else ""))
    if red_flags:
        app_drill.red_flag_notice(pain_before, out=say)
    stopped = False
    for i, part in enumerate(routine.parts):
        say(f"part {i + 1}/{len(routine.parts)}: {part.title} ({part.drill})")
        part_args = argparse.Namespace(**vars(args))
        part_args.out = str(folder)
        part_args.calibration_said = i > 0          # where the calibration comes from: said for the first part
        if getattr(args, "audio_out", None):     # one sound track per part: FILE-<n>-<drill>.wav
            wav = Path(args.audio_out)
            part_args.audio_out = str(wav.with_name(f"{wav.stem}-{i + 1}-{part.drill}{wav.suffix or '.wav'}"))
        before = {p.name for p in folder.iterdir()}
        last = i == len(routine.parts) - 1
        code = run_part(part_args, part.drill, dict(part.params), time_cap_s=part.time_cap_s,
                        pain_before=pain_before,      # a routine's ratings apply to all its parts
                        pain_after=pain_after if last else None)
        session = _new_session(folder, before)
        meta = _read_json(session / "session.json") if session else {}
        psum = meta.get("summary") or {}
        entry = {"part": i + 1, "drill": part.drill, "title": part.title, "params": meta.get("params", part.params),
                 "exit_code": code, "session": session.name if session else None,
                 "complete": bool(meta.get("complete")), "headline": headline(psum), "summary": psum}
        summary["parts"].append(entry)
        if last:
            summary["pain"]["after"] = (meta.get("pain") or {}).get("after")
        save()
        if psum.get("end") == "stopped" or code not in (0, None):
            say("the routine was stopped" if psum.get("end") == "stopped" else
                f"part {i + 1} ended with exit code {code}: the routine stops here")
            stopped = True
            break
        rest = routine.rest_after(i)
        if rest > 0:
            nxt = routine.parts[i + 1]
            if virtual:
                say(f"rest {rest:.0f} s, then {nxt.title} (not waited: virtual time)")
            else:
                try:
                    _rest(rest, nxt.title, say, sleep)
                except KeyboardInterrupt:
                    say("the routine was stopped during a rest")
                    stopped = True
                    break
            summary.setdefault("rests_s", []).append(rest)
    summary["complete"] = not stopped and len(summary["parts"]) == len(routine.parts)
    summary["ended"] = "complete" if summary["complete"] else "stopped"
    save()
    if red_flags:
        app_drill.red_flag_notice(summary["pain"]["after"], out=say)
    return folder, summary


def check_mat(args) -> None:
    """Fail before the routine starts when the layout, backend or calibration cannot be used."""
    layout = load_layout(getattr(args, "layout", None))
    backend = app_drill.resolve_backend(args, layout)
    if backend != "sim":                       # the simulated mat always has its nominal calibration
        app_drill.resolve_calibration(args, layout, backend, getattr(args, "person", None))


_check_mat = check_mat     # the older private name


def _rest(seconds: float, next_title: str, say, sleep) -> None:
    """A rest with a countdown every 10 s (and the last 5 s)."""
    say(f"rest {seconds:.0f} s — sit or stand at ease; next: {next_title}")
    left = seconds
    while left > 0:
        step = min(left, 10.0 if left > 10 else 1.0)
        sleep(step)
        left -= step
        if left > 0 and (left % 10 < 1e-6 or left <= 5):
            say(f"  {left:.0f} s")
    say(f"next: {next_title} — step on and stand still")


def print_summary(folder: Path, summary: dict, out) -> None:
    """The routine's outcome: one line, then one line per part."""
    print(f"routine {summary['routine']}: {'complete' if summary['complete'] else 'stopped'}, "
          f"{len(summary['parts'])} part(s) in {summary['duration_s']:.1f} s; {folder / 'routine.json'}", file=out)
    from trainer.ui.report_words import headline_figures

    for p in summary["parts"]:
        figs = headline_figures(p["drill"], p.get("summary") or {})
        words = "; ".join(f"{n} {v}" for n, v in figs) or p["headline"] or "-"
        print(f"  {p['part']}. {p['title']}: {words}", file=out)
