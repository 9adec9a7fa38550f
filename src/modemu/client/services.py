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

from modemu.at.codes import QiError
from modemu.client.events import Urc
from modemu.client.listeners import UrcSubscription
from modemu.errors import ModemTimeout, OperationError, qi_error_from_int

__all__ = [
    "PingReply",
    "PingResult",
    "dns_answer",
    "is_ip",
    "next_urc",
    "ntp_time",
    "parse_module_time",
    "ping_result",
]


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
    head = await next_urc(sub, deadline, what)
    err = int(head.args[1].text)
    if err != 0:
        raise OperationError(f"resolving {host}", qi_error_from_int(err))
    count = int(head.args[2].text) if len(head.args) > 2 else 0
    return [(await next_urc(sub, deadline, what)).args[1].text for _ in range(count)]


async def ping_result(sub: UrcSubscription, host: str, deadline: float) -> PingResult:
    """Per-request lines (a reply, or ``+QPING: 569``) up to the summary line (§10.1, A14).

    A lone error code other than 569 before any request is fatal (``+QPING: 565``).
    """
    replies: list[PingReply | None] = []
    while True:
        urc = await next_urc(sub, deadline, f"ping of {host}")
        values = [arg.text for arg in urc.args]
        code = int(values[0])
        if len(values) == 1 and code != QiError.TIMEOUT:
            raise OperationError(f"ping of {host}", qi_error_from_int(code))
        if len(values) == 1:
            replies.append(None)
        elif len(values) == 5 and urc.args[1].quoted:
            replies.append(PingReply(values[1], *map(int, values[2:5])))
        else:
            numbers = [int(v) for v in values[1:]]
            stats = numbers[3:6] if len(numbers) >= 6 else [None, None, None]
            return PingResult(tuple(replies), numbers[0], numbers[1], numbers[2], *stats)


async def ntp_time(sub: UrcSubscription, server: str, deadline: float) -> datetime:
    """``+QNTP: 0,"<time>"`` → the time; ``+QNTP: <err>`` → :class:`OperationError`."""
    urc = await next_urc(sub, deadline, f"NTP from {server}")
    code = int(urc.args[0].text)
    if code != 0:
        raise OperationError(f"NTP from {server}", qi_error_from_int(code))
    return parse_module_time(urc.args[1].text)


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
