"""`footmat score reach TRACE --dwell S`: the generic target-zone drill on a recording from another
device (columns t_s, cop_x_mm, cop_y_mm, target_x_mm, target_y_mm, target_radius_mm)."""
import json

import numpy as np

from tests.trainer.analysis.test_zones import scripted


def write(path, t, cop, cen, rad):
    lines = ["t_s,cop_x_mm,cop_y_mm,target_x_mm,target_y_mm,target_radius_mm"]
    for k in range(len(t)):
        vals = [t[k], *cop[k], *cen[k], rad[k]]
        lines.append(",".join("" if not np.isfinite(v) else f"{v:.4f}" for v in vals))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_score_reach_gives_the_scripted_presentations(cli, tmp_path):
    trace = write(tmp_path / "game.csv", *scripted())
    code, out, err = cli("score", "reach", str(trace), "--dwell", "1", "--json")
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert [(t["hit"], t["time_to_target_s"], t["dwell_s"], t["success"], t["crossings"], t["overshoot_mm"],
             t["gaps"]) for t in s["targets"]] == [
        (True, 1.0, 1.5, True, 2, 15.0, 0), (False, None, 0.0, False, 0, 0.0, 0),
        (True, 1.0, 2.0, True, 0, 0.0, 0), (True, 0.5, 0.25, False, 0, 0.0, 0)]
    assert (s["hits"], s["successes"], s["biodex_score"]) == (3, 2, 0.333)
    code, out, err = cli("score", "reach", str(trace), "--dwell", "1")
    assert code == 0 and "3 of 4 targets reached, 2 held 1 s" in out and "Biodex score 0.33" in out


def test_score_reach_flags_a_half_second_gap(cli, tmp_path):
    t, cop, cen, rad = scripted()
    keep = (t < 2.0) | (t >= 2.5 - 1e-9)       # 0.5 s lost in the first presentation's long stay
    trace = write(tmp_path / "gap.csv", t[keep], cop[keep], cen[keep], rad[keep])
    code, out, err = cli("score", "reach", str(trace), "--dwell", "1", "--json")
    assert code == 0, err
    first = json.loads(out)["summary"]["targets"][0]
    assert first["gaps"] == 1 and any("not bridged" in f for f in first["flags"])
    assert first["dwell_s"] == 1.0          # 2.5 .. 3.5 s; the 1.5 s stay is cut by the gap, never bridged
    assert first["mean_speed_mm_s"] is None or first["mean_speed_mm_s"] <= 1000


def test_score_reach_refuses_what_it_cannot_use(cli, tmp_path):
    trace = write(tmp_path / "game.csv", *scripted())
    code, _, err = cli("score", "reach", str(trace))
    assert code == 2 and "--dwell" in err and len(err.strip().splitlines()) == 1
    bare = tmp_path / "bare.csv"
    bare.write_text("t_s,cop_x_mm,cop_y_mm\n0,0,0\n0.01,0,0\n")
    code, _, err = cli("score", "reach", str(bare), "--dwell", "1")
    assert code == 2 and "target_x_mm" in err and len(err.strip().splitlines()) == 1
