"""A transport at a UART's pace: ``--baud RATE`` and ``AT+IPR``.

:class:`PacedTransport` wraps any transport (pty, TCP, memory) and moves bytes through it
no faster than a UART at ``baud`` would, in both directions, using one
:class:`~modemu.transport.pacing.Pacer` per direction and the event loop's timers:

* module → host: output queues here and goes to the inner transport in paced pieces; the
  queue has the usual water marks, so a module that outruns the line is held back exactly
  as a slow host would hold it back;
* host → module: input is handed to the module in paced pieces; past a small backlog the
  inner transport's reading is paused, so the host's writes back up in the kernel as they
  would behind a real UART with hardware flow control (none are dropped).

:meth:`PacedTransport.set_baud` takes effect once the output queued before it has been
sent, which is how the module applies ``AT+IPR=<rate>``: the ``OK`` still goes out at the
old rate, everything after it at the new one.
"""

from __future__ import annotations

import asyncio
from collections import deque

from modemu.transport.base import LinkListener, Transport, WaterMarks
from modemu.transport.pacing import Pacer

__all__ = ["PacedTransport"]

RX_BACKLOG = 4096
"""Host bytes held here before the inner transport stops reading (kernel buffers the rest)."""


class PacedTransport:
    """``inner`` at ``baud`` (8N1) both ways. Implements :class:`Transport` itself and is
    the inner transport's :class:`LinkListener`."""

    def __init__(self, inner: Transport, baud: int) -> None:
        self.inner = inner
        self.tx = Pacer(baud)
        self.rx = Pacer(baud)
        self._marks = WaterMarks()
        self._listener: LinkListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out = bytearray()
        self._in = bytearray()
        self._switches: deque[tuple[int, int]] = deque()  # (bytes still to send first, baud)
        self._tx_timer: asyncio.TimerHandle | None = None
        self._rx_timer: asyncio.TimerHandle | None = None
        self._inner_writable = True
        self._reported_writable = True
        self._wanted = True  # the module wants input
        self._inner_reading = True
        self._delivering = False

    # -- Transport ------------------------------------------------------------------------

    @property
    def baud(self) -> int | None:
        return self.tx.baud

    @property
    def pending_baud(self) -> int | None:
        """The rate in force once the queued switches (``set_baud``) have happened."""
        return self._switches[-1][1] if self._switches else self.tx.baud

    @property
    def url(self) -> str:
        return self.inner.url

    def describe(self) -> str:
        return f"{self.inner.describe()} at {self.tx.baud} baud"

    async def start(self, listener: LinkListener) -> None:
        self._listener = listener
        self._loop = asyncio.get_running_loop()
        await self.inner.start(self)

    def write(self, data: bytes) -> None:
        if not data:
            return
        fits = self._marks.room(len(self._out), len(data))
        self._out += data[:fits]
        self._send_out()
        self._report_writable()

    def set_baud(self, baud: int) -> None:
        """Switch both directions to ``baud`` once the output queued so far has gone."""
        if self._out:
            self._switches.append((len(self._out), baud))
        else:
            self._apply(baud)

    def pause_reading(self) -> None:
        self._wanted = False
        self._cancel("_rx_timer")
        self._gate_inner()

    def resume_reading(self) -> None:
        self._wanted = True
        self._deliver_in()

    async def aclose(self) -> None:
        self._cancel("_tx_timer")
        self._cancel("_rx_timer")
        self._out.clear()
        self._in.clear()
        await self.inner.aclose()

    # -- LinkListener (from the inner transport) ------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._in += data
        self._deliver_in()

    def host_attached(self) -> None:
        if self._listener is not None:
            self._listener.host_attached()

    def host_detached(self) -> None:
        self._out.clear()  # a new host starts clean, as on the inner transport
        self._switches_flush()
        self._cancel("_tx_timer")
        self._marks.reset()
        self._report_writable()
        if self._listener is not None:
            self._listener.host_detached()

    def host_writable(self, writable: bool) -> None:
        self._inner_writable = writable
        if writable:
            self._send_out()
        self._report_writable()

    # -- module -> host -------------------------------------------------------------------

    def _now(self) -> float:
        assert self._loop is not None
        return self._loop.time()

    def _send_out(self) -> None:
        if self._tx_timer is not None or self._loop is None:
            return
        while self._out and self._inner_writable:
            limit = len(self._out)
            if self._switches:
                limit = min(limit, self._switches[0][0])
            n = self.tx.take(self._now(), limit)
            if n == 0:
                self._tx_timer = self._loop.call_at(self.tx.ready_at(self._now()), self._tx_due)
                return
            chunk = bytes(self._out[:n])
            del self._out[:n]
            self._count_switch(n)
            self.inner.write(chunk)
        self._report_writable()

    def _tx_due(self) -> None:
        self._tx_timer = None
        self._send_out()
        self._report_writable()

    def _count_switch(self, sent: int) -> None:
        if not self._switches:
            return
        left, baud = self._switches[0]
        self._switches[0] = (left - sent, baud)
        for i in range(1, len(self._switches)):
            self._switches[i] = (self._switches[i][0] - sent, self._switches[i][1])
        while self._switches and self._switches[0][0] <= 0:
            self._apply(self._switches.popleft()[1])

    def _switches_flush(self) -> None:
        while self._switches:
            self._apply(self._switches.popleft()[1])

    def _apply(self, baud: int) -> None:
        self.tx.set_baud(baud)
        self.rx.set_baud(baud)

    def _report_writable(self) -> None:
        self._marks.update(len(self._out))
        writable = self._marks.writable and self._inner_writable
        if writable != self._reported_writable:
            self._reported_writable = writable
            if self._listener is not None:
                self._listener.host_writable(writable)

    # -- host -> module -------------------------------------------------------------------

    def _deliver_in(self) -> None:
        if self._loop is None or self._delivering:
            return  # the loop below, further up the stack, goes on with the rest
        self._delivering = True
        try:
            self._deliver_paced()
        finally:
            self._delivering = False
        self._gate_inner()

    def _deliver_paced(self) -> None:
        assert self._loop is not None
        while self._in and self._wanted and self._rx_timer is None:
            n = self.rx.take(self._now(), len(self._in))
            if n == 0:
                self._rx_timer = self._loop.call_at(self.rx.ready_at(self._now()), self._rx_due)
                break
            chunk = bytes(self._in[:n])
            del self._in[:n]
            assert self._listener is not None
            self._listener.data_received(chunk)

    def _rx_due(self) -> None:
        self._rx_timer = None
        self._deliver_in()

    def _gate_inner(self) -> None:
        want = self._wanted and len(self._in) < RX_BACKLOG
        if want == self._inner_reading:
            return
        self._inner_reading = want
        if want:
            self.inner.resume_reading()
        else:
            self.inner.pause_reading()

    def _cancel(self, name: str) -> None:
        timer = getattr(self, name)
        if timer is not None:
            timer.cancel()
            setattr(self, name, None)
