"""The red-flag notice (PRODUCT.md §4b: new numbness, leg weakness, loss of bladder control —
stop and seek care) in the first-run notice and whenever pain before or after is 7 or more, in
`footmat drill`, `footmat routine` and `footmat demo`."""
from trainer.app.drill import FIRST_RUN_NOTICE
from trainer.app.programme import RED_FLAG_NOTICE

SPIRAL = ("drill", "spiral", "--loops", "1", "--period", "5", "--backend", "sim", "--no-plot")

TWO_PARTS = """
title = "Two quick parts"
rest_s = 0
[[part]]
drill = "toe-press"
[part.params]
reps = 1
[[part]]
drill = "toe-press"
[part.params]
reps = 1
"""


def test_drill_says_the_red_flags_at_the_first_run_and_for_pain_of_7_or_more(cli, tmp_path):
    out_dir = str(tmp_path / "o")
    code, out, err = cli(*SPIRAL, "--pain-before", "2", "--pain-after", "2", "--out", out_dir)
    assert code == 0, err
    assert FIRST_RUN_NOTICE in err and err.count(RED_FLAG_NOTICE) == 1      # the first run
    code, out, err = cli(*SPIRAL, "--pain-before", "2", "--pain-after", "2", "--out", out_dir)
    assert code == 0, err
    assert FIRST_RUN_NOTICE in err and RED_FLAG_NOTICE not in err          # seen, pain low
    code, out, err = cli(*SPIRAL, "--pain-before", "8", "--pain-after", "2", "--out", out_dir)
    assert code == 0, err
    assert err.count(RED_FLAG_NOTICE) == 1 and err.index(RED_FLAG_NOTICE) < err.index("session:")
    code, out, err = cli(*SPIRAL, "--pain-before", "2", "--pain-after", "9", "--out", out_dir)
    assert code == 0, err
    assert err.count(RED_FLAG_NOTICE) == 1 and err.index(RED_FLAG_NOTICE) > err.index("session:")


def test_a_routine_says_them_once_for_its_ratings_not_once_per_part(cli, tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(TWO_PARTS, encoding="utf-8")
    run = ("routine", str(path), "--backend", "sim", "--sim-scenario", "ideal", "--no-plot", "--out", str(tmp_path / "o"))
    code, out, err = cli(*run, "--pain-before", "2", "--pain-after", "2")
    assert code == 0, err
    assert err.count(RED_FLAG_NOTICE) == 1                                 # the first run
    code, out, err = cli(*run, "--pain-before", "8", "--pain-after", "2")
    assert code == 0, err
    assert err.count(RED_FLAG_NOTICE) == 1 and err.index(RED_FLAG_NOTICE) < err.index("part 1/2")
    code, out, err = cli(*run, "--pain-before", "2", "--pain-after", "7")
    assert code == 0, err
    assert err.count(RED_FLAG_NOTICE) == 1 and err.index(RED_FLAG_NOTICE) > err.index("part 2/2")


def test_the_demo_says_them_in_its_first_run_notice(cli, tmp_path):
    code, out, err = cli("demo", "--seconds", "10", "--no-plot", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert FIRST_RUN_NOTICE in err and err.count(RED_FLAG_NOTICE) == 1


def test_today_says_them_itself_and_its_parts_do_not_repeat_them(cli, tmp_path):
    code, out, err = cli("today", "--short", "--backend", "sim", "--no-plot", "--pain-before", "8", "--pain-after", "2",
                         "--out", str(tmp_path / "o"))
    assert code == 0, err
    # the first-session welcome and the plan's note for the pain of 8: none from the parts
    assert (out + err).count(RED_FLAG_NOTICE) == 2
