"""The still poses of the body-weight fit (PRODUCT.md §5), derived from the layout.

Even stance, then a lean onto each sensor in turn with most of the weight on that foot (heel,
ball, toes of the left foot, then of the right — the spiral's own waypoints): each sensor is
loaded mostly on its own in some pose, so every gain is identifiable. Validation poses are
*not* used in the fit: a diagonal lean and a second even stance.
"""
from __future__ import annotations

import numpy as np

LEAN_FRACTION = 0.8   # how far from the centre towards the sensor the person leans


def fit_poses(layout, centre) -> list[tuple[str, np.ndarray]]:
    centre = np.asarray(centre, float)
    poses = [("even stance", centre.copy())]
    order = {"heel": 0, "outer": 1, "ball": 2, "toes": 3}
    for foot in ("left", "right"):
        for i, s in sorted(((i, s) for i, s in enumerate(layout.sensors) if s.foot == foot),
                           key=lambda p: order[p[1].zone]):
            target = centre + LEAN_FRACTION * (layout.positions[i] - centre)
            poses.append((f"lean onto the {s.foot} {s.zone}", target))
    return poses


def validation_poses(layout, centre) -> list[tuple[str, np.ndarray]]:
    centre = np.asarray(centre, float)
    pos = layout.positions
    lf = pos[layout.mask(foot="left")].mean(axis=0)
    rf = pos[layout.mask(foot="right")].mean(axis=0)
    return [("diagonal lean, left back", centre + 0.5 * (np.array([lf[0], pos[:, 1].min()]) - centre)),
            ("diagonal lean, right forward", centre + 0.5 * (np.array([rf[0], pos[:, 1].max()]) - centre)),
            ("even stance again", centre.copy())]
