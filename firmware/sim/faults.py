"""Faults injected into the simulated mat: a sensor open, shorted or noisy, a chip stuck or
absent, failing bus transactions, two sensors' wires swapped (``footmat check --sim-fault``,
``--sim-i2c-errors``, ``--sim-swap``: the tests of the diagnosis).

Sensor faults are the mat's own (``SimMat.faults``); chip faults and bus failures are set on the
simulated chips and bus by :func:`chip_faults_hook`, the ``prepare`` hook of
:func:`firmware.sim.backend.open_sim`; a swap wraps the mat in :class:`SwappedMat`.
"""
from __future__ import annotations

from firmware.errors import UsageError

from .i2c import RandomFailures

SENSOR_FAULTS = ("open", "short", "noisy")
CHIP_FAULTS = ("stuck", "absent")


class SwappedMat:
    """The simulated mat with two sensors' wires swapped (sensor ``i`` reads ``perm[i]``)."""

    def __init__(self, mat, perm):
        self._mat = mat
        self._perm = perm

    def voltage(self, i, t):
        return self._mat.voltage(self._perm[i], t)

    def __getattr__(self, name):
        return getattr(self._mat, name)


def sensor_index(layout, name: str) -> int:
    """The index of sensor ``name`` in the layout (a one-line UsageError when there is none)."""
    names = layout.names
    if name in names:
        return names.index(name)
    raise UsageError(f"no sensor {name!r} in layout {layout.name}", f"use one of: {', '.join(names)}")


def parse_faults(items, layout) -> tuple[dict[int, str], dict[int, str]]:
    """``WHAT=KIND`` items → ({sensor index: kind}, {chip address: kind}).

    WHAT is a sensor name (KIND one of :data:`SENSOR_FAULTS`), a chip address such as ``0x49``
    or ``chip`` (the MCP3008; KIND one of :data:`CHIP_FAULTS`).
    """
    sensor_faults, chip_faults = {}, {}
    for item in items:
        what, sep, kind = item.partition("=")
        if not sep:
            raise UsageError(f"--sim-fault {item!r} is not WHAT=KIND", "e.g. --sim-fault left_heel=open")
        if what.lower().startswith("0x") or what == "chip":
            if kind not in CHIP_FAULTS:
                raise UsageError(f"chip fault {kind!r} is unknown", f"use one of {', '.join(CHIP_FAULTS)}")
            addr = 0 if what == "chip" else int(what, 16)
            chip_faults[addr] = kind
        else:
            if kind not in SENSOR_FAULTS:
                raise UsageError(f"sensor fault {kind!r} is unknown", f"use one of {', '.join(SENSOR_FAULTS)}")
            sensor_faults[sensor_index(layout, what)] = kind
    return sensor_faults, chip_faults


def swapped(mat, layout, pair: str) -> SwappedMat:
    """The mat with the two sensors named in ``pair`` (``"A,B"``) swapped."""
    a, _, b = pair.partition(",")
    ia, ib = sensor_index(layout, a.strip()), sensor_index(layout, b.strip())
    perm = list(range(len(layout.sensors)))
    perm[ia], perm[ib] = ib, ia
    return SwappedMat(mat, perm)


def chip_faults_hook(chip_faults: dict[int, str], i2c_error_pct: float = 0.0, seed: int = 1):
    """The ``prepare(bus_or_chip)`` hook of ``open_sim`` that breaks the chips before they are set up:
    each chip of ``chip_faults`` stuck or absent, and (I2C) ``i2c_error_pct`` % of the bus
    transactions failing."""

    def prepare(bus_or_chip):
        devices = getattr(bus_or_chip, "devices", None)     # the FakeI2C, or the one SimMCP3008
        for addr, kind in chip_faults.items():
            if devices is None:
                chip = bus_or_chip
            elif addr in devices:
                chip = devices[addr]
            else:
                raise UsageError(f"no simulated chip at 0x{addr:02x}",
                                 f"the layout's chips are {', '.join(f'0x{a:02x}' for a in devices)}")
            setattr(chip, kind, True)
        if devices is not None and i2c_error_pct:
            bus_or_chip.fail = RandomFailures(i2c_error_pct / 100.0, seed=seed)

    return prepare
