"""Sockets that live inside the module: TCP/UDP clients, UDP services, listeners.

An :class:`AsyncSocket` is one ``<connectID>`` of the module. In buffer mode (the default)
the module keeps incoming bytes and announces them with ``+QIURC: "recv",<id>`` only when
its buffer goes from empty to non-empty; the socket therefore remembers that announcement
and reads with ``AT+QIRD`` until the buffer is empty again. Reading only when the
application asks keeps the module's buffer as the back-pressure point: when it is full
the module stops reading its TCP socket and the peer's window closes (spec §16).

In direct-push mode the payloads arrive by themselves (``PushData`` events) and are
queued here.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING

from modemu.at.answers import ReadHeader, parse_read_line
from modemu.at.codes import QiError
from modemu.at.limits import MAX_READ, MAX_SEND
from modemu.at.params import ServiceType
from modemu.client.closing import AsyncClosing
from modemu.client.events import FinalKind, Response
from modemu.errors import (
    CommandError,
    ConnectionClosed,
    LocalProtocolError,
    ModemTimeout,
    SendFailed,
)

if TYPE_CHECKING:
    from modemu.client.aio import AsyncModem

__all__ = ["MAX_READ", "MAX_SEND", "AsyncListener", "AsyncSocket", "Service"]

_SEND_FAIL_BACKOFF = (0.02, 0.5)
QISEND_COUNTERS = 3
"""``+QISEND: <total>,<acked>,<unacked>``."""
"""First and largest pause before retrying after ``SEND FAIL`` (module buffer full)."""

Address = tuple[str, int]


Service = ServiceType
"""``<service_type>`` of ``AT+QIOPEN`` / ``+QISTATE``: the shared enum of :mod:`modemu.at`."""


class AsyncSocket(AsyncClosing):
    """One connected (or bound) socket of the module; create it through :class:`AsyncModem`.

    The ``on_*`` methods are its delivery interface (:class:`~modemu.client.table.SocketEndpoint`):
    the modem's socket table calls them; applications do not.
    """

    def __init__(
        self,
        modem: AsyncModem,
        conn_id: int,
        service: ServiceType,
        remote: Address | None,
        *,
        context_id: int = 1,
        local_port: int = 0,
    ) -> None:
        self.modem = modem
        self.conn_id = conn_id
        self.service = service
        self.remote = remote
        self.context_id = context_id
        self.local_port = local_port
        self._stream = bytearray()
        self._datagrams: deque[tuple[bytes, Address | None]] = deque()
        self._wakeup = asyncio.Event()
        self._announced = 0
        """Bumped by every ``recv`` URC; a read that saw no change may clear ``_unread``."""
        self._unread = False
        self._peer_closed = False
        self._closed = False

    # -- state ---------------------------------------------------------------------------

    @property
    def datagram(self) -> bool:
        return self.service.datagram

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran (or the module lost the socket for good)."""
        return self._closed

    @property
    def peer_closed(self) -> bool:
        """True after ``+QIURC: "closed"``: no more data will arrive beyond what is buffered."""
        return self._peer_closed

    def __repr__(self) -> str:
        return f"<AsyncSocket {self.conn_id} {self.service.value} remote={self.remote}>"

    # -- delivery from the socket table (called on the loop thread) ----------------------

    def on_data_announced(self) -> None:
        self._announced += 1
        self._unread = True
        self._wakeup.set()

    def on_push(self, data: bytes, remote: Address | None) -> None:
        if self.datagram:
            self._datagrams.append((data, remote or self.remote))
        else:
            self._stream += data
        self._wakeup.set()

    def on_peer_closed(self) -> None:
        self._peer_closed = True
        self._unread = True  # data stays readable after the peer closed (spec §7.1)
        self._wakeup.set()

    def on_gone(self) -> None:
        """The module or the port is gone: nothing more can be read or sent."""
        self._peer_closed = True
        self._unread = False
        self._closed = True
        self._wakeup.set()

    # -- receiving -----------------------------------------------------------------------

    async def recv(self, bufsize: int = MAX_READ, timeout: float | None = None) -> bytes:
        """Up to ``bufsize`` bytes; ``b""`` once the peer has closed and all data is read.

        For UDP this is one datagram (truncated to ``bufsize``, like a BSD socket).
        """
        if self.datagram:
            data, _ = await self.recvfrom(bufsize, timeout)
            return data
        deadline = _deadline(timeout)
        while True:
            if self._stream:
                data = bytes(self._stream[:bufsize])
                del self._stream[:bufsize]
                return data
            self._check_usable()
            if self._unread:
                data = await self._read_module(min(bufsize, MAX_READ))
                if data:
                    return data
                continue
            if self._peer_closed:
                return b""
            await self._wait(deadline)

    async def recvfrom(
        self, bufsize: int = MAX_READ, timeout: float | None = None
    ) -> tuple[bytes, Address | None]:
        """One datagram and its sender (UDP SERVICE) or the connected peer (UDP)."""
        deadline = _deadline(timeout)
        while True:
            if self._datagrams:
                data, sender = self._datagrams.popleft()
                return data[:bufsize], sender
            self._check_usable()
            if self._unread:
                await self._read_module(MAX_READ)
                continue
            if self._peer_closed:
                return b"", None
            await self._wait(deadline)

    async def _read_module(self, size: int) -> bytes:
        """One ``AT+QIRD``; clears the unread flag when the module's buffer is empty."""
        seen = self._announced
        try:
            response = await self.modem.command(f"AT+QIRD={self.conn_id},{size}")
        except CommandError:
            if not self._peer_closed:
                raise
            self._unread = False  # freed by the module (passiveclosed=1): end of stream
            return b""
        data = response.data or b""
        drained = not data or (not self.datagram and len(data) < size)
        if drained and seen == self._announced:
            self._unread = False
        if data and self.datagram:
            self._datagrams.append((data, _qird_sender(response) or self.remote))
            return b""
        return data

    async def _wait(self, deadline: float | None) -> None:
        self._wakeup.clear()
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise ModemTimeout(f"socket {self.conn_id}: nothing received in time")
        try:
            await asyncio.wait_for(self._wakeup.wait(), remaining)
        except TimeoutError:
            raise ModemTimeout(f"socket {self.conn_id}: nothing received in time") from None

    def _check_usable(self) -> None:
        if self._closed:
            raise ConnectionClosed(f"socket {self.conn_id} is closed")

    # -- sending -------------------------------------------------------------------------

    async def send(self, data: bytes, timeout: float | None = None) -> int:
        """Send up to 1460 bytes with one ``AT+QISEND``; returns how many were sent.

        ``SEND FAIL`` (the module's send buffer is full) is retried with a growing pause
        until ``timeout``; ``SEND OK`` means queued in the module, not acknowledged.
        """
        if self.service is ServiceType.UDP_SERVICE:
            raise LocalProtocolError("UDP SERVICE sockets need sendto()")
        chunk = bytes(data[:MAX_SEND])
        if not chunk:
            return 0
        await self._send_line(f"AT+QISEND={self.conn_id},{len(chunk)}", chunk, timeout)
        return len(chunk)

    async def sendall(self, data: bytes, timeout: float | None = None) -> None:
        """Send everything, in 1460-byte ``AT+QISEND`` pieces."""
        view = memoryview(data)
        while view:
            sent = await self.send(bytes(view[:MAX_SEND]), timeout)
            view = view[sent:]

    async def sendto(self, data: bytes, address: Address, timeout: float | None = None) -> int:
        """One datagram from a UDP SERVICE socket to ``address`` (dotted IPv4, port)."""
        if len(data) > MAX_SEND:
            raise LocalProtocolError(f"datagram of {len(data)} bytes exceeds {MAX_SEND}")
        if self.service is not ServiceType.UDP_SERVICE:
            return await self.send(data, timeout)
        host, port = address
        line = f'AT+QISEND={self.conn_id},{len(data)},"{host}",{port}'
        await self._send_line(line, bytes(data), timeout)
        return len(data)

    async def _send_line(self, line: str, payload: bytes, timeout: float | None) -> None:
        self._check_usable()
        deadline = _deadline(timeout)
        pause = _SEND_FAIL_BACKOFF[0]
        while True:
            response = await self.modem.transact(line, payload=payload)
            if response.kind is FinalKind.SEND_OK:
                return
            if response.kind is not FinalKind.SEND_FAIL:
                await self._raise_send_error(response)
            if deadline is not None and time.monotonic() + pause > deadline:
                raise SendFailed(line, response.result)
            await asyncio.sleep(pause)
            pause = min(pause * 2, _SEND_FAIL_BACKOFF[1])

    async def _raise_send_error(self, response: Response) -> None:
        try:
            await self.modem.raise_for(response)
        except CommandError as exc:
            if self._peer_closed or exc.qi_error in (QiError.SOCKET_CLOSED, QiError.WRITE_FAILED):
                raise ConnectionClosed(f"socket {self.conn_id} was closed by the peer") from exc
            raise
        raise CommandError(response.command, response.result)

    async def send_counters(self) -> tuple[int, int, int]:
        """``AT+QISEND=<id>,0``: (bytes accepted, acknowledged by the peer, unacknowledged)."""
        response = await self.modem.command(f"AT+QISEND={self.conn_id},0")
        values = [int(arg.text) for arg in response.info_args("+QISEND")]
        if len(values) != QISEND_COUNTERS:
            raise CommandError(response.command, "no +QISEND counters in the answer")
        return values[0], values[1], values[2]

    # -- closing -------------------------------------------------------------------------

    async def close(self, timeout: int = 10) -> None:
        """``AT+QICLOSE``; unread data is discarded. Closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self._wakeup.set()
        try:
            await self.modem.command(f"AT+QICLOSE={self.conn_id},{timeout}", timeout=timeout + 5.0)
        finally:
            self.modem.forget_socket(self.conn_id)


class AsyncListener(AsyncClosing):
    """A ``TCP LISTENER`` on the module; :meth:`accept` yields ``TCP INCOMING`` sockets.

    ``on_incoming``/``on_gone`` are its delivery interface
    (:class:`~modemu.client.table.ListenerEndpoint`), called by the modem's socket table.
    """

    def __init__(self, modem: AsyncModem, conn_id: int, local_port: int, context_id: int) -> None:
        self.modem = modem
        self.conn_id = conn_id
        self.local_port = local_port
        self.context_id = context_id
        self._incoming: asyncio.Queue[AsyncSocket | None] = asyncio.Queue()
        self._closed = False

    def on_incoming(self, conn_id: int, remote: Address) -> AsyncSocket:
        """A client arrived as ``conn_id``: it becomes a ``TCP INCOMING`` socket."""
        sock = AsyncSocket(
            self.modem,
            conn_id,
            ServiceType.TCP_INCOMING,
            remote,
            context_id=self.context_id,
            local_port=self.local_port,
        )
        self._incoming.put_nowait(sock)
        return sock

    def on_gone(self) -> None:
        self._closed = True
        self._incoming.put_nowait(None)

    async def accept(self, timeout: float | None = None) -> AsyncSocket:
        """The next accepted client (its ``remote`` is the client's address)."""
        if self._closed:
            raise ConnectionClosed(f"listener {self.conn_id} is closed")
        try:
            sock = await asyncio.wait_for(self._incoming.get(), timeout)
        except TimeoutError:
            raise ModemTimeout(f"listener {self.conn_id}: no client in time") from None
        if sock is None:
            self._incoming.put_nowait(None)
            raise ConnectionClosed(f"listener {self.conn_id} is closed")
        return sock

    async def close(self) -> None:
        """Close the listener only; accepted sockets stay open (spec §5.2)."""
        if self._closed:
            return
        self.on_gone()
        try:
            await self.modem.command(f"AT+QICLOSE={self.conn_id}", timeout=15.0)
        finally:
            self.modem.forget_socket(self.conn_id)


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _qird_sender(response: Response) -> Address | None:
    """The origin in ``+QIRD: <n>,"<ip>",<port>`` (UDP SERVICE), if present."""
    for line in response.lines:
        answer = parse_read_line(line)
        if isinstance(answer, ReadHeader):
            return answer.remote
    return None
