"""Transparent mode: host bytes bridged to one socket, cut into packets, ``+++`` escape.

Packets are flushed when ``transpktsize`` bytes are pending or after ``transwaittm`` times 100 ms
without input (spec §9). The ``+++`` escape needs 1 s of silence before the first ``+``,
all three ``+`` within 1 s with nothing else mixed in, and 1 s of silence after; until the
trailing guard time decides, the ``+`` bytes are held, then either dropped (escape) or sent
as ordinary payload. All timing runs on the engine's timers, so tests drive it with an
explicit clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from modemu.at.limits import ESCAPE_SEQUENCE, GUARD_TIME
from modemu.modem.modes import PortMode, Trigger

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine, Timer

PLUS = ESCAPE_SEQUENCE[0]
ESCAPE_PLUSES = len(ESCAPE_SEQUENCE)
SEND_BACKLOG_LIMIT = 256 * 1024
"""Host input is paused while this many bytes wait for the peer (no unbounded queue)."""


class TransparentBridge:
    """The input sink of transparent mode for socket ``conn_id``."""

    def __init__(
        self,
        engine: ModemEngine,
        conn_id: int,
        send: Callable[[bytes], None],
        on_escape: Callable[[], None],
        *,
        after_send: Callable[[], None] | None = None,
        joins_sends: Callable[[], bool] | None = None,
    ) -> None:
        self.engine = engine
        self.conn_id = conn_id
        self._send = send
        self._on_escape = on_escape
        self._after_send = after_send
        """Called once after each batch of packets (one host chunk, one flush): the place
        for per-batch checks such as the send backlog, instead of one per packet."""
        self._joins_sends = joins_sends
        """True when the back end joins successive sends into one stream that nothing sees
        send by send (``NetBackend.joins_sends``): the packets of one host chunk then go in
        one call, not one call per ``transpktsize`` bytes through every net layer."""
        self._pending = bytearray()
        self._last_input = engine.now
        self._plus_count = 0
        self._plus_start = 0.0
        self._guard_timer: Timer | None = None
        self._flush_timer: Timer | None = None
        self._flush_due = 0.0
        self.closed = False

    # input --------------------------------------------------------------------------

    def feed(self, data: memoryview, now: float) -> int:
        if self.closed:
            return 0
        if self.engine.mode is PortMode.ESCAPE_GUARD:
            self._feed_guard(data, now)
        elif self._starts_escape(data, now):
            self._begin_guard(len(data), now)
        else:
            self._payload(data)
        self._last_input = now
        return len(data)

    def _starts_escape(self, data: memoryview, now: float) -> bool:
        return (
            now - self._last_input >= GUARD_TIME
            and len(data) <= ESCAPE_PLUSES
            and all(b == PLUS for b in data)
        )

    def _begin_guard(self, count: int, now: float) -> None:
        self.engine.change_mode(Trigger.PLUS_SEEN)
        self._plus_count = count
        self._plus_start = now
        self._arm_guard(now)

    def _feed_guard(self, data: memoryview, now: float) -> None:
        more_plus = all(b == PLUS for b in data)
        in_window = now - self._plus_start <= GUARD_TIME
        if more_plus and in_window and self._plus_count + len(data) <= ESCAPE_PLUSES:
            self._plus_count += len(data)
            self._arm_guard(now)
            return
        self._break_guard()
        self._payload(data)

    def _arm_guard(self, now: float) -> None:
        if self._guard_timer is not None:
            self._guard_timer.cancel()
        if self._plus_count == ESCAPE_PLUSES:
            self._guard_timer = self.engine.call_at(now + GUARD_TIME, self._guard_expired)
        else:
            deadline = self._plus_start + GUARD_TIME
            self._guard_timer = self.engine.call_at(deadline, self._window_expired)

    def _window_expired(self) -> None:
        if self.engine.mode is PortMode.ESCAPE_GUARD and self._plus_count < ESCAPE_PLUSES:
            self._break_guard()

    def _guard_expired(self) -> None:
        if self.engine.mode is not PortMode.ESCAPE_GUARD or self.closed:
            return
        if self.engine.now - self._last_input < GUARD_TIME:  # pragma: no cover - re-armed
            return
        self._guard_timer = None
        self._plus_count = 0
        self.flush()
        self.closed = True
        self._on_escape()

    def _break_guard(self) -> None:
        if self._guard_timer is not None:
            self._guard_timer.cancel()
            self._guard_timer = None
        plus = b"+" * self._plus_count
        self._plus_count = 0
        self.engine.change_mode(Trigger.GUARD_BROKEN)
        self._payload(memoryview(plus))

    # packetisation --------------------------------------------------------------------

    def _payload(self, data: memoryview) -> None:
        if not data:
            return
        cfg = self.engine.settings.qicfg
        size = cfg.transpktsize
        pending = self._pending
        sent = False
        if not pending and len(data) >= size:
            cut = len(data) - len(data) % size
            self._send_packets(data[:cut], size)
            data = data[cut:]
            sent = True
        else:
            pending += data
            data = memoryview(b"")
            if len(pending) >= size:
                cut = len(pending) - len(pending) % size
                self._send_packets(bytes(pending[:cut]), size)
                del pending[:cut]
                sent = True
        if data:
            pending += data
        if sent and self._after_send is not None:
            self._after_send()
        if pending:
            self._schedule_flush(cfg.transwaittm * 0.1)

    def _send_packets(self, data: memoryview | bytes, size: int) -> None:
        """Whole packets of ``size`` bytes: one send each, or one send for all of them."""
        if self._joins_sends is not None and self._joins_sends():
            self._send(bytes(data))
            return
        for start in range(0, len(data), size):
            self._send(bytes(data[start : start + size]))

    def _schedule_flush(self, wait: float) -> None:
        if wait <= 0:
            self.flush()
            return
        self._flush_due = self.engine.now + wait
        if self._flush_timer is None:
            self._flush_timer = self.engine.call_at(self._flush_due, self._flush_check)

    def _flush_check(self) -> None:
        self._flush_timer = None
        if self.closed or not self._pending:
            return
        if self.engine.now < self._flush_due:
            self._flush_timer = self.engine.call_at(self._flush_due, self._flush_check)
            return
        self.flush()

    def flush(self) -> None:
        """Send whatever is pending as one packet."""
        if self._pending:
            self._send(bytes(self._pending))
            self._pending.clear()
            if self._after_send is not None:
                self._after_send()

    def close(self) -> None:
        """Leave transparent mode without sending held ``+`` bytes (carrier lost)."""
        self.closed = True
        for timer in (self._guard_timer, self._flush_timer):
            if timer is not None:
                timer.cancel()
