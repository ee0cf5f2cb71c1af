"""The people who use the mat: `$FOOTMAT_HOME/people/<name>.json`.

A person has a weight (stored in kg, shown in the unit they prefer), optional height and foot
length, and the reach they showed in the `limits` drill (mm per direction, on this mat).
"""
from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from firmware.errors import DataFileError, UsageError
from firmware.fileio import atomic_write_json

from trainer.sessions import home

LB_PER_KG = 2.2046226218
DEFAULT_NAME = "default"
DEFAULT_WEIGHT_KG = 70.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,47}$")
DIRECTIONS = ("forward", "forward-right", "right", "back-right", "back", "back-left", "left", "forward-left")


@dataclass
class Person:
    name: str
    weight_kg: float
    height_cm: float | None = None
    foot_length_mm: float | None = None
    units: str = "kg"  # how the person likes their weight shown: kg or lb
    reach_mm: dict | None = None  # direction -> mm, measured on this mat by `limits`
    reach_note: str | None = None
    person_id: str | None = None  # stable across mats: created with the person, kept in their file
    language: str = "en"          # of the spoken cues (the screen stays English)
    audio: str = "on"             # the default of --audio for this person: on, off or beats
    levels: dict = field(default_factory=dict)  # drill -> level (1 = gentlest), set by the programme
    caps: dict = field(default_factory=lambda: {"max_level": {}, "exclude": []})  # a clinician's limits
    is_default: bool = field(default=False, compare=False)

    @property
    def weight_n(self) -> float:
        return self.weight_kg * 9.80665

    def weight_text(self) -> str:
        if self.units == "lb":
            return f"{self.weight_kg * LB_PER_KG:.1f} lb"
        return f"{self.weight_kg:.1f} kg"

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("is_default")
        return d


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or name.strip() != name:
        raise UsageError(f"person name {name!r} is not usable",
                         "use letters, digits, spaces, '-', '_' or '.' (at most 48)")
    return name


def weight_from(kg: float | None, lb: float | None) -> tuple[float, str]:
    """Weight in kg and the preferred unit from --weight-kg / --weight-lb."""
    if kg is not None and lb is not None:
        raise UsageError("both --weight-kg and --weight-lb given", "give one of them")
    if kg is None and lb is None:
        raise UsageError("no weight given", "add --weight-kg N or --weight-lb N")
    w, unit = (kg, "kg") if kg is not None else (lb / LB_PER_KG, "lb")
    if not (math.isfinite(w) and 15 <= w <= 300):
        shown = kg if kg is not None else lb
        raise UsageError(f"weight {shown} {unit} is not a person's weight", "give the weight in kg (15–300) or lb")
    return float(w), unit


def path_for(name: str):
    return home.people_dir() / f"{check_name(name)}.json"


_ID = re.compile(r"^[0-9a-f]{32}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
AUDIO_MODES = ("on", "off", "beats")


def new_person_id() -> str:
    return uuid.uuid4().hex


def save(person: Person) -> None:
    if person.person_id is None:
        person.person_id = new_person_id()
    atomic_write_json(path_for(person.name), person.to_dict())


def default_person_id() -> str:
    """The default person's stable id on this mat (kept in ``$FOOTMAT_HOME/people/.default-id``)."""
    p = home.people_dir() / ".default-id"
    try:
        text = p.read_text(encoding="utf-8").strip()
        if _ID.match(text):
            return text
    except (OSError, UnicodeDecodeError):
        pass
    from firmware.fileio import atomic_write_text

    pid = new_person_id()
    atomic_write_text(p, pid + "\n")
    return pid


def save_reach(name: str, reach_mm: dict, note: str) -> Person:
    """Record the reach ``name`` showed in `limits` (mm per direction, on this mat) in their profile.

    Directions measured replace the old figures, the others are kept; the note says which mat and
    when. Re-reads the file first, so nothing else in the profile changes.
    """
    person = load(name)
    bad = [k for k, v in reach_mm.items() if k not in DIRECTIONS or not 0 < float(v) < 500]
    if bad:
        raise UsageError(f"reach {bad[0]!r} {reach_mm[bad[0]]!r} is not a reach", "reach is 0-500 mm per direction")
    person.reach_mm = {**(person.reach_mm or {}), **{k: round(float(v), 1) for k, v in reach_mm.items()}}
    person.reach_note = note
    save(person)
    return person


def load(name: str) -> Person:
    p = path_for(name)
    if not p.exists():
        raise UsageError(f"no person called {name!r}",
                         f"add them with: footmat person add {name!r} --weight-kg N (known: {', '.join(names()) or 'none'})")
    return parse(p.read_bytes(), str(p))


def ensure_id(person: Person) -> Person:
    """Give a person from before person ids their stable id, once, in their file (the app calls
    this when a person trains; reading a person never writes their file)."""
    if person.person_id is None and not person.is_default:
        save(person)
    return person


def parse(data: bytes, source: str) -> Person:
    try:
        d = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataFileError(f"person file {source} is not valid JSON ({e.__class__.__name__})",
                            "restore it or add the person again") from None
    if not isinstance(d, dict):
        raise DataFileError(f"person file {source} is not an object", "add the person again")
    try:
        w = d["weight_kg"]
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 15 <= w <= 300:
            raise ValueError(f"weight_kg {w!r}")
        for k in ("height_cm", "foot_length_mm"):
            v = d.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 3000):
                raise ValueError(f"{k} {v!r}")
        reach = d.get("reach_mm")
        if reach is not None:
            if not isinstance(reach, dict) or not all(
                    k in DIRECTIONS and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 500
                    for k, v in reach.items()):
                raise ValueError("reach_mm")
        units = d.get("units", "kg")
        if units not in ("kg", "lb"):
            raise ValueError(f"units {units!r}")
        name = check_name(d["name"])
        note = d.get("reach_note")
        if note is not None and not isinstance(note, str):
            raise ValueError("reach_note")
        pid = d.get("person_id")
        if pid is not None and not (isinstance(pid, str) and _ID.match(pid)):
            raise ValueError(f"person_id {pid!r}")
        lang = d.get("language", "en")
        if not (isinstance(lang, str) and _LANG.match(lang)):
            raise ValueError(f"language {lang!r}")
        audio = d.get("audio", "on")
        if audio not in AUDIO_MODES:
            raise ValueError(f"audio {audio!r}")
        levels = _check_levels(d.get("levels", {}), "levels", strict=False)
        caps = _check_caps(d.get("caps", {}), strict=False)
        return Person(name, float(w), d.get("height_cm"), d.get("foot_length_mm"), units,
                      {k: float(v) for k, v in reach.items()} if reach else None, note, pid, lang, audio,
                      levels, caps)
    except (KeyError, ValueError, TypeError, UsageError) as e:
        raise DataFileError(f"person file {source} has a bad field ({e})", "fix it or add the person again") from None


def names() -> list[str]:
    d = home.home() / "people"
    return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []


def resolve(name: str | None, say=None) -> Person:
    """The person for --person NAME, or the default 70 kg person (and say so)."""
    if name:
        return load(name)
    if say:
        say(f"no --person given: using a default person of {DEFAULT_WEIGHT_KG:.0f} kg")
    return Person(DEFAULT_NAME, DEFAULT_WEIGHT_KG, person_id=default_person_id(), is_default=True)


# --- levels and caps (issue 27) ---------------------------------------------------------------
# The levels of each drill are data beside the drill definitions (trainer/drills/levels.toml,
# read by trainer.drills.levels). This layer may not import trainer.drills, so it reads the same
# file for the one fact it needs to validate: each drill's number of levels.
LEVELS_FILE = Path(__file__).resolve().parent.parent / "drills" / "levels.toml"
_level_counts: dict | None = None


def level_counts() -> dict:
    """drill -> its number of levels (from trainer/drills/levels.toml)."""
    global _level_counts
    if _level_counts is None:
        import tomllib

        with open(LEVELS_FILE, "rb") as f:
            data = tomllib.load(f)
        _level_counts = {k: len(v["level"]) for k, v in data.items()}
    return _level_counts


def _check_drill(drill) -> str:
    counts = level_counts()
    if drill not in counts:
        raise UsageError(f"no drill with levels called {drill!r}", f"choose one of: {', '.join(counts)}")
    return drill


def _check_level(drill, n, what="level") -> int:
    top = level_counts()[_check_drill(drill)]
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= top:
        raise UsageError(f"{what} {n!r} of {drill} is not a level", f"{drill} has levels 1..{top}")
    return n


def _check_levels(levels, what: str, strict: bool = True) -> dict:
    """Validated {drill: level}. Reading a file (strict=False), a drill unknown to this build is
    kept as it is (a newer mat may know it) and a level above the top is clipped to the top."""
    if not isinstance(levels, dict):
        raise ValueError(what)
    out = {}
    for k, v in levels.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{what} {k}={v!r}")
        if k in level_counts():
            out[k] = _check_level(k, v, what) if strict else min(v, level_counts()[k])
        elif strict:
            _check_drill(k)
        else:
            out[k] = v
    return out


def _check_caps(caps, strict: bool = True) -> dict:
    if not isinstance(caps, dict):
        raise ValueError("caps")
    ml = _check_levels(caps.get("max_level", {}), "max_level", strict)
    ex = caps.get("exclude", [])
    if not isinstance(ex, list) or not all(isinstance(x, str) for x in ex):
        raise ValueError("caps.exclude")
    if strict:
        for x in ex:
            _check_drill(x)
    return {"max_level": ml, "exclude": sorted(set(ex))}


check_drill, check_level = _check_drill, _check_level   # public: the commands check before writing


def load_or_create(name: str | None) -> Person:
    """The person, for the programme: the default person gets a file on first use (their levels
    live there); a named person must exist."""
    if name and name != DEFAULT_NAME:
        return ensure_id(load(name))
    p = path_for(DEFAULT_NAME)
    if p.exists():
        person = parse(p.read_bytes(), str(p))
    else:
        person = Person(DEFAULT_NAME, DEFAULT_WEIGHT_KG, person_id=default_person_id())
        save(person)
    return person


def set_levels(name: str, levels: dict) -> Person:
    """Set some of ``name``'s levels ({drill: n}); the others are kept. Checked against the level
    table (UsageError on an unknown drill or level). Written atomically."""
    person = apply_levels(load_or_create(name) if name == DEFAULT_NAME else load(name), levels)
    save(person)
    return person


def apply_levels(person: Person, levels: dict) -> Person:
    """:func:`set_levels` on ``person`` in memory (nothing is written)."""
    person.levels = {**person.levels, **_check_levels(levels, "level")}
    return person


def set_caps(name: str, max_level: dict | None = None, exclude: list | None = None,
             include: list | None = None) -> Person:
    """A clinician's limits for ``name``: ``max_level`` {drill: n} is merged in (n = None removes
    that cap), ``exclude`` drills are added, ``include`` drills are taken off the exclusions.
    Checked against the level table; written atomically."""
    person = apply_caps(load_or_create(name) if name == DEFAULT_NAME else load(name), max_level, exclude, include)
    save(person)
    return person


def apply_caps(person: Person, max_level: dict | None = None, exclude: list | None = None,
               include: list | None = None) -> Person:
    """:func:`set_caps` on ``person`` in memory (nothing is written)."""
    caps = {"max_level": dict(person.caps.get("max_level", {})), "exclude": list(person.caps.get("exclude", []))}
    for k, v in (max_level or {}).items():
        if v is None:
            caps["max_level"].pop(_check_drill(k), None)
        else:
            caps["max_level"][k] = _check_level(k, v, "max level")
    caps["exclude"] += [_check_drill(x) for x in (exclude or [])]
    caps["exclude"] = [x for x in caps["exclude"] if x not in set(include or [])]
    person.caps = _check_caps(caps)
    # a level above a new cap comes down to it
    for k, cap in person.caps["max_level"].items():
        if person.levels.get(k, 1) > cap:
            person.levels[k] = cap
    return person


def remove(name: str) -> None:
    """Remove ``name``'s file (their sessions stay: the history is the audit trail)."""
    p = path_for(name)
    if not p.exists():
        raise UsageError(f"no person called {name!r}", f"known: {', '.join(names()) or 'none'}")
    p.unlink()
