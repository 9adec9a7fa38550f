"""A raw TCP port that behaves like a serial cable: ``socket://host:port`` in pyserial.

One host at a time, as with a cable: while a host is connected, any further client is
accepted and closed at once (it reads EOF and nothing else). When the host disconnects the
module keeps running with all its state; the next client talks to the same module. Output
produced while no host is connected is dropped, like bytes sent down an unplugged cable.

No Telnet or RFC 2217 negotiation takes place: every byte is data, both ways.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import cast

from modemu.transport.base import (
    DEFAULT_HIGH_WATER,
    DEFAULT_MAX_BUFFER,
    LinkListener,
    TransportError,
    WaterMarks,
)

__all__ = ["TcpTransport", "format_hostport"]

log = logging.getLogger("modemu.transport.tcp")


def format_hostport(host: str, port: int) -> str:
    """``host:port``, with IPv6 literals in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _HostConnection(asyncio.Protocol):
    """One accepted client; forwards everything to its :class:`TcpTransport`."""

    def __init__(self, owner: TcpTransport) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, so no isinstance check.
        self.transport = cast(asyncio.Transport, transport)
        self.owner._connected(self)

    def data_received(self, data: bytes) -> None:
        self.owner._received(self, data)

    def eof_received(self) -> bool:
        return False  # half-close ends the session, like a cable being pulled

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._lost(self)

    def pause_writing(self) -> None:
        self.owner._writable(self, False)

    def resume_writing(self) -> None:
        self.owner._writable(self, True)


class TcpTransport:
    """Listen on ``host:port`` (port 0: the kernel picks; read :attr:`port` after start)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        high_water: int = DEFAULT_HIGH_WATER,
        low_water: int | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        self._host = host
        self._port = port
        self._marks = WaterMarks(high_water, low_water, max_buffer)
        self._server: asyncio.Server | None = None
        self._listener: LinkListener | None = None
        self._current: _HostConnection | None = None
        self._paused = False
        self._held = bytearray()
        self.refused = 0
        """How many clients were turned away because a host was already connected."""

    # -- public ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The real port once started (useful with port 0)."""
        return self._port

    @property
    def url(self) -> str:
        return f"socket://{format_hostport(self._host, self._port)}"

    @property
    def connected(self) -> bool:
        return self._current is not None

    @property
    def dropped(self) -> int:
        return self._marks.dropped

    def describe(self) -> str:
        return f"tcp {format_hostport(self._host, self._port)}"

    async def start(self, listener: LinkListener) -> None:
        if self._server is not None:
            raise RuntimeError("transport already started")
        loop = asyncio.get_running_loop()
        try:
            server = await loop.create_server(lambda: _HostConnection(self), self._host, self._port)
        except OSError as exc:
            where = format_hostport(self._host, self._port)
            reason = exc.strerror or str(exc)
            raise TransportError(f"cannot listen on tcp {where}: {reason}") from exc
        self._server = server
        self._listener = listener
        self._port = server.sockets[0].getsockname()[1]
        log.info("listening on %s", self.describe())

    def write(self, data: bytes) -> None:
        conn = self._current
        if conn is None or conn.transport is None or not data:
            return
        buffered = conn.transport.get_write_buffer_size()
        fits = self._marks.room(buffered, len(data))
        conn.transport.write(data if fits == len(data) else data[:fits])

    def pause_reading(self) -> None:
        self._paused = True
        if self._current is not None and self._current.transport is not None:
            self._current.transport.pause_reading()

    def resume_reading(self) -> None:
        self._paused = False
        if self._held:
            asyncio.get_running_loop().call_soon(self._release_held)
        if self._current is not None and self._current.transport is not None:
            self._current.transport.resume_reading()

    def _release_held(self) -> None:
        """Deliver bytes that arrived while paused (see :meth:`_received`)."""
        if self._held and not self._paused and self._listener is not None:
            data = bytes(self._held)
            self._held.clear()
            self._listener.data_received(data)

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        if self._current is not None and self._current.transport is not None:
            self._current.transport.close()
        self._current = None
        try:
            await asyncio.wait_for(server.wait_closed(), 2.0)
        except TimeoutError:
            log.warning("tcp server did not close in time")
        log.info("closed %s", self.describe())

    # -- callbacks from _HostConnection ----------------------------------------------------

    def _connected(self, conn: _HostConnection) -> None:
        assert conn.transport is not None
        if self._current is not None or self._server is None:
            self.refused += 1
            log.info("refusing a second host on %s", self.describe())
            conn.transport.close()
            return
        self._current = conn
        sock = conn.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.transport.set_write_buffer_limits(self._marks.high, self._marks.low)
        self._start_session(conn)
        log.info("host connected from %s", conn.transport.get_extra_info("peername"))
        if self._listener is not None:
            self._listener.host_attached()

    def _start_session(self, conn: _HostConnection) -> None:
        """A host was accepted (subclasses set up their protocol state here)."""
        if self._paused and conn.transport is not None:
            conn.transport.pause_reading()

    def _end_session(self) -> None:
        """The host went away (subclasses drop their protocol state here)."""

    def _received(self, conn: _HostConnection, data: bytes) -> None:
        """uvloop starts reading right after ``connection_made`` even when the protocol
        paused it there, so bytes can arrive while paused: hold them until resumed."""
        if conn is not self._current or self._listener is None:
            return
        if self._paused or self._held:
            self._held += data
            if conn.transport is not None and self._paused:
                conn.transport.pause_reading()
            return
        self._listener.data_received(data)

    def _lost(self, conn: _HostConnection) -> None:
        if conn is not self._current:
            return
        self._current = None
        self._held.clear()
        self._end_session()
        log.info("host disconnected from %s", self.describe())
        if self._listener is None:
            return
        if self._marks.reset():
            self._listener.host_writable(True)
        self._listener.host_detached()

    def _writable(self, conn: _HostConnection, writable: bool) -> None:
        if conn is not self._current or self._listener is None:
            return
        if writable != self._marks.writable:
            self._marks.writable = writable
            self._listener.host_writable(writable)
