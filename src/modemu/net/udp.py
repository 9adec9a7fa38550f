"""A UDP socket of the module: a connected client or an unconnected ``UDP SERVICE``.

Every ``Received`` carries the datagram's sender. As with TCP, nothing is reported before
:meth:`UdpEndpoint.start` (datagrams are held) and nothing after :meth:`UdpEndpoint.silence`.

Back-pressure does not exist for UDP: ``pause_reading``/``resume_reading`` are accepted and
ignored (asyncio datagram transports cannot pause), so the engine drops what it cannot buffer,
as the spec asks. ICMP errors (port unreachable after a send) do not close the socket; a real
module keeps its UDP socket too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

from modemu.net.base import Address, PeerClosed, Received
from modemu.net.tcp import Emit

log = logging.getLogger(__name__)

_LOST_GRACE = 1.0


class UdpEndpoint(asyncio.DatagramProtocol):
    """Reports each datagram as one ``Received(conn_id, data, sender)``."""

    def __init__(self, emit: Emit, conn_id: int, connected: bool) -> None:
        self.conn_id = conn_id
        self._emit = emit
        self._connected = connected
        self._transport: asyncio.DatagramTransport | None = None
        self._started = False
        self._silenced = False
        self._held: list[Received] = []
        self._lost = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio's, so no isinstance check
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if self._silenced:
            return
        event = Received(self.conn_id, bytes(data), sender=(str(addr[0]), int(addr[1])))
        if self._started:
            self._emit(event)
        else:
            self._held.append(event)

    def error_received(self, exc: Exception) -> None:
        log.debug("udp conn %d: %s", self.conn_id, exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost.set()
        if exc is not None and self._started and not self._silenced:
            self._emit(PeerClosed(self.conn_id, error=True))

    @property
    def alive(self) -> bool:
        return not self._lost.is_set()

    def host_socket(self) -> Any:
        return None if self._transport is None else self._transport.get_extra_info("socket")

    def start(self) -> None:
        self._started = True
        held, self._held = self._held, []
        for event in held:
            if self._silenced:
                return
            self._emit(event)

    def silence(self) -> None:
        self._silenced = True

    def send(self, data: bytes, dest: Address | None) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if self._connected:
            transport.sendto(data)
        elif dest is None:
            log.warning("udp service %d: datagram without destination dropped", self.conn_id)
        else:
            try:
                transport.sendto(data, dest)
            except (OSError, ValueError) as exc:  # malformed address text from the host
                log.warning("udp service %d: cannot send to %r: %s", self.conn_id, dest, exc)

    def backlog(self) -> int:
        return 0

    def pause_reading(self) -> None:
        """UDP has no flow control; see the module docstring."""

    def resume_reading(self) -> None:
        """UDP has no flow control; see the module docstring."""

    def force_close(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    async def shutdown(self, timeout: float) -> None:
        """Close at once: UDP has no handshake, so ``timeout`` does not matter."""
        self.silence()
        if self._transport is None:
            return
        self._transport.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lost.wait(), _LOST_GRACE)
