"""Each drill's report page has that drill's own pictures and no empty panel; the feedback is on
top; figures carry human names; pain shows only when given; a routine's PDF has a page per part;
this session is set against the last five when the history has five."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from trainer import drills as registry

# the titles of each drill's own pictures
OWN_PANELS = {
    "spiral": {"Your path on the feet", "Score of each loop"},
    "shift-lr": {"Your weight against the targets", "At each pace"},
    "shift-ap": {"Your weight against the targets", "At each pace"},
    "limits": {"How far you leaned, in 8 directions", "Each direction"},
    "stance": {"How your weight was shared", "Your sway while standing"},
    "heel-raises": {"Raises in each set", "Tempo of each raise"},
    "toe-press": {"Each toe hold", "How hard the toes pressed"},
    "one-leg": {"Time on your left foot", "Sway on the left foot"},
}
# Short runs that still draw every panel (two sets of raises, two paces of the side shift, all
# eight leans): the registry's lower limits, and no rest between the sets of raises.
SHORT = {"spiral": ["--loops", "1"], "shift-lr": ["--cycles", "1", "--paces", "3,2"],
         "shift-ap": ["--cycles", "1", "--paces", "3"], "stance": ["--duration", "10"],
         "heel-raises": ["--reps", "3", "--sets", "2", "--rest", "0"],
         "toe-press": ["--reps", "3", "--hold", "1", "--relax", "1"],
         "one-leg": ["--max-time", "5"], "limits": ["--lean-time", "4"]}


def _run(*argv) -> int:
    from trainer.cli import main

    return main(list(argv))


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """One session of every drill on the simulated mat (pain given for spiral only)."""
    root = tmp_path_factory.mktemp("sessions")
    was = os.environ.get("FOOTMAT_HOME")
    os.environ["FOOTMAT_HOME"] = str(root / "home")
    out = {}
    for name in registry.REGISTRY:
        defn = registry.get(name)
        pairs = list(zip(SHORT.get(name, [])[::2], SHORT.get(name, [])[1::2]))
        short = [a for k, v in pairs if k[2:] in defn.params for a in (k, v)]
        pain = ["--pain-before", "4", "--pain-after", "2"] if name == "spiral" else []
        before = set(root.iterdir())
        assert _run("drill", name, "--backend", "sim", "--no-plot", "--out", str(root), *short, *pain) == 0
        made = [p for p in root.iterdir() if p not in before and (p / "session.json").exists()]
        out[name] = made[0]
    if was is not None:
        os.environ["FOOTMAT_HOME"] = was
    return out


def _spy(monkeypatch):
    from matplotlib.figure import Figure

    seen = []
    orig = Figure.savefig

    def spy(self, *a, **k):
        seen.append(self)
        return orig(self, *a, **k)

    monkeypatch.setattr(Figure, "savefig", spy)
    return seen


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts] + [fig._suptitle.get_text()]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return "\n".join(parts)


def _drawn(ax) -> int:
    """How many data artists an axes holds (lines with points, bars, patches, filled areas)."""
    lines = sum(1 for ln in ax.get_lines() if len(ln.get_xdata()) > 0)
    return lines + len(ax.patches) + len(ax.collections)


@pytest.mark.parametrize("drill", sorted(OWN_PANELS))
def test_each_drill_has_its_own_panels_and_none_empty(sessions, drill, tmp_path, cli, monkeypatch):
    if drill not in sessions:
        pytest.skip(f"{drill} is not a registered drill")
    folder = sessions[drill]
    seen = _spy(monkeypatch)
    code, out, err = cli("report", str(folder), "--out", str(tmp_path / "r.png"))
    assert code == 0, err
    fig = seen[-1]
    titles = {ax.get_title() for ax in fig.axes}
    assert titles == OWN_PANELS[drill], titles            # its own pictures, and no other drill's
    for ax in fig.axes:
        assert _drawn(ax) > 0, f"{drill}: the panel {ax.get_title()!r} is empty"
    text = _texts(fig)
    meta = json.loads((folder / "session.json").read_text())
    fb = meta["summary"].get("feedback")
    if fb:
        first_words = " ".join(fb.split()[:4])
        assert first_words in " ".join(text.split()), "the feedback is not on the page"
    assert "Main figures" in text and "All figures of this session" in text
    pain = {k: v for k, v in (meta.get("pain") or {}).items() if v is not None}
    if drill == "spiral":
        assert "Pain (0–10): before 4, after 2" in text
    assert ("Pain (0–10)" in text) == bool(pain)          # pain only when given (a flag or the person)
    assert "—, after —" not in text
    # figures read in words: no summary key like mean_velocity_mm_s on the page
    assert not re.search(r"\b[a-z]+_[a-z_]+_(mm|s|pct|hz|ms)\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert "METRICS.md" not in text
    assert "[...]" not in text                             # every figure whole: a long one wraps


def test_routine_report_has_a_page_per_part(tmp_path, cli):
    routine = tmp_path / "two.toml"
    routine.write_text('name = "two"\ntitle = "Two parts"\nrest_s = 0\n\n[[part]]\ndrill = "stance"\n'
                       'title = "Stand"\nparams = { duration = 10 }\n\n[[part]]\ndrill = "toe-press"\n'
                       'title = "Toes"\nparams = { reps = 3, hold = 1.0, relax = 1.0 }\n')
    code, _, err = cli("routine", str(routine), "--backend", "sim", "--no-plot", "--out", str(tmp_path / "rt"))
    assert code == 0, err
    folder = next((tmp_path / "rt").iterdir())
    assert (folder / "routine.json").is_file() and not (folder / "session.json").exists()
    code, out, err = cli("report", str(folder), "--out", str(tmp_path / "r.pdf"))
    assert code == 0, err
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    # a routine as one PNG is refused in one line
    code, _, err = cli("report", str(folder), "--out", str(tmp_path / "r.png"))
    assert code == 2 and err.count("\n") == 1 and "F.pdf" in err


def test_this_session_against_the_last_five(tmp_path, cli, monkeypatch):
    from trainer.sessions import history

    for _ in range(6):          # short holds: the comparison needs six sessions, not long ones
        code, _, err = cli("drill", "toe-press", "--reps", "3", "--hold", "1", "--relax", "1", "--backend", "sim",
                           "--no-plot", "--out", str(tmp_path / "s"))
        assert code == 0, err
    folders = sorted((tmp_path / "s").iterdir())
    last = folders[-1]
    meta = json.loads((last / "session.json").read_text())
    prev = history.last_sessions(meta["person"]["name"], "toe-press", meta["started_at"])
    assert len(prev) == 5 and all(p["started_at"] < meta["started_at"] for p in prev)
    seen = _spy(monkeypatch)
    assert cli("report", str(last), "--out", str(tmp_path / "r.png"))[0] == 0
    assert any(ax.get_title().startswith("This session against your last five") for ax in seen[-1].axes)
    seen.clear()
    assert cli("report", str(folders[3]), "--out", str(tmp_path / "r.png"))[0] == 0   # only three before it
    assert not any("last five" in ax.get_title() for ax in seen[-1].axes)


def test_the_spiral_page_draws_the_roll_on_each_foot(sessions, tmp_path, cli, monkeypatch):
    """PRODUCT.md §1: the spiral is visible on the feet — each foot's zones as rings and that foot's
    own CoP while it carried the weight, rolling from its heel zone to its toes zone, on the foot."""
    from matplotlib.colors import to_hex
    from matplotlib.patches import Circle

    from trainer.ui.report_panels import LEFT_C, TARGET_C

    folder = sessions["spiral"]
    seen = _spy(monkeypatch)
    code, _, err = cli("report", str(folder), "--out", str(tmp_path / "r.png"))
    assert code == 0, err
    ax = next(a for a in seen[-1].axes if a.get_title() == "Your path on the feet")
    zones = json.loads((folder / "session.json").read_text())["summary"]["zones"]
    rings = [p for p in ax.patches if isinstance(p, Circle) and to_hex(p.get_edgecolor()) == TARGET_C]
    assert len(rings) == sum(len(z) for z in zones.values()) == 6
    feet = [ln for ln in ax.get_lines() if to_hex(ln.get_color()) == LEFT_C]
    assert len(feet) == 2
    for ln in feet:
        x, y = (np.asarray(v, float) for v in ln.get_data())
        ok = np.isfinite(x) & np.isfinite(y)
        foot = "left" if np.nanmean(x) < 0 else "right"
        assert (x[ok] < -30).all() if foot == "left" else (x[ok] > 30).all()      # on its foot, not between
        heel, toes = zones[foot][0], zones[foot][-1]
        # the roll: from within the heel zone to within the toes zone
        assert np.nanmin(y) < heel["y_mm"] + heel["radius_mm"] and np.nanmax(y) > toes["y_mm"] - toes["radius_mm"]
    assert "each foot's own path, under load" in [t.get_text() for t in ax.get_legend().get_texts()]
