"""The summary printed after a drill is the feedback and three or four figures in words."""
import re

from trainer.app.drill import print_summary
from trainer.ui.report_words import HEADLINE, appendix_lines, headline_figures, human_name


def test_printed_summary_is_feedback_and_named_figures(capsys):
    summary = {"left_pct": 53.0, "right_pct": 47.0, "asymmetry_pp": 6.0, "mean_velocity_mm_s": 12.9,
               "ellipse95_area_mm2": 446.2, "rms_x_mm": 2.1, "paused_s": 0, "end": "complete",
               "feedback": "You stood for 10 seconds. Next time, try it with your eyes closed."}
    print_summary("stance", summary, 2000, 1.5, "nominal calibration")
    out = capsys.readouterr().out.splitlines()
    assert "You stood for 10 seconds" in out[1]
    figs = [ln for ln in out[1:] if ": " in ln and "You" not in ln and "eyes" not in ln]
    assert 3 <= len(figs) <= 4
    assert "  weight on the left foot: 53 %" in figs and "  sway speed: 12.9 mm/s" in figs
    assert not any(re.search(r"[a-z]+_[a-z]+", ln) for ln in out[1:]), out
    assert max(len(ln) for ln in out[1:]) <= 80


def test_every_headline_key_has_a_human_name():
    for drill, keys in HEADLINE.items():
        for k in keys:
            name, unit = human_name(k)
            assert "_" not in name, (drill, k)
    assert headline_figures("toe-press", {"count": 10, "mean_hold_s": 3.09, "hold_s": 3.0}) == [
        ("holds counted", "10"), ("mean hold", "3.1 s"), ("hold asked", "3 s")]
    lines = appendix_lines({"some_new_figure_mm": 2.0, "feedback": "x", "loops": []})
    assert lines == ["some new figure: 2 mm"]


def test_the_done_line_says_the_drill_time_and_in_virtual_time_the_computing_time(capsys):
    """"10410 samples in 9.7 s" was the computing time of a 52 s drill."""
    print_summary("spiral", {}, 10410, 9.7, "cal", drill_s=52.04, virtual=True)
    assert capsys.readouterr().out.splitlines()[0] == "spiral: done (10410 samples in 52 s of drill, computed in 9.7 s; cal)"
    print_summary("spiral", {}, 10410, 52.3, "cal", drill_s=52.04, virtual=False)
    assert capsys.readouterr().out.splitlines()[0] == "spiral: done (10410 samples in 52 s of drill; cal)"
    print_summary("stance", {}, 180000, 80.0, "cal", drill_s=900.0, virtual=True)
    assert "180000 samples in 15.0 min of drill, computed in 80.0 s" in capsys.readouterr().out


def test_a_left_minus_right_figure_is_said_unsigned_with_the_side():
    """Heel raises' left/right difference at the top is left minus right in the summary; said as
    the stance and history say theirs (unsigned), with the side that carried more."""
    from trainer.ui.report_words import headline_figures

    said = dict(headline_figures("heel-raises", {"lr_asymmetry": -22.4}))
    assert said["difference left to right at the top"] == "22.4 points, more on the right"
    said = dict(headline_figures("heel-raises", {"lr_asymmetry": 3.0}))
    assert said["difference left to right at the top"] == "3 points, more on the left"
