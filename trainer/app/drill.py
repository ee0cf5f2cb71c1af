"""What every recording command shares: open the mat (or the simulated one), pick the
calibration and person, make the session, run the drill with or without a view, finish."""
from __future__ import annotations

import datetime as _dt
import json
import os
import textwrap
import time
from pathlib import Path

from calibration import store
from firmware.clock import RealClock, VirtualClock
from firmware.controls import Controls
from firmware.errors import CalibrationError, DataFileError, UsageError
from firmware.fileio import atomic_write_text
from firmware.layout import load_layout

from trainer import drills
from trainer.app.live import run_drill
from trainer.app.programme import PAIN_HIGH, RED_FLAG_NOTICE
from trainer.app.simcal import SIM_CALIBRATION_DESCRIPTION, sim_calibration
from trainer.app.simperson import Follower, natural_centre
from trainer.drills.engine import DrillEngine
from trainer.estimate.estimator import Estimator
from trainer.sessions import home, people
from trainer.sessions.writer import SessionWriter
from trainer.ui.console import ask, interactive, say


def has_display() -> bool:
    backend = os.environ.get("MPLBACKEND", "").lower()
    if backend in ("agg", "pdf", "svg", "ps", "cairo", "template", "module://matplotlib_inline.backend_inline"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def resolve_backend(args, layout) -> str:
    from firmware.backends import BACKENDS

    b = args.backend or layout.adc.type
    if b in BACKENDS or b.startswith("replay:"):
        return b
    raise UsageError(f"unknown backend {b!r}", "use sim, ads1115, mcp3008 or replay:PATH")


def replay_folder(backend: str) -> Path:
    """The recorded session's folder that ``--backend replay:PATH`` names (PATH: the folder, its
    session.json or trace.csv). A recording that is not there is one line saying so, with its
    path and what to pass, before anything else is read."""
    from trainer.sessions.format import session_folder

    path = backend[len("replay:"):]
    fix = "pass --backend replay:FOLDER, the folder of a recorded session (footmat history lists them)"
    if not path.strip():
        raise UsageError("--backend replay: names no recording", fix)
    p = Path(path).expanduser()
    if not p.exists():
        raise DataFileError(f"--backend {backend}: the recording {str(p)!r} was not found (no such file or folder)", fix)
    try:
        return session_folder(p)
    except DataFileError as e:
        raise DataFileError(f"--backend {backend}: {e.what}", e.fix) from None


def resolve_calibration(args, layout, backend: str, person_name: str | None):
    """The calibration to use, and a short description of where it came from."""
    folder = replay_folder(backend) if backend.startswith("replay:") else None   # the recording first
    if args.calibration:
        return store.load(args.calibration, layout), f"calibration {args.calibration}"
    if folder is not None:
        # a recording carries the calibration it was made with
        meta_path = folder / "session.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            return store.from_dict(meta["calibration"], layout, meta_path.name), f"calibration embedded in {meta_path}"
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise DataFileError(f"cannot read the calibration embedded in {meta_path} ({e.__class__.__name__})",
                                "pass --calibration FILE") from None
    path = home.calibration_path(layout.name)
    if path.exists():
        return store.load(path, layout), f"calibration {path}"
    if backend == "sim":
        # the simulated mat comes calibrated, as a built mat would be after `footmat calibrate`:
        # the body-weight fit run on simulated poses of this very mat (same seed, same parts)
        # fitted once per layout, seed and scenario, cached outside the user's files (simcal)
        seed, scenario = getattr(args, "seed", 1), sim_scenario(args)
        cal, path, cached = sim_calibration(layout, seed=seed, scenario=scenario)
        if not getattr(args, "calibration_said", False):     # a routine's later parts: said once
            say(f"no calibration file for this mat: using {SIM_CALIBRATION_DESCRIPTION} (the body-weight fit on "
                f"simulated poses; seed {seed}, scenario {scenario}; {'read from' if cached else 'saved to'} the cache "
                f"{path})")
        return cal, f"{SIM_CALIBRATION_DESCRIPTION} (seed {seed}, {scenario})"
    raise CalibrationError(f"this mat ({layout.name}) has no calibration yet",
                           "run: footmat calibrate --weight-kg N (or pass --calibration FILE)")


def sim_scenario(args) -> str:
    """The simulated mat's scenario named by ``--sim-scenario`` (default: realistic); an unknown
    name is a one-line UsageError."""
    from firmware.sim import scenarios

    return scenarios.get(getattr(args, "sim_scenario", None)).name


def check_sim_names(args) -> None:
    """A misspelt ``--sim-person`` or ``--sim-scenario`` is a one-line UsageError, told before any
    notice is printed (each is checked again where it is used)."""
    from firmware.sim.people import get_person

    if getattr(args, "sim_person", None) is not None:
        get_person(args.sim_person)
    if getattr(args, "sim_scenario", None) is not None:
        sim_scenario(args)


def sim_person(args, person) -> tuple:
    """(the named simulated person after their sessions so far, that count): ``--sim-person``
    (default: average) as it is after the sessions ``person`` has in the history."""
    from firmware.sim.people import get_person
    from trainer.sessions import history

    kind = get_person(getattr(args, "sim_person", None))
    try:
        n = sum(1 for r in history.load(person=person.name) if r.get("drill") != "calibration")
    except Exception:             # an unreadable history only loses the person's progress
        n = 0
    return kind.after_sessions(n), n


def open_source(backend: str, layout, clock, rate_hz: float, script=None, person_kg: float = 70.0, seed: int = 1,
                **sim):
    """A frame source for --backend: ``replay:PATH`` plays a recorded session back; the mat's backends
    come from :func:`firmware.backends.open_source` (sim: a simulated mat with a ``person_kg``
    person following ``script``)."""
    from firmware.backends import BACKENDS, open_source as open_backend
    from trainer.sessions.replay import open_replay

    if backend.startswith("replay:"):
        return open_replay(replay_folder(backend), layout, clock, rate_hz)
    if backend not in BACKENDS:
        raise UsageError(f"backend {backend!r} cannot record a drill", "use --backend sim, ads1115 or mcp3008")
    return open_backend(backend, layout, clock, rate_hz, script=script, person_kg=person_kg, seed=seed,
                        **(sim if backend == "sim" else {}))


def session_root(args) -> Path:
    return Path(args.out).expanduser() if getattr(args, "out", None) else home.sessions_dir()


FIRST_RUN_NOTICE = ("Safety: keep a chair or rail within reach. Stop at once for pain, dizziness or chest pain. "
                    "Step off the mat to pause at any time.")


def first_run_notice(person, red_flags: bool = True) -> bool:
    """The safety notice: printed before every drill; the first time (for this person) with the
    red flags (PRODUCT.md §4b; unless ``red_flags`` is False: the caller has just said them) and,
    at a terminal, also confirmed. Returns whether the red flags were said."""
    say(FIRST_RUN_NOTICE)
    marker = home.home() / ".notice-seen"
    seen = marker.read_text(encoding="utf-8").splitlines() if marker.exists() else []
    if person.name in seen:
        return False
    if red_flags:
        say(RED_FLAG_NOTICE)
    if interactive():
        ask("Press Enter when you are ready. ")
    atomic_write_text(home.ensure() / ".notice-seen", "\n".join(seen + [person.name]) + "\n")
    return red_flags


def red_flag_notice(*ratings, out=None) -> bool:
    """PRODUCT.md §4b: the red flags (stop and seek care) whenever a pain rating is PAIN_HIGH (7)
    or more, said with ``out`` (default: :func:`say`). Returns whether they were said."""
    if any(r is not None and r >= PAIN_HIGH for r in ratings):
        (out or say)(RED_FLAG_NOTICE)
        return True
    return False


def run_drill_command(args, drill_name: str, params: dict, *, time_cap_s: float | None = None,
                      pain_before=None, pain_after=None, level: int | None = None, feedback: str | None = None,
                      events=(), programme: dict | None = None, red_flags: bool = True,
                      first_run_red_flags: bool = True) -> int:
    """Run one drill on the chosen backend, record the session, print the summary.

    The red flags (PRODUCT.md §4b) are said in the person's first-run notice (unless
    ``first_run_red_flags`` is False: the caller has just said them) and, with ``red_flags``,
    when the pain before or after is 7 or more (False: the caller says them for its own pain
    ratings, as a routine does once for all its parts).

    From the programme (`footmat today`): ``level`` (recorded in session.json with its
    parameters), ``feedback`` (the level's live feedback; a --feedback given wins), ``events``
    ((kind, detail) written first into the session's events: the level and why) and
    ``programme`` (kept in session.json)."""
    defn = drills.get(drill_name)
    params = defn.resolve(params)
    layout = load_layout(args.layout)
    backend = resolve_backend(args, layout)
    check_audio_out(args)
    sim = backend == "sim"
    check_sim_names(args)
    person = people.ensure_id(people.resolve(args.person, say))
    replay = backend.startswith("replay:")
    show = has_display() and not args.no_plot
    virtual = (sim or replay) and not show and not args.realtime
    warm_sound(args, person, virtual)
    cal, cal_text = resolve_calibration(args, layout, backend, person.name)
    clock = VirtualClock() if virtual else RealClock()
    rate = 200.0
    run = defn.make(params)
    caps = [c for c in (time_cap_s, defn.time_cap_s) if c]
    cap = min(caps) if caps else run.active_duration_s + 60.0
    seed = getattr(args, "seed", 1)
    follower, sim_kw = None, {}
    if sim:
        # the simulated person (--sim-person) as they are after their sessions so far, on the
        # simulated mat (--sim-scenario) where their feet land anew in this session
        kind, n_done = sim_person(args, person)
        follower = Follower(natural_centre(layout), kind=kind, layout=layout, seed=seed + n_done)
        sim_kw = {"scenario": sim_scenario(args), "sim_person": kind, "session": n_done + 1}
        if pain_before is None:
            pain_before = kind.pain[0]
        asked = pain_after

        def pain_after():           # what was given or asked, else the simulated person's report
            v = asked() if callable(asked) else asked
            return kind.pain[1] if v is None else v
    source = open_source(backend, layout, clock, rate, script=follower, person_kg=person.weight_kg, seed=seed,
                         **sim_kw)
    rate = float(source.rate_hz)
    estimator = Estimator(layout, cal, person.weight_n, rate)
    engine = DrillEngine(run, layout, person.weight_n, rate, time_cap_s=cap, person=person)
    if follower is not None:
        follower.engine = engine
    said = first_run_notice(person, red_flags=first_run_red_flags)
    if red_flags and not said:
        red_flag_notice(pain_before)
    if sim:
        say(f"simulated mat ({layout.name}, {sim_kw['scenario']}, {rate:.0f} Hz) with a simulated person "
            f"({sim_kw['sim_person'].name}) doing {drill_name}; "
            + ("virtual time (as fast as it can)" if virtual else "real time"))
    writer = SessionWriter(session_root(args), drill_name, layout=layout, calibration=cal.to_dict(),
                           params=params | {"backend": backend, "time_cap_s": cap},
                           person=person.to_dict() | {"default": person.is_default},
                           person_id=person.person_id, pain_before=pain_before, on_note=say,
                           sample_rate_hz=rate, simulated=sim, clock_start=clock.now(), level=level)
    for ev_kind, ev_detail in events:    # the programme's decisions for this session, with their reasons
        writer.event(clock.now(), ev_kind, ev_detail)
    engine.subscribe(_terminal_cues(virtual))
    audio = open_audio(args, person, drill_name, writer, engine, virtual,
                       fade=getattr(args, "feedback", None) or feedback or "full")
    controls = open_controls(layout, engine, clock) if backend in ("ads1115", "mcp3008") else None
    view = None
    if show:
        from trainer.ui.view import LiveView
        # how much live feedback (PRODUCT.md §4b): full, target or none; the programme's level sets it
        view = LiveView(layout, title=f"footmat — {drill_name}", feedback=getattr(args, "feedback", None) or feedback or "full")
        view.on_key.append(lambda a: engine.toggle_pause() if a in ("pause", "resume")
                           else engine.stop() if a == "next" else None)
    t_wall = time.perf_counter()
    try:
        frames = run_drill(source, engine, writer, view, estimator=estimator, audio=audio)
        if audio is not None:
            audio.finish(engine.snapshot.t, getattr(args, "audio_out", None))
    except BaseException:
        if audio is not None:
            audio.close()
        writer.abort()
        source.close()
        if view is not None:
            view.close()
        if controls is not None:
            controls.status = "fault"
            controls.close()
        raise
    source.close()
    if view is not None:
        view.close()
    if controls is not None:
        controls.close()
    summary, methods = engine.results()
    summary["frames"] = frames
    summary.update(save_reach(summary, person, layout))
    counters = dict(source.counters)
    after = pain_after() if callable(pain_after) else pain_after
    extra = {"acquisition": counters}
    if programme is not None:
        extra["programme"] = programme | {"level": level, "level_params": params,
                                          "feedback": getattr(args, "feedback", None) or feedback or "full"}
    folder = writer.finish(summary, methods, {"before": pain_before, "after": after}, extra=extra)
    _after_session(folder)
    from trainer.store.sync import after_session as sync_after_session
    sync_after_session(say)     # settings.toml [sync] after_every_session: a background sync, never blocking
    wall = time.perf_counter() - t_wall
    say(f"session: {folder}")
    args.session_folder = folder
    print_summary(drill_name, summary, frames, wall, cal_text, drill_s=writer.last_t, virtual=virtual)
    if red_flags:
        red_flag_notice(after)
    return 0


def check_audio_out(args) -> None:
    """--audio-out FILE.wav: a .wav in a folder that exists (checked before anything starts)."""
    out = getattr(args, "audio_out", None)
    if out is None:
        return
    p = Path(out).expanduser()
    if p.suffix.lower() != ".wav":
        raise UsageError(f"--audio-out {out!r} is not a .wav file", "give a file name ending in .wav")
    if not p.parent.is_dir():
        raise UsageError(f"--audio-out: folder {p.parent} does not exist", "create it, or write the track elsewhere")


def warm_sound(args, person, virtual: bool) -> None:
    """When the drill will play sound live (:func:`open_audio`'s rule), start importing sounddevice
    on a thread while the drill is set up: PortAudio's start-up mostly runs outside the GIL, so
    the view's first frame comes sooner (issue 33). :class:`~trainer.ui.audio.Audio` imports it as
    before (at once, or when this import is done); a failed import here is left to it to report."""
    mode = getattr(args, "audio", None) or getattr(person, "audio", None) or "on"
    if virtual or mode == "off":
        return
    import threading

    def load():
        try:
            import sounddevice  # noqa: F401, PLC0415
        except Exception:      # no PortAudio: Audio's own import says so, with the notice
            pass

    threading.Thread(target=load, name="footmat-sound-import", daemon=True).start()


def open_audio(args, person, drill_name: str, writer, engine, virtual: bool, fade: str = "full"):
    """The drill's sound (PRODUCT.md §7), or None: spoken cues and beats played live on a real
    clock (--audio, else the person's setting, else on), and the sound track rendered for
    --audio-out in either time. Without a sound device: one notice, audio off, nothing else changes."""
    mode = getattr(args, "audio", None) or getattr(person, "audio", None) or "on"
    out = getattr(args, "audio_out", None)
    if out is None and (mode == "off" or virtual):
        return None
    from trainer.ui.audio import Audio

    audio = Audio(mode, language=getattr(person, "language", "en") or "en", drill=drill_name, live=not virtual,
                  render_t0=writer.clock_start if out else None, record=writer.event,
                  countdown_s=engine.countdown_s, error=getattr(args, "audio_error", None) or "off", fade=fade)
    for note in audio.notices:
        say(note)
    if not audio.active:
        return None
    engine.subscribe(audio.on_event)
    return audio


def open_controls(layout, engine, clock=None, pin_factory=None):
    """The mat's button, LED and buzzer (layout [controls]) wired to a drill engine:
    press = pause/resume, hold = stop (next); LED shows ready/recording/paused; the buzzer plays
    the cues and pacing beats. Returns None when the layout has no controls."""
    if layout.controls is None:
        return None
    c = Controls.from_layout(layout, pin_factory=pin_factory, clock=clock)
    c.status = "ready"

    def on_button(ev):
        if ev.kind == "hold":
            engine.stop()
        else:
            engine.toggle_pause()

    def on_event(t, kind, detail):
        try:
            if kind == "start":
                c.status = "recording"
                c.cue("start")
            elif kind == "pause":
                c.status = "paused"
                c.cue("pause")
            elif kind == "resume":
                c.status = "recording"
                c.cue("resume")
            elif kind == "cue" and engine.state == "running":
                c.cue("phase")
            elif kind == "beat":
                c.beat()
            elif kind == "end":
                c.status = "ready"
                c.cue("done")
        except Exception:   # a buzzer or LED must never stop a drill
            pass

    c.subscribe(on_button)
    engine.subscribe(on_event)
    return c


# summary keys added here after the drill (not by its scorer): a replay carries them over
REACH_KEYS = ("reach_saved", "reach_note", "note")


def save_reach(summary: dict, person, layout) -> dict:
    """A drill that measured the person's reach (``limits``: ``reach_mm`` in its summary): save it
    in their profile, labelled as reach on this mat, and say so. Returns the summary keys to add."""
    if not isinstance(summary.get("reach_mm"), dict):   # the spiral's reach_mm is the reach it used
        return {}
    reach = summary["reach_mm"] or {}
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    note = (f"reach on this mat (layout {layout.name}): maximum CoP excursion per direction in footmat "
            f"limits on {date}, capped by the sensor hull; measured: {', '.join(reach) or 'none'}")
    if not reach:
        msg = "no lean detected: the reach is not saved"
    elif person is None or person.is_default:
        msg = "reach not saved: no --person given (run with --person NAME to keep it and scale your targets)"
    else:
        people.save_reach(person.name, reach, note)
        person.reach_mm = {**(person.reach_mm or {}), **{d: round(v, 1) for d, v in reach.items()}}
        person.reach_note = note
        say(f"reach on this mat saved for {person.name}: "
            + ", ".join(f"{d} {v:.0f} mm" for d, v in reach.items()))
        return {"reach_saved": True, "reach_note": note}
    say(msg)
    return {"reach_saved": False, "note": msg}


def _terminal_cues(virtual: bool):
    """Cues on the terminal during a real-time drill (the view and buzzer show them too)."""
    def show(t, kind, detail):
        if not virtual and kind in ("cue", "pause", "resume", "end", "holding_on"):
            say(f"[{kind}] {detail}")
    return show


def _after_session(folder) -> None:
    """Draw report.png (`footmat report` can redo it; the writer indexes the session itself)."""
    try:
        from trainer.ui.report import simple_report
        simple_report(folder)
    except Exception as e:  # the session is safe; `footmat report` can draw it again
        say(f"could not draw report.png ({e.__class__.__name__}: {e})")


def print_summary(drill: str, summary: dict, frames: int, wall_s: float, cal_text: str, *,
                  drill_s: float | None = None, virtual: bool = True) -> None:
    """What a person reads after a drill: the feedback sentences and three or four figures with
    human names (every key stays in session.json and --json).

    ``drill_s`` is how long the drill lasted on its own clock (the session's duration); in
    ``virtual`` time it was computed faster than that, and ``wall_s`` (the computing time) is
    said too: "10410 samples in 52 s of drill, computed in 9.7 s". On a real clock the two are
    the same and only the drill's time is said."""
    if drill_s is None:
        timing = f"{frames} samples, computed in {wall_s:.1f} s"
    elif virtual:
        timing = f"{frames} samples in {_drill_time(drill_s)} of drill, computed in {wall_s:.1f} s"
    else:
        timing = f"{frames} samples in {_drill_time(drill_s)} of drill"
    print(f"{drill}: done ({timing}; {cal_text})")
    for line in summary_lines(drill, summary):
        print(line)


def summary_lines(drill: str, summary: dict, skip=()) -> list[str]:
    """The lines under a drill's first summary line (``print_summary``, ``footmat score``): the
    feedback wrapped at 78 columns, the headline figures (but those named in ``skip``), the
    holding-on note (PRODUCT.md §4) and the summary's note."""
    from trainer.ui.report_words import feedback_of, headline_figures

    out = []
    fb = feedback_of(summary)
    if fb:
        out += textwrap.wrap(fb, 78, initial_indent="  ", subsequent_indent="  ")
    out += [f"  {name}: {value}" for name, value in headline_figures(drill, summary) if name not in skip]
    held = summary.get("holding_on_events") or 0
    if held:       # a note when the mat carries clearly less than body weight
        times = "once" if held == 1 else f"{held} times"
        out += textwrap.wrap(f"holding on: the mat carried clearly less than your weight {times} — fine, and "
                             "recorded; footmat today does not count those parts toward the next level.", 78,
                             initial_indent="  ", subsequent_indent="    ")
    if summary.get("note"):
        out.append(f"  note: {summary['note']}")
    return out


def _drill_time(seconds: float) -> str:
    """52 s, 4.5 min: how long a drill lasted, in the unit a person reads it in."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
