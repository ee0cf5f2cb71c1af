"""The progress page shows each drill's programme level over time (issue 27)."""
from trainer.ui.progress import panels


def test_the_level_panel_has_one_line_per_drill():
    rows = [{"started_at": f"2026-03-0{i}T10:00:00.000Z", "drill": d, "level": lv}
            for i, (d, lv) in enumerate([("spiral", 1), ("toe-press", 1), ("spiral", 2), ("spiral", 3)], 1)]
    rows.append({"started_at": "2026-03-06T10:00:00.000Z", "drill": "stance"})       # no level: not drawn
    level = next(p for p in panels(rows) if p["title"] == "Level")
    got = {label: v for label, _, v, _ in level["series"]}
    assert got == {"spiral": [1.0, 2.0, 3.0], "toe-press": [1.0]}
    assert level["ymax"] >= 4
