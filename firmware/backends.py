"""The one place a backend is chosen: ``--backend ads1115``, ``mcp3008`` or ``sim`` → a frame source.

Every command that reads the mat (a drill, ``check``, ``calibrate``) and the bench open their
source with :func:`open_source`. A recorded session (``--backend replay:PATH``) is a source too,
but it is read with the session format (``trainer.sessions.replay.open_replay``), so the app
opens that one itself.

Acquisition: on a real clock the chips are read in a process of their own
(:class:`~firmware.sampler.ProcessSampler`: drawing, recording and the GIL cannot hold a conversion
up) — the default for the real chips. The simulated mat keeps the acquisition thread: its
simulated person follows the drill's engine, which lives in this process (a forked acquisition
would read a frozen copy of it). :func:`acquisition_for` says which and why; the source carries
it as ``source.acquisition`` (kind, reason).
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
ACQUISITION = ("auto", "process", "thread")
SIM_RATE_HZ = 200.0


def open_source(backend: str, layout, clock, rate_hz: float | None = None, *, mat=None, script=None,
                person_kg: float = 70.0, seed: int = 1, vector: bool = False, scenario=None, sim_person=None,
                session: int = 0, acquisition: str = "auto", **options) -> FrameSource:
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

    ``acquisition``: ``auto`` (:func:`acquisition_for`), ``process`` or ``thread``.

    An unknown backend is a one-line :class:`UsageError`; a missing chip or bus a
    :class:`~firmware.errors.SensorError` from the driver.
    """
    if acquisition not in ACQUISITION:
        raise ValueError(f"acquisition must be one of {ACQUISITION}, not {acquisition!r}")
    if backend == "ads1115":
        return _acquired(open_ads1115(layout, clock, rate_hz, **options), backend, clock, acquisition)
    if backend == "mcp3008":
        return _acquired(open_mcp3008(layout, clock, rate_hz, **options), backend, clock, acquisition)
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
    return _acquired(open_sim(layout, mat, clock, rate, **options), backend, clock, acquisition)


def acquisition_for(backend: str, clock, asked: str = "auto") -> tuple[str, str]:
    """How a source of ``backend`` on ``clock`` acquires: (``process`` | ``thread`` | ``synchronous``, why)."""
    import multiprocessing

    if clock.virtual:
        return "synchronous", "a virtual clock: each read produces its frames"
    if asked == "thread":
        return "thread", "asked for"
    if "fork" not in multiprocessing.get_all_start_methods():
        return "thread", "this OS cannot fork the acquisition into a process of its own"
    if asked == "process":
        return "process", "asked for"
    if backend == "sim":
        return "thread", ("the simulated person follows the drill's engine in this process (a forked "
                          "acquisition would read a frozen copy of it)")
    return "process", "the chips are read in a process of their own: drawing and recording cannot delay them"


def _acquired(source, backend: str, clock, asked: str):
    """``source`` (a :class:`~firmware.sampler.Sampler`) acquiring as :func:`acquisition_for` says."""
    from firmware.sampler import ProcessSampler, Sampler

    kind, why = acquisition_for(backend, clock, asked)
    if kind == "process" and type(source) is Sampler:
        source = ProcessSampler(source.reader, source.layout, source.clock, source.rate_hz, truth=source.truth)
    source.acquisition = (kind, why)
    return source
