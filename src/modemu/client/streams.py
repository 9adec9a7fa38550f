"""asyncio transports over module sockets, so ``open_connection`` returns real streams.

:class:`SocketTransport` bridges an :class:`~modemu.client.sockets.AsyncSocket` (buffer or
push mode) to a ``StreamReaderProtocol``: a pump task reads with ``recv`` while the reader
is not paused, and a sender task drains written bytes in ``AT+QISEND`` pieces, pausing
the writer above a high-water mark so ``drain()`` applies back-pressure.

:class:`TransparentTransport` is the same for a transparent-mode socket: writes go to the
port as they are, and leaving (``close``) means ``+++`` with its guard times, then
``AT+QICLOSE``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from modemu.at.limits import MAX_READ, MAX_SEND
from modemu.client.sockets import AsyncSocket
from modemu.errors import ConnectionClosed, ModemTimeout, ModemuError

if TYPE_CHECKING:
    from modemu.client.aio import AsyncModem

__all__ = ["SocketTransport", "StreamSocket", "TransparentTransport", "make_streams"]

log = logging.getLogger(__name__)

HIGH_WATER = 64 * 1024
LOW_WATER = 16 * 1024


class _BaseTransport(asyncio.Transport):
    """Write buffering, flow control and close bookkeeping shared by both transports."""

    def __init__(self, loop: asyncio.AbstractEventLoop, extra: dict[str, Any]) -> None:
        super().__init__(extra)
        self._loop = loop
        self._protocol: asyncio.BufferedProtocol | asyncio.Protocol | None = None
        self._closing = False
        self._lost = False
        self._reading = asyncio.Event()
        self._reading.set()
        self._tasks: set[asyncio.Task[None]] = set()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # type: ignore[assignment]

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self._protocol is not None
        return self._protocol

    def is_closing(self) -> bool:
        return self._closing

    def is_reading(self) -> bool:
        return self._reading.is_set()

    def pause_reading(self) -> None:
        self._reading.clear()

    def resume_reading(self) -> None:
        self._reading.set()

    def can_write_eof(self) -> bool:
        return False  # the module has no half-close

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _connection_lost(self, exc: BaseException | None) -> None:
        """Tell the protocol exactly once; ``StreamWriter.wait_closed`` waits for this."""
        if self._lost:
            return
        self._lost = True
        self._closing = True
        if self._protocol is not None:
            self._protocol.connection_lost(exc if isinstance(exc, Exception) else None)

    def _deliver(self, data: bytes) -> None:
        if self._protocol is not None and not self._lost:
            self._protocol.data_received(data)  # type: ignore[union-attr]

    def _deliver_eof(self) -> bool:
        """Report end of stream; True if the protocol wants the transport kept open."""
        if self._protocol is not None and not self._lost:
            return bool(self._protocol.eof_received())
        return False


class SocketTransport(_BaseTransport):
    """Transport over a buffer- or push-mode module socket."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: AsyncSocket) -> None:
        extra = {"peername": sock.remote, "sockname": ("", sock.local_port), "socket": sock}
        super().__init__(loop, extra)
        self.sock = sock
        self._out = bytearray()
        self._out_ready = asyncio.Event()
        self._writing_paused = False

    def start(self) -> None:
        self._spawn(self._pump())
        self._spawn(self._sender())

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            raise ConnectionClosed("write on a closing transport")
        self._out += data
        self._out_ready.set()
        if not self._writing_paused and len(self._out) > HIGH_WATER:
            self._writing_paused = True
            self._protocol.pause_writing()  # type: ignore[union-attr]

    def get_write_buffer_size(self) -> int:
        return len(self._out)

    def _connection_lost(self, exc: BaseException | None) -> None:
        super()._connection_lost(exc)
        self._out_ready.set()  # let an idle sender task finish

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._out_ready.set()  # the sender closes the socket once the buffer is empty

    def abort(self) -> None:
        self._out.clear()
        self.close()

    async def _pump(self) -> None:
        try:
            while not self._lost:
                await self._reading.wait()
                data = await self.sock.recv(MAX_READ)
                if not data:
                    if not self._deliver_eof():
                        self.close()  # asyncio semantics; the module cannot half-close
                    return
                self._deliver(data)
        except ModemuError as exc:
            if not self._closing:
                self._connection_lost(exc)

    async def _sender(self) -> None:
        """Send what is written; at the end, always release the module's socket."""
        error: ModemuError | None = None
        try:
            await self._send_until_closed()
        except ModemuError as exc:
            error = exc
        try:
            await self.sock.close()
        except ModemuError as exc:
            error = error or exc
        self._connection_lost(error)

    async def _send_until_closed(self) -> None:
        while True:
            if not self._out:
                if self._closing:
                    return
                self._out_ready.clear()
                await self._out_ready.wait()
                continue
            chunk = bytes(self._out[:MAX_SEND])
            await self.sock.send(chunk)
            del self._out[: len(chunk)]
            self._maybe_resume_writing()

    def _maybe_resume_writing(self) -> None:
        if self._writing_paused and len(self._out) <= LOW_WATER:
            self._writing_paused = False
            self._protocol.resume_writing()  # type: ignore[union-attr]


class TransparentTransport(_BaseTransport):
    """Transport over the port itself while it is in transparent mode for one socket."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, modem: AsyncModem, conn_id: int, remote: Any
    ) -> None:
        super().__init__(loop, {"peername": remote, "conn_id": conn_id})
        self.modem = modem
        self.conn_id = conn_id

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            raise ConnectionClosed("write on a closing transport")
        self.modem.write_transparent(bytes(data))

    def get_write_buffer_size(self) -> int:
        return 0

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._spawn(self._leave())

    def abort(self) -> None:
        self.close()

    def feed(self, data: bytes) -> None:
        """Peer bytes from the port (called by the modem on the loop thread)."""
        self._deliver(data)

    def link_lost(self) -> None:
        """``NO CARRIER``: the peer closed; the module keeps the socket until QICLOSE."""
        self._deliver_eof()
        if self._closing:
            return
        self._closing = True
        self._spawn(self._leave())

    async def _leave(self) -> None:
        try:
            await self.modem.leave_transparent()
            await self.modem.command(f"AT+QICLOSE={self.conn_id}", timeout=15.0)
        except ModemuError as exc:
            log.debug("leaving transparent socket %d: %s", self.conn_id, exc)
            self._connection_lost(exc)
            return
        finally:
            self.modem.forget_socket(self.conn_id)
        self._connection_lost(None)


def make_streams(
    loop: asyncio.AbstractEventLoop, transport: _BaseTransport, limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Wire a reader/writer pair to ``transport`` as ``asyncio.open_connection`` would."""
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    writer = asyncio.StreamWriter(transport, protocol, reader, loop)
    return reader, writer


class StreamSocket:
    """The socket operations (``recv``/``send``/``close``) over a transparent stream pair,
    so the blocking :class:`~modemu.client.sync.Socket` can use transparent mode too."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.remote = writer.get_extra_info("peername")
        self.conn_id: int | None = writer.get_extra_info("conn_id")
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def recv(self, bufsize: int = MAX_READ, timeout: float | None = None) -> bytes:
        if self._closed:
            raise ConnectionClosed("the socket is closed")
        try:
            return await asyncio.wait_for(self.reader.read(bufsize), timeout)
        except TimeoutError:
            raise ModemTimeout("nothing received in time") from None

    async def send(self, data: bytes, timeout: float | None = None) -> int:
        await self.sendall(data, timeout)
        return len(data)

    async def sendall(self, data: bytes, timeout: float | None = None) -> None:
        if self._closed:
            raise ConnectionClosed("the socket is closed")
        self.writer.write(data)
        try:
            await asyncio.wait_for(self.writer.drain(), timeout)
        except TimeoutError:
            raise ModemTimeout("the module did not take the data in time") from None

    async def close(self) -> None:
        """Leave transparent mode (``+++``, 2 s of guard time) and ``AT+QICLOSE``."""
        if self._closed:
            return
        self._closed = True
        self.writer.close()
        await self.writer.wait_closed()
