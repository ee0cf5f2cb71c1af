"""The layers of footmat, written once (ARCHITECTURE.md): tests/test_layers.py holds the code's
imports against this table.

A module belongs to the longest package of ``PACKAGES`` it lies in, or is one of ``MODULES``.
It may import its own package, any package on a lower layer, and a package on its own layer
only where ``ARROWS`` says so. Nothing may import in a circle.
"""

PACKAGES = {
    "firmware": 0,            # buses, chips, pins, the sampler, the simulated mat
    "calibration": 1,         # raw codes -> newtons
    "trainer.estimate": 2,    # newtons -> where the weight is
    "trainer.analysis": 3,    # pure functions on CoP series
    "trainer.sessions": 4,    # what is kept
    "trainer.drills": 4,      # what to do and how well
    "trainer.formats": 5,     # other people's files
    "trainer.ui": 5,          # what a person sees and hears
    "trainer.maker": 5,       # building the mat
    "trainer.store": 5,       # the session index in SQLite or PostgreSQL, and sync with a clinic
    "trainer.app": 6,         # wiring it together
    "trainer.web": 6,         # `footmat serve`: the coach's web view, its API and the live mirror
    "trainer.bench": 7,       # `footmat bench` sections
    "trainer.commands": 7,    # argparse and run() only
}

# Single modules outside those packages (the package ``trainer`` itself is not a layer).
MODULES = {
    "trainer": 0,             # __init__: the version
    "trainer.layers": 0,      # this table
    "trainer.cli": 7,         # the `footmat` command: the registry of sub-commands
}

# Imports allowed between siblings on one layer: (importer, imported).
ARROWS = {
    ("trainer.ui", "trainer.drills"),        # the view draws the engine's snapshot and targets
    ("trainer.ui", "trainer.sessions"),      # the report reads a session
    ("trainer.formats", "trainer.sessions"), # exports read the session folder
    ("trainer.store", "trainer.formats"),    # a session's identity and uploads read its files
    ("trainer.web", "trainer.app"),          # serve shows the programme and renders reports
    ("trainer.cli", "trainer.commands"),     # the command registry and its commands
    ("trainer.commands", "trainer.bench"),   # `footmat bench` runs the bench sections
    ("trainer.bench", "trainer.cli"),        # the first-frame section times `footmat demo` in a child
}


def group_of(module: str) -> str | None:
    """The package (or single module) of ``module`` in the table, or None."""
    if module in MODULES:
        return module
    best = None
    for p in PACKAGES:
        if (module == p or module.startswith(p + ".")) and (best is None or len(p) > len(best)):
            best = p
    return best


def layer_of(group: str) -> int:
    return MODULES[group] if group in MODULES else PACKAGES[group]
