"""The simulated mat's calibration for the tests that build an Estimator by hand: the fit of
``calibrate_on_sim`` (the same for the same layout and seed: seeded poses on a seeded mat), made once
per (layout, seed) in a test process and handed out as a deep copy, so no test sees another's
changes. Only ``created_at`` differs from a fit made anew (it is the first fit's time)."""
from __future__ import annotations

import copy

from trainer.app.simcal import calibrate_on_sim

_FITTED: dict[tuple[str, int], object] = {}


def sim_calibration(layout, seed: int):
    """``calibrate_on_sim(layout, seed=seed)``, fitted once per layout and seed."""
    key = (layout.to_toml(), seed)
    if key not in _FITTED:
        _FITTED[key] = calibrate_on_sim(layout, seed=seed)
    return copy.deepcopy(_FITTED[key])
