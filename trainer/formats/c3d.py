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

    The metadata is set through ``c3d.Writer``; with ``fast`` the frames go out as one array
    (the package writes them one at a time: ~30 s for an hour at 200 Hz) — byte for byte the
    same file, which tests/trainer/formats/test_export.py checks against ``fast=False``.
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

    P = np.zeros((n, len(pts), 5), np.float32)
    for j, (_, cx, cy, _) in enumerate(pts):
        x, y = sess.num[cx], sess.num[cy]
        ok = np.isfinite(x) & np.isfinite(y)
        P[:, j, 0] = np.where(ok, x, 0.0)
        P[:, j, 1] = np.where(ok, y, 0.0)
        P[:, j, 3] = np.where(ok, 0.0, -1.0)
    A = np.empty((n, len(chans), 1), np.float32)
    for j, (_, col, _, _) in enumerate(chans):
        A[:, j, 0] = sess.num[col]
    if fast and _FrameBlock.usable(w):
        w._frames = _FrameBlock(P, A)
    else:
        w.add_frames(list(zip(P, A)))
    return w


class _FrameBlock:
    """All frames as arrays, standing in for c3d.Writer's list of (points, analog) pairs."""

    def __init__(self, points, analog):
        self.points, self.analog = points, analog     # (n, P, 5) and (n, A, 1) float32

    @staticmethod
    def usable(writer) -> bool:
        return isinstance(getattr(writer, "_frames", None), list) and hasattr(writer, "_write_frames_block")

    def __len__(self):
        return len(self.points)

    def __bool__(self):
        return len(self.points) > 0

    def __getitem__(self, i):
        return self.points[i], self.analog[i]

    def __iter__(self):
        return zip(self.points, self.analog)


def _writer_class():
    """c3d.Writer with a block writer for :class:`_FrameBlock` frames."""
    import c3d

    class Writer(c3d.Writer):
        def _write_frames(self, handle):
            if not isinstance(self._frames, _FrameBlock):
                return super()._write_frames(handle)
            return self._write_frames_block(handle)

        def _write_frames_block(self, handle):
            # float format (POINT:SCALE < 0) as c3d.Writer writes it: x, y, z, then the
            # residual/camera word as a float (-1 = invalid, 0 = valid, residual 0, no camera)
            if self.point_scale >= 0:
                raise ValueError("the block writer handles the float format only")
            fr = self._frames
            n = len(fr)
            pts = fr.points[:, :, :4].copy()
            valid = pts[:, :, 3] >= 0
            pts[:, :, 3] = np.where(valid, np.rint(pts[:, :, 3] / abs(self.point_scale)), -1.0)
            scales, offsets = self.get_analog_transform()
            ana = fr.analog * (1.0 / scales)[None] + offsets[None]
            rows = np.concatenate([pts.reshape(n, -1), np.swapaxes(ana, 1, 2).reshape(n, -1)], axis=1)
            step = 1 << 16
            for a in range(0, n, step):
                handle.write(rows[a:a + step].astype("<f4").tobytes())
            # Pad to the 512-byte block as the package does — unless the padding could hold a
            # whole frame: ezc3d (1.7.2) counts a long file's frames from its size and would read
            # that padding as one more (all-zero) frame.
            if (-handle.tell()) % 512 < rows.shape[1] * 4:
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
