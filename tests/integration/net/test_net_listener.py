"""TCP LISTENER sockets: incoming connections, accept and reject."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from net_testkit import LOOPBACK, open_net

from modemu.net.base import (
    Closed,
    Incoming,
    NetFailure,
    Opened,
    OpenFailed,
    PeerClosed,
    Received,
    Service,
    SocketOptions,
)

NO_OPTS = SocketOptions()


async def _listen(net, rec, conn_id=1):
    net.open(conn_id, Service.TCP_LISTENER, "127.0.0.1", 0, 0, (), NO_OPTS)
    opened = await rec.wait(Opened, conn_id=conn_id)
    assert opened.remote is None
    return opened.local


async def _connect(address):
    return await asyncio.wait_for(asyncio.open_connection(*address), 3)


def test_accept_delivers_data_sent_before_accept(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            reader, writer = await _connect(listen_addr)
            writer.write(b"early bytes")
            await writer.drain()
            incoming = await rec.wait(Incoming, listener_id=1)
            assert incoming.remote == writer.get_extra_info("sockname")
            assert incoming.local == listen_addr
            await asyncio.sleep(0.2)
            assert not rec.of(Received), "nothing may be reported before accept"
            options = SocketOptions(keepalive=(60, 25, 3))
            net.accept(incoming.token, 11, options)
            assert await rec.wait_data(11, 11) == b"early bytes"
            sock = net.host_socket(11)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
            net.send(11, b"reply")
            assert await asyncio.wait_for(reader.readexactly(5), 3) == b"reply"
            # closing the listener leaves the accepted connection alone
            net.close(1, 1)
            await rec.wait(Closed, conn_id=1)
            writer.write(b" later")
            await writer.drain()
            assert await rec.wait_data(11, 17) == b"early bytes later"
            net.send(11, b"still here")
            assert await asyncio.wait_for(reader.readexactly(10), 3) == b"still here"
            with contextlib.suppress(OSError, TimeoutError):  # no longer listening
                await _connect(listen_addr)
                raise AssertionError("the closed listener still accepts")
            writer.close()
            assert (await rec.wait(PeerClosed, conn_id=11)).error is False

    net_run(body)


def test_reject_closes_the_client(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            reader, writer = await _connect(listen_addr)
            incoming = await rec.wait(Incoming, listener_id=1)
            net.reject(incoming.token)
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 3) == b""
            writer.close()
            await asyncio.sleep(0.05)
            assert not rec.of(Received) and not rec.of(PeerClosed)

    net_run(body)


def test_client_gone_before_accept(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            _, writer = await _connect(listen_addr)
            writer.write(b"hit and run")
            writer.close()
            incoming = await rec.wait(Incoming, listener_id=1)
            await asyncio.sleep(0.1)
            net.accept(incoming.token, 10, NO_OPTS)
            assert (await rec.wait(PeerClosed, conn_id=10)).error is False
            assert rec.data(10) == b"hit and run"

    net_run(body)


def test_accept_unknown_token_reports_dead_socket(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.accept(12345, 9, NO_OPTS)
            assert (await rec.wait(PeerClosed, conn_id=9)).error is True

    net_run(body)


def test_several_clients_get_distinct_tokens(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            clients = [await _connect(listen_addr) for _ in range(3)]
            for n, (_, writer) in enumerate(clients):
                writer.write(b"client %d" % n)

            async def three():
                while len(rec.of(Incoming)) < 3:
                    await asyncio.sleep(0.01)

            await asyncio.wait_for(three(), 3)
            tokens = [e.token for e in rec.of(Incoming)]
            assert len(set(tokens)) == 3
            by_port = {e.remote[1]: e.token for e in rec.of(Incoming)}
            for n, (_, writer) in enumerate(clients):
                net.accept(by_port[writer.get_extra_info("sockname")[1]], 11 - n, NO_OPTS)
            for n in range(3):
                assert await rec.wait_data(11 - n, 8) == b"client %d" % n
            # closing the listener drops nothing that was accepted
            net.close(1, 0)
            await rec.wait(Closed, conn_id=1)
            for _, writer in clients:
                writer.close()
            for n in range(3):
                await rec.wait(PeerClosed, conn_id=11 - n)

    net_run(body)


def test_listener_port_busy_is_556(net_run):
    async def body():
        with socket.socket() as taken:
            taken.bind((LOOPBACK, 0))
            taken.listen()
            async with open_net() as (net, rec):
                port = taken.getsockname()[1]
                net.open(2, Service.TCP_LISTENER, "127.0.0.1", 0, port, (), NO_OPTS)
                assert (await rec.wait(OpenFailed, conn_id=2)).failure is NetFailure.BIND

    net_run(body)


def test_pending_clients_are_dropped_with_their_listener(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            reader, writer = await _connect(listen_addr)
            incoming = await rec.wait(Incoming, listener_id=1)
            net.close(1, 0)
            await rec.wait(Closed, conn_id=1)
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 3) == b""
            writer.close()
            net.accept(incoming.token, 5, NO_OPTS)
            assert (await rec.wait(PeerClosed, conn_id=5)).error is True

    net_run(body)


def test_accept_into_an_open_id_is_refused_quietly(net_run):
    async def body():
        async with open_net() as (net, rec):
            listen_addr = await _listen(net, rec)
            reader, writer = await _connect(listen_addr)
            incoming = await rec.wait(Incoming, listener_id=1)
            net.accept(incoming.token, 1, NO_OPTS)  # 1 is the listener itself
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 3) == b""
            writer.close()
            await asyncio.sleep(0.05)
            assert not rec.of(PeerClosed) and not rec.of(Closed)

    net_run(body)
