"""What a person sees and hears: the live view, its display filter, the report (layer 5)."""
