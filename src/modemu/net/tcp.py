"""One TCP connection of the module (client or accepted), as an asyncio ``BufferedProtocol``.

A protocol rather than streams, so the engine's ``pause_reading`` is the transport's own
and back-pressure reaches the peer as a closed TCP window. A *buffered* protocol so that one
read can take up to :data:`READ_BUFFER` bytes: uvloop's own reads stop at 256 KiB, and in a
bulk download every read costs a loop wake-up and one pass through the net layers and the
engine (docs/performance.md, "Data path").

Lifecycle rules the engine relies on:

* nothing is reported before :meth:`TcpStream.start`; bytes (and an EOF or error) that arrive
  earlier are held and reported, in order, by ``start``. Accepted connections stay paused
  until then, so the data waits in the kernel;
* after :meth:`TcpStream.silence` (the engine asked to close) nothing more is reported;
* ``PeerClosed`` is reported at most once: ``error=False`` for the peer's FIN, ``error=True``
  when the connection fails without one (reset, timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import socket
import struct
import termios
import threading
from collections.abc import Callable
from typing import Any, cast

from modemu.net.base import NetEvent, PeerClosed, Received

log = logging.getLogger(__name__)

Emit = Callable[[NetEvent], None]
READ_BUFFER = 1 << 20
"""Bytes one socket read may take (what the kernel holds, at most this)."""
_LOST_GRACE = 1.0
_ACK_POLL = 0.005
"""Seconds between checks of the kernel's unacknowledged byte count while closing."""
"""Seconds to wait for the transport's ``connection_lost`` after an abort (one loop turn)."""


def kernel_unacked(sock: Any) -> int:
    """Bytes in the kernel's send queue not yet acknowledged by the peer (``SIOCOUTQ``)."""
    try:
        fd = sock.fileno()
        if fd < 0:
            return 0
        raw = fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0\0\0\0")
    except (OSError, ValueError):
        return 0
    return int(struct.unpack("i", raw)[0])


def set_linger_zero(sock: Any) -> None:
    """Make the coming close send RST and free the port at once (no FIN, no TIME_WAIT)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class _ReadBuffer(threading.local):
    """One read buffer per thread, shared by every stream its loop serves: a loop fills one
    stream's buffer and calls that stream's ``buffer_updated`` before it asks another, and
    the bytes are copied out there. Made on the first read (an idle fleet has none)."""

    view: memoryview | None = None

    def get(self) -> memoryview:
        view = self.view
        if view is None:
            view = self.view = memoryview(bytearray(READ_BUFFER))
        return view


_read_buffer = _ReadBuffer()


class TcpStream(asyncio.BufferedProtocol):
    """A connected TCP socket reporting ``Received``/``PeerClosed`` for ``conn_id``."""

    def __init__(
        self,
        emit: Emit,
        conn_id: int | None = None,
        on_connect: Callable[[TcpStream], None] | None = None,
    ) -> None:
        self.conn_id = conn_id
        self._emit = emit
        self._on_connect = on_connect
        self._transport: asyncio.Transport | None = None
        self._started = False
        self._silenced = False
        self._discarding = False
        self._user_paused = False
        self._eof_sent = False
        self._held: list[bytes] = []
        self._eof_seen = False
        self._lost_error: bool | None = None
        self._reported = False
        self._final_backlog = 0
        self._batch: bytearray | None = None
        """Bytes sent during the current loop turn, written to the kernel in one call."""
        self._peer_done = asyncio.Event()
        self._lost = asyncio.Event()

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio's, so no isinstance check
        self._transport = cast(asyncio.Transport, transport)
        # Until start(): an accepted socket waits for accept(). uvloop starts reading after
        # connection_made regardless, so a read before start() is held and reading paused.
        self._transport.pause_reading()
        if self._on_connect is not None:
            self._on_connect(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        return _read_buffer.get()

    def buffer_updated(self, nbytes: int) -> None:
        self._received(bytes(_read_buffer.get()[:nbytes]))

    def _received(self, data: bytes) -> None:
        if self._silenced or self._discarding:
            return
        if not self._started or self._user_paused or self._held:
            # Not reportable yet (before start, or a read that raced a pause): keep it, in
            # order, and stop reading; _drain_held delivers it once reporting may go on.
            self._held.append(data)
            self._pause_transport()
            return
        assert self.conn_id is not None
        self._emit(Received(self.conn_id, data))

    def eof_received(self) -> bool:
        self._eof_seen = True
        self._peer_done.set()
        self._report_peer_closed(error=False)
        return True  # keep our sending side open: the engine decides when to close

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._final_backlog = kernel_unacked(self._transport.get_extra_info("socket"))
        self._lost_error = exc is not None or not self._eof_seen
        self._peer_done.set()
        self._lost.set()
        self._report_peer_closed(error=self._lost_error)

    # -- engine-facing ---------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return not self._lost.is_set()

    def local(self) -> tuple[str, int]:
        return self._address("sockname")

    def remote(self) -> tuple[str, int]:
        return self._address("peername")

    def host_socket(self) -> Any:
        return None if self._transport is None else self._transport.get_extra_info("socket")

    def start(self, conn_id: int) -> None:
        """Begin reporting as ``conn_id``: flush what was held, then read (unless paused)."""
        self.conn_id = conn_id
        self._started = True
        self._drain_held()

    def silence(self) -> None:
        self._silenced = True

    def send(self, data: bytes) -> None:
        """Queue bytes; everything sent in one loop turn reaches the kernel in one write.

        Transparent mode hands over one packet per ``transpktsize`` bytes; on a TCP stream
        those boundaries are invisible on the wire, and one ``send()`` per packet cost
        about a third of the host-to-network throughput (docs/performance.md).
        """
        transport = self._transport
        if transport is None or transport.is_closing() or self._eof_sent:
            log.debug("conn %s: dropping %d bytes, socket not writable", self.conn_id, len(data))
            return
        if self._batch is None:
            self._batch = bytearray(data)
            asyncio.get_running_loop().call_soon(self._flush_batch)
        else:
            self._batch += data

    def _flush_batch(self) -> None:
        batch, self._batch = self._batch, None
        transport = self._transport
        if batch and transport is not None and not transport.is_closing():
            transport.write(batch)

    def backlog(self) -> int:
        if self._transport is None:
            return 0
        if self._lost.is_set():
            return self._final_backlog
        sock = self._transport.get_extra_info("socket")
        batched = len(self._batch) if self._batch is not None else 0
        return batched + self._transport.get_write_buffer_size() + kernel_unacked(sock)

    def pause_reading(self) -> None:
        self._user_paused = True
        if self._started and not self._discarding:
            self._pause_transport()

    def resume_reading(self) -> None:
        self._user_paused = False
        if self._started:
            self._drain_held()

    def force_close(self) -> None:
        """Reset the connection now; unsent data is dropped."""
        transport = self._transport
        if transport is None or self._lost.is_set():
            return
        set_linger_zero(transport.get_extra_info("socket"))
        transport.abort()

    async def shutdown(self, timeout: float) -> None:
        """Close as ``AT+QICLOSE`` does; returns once the host socket is closed.

        ``timeout`` 0: close at once without waiting. Data not yet handed to the kernel is
        dropped; the kernel still sends what it holds, then FIN. Otherwise: send FIN after
        the queued data and wait until the peer has acknowledged all of it and the FIN (the
        spec's "FIN-ACK"; a live peer's kernel sends it at once, even if its application
        never closes) or has closed too; if neither happens within ``timeout`` s (the peer
        does not read, or is gone), reset the connection (the spec's "force-closed").
        """
        self.silence()
        transport = self._transport
        if transport is None:
            return
        if timeout <= 0:
            transport.abort()
        elif not self._lost.is_set():
            try:
                async with asyncio.timeout(timeout):
                    await self._close_gracefully(transport)
            except TimeoutError:
                log.debug("conn %s: peer did not close within %s s", self.conn_id, timeout)
                self.force_close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lost.wait(), _LOST_GRACE)

    # -- internals -------------------------------------------------------------------------

    async def _close_gracefully(self, transport: asyncio.Transport) -> None:
        self._discarding = True  # keep reading so the peer's FIN is seen; drop its data
        self._resume_transport()
        self._flush_batch()  # queued bytes go before the FIN
        if not transport.is_closing() and transport.can_write_eof() and not self._eof_sent:
            self._eof_sent = True
            transport.write_eof()  # asyncio shuts down only after the buffer is flushed
        while not (self._peer_done.is_set() or self._lost.is_set() or self._fin_acked()):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._peer_done.wait(), _ACK_POLL)
        transport.close()  # flushes what is still buffered, then closes the socket
        await self._lost.wait()

    def _fin_acked(self) -> bool:
        """Everything we sent, FIN included, is acknowledged (FIN takes a sequence number,
        so the kernel's unacknowledged count only reaches 0 once the FIN is ACKed)."""
        return self._eof_sent and self.backlog() == 0

    def _drain_held(self) -> None:
        """Report held data (stopping if the engine pauses), then a held close, then read."""
        while self._held and not self._user_paused and not self._silenced:
            assert self.conn_id is not None
            self._emit(Received(self.conn_id, self._held.pop(0)))
        if self._held or self._silenced:
            return
        if self._lost_error is not None:
            self._report_peer_closed(error=self._lost_error)
        elif self._eof_seen:
            self._report_peer_closed(error=False)
        elif not self._user_paused:
            self._resume_transport()

    def _report_peer_closed(self, error: bool) -> None:
        """At most once, and only after every byte that came before it was reported."""
        if self._reported or self._silenced or not self._started or self._held:
            return
        if self.conn_id is None:
            return
        self._reported = True
        self._emit(PeerClosed(self.conn_id, error=error))

    def _pause_transport(self) -> None:
        transport = self._transport
        if transport is not None and transport.is_reading():
            transport.pause_reading()

    def _resume_transport(self) -> None:
        transport = self._transport
        if transport is not None and not transport.is_closing() and not transport.is_reading():
            transport.resume_reading()

    def _address(self, name: str) -> tuple[str, int]:
        value = None if self._transport is None else self._transport.get_extra_info(name)
        if not value:
            return ("0.0.0.0", 0)
        return (str(value[0]), int(value[1]))
