"""Limits of stability (NeuroCom/Biodex): lean as far as is comfortable in 8 directions.

Each direction is a fixed, hands-free cycle on active time: *settle* at the centre (3 s), then
the cue "lean <direction>" and a lean window (``lean_time``); the next settle phase is the cue
to come back. The lean, its end and the return are detected afterwards from the CoP (the
engine gives a drill no data while it runs). The reach found — the maximum excursion per
direction, capped by the sensor hull — is the person's reach *on this mat*: saved in their
profile (with ``--person``), it scales every target path, the spiral's included.

Also the helpers the other balance drills share: direction vectors, the reach a target may
use (never beyond what the person showed, never beyond the hull), a zero-lag low-pass and
gap-aware series for the sway metrics.
"""
from __future__ import annotations

import numpy as np

from trainer.analysis.zones import METHODS as ZONE_METHODS
from trainer.analysis.zones import bounded_dc, score_presentation, segments, summarise

from .base import FEEDBACK_METHOD, DrillRun, plural, seconds, sentences
from .targets import convex_hull, ray_to_hull

# the 8 directions, in the order the drill asks for them (clockwise from forward, as NeuroCom)
DIRECTIONS = ("forward", "forward-right", "right", "back-right", "back", "back-left", "left", "forward-left")
_ANGLE_DEG = {"right": 0, "forward-right": 45, "forward": 90, "forward-left": 135, "left": 180,
              "back-left": 225, "back": 270, "back-right": 315}
_UNIT = {d: np.array([np.cos(np.radians(a)), np.sin(np.radians(a))]) for d, a in _ANGLE_DEG.items()}
DEFAULT_REACH_FRACTION = 0.70     # of the distance to the hull edge, until the person has done `limits`
LOWPASS_HZ = 5.0                  # zero-lag low-pass before velocities and path lengths (sensor noise)
MIN_LEAN_MM = 10.0                # a lean smaller than this is "no lean detected"
VELOCITY_FRACTION = 0.10          # of peak on-axis velocity: movement onset / end of the primary movement
ZONE_RADIUS_FRACTION = 0.15       # a limits zone's radius, of its distance from the centre (METRICS.md)
ZONE_MIN_RADIUS_MM = 15.0         # never smaller: about a 6-sensor mat's CoP error (bench `accuracy`)
HOLD_S = 1.0                      # a limits zone held this long is a success
DEFAULT_HEIGHT_CM = 170.0         # for the theoretical limit of stability when the person gave no height
MAX_SPEED_MM_S = 1000.0           # a movement velocity above this is refused (METRICS.md)
STREAM_MARGIN_S = 3.0             # streamed scoring: frames either side of a unit's own, for the low-pass
_LOS_DEG = {"lateral": 8.0, "forward": 8.0, "back": 4.5}    # METRICS.md: theoretical limit of stability


def unit(direction: str) -> np.ndarray:
    """Unit vector (x right, y forward) of one of the 8 direction names (a new array each call)."""
    return _UNIT[direction].copy()


def hull_edge_mm(layout, centre, u) -> float:
    """Distance from ``centre`` along unit ``u`` to the edge of the sensor hull (mm)."""
    return ray_to_hull(np.asarray(centre, float), np.asarray(u, float), convex_hull(layout.positions))


def reach_toward(layout, centre, direction: str, person=None) -> tuple[float, float, str]:
    """(reach mm, hull edge mm, where the reach came from) in one of the 8 directions.

    The person's shown reach on this mat (from `limits`) capped by the hull, or, until they have
    one, 70 % of the distance to the hull edge (PRODUCT.md §1) — the spiral's rule.
    """
    edge = hull_edge_mm(layout, centre, unit(direction))
    shown = (getattr(person, "reach_mm", None) or {}).get(direction)
    if shown:
        return min(float(shown), edge), edge, "shown reach (limits)"
    return DEFAULT_REACH_FRACTION * edge, edge, "70 % of the distance to the sensor hull"


def theoretical_reach_mm(direction: str, height_cm: float | None = None) -> float:
    """METRICS.md's theoretical limit of stability: h x 0.5527 x tan(theta), theta 8 deg left, right and
    forward, 4.5 deg back; the diagonals on the ellipse through those four."""
    h = float(height_cm or DEFAULT_HEIGHT_CM) * 10.0
    u = unit(direction)
    ax = h * 0.5527 * np.tan(np.radians(_LOS_DEG["lateral"]))
    ay = h * 0.5527 * np.tan(np.radians(_LOS_DEG["forward" if u[1] >= 0 else "back"]))
    return float(ax * ay / np.hypot(ay * u[0], ax * u[1]))


def zone_toward(layout, centre, direction: str, person=None) -> dict:
    """Where `limits` places its zone in one direction (METRICS.md): at the person's saved reach, or,
    for a new person, the theoretical limit of stability; radius 15 % of that distance; the whole
    zone inside the sensor hull (a CoP from sensors cannot leave it)."""
    edge = hull_edge_mm(layout, centre, unit(direction))
    inside = edge / (1.0 + ZONE_RADIUS_FRACTION)
    shown = (getattr(person, "reach_mm", None) or {}).get(direction)
    if shown:
        dist, src = float(shown), "shown reach (limits)"
    else:
        dist = theoretical_reach_mm(direction, getattr(person, "height_cm", None))
        src = "theoretical limit of stability (height x 0.5527 x tan 8 deg, 4.5 deg back)"
    if dist > inside:
        dist, src = inside, src + ", brought inside the sensor hull"
    return {"reach_mm": dist, "edge_mm": edge, "radius_mm": zone_radius(dist), "source": src}


def zone_radius(dist_mm: float) -> float:
    """A zone's radius: 15 % of its distance from the centre (METRICS.md), never under the mat's
    resolution (``ZONE_MIN_RADIUS_MM``)."""
    return max(ZONE_RADIUS_FRACTION * float(dist_mm), ZONE_MIN_RADIUS_MM)


def lowpass(x: np.ndarray, fs: float, fc: float = LOWPASS_HZ, a: np.ndarray | None = None) -> np.ndarray:
    """Zero-lag 2nd-order Butterworth low-pass along axis 0 (NaNs bridged linearly first). With
    ``a`` (the samples' times), each run between gaps (trainer.analysis.zones) is filtered on its
    own: a gap is never bridged."""
    from scipy.signal import butter, sosfiltfilt

    x = np.array(x, float)
    if a is not None and len(x):
        segs = segments(np.asarray(a, float), fs)
        if len(segs) > 1:
            return np.concatenate([lowpass(x[sl], fs, fc) for sl in segs])
    if x.ndim == 1:
        return lowpass(x[:, None], fs, fc)[:, 0]
    n = len(x)
    for j in range(x.shape[1]):
        bad = ~np.isfinite(x[:, j])
        if bad.all():
            return x
        if bad.any():
            idx = np.arange(n)
            x[bad, j] = np.interp(idx[bad], idx[~bad], x[~bad, j])
    sos = butter(2, fc / (fs / 2.0), output="sos")
    if n <= 3 * (2 * len(sos) + 1):
        return x
    return sosfiltfilt(sos, x, axis=0)


def with_gaps(a: np.ndarray, xy: np.ndarray, fs: float) -> np.ndarray:
    """The series (n, 2) with a NaN row wherever active time jumps (a pause cut the frames out),
    so sway metrics never take a difference across a pause."""
    a = np.asarray(a, float)
    jumps = np.flatnonzero(np.diff(a) > 1.5 / fs)
    if not jumps.size:
        return np.asarray(xy, float)
    return np.insert(np.asarray(xy, float), jumps + 1, np.nan, axis=0)


def rounded(v, nd: int = 1):
    """A JSON-friendly figure: None for NaN/None, else rounded."""
    if v is None:
        return None
    v = float(v)
    return round(v, nd) if np.isfinite(v) else None


def _first(mask: np.ndarray, start: int = 0) -> int | None:
    idx = np.flatnonzero(mask[start:])
    return int(idx[0]) + start if idx.size else None


def primary_movement(a: np.ndarray, p: np.ndarray, q: np.ndarray, a_cue: float, a_end: float, fs: float) -> dict:
    """Figures of a lean along an axis: ``p`` on-axis, ``q`` off-axis displacement from the
    centre (mm, low-passed), ``a`` active time; the cue at ``a_cue``, the lean window to ``a_end``.

    Baseline p0 = mean p over the second before the cue. Onset: the last sample before half the
    maximum lean is reached at which on-axis velocity was at most 10 % of its peak; end of the
    primary movement: the first sample after that at which velocity fell to 10 % of peak again.
    """
    out = {"reaction_time_s": None, "movement_velocity_mm_s": None, "endpoint_excursion_mm": None,
           "max_excursion_mm": None, "directional_control_pct": None}
    pre = (a >= a_cue - 1.0) & (a < a_cue)
    win = (a >= a_cue) & (a < a_end)
    if win.sum() < fs or not np.isfinite(p[win]).any():
        out["note"] = "too few frames in the lean window (paused?)"
        return out
    p0 = float(np.mean(p[pre])) if pre.any() else float(p[win][0])
    aw, pw, qw = a[win], p[win], q[win]
    v = np.zeros(len(aw))
    for sl in segments(aw, fs):            # no velocity across a gap
        if sl.stop - sl.start >= 2:
            v[sl] = np.gradient(pw[sl], aw[sl])
    imax = int(np.argmax(pw))
    out["max_excursion_mm"] = float(pw[imax])
    amp = pw[imax] - p0
    if amp < MIN_LEAN_MM:
        out["note"] = f"no lean detected (less than {MIN_LEAN_MM:.0f} mm)"
        return out
    i50 = _first(pw >= p0 + 0.5 * amp)
    vpk = float(np.max(v[:i50 + 1]))
    if vpk <= 0:
        return out
    slow = v <= VELOCITY_FRACTION * vpk
    before = np.flatnonzero(slow[:i50 + 1])
    i_on = int(before[-1]) if before.size else 0
    i_end = _first(slow, i50)
    i_end = len(pw) - 1 if i_end is None else i_end
    pe = float(pw[i_end])
    out["reaction_time_s"] = float(aw[i_on] - a_cue)
    out["endpoint_excursion_mm"] = pe
    span = pe - float(pw[i_on])
    if span > 1.0:
        i5 = _first(pw >= pw[i_on] + 0.05 * span, i_on)
        i95 = _first(pw >= pw[i_on] + 0.95 * span, i_on)
        if i5 is not None and i95 is not None and aw[i95] > aw[i5]:
            mv = float(0.9 * span / (aw[i95] - aw[i5]))
            if mv > MAX_SPEED_MM_S:
                out.setdefault("flags", []).append(
                    f"movement_velocity_mm_s refused: {mv:.0f} mm/s is above {MAX_SPEED_MM_S:g} mm/s")
            else:
                out["movement_velocity_mm_s"] = mv
    seg = slice(i_on, i_end + 1)
    stepok = np.diff(aw[seg]) <= 2.0 / fs      # no path length across a gap
    on = float(np.sum(np.abs(np.diff(pw[seg]))[stepok]))
    off = float(np.sum(np.abs(np.diff(qw[seg]))[stepok]))
    if on > 0:
        dc, flags = bounded_dc(100.0 * (on - off) / on)
        out["directional_control_pct"] = dc
        if flags:
            out.setdefault("flags", []).extend(flags)
    out["_i"] = (i_on, i_end, p0)
    return out


METHODS = {
    "series": f"whole-body CoP as recorded, low-passed zero-lag (2nd-order Butterworth, {LOWPASS_HZ:g} Hz, "
              "forward-backward) before velocities and path lengths; on-axis p = (CoP - centre) . u, "
              "off-axis q = (CoP - centre) . u_perp, u = unit vector of the direction, centre = the "
              "quiet-standing CoP measured before the drill started",
    "reaction_time_s": "cue -> movement onset; onset = the last sample before half the maximum lean at which the "
                       "on-axis velocity was <= 10 % of its peak (the person's own delay plus the mat's, about "
                       "0.1 s for a simulated person with no delay of their own)",
    "movement_velocity_mm_s": "0.9 x (endpoint - onset on-axis displacement) / time from 5 % to 95 % of it "
                              "(NeuroCom's movement velocity)",
    "endpoint_excursion_mm": "on-axis displacement from the centre where the primary movement ends (on-axis "
                             "velocity back to <= 10 % of its peak); _pct = % of the target distance",
    "max_excursion_mm": "maximum on-axis displacement from the centre during the lean window; _pct = % of the "
                        "target distance",
    "directional_control_pct": "100 x (on-axis path - off-axis path) / on-axis path over the primary movement "
                               "(METRICS.md: (on-axis - off-axis excursion)/on-axis; the vendor's form is "
                               "not public)",
    "return_time_s": "from the cue to come back to the first sample within 10 % of the lean (or 10 mm) of the "
                     "pre-cue position",
    "target": "the zone shown in each direction (METRICS.md): centred at the reach the person showed before (their "
              "saved reach on this mat) or, for a new person, the theoretical limit of stability (height x 0.5527 "
              "x tan 8 deg left, right and forward, 4.5 deg back; 170 cm when no height is given), radius 15 % of "
              f"that distance but at least {ZONE_MIN_RADIUS_MM:g} mm (about the CoP error of a 6-sensor mat: a "
              "smaller zone would judge the mat, not the person), the centre inside the sensor hull by 15 % of "
              "its distance",
    "zones": f"each lean window is one presentation of its zone, scored as trainer.analysis.zones; hold time "
             f"{HOLD_S:g} s; the target direction runs from the quiet-standing centre",
    **{f"zone_{k}": v for k, v in ZONE_METHODS.items()},
    "reach_mm": "per direction: max_excursion_mm capped by the sensor hull (a CoP from sensors cannot leave "
                "it); saved in the person's profile as their reach on this mat, which scales every target",
}


class LimitsDrill(DrillRun):
    name = "limits"
    SETTLE_S = 3.0      # at the centre before each cue (and the last return)
    MOVE_S = 1.5        # how long a compliant simulated person takes to lean out or come back

    def __init__(self, *, lean_time: float = 7.0):
        self.lean_time = float(lean_time)
        self.params = {"lean-time": self.lean_time}
        self.person = None
        self.targets = {}

    @property
    def period_s_each(self) -> float:
        return self.SETTLE_S + self.lean_time

    @property
    def active_duration_s(self) -> float:
        return len(DIRECTIONS) * self.period_s_each + self.SETTLE_S

    def build(self, layout, centre, person=None):
        super().build(layout, centre, person)
        self.person = person
        self.targets = {}
        for d in DIRECTIONS:
            self.targets[d] = zone_toward(layout, self.centre, d, person)

    def cue_time(self, k: int) -> float:
        return k * self.period_s_each + self.SETTLE_S

    def _phase(self, a):
        a = np.atleast_1d(np.asarray(a, float))
        k = np.floor(a / self.period_s_each).astype(int)
        into = a - k * self.period_s_each
        lean = (into >= self.SETTLE_S) & (k < len(DIRECTIONS)) & (a >= 0)
        return k, into, lean

    def target(self, a):
        k, _, lean = self._phase(a)
        out = np.tile(self.centre, (k.size, 1))
        rows = np.flatnonzero(lean)
        if rows.size:
            dirs = [DIRECTIONS[i] for i in k[rows].tolist()]
            reach = np.array([self.targets[d]["reach_mm"] for d in dirs], float)
            out[rows] = self.centre + reach[:, None] * np.array([_UNIT[d] for d in dirs])
        return out

    def labels(self) -> list[str]:
        return ["back to the centre, stand tall"] + [f"lean {d}" for d in DIRECTIONS]

    def cue(self, a):
        k, _, lean = self._phase(a)
        return np.where(lean, k + 1, 0)

    def person_offset(self, a, lean_mm=None):
        """Where a compliant simulated person is, relative to where they stand: a smooth lean
        out over MOVE_S after each cue to ``lean_mm`` (one figure, or per direction; default the
        target), held, and back over MOVE_S at the next settle cue."""
        k, into, lean = self._phase(a)
        out = np.zeros((k.size, 2))
        back = ~lean & (k >= 1) & (into < self.MOVE_S)
        moving = (lean | back) & (k >= 0)
        if not moving.any():
            return out
        # the rows moving, all at once (the same arithmetic, row by row, as one row at a time)
        rows = np.flatnonzero(moving)
        lean_r = lean[rows]
        which = np.where(lean_r, k[rows], k[rows] - 1)
        into_r = into[rows]
        s = np.where(lean_r, (into_r - self.SETTLE_S) / self.MOVE_S, 1.0 - into_r / self.MOVE_S)
        f = 0.5 - 0.5 * np.cos(np.pi * np.clip(s, 0.0, 1.0))
        dirs = [DIRECTIONS[i] for i in which.tolist()]
        dist = np.array([self._lean_for(d, lean_mm) for d in dirs], float)
        out[rows] = (f * dist)[:, None] * np.array([unit(d) for d in dirs])
        return out

    def _lean_for(self, d, lean_mm):
        if lean_mm is None:
            return self.targets[d]["reach_mm"]
        if isinstance(lean_mm, dict):
            return float(lean_mm.get(d, self.targets[d]["reach_mm"]))
        return float(lean_mm)

    def person_cop(self, a):
        return self.centre + self.person_offset(a)

    def path_xy(self):
        if not self.targets:
            return None
        pts = [self.centre + self.targets[d]["reach_mm"] * unit(d) for d in DIRECTIONS]
        return np.array(pts + pts[:1])

    # -- scoring, lean by lean (streaming: the engine keeps about one lean's frames) ------------
    # Unit k: from a second before direction k's cue (its baseline) to the end of the settle after
    # it (the return), with STREAM_MARGIN_S more either side, so the zero-lag low-pass of the
    # window equals the whole run's where it is used (its transients die out within the margin).

    def units(self):
        out = []
        for k in range(len(DIRECTIONS)):
            a_cue = self.cue_time(k)
            out.append((a_cue - 1.0 - STREAM_MARGIN_S, a_cue + self.lean_time + self.SETTLE_S + STREAM_MARGIN_S))
        return out

    def start_scoring(self) -> None:
        self._parts = {}

    def score_unit(self, k, run, fs):
        a, cop = (run.a, run.cop) if run is not None else (np.zeros(0), np.zeros((0, 2)))
        lp = lowpass(cop, fs, a=a) if len(a) else cop
        self._parts[k] = (*self._direction(k, a, lp, fs), self._zone(k, a, cop, fs))
        return None

    def summarise(self, fs):
        parts = [self._parts[k] for k in range(len(DIRECTIONS))]
        return self._summary([p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts])

    def _zone(self, k, a, cop, fs) -> dict:
        d = DIRECTIONS[k]
        a_cue = self.cue_time(k)
        sel = (a >= a_cue) & (a < a_cue + self.lean_time)
        z = self.targets[d]
        centre = self.centre + z["reach_mm"] * unit(d)
        row = score_presentation(a[sel], cop[sel], centre, z["radius_mm"], hold_s=HOLD_S, fs=fs,
                                 origin=self.centre, end_t=a_cue + self.lean_time)
        return {"direction": d, **row}

    def zone_scores(self, run, fs) -> list[dict]:
        """Each lean window as one presentation of its zone (the CoP as recorded)."""
        return [self._zone(k, run.a, run.cop, fs) for k in range(len(DIRECTIONS))]

    def _direction(self, k, a, cop, fs):
        """(the row of direction ``k``, its reach or None) from the low-passed CoP ``cop``."""
        d = DIRECTIONS[k]
        rel = cop - self.centre
        u = unit(d)
        perp = np.array([-u[1], u[0]])
        p, q = rel @ u, rel @ perp
        a_cue = self.cue_time(k)
        a_end = a_cue + self.lean_time
        m = primary_movement(a, p, q, a_cue, a_end, fs)
        tgt = self.targets[d]["reach_mm"]
        row = {"direction": d, "target_mm": rounded(tgt)}
        for key in ("reaction_time_s", "movement_velocity_mm_s", "endpoint_excursion_mm", "max_excursion_mm",
                    "directional_control_pct"):
            row[key] = rounded(m[key], 2 if key.endswith("_s") else 1)
        for key in ("endpoint_excursion", "max_excursion"):
            v = m[f"{key}_mm"]
            row[f"{key}_pct"] = rounded(100.0 * v / tgt) if v is not None and tgt > 0 else None
        row["return_time_s"] = None
        reach = None
        if "_i" in m:
            _, _, p0 = m["_i"]
            amp = m["max_excursion_mm"] - p0
            back = (a >= a_end) & (a < a_end + self.SETTLE_S)
            near = back & (p <= p0 + max(0.1 * amp, MIN_LEAN_MM))
            if near.any():
                row["return_time_s"] = rounded(float(a[np.flatnonzero(near)[0]] - a_end), 2)
            if m["max_excursion_mm"] >= MIN_LEAN_MM:
                reach = min(m["max_excursion_mm"], self.targets[d]["edge_mm"])
        if m.get("note"):
            row["note"] = m["note"]
        if m.get("flags"):
            row["flags"] = m["flags"]
        return row, reach

    def score(self, run, fs):
        """The whole run at once (a replay, a trace): the run low-passed whole, the same rows."""
        cop = lowpass(run.cop, fs, a=run.a)
        parts = [self._direction(k, run.a, cop, fs) for k in range(len(DIRECTIONS))]
        return self._summary([p[0] for p in parts], [p[1] for p in parts], self.zone_scores(run, fs))

    def _summary(self, rows, reaches, zone_rows):
        reach = {d: v for d, v in zip(DIRECTIONS, reaches) if v is not None}
        summary = {"directions": rows,
                   "reach_mm": {d: round(v, 1) for d, v in reach.items()},
                   "hull_mm": {d: round(self.targets[d]["edge_mm"], 1) for d in DIRECTIONS},
                   "centre_mm": [round(float(c), 1) for c in self.centre],
                   "targets_from": sorted({t["source"] for t in self.targets.values()})}
        summary.update(self._summary_means(rows))
        zones = summarise(zone_rows)
        summary["targets"] = zones["targets"]
        for key in ("hits", "successes", "crossings", "gaps", "biodex_score"):
            summary[key] = zones[key]
        summary["hold_s"] = HOLD_S
        summary["feedback"] = feedback(summary)
        methods = dict(METHODS)
        methods["feedback"] = FEEDBACK_METHOD
        return summary, methods

    @staticmethod
    def _summary_means(rows) -> dict:
        out = {}
        for key in ("reaction_time_s", "movement_velocity_mm_s", "max_excursion_mm", "directional_control_pct"):
            vals = [r[key] for r in rows if r[key] is not None]
            out[f"mean_{key}"] = round(float(np.mean(vals)), 2 if key.endswith("_s") else 1) if vals else None
        return out


def _toward(d: str) -> str:
    return {"forward": "forward", "back": "backward"}.get(d, f"to the {d.replace('-', ' ')}")


def feedback(summary: dict) -> str:
    """Plain sentences from a limits summary: how many targets were reached and held, the
    furthest lean, and the one direction to work on next."""
    rows = summary["directions"]
    zones = {t["direction"]: t for t in summary["targets"]}
    n, hits, held = len(rows), summary["hits"], summary["successes"]
    leaned = [r for r in rows if r.get("max_excursion_pct") is not None and r["max_excursion_mm"] >= MIN_LEAN_MM]
    if not leaned:
        return sentences("No lean was seen in any of the 8 directions, so nothing could be measured this time",
                         "Next time, when the screen says lean, let your whole body tip slowly that way, feet flat, "
                         "until you feel your toes or heels start to work, then hold it")
    best = max(leaned, key=lambda r: r["max_excursion_mm"])
    first = (f"You reached {hits} of the {n} targets and held {held} of them for {seconds(HOLD_S)}" if hits
             else f"None of the {n} targets was reached this time")
    second = f"Your furthest lean was {_toward(best['direction'])}, {best['max_excursion_mm']:.0f} mm from the centre"
    missed = [r for r in rows if not zones.get(r["direction"], {}).get("hit")]
    slipped = sum(t["crossings"] for t in summary["targets"])
    if missed:
        short = min(missed, key=lambda r: r["max_excursion_pct"] if r.get("max_excursion_pct") is not None else -1)
        got = short.get("max_excursion_mm") or 0.0
        third = (f"Leaning {_toward(short['direction'])} was the shortest: {got:.0f} mm of the "
                 f"{short['target_mm']:.0f} mm asked")
        nxt = (f"Next time, lean a little further {_toward(short['direction'])}, keeping both feet flat, and stay "
               f"in the target for a second")
    elif slipped:
        third = f"You slipped out of a target and back in {plural(slipped, 'time')}"
        nxt = "Next time, once you are in a target, stay still there until the screen calls you back"
    elif held < hits:
        third = f"You left {plural(hits - held, 'target')} before a full {seconds(HOLD_S)} inside"
        nxt = "Next time, hold each lean a moment longer before coming back"
    else:
        third = None
        nxt = "Next time, your targets can move out a little: they follow the reach you showed today"
    return sentences(first, second, third, nxt)
