"""The words a person reads for a drill's figures: a human name and a unit for each summary key,
the three or four figures that matter for each drill, and the full list for an appendix.

The keys themselves stay in ``session.json`` and ``--json``; only what is shown to a person goes
through here (the report, the summary printed after a drill, the routine's summary).
"""
from __future__ import annotations

import math

# summary key -> (human name, unit); unit "" for counts and words
NAMES: dict[str, tuple[str, str]] = {
    "score": ("score", "/100"),
    "reach_mm": ("size of the loop (reach used)", "mm"),
    "share_pct": ("weight asked on the working foot", "%"),
    "left_pct": ("weight on the left foot", "%"),
    "right_pct": ("weight on the right foot", "%"),
    "heel_pct_left": ("left foot: weight on the heel", "%"),
    "heel_pct_right": ("right foot: weight on the heel", "%"),
    "asymmetry_pp": ("difference left to right", "points"),
    "asymmetry_flag": ("uneven stance flagged", ""),
    "load_pct_body_weight": ("weight the mat carried", "% of body weight"),
    "ellipse95_area_mm2": ("sway area (95 % ellipse)", "mm²"),
    "mean_velocity_mm_s": ("sway speed", "mm/s"),
    "mean_power_frequency_hz": ("sway rhythm (mean power frequency)", "Hz"),
    "path_length_mm": ("sway path length", "mm"),
    "mean_distance_mm": ("mean distance from the centre", "mm"),
    "rms_distance_mm": ("typical distance from the centre (RMS)", "mm"),
    "rms_x_mm": ("side-to-side sway (RMS)", "mm"),
    "rms_y_mm": ("front-to-back sway (RMS)", "mm"),
    "range_x_mm": ("side-to-side range", "mm"),
    "range_y_mm": ("front-to-back range", "mm"),
    "sway_area_per_s_mm2_s": ("area swept per second", "mm²/s"),
    "mean_frequency_hz": ("mean sway frequency", "Hz"),
    "mean_frequency_x_hz": ("side-to-side sway frequency", "Hz"),
    "mean_frequency_y_hz": ("front-to-back sway frequency", "Hz"),
    "mean_distance_x_mm": ("mean side-to-side distance", "mm"),
    "mean_distance_y_mm": ("mean front-to-back distance", "mm"),
    "mean_velocity_x_mm_s": ("side-to-side sway speed", "mm/s"),
    "mean_velocity_y_mm_s": ("front-to-back sway speed", "mm/s"),
    "sway_duration_s": ("time the sway was measured over", "s"),
    "sway_n_excluded": ("samples left out of the sway", ""),
    "paused_s": ("time paused", "s"),
    "pauses": ("pauses", ""),
    "holding_on_events": ("times you seemed to hold on", ""),
    "end": ("how it ended", ""),
    "frames": ("samples recorded", ""),
    "axis": ("direction of the shifts", ""),
    "mean_directional_control_pct": ("how straight you moved (directional control)", "%"),
    "mean_rhythm_error_ms": ("how far off the beat", "ms"),
    "mean_on_axis_velocity_mm_s": ("speed along the line", "mm/s"),
    "hits": ("targets reached", ""),
    "successes": ("targets held", ""),
    "crossings": ("times you crossed out of a target", ""),
    "gaps": ("gaps in the recording", ""),
    "biodex_score": ("share of targets held", "(0-1)"),
    "hold_s": ("hold asked", "s"),
    "mean_reaction_time_s": ("time to start moving", "s"),
    "mean_movement_velocity_mm_s": ("lean speed", "mm/s"),
    "mean_max_excursion_mm": ("mean furthest lean", "mm"),
    "reps_total": ("raises counted", ""),
    "rejected_total": ("raises not counted", ""),
    "tempo_s": ("beat", "s"),
    "lr_asymmetry": ("difference left to right at the top", "points"),
    "count": ("holds counted", ""),
    "mean_hold_s": ("mean hold", "s"),
    "foot": ("standing foot", ""),
    "held_s": ("time held", "s"),
    "capped": ("stopped at the time limit", ""),
    "lifted": ("other foot lifted", ""),
    "touched_down": ("other foot touched down", ""),
    "max_time_s": ("time limit", "s"),
    "lift_at_s": ("foot lifted after", "s"),
    "standing_foot_load_pct": ("weight on the standing foot", "%"),
    "reach_saved": ("reach saved for you", ""),
    "level": ("level", ""),
}

# the three or four figures that tell a person how a drill went (the printed summary, the report)
HEADLINE: dict[str, tuple[str, ...]] = {
    "spiral": ("score", "reach_mm", "share_pct"),
    "shift-lr": ("mean_directional_control_pct", "mean_rhythm_error_ms", "hits", "successes"),
    "shift-ap": ("mean_directional_control_pct", "mean_rhythm_error_ms", "hits", "successes"),
    "limits": ("mean_max_excursion_mm", "mean_directional_control_pct", "mean_reaction_time_s", "hits"),
    "stance": ("left_pct", "asymmetry_pp", "mean_velocity_mm_s", "ellipse95_area_mm2"),
    "heel-raises": ("reps_total", "rejected_total", "tempo_s", "lr_asymmetry"),
    "toe-press": ("count", "mean_hold_s", "hold_s"),
    "one-leg": ("held_s", "mean_velocity_mm_s", "ellipse95_area_mm2"),
}

# not shown in the appendix: bookkeeping, or shown otherwise (feedback on top, notes)
HIDDEN = {"feedback", "note", "reach_note", "frames"}


def human_name(key: str) -> tuple[str, str]:
    """(name, unit) of a summary key; an unknown key is written with spaces, its unit from its ending."""
    if key in NAMES:
        return NAMES[key]
    for suf, unit in (("_mm2_s", "mm²/s"), ("_mm2", "mm²"), ("_mm_s", "mm/s"), ("_mm", "mm"), ("_pct", "%"),
                      ("_ms", "ms"), ("_hz", "Hz"), ("_s", "s"), ("_n", "N"), ("_deg", "°")):
        if key.endswith(suf):
            return key[: -len(suf)].replace("_", " "), unit
    return key.replace("_", " "), ""


def value_text(v, unit: str = "") -> str:
    """A value as a person reads it: yes/no, rounded sensibly, with its unit."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        a = abs(v)
        txt = f"{v:.0f}" if a >= 100 or float(v).is_integer() else f"{v:.1f}" if a >= 1 else f"{v:.2f}"
    else:
        txt = str(v)
    if not unit:
        return txt
    return f"{txt} {unit}" if not unit.startswith("/") else f"{txt}{unit}"


def figure_line(key: str, v) -> str:
    name, unit = human_name(key)
    return f"{name}: {value_text(v, unit)}"


SIGNED_LEFT_MINUS_RIGHT = {"lr_asymmetry"}      # summary figures that are left minus right


def headline_figures(drill: str, summary: dict) -> list[tuple[str, str]]:
    """The drill's three or four figures that exist in ``summary``: [(name, value with unit)]."""
    out = []
    for k in HEADLINE.get(drill, ("score",)):
        if k in summary and not isinstance(summary[k], (dict, list)):
            name, unit = human_name(k)
            v = summary[k]
            if k in SIGNED_LEFT_MINUS_RIGHT and isinstance(v, (int, float)) and v:
                # unsigned, as the stance and history say it, with the side that carried more
                out.append((name, f"{value_text(abs(v), unit)}, more on the {'left' if v > 0 else 'right'}"))
                continue
            out.append((name, value_text(v, unit)))
    if drill == "limits" and isinstance(summary.get("reach_mm"), dict) and summary["reach_mm"]:
        out.append(("directions measured", str(len(summary["reach_mm"]))))
    return out[:4]


def appendix_lines(summary: dict) -> list[str]:
    """Every scalar figure of the summary with its human name and unit (the report's appendix)."""
    out = []
    for k, v in summary.items():
        if k in HIDDEN or isinstance(v, (dict, list)):
            continue
        out.append(figure_line(k, v))
    return out


def feedback_of(summary: dict) -> str | None:
    fb = summary.get("feedback")
    if isinstance(fb, list):
        fb = " ".join(str(s) for s in fb)
    return fb.strip() if isinstance(fb, str) and fb.strip() else None


# what each drill tells a person, in words (``footmat drills``); the technical list stays in --json
TELLS: dict[str, str] = {
    "spiral": "how closely you follow the loop from heel to toes on each foot, how far you move "
              "your weight across, how smoothly, and a score out of 100 for each loop",
    "shift-lr": "how straight and how far you move your weight from side to side, and how well you "
                "keep to the beat at each pace",
    "shift-ap": "how straight and how far you move your weight forwards and back, and how well you "
                "keep to the beat at each pace",
    "limits": "how far you can lean in each of 8 directions, how quickly you start and how straight you "
              "go; it saves your reach, which sizes the targets of the other drills",
    "stance": "how your weight is shared between your feet and between heel and front of each foot, "
              "and how much you sway; an uneven stance is pointed out",
    "heel-raises": "how many raises you did in each set, how evenly and slowly, and how high your heels "
                   "came off",
    "toe-press": "how many toe presses you held, for how long, and how hard the toes pressed",
    "one-leg": "how long you stood on one foot and how much that foot swayed",
}
