"""Readers for CoP recordings: footmat sessions and other people's force-plate exports.

Everything comes out in footmat's frame — x to the right (medio-lateral), y forward
(antero-posterior), millimetres — on a uniform time grid at the recording's rate, with NaN where
a slot has no usable CoP. Why each slot was left out is kept per slot (:attr:`Recording.reason`)
and counted by :attr:`Recording.excluded`; nothing is dropped silently and nothing invented.

Formats recognised from the file itself (:func:`read_recording`):

``footmat``  a session folder or its ``trace.csv`` (``t_s``, ``cop_x_mm``, ``cop_y_mm``, ``phase``,
             ``flags``; empty field = NaN): rows in phase ``countdown`` or ``paused``, before the
             drill (``waiting``) or after it (``done``), or without CoP, are left out.
``bds``      Santos & Duarte 2016 BDS trials: tab-separated ``Time[s] … Fz[N] … COPx[cm] COPy[cm]``;
             COPx is antero-posterior, COPy medio-lateral (AMTI plate, subject facing +x).
``pds``      dos Santos et al. 2017 PDS trials (two plates): metres, X antero-posterior,
             Z medio-lateral (right +), Y vertical; the plate's net CoP ``COPNET_*`` plus each
             foot's CoP and load.
``amti``     AMTI CSV export: ``key,value`` metadata lines, then ``MocapFrame, MocapTime,
             DeviceFrame, Fx, Fy, Fz, Mx, My, Mz, Cx, Cy, Cz``; CoP = (My/Fz, Mx/Fz) in m
             (as Quijoux et al. 2021: ML from My, AP from Mx), rate from the metadata.
``table``    any other delimited table of numbers, read with ``columns=`` (and ``units=``,
             ``rate_hz=`` when the header cannot tell).

Rows whose vertical load is zero (a dropped frame: an AMTI export writes all-zero rows) or below
20 % of the recording's median load (nobody on the plate) are left out and counted.

A file that cannot be read (missing, empty, binary, too large, wrong columns, text where numbers
belong) raises :class:`~firmware.errors.DataFileError` with one line saying what and how to fix
it; an option that cannot be used raises :class:`~firmware.errors.UsageError`.

This module recognises the format and reads footmat sessions (through
:mod:`trainer.sessions.format`); :mod:`~trainer.formats.forceplates` reads the other formats,
:mod:`~trainer.formats.cop_grid` holds :class:`Recording` and the rules every reader applies (grid,
rate, why a slot is left out, column choice), :mod:`~trainer.formats.text_table` reads the text.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from firmware.errors import DataFileError, UsageError

from trainer.formats import forceplates
from trainer.formats.cop_grid import (EXCLUDED_PHASES, REASON_CODE, Recording, chosen_columns,
                                      finish_recording, parse_columns, parse_units, rate_from_time,
                                      require_rows, time_and_rate)
from trainer.formats.text_table import Lines, check_file, guess_delim, norm_name, numeric_row, split_fields
from trainer.sessions import format as sfmt

HEAD_LINES = 1000            # lines searched for the header and the first row of numbers


def _fail(path, what: str, fix: str):
    raise DataFileError(f"{path}: {what}", fix)


def read_recording(path, *, columns: str | None = None, units: str | None = None,
                   rate_hz: float | None = None) -> Recording:
    """Read a footmat session or an external force-plate recording → :class:`Recording`.

    ``columns`` ("X,Y": the medio-lateral and antero-posterior CoP columns, by name or 1-based
    number, '-' to flip a sign), ``units`` (mm, cm, m) and ``rate_hz`` override what the file
    says or supply what it cannot tell.
    """
    p = Path(path)
    session_rate = None
    session_notes = []
    if p.name == "session.json" and (p.parent / "trace.csv").is_file():
        p = p.parent
    if p.is_dir():
        trace = p / "trace.csv"
        routine = sfmt.routine_parts(p) if not trace.is_file() else None
        if routine is not None:
            raise DataFileError(*routine)
        if not trace.is_file():
            _fail(p, "is a folder without trace.csv, so not a footmat session",
                  "give a session folder, a trace.csv or a recording file")
        session_rate = sfmt.session_rate(p)
        session_notes = _session_notes(p)
        p = trace
    elif p.name == "trace.csv":
        session_rate = sfmt.session_rate(p.parent)
        session_notes = _session_notes(p.parent)
    col_spec = parse_columns(columns)
    unit_mm = parse_units(units)
    if rate_hz is not None and not (isinstance(rate_hz, (int, float)) and math.isfinite(rate_hz) and rate_hz > 0):
        raise UsageError(f"--rate {rate_hz!r} must be a positive number of Hz", "e.g. --rate 100")
    check_file(p)
    lines = Lines(p)
    try:
        rec = _read(p, lines, col_spec, unit_mm, rate_hz, session_rate)
    finally:
        lines.close()
    return replace(rec, notes=tuple(session_notes) + rec.notes) if session_notes else rec


def _session_notes(folder: Path) -> list[str]:
    """What the session's own metadata says a reader should mention (incomplete)."""
    try:
        return sfmt.status_notes(sfmt.load_meta(folder))
    except DataFileError:
        return []


def _read(p: Path, lines: Lines, col_spec, unit_mm, rate_hz, session_rate) -> Recording:
    head: list[tuple[int, str]] = []
    for line in lines:
        head.append((lines.no, line))
        if line.strip():
            break
    if not head or not head[-1][1].strip():
        _fail(p, "holds only blank lines", "give a recording with a header and rows of numbers")
    first = head[-1][1]
    delim = guess_delim(first)
    header = split_fields(first, delim)
    names = {norm_name(f) for f in header}
    if {"t_s", "cop_x_mm", "cop_y_mm"} <= names:
        return _read_footmat(p, lines, delim, header, col_spec, unit_mm, rate_hz, session_rate)
    if {"copx[cm]", "copy[cm]"} <= names:
        return forceplates.read_bds(p, lines, delim, header, col_spec, unit_mm, rate_hz)
    if {"copnet_x", "copnet_z", "rgrf_y", "lgrf_y"} <= names:
        return forceplates.read_pds(p, lines, delim, header, col_spec, unit_mm, rate_hz)
    # not a one-line header: look for the first row of numbers (AMTI metadata, other tables)
    if not numeric_row(first):
        for line in lines:
            head.append((lines.no, line))
            if line.strip() and numeric_row(line):
                break
            if lines.no >= HEAD_LINES:
                break
    data_at = next((i for i, (_, ln) in enumerate(head) if ln.strip() and numeric_row(ln)), None)
    if data_at is None:
        _fail(p, f"has no row of numbers in its first {lines.no} lines — not a CoP recording",
              "give a footmat session, a BDS/PDS/AMTI export, or a table of numbers with --columns")
    delim = guess_delim(head[data_at][1])
    width = len(split_fields(head[data_at][1], delim))
    hdr_i = next((i for i in range(data_at - 1, -1, -1) if head[i][1].strip()), None)
    header = None
    if hdr_i is not None:
        cand = split_fields(head[hdr_i][1], delim)
        if len(cand) == width:
            header = cand
    meta_lines = head[:hdr_i] if header is not None else head[:data_at]
    first_rows = head[data_at:]
    if header is not None and {"fz", "mx", "my"} <= {norm_name(h) for h in header}:
        return forceplates.read_amti(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz)
    if header is None:
        header = [str(i + 1) for i in range(width)]
    return forceplates.read_table(p, lines, delim, header, meta_lines, first_rows, col_spec, unit_mm, rate_hz)


# --------------------------------------------------------------------------- footmat sessions
class _TraceColumns:
    """A footmat trace's wanted columns, read by the session format's reader (cues may hold any
    text; a torn last line is left out and noted in ``notes``)."""

    cut_last_line = False

    def __init__(self, path, numeric: dict[str, int], text: dict[str, int]):
        with sfmt.TraceLines(path) as tr:
            self.num, self.text, self.line_no = sfmt.read_columns(tr, numeric, text)
            self.notes = list(tr.notes)
        self.rows = int(self.line_no.size)


def _read_footmat(p, lines, delim, header, col_spec, unit_mm, rate_hz, session_rate) -> Recording:
    h = [norm_name(x) for x in header]
    num = {"t": h.index("t_s"), "x": h.index("cop_x_mm"), "y": h.index("cop_y_mm")}
    if "left_pct" in h:
        num["left"] = h.index("left_pct")
    sx = sy = 1.0
    frame = "footmat frame as recorded: x right (ML), y forward (AP), mm"
    if col_spec:
        num["x"], num["y"], sx, sy, frame = chosen_columns(p, header, col_spec, unit_mm, 1.0)
    elif unit_mm:
        sx = sy = unit_mm
    text = {"phase": h.index("phase")} if "phase" in h else {}
    cols = _TraceColumns(p, num, text)
    require_rows(p, cols, "record a session first (footmat drill …)")
    t = cols.num["t"]
    if not np.all(np.isfinite(t)):
        bad = int(cols.line_no[np.flatnonzero(~np.isfinite(t))[0]])
        _fail(p, f"line {bad} has no t_s", "the trace is damaged; fix or delete that line")
    reason = np.zeros(cols.rows, np.int8)
    if text:
        phase = np.asarray(cols.text["phase"], dtype=object)
        for ph in EXCLUDED_PHASES:
            reason[phase == ph] = REASON_CODE[ph]
    notes = list(cols.notes)
    if rate_hz:
        t, fs = time_and_rate(p, t, cols.rows, rate_hz)
    else:
        measured = rate_from_time(p, t)
        fs = measured
        if session_rate and abs(measured / session_rate - 1) < 0.01:
            fs = session_rate
        elif session_rate:
            notes.append(f"session.json says {session_rate:g} Hz but the time stamps give "
                         f"{measured:.2f} Hz, which is used")
    return finish_recording(p, "footmat", cols, t, cols.num["x"] * sx, cols.num["y"] * sy, reason, fs, frame, notes,
                   left_pct=cols.num.get("left"))
