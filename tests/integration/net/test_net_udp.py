"""UDP client and UDP SERVICE sockets of the real back end against loopback peers."""

from __future__ import annotations

import asyncio
import socket

from net_testkit import LOOPBACK, closed_port, open_net

from modemu.net.base import (
    AllAcked,
    Closed,
    NetFailure,
    Opened,
    OpenFailed,
    Received,
    Service,
    SocketOptions,
)

NO_OPTS = SocketOptions()


class _Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(b"echo:" + data, addr)


async def _udp_echo():
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_Echo, local_addr=(LOOPBACK, 0))
    return transport, transport.get_extra_info("sockname")[1]


def _peer():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, 0))
    sock.settimeout(3)
    return sock


def test_udp_client_echo_with_sender(net_run):
    async def body():
        transport, port = await _udp_echo()
        try:
            async with open_net() as (net, rec):
                net.open(0, Service.UDP, LOOPBACK, port, 0, (), NO_OPTS)
                opened = await rec.wait(Opened, conn_id=0)
                assert opened.remote == (LOOPBACK, port) and opened.local[1] > 0
                net.send(0, b"one")
                net.send(0, b"two")
                await rec.wait(Received, conn_id=0, data=b"echo:two")
                got = rec.of(Received, conn_id=0)
                assert [r.data for r in got] == [b"echo:one", b"echo:two"]
                assert all(r.sender == (LOOPBACK, port) for r in got)
                assert net.backlog(0) == 0
                net.wait_acked(0, 3)
                assert (await rec.wait(AllAcked, conn_id=0, req=3)).ok is True
                net.close(0, 5)
                await rec.wait(Closed, conn_id=0, timeout=1)
        finally:
            transport.close()

    net_run(body)


def test_udp_client_local_port_conflict_is_556(net_run):
    async def body():
        with _peer() as taken:
            async with open_net() as (net, rec):
                net.open(1, Service.UDP, LOOPBACK, 9, taken.getsockname()[1], (), NO_OPTS)
                assert (await rec.wait(OpenFailed, conn_id=1)).failure is NetFailure.BIND

    net_run(body)


def test_udp_service_senders_and_replies(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.open(2, Service.UDP_SERVICE, "127.0.0.1", 0, 0, (), NO_OPTS)
            opened = await rec.wait(Opened, conn_id=2)
            assert opened.remote is None and opened.local[0] == LOOPBACK
            service = opened.local
            with _peer() as alice, _peer() as bob:
                alice.sendto(b"from alice", service)
                bob.sendto(b"from bob", service)
                await rec.wait(Received, conn_id=2, data=b"from bob")
                senders = {r.data: r.sender for r in rec.of(Received, conn_id=2)}
                assert senders == {
                    b"from alice": alice.getsockname(),
                    b"from bob": bob.getsockname(),
                }
                net.send(2, b"hi bob", dest=bob.getsockname())
                net.send(2, b"hi alice", dest=alice.getsockname())
                loop = asyncio.get_running_loop()
                assert await loop.run_in_executor(None, bob.recvfrom, 100) == (b"hi bob", service)
                got = await loop.run_in_executor(None, alice.recvfrom, 100)
                assert got == (b"hi alice", service)
                net.send(2, b"nowhere")  # no destination: dropped, nothing breaks
                assert net.backlog(2) == 0

    net_run(body)


def test_udp_service_port_busy_is_556(net_run):
    async def body():
        with _peer() as taken:
            async with open_net() as (net, rec):
                port = taken.getsockname()[1]
                net.open(3, Service.UDP_SERVICE, "127.0.0.1", 0, port, (), NO_OPTS)
                assert (await rec.wait(OpenFailed, conn_id=3)).failure is NetFailure.BIND

    net_run(body)


def test_udp_service_explicit_port(net_run):
    async def body():
        port = closed_port(socket.SOCK_DGRAM)
        async with open_net() as (net, rec):
            net.open(4, Service.UDP_SERVICE, "127.0.0.1", 0, port, (), NO_OPTS)
            assert (await rec.wait(Opened, conn_id=4)).local == (LOOPBACK, port)

    net_run(body)
