"""One-leg sway is what the standing foot's sensors can see: with heel, ball and toes in one line
(default-6) its side-to-side figures are null and said so; with an outer sensor (default-8) they
are measured."""
import json

import pytest

from firmware.layout import load_layout
from trainer.drills.stance import SIDE_SPREAD_MIN_MM, SIDE_TO_SIDE_KEYS, side_spread_mm


def test_the_six_sensor_feet_are_in_one_line_and_the_eight_are_not():
    six, eight = load_layout("default-6"), load_layout("default-8")
    for foot in ("left", "right"):
        assert side_spread_mm(six, foot) < SIDE_SPREAD_MIN_MM <= side_spread_mm(eight, foot)


@pytest.mark.parametrize("layout", ["default-6", "default-8"])
def test_one_leg_reports_side_to_side_sway_only_where_it_is_measured(cli, tmp_path, layout):
    code, _, err = cli("drill", "one-leg", "--max-time", "6", "--backend", "sim", "--no-plot", "--layout", layout,
                       "--sim-scenario", "ideal", "--out", str(tmp_path / "s"))
    assert code == 0, err
    s = json.loads(next((tmp_path / "s").iterdir()).joinpath("session.json").read_text())["summary"]
    assert s["lifted"] and s["rms_y_mm"] > 0 and s["mean_velocity_mm_s"] > 0      # front-back: always
    if layout == "default-6":
        assert all(s[k] is None for k in SIDE_TO_SIDE_KEYS)
        assert "one line" in s["sway_note"]
    else:
        assert all(isinstance(s[k], float) for k in SIDE_TO_SIDE_KEYS)
        assert s["ellipse95_area_mm2"] > 1.0 and "sway_note" not in s
