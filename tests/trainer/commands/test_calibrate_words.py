"""The calibration report says in words whether the calibration is good and what to redo."""
from trainer.commands.calibrate import verdict


def _report(median, worst=None, states=("ok",) * 6, errs=(1.0, -2.0, 1.5)):
    v = {"poses": ["diagonal lean, left back", "diagonal lean, right forward", "even stance again"],
         "total_load_err_pct": list(errs), "total_load_err_pct_median": median,
         "total_load_err_pct_worst": worst if worst is not None else median, "left_pct": [70, 30, 50],
         "sensors": [{"name": f"s_{i}", "state": st} for i, st in enumerate(states)]}
    return {"fit": {"poses": [], "rms_residual_pct_bw": 1.0}, "validation": v, "file": "x", "layout": "l"}


def test_good_usable_redo():
    assert verdict(_report(2.0))[0].startswith("The calibration is good")
    assert verdict(_report(7.0))[0].startswith("The calibration is usable")
    words = verdict(_report(14.0))
    assert words[0].startswith("Calibrate again") and "more than 10 %" in words[0]


def test_a_bad_pose_and_a_bad_sensor_are_named():
    words = verdict(_report(4.0, worst=12.0, errs=(1.0, 12.0, 2.0)))
    assert any("diagonal lean, right forward" in w and "hold it still" in w for w in words)
    words = verdict(_report(2.0, states=("ok", "open", "ok", "ok", "ok", "ok")))
    assert not words[0].startswith("The calibration is good")
    assert any("s 1" in w and "footmat check --guided" in w for w in words)


def test_printed_report_fits_80_columns(capsys):
    from trainer.commands.calibrate import print_report

    r = _report(3.0)
    r["validation"].update(total_load_err_pct_creep_corrected_median=1.9, duration_s=78.0)
    r["fit"]["creep_pct_per_min"] = 10.0
    print_report(r)
    out = capsys.readouterr().out
    assert out.startswith("The calibration is good") and "condition number" not in out
    assert max(len(ln) for ln in out.splitlines()) <= 80


def test_the_headline_says_what_its_figure_is_and_agrees_with_the_pose_lines(capsys):
    """The headline gave the creep-corrected median as "within 2 %" above pose lines of +2.4, +3.2
    and +4.3 %: it now names the figure (the median, drift allowed for) and the worst pose shown."""
    from trainer.commands.calibrate import print_report

    r = _report(3.2, worst=4.3, errs=(2.4, 3.2, 4.3))
    r["validation"].update(total_load_err_pct_creep_corrected_median=2.1, duration_s=78.0)
    r["fit"]["creep_pct_per_min"] = 7.4
    head = verdict(r)[0]
    assert head.startswith("The calibration is good") and "within" not in head
    assert "2.1 %" in head and "median" in head and "drift" in head and "up to 4.3 %" in head
    print_report(r)
    out = capsys.readouterr().out
    assert "+4.3 %" in out and "2.1 % once the sensors' slow drift" in out
    # without the creep-corrected figure: the plain median of the check poses, and the worst
    head = verdict(_report(3.2, worst=4.3, errs=(2.4, 3.2, 4.3)))[0]
    assert "3.2 %" in head and "median of the check poses" in head and "up to 4.3 %" in head
