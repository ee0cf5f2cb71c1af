"""The one place a backend is chosen: ``--backend ads1115``, ``mcp3008`` or ``sim`` → a frame source.

Every command that reads the mat (a drill, ``check``, ``calibrate``) and the bench open their
source with :func:`open_source`. A recorded session (``--backend replay:PATH``) is a source too,
but it is read with the session format (``trainer.sessions.replay.open_replay``), so the app
opens that one itself.
"""
from __future__ import annotations

from firmware.ads1115 import open_ads1115
from firmware.errors import UsageError
from firmware.frames import FrameSource
from firmware.mcp3008 import open_mcp3008
from firmware.sim.backend import open_sim
from firmware.sim.mat import SimMat
from firmware.sim.person import ScriptedPerson
from firmware.sim.vector import VectorSimSource

BACKENDS = ("sim", "ads1115", "mcp3008")
SIM_RATE_HZ = 200.0


def open_source(backend: str, layout, clock, rate_hz: float | None = None, *, mat=None, script=None,
                person_kg: float = 70.0, seed: int = 1, vector: bool = False, scenario=None, sim_person=None,
                session: int = 0, **options) -> FrameSource:
    """The frame source of ``backend`` for ``layout``, stamped on ``clock`` at ``rate_hz``.

    ``ads1115``: :func:`~firmware.ads1115.open_ads1115` (``rate_hz`` None: what the chips'
    data rate allows; options ``i2c``, ``allow_missing``, ``conversion_s``, ``retries``,
    ``schedule``). ``mcp3008``: :func:`~firmware.mcp3008.open_mcp3008` (None: 200 Hz; option
    ``pin_factory``). ``sim``: the simulated ``mat`` — by default a :class:`SimMat` with a
    ``person_kg`` person following ``script``, both seeded with ``seed``, the mat of the named
    ``scenario`` (:mod:`firmware.sim.scenarios`; None: ``ideal``) in the person's ``session``-th
    session (where the feet land), the person's lag and sway those of ``sim_person`` (a
    :class:`~firmware.sim.person.PersonKind`, or None) — read through the
    driver code (:func:`~firmware.sim.backend.open_sim`; options ``timing``, ``khz``,
    ``osc_error``, ``stock_driver``, ``prepare``, ``allow_missing``), or with ``vector=True``
    straight from its physics (:class:`VectorSimSource`, no options; a virtual clock).

    An unknown backend is a one-line :class:`UsageError`; a missing chip or bus a
    :class:`~firmware.errors.SensorError` from the driver.
    """
    if backend == "ads1115":
        return open_ads1115(layout, clock, rate_hz, **options)
    if backend == "mcp3008":
        return open_mcp3008(layout, clock, rate_hz, **options)
    if backend != "sim":
        raise UsageError(f"unknown backend {backend!r}", f"use {', '.join(BACKENDS)}")
    rate = SIM_RATE_HZ if rate_hz is None else rate_hz
    if mat is None:
        if script is None:
            raise ValueError("the simulated mat needs a script for its person (or a mat)")
        kw = {} if sim_person is None else {"lag_s": sim_person.lag_s, "sway_mm": sim_person.sway_mm}
        mat = SimMat(layout, ScriptedPerson(script, weight_kg=person_kg, seed=seed, **kw), seed=seed,
                     scenario=scenario, session=session)
    if vector:
        if options:
            raise TypeError(f"the vectorised simulated mat takes no options ({', '.join(options)})")
        return VectorSimSource(mat, clock, rate)
    return open_sim(layout, mat, clock, rate, **options)
