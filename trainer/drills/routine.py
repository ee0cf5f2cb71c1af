"""Routines: a guided sequence of drills with rests, written as a data file a physiotherapist can edit.

A routine is one TOML file::

    name = "daily"                       # optional (default: the file's name)
    title = "Daily foot and balance routine"
    about = "About 15 minutes: ..."      # optional, shown before the start
    rest_s = 60                          # rest between parts (default 45)

    [[part]]
    drill = "stance"                     # any drill of `footmat drills`
    title = "Opening stance check"       # optional
    rest_after_s = 30                    # optional: this part's rest (none after the last part)
    time_cap_s = 120                     # optional: safety cap on the part
    [part.params]                        # optional: the drill's options, as in `footmat drill`
    ...

Shipped routines live next to this module in ``routines/``; a person's own ones in a folder the
caller names (``user_dir``: the app passes ``$FOOTMAT_HOME/routines/``); any file can be given by
path. A bad file is refused with one line (what is wrong, where, how to fix it) before anything
starts.

This module is the routine as data (reading, checking, planning). Running one — a session per
part and the routine summary ``routine.json`` — is :mod:`trainer.app.routine`.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from firmware.errors import DataFileError, FootmatError

from trainer import drills

ROUTINES_DIR = Path(__file__).resolve().parent / "routines"
DEFAULT_ROUTINE = "daily"
DEFAULT_REST_S = 45.0
MAX_REST_S = 600.0
START_OVERHEAD_S = 5.0     # stepping on, standing still and the countdown, per part (planning only)
TOP_KEYS = {"name", "title", "about", "rest_s", "part"}
PART_KEYS = {"drill", "title", "params", "rest_after_s", "time_cap_s"}
BOOKKEEPING = ("paused_s", "pauses", "holding_on_events", "end", "frames", "note")


@dataclass
class Part:
    drill: str
    title: str
    params: dict                 # as written (CLI names), validated
    rest_after_s: float | None = None
    time_cap_s: float | None = None
    active_s: float = 0.0        # the drill's planned active time


@dataclass
class Routine:
    name: str
    title: str
    about: str
    rest_s: float
    parts: list[Part] = field(default_factory=list)
    source: str = ""

    def rest_after(self, i: int) -> float:
        if i >= len(self.parts) - 1:
            return 0.0
        r = self.parts[i].rest_after_s
        return self.rest_s if r is None else r

    @property
    def planned_s(self) -> float:
        return sum(p.active_s + START_OVERHEAD_S + self.rest_after(i) for i, p in enumerate(self.parts))

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "source": self.source, "rest_s": self.rest_s,
                "planned_s": round(self.planned_s),
                "parts": [{"drill": p.drill, "title": p.title, "params": p.params, "rest_after_s": self.rest_after(i),
                           "time_cap_s": p.time_cap_s} for i, p in enumerate(self.parts)]}


# -- finding and reading routine files ---------------------------------------------------------
def available(user_dir: Path | None = None) -> dict[str, Path]:
    """Routine name -> file: the shipped ones, then those in ``user_dir`` (which win)."""
    out = {}
    for d in (ROUTINES_DIR, user_dir):
        if d is not None and d.is_dir():
            for p in sorted(d.glob("*.toml")):
                out[p.stem] = p
    return out


def find(spec: str | None, user_dir: Path | None = None) -> Path:
    """The file for a routine name (shipped or in ``user_dir``) or path (default: the daily routine)."""
    spec = spec or DEFAULT_ROUTINE
    p = Path(spec).expanduser()
    if p.suffix == ".toml" or p.exists() or "/" in spec or "\\" in spec:
        if not p.is_file():
            raise DataFileError(f"routine file {spec!r} not found",
                                f"give an existing .toml file or one of: {', '.join(available(user_dir)) or 'none'}")
        return p
    routines = available(user_dir)
    if spec not in routines:
        raise DataFileError(f"no routine called {spec!r}",
                            f"choose one of: {', '.join(routines) or 'none'} (footmat routine --list), or give a file")
    return routines[spec]


def load(spec: str | None = None, user_dir: Path | None = None) -> Routine:
    """The checked routine for a name or path (see :func:`find`)."""
    path = find(spec, user_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DataFileError(f"routine file {path} is not valid TOML ({e})", "fix the line it names") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(f"cannot read routine file {path} ({e})", "give a readable UTF-8 .toml file") from None
    return parse(data, str(path), default_name=path.stem)


def _number(v, where: str, what: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
        raise DataFileError(f"{where}: {what} = {v!r} is not a number of seconds in {lo:g}..{hi:g}",
                            f"write e.g. {what} = 30")
    return float(v)


def _param(defn, key: str, value, where: str):
    """One drill option from the file, checked as strictly as the command line does."""
    p = defn.params[key]
    bad = isinstance(value, bool) or isinstance(value, (list, dict))
    if not bad and p.type is int:
        bad = not isinstance(value, int) and not (isinstance(value, float) and value.is_integer())
    elif not bad and p.type is float:
        bad = not isinstance(value, (int, float))
    elif not bad and p.type is str:
        bad = not isinstance(value, str)
    if bad:
        raise DataFileError(f"{where}: {key} = {value!r} is not a{'n' if p.type is int else ''} "
                            f"{p.type.__name__}", f"{key}: {p.help} (default {p.default!r})")
    try:
        return p.check(key, p.type(value))
    except FootmatError as e:
        raise DataFileError(f"{where}: {e.what.lstrip('-')}", e.fix) from None


def parse(data: dict, source: str = "<routine>", default_name: str = "routine") -> Routine:
    """A validated :class:`Routine` from the file's contents (DataFileError naming what and where)."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise DataFileError(f"routine {source}: unknown key {unknown[0]!r}",
                            f"a routine has {', '.join(sorted(TOP_KEYS))} ([[part]] tables)")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip() or len(name) > 48 or any(c in name for c in "/\\"):
        raise DataFileError(f"routine {source}: name {name!r} is not usable", "give a short name without slashes")
    title = data.get("title", name)
    about = data.get("about", "")
    for k, v in (("title", title), ("about", about)):
        if not isinstance(v, str):
            raise DataFileError(f"routine {source}: {k} must be text", f'write e.g. {k} = "..."')
    rest = _number(data.get("rest_s", DEFAULT_REST_S), f"routine {source}", "rest_s", 0, MAX_REST_S)
    parts = data.get("part")
    if not isinstance(parts, list) or not parts:
        raise DataFileError(f"routine {source} has no parts", "add [[part]] tables, each with drill = \"NAME\"")
    routine = Routine(name.strip(), title, about, rest, source=source)
    for i, part in enumerate(parts, 1):
        where = f"routine {source}, part {i}"
        if not isinstance(part, dict):
            raise DataFileError(f"{where} is not a table", "write each part as a [[part]] table")
        unknown = sorted(set(part) - PART_KEYS)
        if unknown:
            raise DataFileError(f"{where}: unknown key {unknown[0]!r}",
                                f"a part has {', '.join(sorted(PART_KEYS))} (drill options go under [part.params])")
        drill = part.get("drill")
        if not isinstance(drill, str):
            raise DataFileError(f"{where} names no drill", 'add drill = "NAME" (see: footmat drills)')
        if drill not in drills.REGISTRY:
            raise DataFileError(f"{where}: no drill called {drill!r}",
                                f"choose one of: {', '.join(drills.REGISTRY)} (footmat drills)")
        defn = drills.REGISTRY[drill]
        given = part.get("params", {})
        if not isinstance(given, dict):
            raise DataFileError(f"{where}: params must be a table", "write the options under [part.params]")
        for k in given:
            if k not in defn.params:
                raise DataFileError(f"{where}: drill {drill!r} takes no option {k!r}",
                                    f"its options: {', '.join(defn.params) or 'none'}")
        params = {k: _param(defn, k, v, where) for k, v in given.items()}
        ptitle = part.get("title", drill)
        if not isinstance(ptitle, str):
            raise DataFileError(f"{where}: title must be text", 'write e.g. title = "Opening stance check"')
        rest_after = part.get("rest_after_s")
        if rest_after is not None:
            rest_after = _number(rest_after, where, "rest_after_s", 0, MAX_REST_S)
        cap = part.get("time_cap_s")
        if cap is not None:
            cap = _number(cap, where, "time_cap_s", 1, 3600)
        try:
            active = float(defn.make(defn.resolve(params)).active_duration_s)
        except (AttributeError, NotImplementedError, TypeError):
            active = 0.0
        routine.parts.append(Part(drill, ptitle, params, rest_after, cap, active))
    return routine


# -- planning and summing up --------------------------------------------------------------------
def planned_text(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} minutes"


def headline(summary: dict) -> str:
    """A short line for one part: its score and its first few figures."""
    if not isinstance(summary, dict):
        return ""
    if summary.get("note") and summary.get("score") is None and len(summary) <= 6:
        return str(summary["note"])
    bits = []
    if "score" in summary:
        bits.append(f"score {summary['score']}")
    for k, v in summary.items():
        if k in ("score",) + BOOKKEEPING or isinstance(v, (list, dict)) or v is None:
            continue
        bits.append(f"{k} {v}")
        if len(bits) >= 4:
            break
    return ", ".join(bits)
