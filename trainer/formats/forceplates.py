"""One reader per force-plate export footmat recognises
(:func:`trainer.formats.recordings.read_recording` picks the reader from the file's header).

``bds``    Santos & Duarte 2016 BDS trials: tab-separated ``Time[s] … Fz[N] … COPx[cm] COPy[cm]``;
           COPx is antero-posterior, COPy medio-lateral (AMTI plate, subject facing +x).
``pds``    dos Santos et al. 2017 PDS trials (two plates): metres, X antero-posterior, Z
           medio-lateral (right +), Y vertical; the plate's net CoP ``COPNET_*`` plus each foot's
           CoP and load.
``amti``   AMTI CSV export: ``key,value`` metadata lines, then ``MocapFrame, MocapTime, DeviceFrame,
           Fx, Fy, Fz, Mx, My, Mz, Cx, Cy, Cz``; CoP = (My/Fz, Mx/Fz) in m (as Quijoux et al. 2021:
           ML from My, AP from Mx), rate from the metadata.
``table``  any other delimited table of numbers, read with ``--columns`` (and ``--units``,
           ``--rate`` when the header cannot tell).

Each reader gets the open :class:`~trainer.formats.text_table.Lines` past the header and returns a
:class:`~trainer.formats.cop_grid.Recording` on its time grid.
"""
from __future__ import annotations

import numpy as np

from firmware.errors import DataFileError, UsageError

from trainer.formats.cop_grid import (Recording, chosen_columns, finish_recording, load_reason,
                                      require_rows, time_and_rate)
from trainer.formats.text_table import Columns, declared_rate, find_column, norm_name

_TIME_NAMES = ("t_s", "time", "time[s]", "time (s)", "time_s", "t", "mocaptime", "timestamp")
_FZ_NAMES = ("fz", "fz[n]", "fz (n)", "fz_n", "total_n", "grfnet_y")


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def read_bds(p, lines, delim, header, col_spec, unit_mm, rate_hz) -> Recording:
    h = [norm_name(x) for x in header]
    num = {"x": h.index("copy[cm]"), "y": h.index("copx[cm]")}
    if "time[s]" in h:
        num["t"] = h.index("time[s]")
    if "fz[n]" in h:
        num["fz"] = h.index("fz[n]")
    sx = sy = unit_mm or 10.0
    frame = "BDS (AMTI plate, subject facing +x): x = COPy (ML), y = COPx (AP), cm → mm"
    if col_spec:
        num["x"], num["y"], sx, sy, frame = chosen_columns(p, header, col_spec, unit_mm, 10.0)
    cols = Columns(p, lines, delim, header, num)
    require_rows(p, cols, "give a complete BDS trial file")
    c = cols.num
    reason = load_reason(c["fz"]) if "fz" in c else np.zeros(cols.rows, np.int8)
    t, fs = time_and_rate(p, c.get("t"), cols.rows, rate_hz, default=100.0)
    return finish_recording(p, "bds", cols, t, c["x"] * sx, c["y"] * sy, reason, fs, frame)


def read_pds(p, lines, delim, header, col_spec, unit_mm, rate_hz) -> Recording:
    h = [norm_name(x) for x in header]
    need = ["time", "rgrf_y", "lgrf_y", "rcop_x", "rcop_z", "lcop_x", "lcop_z", "copnet_x", "copnet_z"]
    missing = [n for n in need if n not in h]
    if missing:
        _fail(p, f"looks like a PDS file but has no column {', '.join(missing)}", "give a complete PDS grf file")
    num = {n: h.index(n) for n in need}
    u = unit_mm or 1000.0
    frame = ("PDS (lab frame: X forward, Y up, Z right): x = COPNET_Z (ML), y = COPNET_X (AP), m → mm; "
             "each foot likewise from LCOP/RCOP, loads LGRF_Y/RGRF_Y")
    if col_spec:
        num["ox"], num["oy"], sx, sy, frame = chosen_columns(p, header, col_spec, unit_mm, 1000.0)
    cols = Columns(p, lines, delim, header, num)
    require_rows(p, cols, "give a complete PDS grf file")
    c = cols.num
    fl, fr = c["lgrf_y"], c["rgrf_y"]
    plate = np.column_stack([c["copnet_z"], c["copnet_x"]]) * u
    x, y = (c["ox"] * sx, c["oy"] * sy) if col_spec else (plate[:, 0], plate[:, 1])
    feet = {"cop_l": np.column_stack([c["lcop_z"], c["lcop_x"]]) * u, "f_l": fl,
            "cop_r": np.column_stack([c["rcop_z"], c["rcop_x"]]) * u, "f_r": fr}
    with np.errstate(invalid="ignore", divide="ignore"):
        left = 100.0 * fl / (fl + fr)
    t, fs = time_and_rate(p, c["time"], cols.rows, rate_hz)
    return finish_recording(p, "pds", cols, t, x, y, load_reason(fl + fr), fs, frame,
                   left_pct=left, feet=feet, plate_net=plate)


def read_amti(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz) -> Recording:
    h = [norm_name(x) for x in header]
    num = {"fz": h.index("fz"), "mx": h.index("mx"), "my": h.index("my")}
    ti = find_column(header, ("mocaptime", "time"))
    if ti is not None:
        num["t"] = ti
    u = unit_mm or 1000.0
    frame = ("AMTI plate frame (z down, subject facing +y): x = My/Fz (ML, = -Cx), y = Mx/Fz (AP, = Cy), "
             "m → mm, as Quijoux et al. 2021")
    if col_spec:
        num["ox"], num["oy"], sx, sy, frame = chosen_columns(p, header, col_spec, unit_mm, 1000.0)
    cols = Columns(p, lines, delim, header, num, first_rows=first_rows)
    require_rows(p, cols, "give a complete AMTI export")
    c = cols.num
    reason = load_reason(c["fz"])
    ok = reason == 0
    safe_fz = np.where(ok, c["fz"], 1.0)
    if col_spec:
        x, y = c["ox"] * sx, c["oy"] * sy
    else:
        x, y = c["my"] / safe_fz * u, c["mx"] / safe_fz * u
    t, fs = time_and_rate(p, c.get("t"), cols.rows, rate_hz, declared=declared_rate(meta_lines))
    return finish_recording(p, "amti", cols, t, x, y, reason, fs, frame)


def read_table(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz) -> Recording:
    if not col_spec:
        _fail(p, f"is not a recording footmat recognises (columns: {', '.join(h.strip() for h in header)})",
              "give --columns X,Y (the medio-lateral and antero-posterior CoP columns) and, where the "
              "header does not say, --units mm|cm|m and --rate HZ")
    ix, iy, sx, sy, frame = chosen_columns(p, header, col_spec, unit_mm, None)
    num = {"x": ix, "y": iy}
    ti = find_column(header, _TIME_NAMES)
    if ti is not None and ti not in (ix, iy):
        num["t"] = ti
    fi = find_column(header, _FZ_NAMES)
    if fi is not None and fi not in (ix, iy):
        num["fz"] = fi
    declared = declared_rate(meta_lines)
    if rate_hz is None and "t" not in num and declared is None:
        raise UsageError(f"{p} has no time column and its header gives no rate", "give --rate HZ")
    cols = Columns(p, lines, delim, header, num, empty_is_nan=True, first_rows=first_rows)
    require_rows(p, cols, "give a recording with rows of numbers")
    c = cols.num
    reason = load_reason(c["fz"]) if "fz" in c else np.zeros(cols.rows, np.int8)
    t, fs = time_and_rate(p, c.get("t"), cols.rows, rate_hz, declared=declared)
    return finish_recording(p, "table", cols, t, c["x"] * sx, c["y"] * sy, reason, fs, frame)
