"""One SNTP (RFC 4330) client exchange on an asyncio datagram endpoint.

ntplib encodes and decodes the 48-byte packets; the I/O is ours so the event loop never
blocks. The request is re-sent a few times inside the overall time budget because a single
lost UDP datagram should not fail ``AT+QNTP``. A reply counts only if it is a server-mode
packet whose originate timestamp echoes one of our requests (this rejects stray and spoofed
datagrams) and is not a kiss-of-death (stratum 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import cast

NTP_VERSION = 3
_MODE_CLIENT = 3
_MODE_SERVER = 4
_ATTEMPTS = 3
_STAMP_TOLERANCE = 1e-6


class NtpTimeoutError(Exception):
    """No acceptable answer arrived within the time budget."""


class _SntpClient(asyncio.DatagramProtocol):
    """Collects the first acceptable answer to any request sent so far."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._sent: list[tuple[float, float]] = []  # (encoded tx stamp, local send time)
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio's, so no isinstance check
        self._transport = cast(asyncio.DatagramTransport, transport)

    def send_request(self) -> None:
        import ntplib  # noqa: PLC0415 - loads with the first AT+QNTP, not with the server

        assert self._transport is not None
        now = time.time()
        packet = ntplib.NTPPacket(
            version=NTP_VERSION, mode=_MODE_CLIENT, tx_timestamp=ntplib.system_to_ntp_time(now)
        )
        data = packet.to_data()
        echoed = ntplib.NTPPacket()
        echoed.from_data(data)  # the stamp exactly as the server will see and echo it
        self._sent.append((echoed.tx_timestamp, now))
        self._transport.sendto(data)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        import ntplib  # noqa: PLC0415

        received_at = time.time()
        stats = ntplib.NTPStats()
        try:
            stats.from_data(data)
        except ntplib.NTPException:
            return
        if stats.mode != _MODE_SERVER or stats.stratum == 0 or self.answer.done():
            return
        for tx_stamp, _sent_at in self._sent:
            if abs(stats.orig_timestamp - tx_stamp) < _STAMP_TOLERANCE:
                stats.dest_timestamp = ntplib.system_to_ntp_time(received_at)
                self.answer.set_result(received_at + float(stats.offset))
                return

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (port unreachable…) just mean "no answer yet"; keep waiting."""


async def sntp_time(address: str, port: int, timeout: float) -> float:
    """The server's idea of the current Unix time, corrected by half the round trip."""
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(
        _SntpClient, remote_addr=(address, port)
    )
    try:
        return await _exchange(client, timeout)
    finally:
        transport.close()


async def _exchange(client: _SntpClient, timeout: float) -> float:
    interval = timeout / _ATTEMPTS
    for _attempt in range(_ATTEMPTS):
        client.send_request()
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(client.answer), interval)
    raise NtpTimeoutError(f"no SNTP answer within {timeout} s")
