"""A UART's pace, sans-IO: how many bytes may cross the line by a given time.

A real module's UART at ``baud`` moves one byte per 10 bit times (8N1: a start bit, eight
data bits, a stop bit), in both directions independently. :class:`Pacer` models one
direction as a line that is busy until :attr:`Pacer.free_at`: handing over ``n`` bytes
keeps it busy for ``n * bits_per_byte / baud`` more seconds. Time is an input (``now``, in
seconds of any monotonic clock), so the arithmetic is tested without an event loop and
reused by whoever paces bytes (the paced transport; a fault injector's baud fault).

Two small allowances keep the long-run rate exact on a real event loop whose timers fire
late or early by a millisecond or so:

* ``lead``: bytes may be handed over up to ``lead`` seconds before the line would have
  carried them, and :meth:`Pacer.ready_at` waits until half of that is free again, so a
  wake-up moves a piece of bytes rather than one;
* ``slack``: when bytes were waiting and the wake-up came late (a busy machine), up to
  ``slack`` seconds of the oversleep are caught up instead of lost. A line that went idle
  (everything handed over) gets no such credit: the first bytes after a pause go at line
  pace, so a short answer takes its real time.

Over any interval the bytes handed over are at most ``rate * (interval + lead + slack)``,
and with a steady backlog the average rate converges to ``baud / bits_per_byte``.
"""

from __future__ import annotations

import math

__all__ = ["BITS_PER_BYTE_8N1", "Pacer", "bytes_per_second"]

BITS_PER_BYTE_8N1 = 10
"""Start bit + 8 data bits + stop bit."""

_ROUNDING = 1e-6
"""Float error allowance: at ``ready_at`` a byte must be due, not 0.9999999 of one."""
DEFAULT_LEAD = 0.002
DEFAULT_SLACK = 0.1


def bytes_per_second(baud: int, bits_per_byte: int = BITS_PER_BYTE_8N1) -> float:
    """``115200`` baud, 8N1 → 11,520 bytes a second."""
    return baud / bits_per_byte


class Pacer:
    """One direction of a UART: ``baud=None`` is an unpaced line (everything goes now)."""

    def __init__(
        self,
        baud: int | None = None,
        *,
        bits_per_byte: int = BITS_PER_BYTE_8N1,
        lead: float = DEFAULT_LEAD,
        slack: float = DEFAULT_SLACK,
    ) -> None:
        if baud is not None and baud <= 0:
            raise ValueError(f"baud must be positive, got {baud}")
        if bits_per_byte <= 0 or lead < 0 or slack < 0:
            raise ValueError("bits_per_byte must be positive, lead and slack non-negative")
        self.baud = baud
        self.bits_per_byte = bits_per_byte
        self.lead = lead
        self.slack = slack
        self.free_at = -math.inf
        """When the line has carried everything handed over so far."""
        self._behind = False
        """Bytes were left waiting at the last :meth:`take` (a late wake-up may catch up)."""

    @property
    def paced(self) -> bool:
        return self.baud is not None

    @property
    def rate(self) -> float:
        """Bytes per second (infinite when unpaced)."""
        return math.inf if self.baud is None else bytes_per_second(self.baud, self.bits_per_byte)

    def set_baud(self, baud: int | None) -> None:
        """Change the rate for bytes handed over from now on (those already on the line
        keep the time they were given)."""
        if baud is not None and baud <= 0:
            raise ValueError(f"baud must be positive, got {baud}")
        self.baud = baud

    def _start(self, now: float) -> float:
        return max(self.free_at, now - self.slack if self._behind else now)

    def take(self, now: float, wanted: int) -> int:
        """How many of ``wanted`` bytes may be handed over at ``now``; counts them as sent."""
        if wanted <= 0:
            return 0
        if self.baud is None:
            return wanted
        rate = self.rate
        start = self._start(now)
        n = min(wanted, int((now + self.lead - start) * rate + _ROUNDING))
        if n <= 0:
            if not self._behind:
                self.free_at = start  # bytes wait from now: catch-up counts from here
            self._behind = True
            return 0
        self.free_at = start + n / rate
        self._behind = n < wanted
        return n

    def ready_at(self, now: float) -> float:
        """When to come back for the next piece: once half the ``lead`` (or one byte, if
        longer) is free again, so a wake-up moves a piece of bytes, not one (``now`` if
        unpaced or already due)."""
        if self.baud is None:
            return now
        piece = max(1 / self.rate, self.lead / 2)
        return max(now, self._start(now) + piece - self.lead)

    def duration(self, size: int) -> float:
        """Seconds the line needs for ``size`` bytes (0 when unpaced)."""
        return 0.0 if self.baud is None else size / self.rate
