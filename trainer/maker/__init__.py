"""Building the mat: the placement template and the wiring (layer 5)."""
