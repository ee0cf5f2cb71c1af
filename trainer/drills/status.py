"""What a live view shows, worked out once from the drill engine: one state object any renderer
draws (the window's :class:`~trainer.ui.view.LiveView`, a coach's web view).

:class:`DrillStatus` reads the engine's public :class:`~trainer.drills.state.Snapshot`, its
active time and the drill run's public attributes, and returns a :class:`ViewStatus`:

- the cue as a short **headline** read from 2 m and a **hint** with the rest of the instruction;
- each foot's own CoP and share of the load (:class:`FootStatus`);
- the **ring**: in the spiral, the working foot's heel, ball or toes zone the cue names; in the
  reach drills (``shift-lr``, ``shift-ap``, ``limits``) the target's zone, and whether the CoP is
  in it;
- the drill's own **counter** (:class:`Counter`): loop and score (spiral), rep, set and beat (heel
  raises), a hold timer (toe presses), direction and the zone's hold (shifts, limits), a timer
  (stance, one-leg);
- the **feedback level** (PRODUCT.md §4b, fading as skill grows): ``full`` (the person's markers,
  trail and load, and the target), ``target`` (the target only: none of the person's own live
  markers or load) or ``none`` (no target and no live marker: the cue, the counter and the score
  at the end).

Live timers (time in a zone, one-leg time held) are the view's reading of the newest frame at the
view's rate; the figures that count are the drill's scorer's, in the session's summary.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from trainer.estimate.cop import FOOT_COP_MIN_N

from . import limits, shift
from .exercise import BEATS_PER_REP
from .exercise import LEAD_S as EXERCISE_LEAD_S
from .limits import DIRECTIONS, HOLD_S, unit
from .stance import ONE_LEG_OFF_FRACTION, TOUCHDOWN_S

FEEDBACK_LEVELS = ("full", "target", "none")
FEET = ("left", "right")
ARROWS = {"left": "←", "right": "→", "forward": "↑", "back": "↓", "forward-right": "↗",
          "forward-left": "↖", "back-right": "↘", "back-left": "↙"}
CUE_MAX_CHARS = 16        # a headline longer than this does not fit 800 px at 60 px capitals

# the drills' own words, shortened to a headline and a hint
_SHORT = {
    "step on and stand still": ("step on", "and stand still"),
    "paused — step back on to continue": ("paused", "step back on to continue"),
    "stand tall, heels down": ("stand tall", "heels down, ready to rise"),
    "up onto the toes": ("up", "onto your toes, slowly"),
    "hold": ("hold", "high on your toes"),
    "down slowly": ("down slowly", "lower your heels with the beat"),
    "heels down": ("heels down", "stand tall"),
    "rest": ("rest", "shake out your legs"),
    "stand relaxed": ("stand relaxed", "knees slightly bent"),
    "grip the floor with your toes": ("grip", "the floor with your toes, heels down"),
    "relax": ("relax", "let your toes go"),
    "stand still, weight even, eyes forward": ("stand still", "weight even, eyes forward"),
    "back to the centre, stand tall": ("centre", "come back to the centre, stand tall"),
}


@functools.lru_cache(maxsize=512)
def split_cue(text: str) -> tuple[str, str]:
    """(headline, hint) of a drill's cue: the words to read from 2 m and the rest of them
    (a drill has a few cues, read every frame: each is split once)."""
    text = (text or "").strip()
    if text in _SHORT:
        return _SHORT[text]
    if text.startswith("get ready …"):
        return text, ""
    if text.startswith("lean "):
        return text[5:], "lean as far as is comfortable, feet flat"
    if text.startswith("shift to the "):
        return "shift " + text[13:], "with the beat"
    if text.startswith("get ready: "):
        return "get ready", text[11:]
    if text.startswith("stand on your "):             # one-leg
        foot = text[14:].split(" ")[0]
        rest = text.split(", ", 1)[1] if ", " in text else ""
        return f"{foot} foot", rest
    for sep in (": ", ", ", " — "):
        if sep in text and len(text) > CUE_MAX_CHARS:
            head, rest = text.split(sep, 1)
            return head, rest
    return text, ""


def _clock(s: float) -> str:
    s = max(0.0, float(s))
    return f"{int(s // 60)}:{int(s % 60):02d}"


@dataclass
class FootStatus:
    """One foot: its own CoP (mm, NaN when it carries too little), its share (0..1) of the mat's
    load, and the share of its load on its heel (%)."""

    cop: np.ndarray
    share: float
    heel_pct: float


@dataclass
class Ring:
    """A target zone drawn on the feet: centre (mm), radius (mm), the foot it is on (None: the
    whole-body CoP's zone), its name, and whether the CoP (that foot's, or the whole body's) is in it."""

    xy: np.ndarray
    radius_mm: float
    foot: str | None
    label: str
    inside: bool = False


@dataclass
class Counter:
    """What the drill counts: a small ``label``, the big ``value``, a ``detail`` line, a
    ``progress`` bar (0..1, None: none) and the ``beat`` (current, of n; None: none)."""

    label: str = ""
    value: str = ""
    detail: str = ""
    progress: float | None = None
    beat: tuple[int, int] | None = None


@dataclass
class ViewStatus:
    """Everything a view draws for one frame (mm, %, s)."""

    t: float
    state: str
    cue: str
    hint: str
    feedback: str
    cop: np.ndarray
    target: np.ndarray
    feet: dict
    counter: Counter
    ring: Ring | None = None
    working: str | None = None          # the spiral's working foot
    share_target_pct: float | None = None   # the share asked on the left foot (spiral), %
    foot_zones: dict | None = None      # the spiral's zones per foot, (m, 2) mm (drawn faintly)
    score: float | None = None
    left_pct: float = float("nan")
    heel_pct_left: float = float("nan")
    heel_pct_right: float = float("nan")
    forces: np.ndarray | None = None
    total_n: float = float("nan")
    holding_on: bool = False

    @property
    def show_live(self) -> bool:
        """The person's own markers, trail and load are shown."""
        return self.feedback == "full"

    @property
    def show_target(self) -> bool:
        return self.feedback in ("full", "target")

    def to_dict(self) -> dict:
        """The status as JSON-ready values (NaN → None), for a renderer in another process."""
        def clean(v):
            if isinstance(v, np.ndarray):
                return clean(v.tolist())
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            if isinstance(v, (float, np.floating)):
                return float(v) if np.isfinite(v) else None
            if isinstance(v, np.generic):
                return v.item()
            return v
        return clean(asdict(self))


class DrillStatus:
    """Reads a :class:`~trainer.drills.engine.DrillEngine` (or, without one, a bare snapshot on
    ``layout``) into a :class:`ViewStatus`: ``read(snapshot)``. Keeps the little state the live
    timers need (since when the CoP is in a zone, since when one foot is off)."""

    def __init__(self, engine=None, layout=None, feedback: str = "full"):
        if feedback not in FEEDBACK_LEVELS:
            raise ValueError(f"feedback {feedback!r} is not one of {', '.join(FEEDBACK_LEVELS)}")
        self.engine = engine
        self.layout = layout if layout is not None else getattr(engine, "layout", None)
        self.feedback = feedback
        self._masks = None
        if self.layout is not None:
            pos = self.layout.positions
            self._masks = {f: (self.layout.mask(foot=f), self.layout.mask(foot=f, zone="heel")) for f in FEET}
            self._pos = pos
            self._foot_pos = {f: pos[m] for f, (m, _) in self._masks.items()}   # each foot's rows of pos
        self._in_since = None          # (presentation key, clock time the CoP entered its zone)
        self._lift = None              # clock time one-leg's other foot came off
        self._down_since = None

    # -- the parts every drill shares ---------------------------------------------------------
    def feet(self, snap) -> dict:
        """Each foot's own CoP and share of the load, from the snapshot's forces (METRICS.md)."""
        out = {}
        forces = None if snap.forces is None else np.where(np.isfinite(snap.forces), np.maximum(snap.forces, 0), 0)
        left = float(snap.left_pct) / 100.0 if snap.left_pct is not None and np.isfinite(snap.left_pct) else np.nan
        for f, heel_pct in zip(FEET, (snap.heel_pct_left, snap.heel_pct_right)):
            cop = getattr(snap, f"cop_{f}", None)
            if cop is None and forces is not None and self._masks is not None:
                fm = forces[self._masks[f][0]]
                load = float(fm.sum())
                cop = fm @ self._foot_pos[f] / load if load >= FOOT_COP_MIN_N else np.full(2, np.nan)
            cop = np.full(2, np.nan) if cop is None else np.asarray(cop, float)
            share = left if f == "left" else 1.0 - left
            out[f] = FootStatus(cop, share, float(heel_pct) if heel_pct is not None else np.nan)
        return out

    def active(self, snap) -> float | None:
        """Active time (s, pauses excluded) at the snapshot, once the drill has started."""
        e = self.engine
        if e is None or not getattr(e, "started", False):
            return None
        a = float(e.active(snap.t)[0])
        return a if np.isfinite(a) else None

    def read(self, snap=None) -> ViewStatus:
        """The status at ``snap`` (default: the engine's newest snapshot)."""
        if snap is None:
            snap = self.engine.snapshot
        state = snap.state
        if state == "countdown" and snap.countdown is not None:
            cue, hint = f"get ready … {max(1, int(np.ceil(snap.countdown)))}", "stand still"
        else:
            cue, hint = split_cue(snap.cue)
        st = ViewStatus(t=float(snap.t), state=state, cue=cue, hint=hint, feedback=self.feedback,
                        cop=np.asarray(snap.cop, float), target=np.asarray(snap.target, float),
                        feet=self.feet(snap), counter=Counter(), score=snap.last_score,
                        left_pct=float(snap.left_pct), heel_pct_left=float(snap.heel_pct_left),
                        heel_pct_right=float(snap.heel_pct_right), forces=snap.forces,
                        total_n=float(snap.total_n), holding_on=bool(getattr(snap, "holding_on", False)))
        drill = getattr(self.engine, "drill", None)
        a = self.active(snap)
        name = getattr(drill, "name", "")
        if a is not None and state in ("running", "paused", "done"):
            fill = _DRILLS.get(name.split("-")[0] if name.startswith("shift") else name)
            if fill is not None:
                fill(self, st, drill, min(a, drill.active_duration_s - 1e-6), snap)
        if not st.counter.value:
            loops = snap.loops
            st.counter = Counter("loop" if loops else "", f"{snap.loop}/{loops}" if loops else "",
                                 "score " + ("–" if snap.last_score is None else f"{snap.last_score:.0f}")
                                 if loops else "")
        if state == "countdown":
            st.counter = Counter("starting in", f"{max(1, int(np.ceil(snap.countdown or 0)))}", "stand still")
        if not st.show_target:
            st.ring, st.foot_zones, st.share_target_pct = None, None, None
            st.target = np.full(2, np.nan)
        return st

    # -- the live timer of a zone ---------------------------------------------------------------
    def _zone_hold(self, key, st: ViewStatus, ring: Ring, cop, t: float, hold_s: float) -> float:
        inside = bool(np.all(np.isfinite(cop)) and np.hypot(*(np.asarray(cop) - ring.xy)) <= ring.radius_mm)
        ring.inside = inside
        if not inside or st.state != "running":
            self._in_since = None
            return 0.0
        if self._in_since is None or self._in_since[0] != key:
            self._in_since = (key, t)
        return t - self._in_since[1]


# -- each drill's own parts ----------------------------------------------------------------------
def _spiral(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    loops = drill.loops
    st.counter = Counter("loop", f"{min(drill.loop_of(a) + 1, loops)}/{loops}",
                         "score " + ("–" if snap.last_score is None else f"{snap.last_score:.0f}"))
    if not hasattr(drill, "foot_target") or getattr(drill, "path", None) is None:
        return
    cued = getattr(drill, "cued_zone", None)
    if cued is not None:          # the zone and working foot only (the view needs no CoP targets)
        k, working = cued(a)
        zones = {f: z.xy for f, z in drill.path.zones.items()}
        radius = {f: z.radius_mm for f, z in drill.path.zones.items()}
    else:
        ft = drill.foot_target(np.array([a]))
        k = int(np.atleast_1d(ft["zone"])[0])
        working = str(np.atleast_1d(ft["working"])[0])
        zones, radius = ft["zones"], ft["radius_mm"]
    foot, j = drill.path.zone_of(k)
    ring = Ring(np.asarray(zones[foot][j], float), float(radius[foot][j]), foot, drill.labels()[k])
    cop = st.feet[foot].cop
    cx, cy = cop.tolist()
    rx, ry = ring.xy.tolist()
    # as np.all(np.isfinite(cop)) and np.hypot(*(cop - ring.xy)) <= radius, on two Python floats
    ring.inside = bool(math.isfinite(cx) and math.isfinite(cy) and np.hypot(cx - rx, cy - ry) <= ring.radius_mm)
    st.ring, st.working = ring, working
    share = float(getattr(drill, "share", 70.0))
    st.share_target_pct = share if working == "left" else 100.0 - share
    st.foot_zones = {f: np.asarray(z, float) for f, z in zones.items()}
    if not st.hint:
        st.hint = f"{share:.0f} % of your weight on the {working} foot"


def _heel_raises(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    cycle = drill.set_s + drill.rest_s
    k = min(int(a // cycle), drill.sets - 1)
    u = a - k * cycle
    sets = f"set {k + 1}/{drill.sets}"
    if u >= drill.set_s:                      # resting between sets
        left = cycle - u
        st.counter = Counter("rest", _clock(left), f"set {k + 2}/{drill.sets} next", progress=1 - left / drill.rest_s)
        return
    if u < EXERCISE_LEAD_S:
        st.counter = Counter("rep", f"0/{drill.reps}", sets, beat=(-1, BEATS_PER_REP))
        return
    beat = int((u - EXERCISE_LEAD_S) // drill.tempo_s)
    st.counter = Counter("rep", f"{min(beat // BEATS_PER_REP + 1, drill.reps)}/{drill.reps}", sets,
                         beat=(beat % BEATS_PER_REP, BEATS_PER_REP))


def _toe_press(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    u = a - EXERCISE_LEAD_S
    if u < 0:
        st.counter = Counter("press", f"0/{drill.reps}", f"first in {-u:.0f} s")
        return
    k = min(int(u // drill.cycle_s), drill.reps - 1)
    x = u - k * drill.cycle_s
    press = f"press {k + 1}/{drill.reps}"
    if x < drill.hold_s:
        st.counter = Counter("hold", f"{x:.1f} s", press, progress=x / drill.hold_s)
    else:
        st.counter = Counter("relax", f"{drill.cycle_s - x:.0f} s", press, progress=None)


def _shift(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    idx = int(drill.cue(np.array([a]))[0])
    j = min(int(np.searchsorted(drill.block_start, a, side="right") - 1), len(drill.paces) - 1)
    pace = drill.paces[j]
    if idx >= 2 or not drill.dist:
        st.counter = Counter("pace", f"{pace:g} s", f"{j + 1} of {len(drill.paces)} paces")
        return
    d = drill.DIRS[idx]
    dist = drill.dist[d]
    radius = _zone_radius(dist)
    ring = Ring(drill.centre + dist * unit(d), radius, None, d)
    hold_s = getattr(shift, "HOLD_FRACTION", 0.2) * pace
    held = ds._zone_hold(("shift", j, idx), st, ring, st.cop, st.t, hold_s)
    st.ring = ring
    st.hint = f"{pace:g} s a movement, with the beat"
    st.counter = Counter(f"to the {d}" if d in ("left", "right") else d, f"{ARROWS[d]} {pace:g} s",
                         f"hold {min(held, hold_s):.1f}/{hold_s:.1f} s" if ring.inside else "to the ring",
                         progress=min(held / hold_s, 1.0) if hold_s > 0 else None)


def _limits(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    idx = int(drill.cue(np.array([a]))[0])
    k = min(int(a // drill.period_s_each), len(DIRECTIONS) - 1)
    if idx == 0 or not drill.targets:
        st.counter = Counter("direction", f"{min(k + 1, len(DIRECTIONS))}/{len(DIRECTIONS)}", "back to the centre")
        return
    d = DIRECTIONS[idx - 1]
    z = drill.targets[d]
    ring = Ring(drill.centre + z["reach_mm"] * unit(d), float(z["radius_mm"]), None, d)
    held = ds._zone_hold(("limits", idx), st, ring, st.cop, st.t, HOLD_S)
    st.ring = ring
    left = drill.cue_time(idx - 1) + drill.lean_time - a
    st.counter = Counter(f"lean {idx} of {len(DIRECTIONS)}", f"{ARROWS[d]} {idx}/{len(DIRECTIONS)}",
                         f"hold {min(held, HOLD_S):.1f}/{HOLD_S:g} s" if ring.inside else f"{int(np.ceil(left - 1e-9))} s left",
                         progress=min(held / HOLD_S, 1.0))


def _stance(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    st.counter = Counter("time", _clock(a), f"of {_clock(drill.duration)}", progress=a / drill.duration)


def _one_leg(ds: DrillStatus, st: ViewStatus, drill, a: float, snap) -> None:
    other = st.feet[drill.other].share
    t = st.t
    if st.state == "running" and np.isfinite(other) and other < ONE_LEG_OFF_FRACTION:
        ds._down_since = None
        if ds._lift is None:
            ds._lift = t
    elif ds._lift is not None and st.state == "running":
        if ds._down_since is None:
            ds._down_since = t
        elif t - ds._down_since >= TOUCHDOWN_S:
            ds._lift, ds._down_since = None, None
    held = 0.0 if ds._lift is None else t - ds._lift
    st.counter = Counter("held", _clock(min(held, drill.max_time)), f"up to {_clock(drill.max_time)}",
                         progress=min(held / drill.max_time, 1.0))
    if ds._lift is None:
        st.counter.detail = f"lift the {drill.other} foot"


def _zone_radius(dist_mm: float) -> float:
    fn = getattr(limits, "zone_radius", None)
    return float(fn(dist_mm)) if fn is not None else limits.ZONE_RADIUS_FRACTION * float(dist_mm)


_DRILLS = {"spiral": _spiral, "heel-raises": _heel_raises, "toe-press": _toe_press, "shift": _shift,
           "limits": _limits, "stance": _stance, "one-leg": _one_leg}
