"""MCP3008 backend (``--backend mcp3008``): one MCP3008 on the Pi's SPI0 (CE0), read through
gpiozero's ``MCP3008`` — one device per sensor channel, ``raw_value`` (0..1023).

``raw_value`` and not ``value``/``voltage``: those are offset so that raw 0 does not map to 0
(HARDWARE.md). A 10-bit SAR converter has no conversion state to get stuck in; an SPI error
(``OSError``) is retried once, counted in ``spi_errors`` and leaves the channel NaN with
READ_ERROR. A chip without power or with a broken MISO wire reads 0 on every channel — SPI has
no acknowledge, so ``footmat check`` is what tells that apart.

The pin factory is passed in (``pin_factory=``; ``None`` lets gpiozero choose, lgpio on a Pi).
On x86 gpiozero's software SPI bus asks for the *default* factory too (HARDWARE.md), so while
the devices are built the factory passed in is also installed as the default, and the previous
default is restored afterwards.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .errors import DeviceClosed, LayoutError, SensorError
from .frames import Flag
from .sampler import Sampler

TOP_CODE = 1023
SPI_DEVICE = "/dev/spidev0.0"


class MCP3008Reader:
    """Reads every sensor's channel once per frame, in layout order."""

    def __init__(self, devices, clock, retries: int = 1, factory=None):
        self.devices = devices
        self.clock = clock
        self.retries = retries
        self.factory = factory
        self.counters = {"spi_errors": 0, "retries": 0}
        self._retried = False
        self.closed = False

    def _read(self, dev) -> float:
        tries = 0
        while True:
            try:
                return float(dev.raw_value)
            except OSError:
                self.counters["spi_errors"] += 1
                if tries >= self.retries:
                    raise
                tries += 1
                self.counters["retries"] += 1
                self._retried = True

    def read_frame(self):
        if self.closed:
            raise DeviceClosed("the MCP3008 reader is closed", "open the backend again")
        now = self.clock.now
        raw = np.empty(len(self.devices))
        flags = Flag(0)
        self._retried = False
        t0 = now()
        for i, dev in enumerate(self.devices):
            try:
                raw[i] = self._read(dev)
            except OSError:
                raw[i] = np.nan
                flags |= Flag.READ_ERROR
        if self._retried:
            flags |= Flag.RETRIED
        if np.nanmax(raw, initial=-1) >= TOP_CODE:
            flags |= Flag.SATURATED
        return raw, flags, 0.5 * (t0 + now())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for dev in self.devices:
            try:
                dev.close()
            except Exception:  # noqa: BLE001 - closing must not fail
                pass


def _spi_fallback_error(message: str) -> SensorError:
    if "ermission" in message:
        return SensorError(f"no permission to use {SPI_DEVICE}",
                           "add yourself to the spi and gpio groups: sudo adduser $USER spi; "
                           "sudo adduser $USER gpio, then log out and in again")
    return SensorError(f"SPI is not enabled ({SPI_DEVICE} cannot be opened: {message})",
                       "sudo raspi-config nonint do_spi 0, then reboot")


def open_mcp3008(layout, clock, rate_hz: float | None = None, pin_factory=None):
    """A :class:`~firmware.sampler.Sampler` reading the layout's MCP3008 channels (CH0..CH7).

    Errors (one line each, :class:`SensorError`): gpiozero finds no pin factory (not a Pi, or
    lgpio missing), SPI not enabled or not permitted, the SPI pins already in use.
    """
    if layout.adc.type != "mcp3008":
        raise LayoutError(f"layout {layout.name} is wired for {layout.adc.type} chips, not an MCP3008",
                          "use --backend ads1115, or a layout with [adc] type = \"mcp3008\"")
    try:
        from gpiozero import Device, MCP3008
        from gpiozero.exc import BadPinFactory, GPIOPinInUse, SPISoftwareFallback
        from gpiozero.pins.mock import MockFactory
    except ImportError as e:
        raise SensorError(f"gpiozero is not installed ({e})", "pip install gpiozero") from None
    previous = Device.pin_factory
    devices = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if pin_factory is not None and previous is None:
                Device.pin_factory = pin_factory
            for s in layout.sensors:
                devices.append(MCP3008(channel=s.index, max_voltage=layout.adc.vcc, pin_factory=pin_factory))
        factory = pin_factory or Device.pin_factory
        if not isinstance(factory, MockFactory):
            for w in caught:
                if issubclass(w.category, SPISoftwareFallback):
                    raise _spi_fallback_error(str(w.message))
    except BadPinFactory as e:
        _close_all(devices)
        raise SensorError(f"gpiozero found no way to use the GPIO pins ({e})",
                          "run on the Raspberry Pi (sudo apt install python3-lgpio; make the venv with "
                          "--system-site-packages), or use --backend sim") from None
    except GPIOPinInUse as e:
        _close_all(devices)
        raise SensorError(f"the SPI pins are already in use ({e})",
                          "stop the other program using GPIO 8-11, and keep [controls] pins off them") from None
    except PermissionError as e:
        _close_all(devices)
        raise SensorError(f"no permission to use the GPIO/SPI devices ({e})",
                          "add yourself to the gpio and spi groups: sudo adduser $USER gpio; "
                          "sudo adduser $USER spi, then log out and in again") from None
    except SensorError:
        _close_all(devices)
        raise
    except OSError as e:
        _close_all(devices)
        raise SensorError(f"cannot open the MCP3008 on SPI0 ({e})",
                          "check that SPI is enabled (raspi-config) and the chip is wired to CE0") from None
    finally:
        if pin_factory is not None and previous is None:
            Device.pin_factory = previous
    reader = MCP3008Reader(devices, clock, factory=pin_factory)
    rate = 200.0 if rate_hz is None else float(rate_hz)
    if math.isnan(rate):
        raise ValueError("rate_hz is NaN")
    return Sampler(reader, layout, clock, rate)


def _close_all(devices) -> None:
    for d in devices:
        try:
            d.close()
        except Exception:  # noqa: BLE001
            pass
