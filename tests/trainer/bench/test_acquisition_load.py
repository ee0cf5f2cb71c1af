"""The acquisition under load (bench): the live loop, the recorder, the view at 60 fps and busy
processes against the same source alone; figures with their verdict."""
from trainer import bench
from trainer.bench.acquisition import under_load


def test_under_load_measures_both_rates_and_the_ratio_between_them():
    out = under_load(quiet_s=0.6, loaded_s=1.2)
    assert "error" not in out, out
    assert out["quiet_frames_per_s"] > 0 and out["frames_per_s"] > 0
    assert abs(out["ratio"] - out["frames_per_s"] / out["quiet_frames_per_s"]) < 0.01
    assert out["busy_processes"] >= 1 and out["view_fps"] > 0 and "60 fps" in out["scenario"]
    judged = bench.judge("acquisition", {"under_load": out})
    assert judged["under_load"]["ratio_meets"] is (out["ratio"] >= 0.95)
