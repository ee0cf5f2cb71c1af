"""ADS1115 backend (``--backend ads1115``): the chips of a layout on one I2C bus, read at
register level in one thread that keeps every chip converting at once.

Why not ``AnalogIn`` (HARDWARE.md): one ``AnalogIn.value`` is write-config, busy-poll, read —
one chip at a time, and its poll has no timeout, so a stuck chip hangs the caller. Here the
Adafruit stack does the set-up (``ADS1115`` probes the address and writes the registers) and the
hot path talks to each chip's ``adafruit_bus_device`` ``I2CDevice`` directly:

* every chip converts one of its channels at the same time; the thread polls whichever chip is
  due next, so while one chip converts the bus serves the others;
* **pipelined** schedule (fast buses): as soon as a poll shows a conversion done, the next
  conversion is started and only then is the finished result read — the conversion register
  keeps it until the next conversion completes (datasheet §9.3.2) — and the pointer is set back
  to the config register so the next poll is a plain 2-byte read. Per conversion the chip then
  waits only for one poll and one config write (67 bus clocks) instead of poll + read + config
  (115). **Serial** schedule (slow buses, where the bus and not the chip is the limit, or chips
  that convert instantly): poll, read, start — 115 clocks, fewer than the pipelined 135;
* every conversion has a deadline: a poll that starts more than ``deadline_s`` after the
  conversion began and still sees it busy ends it with a :class:`ConversionTimeout` (1.2/DR +
  1 ms: 2.4 ms at 860 SPS). The frame is flagged TIMEOUT, the chip is set aside and probed every
  20 ms until it answers idle again;
* transient ``OSError`` (errno 121 Remote I/O, 5 EIO) is retried (twice by default) and counted;
  a transaction that still fails leaves that channel NaN, flags the frame READ_ERROR and sets
  the chip aside, probed with a growing back-off (2 ms … 0.2 s) until it answers again — a chip
  that vanishes and comes back is picked up without a restart;
* the first poll of each conversion is timed by a per-chip estimate that learns the chip's real
  conversion time (±10 % oscillator), and waits sleep for the bulk and spin for the last
  ~100 µs, because ``time.sleep`` overshoots by that much.

Nothing here can block for longer than a few deadlines; :func:`ceiling_frames_per_s` gives the
physical limit a schedule is measured against (``footmat bench --section acquisition``).
"""
from __future__ import annotations

import errno
import math
import os
import threading

import numpy as np

from .errors import ConversionTimeout, DeviceClosed, LayoutError, SensorError
from .frames import Flag
from .sampler import Sampler

# -- datasheet constants (TI SBAS444, §9.6: register map and config register) -------------------
REG_CONVERSION = 0x00
REG_CONFIG = 0x01
CONFIG_OS = 0x8000            # write 1: start a single conversion; read 0: a conversion is running
CONFIG_MUX_SHIFT = 12         # MUX = 0b100 + n: AINn against GND
CONFIG_MODE_SINGLE = 0x0100   # single-shot (continuous mode of driver 3.0.5 is buggy: HARDWARE.md)
CONFIG_COMP_DISABLE = 0x0003  # COMP_QUE = 11: comparator off, ALERT/RDY high-impedance
PGA_BITS = {2 / 3: 0x0000, 1: 0x0200, 2: 0x0400, 4: 0x0600, 8: 0x0800, 16: 0x0A00}
DATA_RATE_BITS = {8: 0x0000, 16: 0x0020, 32: 0x0040, 64: 0x0060, 128: 0x0080, 250: 0x00A0,
                  475: 0x00C0, 860: 0x00E0}
OSC_TOLERANCE = 0.10          # conversion time is 1/DR ± 10 % (internal oscillator)
ADDR_PIN = {0x48: "GND", 0x49: "VDD", 0x4A: "SDA", 0x4B: "SCL"}
TOP_CODE = 32767

# -- bus clocks of each transaction (9 a byte with the ACK, address bytes included; START+STOP 2,
#    a repeated START 1) -----------------------------------------------------------------------
CLOCKS_CONFIG = 38    # address, pointer 1, two bytes: start a conversion
CLOCKS_POLL = 29      # address, two bytes: read config (pointer already 1) for the OS bit
CLOCKS_POLL_HEAD = 10  # START + address: the chip latches the register when the data phase begins
CLOCKS_POLL_TAIL = CLOCKS_POLL - CLOCKS_POLL_HEAD  # data bytes + STOP after the OS bit is latched
CLOCKS_READ = 48      # address, pointer, repeated START, address, two bytes
CLOCKS_POINTER = 20   # address, pointer

TRANSIENT_ERRNOS = (errno.EREMOTEIO, errno.EIO)
I2C_DEVICE = "/dev/i2c-{bus}"   # the Pi's I2C character device (a module constant so tests can move it)
_PTR_CONVERSION = bytes([REG_CONVERSION])
_PTR_CONFIG = bytes([REG_CONFIG])


def config_word(ain: int, gain: float, data_rate: int) -> int:
    """The config register value that starts a single-shot conversion of AIN``ain`` vs GND."""
    return (CONFIG_OS | ((4 + ain) << CONFIG_MUX_SHIFT) | PGA_BITS[gain] | CONFIG_MODE_SINGLE
            | DATA_RATE_BITS[data_rate] | CONFIG_COMP_DISABLE)


def _schedules(n_per_chip: list[int], data_rate: float, bus_khz: float) -> dict[str, float]:
    """Seconds per frame of each polling schedule at its physical best (no Python, no waiting)."""
    clk = 1.0 / (bus_khz * 1000.0)
    t_conv = 1.0 / data_rate
    rounds = max(n_per_chip)
    n = sum(n_per_chip)
    serial = max(rounds * (t_conv + (CLOCKS_POLL_TAIL + CLOCKS_READ + CLOCKS_CONFIG) * clk),
                 n * (CLOCKS_POLL + CLOCKS_READ + CLOCKS_CONFIG) * clk)
    pipelined = max(rounds * (t_conv + (CLOCKS_POLL_TAIL + CLOCKS_CONFIG) * clk),
                    n * (CLOCKS_CONFIG + CLOCKS_POLL + CLOCKS_READ + CLOCKS_POINTER) * clk)
    return {"serial": serial, "pipelined": pipelined}


def ceiling_frames_per_s(n_per_chip: list[int], data_rate: float, bus_khz: float) -> float:
    """The physical frame-rate ceiling of ``n_per_chip`` channels on their chips.

    A chip converts for 1/DR; between two of its conversions a poll must see it done (the chip
    latches the OS bit when the poll's data phase begins, so the poll's last 19 clocks follow the
    end of the conversion) and a config write (38 clocks) must start the next; every conversion
    also needs its result read. The frame takes the longer of the busiest chip's chain of
    conversions and the bus time of all transactions, for the better of the two schedules
    (module docstring). Python, sleeps and late polls are not in it: it is what a perfect program
    could do with this wiring (no ALERT/RDY line). 6 channels on 2 chips at 860 SPS:
    ≈ 255.4 frames/s at 400 kHz (chip-bound), ≈ 144.9 at 100 kHz (bus-bound).
    """
    return 1.0 / min(_schedules(n_per_chip, data_rate, bus_khz).values())


def chips_of(layout) -> dict[int, list[tuple[int, int]]]:
    """Address -> [(sensor index in the frame, AIN)] for every chip that carries a sensor."""
    out: dict[int, list[tuple[int, int]]] = {}
    for i, s in enumerate(layout.sensors):
        out.setdefault(s.address, []).append((i, s.index))
    return {a: out[a] for a in layout.adc.addresses if a in out}


def layout_ceiling(layout, bus_khz: float | None = None) -> float:
    return ceiling_frames_per_s([len(v) for v in chips_of(layout).values()], layout.adc.data_rate,
                                bus_khz or layout.adc.bus_khz)


def default_rate_hz(layout, bus_khz: float | None = None) -> float:
    """200 Hz, or 80 % of the ceiling when the data rate / bus speed cannot give 200."""
    return float(min(200.0, math.floor(0.8 * layout_ceiling(layout, bus_khz))))


def missing_chip_error(address: int, addresses) -> SensorError:
    listed = " and ".join(f"{a:02x}" for a in addresses)
    return SensorError(f"no ADS1115 answers at 0x{address:02x} on I2C bus 1",
                       f"run 'i2cdetect -y 1' (it should show {listed}); check the chip's VDD/GND and "
                       f"SDA/SCL wires, and that its ADDR pin goes to {ADDR_PIN.get(address, '?')} "
                       f"for 0x{address:02x}")


# -- opening the bus on a Pi -------------------------------------------------------------------
def open_i2c_bus(bus: int = 1):
    """I2C bus ``bus`` of a Raspberry Pi, through adafruit_extended_bus if installed, else busio.

    ``board`` is imported only here (on x86 it has no I2C pins). Raises a one-line
    :class:`SensorError` when the bus is not enabled or not permitted.
    """
    path = I2C_DEVICE.format(bus=bus)
    if not os.path.exists(path):
        raise SensorError(f"I2C bus {bus} not found ({path} does not exist)",
                          "on the Raspberry Pi enable I2C: sudo raspi-config nonint do_i2c 0, then reboot "
                          "(without the mat, use --backend sim)")
    if not os.access(path, os.R_OK | os.W_OK):
        raise SensorError(f"no permission to use {path}",
                          "add yourself to the i2c group: sudo adduser $USER i2c, then log out and in again")
    os.environ.setdefault("BLINKA_SKIP_DEPENDENCY_CHECK", "1")  # Blinka must not pip-install on a Pi
    try:
        try:
            from adafruit_extended_bus import ExtendedI2C
        except ImportError:
            import board
            import busio

            if bus != 1:
                raise SensorError(f"I2C bus {bus} needs adafruit-extended-bus",
                                  "pip install adafruit-extended-bus, or wire the chips to bus 1") from None
            return busio.I2C(board.SCL, board.SDA)
        return ExtendedI2C(bus)
    except PermissionError:
        raise SensorError(f"no permission to use {path}",
                          "add yourself to the i2c group: sudo adduser $USER i2c, then log out and in again") from None
    except RuntimeError as e:  # Blinka: "I2C Bus #1 not found, check if enabled in config!"
        raise SensorError(f"I2C bus {bus} is not enabled ({e})",
                          "sudo raspi-config nonint do_i2c 0, then reboot") from None
    except (OSError, ValueError, ImportError, NotImplementedError, AttributeError) as e:
        raise SensorError(f"cannot open I2C bus {bus} ({type(e).__name__}: {e})",
                          "check that this is a Raspberry Pi with I2C enabled (raspi-config), or use --backend sim") from None


def pi_i2c_speed_khz(bus: int = 1) -> float | None:
    """The bus speed the Pi's kernel was given (config.txt ``dtparam=i2c_arm_baudrate``), if known.
    Blinka ignores the ``frequency`` argument, so this is the only speed that counts."""
    for p in (f"/sys/class/i2c-adapter/i2c-{bus}/of_node/clock-frequency",
              f"/sys/bus/i2c/devices/i2c-{bus}/of_node/clock-frequency"):
        try:
            with open(p, "rb") as fh:
                raw = fh.read(4)
            return int.from_bytes(raw, "big") / 1000.0 if len(raw) == 4 else None
        except OSError:
            continue
    return None


# -- the schedule ------------------------------------------------------------------------------
class _Chip:
    """One ADS1115 in the schedule: its channels, its running conversion and its health."""

    def __init__(self, address: int, device, slots: list[tuple[int, int]], gain: float, data_rate: int,
                 est_s: float, ads=None):
        self.address = address
        self.device = device                      # adafruit_bus_device.i2c_device.I2CDevice
        self.ads = ads                            # the driver's ADS1115 (set-up, cross-checks)
        self.slots = slots                        # [(sensor index, AIN)] in conversion order
        self.configs = []
        for _, ain in slots:
            w = config_word(ain, gain, data_rate)
            self.configs.append(bytes([REG_CONFIG, w >> 8, w & 0xFF]))
        self.buf = bytearray(2)
        self.state = "ok"                         # ok | lost | stuck
        self.missing_at_start = False
        self.error: SensorError | None = None     # the last fault, for reports
        self.pointer: int | None = None           # register the pointer is on (None: unknown)
        self.converting: int | None = None        # slot of the running conversion
        self.conv_start = 0.0
        self.poll_due = math.inf
        self.first_poll = True
        self.pending: int | None = None           # slot whose result waits in the conversion register
        self.next_slot = 0
        self.frame_done = True
        self.est = est_s                          # conversion start -> first poll start (learned)
        self.next_probe = 0.0
        self.backoff = 0.0
        self.busy_probes = 0

    @property
    def label(self) -> str:
        return f"0x{self.address:02x}"

    def __repr__(self) -> str:
        return f"<ADS1115 {self.label} {self.state} channels={[f'A{a}' for _, a in self.slots]}>"


class ADS1115Reader:
    """Reads one frame (every sensor once) per :meth:`read_frame`, all chips converting at once.

    ``chips`` come from :func:`open_ads1115` (or tests). ``conversion_s`` is the expected
    conversion time (default 1/DR; 0 for simulated chips that convert instantly). ``chain``
    (free-running) starts the next frame's first conversions as soon as the chips are free.
    Counters (shared with the :class:`~firmware.sampler.Sampler`): ``i2c_errors`` (failed
    transactions), ``retries``, ``timeouts``, ``chip_lost``, ``recovered``, ``late_reads``
    (results given up because the next conversion could have overwritten them), ``transactions``.
    """

    PROBE_MIN_S = 0.002
    PROBE_MAX_S = 0.2
    STUCK_PROBE_S = 0.02

    def __init__(self, chips: list[_Chip], n_sensors: int, clock, data_rate: int, bus_khz: float, *,
                 conversion_s: float | None = None, retries: int = 2, deadline_s: float | None = None,
                 schedule: str | None = None, i2c=None, owns_bus: bool = False):
        self.chips = chips
        self.n = n_sensors
        self.clock = clock
        self.data_rate = data_rate
        self.bus_khz = bus_khz
        self.retries = retries
        self.t_nominal = 1.0 / data_rate
        self.conversion_s = self.t_nominal if conversion_s is None else float(conversion_s)
        clk = 1.0 / (bus_khz * 1000.0)
        self.t_poll = CLOCKS_POLL * clk
        self.t_head = CLOCKS_POLL_HEAD * clk
        self.t_read = (CLOCKS_READ + CLOCKS_POINTER) * clk + 15e-6
        self.deadline = deadline_s if deadline_s is not None else 1.2 * self.t_nominal + 0.001
        # the next conversion cannot finish before (1 - 10 %) of 1/DR: a pipelined read must end
        # well before that, or the register may hold the next channel
        self.valid_s = 0.8 * (1 - OSC_TOLERANCE) * self.conversion_s
        if schedule is None:
            times = _schedules([len(c.slots) for c in chips] or [1], data_rate, bus_khz)
            schedule = min(times, key=times.get)
            if 1.5 * self.t_read > self.valid_s:
                schedule = "serial"  # instant or very slow-bus chips: no room to read behind
        if schedule not in ("serial", "pipelined"):
            raise ValueError(f"schedule {schedule!r} is not 'serial' or 'pipelined'")
        self.schedule = schedule
        self.chain = False
        self.i2c = i2c
        self.owns_bus = owns_bus
        self.est_up = 0.004 * self.conversion_s
        self.est_down = 0.0002 * self.conversion_s
        self.counters = {"i2c_errors": 0, "retries": 0, "timeouts": 0, "chip_lost": 0, "recovered": 0,
                         "late_reads": 0, "transactions": 0}
        self.sleep_overshoot = 100e-6
        self.last_error: SensorError | None = None
        self._where = {}
        for c in chips:
            for k, (i, _) in enumerate(c.slots):
                self._where[i] = (c, k)
        self._lock = threading.Lock()
        self._raw = None
        self._no_frame = np.full(self.n, np.nan)    # what a frame starts as (copied: np.full costs more)
        self._flags = 0
        self._stamps: list[float] = []
        self.closed = False

    # -- transactions (each with retries of the transient errnos) -----------------------------
    def _io(self, c: _Chip, fn, *args) -> None:
        tries = 0
        counters = self.counters
        while True:
            counters["transactions"] += 1
            try:
                with c.device:
                    fn(*args)
                return
            except OSError as e:
                counters["i2c_errors"] += 1
                if e.errno not in TRANSIENT_ERRNOS or tries >= self.retries:
                    raise
                tries += 1
                counters["retries"] += 1
                self._flags |= Flag.RETRIED

    def _start(self, c: _Chip, slot: int) -> bool:
        """Write the config that starts ``slot``'s conversion; False if the chip was lost."""
        try:
            self._io(c, c.device.write, c.configs[slot])
        except OSError as e:
            self._lose(c, e)
            return False
        c.pointer = REG_CONFIG
        c.converting = slot
        c.conv_start = self.clock.now()
        c.poll_due = c.conv_start + c.est
        c.first_poll = True
        return True

    def _config(self, c: _Chip) -> int:
        """The config register (OS bit = idle); one transaction, pointer-aware."""
        if c.pointer == REG_CONFIG:
            self._io(c, c.device.readinto, c.buf)
        else:
            c.pointer = None
            self._io(c, c.device.write_then_readinto, _PTR_CONFIG, c.buf)
            c.pointer = REG_CONFIG
        return (c.buf[0] << 8) | c.buf[1]

    def _result(self, c: _Chip) -> int:
        c.pointer = None
        self._io(c, c.device.write_then_readinto, _PTR_CONVERSION, c.buf)
        c.pointer = REG_CONVERSION
        v = (c.buf[0] << 8) | c.buf[1]
        return v - 65536 if v & 0x8000 else v

    # -- faults ------------------------------------------------------------------------------
    def _lose(self, c: _Chip, e: OSError) -> None:
        now = self.clock.now()
        self.counters["chip_lost"] += 1
        c.state = "lost"
        c.converting = c.pending = c.pointer = None
        c.frame_done = True
        c.backoff = self.PROBE_MIN_S
        c.next_probe = now + c.backoff
        c.busy_probes = 0
        reason = e.strerror or str(e) or type(e).__name__
        c.error = SensorError(f"ADS1115 at {c.label} stopped answering ({reason}, errno {e.errno})",
                              "check its power and SDA/SCL wiring; footmat keeps trying it")
        self.last_error = c.error
        self._flags |= Flag.READ_ERROR

    def _timeout(self, c: _Chip, slot: int) -> None:
        self.counters["timeouts"] += 1
        ain = c.slots[slot][1]
        c.state = "stuck"
        c.converting = c.pending = None
        c.frame_done = True
        c.next_probe = self.clock.now() + self.STUCK_PROBE_S
        c.error = ConversionTimeout(
            f"ADS1115 at {c.label}: the conversion of A{ain} did not finish within {self.deadline * 1e3:.1f} ms",
            "check the chip's supply and decoupling; footmat sets it aside and keeps probing it")
        self.last_error = c.error
        self._flags |= Flag.TIMEOUT

    def _probe(self, c: _Chip) -> None:
        """One attempt to talk to a chip set aside: back to work once it answers idle."""
        now = self.clock.now()
        try:
            self.counters["transactions"] += 1
            with c.device:
                c.device.write_then_readinto(_PTR_CONFIG, c.buf)
        except OSError:
            self.counters["i2c_errors"] += 1
            c.pointer = None
            c.backoff = min(max(2 * c.backoff, self.PROBE_MIN_S), self.PROBE_MAX_S)
            c.next_probe = now + c.backoff
            return
        c.pointer = REG_CONFIG
        if (c.buf[0] << 8 | c.buf[1]) & CONFIG_OS:
            c.state = "ok"
            c.converting = c.pending = None
            c.busy_probes = 0
            c.missing_at_start = False
            self.counters["recovered"] += 1
            return
        # still converting: a lost chip may finish the conversion it had; a stuck one does not
        c.busy_probes += 1
        if c.state == "lost" and c.busy_probes < 3:
            c.next_probe = now + self.deadline
        else:
            if c.state != "stuck":
                self._timeout(c, 0)
            c.next_probe = now + self.STUCK_PROBE_S

    # -- waiting -----------------------------------------------------------------------------
    def _wait_until(self, t: float) -> None:
        clock = self.clock
        if clock.virtual:
            clock.sleep_until(t)
            return
        now = clock.now
        ahead = self.sleep_overshoot + 30e-6
        rem = t - now()
        if rem > ahead:
            s = rem - ahead
            t0 = now()
            clock.sleep(s)
            over = now() - t0 - s
            # track a high quantile of the overshoot: up fast, down slowly
            if over > self.sleep_overshoot:
                self.sleep_overshoot += 0.25 * (over - self.sleep_overshoot)
            else:
                self.sleep_overshoot -= 0.02 * (self.sleep_overshoot - over)
            self.sleep_overshoot = min(max(self.sleep_overshoot, 20e-6), 400e-6)
        while now() < t:
            pass

    # -- one conversion done -----------------------------------------------------------------
    def _store(self, c: _Chip, slot: int, value: int) -> None:
        self._raw[c.slots[slot][0]] = value
        if value >= TOP_CODE:
            self._flags |= Flag.SATURATED

    def _poll(self, c: _Chip) -> None:
        now = self.clock.now
        t0 = now()
        try:
            busy = not (self._config(c) & CONFIG_OS)
        except OSError as e:
            self._lose(c, e)
            return
        slot = c.converting
        if busy:
            if c.first_poll:
                c.est = min(c.est + self.est_up, self.deadline)
                c.first_poll = False
            if t0 > c.conv_start + self.deadline:
                self._timeout(c, slot)
            else:
                # poll again at once, but never faster than a poll lasts on the wire, so the
                # deadline comes even where the bus takes no time (a virtual clock)
                c.poll_due = max(now(), t0 + self.t_poll)
            return
        if c.first_poll and t0 - c.poll_due < 10e-6:
            c.est = max(c.est - self.est_down, 0.0)
        # the converter integrates over the conversion: stamp its middle (instant chips: its start)
        self._stamps.append(c.conv_start + (0.5 * (c.est + self.t_head) if self.conversion_s else 0.0))
        last = c.next_slot >= len(c.slots)
        if self.schedule == "serial":
            try:
                self._store(c, slot, self._result(c))
            except OSError as e:
                self._lose(c, e)
                return
            c.converting = None
            self._advance(c, last)
            return
        # pipelined: start the next conversion first, then read this one behind it
        c.converting = None
        c.pending = slot
        self._advance(c, last)

    def _advance(self, c: _Chip, last: bool) -> None:
        """Start the chip's next conversion of this frame, or mark the frame done (and, when
        chaining, start the first conversion of the next frame)."""
        if not last:
            c.next_slot += 1
            self._start(c, c.next_slot - 1)
        else:
            c.frame_done = True
            if self.chain and self._start(c, 0):
                c.next_slot = 1

    def _read_pending(self, c: _Chip) -> None:
        slot, c.pending = c.pending, None
        try:
            value = self._result(c)
        except OSError as e:
            self._lose(c, e)
            return
        if c.converting is not None and self.clock.now() > c.conv_start + self.valid_s:
            # read late (the thread was held up): the next conversion may have overwritten the
            # register. If a poll *after* the read still sees it running, the value is this one's.
            try:
                running = not (self._config(c) & CONFIG_OS)
            except OSError as e:
                self._lose(c, e)
                return
            if running:
                self._store(c, slot, value)
            else:
                self.counters["late_reads"] += 1  # may be the next channel's: not used
                self._flags |= Flag.READ_ERROR
            return
        self._store(c, slot, value)
        if c.converting is not None:
            try:  # pointer back to config, so the next poll is a plain 2-byte read
                self._io(c, c.device.write, _PTR_CONFIG)
                c.pointer = REG_CONFIG
            except OSError:
                c.pointer = None

    # -- frames ------------------------------------------------------------------------------
    def read_frame(self):
        """One frame: ``(raw (S,) float codes with NaN = not read, Flag, t)``; t is the mean
        middle of the frame's conversions (s, on the reader's clock)."""
        with self._lock:
            if self.closed:
                raise DeviceClosed("the ADS1115 reader is closed", "open the backend again")
            return self._frame()

    def _frame(self):
        now = self.clock.now
        self._raw = raw = self._no_frame.copy()
        self._flags = 0
        self._stamps = []
        chips = []
        for c in self.chips:
            if c.state != "ok":
                if now() >= c.next_probe:
                    self._probe(c)
                if c.state != "ok":
                    self._flags |= Flag.TIMEOUT if c.state == "stuck" else Flag.READ_ERROR
                    continue
            c.frame_done = False
            if c.converting is None:
                c.next_slot = 1
                if not self._start(c, 0):
                    continue
            chips.append(c)
        if not chips and self.chain:
            # free-running with no chip to read: wait for the next probe instead of spinning
            # out empty frames (a paced Sampler already waits for its next slot)
            wake = min((c.next_probe for c in self.chips), default=now())
            self._wait_until(min(wake, now() + self.PROBE_MAX_S))
        pipelined = self.schedule == "pipelined"
        while True:
            p = None
            due = math.inf
            for c in chips:
                if not c.frame_done and c.converting is not None and c.poll_due < due:
                    p, due = c, c.poll_due
            if pipelined:
                r = p if p is not None and p.pending is not None else None
                if r is None:
                    for c in chips:
                        if c.pending is not None:
                            r = c
                            break
                # read behind the conversions when it fits before the next due poll, and always
                # before the chip's next conversion could overwrite the result
                if r is not None and (p is None or r is p or now() + self.t_read <= due
                                      or now() + 2 * self.t_read >= r.conv_start + self.valid_s):
                    self._read_pending(r)
                    continue
            if p is None:
                break
            if now() < due:
                self._wait_until(due)
            self._poll(p)
        # (a NaN makes the sum of a few Python floats NaN: cheaper than np.isnan(raw).any() here)
        if not self._flags & (Flag.TIMEOUT | Flag.READ_ERROR) and math.isnan(sum(raw.tolist())):
            self._flags |= Flag.READ_ERROR  # (cannot happen; never let a NaN pass unflagged)
        t = sum(self._stamps) / len(self._stamps) if self._stamps else now()
        return raw, Flag(self._flags), t

    def read_channel(self, sensor: int) -> int:
        """One conversion of one sensor, now (blocking, outside the frame schedule).

        Raises :class:`ConversionTimeout` when the conversion misses its deadline and
        :class:`SensorError` when the chip does not answer — never waits longer than a deadline.
        """
        with self._lock:
            if self.closed:
                raise DeviceClosed("the ADS1115 reader is closed", "open the backend again")
            c, slot = self._where[sensor]
            now = self.clock.now
            t0 = now()
            try:
                while not (self._config(c) & CONFIG_OS):   # a conversion (a chained one) still runs
                    if now() - t0 > self.deadline:
                        self._timeout(c, slot)
                        raise c.error
                    self._wait_until(now() + self.t_poll)
                c.converting = c.pending = None
                self._io(c, c.device.write, c.configs[slot])
                c.pointer = REG_CONFIG
                start = now()
                self._wait_until(start + c.est)
                while True:
                    t_poll = now()
                    if self._config(c) & CONFIG_OS:
                        break
                    if t_poll > start + self.deadline:
                        self._timeout(c, slot)
                        raise c.error
                    self._wait_until(t_poll + self.t_poll)
                return self._result(c)
            except OSError as e:
                if isinstance(e, SensorError):
                    raise
                self._lose(c, e)
                raise c.error from None

    # -- state -------------------------------------------------------------------------------
    def chip_status(self) -> list[dict]:
        """Per chip: address, state (ok / missing / lost / stuck) and the last fault message."""
        out = []
        for c in self.chips:
            state = "missing" if c.missing_at_start and c.state != "ok" else c.state
            out.append({"address": c.label, "state": state, "schedule": self.schedule,
                        "channels": [f"A{a}" for _, a in c.slots],
                        "conversion_ms": round((c.est + self.t_head) * 1e3, 4),
                        "error": str(c.error) if c.error is not None else None})
        return out

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if self.owns_bus and self.i2c is not None:
                try:
                    self.i2c.deinit()
                except Exception:  # noqa: BLE001 - closing must not fail
                    pass

    def __repr__(self) -> str:
        return (f"<ADS1115Reader {self.schedule} {len(self.chips)} chips "
                f"{'closed' if self.closed else 'open'} {self.counters}>")


def bus_khz_of(i2c, layout) -> float:
    """The bus speed: the fake bus's, else the Pi kernel's, else the layout's ``bus_khz``."""
    return float(getattr(i2c, "khz", None) or pi_i2c_speed_khz() or layout.adc.bus_khz)


def setup_chips(layout, i2c, *, allow_missing: bool = False, conversion_s: float | None = None,
                bus_khz: float | None = None) -> list[_Chip]:
    """Set every chip of the layout up through the Adafruit driver (probe, registers)."""
    from adafruit_bus_device.i2c_device import I2CDevice
    from adafruit_ads1x15 import ADS1115

    adc = layout.adc
    khz = bus_khz or adc.bus_khz
    est = max((1.0 / adc.data_rate if conversion_s is None else conversion_s)
              - CLOCKS_POLL_HEAD / (khz * 1000.0), 0.0)
    chips = []
    for address, slots in chips_of(layout).items():
        ads = None
        error = None
        for attempt in range(3):
            try:
                ads = ADS1115(i2c, gain=adc.gain, data_rate=adc.data_rate, address=address)
                break
            except ValueError as e:  # the driver's "No I2C device at address: 0x49"
                if "No I2C device" not in str(e):
                    raise SensorError(f"ADS1115 at 0x{address:02x} refused its settings ({e})",
                                      "check adc.gain and adc.data_rate in the layout") from None
                error = missing_chip_error(address, list(chips_of(layout)))
                break
            except OSError as e:
                if attempt == 2:
                    error = SensorError(f"ADS1115 at 0x{address:02x} does not answer reliably ({e})",
                                        "check its power, the SDA/SCL wiring and pull-ups; run 'i2cdetect -y 1'")
        if error is not None and not allow_missing:
            raise error
        device = ads.i2c_device if ads is not None else I2CDevice(i2c, address, probe=False)
        chip = _Chip(address, device, slots, adc.gain, adc.data_rate, est, ads)
        if error is not None:
            chip.state = "lost"
            chip.missing_at_start = True
            chip.error = error
            chip.backoff = ADS1115Reader.PROBE_MIN_S
        chips.append(chip)
    return chips


def open_ads1115(layout, clock, rate_hz: float | None = None, i2c=None, *, allow_missing: bool = False,
                 conversion_s: float | None = None, retries: int = 2, schedule: str | None = None):
    """A :class:`~firmware.sampler.Sampler` reading the layout's ADS1115 chips.

    ``i2c``: a bus object (busio surface); ``None`` opens I2C bus 1 of the Pi. ``rate_hz``:
    frames per second (``None``: :func:`default_rate_hz`; ``math.inf``: as fast as the chips go).
    A chip missing at start raises a one-line :class:`SensorError` naming its address and the
    fix, unless ``allow_missing`` (``footmat check``), which reports it and keeps probing it.
    """
    adc = layout.adc
    if adc.type != "ads1115":
        raise LayoutError(f"layout {layout.name} is wired for an {adc.type}, not ADS1115 chips",
                          "use --backend mcp3008, or a layout with [adc] type = \"ads1115\"")
    owns = i2c is None
    if owns:
        i2c = open_i2c_bus(1)
    khz = bus_khz_of(i2c, layout)
    try:
        chips = setup_chips(layout, i2c, allow_missing=allow_missing, conversion_s=conversion_s, bus_khz=khz)
    except BaseException:
        if owns:
            try:
                i2c.deinit()
            except Exception:  # noqa: BLE001
                pass
        raise
    reader = ADS1115Reader(chips, len(layout.sensors), clock, adc.data_rate, khz,
                           conversion_s=conversion_s, retries=retries, schedule=schedule,
                           i2c=i2c, owns_bus=owns)
    rate = default_rate_hz(layout, khz) if rate_hz is None else float(rate_hz)
    reader.chain = not math.isfinite(rate)
    return Sampler(reader, layout, clock, rate)
