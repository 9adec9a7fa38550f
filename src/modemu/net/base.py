"""The small interface between the module's engine and a network back end.

Calls go engine → back end and never block: each one starts work and returns at once.
Outcomes come back later as frozen event dataclasses handed to the sink the back end was
built with (the server forwards them to ``ModemEngine.handle_net``). A back end may be the
real asyncio one (:mod:`modemu.net.asyncio_net`) or an in-memory fake in tests.

Ids: ``conn_id`` is the module's socket id (0-11); ``req`` is a request number the engine
allocates for DNS/ping/NTP/ack-wait so that several can be in flight; ``token`` names a
pending incoming connection on a listener until the engine accepts or rejects it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from modemu.at.params import ServiceType
from modemu.net import defaults

Address = tuple[str, int]

Service = ServiceType
"""What kind of socket ``open`` makes: the one ``<service_type>`` enum of :mod:`modemu.at`."""


class NetFailure(Enum):
    """Why a network operation failed, in the network's own terms.

    The back end says what went wrong; the module alone decides which TCP/IP error code
    the host sees for it (:data:`modemu.modem.failures.QI_CODES`).
    """

    ID_IN_USE = "the id is still open on the host side"
    NOT_SUPPORTED = "the service cannot be opened"
    SOCKET_CREATE = "no socket could be created"
    BIND = "the local address could not be bound"
    LISTEN = "the socket could not listen"
    CONNECT = "the connection was refused, unreachable or timed out"
    NAME_NOT_RESOLVED = "the name does not resolve (or is malformed, or an error came back)"
    NO_ANSWER = "no server answered in time"
    UNAVAILABLE = "the facility is not available on this host (ICMP not permitted)"
    UNEXPECTED = "an error the back end did not foresee (logged)"


@dataclass(frozen=True)
class SocketOptions:
    """Per-socket options that ``AT+QICFG`` maps onto host socket options."""

    keepalive: tuple[int, int, int] | None = None
    """(idle s, interval s, probe count) when ``tcp/keepalive`` is enabled."""
    retransmission: tuple[int, int] | None = None
    """(retry count, interval ms) of ``tcp/retranscfg``, mapped as closely as Linux allows."""


# ---------------------------------------------------------------------------------------------
# Events: back end → engine


@dataclass(frozen=True)
class Opened:
    """A socket opened: TCP connected, UDP bound/connected, listener listening."""

    conn_id: int
    local: Address
    remote: Address | None


@dataclass(frozen=True)
class OpenFailed:
    """``open`` failed (name not resolved, refused, bind failed, timed out…)."""

    conn_id: int
    failure: NetFailure


@dataclass(frozen=True)
class Received:
    """Bytes (TCP) or one datagram (UDP) arrived; ``sender`` is set for UDP."""

    conn_id: int
    data: bytes
    sender: Address | None = None


@dataclass(frozen=True)
class PeerClosed:
    """The peer closed (FIN) or the connection failed (``error`` true: reset, timeout)."""

    conn_id: int
    error: bool = False


@dataclass(frozen=True)
class Closed:
    """A ``close`` the engine asked for has completed; the id is free on the host side."""

    conn_id: int


@dataclass(frozen=True)
class Incoming:
    """A client connected to listener ``listener_id``; answer with ``accept`` or ``reject``."""

    listener_id: int
    token: int
    remote: Address
    local: Address


@dataclass(frozen=True)
class AllAcked:
    """Every byte sent on ``conn_id`` before ``wait_acked(req)`` has been acknowledged."""

    conn_id: int
    req: int
    ok: bool = True
    """False when the connection died before the data was acknowledged."""


@dataclass(frozen=True)
class Resolved:
    """A name resolved: its IPv4 addresses (first one used) and the answer's TTL."""

    req: int
    addresses: tuple[str, ...]
    ttl: int


@dataclass(frozen=True)
class ResolveFailed:
    """A look-up failed (the kind of failure decides the ``<err>`` the host sees)."""

    req: int
    failure: NetFailure
    """``NAME_NOT_RESOLVED`` (no such name / bad answer) or ``NO_ANSWER`` (no server in time)."""


@dataclass(frozen=True)
class PingReply:
    """One echo reply: who answered, payload size, round trip (ms) and TTL."""

    req: int
    address: str
    size: int
    rtt_ms: int
    ttl: int


@dataclass(frozen=True)
class PingTimeout:
    """One echo request got no reply within its timeout."""

    req: int


@dataclass(frozen=True)
class PingFailed:
    """The ping could not start at all (name not resolved, no ICMP permission)."""

    req: int
    failure: NetFailure


@dataclass(frozen=True)
class PingDone:
    """All echo requests of ``req`` have been answered or timed out."""

    req: int


@dataclass(frozen=True)
class NtpResult:
    """The server's time, as seconds since the Unix epoch."""

    req: int
    unix_time: float


@dataclass(frozen=True)
class NtpFailed:
    """The name did not resolve, or no NTP answer came in time."""

    req: int
    failure: NetFailure


@dataclass(frozen=True)
class PdpDeactivated:
    """The network tore down context ``cid`` (raised by fault injection or a real failure)."""

    cid: int


NetEvent = (
    Opened
    | OpenFailed
    | Received
    | PeerClosed
    | Closed
    | Incoming
    | AllAcked
    | Resolved
    | ResolveFailed
    | PingReply
    | PingTimeout
    | PingFailed
    | PingDone
    | NtpResult
    | NtpFailed
    | PdpDeactivated
)

EventSink = Callable[[NetEvent], None]


# ---------------------------------------------------------------------------------------------
# Calls: engine → back end


class NetBackend(Protocol):
    """What the engine may ask of the network. Every method returns at once."""

    def local_address(self) -> str:
        """The IPv4 address the module reports for an active PDP context."""
        ...

    def default_dns(self) -> Sequence[str]:
        """The servers used when ``AT+QIDNSCFG`` set none: ``NetConfig.default_dns``, else
        the host's resolver configuration (what a network would hand out at activation)."""
        ...

    def open(  # noqa: PLR0917 - one argument per AT+QIOPEN field
        self,
        conn_id: int,
        service: Service,
        host: str,
        remote_port: int,
        local_port: int,
        dns_servers: Sequence[str],
        options: SocketOptions,
    ) -> None:
        """Open a socket; answers :class:`Opened` or :class:`OpenFailed`.

        ``host`` may be an IPv4 literal or a name resolved through ``dns_servers``. For
        ``TCP_LISTENER`` and ``UDP_SERVICE`` it is ignored and ``local_port`` is bound.
        """
        ...

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        """Queue bytes (or one datagram; ``dest`` for UDP SERVICE) for sending."""
        ...

    def backlog(self, conn_id: int) -> int:
        """Bytes handed to :meth:`send` that the peer has not yet acknowledged (0 for UDP)."""
        ...

    def joins_sends(self, conn_id: int) -> bool:
        """True if the bytes of successive :meth:`send` calls reach the wire as one stream
        that nothing on the way sees call by call (a TCP socket with no link conditions or
        capture on it): the caller may then hand several packets over in one call."""
        ...

    def wait_acked(self, conn_id: int, req: int) -> None:
        """Answer :class:`AllAcked` once :meth:`backlog` reaches zero (or the link dies)."""
        ...

    def close(self, conn_id: int, timeout: float) -> None:
        """Close gracefully, forcing it after ``timeout`` s (0: at once).

        Answers :class:`Closed`.
        """
        ...

    def pause_reading(self, conn_id: int) -> None:
        """Stop reading from the socket so the peer's window closes (back-pressure)."""
        ...

    def resume_reading(self, conn_id: int) -> None: ...

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        """Adopt the pending incoming connection ``token`` as socket ``conn_id``."""
        ...

    def reject(self, token: int) -> None:
        """Refuse (close) the pending incoming connection ``token``."""
        ...

    def resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        """Look up IPv4 addresses; answers :class:`Resolved` or :class:`ResolveFailed`."""
        ...

    def ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        """Send ``count`` ICMP echo requests, one at a time, each waiting up to ``timeout`` s."""
        ...

    def ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        """One SNTP exchange; answers :class:`NtpResult` or :class:`NtpFailed`."""
        ...


@dataclass(frozen=True)
class NetConfig:
    """How a back end reaches the host's network; set by ``modemu serve`` options."""

    listen_host: str = defaults.LISTEN_HOST
    """Address that ``TCP LISTENER`` and ``UDP SERVICE`` sockets bind on the host."""
    dns_port: int = defaults.DNS_PORT
    """Port DNS queries go to (the AT command carries only the server address)."""
    default_dns: tuple[str, ...] = ()
    """DNS servers used when ``AT+QIDNSCFG`` gave none; empty → the host's resolv.conf."""
    pdp_address: str | None = None
    """Address reported for an active context; ``None`` → the host's outbound IPv4."""
    connect_timeout: float = 150.0
    """Seconds before a TCP connect gives up with 566 (spec: +QIOPEN within 150 s)."""
    dns_timeout: float = 5.0
    """Seconds a query waits for each DNS server before trying the next (then 569)."""
    ntp_timeout: float = 10.0
    """Seconds an SNTP exchange may take (request re-sent within it) before 569."""
