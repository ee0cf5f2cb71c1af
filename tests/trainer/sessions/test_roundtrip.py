"""Any text a cue may hold goes through the session writer and comes back whole from every
reader of the session format: the trace reader, replay's reader, events, export (CSV and JSON),
analyze's reader and the history."""
import csv
import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.layout import load_layout
from trainer.formats.export import export_session
from trainer.formats.recordings import read_recording
from trainer.sessions.history import trace_figures
from trainer.sessions.writer import SessionWriter
from trainer.sessions.format import SCHEMA_VERSION, TRACE_FILE, TraceLines, load_meta, read_events
from trainer.sessions.replay import TraceReader

LAYOUT = load_layout()
K = len(LAYOUT.names)
# any text but lone surrogates (not encodable) and NUL (dropped by the writer: see text_field)
CUE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def write_session(root: Path, cues: list[str], detail: str, simulated: bool) -> Path:
    w = SessionWriter(root, "spiral", layout=LAYOUT, calibration={}, params={}, person={"name": "a"},
                      sample_rate_hz=200.0, simulated=simulated, clock_start=0.0, pain_before=3,
                      person_id="0" * 32)
    n = len(cues)
    t = 0.005 * np.arange(1, n + 1)
    cop = np.column_stack([np.linspace(-50, 50, n), np.linspace(0, 80, n)])
    w.write(t, np.full((n, K), 1000.0), np.full((n, K), 100.0), np.full(n, 600.0), cop, np.full(n, 50.0),
            cop, cues, ["" if i % 2 else "holding_on" for i in range(n)], true_cop=cop if simulated else None)
    w.event(t[-1], "cue", detail)
    return w.finish({"score": 1.0}, {})


@SETTINGS
@given(cues=st.lists(CUE, min_size=2, max_size=6), detail=CUE, simulated=st.booleans())
def test_any_cue_text_round_trips_through_every_reader(cues, detail, simulated):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_session(Path(tmp), cues, detail, simulated)
        meta = load_meta(folder)
        assert meta["schema_version"] == SCHEMA_VERSION and meta["pain"]["before"] == 3
        with TraceLines(folder / TRACE_FILE) as tr:
            _, rows = tr.read(100)
            ip = tr.columns.index("phase")
            assert [r[ip] for r in rows] == cues and tr.notes == []
        # the csv module itself reads the file the same way
        with open(folder / TRACE_FILE, newline="", encoding="utf-8") as fh:
            got = list(csv.reader(fh))
        assert [r[ip] for r in got[1:]] == cues
        assert read_events(folder)[-1] == (read_events(folder)[-1][0], "cue", detail)
        r = TraceReader(folder / TRACE_FILE, LAYOUT.names)
        assert len(r.read(100)) == len(cues)
        r.close()
        out = Path(tmp) / "x.json"
        export_session(folder, "json", out)
        d = json.loads(out.read_text(encoding="utf-8"))
        cols = d["samples"]["columns"]
        assert [row[cols.index("phase")] for row in d["samples"]["rows"]] == cues
        assert d["events"][-1]["detail"] == detail
        out = Path(tmp) / "x.csv"
        export_session(folder, "csv", out)
        with open(out, newline="", encoding="utf-8") as fh:
            assert [row[ip] for row in list(csv.reader(fh))[1:]] == cues
        rec = read_recording(folder)
        assert rec.t_s.size >= len(cues)
        assert trace_figures(folder / TRACE_FILE, 200.0)["last_t_s"] == 0.005 * len(cues)
