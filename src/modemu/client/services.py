"""Result URCs of the module's network services: DNS, ping and NTP (spec §10).

These commands answer ``OK`` at once and report later in URCs, so each helper here reads
a :class:`~modemu.client.listeners.UrcSubscription` opened *before* the command was sent
(the URCs may follow the ``OK`` in the same read) until the sequence is complete.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.client.events import Urc
from modemu.client.listeners import UrcSubscription
from modemu.errors import ModemTimeout, OperationError, qi_error_from_int

__all__ = [
    "DNS_EVENTS",
    "PING_EVENTS",
    "PingReply",
    "PingResult",
    "dns_answer",
    "is_ip",
    "next_urc",
    "ntp_time",
    "parse_module_time",
    "ping_result",
]


DNS_EVENTS = (u.DnsResult, u.DnsAddress)
"""The URC events of an ``AT+QIDNSGIP`` answer."""
PING_EVENTS = (u.PingError, u.PingEcho, u.PingSummary)
"""The URC events of an ``AT+QPING`` run."""


@dataclass(frozen=True)
class PingReply:
    """One ``+QPING: 0,"<ip>",<bytes>,<time>,<ttl>`` line."""

    address: str
    size: int
    time_ms: int
    ttl: int


@dataclass(frozen=True)
class PingResult:
    """The outcome of ``AT+QPING``: one entry per request (None = that request timed out)."""

    replies: tuple[PingReply | None, ...]
    sent: int
    received: int
    lost: int
    min_ms: int | None = None
    max_ms: int | None = None
    avg_ms: int | None = None


async def next_urc(sub: UrcSubscription, deadline: float, what: str) -> Urc:
    """The next URC of ``sub`` before ``deadline`` (loop time), else :class:`ModemTimeout`."""
    remaining = max(0.0, deadline - asyncio.get_running_loop().time())
    try:
        return await sub.get(remaining)
    except TimeoutError:
        raise ModemTimeout(f"no {what} in time") from None


async def dns_answer(sub: UrcSubscription, host: str, deadline: float) -> list[str]:
    """``"dnsgip",<err>,<count>,<ttl>`` then ``count`` lines ``"dnsgip","<ip>"`` (§10.4)."""
    what = f"DNS answer for {host}"
    head = (await next_urc(sub, deadline, what)).event
    if not isinstance(head, u.DnsResult):
        raise OperationError(f"resolving {host}", QiError.UNKNOWN)  # an address before a head
    if head.err != 0:
        raise OperationError(f"resolving {host}", qi_error_from_int(head.err))
    addresses: list[str] = []
    while len(addresses) < (head.count or 0):
        event = (await next_urc(sub, deadline, what)).event
        if isinstance(event, u.DnsAddress):
            addresses.append(event.address)
    return addresses


async def ping_result(sub: UrcSubscription, host: str, deadline: float) -> PingResult:
    """Per-request lines (a reply, or ``+QPING: 569``) up to the summary line (§10.1, A14).

    A lone error code other than 569 before any request is fatal (``+QPING: 565``).
    """
    replies: list[PingReply | None] = []
    while True:
        event = (await next_urc(sub, deadline, f"ping of {host}")).event
        match event:
            case u.PingError(err=QiError.TIMEOUT):
                replies.append(None)
            case u.PingError(err=err):
                raise OperationError(f"ping of {host}", qi_error_from_int(err))
            case u.PingEcho(address=address, size=size, time_ms=time_ms, ttl=ttl):
                replies.append(PingReply(address, size, time_ms, ttl))
            case u.PingSummary() as summary:
                return PingResult(
                    tuple(replies),
                    summary.sent,
                    summary.received,
                    summary.lost,
                    summary.min_ms,
                    summary.max_ms,
                    summary.avg_ms,
                )
            case _:
                pass


async def ntp_time(sub: UrcSubscription, server: str, deadline: float) -> datetime:
    """``+QNTP: 0,"<time>"`` → the time; ``+QNTP: <err>`` → :class:`OperationError`."""
    event = (await next_urc(sub, deadline, f"NTP from {server}")).event
    if not isinstance(event, u.NtpResult) or event.err != 0 or event.time is None:
        err = event.err if isinstance(event, u.NtpResult) else QiError.UNKNOWN
        raise OperationError(f"NTP from {server}", qi_error_from_int(err))
    return parse_module_time(event.time)


def parse_module_time(text: str) -> datetime:
    """``2019/09/09,01:32:42+32`` (zone in quarter hours) → an aware datetime."""
    stamp, sign, zone = text[:19], text[19:20], text[20:]
    quarters = int(zone) if zone else 0
    offset = timedelta(minutes=15 * quarters) * (-1 if sign == "-" else 1)
    naive = datetime.strptime(stamp, "%Y/%m/%d,%H:%M:%S")
    return naive.replace(tzinfo=timezone(offset))


def is_ip(host: str) -> bool:
    """True for an IPv4/IPv6 literal, which needs no DNS look-up."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
