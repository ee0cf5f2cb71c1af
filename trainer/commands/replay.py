"""footmat replay SESSION: play a recorded session back and recompute its drill.

The session carries its own layout and calibration, so the replay needs nothing else: the
trace's raw codes and time stamps go through the same drill engine as on the day, and the
summary comes out the same (the command says whether it does).
"""
from __future__ import annotations

import json

from .common import add_json_option, positive_float, print_json, say


def add_arguments(p):
    p.add_argument("session", help="a session folder (or its session.json / trace.csv)")
    p.add_argument("--speed", type=positive_float, metavar="X",
                   help="playback speed (default: real time with the live view, as fast as it can with --no-plot)")
    p.add_argument("--no-plot", action="store_true", help="no live view")
    add_json_option(p)


def _normal(obj):
    """A summary as it reads back from session.json (JSON round trip, NaN as null)."""
    from trainer.sessions.writer import _jsonable

    return json.loads(json.dumps(_jsonable(obj)))


def _differences(a, b, where="summary") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += _differences(a.get(k), b.get(k), f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _differences(x, y, f"{where}[{i}]")
        return out
    return [] if a == b else [f"{where}: recorded {a!r}, replayed {b!r}"]


def build_run(meta, layout, calibration):
    """The estimator and the drill engine the session was recorded with, from its session.json."""
    from firmware.errors import DataFileError, FootmatError

    from .. import drills
    from trainer.drills.engine import DrillEngine
    from trainer.estimate.estimator import Estimator
    from trainer.sessions.people import parse

    defn = drills.get(meta["drill"])
    given = {k: v for k, v in meta["params"].items() if k in defn.params}
    person_d = {k: v for k, v in meta["person"].items() if k != "default"}
    try:
        params = defn.resolve(given)
        run = defn.make(params)
        person = parse(json.dumps(person_d).encode(), "embedded in session.json")
        cap = meta["params"].get("time_cap_s")
        cap = None if cap is None else float(cap)
    except FootmatError as e:
        raise DataFileError(f"session.json has unusable drill parameters or person ({e.what})",
                            "restore it from a backup") from None
    except (TypeError, ValueError) as e:
        raise DataFileError(f"session.json has unusable drill parameters ({e.__class__.__name__}: {e})",
                            "restore it from a backup") from None
    rate = float(meta["sample_rate_hz"])
    return (Estimator(layout, calibration, person.weight_n, rate),
            DrillEngine(run, layout, person.weight_n, rate, time_cap_s=cap, person=person))


# how the recorded run was steered from outside the engine (the stop and pause controls, the
# --seconds limit): reproduced at the same frame. Ends the engine reaches by itself need nothing.
_SELF_ENDS = ("complete", "time cap reached")


def _phase_at(folder, t_text: str) -> str | None:
    """The phase of the trace's frame stamped ``t_text`` (as recorded), or None."""
    from trainer.sessions.format import TRACE_FILE, TraceLines

    with TraceLines(folder / TRACE_FILE) as tr:
        if "phase" not in tr.columns:
            return None
        it, ip = tr.columns.index("t_s"), tr.columns.index("phase")
        for _, rows in tr.blocks(4096):
            for f in rows:
                if f[it] == t_text:
                    return f[ip]
    return None


def controls_of(folder, events) -> list[tuple[float, str, str]]:
    """(t, action, detail): 'stop' and 'toggle' act before the frame at t, 'finish' after it."""
    out = []
    for t, kind, detail in events:
        if kind in ("pause", "resume") and detail == "pause control":
            out.append((float(t), "toggle", detail))
        elif kind == "end" and detail not in _SELF_ENDS:
            # the stop control ends at the next frame (phase 'done'); Ctrl-C after the last one
            before = detail == "stopped" and _phase_at(folder, t) == "done"
            out.append((float(t), "stop" if before else "finish", detail))
    return out


def replay_session(path, *, speed: float | None = None, view=None, clock=None, on_frames=None) -> dict:
    """Replay a session: returns {"folder", "summary", "recorded", "same", "differences", "events_same", …}.
    ``on_frames(n)`` is told of every block of ``n`` frames read (a progress bar)."""
    import time

    import numpy as np

    from calibration.store import from_dict
    from firmware.clock import VirtualClock
    from firmware.layout import parse_layout
    from trainer.sessions.format import (fmt_time, load_meta, read_events, schema_version, session_folder,
                                         status_notes)
    from trainer.sessions.replay import open_replay

    folder = session_folder(path)
    meta = load_meta(folder)
    notes: list[str] = []
    layout = parse_layout(meta["layout"], f"the layout embedded in {folder / 'session.json'}")
    cal = from_dict(meta["calibration"], layout, f"embedded in {folder / 'session.json'}")
    estimator, engine = build_run(meta, layout, cal)
    recorded_events = read_events(folder, notes)
    actions = controls_of(folder, recorded_events)
    clock = clock or VirtualClock()
    source = open_replay(folder, layout, clock, speed=speed or 1.0, time_base=0.0)
    frames = 0
    wall = time.perf_counter()

    def act(action, t, detail):
        if action == "stop":
            engine.stop()
        elif action == "toggle":
            engine.toggle_pause()
        else:
            engine.finish(t, detail)

    def process(part):
        eb = estimator.estimate(part)
        engine.process(eb)
        if view is not None:
            view.feed(eb.t, eb.cop)     # the display filter sees every sample, as live
            view.feed_feet(eb.t, eb.cop_left, eb.cop_right)

    try:
        while True:
            if view is not None and view.closed and not engine.done:
                engine.stop()
            block = source.read()
            if len(block) == 0:
                if source.exhausted:
                    break
                if view is not None:
                    view.poll()
                continue
            frames += len(block)
            if on_frames is not None:
                on_frames(len(block))
            if engine.done:
                continue          # the recording's tail after the end: counted, as on the day
            i0 = 0
            while actions and actions[0][0] <= block.t[-1]:
                t_a, action, detail = actions.pop(0)
                k = int(np.searchsorted(block.t, t_a))
                cut = max(i0, k if action in ("stop", "toggle") else min(k + 1, len(block)))
                if cut > i0:
                    process(block[i0:cut])
                i0 = cut
                act(action, t_a, detail)
            if i0 < len(block):
                process(block[i0:])
            if view is not None:
                view.maybe_draw(engine.snapshot, path_xy=engine.path_xy(), engine=engine)
    finally:
        source.close()
    summary, methods = engine.results()
    summary["frames"] = frames
    recorded = meta.get("summary") or {}
    from trainer.app.drill import REACH_KEYS   # what the app added after the drill: never redone by a replay

    summary.update({k: recorded[k] for k in REACH_KEYS if k in recorded and k not in summary})
    replayed = _normal(summary)
    if schema_version(meta) >= 2:
        mine = [(fmt_time(t), k, str(d)) for t, k, d in engine.events]
    else:   # version 1 wrote newlines as spaces and double quotes as single ones
        mine = [(fmt_time(t), k, str(d).replace("\n", " ").replace('"', "'")) for t, k, d in engine.events]
    notes = status_notes(meta, source.reader.notes + notes)
    diffs = _differences(recorded, replayed) if meta["complete"] else []
    return {
        "folder": str(folder),
        "drill": meta["drill"],
        "complete": meta["complete"],
        "summary": replayed,
        "recorded": recorded,
        "same": bool(meta["complete"]) and not diffs,
        "differences": diffs,
        "events_same": mine == [tuple(e) for e in recorded_events],
        "events": {"recorded": len(recorded_events), "replayed": len(mine)},
        "torn_lines": source.counters.get("torn_lines", 0),
        "notes": notes,
        "frames": frames,
        "wall_s": round(time.perf_counter() - wall, 3),
        "methods": methods,
    }


def run(args) -> int:
    from firmware.clock import RealClock, VirtualClock

    from trainer.app.drill import has_display, print_summary

    show = has_display() and not args.no_plot
    paced = show or args.speed is not None
    view = None
    if show:
        from firmware.layout import parse_layout
        from trainer.sessions.format import load_meta, session_folder

        from trainer.ui.view import LiveView

        folder = session_folder(args.session)
        layout = parse_layout(load_meta(folder)["layout"], "session")
        view = LiveView(layout, title=f"footmat — replay of {folder.name}")
    from trainer.sessions.format import load_meta, session_folder
    from trainer.ui.console import Progress

    meta = load_meta(session_folder(args.session))
    total = float(meta.get("duration_s") or 0) * float(meta.get("sample_rate_hz") or 0) or None
    # plain progress lines only for a long session (over a minute recorded); a bar on a terminal
    long = total is not None and float(meta.get("duration_s") or 0) > 60
    try:
        with Progress("replaying", total, plain=long and not show) as bar:
            res = replay_session(args.session, speed=args.speed or 1.0, view=view,
                                 clock=RealClock() if paced else VirtualClock(),
                                 on_frames=None if show else bar.advance)
    finally:
        if view is not None:
            view.close()
    for note in res["notes"]:
        say(f"footmat replay: note: {note}")
    if args.json:
        res.pop("methods", None)
        print_json(res)
        return 0
    say(f"replay of {res['folder']}" + (f" at x{args.speed:g}" if paced else " (as fast as it can)"))
    # the time of the frames replayed (a trace cut short is shorter than the recorded duration)
    rate = float(meta.get("sample_rate_hz") or 0)
    drill_s = res["frames"] / rate if rate and res["frames"] else float(meta.get("duration_s") or 0)
    print_summary(res["drill"], res["summary"], res["frames"], res["wall_s"], "the session's own layout and calibration",
                  drill_s=drill_s, virtual=not paced or (args.speed or 1.0) != 1.0)
    if not res["complete"]:
        print("the recorded session is incomplete (killed or cut off): nothing recorded to compare with")
    elif res["same"]:
        print("same summary as recorded" + ("" if res["events_same"] else " (events differ)"))
    else:
        print(f"differs from the recorded summary in {len(res['differences'])} figure(s):")
        for d in res["differences"][:10]:        # one line each (a loop list is thousands of characters)
            d = str(d)
            print(f"  {d if len(d) <= 150 else d[:149] + '…'}")
    return 0
