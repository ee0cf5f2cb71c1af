"""The simulated live spiral that the bench's live sections run (``render``, ``latency``'s drill
parts, ``audio``'s loop jitter, ``acquisition.under_load``): one builder, so they measure the same
drill.

:func:`live_spiral` builds a spiral drill on the default-6 layout at 200 Hz on the real clock:
the nominal calibration of the simulated mat, the estimator, the engine and the session recorder
writing into a temporary folder — read from the simulated mat through the real driver (chips
converting instantly, a person following the drill's target), or from the source a section
gives. :meth:`LiveSpiral.close` closes the source, finishes (or abandons) the session and removes
the folder.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass

from firmware.clock import RealClock
from firmware.layout import load_layout

RATE_HZ = 200.0
WEIGHT_KG = 70.0


@dataclass
class LiveSpiral:
    layout: object
    clock: object
    cal: object
    weight_n: float
    source: object
    engine: object
    estimator: object
    writer: object
    folder: str

    def close(self) -> None:
        if not getattr(self.source, "closed", False):
            self.source.close()
        try:
            self.writer.finish(*self.engine.results(), {"before": None, "after": None})
        except Exception:    # noqa: BLE001 — a cut-short bench drill: the session is abandoned
            self.writer.abort()
        shutil.rmtree(self.folder, ignore_errors=True)


def live_spiral(*, loops: int = 3, period_s: float = 12.0, countdown_s: float | None = None,
                source=None) -> LiveSpiral:
    """The live spiral: ``source(layout, clock)`` gives its frame source, else the simulated mat
    (through the driver, a :class:`~trainer.app.simperson.Follower` of the engine's target)."""
    from firmware.sim.backend import open_sim
    from firmware.sim.mat import SimMat
    from firmware.sim.person import ScriptedPerson
    from trainer.app.simcal import nominal_sim_calibration
    from trainer.app.simperson import Follower, natural_centre
    from trainer.drills.engine import DrillEngine, SpiralDrill
    from trainer.estimate.estimator import Estimator
    from trainer.sessions.writer import SessionWriter

    layout = load_layout("default-6")
    cal = nominal_sim_calibration(layout)
    clock = RealClock()
    follower = None
    if source is None:
        follower = Follower(natural_centre(layout))
        person = ScriptedPerson(follower, weight_kg=WEIGHT_KG, seed=1)
        src = open_sim(layout, SimMat(layout, person, seed=1), clock, RATE_HZ)
        weight_n = person.weight_n
    else:
        src = source(layout, clock)
        weight_n = WEIGHT_KG * 9.81
    drill = SpiralDrill(loops=loops, period_s=period_s)
    kw = {} if countdown_s is None else {"countdown_s": countdown_s}
    engine = DrillEngine(drill, layout, weight_n, RATE_HZ, **kw)
    if follower is not None:
        follower.engine = engine
    estimator = Estimator(layout, cal, weight_n, RATE_HZ)
    folder = tempfile.mkdtemp(prefix="footmat-bench-")
    writer = SessionWriter(folder, "spiral", layout=layout, calibration=cal.to_dict(), params=drill.params,
                           person={"name": "bench"}, sample_rate_hz=RATE_HZ, simulated=True,
                           clock_start=clock.now())
    return LiveSpiral(layout, clock, cal, weight_n, src, engine, estimator, writer, folder)
