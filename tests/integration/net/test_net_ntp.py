"""SNTP against a tiny responder on a loopback ephemeral port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import ntplib
from net_testkit import LOOPBACK, open_net

from modemu.net.base import NetFailure, NtpFailed, NtpResult

OFFSET = 1000.0


class _Sntp(asyncio.DatagramProtocol):
    """Answers as a stratum-2 server whose clock is ``OFFSET`` s ahead; may drop requests."""

    def __init__(self, drop_first: int = 0) -> None:
        self.drop = drop_first
        self.requests = 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.requests += 1
        if self.drop > 0:
            self.drop -= 1
            return
        request = ntplib.NTPPacket()
        request.from_data(data)
        now = ntplib.system_to_ntp_time(time.time() + OFFSET)
        reply = ntplib.NTPPacket(version=3, mode=4, tx_timestamp=now)
        reply.stratum = 2
        reply.orig_timestamp = request.tx_timestamp
        reply.recv_timestamp = now
        self.transport.sendto(reply.to_data(), addr)


@contextlib.asynccontextmanager
async def sntp_server(drop_first: int = 0):
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        lambda: _Sntp(drop_first), local_addr=(LOOPBACK, 0)
    )
    try:
        yield transport.get_extra_info("sockname")[1], server
    finally:
        transport.close()


def test_ntp_time(net_run):
    async def body():
        async with sntp_server() as (port, server), open_net() as (net, rec):
            net.ntp(1, LOOPBACK, port, [])
            result = await rec.wait(NtpResult, req=1)
            assert abs(result.unix_time - (time.time() + OFFSET)) < 1.0
            assert server.requests == 1

    net_run(body)


def test_ntp_retries_a_lost_request(net_run):
    async def body():
        lossy = sntp_server(drop_first=1)
        async with lossy as (port, server), open_net(ntp_timeout=1.5) as (net, rec):
            net.ntp(2, "localhost", port, [])
            result = await rec.wait(NtpResult, req=2)
            assert abs(result.unix_time - (time.time() + OFFSET)) < 1.0
            assert server.requests == 2

    net_run(body)


def test_ntp_silence_is_569(net_run):
    async def body():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind((LOOPBACK, 0))
            async with open_net(ntp_timeout=0.6) as (net, rec):
                started = time.monotonic()
                net.ntp(3, LOOPBACK, silent.getsockname()[1], [])
                assert (await rec.wait(NtpFailed, req=3)).failure is NetFailure.NO_ANSWER
                assert 0.5 <= time.monotonic() - started < 3.0

    net_run(body)


def test_ntp_dns_failure_is_565(net_run):
    async def body():
        async with open_net(dns_timeout=0.2) as (net, rec):
            net.ntp(4, "time.example", 123, [LOOPBACK])
            assert (await rec.wait(NtpFailed, req=4)).failure is NetFailure.NAME_NOT_RESOLVED

    net_run(body)
