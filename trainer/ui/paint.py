"""The live view's painter: a :class:`~trainer.drills.status.ViewStatus` moved onto the scene's
artists (no drawing: :class:`trainer.ui.view.LiveView` draws what changed).

The markers and target move every frame; the discs, heel bars and load bar at most
:data:`LOAD_HZ`, the load figures at most :data:`TEXT_HZ`. Each foot's dot sits at that foot's
own CoP, its area growing with the foot's share of the weight; the ring is the spiral's zone on
a foot (a solid ring) or a reach drill's zone (dashed, filled while the CoP is in it). The
feedback level hides the person's own markers and load (``target``) and the target too
(``none``). A text that would not fit its place is made smaller, measured once per text.
"""
from __future__ import annotations

import time

import numpy as np

from trainer.ui.scene import COLORS, DISC_MM, FOOT_MS, FULL_SHARE, Scene

LOAD_HZ = 15.0        # the sensor discs and load bars (read at a glance; the markers and target move every frame)
TEXT_HZ = 2.0         # the load bar moves every frame; its figures change at most this often
#                       (a figure is read, not watched: twice a second, as a multimeter's display)
FEET = ("left", "right")


class Painter(Scene):
    """A :class:`~trainer.ui.scene.Scene` that a status moves (:meth:`update`); the view
    provides ``regions``, ``filters``' newest values (``_fed``), ``pause_requested`` and the
    bookkeeping attributes set in its constructor."""

    def update(self, st, path_xy=None) -> bool:
        """Move the artists to the status ``st`` (:class:`~trainer.drills.status.ViewStatus`; no
        drawing). Returns True when paused."""
        if not st.show_target:
            path_xy = None
        if self._path_drawn is not path_xy:
            same = (self._path_drawn is not None and path_xy is not None
                    and np.array_equal(self._path_drawn, path_xy))
            self._path_drawn = path_xy
            if not same:
                self.set_path(path_xy)
                self.regions.path_new = True   # drawn into the feet's cached background at the next frame
        zones = st.foot_zones
        if (zones is None) != (self._zones_drawn is None) or (zones is not None and any(
                not np.array_equal(zones[f], self._zones_drawn.get(f)) for f in zones)):
            self._zones_drawn = zones
            self.set_zones(zones)
            self.regions.path_new = True
        live = st.show_live
        fed, self._fed = self._fed, {}
        cop = fed.get("body", st.cop) if live else np.full(2, np.nan)
        self.drawn_cop = np.array(cop, float)
        self.move_trail(cop)
        finite = bool(np.all(np.isfinite(cop)))
        self.cop_dot.set_data(([cop[0]], [cop[1]]) if finite else ([], []))
        for f in FEET:
            foot = st.feet[f]
            xy = fed.get(f, foot.cop) if live else np.full(2, np.nan)
            self.drawn_feet[f] = np.array(xy, float)
            dot = self.foot_dots[f]
            if np.all(np.isfinite(xy)) and np.isfinite(foot.share):
                dot.set_data(([xy[0]], [xy[1]]))
                share = float(np.clip(foot.share, 0.0, 1.0))
                ms = round((FOOT_MS[0] + (FOOT_MS[1] - FOOT_MS[0]) * np.sqrt(share)) * self._scale, 1)
                if ms != dot.get_markersize():
                    dot.set_markersize(ms)
            else:
                dot.set_data(([], []))
        tg = st.target
        self.target_dot.set_data(([tg[0]], [tg[1]]) if np.all(np.isfinite(tg)) else ([], []))
        small = st.ring is not None and st.ring.foot is not None      # the body's target: the compact summary
        if self.target_dot.get_markersize() != (14 if small else 26) * self._scale:
            self.target_dot.set_markersize((14 if small else 26) * self._scale)
            self.target_dot.set_markeredgewidth((3 if small else 5) * self._scale)
        self._set_ring(st.ring)
        state = st.state
        state_changed = state != self._last_state
        self._last_state = state
        now = time.perf_counter()
        loads_due = now - self._load_t >= 1.0 / LOAD_HZ or state_changed
        self._set_overlay(st)
        self._set_counter(st)
        if loads_due:
            self._load_t = now
            self._set_loads(st, live)
        # the figures change at most TEXT_HZ (a new figure is rendered once)
        if state_changed or now - self._text_t[0] >= 1.0 / TEXT_HZ:
            self._text_t[0] = now
            v = st.left_pct if live else float("nan")
            ok = np.isfinite(v)
            self.bar_text[0].set_text(f"{v:.0f} %" if ok else "")
            self.bar_text_b[0].set_text(f"{100 - v:.0f} %" if ok else "")
        goal = st.share_target_pct
        if goal != self._goal_drawn:
            self._goal_drawn = goal
            self.bar_goal.set_data(([goal], [self.bar_y[0] + self.bar_half + 0.07]) if goal is not None else ([], []))
        self.note.set_text("holding on" if st.holding_on else "")
        return state == "paused"

    def _set_ring(self, ring) -> None:
        key = None if ring is None else (tuple(np.round(ring.xy, 2)), round(float(ring.radius_mm), 2), ring.foot,
                                         ring.inside, self._scale)
        if key == self._ring_key:
            return                      # unchanged: the patch's transforms are not rebuilt
        self._ring_key = key
        if ring is None:
            self.ring.set_visible(False)
            return
        self.ring.set_visible(True)
        self.ring.set_center((float(ring.xy[0]), float(ring.xy[1])))
        self.ring.set_radius(float(ring.radius_mm))
        on_foot = ring.foot is not None        # the spiral's ring on a foot; else a reach drill's zone
        self.ring.set_linewidth((5 if on_foot else 2.5) * self._scale)
        self.ring.set_linestyle("-" if on_foot else (0, (4, 2)))
        self.ring.set_facecolor((0.0, 0.62, 0.45, (0.35 if ring.inside else 0.0 if on_foot else 0.12)))

    def _set_overlay(self, st) -> None:
        """Paused / stepped off / done take over the feet; the cue band says it too."""
        state, band = st.state, COLORS["band"]
        finite = bool(np.all(np.isfinite(st.cop)))
        stepped_off = state == "waiting" and not (np.isfinite(st.total_n) and st.total_n > 0 and finite)
        key = (state, self.pause_requested, st.score if state == "done" else None, stepped_off, st.cue, st.hint,
               self._scale, self.fig.bbox.width)
        if key == getattr(self, "_overlay_key", None):
            return                      # the same words and colours as the last frame: nothing to set
        self._overlay_key = key
        if state == "paused":
            # the engine decides the state; the view says how to leave it
            how = "press space\nto continue" if self.pause_requested else "step back on\nto continue"
            self._overlay("PAUSED\n" + how, COLORS["overlay"])
            band = COLORS["paused"]
        elif state == "done":
            score = "" if st.score is None else f"\nscore {st.score:.0f}"
            self._overlay("DONE" + score, COLORS["done"])
            band = COLORS["done"]
        elif stepped_off:
            self._overlay("STEP ON", COLORS["overlay"])
        else:
            self.overlay.set_visible(False)
            self.overlay_text.set_text("")
        self.overlay_text.set_fontsize(40 * self._scale * (0.7 if "\n" in self.overlay_text.get_text() else 1.0))
        self.band.set_facecolor(band)
        self.cue.set_text(st.cue)
        self.hint.set_text(st.hint)
        dark = band == COLORS["done"]
        self.cue.set_color("white" if dark else COLORS["text"])
        self.hint.set_color("white" if dark else (COLORS["text"] if band != COLORS["band"] else COLORS["muted"]))
        self.cue.set_fontsize(self.fit_width(self.cue, self.cue_base * self._scale, self.fig.bbox.width * 0.97))

    def _overlay(self, text: str, color: str) -> None:
        self.overlay.set_visible(True)
        self.overlay.set_facecolor(color)
        self.overlay_text.set_text(text)

    def fit_width(self, artist, size: float, width_px: float) -> float:
        """``size`` (points), or less when ``artist``'s text at ``size`` is wider than ``width_px``:
        measured once per text and size."""
        key = (artist.get_text(), round(size, 2), round(width_px))
        cache = self._fit
        if key not in cache:
            artist.set_fontsize(size)
            w = artist.get_window_extent(self.fig.canvas.get_renderer()).width if key[0] else 0.0
            cache[key] = size if w <= width_px else size * width_px / w
            if len(cache) > 500:
                cache.pop(next(iter(cache)))
        return cache[key]

    def _set_counter(self, st) -> None:
        c = st.counter
        self.counter_label.set_text(c.label)
        self.counter_value.set_text(c.value)
        self.counter_detail.set_text(c.detail)
        x0, _, w, _ = self.info_rect
        for artist, base in ((self.counter_value, self.value_base), (self.counter_detail, self.detail_base)):
            artist.set_fontsize(self.fit_width(artist, base * self._scale, w * self.fig.bbox.width * 0.95))
        px0, py0, pw, ph = self.progress_rect
        show = c.progress is not None and c.beat is None
        self.progress_track.set_visible(show)
        self.progress_fill.set_visible(show)
        self.progress_fill.set_width(pw * float(np.clip(c.progress, 0, 1)) if show else 0.0)
        beat = None if c.beat is None else tuple(c.beat)
        if beat != getattr(self, "_beat_drawn", False):       # the beat's dots change at its beats
            self._beat_drawn = beat
            if beat is not None:
                now_i, n = beat
                xs = px0 + pw * (np.arange(n) + 0.5) / n
                y = py0 + ph / 2
                self.beat_dots.set_data(xs, np.full(n, y))
                self.beat_now.set_data(([xs[now_i]], [y]) if 0 <= now_i < n else ([], []))
            else:
                self.beat_dots.set_data([], [])
                self.beat_now.set_data([], [])

    def _set_loads(self, st, live: bool) -> None:
        """The discs (filled area by the sensor's share of the load), the heel bars and the load bar."""
        total = st.total_n
        if live and st.forces is not None and np.isfinite(total) and total > 1.0:
            share = np.clip(np.nan_to_num(np.asarray(st.forces, float)) / (FULL_SHARE * total), 0.0, 1.0)
        else:
            share = np.zeros(len(self.disc_r))
        self.disc_r = DISC_MM * np.sqrt(share)
        self.discs.set_widths(2 * self.disc_r)
        self.discs.set_heights(2 * self.disc_r)
        heel = [st.heel_pct_left, st.heel_pct_right] if live else [float("nan")] * 2
        px = max(self.regions.px_per_mm() * self.layout.foot_length_mm / 100, 1e-6)
        heel = [round(v * px) / px if np.isfinite(v) else float("nan") for v in heel]
        if heel != self.heel_values and not (np.all(np.isnan(heel)) and np.all(np.isnan(self.heel_values))):
            self.heel_values = heel
            self.heel_polys.set_verts(self.heel_verts(heel))
        # the bar moves in whole pixels (a tenth of a per cent is below what the eye sees)
        v = st.left_pct if live else float("nan")
        px_per_pct = max(self.bax.bbox.width / 100.0, 1e-6)
        vals = [round(v * px_per_pct) / px_per_pct if np.isfinite(v) else float("nan")]
        if vals != self.bar_values and not (np.isnan(vals[0]) and np.isnan(self.bar_values[0])):
            self.bar_values = vals
            self.bar_polys.set_verts(self.bar_verts(vals))
            rgba = self._bar_rgba.copy()
            rgba[:, 3] = 1.0 if np.isfinite(vals[0]) else 0.3
            self.bar_polys.set_facecolor(rgba)

