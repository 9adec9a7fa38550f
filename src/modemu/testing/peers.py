"""Loopback peers for driver tests: something on the other side of the module's sockets.

Each peer listens on 127.0.0.1 (port 0 picks a free one) in its own thread, records what it
saw, and stops with :meth:`Peer.close` (or as a context manager). The pytest plugin wraps
them as fixtures (``modemu_peer``, ``tcp_echo``…) and ``modemu peer KIND`` runs one from a
shell.

* :class:`TcpEcho`, :class:`UdpEcho` — send back what arrives;
* :class:`Sink` — TCP, keeps every byte (``received``), answers nothing;
* :class:`HttpServer` — any request gets the status, headers and body you chose;
* :class:`DnsServer` — A records you chose (dnspython), NXDOMAIN for the rest;
* :class:`NtpServer` — SNTP answers with the time you chose;
* :class:`ScriptedPeer` — TCP, follows a script per connection: send, expect, wait,
  hold (stay open until the module closes), close (FIN), reset (RST).
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from modemu.client.closing import Closing

__all__ = [
    "DnsServer",
    "HttpServer",
    "NtpServer",
    "Peer",
    "ScriptStep",
    "ScriptedPeer",
    "Sink",
    "TcpEcho",
    "UdpEcho",
    "parse_step",
]

HOST = "127.0.0.1"
NTP_EPOCH_OFFSET = 2208988800
NTP_PACKET = 48
"""An SNTP packet without extensions (RFC 4330)."""
"""Seconds from 1900-01-01 (NTP era 0) to 1970-01-01."""
WAIT = 10.0


class Peer(Closing):
    """A server on loopback in a background thread; ``address`` is ``(host, port)``."""

    kind: ClassVar[str] = "peer"
    udp: ClassVar[bool] = False

    def __init__(self, port: int = 0, host: str = HOST) -> None:
        self.lock = threading.Condition()
        self.received = bytearray()
        """Every byte (TCP) or datagram payload (UDP) that arrived, in order."""
        self.connections = 0
        self.open_connections: set[socket.socket] = set()
        """TCP connections a handler still serves; :meth:`close` ends them."""
        server_type = socketserver.ThreadingUDPServer if self.udp else _TcpServer
        self._server: socketserver.BaseServer = server_type((host, port), self._handler())
        setattr(self._server, "peer", self)  # noqa: B010 - handlers find their peer here
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name=f"peer-{self.kind}",
            daemon=True,
        )
        self._thread.start()

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        raise NotImplementedError

    @property
    def address(self) -> tuple[str, int]:
        address: Any = self._server.server_address
        return str(address[0]), int(address[1])

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        return f"{'udp' if self.udp else 'tcp'}://{self.address[0]}:{self.port}"

    def record(self, data: bytes) -> None:
        with self.lock:
            self.received += data
            self.lock.notify_all()

    def wait_for(self, count: int, timeout: float = WAIT) -> bytes:
        """Block until ``count`` bytes have arrived; :class:`TimeoutError` otherwise."""
        with self.lock:
            if not self.lock.wait_for(lambda: len(self.received) >= count, timeout):
                raise TimeoutError(f"{self.kind}: {len(self.received)} of {count} bytes came")
            return bytes(self.received)

    def close(self) -> None:
        """Stop serving and end every open connection now, so that no late FIN from a
        holding handler reaches a module after the test that used it."""
        self._server.shutdown()
        self._server.server_close()
        with self.lock:
            still_open = list(self.open_connections)
        for sock in still_open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(WAIT)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _peer(handler: socketserver.BaseRequestHandler) -> Any:
    return handler.server.peer  # type: ignore[attr-defined]


class _StreamHandler(socketserver.BaseRequestHandler):
    def setup(self) -> None:
        peer = _peer(self)
        with peer.lock:
            peer.connections += 1
            peer.open_connections.add(self.request)

    def finish(self) -> None:
        peer = _peer(self)
        with peer.lock:
            peer.open_connections.discard(self.request)

    def chunks(self) -> Any:
        sock: socket.socket = self.request
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            _peer(self).record(data)
            yield data


class TcpEcho(Peer):
    kind = "echo"

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        class Echo(_StreamHandler):
            def handle(self) -> None:
                for data in self.chunks():
                    self.request.sendall(data)

        return Echo


class Sink(Peer):
    kind = "sink"

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        class Keep(_StreamHandler):
            def handle(self) -> None:
                for _ in self.chunks():
                    pass

        return Keep


class UdpEcho(Peer):
    kind = "udp-echo"
    udp = True

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        class Echo(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                _peer(self).record(data)
                sock.sendto(data, self.client_address)

        return Echo


class HttpServer(Peer):
    """Answers every request with ``status``, ``body`` and ``headers``; ``requests`` holds
    ``(method, path, body)`` of each."""

    kind = "http"

    def __init__(
        self,
        port: int = 0,
        status: int = 200,
        body: bytes = b"OK",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {"Content-Type": "text/plain"})
        self.requests: list[tuple[str, str, bytes]] = []
        super().__init__(port)

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with peer.lock:
                    peer.requests.append((self.command, self.path, body))
                    peer.connections += 1
                    peer.lock.notify_all()
                self.send_response(peer.status)
                for name, value in peer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(peer.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(peer.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: tests read .requests

        return Handler


class DnsServer(Peer):
    """A records from ``records`` (name → IPv4, case-insensitive, trailing dot optional);
    anything else answers NXDOMAIN. ``queries`` lists the names asked."""

    kind = "dns"
    udp = True

    def __init__(self, records: Mapping[str, str], port: int = 0, ttl: int = 300) -> None:
        self.records = {name.lower().rstrip("."): ip for name, ip in records.items()}
        self.ttl = ttl
        self.queries: list[str] = []
        super().__init__(port)

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        import dns.message  # noqa: PLC0415 - dnspython loads only for a DNS peer
        import dns.rcode  # noqa: PLC0415
        import dns.rdatatype  # noqa: PLC0415
        import dns.rrset  # noqa: PLC0415

        peer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                try:
                    query = dns.message.from_wire(data)
                except Exception:
                    return
                reply = dns.message.make_response(query)
                for question in query.question:
                    name = question.name.to_text().lower().rstrip(".")
                    with peer.lock:
                        peer.queries.append(name)
                    address = peer.records.get(name)
                    if address is None:
                        reply.set_rcode(dns.rcode.NXDOMAIN)
                    elif question.rdtype == dns.rdatatype.A:
                        reply.answer.append(
                            dns.rrset.from_text(question.name, peer.ttl, "IN", "A", address)
                        )
                sock.sendto(reply.to_wire(), self.client_address)

        return Handler


class NtpServer(Peer):
    """SNTP server (RFC 4330) whose clock reads ``unix_time`` plus the seconds since it
    started (``None``: the host's clock)."""

    kind = "ntp"
    udp = True

    def __init__(self, unix_time: float | None = None, port: int = 0) -> None:
        self.offset = 0.0 if unix_time is None else unix_time - time.time()
        super().__init__(port)

    def now(self) -> float:
        return time.time() + self.offset

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        peer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                if len(data) < NTP_PACKET:
                    return
                peer.record(data[:NTP_PACKET])
                stamp = _ntp_stamp(peer.now())
                # LI 0, version from the request, mode 4 (server); stratum 1; poll; precision
                version = (data[0] >> 3) & 0x7
                head = struct.pack("!BBbb", (version << 3) | 4, 1, 4, -20)
                body = struct.pack("!II4s", 0, 0, b"LOCL") + stamp + data[40:48] + stamp + stamp
                sock.sendto(head + body, self.client_address)

        return Handler


def _ntp_stamp(unix_time: float) -> bytes:
    seconds = int(unix_time) + NTP_EPOCH_OFFSET
    fraction = int((unix_time % 1) * 2**32)
    return struct.pack("!II", seconds & 0xFFFFFFFF, fraction)


@dataclass(frozen=True)
class ScriptStep:
    """``send`` data, ``expect`` N bytes, ``wait`` seconds, ``hold`` (record what arrives
    until the module closes or the peer is closed), ``close`` (FIN), ``reset`` (RST)."""

    action: str
    data: bytes = b""
    count: int = 0
    seconds: float = 0.0


def parse_step(text: str) -> ScriptStep:
    """``send:TEXT`` (``\\r``/``\\n`` escapes), ``expect:N``, ``wait:S``, ``hold``, ``close``,
    ``reset``."""
    action, _, value = text.partition(":")
    if action == "send":
        return ScriptStep("send", value.encode().decode("unicode_escape").encode("latin-1"))
    if action == "expect":
        return ScriptStep("expect", count=int(value))
    if action == "wait":
        return ScriptStep("wait", seconds=float(value))
    if action in ("hold", "close", "reset") and not value:
        return ScriptStep(action)
    raise ValueError(f"{text!r}: steps are send:TEXT, expect:N, wait:S, hold, close, reset")


class ScriptedPeer(Peer):
    """Each connection runs ``script`` in order; after the last step the connection is
    closed (FIN) unless the script reset it. ``host`` may be any loopback address, so that a
    driver's fixed port (80) can be served beside whatever holds it on 127.0.0.1."""

    kind = "script"

    def __init__(self, script: Sequence[ScriptStep | str], port: int = 0, host: str = HOST) -> None:
        self.script = [s if isinstance(s, ScriptStep) else parse_step(s) for s in script]
        super().__init__(port, host)

    def _handler(self) -> type[socketserver.BaseRequestHandler]:
        peer = self

        class Handler(_StreamHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(WAIT)
                try:
                    for step in peer.script:
                        if step.action == "send":
                            sock.sendall(step.data)
                        elif step.action == "expect":
                            self._expect(sock, step.count)
                        elif step.action == "wait":
                            time.sleep(step.seconds)  # the peer's own pace, not a test sync
                        elif step.action == "hold":
                            self._hold(sock)
                        elif step.action == "reset":
                            sock.setsockopt(
                                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                            )
                            sock.close()  # now, before socketserver's shutdown sends a FIN
                            return
                        else:
                            break
                except OSError:
                    return

            def _hold(self, sock: socket.socket) -> None:
                sock.settimeout(None)  # until the module closes, or Peer.close ends it
                while data := sock.recv(65536):
                    peer.record(data)

            def _expect(self, sock: socket.socket, count: int) -> None:
                got = 0
                while got < count:
                    data = sock.recv(count - got)
                    if not data:
                        raise ConnectionError("peer closed before the expected bytes")
                    peer.record(data)
                    got += len(data)

        return Handler


KINDS: dict[str, type[Peer]] = {
    cls.kind: cls
    for cls in (TcpEcho, UdpEcho, Sink, HttpServer, DnsServer, NtpServer, ScriptedPeer)
}
