"""The live view offscreen (Agg): the drawn artists reflect the state."""
import numpy as np

from firmware.layout import load_layout
from trainer.drill import Snapshot
from trainer.paths import spiral
from trainer.simperson import natural_centre
from trainer.view import LiveView


def test_artists_follow_the_snapshot(tmp_path):
    layout = load_layout()
    view = LiveView(layout)
    path = spiral(layout, natural_centre(layout))
    snap = Snapshot(state="running", cop=np.array([-30.0, 100.0]), target=np.array([-20.0, 120.0]),
                    forces=np.array([40, 5, 1, 1, 1, 1.0]), total_n=680, left_pct=80.0, heel_pct_left=75.0,
                    heel_pct_right=40.0, cue="left heel", loop=1, loops=3)
    assert view.maybe_draw(snap, path_xy=path.dense(), force=True)
    assert view.cop_dot.get_data()[0][0] == -30.0 and view.target_dot.get_data()[1][0] == 120.0
    assert view.cue.get_text() == "left heel"
    assert view.bars[0].get_width() == 80.0
    assert view.discs[0].get_facecolor()[3] > view.discs[3].get_facecolor()[3]
    assert view.paused_text.get_text() == ""
    snap.state, snap.cue = "paused", "paused — step back on to continue"
    view.maybe_draw(snap, force=True)
    assert "PAUSED" in view.paused_text.get_text()
    out = tmp_path / "view.png"
    view.save(out)
    assert out.stat().st_size > 10_000
    view.close()
    view.close()   # safe twice
