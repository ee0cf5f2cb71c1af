"""footmat report: the one-page report has its parts, works on incomplete sessions, refuses bad ones."""
import json

import pytest

from trainer.bench.export import synthetic_session


def _figure_texts(monkeypatch):
    """Capture the Figure the report draws (its axes titles and texts)."""
    from matplotlib.figure import Figure

    seen = []
    orig = Figure.savefig

    def spy(self, *a, **k):
        seen.append(self)
        return orig(self, *a, **k)

    monkeypatch.setattr(Figure, "savefig", spy)
    return seen


def _all_text(fig):
    parts = [t.get_text() for t in fig.texts] + [fig._suptitle.get_text()]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
    return "\n".join(parts)


def test_report_page_has_its_parts(tmp_path, cli, monkeypatch):
    folder = synthetic_session(tmp_path / "s", 30.0)
    seen = _figure_texts(monkeypatch)
    code, out, err = cli("report", str(folder), "--out", str(tmp_path / "r.png"))
    assert code == 0, err
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = _all_text(seen[0])
    meta = json.loads((folder / "session.json").read_text())
    for part in ("Your path on the feet", "Score of each loop", "Main figures", "All figures of this session",
                 "Person: synthetic, 70 kg", "calibration nominal", "Pain (0–10): before 4, after 2",
                 meta["started_at"][:10]):
        assert part in text, part
    assert "INCOMPLETE" not in text and "METRICS.md" not in text
    titles = [ax.get_title() for ax in seen[0].axes]
    assert titles == ["Your path on the feet", "Score of each loop"]
    cop_ax = seen[0].axes[0]
    assert {ln.get_label() for ln in cop_ax.get_lines()} >= {"the path to follow (whole body)", "where your weight went"}
    assert len(seen[0].axes[1].patches) == len(meta["summary"]["loops"])    # one bar per loop


def test_report_pdf_and_incomplete_session(tmp_path, cli, monkeypatch):
    folder = synthetic_session(tmp_path / "s", 5.0, complete=False)
    with open(folder / "trace.csv", "a") as fh:
        fh.write("5.0000,1,2")
    seen = _figure_texts(monkeypatch)
    code, _, err = cli("report", str(folder), "--out", str(tmp_path / "r.pdf"))
    assert code == 0 and "incomplete" in err
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    text = _all_text(seen[0])
    assert "INCOMPLETE SESSION" in text and "cut short" in text


def test_default_out_and_runner_name(tmp_path):
    from trainer.ui.report import simple_report

    folder = synthetic_session(tmp_path / "s", 3.0)
    assert simple_report(folder) == folder / "report.png"
    assert (folder / "report.png").stat().st_size > 10000


@pytest.mark.parametrize("how", ["missing", "bad-json", "ragged", "bad-suffix"])
def test_bad_input_one_line_exit_2_nothing_overwritten(tmp_path, cli, how):
    folder = synthetic_session(tmp_path / "s", 2.0)
    out = tmp_path / ("r.svg" if how == "bad-suffix" else "r.png")
    out.write_bytes(b"old")
    if how == "missing":
        folder = tmp_path / "nope"
    elif how == "bad-json":
        (folder / "session.json").write_text("[1, 2")
    elif how == "ragged":
        with open(folder / "trace.csv", "r+") as fh:
            lines = fh.readlines()
            lines[5] = "1,2\n"
            fh.seek(0)
            fh.writelines(lines)
    code, _, err = cli("report", str(folder), "--out", str(out))
    assert code == 2 and err.count("\n") == 1 and err.startswith("footmat report: ")
    assert out.read_bytes() == b"old"
