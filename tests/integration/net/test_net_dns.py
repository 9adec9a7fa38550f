"""Name resolution against a dnslib responder on a loopback ephemeral port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from dnslib import QTYPE, RCODE, RR, A, DNSRecord
from net_testkit import LOOPBACK, echo_handler, open_net, tcp_server

from modemu.net.base import (
    NetFailure,
    Opened,
    OpenFailed,
    Resolved,
    ResolveFailed,
    Service,
    SocketOptions,
)

ZONE = {
    "two.example.": (["192.0.2.10", "192.0.2.11"], 300),
    "echo.example.": ([LOOPBACK], 42),
}


class _Responder(asyncio.DatagramProtocol):
    """Answers A queries from ``ZONE``: NXDOMAIN for unknown names, SERVFAIL for 'broken.'."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        request = DNSRecord.parse(data)
        name = str(request.q.qname)
        self.queries.append(name)
        reply = request.reply()
        if name == "broken.example.":
            reply.header.rcode = RCODE.SERVFAIL
        elif name in ZONE and request.q.qtype == QTYPE.A:
            addresses, ttl = ZONE[name]
            for address in addresses:
                reply.add_answer(RR(name, QTYPE.A, rdata=A(address), ttl=ttl))
        elif name not in ZONE:
            reply.header.rcode = RCODE.NXDOMAIN
        self.transport.sendto(reply.pack(), addr)


@contextlib.asynccontextmanager
async def dns_responder():
    loop = asyncio.get_running_loop()
    transport, responder = await loop.create_datagram_endpoint(_Responder, local_addr=(LOOPBACK, 0))
    try:
        yield transport.get_extra_info("sockname")[1], responder
    finally:
        transport.close()


@contextlib.contextmanager
def silent_dns():
    """A bound UDP port that never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock.getsockname()[1]


def test_resolve_with_ttl(net_run):
    async def body():
        async with dns_responder() as (port, responder), open_net(dns_port=port) as (net, rec):
            net.resolve(1, "two.example", [LOOPBACK])
            answer = await rec.wait(Resolved, req=1)
            assert answer == Resolved(1, ("192.0.2.10", "192.0.2.11"), 300)
            assert responder.queries == ["two.example."]

    net_run(body)


def test_nxdomain_and_servfail_are_565(net_run):
    async def body():
        async with dns_responder() as (port, _), open_net(dns_port=port) as (net, rec):
            net.resolve(2, "missing.example", [LOOPBACK])
            net.resolve(3, "broken.example", [LOOPBACK])
            assert (await rec.wait(ResolveFailed, req=2)).failure is NetFailure.NAME_NOT_RESOLVED
            assert (await rec.wait(ResolveFailed, req=3)).failure is NetFailure.NAME_NOT_RESOLVED

    net_run(body)


def test_silent_server_is_569(net_run):
    async def body():
        with silent_dns() as port:
            async with open_net(dns_port=port, dns_timeout=0.3) as (net, rec):
                started = time.monotonic()
                net.resolve(4, "two.example", [LOOPBACK])
                assert (await rec.wait(ResolveFailed, req=4)).failure is NetFailure.NO_ANSWER
                assert 0.25 <= time.monotonic() - started < 2.0

    net_run(body)


def test_second_server_answers_after_silent_first(net_run):
    async def body():
        async with dns_responder() as (port, _):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
                silent.bind(("127.0.0.2", port))  # same port on another loopback address
                async with open_net(dns_port=port, dns_timeout=0.3) as (net, rec):
                    started = time.monotonic()
                    net.resolve(5, "echo.example", ["127.0.0.2", LOOPBACK])
                    assert await rec.wait(Resolved, req=5) == Resolved(5, (LOOPBACK,), 42)
                    assert time.monotonic() - started >= 0.25

    net_run(body)


def test_default_servers_and_blank_entries(net_run):
    async def body():
        async with dns_responder() as (port, responder):
            config = {"dns_port": port, "default_dns": (LOOPBACK,)}
            async with open_net(**config) as (net, rec):
                net.resolve(6, "echo.example", [])
                assert (await rec.wait(Resolved, req=6)).addresses == (LOOPBACK,)
                net.resolve(7, "echo.example", ["0.0.0.0", LOOPBACK, "not-an-ip"])
                assert (await rec.wait(Resolved, req=7)).ttl == 42
                assert responder.queries == ["echo.example."] * 2

    net_run(body)


def test_literals_and_localhost_skip_dns(net_run):
    async def body():
        async with dns_responder() as (port, responder), open_net(dns_port=port) as (net, rec):
            net.resolve(8, "192.0.2.7", [LOOPBACK])
            net.resolve(9, "LocalHost", [LOOPBACK])
            net.resolve(10, "300.1.1.1", [LOOPBACK])
            net.resolve(11, "bad..name", [LOOPBACK])
            assert await rec.wait(Resolved, req=8) == Resolved(8, ("192.0.2.7",), 0)
            assert await rec.wait(Resolved, req=9) == Resolved(9, (LOOPBACK,), 0)
            assert (await rec.wait(ResolveFailed, req=10)).failure is NetFailure.NAME_NOT_RESOLVED
            assert (await rec.wait(ResolveFailed, req=11)).failure is NetFailure.NAME_NOT_RESOLVED
            assert responder.queries == []

    net_run(body)


def test_open_by_name(net_run):
    async def body():
        async with (
            dns_responder() as (dns_port, _),
            tcp_server(echo_handler) as port,
            open_net(dns_port=dns_port) as (net, rec),
        ):
            net.open(0, Service.TCP, "echo.example", port, 0, [LOOPBACK], SocketOptions())
            assert (await rec.wait(Opened, conn_id=0)).remote == (LOOPBACK, port)
            net.open(1, Service.TCP, "missing.example", port, 0, [LOOPBACK], SocketOptions())
            assert (await rec.wait(OpenFailed, conn_id=1)).failure is NetFailure.NAME_NOT_RESOLVED
            net.open(2, Service.UDP, "missing.example", port, 0, [LOOPBACK], SocketOptions())
            assert (await rec.wait(OpenFailed, conn_id=2)).failure is NetFailure.NAME_NOT_RESOLVED

    net_run(body)


def test_open_with_silent_dns_is_565(net_run):
    async def body():
        with silent_dns() as port:
            async with open_net(dns_port=port, dns_timeout=0.2) as (net, rec):
                net.open(3, Service.TCP, "echo.example", 80, 0, [LOOPBACK], SocketOptions())
                assert (
                    await rec.wait(OpenFailed, conn_id=3)
                ).failure is NetFailure.NAME_NOT_RESOLVED

    net_run(body)
