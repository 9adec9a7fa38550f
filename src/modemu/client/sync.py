"""The blocking client: :class:`Modem` runs :class:`AsyncModem` on a background loop.

There is one command surface. Each method here forwards to the coroutine of the same
name on a private event loop thread and blocks for its result, so the async and sync
clients cannot drift apart in behaviour; only the socket objects get a BSD-socket shape
(:class:`Socket`: ``connect``/``send``/``sendall``/``recv``/``settimeout``/``makefile``).

URC callbacks added with :meth:`Modem.add_urc_listener` run on the loop thread and must
not block; :meth:`Modem.urcs` is a blocking iterator for a consumer thread.
"""

from __future__ import annotations

import asyncio
import errno
import io
import queue
import socket as _socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar

from modemu.at.limits import MAX_READ
from modemu.client.aio import AsyncModem, PingResult
from modemu.client.closing import Closing
from modemu.client.events import Response, Urc
from modemu.client.ports import DEFAULT_BAUDRATE
from modemu.client.sockets import AsyncListener, AsyncSocket
from modemu.client.streams import StreamSocket
from modemu.errors import ConnectionClosed, LocalProtocolError, ModemTimeout

__all__ = ["Listener", "Modem", "Socket", "UrcIterator"]

T = TypeVar("T")
Address = tuple[str, int]


class _LoopThread:
    """An event loop on a daemon thread; :meth:`run` blocks the caller for a coroutine."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._stopped = False
        self._thread = threading.Thread(target=self._main, name="modemu-loop", daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise LocalProtocolError("blocking call from a URC callback (the loop thread)")
        if self._stopped:
            coro.close()  # a stopped loop would never run it: fail instead of hanging
            raise ConnectionClosed("the modem was closed")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self._stopped = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


class Modem(Closing):
    """A module on an AT port, blocking API. ``Modem("/dev/ttyUSB2")`` opens and initializes.

    Method names and arguments are those of :class:`~modemu.client.aio.AsyncModem`.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        initialize: bool = True,
        command_timeout: float = 5.0,
        lines: bool | None = None,
        **serial_options: Any,
    ) -> None:
        self._runner = _LoopThread()
        try:
            self.aio: AsyncModem = self._runner.run(
                AsyncModem.open(
                    url,
                    baudrate=baudrate,
                    initialize=initialize,
                    command_timeout=command_timeout,
                    lines=lines,
                    **serial_options,
                )
            )
        except BaseException:
            self._runner.stop()
            raise
        self._closed = False

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro)

    def close(self) -> None:
        """Close the port and stop the loop thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self.aio.close())
        finally:
            self._runner.stop()

    # -- commands (same names as AsyncModem) -------------------------------------------

    def command(self, line: str, *, timeout: float | None = None) -> Response:
        return self._run(self.aio.command(line, timeout=timeout))

    def transact(
        self, line: str, *, payload: bytes | None = None, timeout: float | None = None
    ) -> Response:
        return self._run(self.aio.transact(line, payload=payload, timeout=timeout))

    def initialize(self) -> None:
        self._run(self.aio.initialize())

    def wait_ring(self, timeout: float | None = None, *, after: int | None = None) -> int:
        """Wait for an RI pulse (ports with lines: ``rfc2217://``); see AsyncModem."""
        return self._run(self.aio.wait_ring(timeout, after=after))

    def identify(self) -> tuple[str, ...]:
        return self._run(self.aio.identify())

    def attach(self, timeout: float = 60.0, poll: float = 1.0) -> int:
        return self._run(self.aio.attach(timeout, poll))

    def activate(
        self,
        cid: int = 1,
        apn: str = "",
        *,
        user: str = "",
        password: str = "",
        auth: int = 0,
        context_type: int = 1,
        timeout: float = 150.0,
    ) -> str:
        return self._run(
            self.aio.activate(
                cid,
                apn,
                user=user,
                password=password,
                auth=auth,
                context_type=context_type,
                timeout=timeout,
            )
        )

    def context_address(self, cid: int = 1) -> str | None:
        return self._run(self.aio.context_address(cid))

    def deactivate(self, cid: int = 1) -> None:
        self._run(self.aio.deactivate(cid))

    def get_config(self, key: str, *selector: int | str) -> tuple[int | str, ...]:
        return self._run(self.aio.get_config(key, *selector))

    def set_config(self, key: str, *values: int | str) -> None:
        self._run(self.aio.set_config(key, *values))

    def last_error(self) -> Any:
        return self._run(self.aio.last_error())

    def resolve(self, host: str, *, cid: int = 1, timeout: float = 60.0) -> list[str]:
        return self._run(self.aio.resolve(host, cid=cid, timeout=timeout))

    def ping(self, host: str, *, cid: int = 1, timeout: int = 4, count: int = 4) -> PingResult:
        return self._run(self.aio.ping(host, cid=cid, timeout=timeout, count=count))

    def ntp_sync(
        self, server: str, *, port: int = 123, cid: int = 1, timeout: float = 125.0
    ) -> datetime:
        return self._run(self.aio.ntp_sync(server, port=port, cid=cid, timeout=timeout))

    def clock(self) -> datetime:
        return self._run(self.aio.clock())

    # -- URCs ----------------------------------------------------------------------------

    def add_urc_listener(self, callback: Callable[[Urc], None]) -> Callable[[], None]:
        """``callback(urc)`` runs on the loop thread; returns a function that removes it."""
        remove = self._run(_call(lambda: self.aio.add_urc_listener(callback)))

        def remove_from_any_thread() -> None:
            self._runner.loop.call_soon_threadsafe(remove)

        return remove_from_any_thread

    def urcs(self, timeout: float | None = None) -> UrcIterator:
        """Blocking iterator over URCs from now on; ends after ``timeout`` s without one.

        Listening starts when this is called (not at the first ``next``), so a URC that
        arrives between this call and the loop is not missed.
        """
        return UrcIterator(self, timeout)

    # -- sockets -------------------------------------------------------------------------

    def socket(
        self, type: int = _socket.SOCK_STREAM, *, cid: int = 1, transparent: bool = False
    ) -> Socket:
        """A new, unconnected socket: ``SOCK_STREAM`` (TCP) or ``SOCK_DGRAM`` (UDP).

        ``transparent=True`` (TCP only) connects in transparent mode: the port carries
        the bytes and no other command runs until the socket is closed.
        """
        if transparent and type != _socket.SOCK_STREAM:
            raise LocalProtocolError("transparent mode is for TCP client sockets")
        return Socket(self, type, cid, transparent=transparent)

    def create_connection(
        self, address: Address, timeout: float | None = None, *, transparent: bool = False
    ) -> Socket:
        """A connected TCP socket, like :func:`socket.create_connection`."""
        sock = self.socket(transparent=transparent)
        sock.settimeout(timeout)
        sock.connect(address)
        return sock

    def listen(self, port: int, *, cid: int = 1) -> Listener:
        """A TCP listener on the module."""
        return Listener(self, self._run(self.aio.listen(port, cid=cid)))


async def _call(function: Callable[[], T]) -> T:
    """Run a plain function on the loop thread (URC notifier state lives there)."""
    return function()


class UrcIterator(Closing):
    """See :meth:`Modem.urcs`; also a context manager that stops listening."""

    def __init__(self, modem: Modem, timeout: float | None) -> None:
        self._inbox: queue.Queue[Urc] = queue.Queue()
        self._timeout = timeout
        self._remove: Callable[[], None] | None = modem.add_urc_listener(self._inbox.put)

    def __iter__(self) -> Iterator[Urc]:
        return self

    def __next__(self) -> Urc:
        if self._remove is None:
            raise StopIteration
        try:
            return self._inbox.get(timeout=self._timeout)
        except queue.Empty:
            self.close()
            raise StopIteration from None

    def close(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None


class _SocketCore(Protocol):
    """What :class:`Socket` needs: an :class:`AsyncSocket` or a transparent
    :class:`~modemu.client.streams.StreamSocket`."""

    @property
    def closed(self) -> bool: ...

    @property
    def remote(self) -> Any: ...

    @property
    def conn_id(self) -> int | None: ...

    async def recv(self, bufsize: int = ..., timeout: float | None = ...) -> bytes: ...

    async def send(self, data: bytes, timeout: float | None = ...) -> int: ...

    async def sendall(self, data: bytes, timeout: float | None = ...) -> None: ...

    async def close(self) -> None: ...


class Socket(Closing):
    """A module socket with the shape of :class:`socket.socket` (blocking, timeouts)."""

    def __init__(
        self,
        modem: Modem,
        kind: int,
        cid: int,
        inner: AsyncSocket | None = None,
        *,
        transparent: bool = False,
    ) -> None:
        self._modem = modem
        self.type = kind
        self._cid = cid
        self._inner: _SocketCore | None = inner
        self._transparent = transparent
        self._timeout: float | None = None
        self._bound_port = 0

    # -- configuration ---------------------------------------------------------------

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout

    def gettimeout(self) -> float | None:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0

    @property
    def conn_id(self) -> int | None:
        """The module's ``<connectID>`` once connected."""
        return None if self._inner is None else self._inner.conn_id

    def getpeername(self) -> Address | None:
        return None if self._inner is None else self._inner.remote

    # -- connecting ------------------------------------------------------------------

    def bind(self, address: Address) -> None:
        """Choose the local port; on ``SOCK_DGRAM`` this opens a UDP SERVICE at once."""
        self._bound_port = address[1]
        if self.type == _socket.SOCK_DGRAM:
            self._inner = self._modem._run(
                self._modem.aio.udp_service(self._bound_port, cid=self._cid)
            )

    def connect(self, address: Address) -> None:
        host, port = address
        aio = self._modem.aio
        timeout = 150.0 if self._timeout is None else max(self._timeout, 0.1)
        if self._transparent:
            streams = self._modem._run(
                aio.open_connection(host, port, cid=self._cid, transparent=True, timeout=timeout)
            )
            self._inner = StreamSocket(*streams)
            return
        if self.type == _socket.SOCK_DGRAM:
            opener = aio.udp_socket(host, port, cid=self._cid, local_port=self._bound_port)
        else:
            opener = aio.connect(
                host, port, cid=self._cid, local_port=self._bound_port, timeout=timeout
            )
        self._inner = self._modem._run(opener)

    def _sock(self) -> _SocketCore:
        if self._inner is None:
            raise ConnectionClosed("the socket is not connected")
        return self._inner

    def _datagram_sock(self) -> AsyncSocket:
        sock = self._sock()
        if not isinstance(sock, AsyncSocket):
            raise LocalProtocolError("sendto/recvfrom need a UDP socket")
        return sock

    # -- data ------------------------------------------------------------------------

    def send(self, data: bytes) -> int:
        return self._modem._run(self._sock().send(data, self._timeout))

    def sendall(self, data: bytes) -> None:
        self._modem._run(self._sock().sendall(data, self._timeout))

    def sendto(self, data: bytes, address: Address) -> int:
        return self._modem._run(self._datagram_sock().sendto(data, address, self._timeout))

    def recv(self, bufsize: int = MAX_READ) -> bytes:
        """Up to ``bufsize`` bytes; ``b""`` at end of stream; :class:`ModemTimeout`
        (a :class:`TimeoutError`, like ``socket.timeout``) after the timeout, or
        :class:`BlockingIOError` when non-blocking and nothing is there."""
        return self._receive(self._sock().recv(bufsize, self._recv_timeout()))

    def recvfrom(self, bufsize: int = MAX_READ) -> tuple[bytes, Address | None]:
        return self._receive(self._datagram_sock().recvfrom(bufsize, self._recv_timeout()))

    def _receive(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            return self._modem._run(coro)
        except ModemTimeout:
            if self._timeout == 0.0:
                raise BlockingIOError(errno.EAGAIN, "no data from the module") from None
            raise

    def recv_into(self, buffer: bytearray | memoryview, nbytes: int = 0) -> int:
        data = self.recv(nbytes or len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _recv_timeout(self) -> float | None:
        # A non-blocking recv still has to ask the module once; give it a moment.
        return self._timeout if self._timeout != 0.0 else 0.001

    # -- closing ---------------------------------------------------------------------

    def close(self) -> None:
        if self._inner is not None and not self._inner.closed:
            self._modem._run(self._inner.close())

    def makefile(
        self,
        mode: str = "r",
        buffering: int | None = None,
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
    ) -> Any:
        """A file object over the socket, as :meth:`socket.socket.makefile` returns."""
        reading, writing = "r" in mode, "w" in mode
        raw = _SocketIO(self, reading, writing)
        size = io.DEFAULT_BUFFER_SIZE if buffering is None or buffering < 0 else buffering
        if size == 0:
            if "b" not in mode:
                raise ValueError("unbuffered streams must be binary")
            return raw
        buffered: io.BufferedIOBase
        if reading and writing:
            buffered = io.BufferedRWPair(raw, raw, size)
        elif reading:
            buffered = io.BufferedReader(raw, size)
        else:
            buffered = io.BufferedWriter(raw, size)
        if "b" in mode:
            return buffered
        return io.TextIOWrapper(buffered, encoding, errors, newline)


class _SocketIO(io.RawIOBase):
    """Raw I/O over a :class:`Socket` (what ``socket.SocketIO`` is for real sockets)."""

    def __init__(self, sock: Socket, reading: bool, writing: bool) -> None:
        super().__init__()
        self._sock = sock
        self._reading = reading
        self._writing = writing

    def readable(self) -> bool:
        return self._reading

    def writable(self) -> bool:
        return self._writing

    def readinto(self, buffer: Any) -> int:
        try:
            return self._sock.recv_into(memoryview(buffer).cast("B"))
        except ModemTimeout:
            raise
        except ConnectionClosed:
            return 0

    def write(self, data: Any) -> int:
        self._sock.sendall(bytes(data))
        return len(data)


class Listener(Closing):
    """A TCP listener on the module (blocking); ``accept`` returns ``(Socket, address)``."""

    def __init__(self, modem: Modem, inner: AsyncListener) -> None:
        self._modem = modem
        self._inner = inner
        self._timeout: float | None = None

    @property
    def port(self) -> int:
        return self._inner.local_port

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout

    def accept(self) -> tuple[Socket, Address | None]:
        inner = self._modem._run(self._inner.accept(self._timeout))
        sock = Socket(self._modem, _socket.SOCK_STREAM, inner.context_id, inner)
        return sock, inner.remote

    def close(self) -> None:
        self._modem._run(self._inner.close())
