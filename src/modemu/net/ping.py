"""ICMP echo for ``AT+QPING``: one request at a time, each answered or timed out.

Socket creation and the echo request go through icmplib. The reply is read here rather than
with ``icmplib.AsyncSocket.receive`` because icmplib does not expose the reply's TTL, which
the module prints: a raw socket's reply still carries its IP header (TTL is byte 8), and a
Linux "ping" datagram socket reports it as ``IP_TTL`` ancillary data once ``IP_RECVTTL`` is
set. Should neither give a TTL, :data:`DEFAULT_TTL` is reported.

Permissions: an unprivileged ICMP datagram socket is tried first (allowed when the process's
group is inside ``net.ipv4.ping_group_range``), then a raw socket (root / ``CAP_NET_RAW``).
If both are refused the ping fails as unavailable and the log says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # icmplib loads with the first AT+QPING, not with the server
    from icmplib import ICMPRequest, ICMPv4Socket

log = logging.getLogger(__name__)

PAYLOAD_SIZE = 32
"""Bytes of echo data, as in every Quectel ``+QPING`` line."""
DEFAULT_TTL = 64
"""TTL reported if the kernel gave none (Linux's default initial TTL)."""

_ECHO_REPLY = 0
_IP_RECVTTL: int = getattr(socket, "IP_RECVTTL", 12)  # Linux value; absent from typeshed
_CMSG_SPACE = socket.CMSG_SPACE(4)


class IcmpUnavailableError(Exception):
    """Neither an unprivileged nor a raw ICMP socket may be opened by this process."""


@dataclass(frozen=True)
class EchoReply:
    address: str
    size: int
    rtt_ms: int
    ttl: int


def _ping_group_hint() -> str:
    try:
        with open("/proc/sys/net/ipv4/ping_group_range", encoding="ascii") as fh:
            low, high = fh.read().split()
    except (OSError, ValueError):
        return "net.ipv4.ping_group_range unreadable"
    return f"net.ipv4.ping_group_range is {low} {high}, process gid is {os.getgid()}"


def open_icmp_socket() -> ICMPv4Socket:
    """An ICMP socket, unprivileged if the kernel allows it, else raw; non-blocking."""
    from icmplib import ICMPv4Socket  # noqa: PLC0415
    from icmplib.exceptions import SocketPermissionError  # noqa: PLC0415

    for privileged in (False, True):
        try:
            sock = ICMPv4Socket(privileged=privileged)
        except SocketPermissionError:
            continue
        sock.blocking = False
        if not privileged:
            sock.sock.setsockopt(socket.IPPROTO_IP, _IP_RECVTTL, 1)
        return sock
    raise IcmpUnavailableError(
        "cannot open an ICMP socket: unprivileged ICMP is not allowed "
        f"({_ping_group_hint()}) and raw sockets need root or CAP_NET_RAW"
    )


_INT_SIZE = 4
_IPV4_HEADER_MIN = 20
_ICMP_HEADER = 8


def _ttl_from_ancillary(ancdata: list[tuple[int, int, bytes]]) -> int | None:
    for level, kind, data in ancdata:
        if level == socket.IPPROTO_IP and kind == socket.IP_TTL and len(data) >= _INT_SIZE:
            return int(struct.unpack("i", data[:_INT_SIZE])[0])
    return None


def parse_reply(
    packet: bytes, ancdata: list[tuple[int, int, bytes]], privileged: bool
) -> tuple[int, int, int, int, int] | None:
    """(type, id, sequence, payload size, ttl) of an ICMP packet, or ``None`` if truncated.

    A raw socket delivers the IP header too; a datagram socket delivers ICMP only.
    """
    ttl = _ttl_from_ancillary(ancdata)
    if privileged:
        if len(packet) < _IPV4_HEADER_MIN:
            return None
        header_len = (packet[0] & 0x0F) * 4
        ttl = packet[8]
        packet = packet[header_len:]
    if len(packet) < _ICMP_HEADER:
        return None
    icmp_type = packet[0]
    ident, sequence = struct.unpack("!HH", packet[4:8])
    return icmp_type, ident, sequence, len(packet) - 8, DEFAULT_TTL if ttl is None else ttl


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _recvmsg(sock: socket.socket) -> tuple[bytes, list[tuple[int, int, bytes]], str]:
    """Wait until ``sock`` is readable and read one message with its ancillary data."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            data, ancdata, _flags, addr = sock.recvmsg(2048, _CMSG_SPACE)
            return data, ancdata, str(addr[0])
        except (BlockingIOError, InterruptedError):
            pass
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(sock.fileno(), _set_done, ready)
        try:
            await ready
        finally:
            loop.remove_reader(sock.fileno())


async def _await_reply(icmp: ICMPv4Socket, request: ICMPRequest, started: float) -> EchoReply:
    while True:
        packet, ancdata, source = await _recvmsg(icmp.sock)
        parsed = parse_reply(packet, ancdata, icmp.is_privileged)
        if parsed is None:
            continue
        icmp_type, ident, sequence, size, ttl = parsed
        # An unprivileged socket only ever sees its own echo replies (the kernel rewrites
        # the id); a raw socket sees all ICMP, our own echo request on loopback included.
        ours = not icmp.is_privileged or ident == request.id
        if icmp_type == _ECHO_REPLY and ours and sequence == request.sequence:
            rtt_ms = round((time.monotonic() - started) * 1000)
            return EchoReply(source, size, rtt_ms, ttl)


async def echo_once(
    icmp: ICMPv4Socket, address: str, ident: int, sequence: int, timeout: float
) -> EchoReply | None:
    """One echo request; the reply, or ``None`` if none came within ``timeout`` s."""
    from icmplib import ICMPRequest  # noqa: PLC0415
    from icmplib.exceptions import ICMPLibError  # noqa: PLC0415

    request = ICMPRequest(
        destination=address, id=ident, sequence=sequence, payload_size=PAYLOAD_SIZE
    )
    started = time.monotonic()
    try:
        icmp.send(request)
    except ICMPLibError as exc:  # e.g. network unreachable: that request is simply lost
        log.info("ping %s: echo request %d not sent: %s", address, sequence, exc)
        await asyncio.sleep(timeout)
        return None
    try:
        return await asyncio.wait_for(_await_reply(icmp, request, started), timeout)
    except TimeoutError:
        return None


async def ping_sequence(
    address: str,
    count: int,
    timeout: float,
    on_result: Callable[[EchoReply | None], None],
) -> None:
    """Send ``count`` echo requests one after another, reporting each outcome.

    The next request goes out as soon as the previous one is answered or timed out (no extra
    one-second spacing: the module's output does not depend on it and tests stay fast).
    Raises :class:`IcmpUnavailableError` before sending anything if ICMP is not permitted.
    """
    icmp = open_icmp_socket()
    try:
        ident = random.randrange(1, 0x10000)
        for sequence in range(1, count + 1):
            on_result(await echo_once(icmp, address, ident, sequence, timeout))
    finally:
        icmp.close()
