"""A fake I2C bus with the methods the Adafruit stack needs (HARDWARE.md), carrying simulated
chips. The real `adafruit_ads1x15` / `adafruit_bus_device` code runs against it unchanged.

With ``timing=True`` every transaction holds the bus for its wire time at ``khz`` on the given
clock: a virtual clock advances, a real clock really waits — the bulk by sleeping, the last
stretch by spinning, because ``time.sleep`` overshoots by ~70–100 µs here while a whole
transaction lasts 50–500 µs (HARDWARE.md).

Wire time: 9 clocks a byte (8 bits and the ACK, the address bytes included), 1 each for START,
STOP and a repeated START. At 400 kHz a config write (address, pointer, 2 bytes) is 38 clocks =
95 µs; pointer + 2-byte read with a repeated START is 48 clocks = 120 µs, as in HARDWARE.md's
table. When the chip acts: a write lands when its last byte is acknowledged (the end of the
transaction); a read answers with the register as it is when the data phase begins (after the
read address byte), and the data bytes then still hold the bus — so a poll that starts just
before a conversion ends does not see it done.
"""
from __future__ import annotations

import errno
import random
import threading


class SimChip:
    """What a device on the fake bus must offer."""

    absent = False

    def write(self, data: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def read(self, n: int) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


class RandomFailures:
    """A ``FakeI2C.fail`` hook: each transaction fails with probability ``p`` (seeded), alternating
    the two errnos real Pis report (121 Remote I/O, 5 EIO). ``count`` is how many it injected."""

    def __init__(self, p: float, seed: int = 0, errnos: tuple[int, ...] = (errno.EREMOTEIO, errno.EIO),
                 addresses: set[int] | None = None):
        self.p = float(p)
        self.rng = random.Random(seed)
        self.errnos = errnos
        self.addresses = addresses
        self.count = 0

    def __call__(self, addr: int) -> int | None:
        if self.addresses is not None and addr not in self.addresses:
            return None
        if self.rng.random() < self.p:
            code = self.errnos[self.count % len(self.errnos)]
            self.count += 1
            return code
        return None


class FakeI2C:
    """An I2C bus object (try_lock/unlock/writeto/readfrom_into/writeto_then_readfrom/scan)."""

    SPIN_S = 250e-6  # real clock: spin (not sleep) for the last stretch of a hold

    def __init__(self, clock=None, khz: int = 400, timing: bool = False):
        self.devices: dict[int, SimChip] = {}
        self.clock = clock
        self.khz = khz
        self.timing = timing and clock is not None
        self._lock = threading.Lock()
        self.transactions = 0
        self.failures = 0  # transactions the fail hook made fail
        self.fail = None  # optional callable(addr) -> errno or None: fault injection
        self._deinit = False

    # -- bus timing -------------------------------------------------------------------------
    def wire_time(self, n_bytes: int, restart: bool = False) -> float:
        """Seconds a transaction of ``n_bytes`` (address bytes included) holds the bus."""
        clocks = 9 * n_bytes + 2 + (1 if restart else 0)
        return clocks / (self.khz * 1000.0)

    def _hold(self, n_bytes: int, restart: bool = False) -> None:
        """Hold the bus for a whole transaction (counted as one)."""
        self.transactions += 1
        self._wait(self.wire_time(n_bytes, restart))

    def _hold_clocks(self, clocks: int) -> None:
        """Hold the bus for part of a transaction."""
        if self.timing:
            self._wait(clocks / (self.khz * 1000.0))

    def _wait(self, d: float) -> None:
        if not self.timing:
            return
        if getattr(self.clock, "virtual", False):
            self.clock.sleep(d)
            return
        now = self.clock.now
        end = now() + d
        if d > self.SPIN_S:
            self.clock.sleep(d - self.SPIN_S)
        while now() < end:
            pass

    def _device(self, addr: int) -> SimChip:
        """The chip that acknowledged ``addr``; nobody there is a NACK (errno 121)."""
        if self._deinit:
            raise ValueError("I2C bus was deinitialised")
        dev = self.devices.get(addr)
        if dev is None or dev.absent:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return dev

    def _glitch(self, addr: int) -> None:
        """Fault injection: the ``fail`` hook may break this transaction."""
        if self.fail is not None:
            code = self.fail(addr)
            if code:
                self.failures += 1
                raise OSError(code, "Remote I/O error" if code == errno.EREMOTEIO else "Input/output error")

    # -- the busio.I2C surface --------------------------------------------------------------
    def try_lock(self) -> bool:
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def scan(self) -> list[int]:
        return sorted(a for a, d in self.devices.items() if not getattr(d, "absent", False))

    # (untimed, a transaction skips the holds: the bus then takes no time; the order of what
    # happens — address, the chip's answer, the fail hook — is the same either way)
    def writeto(self, address: int, buffer, *, start: int = 0, end: int | None = None) -> None:
        data = bytes(buffer[start:end])
        self.transactions += 1
        timing = self.timing
        if timing:
            self._hold_clocks(1 + 9)                    # START, address
        dev = self._device(address)
        if timing:
            self._hold_clocks(9 * len(data) + 1)        # the bytes, STOP
        if self.fail is not None:
            self._glitch(address)
        dev.write(data)

    def readfrom_into(self, address: int, buffer, *, start: int = 0, end: int | None = None) -> None:
        end = len(buffer) if end is None else end
        self.transactions += 1
        timing = self.timing
        if timing:
            self._hold_clocks(1 + 9)                    # START, read address
        data = self._device(address).read(end - start)
        if timing:
            self._hold_clocks(9 * (end - start) + 1)    # the data bytes, STOP
        if self.fail is not None:
            self._glitch(address)
        buffer[start:end] = data

    def writeto_then_readfrom(self, address: int, buffer_out, buffer_in, *, out_start: int = 0,
                              out_end: int | None = None, in_start: int = 0, in_end: int | None = None) -> None:
        out = bytes(buffer_out[out_start:out_end])
        in_end = len(buffer_in) if in_end is None else in_end
        self.transactions += 1
        timing = self.timing
        if timing:
            self._hold_clocks(1 + 9)                    # START, address
        dev = self._device(address)
        if timing:
            self._hold_clocks(9 * len(out) + 1 + 9)     # pointer, repeated START, read address
        dev.write(out)
        data = dev.read(in_end - in_start)
        if timing:
            self._hold_clocks(9 * (in_end - in_start) + 1)  # the data bytes, STOP
        if self.fail is not None:
            self._glitch(address)
        buffer_in[in_start:in_end] = data

    def deinit(self) -> None:
        self._deinit = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()

    def __repr__(self) -> str:
        chips = ", ".join(f"0x{a:02x}" for a in sorted(self.devices))
        return f"<FakeI2C {self.khz} kHz{' timed' if self.timing else ''} [{chips}]>"
