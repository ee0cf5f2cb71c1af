"""Wiring it together: the live loop, one drill from the command line, simulated set-ups (layer 6)."""
