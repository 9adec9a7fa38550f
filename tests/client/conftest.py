"""Loopback peers for the end-to-end client tests: all on 127.0.0.1, port 0, threaded.

Threaded servers work for both the blocking client and ``asyncio.run`` tests, since
they do not share the test's event loop.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from typing import Any

import dnslib
import pytest
from dnslib.server import BaseResolver, DNSServer

CLOSE_COMMAND = b"CLOSE"
"""A TCP echo peer that receives a chunk starting with this closes the connection."""


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        conn: socket.socket = self.request
        while data := conn.recv(65536):
            if data.startswith(CLOSE_COMMAND):
                conn.sendall(b"bye")
                return
            conn.sendall(data)


class _Tcp(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _UdpEchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(data, self.client_address)


def _serve(server: socketserver.BaseServer) -> Iterator[Any]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]  # type: ignore[index]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tcp_echo_port() -> Iterator[int]:
    """A TCP echo server; ``CLOSE`` makes it answer ``bye`` and close."""
    yield from _serve(_Tcp(("127.0.0.1", 0), _EchoHandler))


@pytest.fixture
def udp_echo_port() -> Iterator[int]:
    yield from _serve(socketserver.ThreadingUDPServer(("127.0.0.1", 0), _UdpEchoHandler))


@pytest.fixture
def free_port() -> int:
    """A port that was free a moment ago (for module-side listeners, which need one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def dns_port() -> Iterator[int]:
    """A DNS server: ``modem.test`` → 127.0.0.1 and 127.0.0.2; any other name NXDOMAIN."""

    class Resolver(BaseResolver):  # type: ignore[misc]
        def resolve(self, request: Any, handler: Any) -> Any:
            reply = request.reply()
            if str(request.q.qname).rstrip(".") == "modem.test" and request.q.qtype == 1:
                for ip in ("127.0.0.1", "127.0.0.2"):
                    reply.add_answer(
                        dnslib.RR(request.q.qname, dnslib.QTYPE.A, rdata=dnslib.A(ip), ttl=300)
                    )
            elif str(request.q.qname).rstrip(".") != "modem.test":
                reply.header.rcode = dnslib.RCODE.NXDOMAIN
            return reply

    server = DNSServer(Resolver(), port=0, address="127.0.0.1")
    server.start_thread()
    try:
        yield server.server.server_address[1]
    finally:
        server.stop()


NTP_EPOCH_OFFSET = 2208988800
FIXED_TIME = 1_700_000_000  # 2023-11-14 22:13:20 UTC


class _NtpHandler(socketserver.BaseRequestHandler):
    """Answers every request with a server-mode packet that says FIXED_TIME."""

    def handle(self) -> None:
        data, sock = self.request
        if len(data) < 48:
            return
        stamp = struct.pack("!II", FIXED_TIME + NTP_EPOCH_OFFSET, 0)
        origin = data[40:48]
        header = struct.pack("!BBbb", (0 << 6) | (4 << 3) | 4, 1, 4, -20)
        body = struct.pack("!II", 0, 0) + b"LOCL" + stamp + origin + stamp + stamp
        sock.sendto(header + body, self.client_address)


@pytest.fixture
def ntp_port() -> Iterator[int]:
    yield from _serve(socketserver.ThreadingUDPServer(("127.0.0.1", 0), _NtpHandler))
