"""Addresses, fault injection, delivery rules and shutdown of the real back end."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress

from net_testkit import LOOPBACK, Accepted, open_net, tcp_server

from modemu.net import hostaddr
from modemu.net.base import (
    AllAcked,
    Closed,
    NetBackend,
    Opened,
    OpenFailed,
    PdpDeactivated,
    Received,
    Service,
    SocketOptions,
)
from modemu.net.hostaddr import host_ipv4
from modemu.net.sockopts import user_timeout_ms


def test_local_address(net_run):
    async def body():
        async with open_net(pdp_address="10.7.157.1") as (net, _):
            assert net.local_address() == "10.7.157.1"
        async with open_net() as (net, _):
            address = ipaddress.IPv4Address(net.local_address())
            assert address == ipaddress.IPv4Address(host_ipv4())
            if not address.is_loopback:  # loopback only when the host has nothing else
                assert net.local_address() != LOOPBACK

    net_run(body)


def test_is_a_net_backend(net_run):
    async def body():
        async with open_net() as (net, _):
            backend: NetBackend = net
            assert backend is net

    net_run(body)


def test_pdp_deactivation_is_delivered_later(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.raise_pdp_deactivation(1)
            assert rec.events == []
            assert await rec.wait(PdpDeactivated) == PdpDeactivated(1)

    net_run(body)


def test_unknown_ids_are_harmless(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.send(7, b"x")
            net.pause_reading(7)
            net.resume_reading(7)
            net.reject(99)
            assert net.backlog(7) == 0
            net.wait_acked(7, 1)
            assert (await rec.wait(AllAcked, conn_id=7, req=1)).ok is False

    net_run(body)


def test_close_answers_pending_ack_waits_first(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            net.open(0, Service.TCP, LOOPBACK, port, 0, (), SocketOptions())
            await rec.wait(Opened, conn_id=0)
            await accepted.next()
            for _ in range(16):
                net.send(0, bytes(1024 * 1024))
            net.wait_acked(0, 5)
            net.close(0, 0)
            await rec.wait(Closed, conn_id=0)
            kinds = [type(e) for e in rec.events if not isinstance(e, Opened)]
            assert kinds == [AllAcked, Closed]
            assert rec.of(AllAcked)[0].ok is False
            accepted.close_all()

    net_run(body)


def test_engine_may_call_back_from_the_sink(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            original = rec.__call__

            def sink(event):
                original(event)
                if isinstance(event, Received):
                    net.close(event.conn_id, 0)  # re-entrant call from inside the sink

            net._sink = sink
            net.open(0, Service.TCP, LOOPBACK, port, 0, (), SocketOptions())
            await rec.wait(Opened, conn_id=0)
            _, writer = await accepted.next()
            writer.write(b"first")
            await rec.wait(Closed, conn_id=0)
            with contextlib.suppress(ConnectionError, RuntimeError):  # uvloop: RuntimeError
                writer.write(b"second")
                await writer.drain()
            await asyncio.sleep(0.1)
            assert len(rec.of(Received)) == 1

    net_run(body)


def test_aclose_closes_everything_and_goes_quiet(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port:
            async with open_net() as (net, rec):
                net.open(0, Service.TCP, LOOPBACK, port, 0, (), SocketOptions())
                net.open(1, Service.TCP_LISTENER, "127.0.0.1", 0, 0, (), SocketOptions())
                net.open(2, Service.UDP_SERVICE, "127.0.0.1", 0, 0, (), SocketOptions())
                await rec.wait(Opened, conn_id=0)
                listener = (await rec.wait(Opened, conn_id=1)).local
                await rec.wait(Opened, conn_id=2)
                reader, _ = await accepted.next()
                net.resolve(1, "slow.example", ["127.0.0.3"])
                count = len(rec.events)
            assert len(rec.events) == count
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 2) == b""
            with contextlib.suppress(OSError):
                await asyncio.wait_for(asyncio.open_connection(*listener), 2)
                raise AssertionError("listener still open after aclose")

    net_run(body)


def test_id_may_be_reused_while_its_close_is_in_progress(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            net.open(0, Service.TCP, LOOPBACK, port, 0, (), SocketOptions())
            await rec.wait(Opened, conn_id=0)
            await accepted.next()
            net.close(0, 0.5)  # the silent peer keeps this close waiting
            net.open(0, Service.TCP, LOOPBACK, port, 0, (), SocketOptions())
            await _wait_opened(rec, 2)
            _, writer = await accepted.next()
            await rec.wait(Closed, conn_id=0)
            assert not rec.of(OpenFailed)
            writer.write(b"new socket")
            assert await rec.wait_data(0, 10) == b"new socket"

    net_run(body)


async def _wait_opened(rec, count):
    async def scan():
        while len(rec.of(Opened, conn_id=0)) < count:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(scan(), 3)


def test_default_dns(net_run):
    async def body():
        async with open_net(default_dns=("127.0.0.53",)) as (net, _):
            assert net.default_dns() == ("127.0.0.53",)
        async with open_net(default_dns=()) as (net, _):
            servers = net.default_dns()  # the host's resolv.conf: read, never queried here
            assert all(ipaddress.IPv4Address(s) for s in servers)

    net_run(body)


def test_retransmission_mapping_respects_the_minimum_rto():
    assert user_timeout_ms(8, 600) == 4800
    assert user_timeout_ms(3, 5) == 3 * 200  # Linux never retransmits sooner than 200 ms


def test_host_address_falls_back_to_loopback(monkeypatch):
    monkeypatch.setattr(hostaddr.socket, "if_nameindex", lambda: [(1, "lo")])
    assert hostaddr.host_ipv4() == hostaddr.FALLBACK_ADDRESS == LOOPBACK
