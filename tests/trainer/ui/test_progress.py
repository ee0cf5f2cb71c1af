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


def _session(sessions_dir, name, drill, person, day, pain, summary):
    import json
    import shutil

    from trainer.bench.export import synthetic_session

    folder = synthetic_session(sessions_dir / f"tmp-{name}", 4.0)
    dest = sessions_dir / name
    shutil.move(str(folder), dest)
    shutil.rmtree(sessions_dir / f"tmp-{name}")
    meta = json.loads((dest / "session.json").read_text())
    meta.update(drill=drill, started_at=f"2026-03-{day:02d}T09:00:00.000Z",
                pain={"before": pain[0], "after": pain[1]}, summary=summary)
    meta["person"]["name"] = person
    (dest / "session.json").write_text(json.dumps(meta))
    return dest


def test_history_plot_of_one_person_two_drills(tmp_path, cli, footmat_home, monkeypatch):
    """`footmat history --person P --plot p.png`: one page no larger than 1600×1200, pain first, then
    the spiral score, only drills with data; another person's sessions are not drawn."""
    from matplotlib.figure import Figure
    from PIL import Image

    sessions = footmat_home / "sessions"
    sessions.mkdir(parents=True)
    for i, day in enumerate((2, 5, 9, 16)):
        _session(sessions, f"s{i}", "spiral", "pat", day, (5 - i, 3 - i // 2), {"score": 50.0 + 5 * i})
        _session(sessions, f"t{i}", "stance", "pat", day, (None, None), {"left_pct": 52.0 + i})
    _session(sessions, "other", "toe-press", "sam", 3, (9, 9), {"score": 80.0})
    seen = []
    orig = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (seen.append(self), orig(self, *a, **k))[1])
    out = tmp_path / "p.png"
    code, _, err = cli("history", "--person", "pat", "--plot", str(out))
    assert code == 0, err
    w, h = Image.open(out).size
    assert w <= 1600 and h <= 1200 and len(seen) == 1
    titles = [ax.get_title() for ax in seen[0].axes]
    assert titles[0] == "Pain (0–10)" and titles[1] == "Spiral score"
    assert "Other drills' scores" not in titles          # sam's toe-press is not pat's; stance has no score
    assert "Left/right difference (0 = even)" in titles
    assert all(ax.get_lines() for ax in seen[0].axes)    # no empty panel
    legends = [t.get_text() for ax in seen[0].axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "toe-press" not in legends
    assert seen[0].axes[0].get_ylim() == (0.0, 10.0)
    # dates read as dates: day ticks, no hours
    labels = [t.get_text() for t in seen[0].axes[1].get_xticklabels()]
    assert labels and not any(":" in s for s in labels)
    pdf = tmp_path / "p.pdf"
    assert cli("history", "--person", "pat", "--plot", str(pdf))[0] == 0
    fig = seen[-1]
    assert tuple(round(v, 2) for v in fig.get_size_inches()) == (11.69, 8.27)      # A4


def test_dates_read_as_dates_from_the_first_session_day(tmp_path, monkeypatch):
    """Within a few months each tick says day and month ("3 Mar"), the first on the first session's
    day — not matplotlib's concise "05", "09" under a "2026-Mar" that read as numbers."""
    from matplotlib.figure import Figure

    drawn = []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(self), real(self, *a, **k))[1])
    plot([_row(3, "spiral", 40.0, pain=(3, 2)), _row(4, "spiral", 45.0, pain=(3, 1))], tmp_path / "p.png")
    (fig,) = drawn
    fig.canvas.draw()
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels[0] == "3 Mar" and all(lab.split()[1] == "Mar" for lab in labels), labels
        assert len(labels) >= 2
