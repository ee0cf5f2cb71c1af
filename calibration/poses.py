"""The still poses of the body-weight fit (PRODUCT.md §5), derived from the layout.

Even stance, then a lean onto each sensor in turn with most of the weight on that foot (heel,
ball, toes of the left foot, then of the right — the spiral's own waypoints): each sensor is
loaded mostly on its own in some pose, so every gain is identifiable. Each lean is held twice,
deep and then light (the light leans alternate the feet), so every sensor is seen at a heavy and a light load and the fit can
tell where each part's curve saturates (its conductance scale, fit.py). Validation poses are
*not* used in the fit: two diagonal leans and a second even stance.

With 6 sensors that is 13 fit poses and 3 validation poses of about 3 s each (plus about 1.5 s
to move into each): with the tare, about 80 s of the person's time.
"""
from __future__ import annotations

import numpy as np

LEAN_FRACTION = 0.8   # how far from the centre towards the sensor the person leans
HALF_FRACTION = 0.4   # the lighter lean: the same direction, half as far
ZONE_ORDER = {"heel": 0, "outer": 1, "ball": 2, "toes": 3}


def lean_order(layout) -> list[int]:
    """Sensor indices in the order of the leans: left foot heel→toes, then the right."""
    out = []
    for foot in ("left", "right"):
        out += sorted((i for i, s in enumerate(layout.sensors) if s.foot == foot),
                      key=lambda i: ZONE_ORDER[layout.sensors[i].zone])
    return out


def fit_poses(layout, centre, depths=(LEAN_FRACTION, HALF_FRACTION)) -> list[tuple[str, np.ndarray]]:
    """(instruction, target CoP) of each fit pose: even stance, then each lean at each depth."""
    centre = np.asarray(centre, float)
    poses = [("even stance", centre.copy())]
    order = lean_order(layout)
    for k, d in enumerate(depths):
        # the deep leans in the spiral's order, then the lighter ones alternating the feet from
        # the right: each foot's leans are about balanced in time, so the slow creep over the
        # procedure biases no foot, and every move to the next pose is a clear one
        for i in (order if k % 2 == 0 else _alternate(layout, order)):
            s = layout.sensors[i]
            what = f"lean onto the {s.foot} {s.zone}" if k == 0 else f"lean lightly onto the {s.foot} {s.zone}"
            poses.append((what, centre + d * (layout.positions[i] - centre)))
    return poses


def _alternate(layout, order: list[int]) -> list[int]:
    right = [i for i in order if layout.sensors[i].foot == "right"]
    left = [i for i in order if layout.sensors[i].foot == "left"]
    out = []
    for k in range(max(len(left), len(right))):
        out += right[k:k + 1] + left[k:k + 1]
    return out


def pose_foot(name: str) -> str | None:
    """The foot a pose puts most of the weight on (from its instruction), or None."""
    for foot in ("left", "right"):
        if f"the {foot} " in name and "diagonal" not in name:
            return foot
    return None


def validation_poses(layout, centre) -> list[tuple[str, np.ndarray]]:
    centre = np.asarray(centre, float)
    pos = layout.positions
    lf = pos[layout.mask(foot="left")].mean(axis=0)
    rf = pos[layout.mask(foot="right")].mean(axis=0)
    return [("diagonal lean, left back", centre + 0.5 * (np.array([lf[0], pos[:, 1].min()]) - centre)),
            ("diagonal lean, right forward", centre + 0.5 * (np.array([rf[0], pos[:, 1].max()]) - centre)),
            ("even stance again", centre.copy())]
