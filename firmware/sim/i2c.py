"""A fake I2C bus with the methods the Adafruit stack needs (HARDWARE.md), carrying simulated
chips. The real `adafruit_ads1x15` / `adafruit_bus_device` code runs against it unchanged.

With ``timing=True`` every transaction holds the bus for its wire time (9 clocks a byte plus
start/stop) at ``khz`` on the given clock: a real clock really waits, a virtual clock advances.
"""
from __future__ import annotations

import errno
import threading


class SimChip:
    """What a device on the fake bus must offer."""

    def write(self, data: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, n: int) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


class FakeI2C:
    """An I2C bus object (try_lock/unlock/writeto/readfrom_into/writeto_then_readfrom/scan)."""

    def __init__(self, clock=None, khz: int = 400, timing: bool = False):
        self.devices: dict[int, SimChip] = {}
        self.clock = clock
        self.khz = khz
        self.timing = timing and clock is not None
        self._lock = threading.Lock()
        self.transactions = 0
        self.fail = None  # optional callable(addr) -> errno or None: fault injection
        self._deinit = False

    # -- bus timing -------------------------------------------------------------------------
    def wire_time(self, n_bytes: int, restart: bool = False) -> float:
        """Seconds a transaction of ``n_bytes`` (address byte included) holds the bus."""
        clocks = 9 * n_bytes + 2 + (9 + 2 if restart else 0)
        return clocks / (self.khz * 1000.0)

    def _hold(self, n_bytes: int, restart: bool = False) -> None:
        self.transactions += 1
        if self.timing:
            self.clock.sleep(self.wire_time(n_bytes, restart))

    def _device(self, addr: int) -> SimChip:
        if self._deinit:
            raise ValueError("I2C bus was deinitialised")
        dev = self.devices.get(addr)
        if dev is None or getattr(dev, "absent", False):
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        if self.fail is not None:
            code = self.fail(addr)
            if code:
                raise OSError(code, "Remote I/O error" if code == errno.EREMOTEIO else "Input/output error")
        return dev

    # -- the busio.I2C surface --------------------------------------------------------------
    def try_lock(self) -> bool:
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def scan(self) -> list[int]:
        return sorted(a for a, d in self.devices.items() if not getattr(d, "absent", False))

    def writeto(self, address: int, buffer, *, start: int = 0, end: int | None = None) -> None:
        data = bytes(buffer[start:end])
        self._hold(1 + len(data))
        self._device(address).write(data)

    def readfrom_into(self, address: int, buffer, *, start: int = 0, end: int | None = None) -> None:
        end = len(buffer) if end is None else end
        self._hold(1 + end - start)
        data = self._device(address).read(end - start)
        buffer[start:end] = data

    def writeto_then_readfrom(self, address: int, buffer_out, buffer_in, *, out_start: int = 0,
                              out_end: int | None = None, in_start: int = 0, in_end: int | None = None) -> None:
        out = bytes(buffer_out[out_start:out_end])
        in_end = len(buffer_in) if in_end is None else in_end
        self._hold(2 + len(out) + in_end - in_start, restart=True)
        dev = self._device(address)
        dev.write(out)
        buffer_in[in_start:in_end] = dev.read(in_end - in_start)

    def deinit(self) -> None:
        self._deinit = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
