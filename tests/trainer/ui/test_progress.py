"""The progress plot (trainer/ui/progress.py) draws the history's rows; `footmat history --plot`
goes through it (tests/trainer/sessions/test_history.py)."""
import pytest

from firmware.errors import UsageError
from trainer.ui.progress import plot


def _row(day: int, drill: str, score, complete=True, pain=(None, None)):
    return {"drill": drill, "started_at": f"2026-03-{day:02d}T10:00:00.000Z", "complete": complete,
            "score": score, "asymmetry_pp": 4.0 + day % 3, "sway_mm_s": None if day % 2 else 9.5,
            "pain": {"before": pain[0], "after": pain[1]}}


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_plot_draws_every_drill_and_week(tmp_path, suffix):
    rows = [_row(d, "spiral", 50.0 + d, complete=d != 3, pain=(4, 2)) for d in range(1, 20, 2)]
    rows += [_row(5, "stance", None), {**_row(6, "stance", 70.0), "started_at": None}]
    out = plot(rows, tmp_path / f"p.{suffix}")
    assert out == tmp_path / f"p.{suffix}" and out.stat().st_size > 1000


def test_plot_of_no_sessions_is_an_empty_page(tmp_path):
    assert plot([], tmp_path / "empty.png").stat().st_size > 0


def test_plot_refuses_a_suffix_it_cannot_draw(tmp_path):
    with pytest.raises(UsageError, match="use .png, .pdf or .svg"):
        plot([], tmp_path / "p.txt")
    assert not (tmp_path / "p.txt").exists()
