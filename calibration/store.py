"""The calibration: per-sensor tare, gain and part scale on a shared FSR shape (model.py), as a
versioned JSON file (version 2; version 1 files, gain only, still load with scale 1).

A calibration belongs to the mat (its layout), records who calibrated it and when, and carries
its fit and validation figures. It is written atomically and refused with one line when it is
corrupt, from a future version, or for another layout.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from firmware.errors import CalibrationError
from firmware.fileio import atomic_write_json

from .model import coefficients, conductance_s, datasheet_shape, sensor_force

VERSION = 2


@dataclass
class Calibration:
    layout_name: str
    sensor_names: list[str]
    shape: tuple[float, float, float]          # a, b, p of F = gain·(a·g + b·g^p), g in mS
    gain: np.ndarray                           # (S,)
    tare_s: np.ndarray                         # (S,) conductance when unloaded (S)
    noise_codes: np.ndarray                    # (S,) raw-code noise floor when unloaded
    created_at: str = ""
    calibrated_by: str | None = None
    method: str = "nominal"
    fit: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    layout: dict | None = None
    scale: np.ndarray | None = None            # (S,) part conductance scale (1 = nominal part)

    def __post_init__(self):
        if self.scale is None:
            self.scale = np.ones(len(self.sensor_names))

    def forces(self, raw: np.ndarray, layout) -> np.ndarray:
        """Force (n, S) in N from raw codes (n, S); NaN where a channel was not read."""
        g = (conductance_s(raw, layout) - self.tare_s) * 1e3
        return sensor_force(g, self.gain, self.scale, self.shape)

    def to_dict(self) -> dict:
        return {
            "version": VERSION,
            "layout_name": self.layout_name,
            "created_at": self.created_at,
            "calibrated_by": self.calibrated_by,
            "method": self.method,
            "model": {"form": "F = gain * (a*x + b*x^p), x = g/scale, g = tared FSR conductance in mS "
                              "(= alpha*g + beta*g^p per sensor)",
                      "a": self.shape[0], "b": self.shape[1], "p": self.shape[2]},
            "sensors": [{"name": n, "gain": float(g), "scale": float(c), "alpha": float(al), "beta": float(be),
                         "tare_s": float(t), "noise_codes": float(z)}
                        for n, g, c, al, be, t, z in zip(self.sensor_names, self.gain, self.scale,
                                                         *coefficients(self.gain, self.scale, self.shape)[:2],
                                                         self.tare_s, self.noise_codes)],
            "fit": self.fit,
            "validation": self.validation,
            "layout": self.layout,
        }

    def save(self, path) -> None:
        atomic_write_json(path, _finite(self.to_dict()))


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, np.generic):
        return _finite(obj.item())
    return obj


def nominal(layout, calibrated_by: str | None = None) -> Calibration:
    """A calibration from the FSR datasheet alone: gain 1, no tare beyond the bleed resistor.
    What `--backend sim` uses when no calibration file exists."""
    n = len(layout.sensors)
    return Calibration(layout.name, layout.names, datasheet_shape(), np.ones(n), np.zeros(n), np.zeros(n),
                       datetime.now(timezone.utc).isoformat(timespec="milliseconds"), calibrated_by,
                       "nominal (datasheet curve, not fitted to this mat)", layout=layout.to_dict())


def from_dict(d, layout, source: str = "<calibration>") -> Calibration:
    """Validate a calibration mapping against ``layout``."""
    where = str(source)
    if not isinstance(d, dict):
        raise CalibrationError(f"calibration {where} is not a JSON object", "run footmat calibrate again")
    v = d.get("version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        raise CalibrationError(f"calibration {where} has no version", "run footmat calibrate again")
    if v > VERSION:
        raise CalibrationError(f"calibration {where} is version {v}, newer than this footmat ({VERSION})",
                               "upgrade footmat or calibrate again")
    if d.get("layout_name") != layout.name:
        raise CalibrationError(f"calibration {where} is for layout {d.get('layout_name')!r}, not {layout.name!r}",
                               "pass the matching --layout, or calibrate this mat: footmat calibrate")
    try:
        m = d["model"]
        shape = (float(m["a"]), float(m["b"]), float(m["p"]))
        sensors = d["sensors"]
        names = [s["name"] for s in sensors]
        gain = np.array([float(s["gain"]) for s in sensors])
        scale = np.array([float(s.get("scale", 1.0)) for s in sensors])
        tare = np.array([float(s["tare_s"]) for s in sensors])
        noise = np.array([float(s.get("noise_codes", 0.0)) for s in sensors])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CalibrationError(f"calibration {where} is incomplete ({e.__class__.__name__}: {e})",
                               "run footmat calibrate again") from None
    if names != layout.names:
        raise CalibrationError(f"calibration {where} has sensors {names}, the layout {layout.names}",
                               "calibrate this mat again: footmat calibrate")
    vals = np.concatenate([gain, scale, tare, noise, shape])
    if not np.all(np.isfinite(vals)) or np.any(gain < 0) or np.any(scale <= 0) or shape[0] < 0 or shape[1] < 0 or not 1 <= shape[2] <= 8:
        raise CalibrationError(f"calibration {where} has values out of range", "run footmat calibrate again")
    return Calibration(layout.name, names, shape, gain, tare, noise, str(d.get("created_at", "")),
                       d.get("calibrated_by"), str(d.get("method", "")), d.get("fit") or {},
                       d.get("validation") or {}, d.get("layout"), scale)


def load(path, layout) -> Calibration:
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        raise CalibrationError(f"calibration file not found: {str(p)!r}", "check the path, or run footmat calibrate")
    try:
        d = json.loads(p.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CalibrationError(f"calibration {p.name} is not valid JSON ({e.__class__.__name__})",
                               "run footmat calibrate again (the file was not changed)") from None
    return from_dict(d, layout, p.name)
