"""Drills as data: each drill is a declarative definition the one engine runs.

A :class:`DrillDef` names the drill, what it asks and measures, and its parameters (with
defaults, types, limits and help); ``make(params)`` returns a *run* object the engine drives:

- ``build(layout, centre, person)`` — fix targets once the quiet-standing centre is known;
- ``active_duration_s`` — how long the drill runs (active time, pauses excluded);
- ``target(a) -> (n, 2)`` mm (NaN where the drill shows no target), ``cue(a) -> (n,)`` index
  into ``labels()``, ``beats(a0, a1)`` pacing beats in (a0, a1], ``loop_of(a)`` for the counter;
- ``person_cop(a)`` — where a compliant simulated person puts their CoP (defaults to target);
- ``score(run, fs) -> (summary, methods)`` over the running frames (:class:`RunData`).

Register a drill by adding it to ``REGISTRY`` (module, attribute); the module is imported only
when the drill is listed or run, and this file imports nothing heavy, so `footmat --help` can
read the parameters.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from firmware.errors import UsageError


@dataclass(frozen=True)
class Param:
    default: object
    help: str
    type: type = float
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None

    def check(self, name: str, value):
        if self.choices is not None and value not in self.choices:
            raise UsageError(f"--{name} {value!r} is not one of {', '.join(map(str, self.choices))}",
                             "see: footmat drills")
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise UsageError(f"--{name} {value} is outside {self.min}..{self.max}", f"--{name}: {self.help}")
        return value


@dataclass(frozen=True)
class DrillDef:
    name: str
    source: str           # where the drill comes from (seed, clinical test)
    asks: str
    measures: str
    params: dict = field(default_factory=dict)   # CLI name (with '-') -> Param
    factory: str = ""     # "module:attribute" returning a run object from a params dict
    time_cap_s: float | None = None   # hard cap (safety) on the whole drill, waiting included

    def resolve(self, given: dict) -> dict:
        """Validated params: defaults, then the given (CLI name -> value, None = not given)."""
        out = {}
        for k, p in self.params.items():
            v = given.get(k)
            out[k] = p.default if v is None else p.check(k, p.type(v))
        unknown = [k for k, v in given.items() if v is not None and k not in self.params]
        if unknown:
            raise UsageError(f"drill {self.name!r} takes no --{unknown[0]}",
                             f"its options: {', '.join('--' + k for k in self.params) or 'none'}")
        return out

    def make(self, params: dict):
        module, attr = self.factory.split(":")
        return getattr(importlib.import_module(module), attr)(**{k.replace("-", "_"): v for k, v in params.items()})


SPIRAL = DrillDef(
    "spiral", "seed 000 (tai-chi weight spiral)",
    "follow the spiral loop: left heel → ball → toes → right heel → ball → toes",
    "per loop: RMS tracking error (mm, % of the loop's size), lag as phase, gain and phase per axis, direction, "
    "transfer depth and each foot's heel-ball-toes roll, SPARC smoothness, wing asymmetry, score 0-100; over the "
    "session: coherence, inter-loop phase coherence, following at all",
    {"loops": Param(3, "number of loops", int, min=1, max=100),
     "period": Param(12.0, "seconds per loop (10-16 is tai-chi pace)", float, min=4, max=60),
     "amplitude": Param(0.6, "how far along each foot the roll goes (zones at 0.3 + this of the foot's range, "
                             "at most 0.95)", float, min=0.1, max=1.0),
     "share": Param(70.0, "% of body weight on the working foot (55-60 first level, 70 default)", float,
                    min=50.0, max=90.0),
     "direction": Param("heel-to-toes", "heel-to-toes or toes-to-heel", str, ("heel-to-toes", "toes-to-heel")),
     "start-foot": Param("left", "the foot the loop starts on", str, ("left", "right"))},
    "trainer.drills.spiral:SpiralDrill")

# Definition modules (each a list DRILLS of DrillDef, stdlib-only imports), in listing order.
# A module not present in this build is skipped, as the CLI skips commands not built yet.
DEFINITION_MODULES = ("trainer.drills.defs_balance", "trainer.drills.defs_exercise")


def _load_registry() -> dict:
    reg = {SPIRAL.name: SPIRAL}
    for mod in DEFINITION_MODULES:
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name == mod:
                continue
            raise
        for d in m.DRILLS:
            reg[d.name] = d
    return reg


# name -> definition
REGISTRY: dict[str, DrillDef] = _load_registry()


def get(name: str) -> DrillDef:
    if name not in REGISTRY:
        raise UsageError(f"no drill called {name!r}", f"choose one of: {', '.join(REGISTRY)} (footmat drills)")
    return REGISTRY[name]


def all_params() -> dict:
    """Every parameter name across drills (for the `footmat drill` options), first definition wins."""
    out = {}
    for d in REGISTRY.values():
        for k, p in d.params.items():
            out.setdefault(k, (p, d.name))
    return out
