"""Other people's files: exports (CSV, JSON, C3D) and force-plate recordings (layer 5)."""
