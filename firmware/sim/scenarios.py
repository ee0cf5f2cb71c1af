"""Named simulated mats (``--sim-scenario NAME``): what the simulator assumes about the FSRs, the
feet and where they land. Each scenario states its assumptions in one line (``assumes``).

The numbers come from ``HARDWARE.md`` (FSRs: Interlink 400-series datasheet and Adafruit's FSR
guide; where feet land: the spreads for a user with the printed template and heel stop, and
without it), never from the calibration model or the estimator. ``ideal`` keeps the simulator as
it was before (a rational curve, a pure ±25 % multiplier per part, feet exactly on the sensors)
so figures can be compared across rounds.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from firmware.errors import UsageError

#: what :meth:`Scenario.without` can switch off (the bench's breakdown of the error sources)
SOURCES = ("curve", "placement", "creep", "uncovered")


@dataclass(frozen=True)
class Scenario:
    """What a simulated mat and its person's feet are like.

    ``legacy``: the former physics (rational curve, gain ``spread``, low-passed creep), feet
    exactly where the layout expects them; every other field is then unused. Otherwise:

    - FSR parts (:class:`firmware.sim.physics.PublishedFSRBank`): the published FSR 402 curve,
      each part drawn with its own scale (``scale_sd``, log-normal), exponents (``exponent_sd``,
      relative), saturation knee (``sat_sd``, log-normal) and break force (``break_n`` × log-normal
      ``break_sd``); ``sensitivity`` multiplies every part (aged parts read low);
      ``repeat_sd`` a per-part gain redrawn at every step-on (the datasheet's repeatability).
    - ``hysteresis`` (± fraction, loading low / unloading high), ``creep_per_decade`` (fractional
      conductance rise per decade of time under a 20 N load), ``drift_sd`` (slow drift of each
      part's sensitivity over ~10 minutes of a session, SD of its size), ``noise_v`` (V rms).
    - Where the feet land, redrawn at every step-on: ``along_sd``/``across_sd`` (mm SD),
      ``rot_deg_sd`` (degrees SD about the heel).
    - The person's feet: ``foot_length_sd`` (mm SD around the layout's foot length) and ``arch``
      (the midfoot's share of a foot's load drawn between 5 % and 25 %), ``uncovered``: load falls
      on places no sensor covers (midfoot, outer border, lesser toes); False puts it all on the
      covered regions (for the breakdown only).
    """

    name: str
    assumes: str
    legacy: bool = False
    spread: float = 0.25
    hysteresis: float = 0.05
    creep: float = 0.08
    noise_v: float = 0.0004
    scale_sd: float = 0.10
    exponent_sd: float = 0.05
    sat_sd: float = 0.20
    break_n: float = 0.2
    break_sd: float = 0.3
    sensitivity: float = 1.0
    repeat_sd: float = 0.02
    creep_per_decade: float = 0.05
    drift_sd: float = 0.03
    along_sd: float = 3.0
    across_sd: float = 6.0
    rot_deg_sd: float = 3.0
    foot_length_sd: float = 10.0
    arch: bool = True
    uncovered: bool = True
    off: tuple = ()

    @property
    def places_feet(self) -> bool:
        """True when the feet land with an error (or differ from the layout's reference foot)."""
        return not self.legacy and (self.along_sd > 0 or self.across_sd > 0 or self.rot_deg_sd > 0
                                    or self.foot_length_sd > 0 or self.arch or not self.uncovered)

    def without(self, *sources: str) -> "Scenario":
        """This scenario with error sources switched off (``SOURCES``): ``curve`` — every part
        the published curve exactly, no break-force spread, no drift, no repeatability error —,
        ``placement`` — the feet exactly on the layout's reference foot and place —, ``creep``
        — no creep nor hysteresis —, ``uncovered`` — no load where no sensor is."""
        changes: dict = {}
        for s in sources:
            if s not in SOURCES:
                raise ValueError(f"unknown error source {s!r} (use {', '.join(SOURCES)})")
            if s == "curve":
                changes |= dict(scale_sd=0.0, exponent_sd=0.0, sat_sd=0.0, break_sd=0.0, sensitivity=1.0,
                                repeat_sd=0.0, drift_sd=0.0)
            elif s == "placement":
                changes |= dict(along_sd=0.0, across_sd=0.0, rot_deg_sd=0.0, foot_length_sd=0.0, arch=False)
            elif s == "creep":
                changes |= dict(creep_per_decade=0.0, hysteresis=0.0)
            else:
                changes |= dict(uncovered=False)
        off = tuple(sorted(set(self.off) | set(sources)))
        return replace(self, name=self.name + "".join(f"-no-{s}" for s in sorted(sources)), off=off, **changes)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("ideal", "the former simulator, kept for comparison: a rational FSR curve, parts differing "
             "only by a ±25 % multiplier, feet exactly on the sensors, the layout's reference foot", legacy=True),
    Scenario("realistic", "published FSR 402 curve, parts differing in scale (±10 %), exponent, saturation "
             "and break force; 5 %/decade creep, ±5 % hysteresis, slow drift; feet land ±3 mm along, ±6 mm "
             "across, ±3° at every step-on (template and heel stop); foot length ±10 mm, arch 5-25 % midfoot"),
    Scenario("worn", "aged parts: 25 % less sensitive, wider spread (±15 % scale, ±8 % exponent), higher "
             "break force, 10 %/decade creep, ±8 % hysteresis, more drift; feet placed as in realistic",
             scale_sd=0.15, exponent_sd=0.08, sat_sd=0.3, break_n=0.35, break_sd=0.4, sensitivity=0.75,
             repeat_sd=0.04, creep_per_decade=0.10, hysteresis=0.08, drift_sd=0.05),
    Scenario("misplaced", "parts as in realistic; a person who ignores the heel stop: feet land ±15 mm along, "
             "±10 mm across, ±5° at every step-on", along_sd=15.0, across_sd=10.0, rot_deg_sd=5.0),
)}

#: the scenario of `demo`, the drills and the routine when none is named
DEFAULT = "realistic"


def get(name: "str | Scenario | None") -> Scenario:
    """The scenario called ``name`` (None: :data:`DEFAULT`); a Scenario is returned as is.
    An unknown name is a one-line :class:`UsageError` listing the known ones."""
    if isinstance(name, Scenario):
        return name
    key = DEFAULT if name is None else str(name).strip().lower()
    if key not in SCENARIOS:
        raise UsageError(f"unknown simulated mat scenario {name!r}", f"use one of {', '.join(SCENARIOS)}")
    return SCENARIOS[key]
