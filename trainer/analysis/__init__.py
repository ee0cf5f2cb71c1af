"""Pure functions on CoP series: sway, the Quijoux pipeline, tracking measures (layer 3)."""
