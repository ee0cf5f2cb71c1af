"""A session as C3D, the biomechanics standard, written with the ``c3d`` package.

Points ``COP`` (and ``TARGET``, ``TRUE_COP`` when recorded) in mm (z = 0, residual −1 where
missing); analog channels for each sensor's force (N), the total load (N), the left-foot share (%)
and each sensor's raw ADC code (count), one analog sample per frame at the session's rate, with
ANALOG:SCALE 1, OFFSET 0, GEN_SCALE 1 and UNITS filled in. Sessions longer than 65,535 frames keep
every frame: the header's 16-bit count says 65,535 and TRIAL:ACTUAL_START_FIELD/ACTUAL_END_FIELD
(two 16-bit words each) and POINT:LONG_FRAMES carry the real count. Group FOOTMAT holds the start
time, drill, completeness and the time of the first frame.

:func:`c3d_writer` builds the writer; :func:`trainer.formats.export.export_c3d` checks the target
and writes it atomically. The ``c3d`` package is imported only when a writer is built.
"""
from __future__ import annotations

import numpy as np

from trainer import __version__
from trainer.sessions.reader import Session

CHUNK_FRAMES = 1 << 15       # frames converted and written at a time

POINTS = (("COP", "cop_x_mm", "cop_y_mm", "centre of pressure (z = 0: the mat's surface)"),
          ("TARGET", "target_x_mm", "target_y_mm", "the drill's target"),
          ("TRUE_COP", "true_cop_x_mm", "true_cop_y_mm", "simulator's true centre of pressure"))


def c3d_channels(sess: Session) -> list[tuple[str, str, str, str]]:
    """Analog channels: (label, trace column, unit, description)."""
    layout = sess.meta["layout"]
    sensors = layout.get("sensor") or []
    where = {s.get("name"): (s.get("x_mm"), s.get("y_mm")) for s in sensors if isinstance(s, dict)}
    ch = []
    names = [h[:-2] for h in sess.sf.header if h.endswith("_n") and h != "total_n"]
    for n in names:
        x, y = where.get(n, (None, None))
        at = f" at ({x:g}, {y:g}) mm" if isinstance(x, (int, float)) and isinstance(y, (int, float)) else ""
        ch.append((f"F_{n}".upper(), f"{n}_n", "N", f"{n.replace('_', ' ')} FSR force{at}"))
    ch.append(("F_TOTAL", "total_n", "N", "total load on the mat"))
    ch.append(("LEFT_PCT", "left_pct", "%", "share of the load on the left foot"))
    for n in names:
        if f"{n}_raw" in sess.num:
            ch.append((f"RAW_{n}".upper(), f"{n}_raw", "count", f"{n.replace('_', ' ')} raw ADC code"))
    return ch


def c3d_points(sess: Session) -> list[tuple[str, str, str, str]]:
    """The points the session recorded: (label, x column, y column, description)."""
    return [p for p in POINTS if p[1] in sess.num and p[2] in sess.num]


def c3d_writer(sess: Session, *, fast: bool = True):
    """A ``c3d.Writer`` holding the session (float format, one analog sample per frame): its
    ``write(fh)`` writes the file.

    The metadata is set through ``c3d.Writer``; with ``fast`` the frames go out straight from
    the session's columns, a chunk of frames at a time (the package writes them one at a time:
    ~30 s for an hour at 200 Hz) — byte for byte the same file, which
    tests/trainer/formats/test_export.py checks against ``fast=False``.
    """
    sf = sess.sf
    n = sess.frames
    pts = c3d_points(sess)
    chans = c3d_channels(sess)
    rate = float(sess.rate_hz)
    w = _writer_class()(point_rate=rate, analog_rate=rate, point_scale=-1.0, point_units="mm  ")
    w.set_point_labels([p[0] for p in pts])
    w.set_analog_labels([c[0] for c in chans])
    w.set_analog_general_scale(1.0)
    w.set_analog_scales([1.0] * len(chans))
    w.set_analog_offsets([0] * len(chans))
    pg, ag = w.point_group, w.analog_group
    _str_array(pg, "DESCRIPTIONS", "Point descriptions", [p[3] for p in pts])
    _str_array(ag, "DESCRIPTIONS", "Analog channel descriptions", [c[3] for c in chans])
    _str_array(ag, "UNITS", "Analog channel units", [c[2] for c in chans])
    man = w.get_create("MANUFACTURER")
    _str(man, "COMPANY", "Software maker", "footmat")
    _str(man, "SOFTWARE", "Software", "footmat")
    _str(man, "VERSION_LABEL", "Software version", str(__version__))
    person = sess.meta.get("person") if isinstance(sess.meta.get("person"), dict) else {}
    subj = w.get_create("SUBJECTS")
    subj.add("USED", "Number of subjects", 2, "<H", 1)
    _str_array(subj, "NAMES", "Subject names", [str(person.get("name") or "unknown")])
    fm = w.get_create("FOOTMAT")
    _str(fm, "STARTED_AT", "Session start, ISO 8601 UTC", str(sess.meta.get("started_at")))
    _str(fm, "DRILL", "Drill", str(sess.meta.get("drill")))
    _str(fm, "SESSION", "Session folder name", sf.folder.name)
    fm.add("COMPLETE", "1 if the session ended normally", 2, "<h", int(sf.complete))
    fm.add("FIRST_T_S", "Time of the first frame since STARTED_AT (s)", 4, "<f", float(sess.t_s[0]))
    fm.add("FRAMES", "Frames in the file", 4, "<I", n)

    frames = _FrameBlock([(sess.num[cx], sess.num[cy]) for _, cx, cy, _ in pts], [sess.num[c[1]] for c in chans])
    if fast and _FrameBlock.usable(w):
        w._frames = frames
    else:
        w.add_frames(list(frames))
    return w


class _FrameBlock:
    """All frames as the session's columns, standing in for c3d.Writer's list of (points, analog)
    pairs: the block writer converts them a chunk of frames at a time."""

    def __init__(self, points: list, analog: list):
        self.points, self.analog = points, analog     # [(x, y)] and [values]: float64 arrays of n
        self.n = len(points[0][0]) if points else len(analog[0])

    @staticmethod
    def usable(writer) -> bool:
        return isinstance(getattr(writer, "_frames", None), list) and hasattr(writer, "_write_frames_block")

    def __len__(self):
        return self.n

    def __bool__(self):
        return self.n > 0

    def __getitem__(self, i):
        """Frame ``i`` as the package takes it: points (P × 5: x, y, z, residual, cameras; residual
        −1 and x = y = 0 where the point is missing) and analog (A × 1), float32."""
        pts = np.zeros((len(self.points), 5), np.float32)
        for j, (x, y) in enumerate(self.points):
            if np.isfinite(x[i]) and np.isfinite(y[i]):
                pts[j, :2] = x[i], y[i]
            else:
                pts[j, 3] = -1.0
        return pts, np.array([a[i] for a in self.analog], np.float32).reshape(len(self.analog), 1)

    def __iter__(self):
        return (self[i] for i in range(self.n))

    def rows(self, a: int, b: int, inv_scales, offsets, out: np.ndarray) -> np.ndarray:
        """Frames ``a`` to ``b`` as the float format's words → ``out[:b - a]``: per point x, y, z and
        the residual word (0 valid; −1 missing, then x = y = 0), then the analog channels, each
        value * inv_scale + offset as c3d.Writer computes it (float32 in, float64 arithmetic)."""
        out = out[:b - a]
        for j, (x, y) in enumerate(self.points):
            xs, ys = x[a:b], y[a:b]
            ok = np.isfinite(xs) & np.isfinite(ys)
            out[:, 4 * j] = np.where(ok, xs, 0.0)
            out[:, 4 * j + 1] = np.where(ok, ys, 0.0)
            out[:, 4 * j + 2] = 0.0
            out[:, 4 * j + 3] = np.where(ok, 0.0, -1.0)
        base = 4 * len(self.points)
        for c, v in enumerate(self.analog):
            out[:, base + c] = v[a:b].astype(np.float32).astype(np.float64) * inv_scales[c] + offsets[c]
        return out


def _writer_class():
    """c3d.Writer with a block writer for :class:`_FrameBlock` frames."""
    import c3d

    class Writer(c3d.Writer):
        def _write_frames(self, handle):
            if not isinstance(self._frames, _FrameBlock):
                return super()._write_frames(handle)
            return self._write_frames_block(handle)

        def _write_frames_block(self, handle):
            # float format (POINT:SCALE < 0) as c3d.Writer writes it, a chunk of frames at a time
            if self.point_scale >= 0:
                raise ValueError("the block writer handles the float format only")
            fr = self._frames
            scales, offsets = self.get_analog_transform()
            inv, off = (1.0 / scales)[:, 0], offsets[:, 0]
            width = 4 * len(fr.points) + len(fr.analog)
            step = CHUNK_FRAMES
            buf = np.empty((min(step, len(fr)), width), "<f4")
            for a in range(0, len(fr), step):
                handle.write(fr.rows(a, min(len(fr), a + step), inv, off, buf))
            # Pad to the 512-byte block as the package does — unless the padding could hold a
            # whole frame: ezc3d (1.7.2) counts a long file's frames from its size and would read
            # that padding as one more (all-zero) frame.
            if (-handle.tell()) % 512 < width * 4:
                self._pad_block(handle)

    return Writer


def _ascii(text: str) -> str:
    """C3D strings are fixed-width bytes: non-ASCII characters become '?'."""
    return str(text).encode("ascii", "replace").decode("ascii")


def _str(group, name: str, desc: str, value: str) -> None:
    value = _ascii(value) or " "
    group.add_str(name, desc, value, len(value))


def _str_array(group, name: str, desc: str, values: list[str]) -> None:
    values = [_ascii(v) for v in values]
    width = max([1] + [len(v) for v in values])
    group.add_str(name, desc, "".join(v.ljust(width) for v in values), width, len(values))
