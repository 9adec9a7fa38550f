"""Creating the host sockets behind ``open``, with the step that failed.

Sockets are made by hand (not by ``create_connection(host, port)``) so that options apply
before ``connect`` (``TCP_SYNCNT`` only matters then) and so that each failing step maps to
its own :class:`~modemu.net.base.NetFailure`: creation, ``bind``, ``listen``, ``connect``.

Clients with an explicit local port bind ``0.0.0.0:<port>`` with ``SO_REUSEADDR``: a port
still in TIME_WAIT from the module's previous connection may be reused at once, but a port
another socket is bound to (or listening on) still fails to bind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator

from modemu.net.base import Address, NetFailure, SocketOptions
from modemu.net.sockopts import apply_tcp_options
from modemu.net.tcp import TcpStream
from modemu.net.udp import UdpEndpoint

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 16
_ANY = "0.0.0.0"


class OpenError(Exception):
    """Opening failed; ``failure`` says at which step."""

    def __init__(self, failure: NetFailure, reason: str) -> None:
        super().__init__(f"{failure.name}: {reason}")
        self.failure = failure


class ResetAfterConnectError(OpenError):
    """The handshake completed, then the peer reset before the socket was handed over.

    ``connect()`` reports ``ECONNRESET`` only for a connection that was established (a refused
    SYN is ``ECONNREFUSED``), so on the network the open *succeeded* and the connection then
    died: a module answers ``+QIOPEN: <id>,0`` and then ``+QIURC: "closed",<id>``, not 566.
    """

    def __init__(self, local: Address, remote: Address, reason: str) -> None:
        super().__init__(NetFailure.CONNECT, reason)
        self.local = local
        self.remote = remote


def _new_socket(kind: int) -> socket.socket:
    try:
        sock = socket.socket(socket.AF_INET, kind)
    except OSError as exc:
        raise OpenError(NetFailure.SOCKET_CREATE, str(exc)) from exc
    sock.setblocking(False)
    return sock


@contextlib.contextmanager
def _socket_until_adopted(kind: int) -> Iterator[socket.socket]:
    """A new non-blocking socket, closed if anything fails (or is cancelled) before asyncio
    takes it over, so a failed open never leaks a descriptor or a bound port."""
    sock = _new_socket(kind)
    try:
        yield sock
    except BaseException:
        sock.close()
        raise


def _bind(sock: socket.socket, host: str, port: int, reuse: bool) -> None:
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise OpenError(NetFailure.BIND, f"bind {host}:{port}: {exc}") from exc


def _sockname(sock: socket.socket) -> Address:
    host, port = sock.getsockname()[:2]
    return (str(host), int(port))


def _apply_options(sock: socket.socket, options: SocketOptions) -> None:
    """Options are best effort: a value the kernel refuses must not fail the open."""
    try:
        apply_tcp_options(sock, options)
    except OSError as exc:
        log.warning("socket options %r not applied: %s", options, exc)


async def open_tcp_client(
    stream: TcpStream,
    remote: Address,
    local_port: int,
    options: SocketOptions,
    timeout: float,
) -> Address:
    """Connect ``stream`` to ``remote``; returns the real local address."""
    loop = asyncio.get_running_loop()
    with _socket_until_adopted(socket.SOCK_STREAM) as sock:
        _apply_options(sock, options)
        if local_port:
            _bind(sock, _ANY, local_port, reuse=True)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, remote), timeout)
        except ConnectionResetError as exc:
            raise ResetAfterConnectError(_sockname(sock), remote, f"reset at {remote}") from exc
        except (OSError, TimeoutError) as exc:
            raise OpenError(NetFailure.CONNECT, f"connect {remote}: {exc!r}") from exc
        local = _sockname(sock)
        await loop.create_connection(lambda: stream, sock=sock)
    return local


async def open_udp_client(endpoint: UdpEndpoint, remote: Address, local_port: int) -> Address:
    """A UDP socket connected to ``remote`` (optionally from ``local_port``)."""
    loop = asyncio.get_running_loop()
    with _socket_until_adopted(socket.SOCK_DGRAM) as sock:
        if local_port:
            _bind(sock, _ANY, local_port, reuse=False)
        try:
            sock.connect(remote)
        except OSError as exc:
            raise OpenError(NetFailure.CONNECT, f"connect {remote}: {exc}") from exc
        local = _sockname(sock)
        await loop.create_datagram_endpoint(lambda: endpoint, sock=sock)
    return local


async def open_udp_service(endpoint: UdpEndpoint, host: str, local_port: int) -> Address:
    """An unconnected UDP socket bound to ``host:local_port``."""
    loop = asyncio.get_running_loop()
    with _socket_until_adopted(socket.SOCK_DGRAM) as sock:
        _bind(sock, host, local_port, reuse=False)
        local = _sockname(sock)
        await loop.create_datagram_endpoint(lambda: endpoint, sock=sock)
    return local


async def open_tcp_listener(
    factory: Callable[[], TcpStream], host: str, local_port: int
) -> tuple[asyncio.AbstractServer, Address]:
    """A listening socket on ``host:local_port`` whose connections ``factory`` handles."""
    loop = asyncio.get_running_loop()
    with _socket_until_adopted(socket.SOCK_STREAM) as sock:
        _bind(sock, host, local_port, reuse=True)
        try:
            sock.listen(LISTEN_BACKLOG)
        except OSError as exc:
            raise OpenError(NetFailure.LISTEN, f"listen {host}:{local_port}: {exc}") from exc
        local = _sockname(sock)
        server = await loop.create_server(factory, sock=sock, start_serving=False)
    try:
        await server.start_serving()
    except BaseException:  # cancelled by a close() racing the open: stop listening
        server.close()
        raise
    return server, local
