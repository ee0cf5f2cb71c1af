"""The one error hierarchy of footmat.

Every error a user can cause or meet (a bad file, a missing chip, a wrong option) is a
:class:`FootmatError`. Each subclass also inherits the matching built-in exception, so code that
catches ``ValueError`` or ``OSError`` keeps working. The command line prints ``str(error)``
on one line and exits 2; the message says what is wrong, the value, and the fix.
"""
from __future__ import annotations


class FootmatError(Exception):
    """Base class. ``fix`` is the advice appended to the one-line message."""

    exit_code = 2

    def __init__(self, what: str, fix: str | None = None):
        self.what = what
        self.fix = fix
        super().__init__(what if not fix else f"{what} — {fix}")


class UsageError(FootmatError, ValueError):
    """A command-line option or argument that cannot be used."""


class LayoutError(FootmatError, ValueError):
    """A layout file that is missing, malformed or inconsistent."""


class CalibrationError(FootmatError, ValueError):
    """A calibration that is missing, corrupt, for another layout, or ill-conditioned."""


class DataFileError(FootmatError, ValueError):
    """A session, person, routine or external recording that cannot be read."""


class SensorError(FootmatError, OSError):
    """The mat's hardware: a chip missing, a bus not enabled, a read that failed."""


class ConversionTimeout(SensorError, TimeoutError):
    """An ADC conversion that did not finish before its deadline."""


class DeviceClosed(FootmatError, RuntimeError):
    """An operation on a backend or device after ``close()``."""
