"""footmat's trainer: CoP, drills, scoring, sessions, live view, reports and the command line."""
__version__ = "0.1.0"
