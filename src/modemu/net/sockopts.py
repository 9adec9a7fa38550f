"""``AT+QICFG`` socket options mapped onto Linux TCP socket options.

Keepalive (``tcp/keepalive``: idle s, interval s, probe count) maps one to one:
``SO_KEEPALIVE`` = 1, ``TCP_KEEPIDLE`` = idle, ``TCP_KEEPINTVL`` = interval,
``TCP_KEEPCNT`` = probes (each clipped to what the kernel accepts).

Retransmission (``tcp/retranscfg``: retry count, interval in ms, per the spec's A23 reading)
has no direct Linux equivalent: Linux retransmits with an exponential back-off that starts at
the measured RTO (never below 200 ms) and cannot be told "N tries, M ms apart". The closest
observable effect — how long unacknowledged data may stay unacknowledged before the
connection is declared dead — is set instead:

* ``TCP_USER_TIMEOUT`` = count * max(interval, 200 ms): the connection fails once data has
  gone unacknowledged for as long as ``count`` retries ``interval`` apart would take; the
  200 ms floor is Linux's minimum RTO, below which not even one retransmission could happen
  and the link would die on an ordinary RTT;
* ``TCP_SYNCNT`` = count (1-127): the number of SYN retransmissions while connecting.
"""

from __future__ import annotations

import socket
from typing import Protocol

from modemu.net.base import SocketOptions

MIN_RTO_MS = 200
"""Linux's TCP_RTO_MIN: no retransmission timer is ever shorter."""
_KEEPALIVE_MAX = 32767
_KEEPCNT_MAX = 127
_SYNCNT_MAX = 127


class OptionSocket(Protocol):
    """What is needed of a socket (a real one or asyncio's ``TransportSocket``)."""

    def setsockopt(self, level: int, optname: int, value: int, /) -> None: ...


def _clip(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def user_timeout_ms(count: int, interval_ms: int) -> int:
    """``TCP_USER_TIMEOUT`` for ``tcp/retranscfg`` = count, interval (see module docstring)."""
    return max(1, count) * max(MIN_RTO_MS, interval_ms)


def apply_keepalive(sock: OptionSocket, idle: int, interval: int, count: int) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, _clip(idle, 1, _KEEPALIVE_MAX))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, _clip(interval, 1, _KEEPALIVE_MAX))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, _clip(count, 1, _KEEPCNT_MAX))


def apply_retransmission(sock: OptionSocket, count: int, interval_ms: int) -> None:
    timeout_ms = user_timeout_ms(count, interval_ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, timeout_ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, _clip(count, 1, _SYNCNT_MAX))


def apply_tcp_options(sock: OptionSocket, options: SocketOptions) -> None:
    """Apply every option that is set; options left ``None`` keep the kernel defaults."""
    if options.keepalive is not None:
        apply_keepalive(sock, *options.keepalive)
    if options.retransmission is not None:
        apply_retransmission(sock, *options.retransmission)
