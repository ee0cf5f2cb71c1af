"""A simulated MCP3008 on gpiozero's mock SPI: the chip's side of the wire (datasheet DS21295,
§5 and §6.1), so gpiozero's real ``MCP3008`` bit-packing runs against it.

The host holds CS low and clocks 24 bits. The chip waits for the start bit, then takes SGL/DIFF
and D2 D1 D0; the next clock samples the input, then it sends a null bit and the 10-bit result,
most significant bit first: code = ⌊1024 · V / Vref⌋, clipped to 0..1023 (verified with
gpiozero 2.0.1: 0, 0.5, 1.0, 1.65, 2.5, 3.3 V at 3.3 V → 0, 155, 310, 512, 775, 1023).

On x86 gpiozero's software SPI bus needs a default pin factory as well as the one passed in
(HARDWARE.md); :func:`firmware.mcp3008.open_mcp3008` takes care of that. Create the chip on a
fresh :class:`~gpiozero.pins.mock.MockFactory` *before* opening the MCP3008 devices, so the
clock pin is a mock SPI clock pin.

Faults: ``absent`` (MISO is never driven: every channel reads 0, as a chip without power or
with a broken MISO wire does).
"""
from __future__ import annotations

from gpiozero.pins.mock import MockSPIDevice

# Hardware SPI0 of the Pi (BCM): SCLK, MOSI, MISO, CE0
SPI0_PINS = (11, 10, 9, 8)


class SimMCP3008(MockSPIDevice):
    """``source(channel, t) -> volts`` gives CH0..CH7; ``clock`` stamps the sample (optional)."""

    def __init__(self, source, clock=None, vref: float = 3.3, *, pin_factory=None, pins=SPI0_PINS):
        clock_pin, mosi_pin, miso_pin, select_pin = pins
        super().__init__(clock_pin, mosi_pin, miso_pin, select_pin, pin_factory=pin_factory)
        self.source = source
        self.clock = clock
        self.vref = float(vref)
        self.absent = False
        self.conversions = 0
        self._start_bit = None

    def code(self, volts: float) -> int:
        return max(0, min(1023, int(1024.0 * volts / self.vref)))

    def _volts(self, channel: int, single: bool) -> float:
        t = self.clock.now() if self.clock is not None else 0.0
        v = self.source(channel, t)
        if not single:  # pseudo-differential pairs (0,1), (2,3)…: IN+ is the channel asked for
            v = max(0.0, v - self.source(channel ^ 1, t))
        return v

    def on_start(self):
        super().on_start()
        self._start_bit = None

    def on_bit(self):
        if self.absent:
            self.tx_buf.clear()
            return
        if self._start_bit is None:
            if self.rx_buf and self.rx_buf[-1]:
                self._start_bit = self.rx_bit
            return
        if self.rx_bit == self._start_bit + 4:
            sgl, d2, d1, d0 = self.rx_buf[-4:]
            value = self.code(self._volts(d2 << 2 | d1 << 1 | d0, bool(sgl)))
            self.conversions += 1
            self.tx_word(0, 2)        # the sampling clock, then the null bit
            self.tx_word(value, 10)

    def __repr__(self) -> str:
        return f"<SimMCP3008 {'absent' if self.absent else 'ok'} conversions={self.conversions}>"
