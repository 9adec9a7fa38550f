"""TCP clients of the real back end against loopback peers."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import time

from net_testkit import (
    LOOPBACK,
    Accepted,
    closed_port,
    echo_handler,
    open_net,
    reset,
    tcp_server,
)

from modemu.net.base import (
    AllAcked,
    Closed,
    NetFailure,
    Opened,
    OpenFailed,
    PeerClosed,
    Received,
    Service,
    SocketOptions,
)

NO_OPTS = SocketOptions()


def open_tcp(net, conn_id, port, *, host=LOOPBACK, local_port=0, options=NO_OPTS):
    net.open(conn_id, Service.TCP, host, port, local_port, (), options)


def test_echo_and_close(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            opened = await rec.wait(Opened, conn_id=0)
            assert opened.remote == (LOOPBACK, port)
            assert opened.local[0] == LOOPBACK and opened.local[1] > 0
            net.send(0, b"hello ")
            net.send(0, b"world")
            assert await rec.wait_data(0, 11) == b"hello world"
            net.close(0, 2.0)
            await rec.wait(Closed, conn_id=0)
            assert not rec.of(PeerClosed)
            assert len(rec.of(Closed, conn_id=0)) == 1

    net_run(body)


def test_localhost_name_is_loopback(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 1, port, host="localhost")
            opened = await rec.wait(Opened, conn_id=1)
            assert opened.remote == (LOOPBACK, port)

    net_run(body)


def test_refused_is_566(net_run):
    async def body():
        async with open_net() as (net, rec):
            open_tcp(net, 2, closed_port())
            assert (await rec.wait(OpenFailed, conn_id=2)).failure is NetFailure.CONNECT
            assert not rec.of(Opened)
            open_tcp(net, 2, closed_port())  # the id is free again after a failure
            assert len(await _wait_n(rec, OpenFailed, 2)) == 2

    net_run(body)


def test_reset_right_after_the_handshake_is_an_open_then_a_close(net_run, monkeypatch):
    """``connect()`` reports ECONNRESET only once the handshake completed: the module must say
    ``+QIOPEN: <id>,0`` then ``closed`` (a peer that accepts and resets at once), not 566.

    The reset is made to land before the connect completes by wrapping the loop's
    ``sock_connect``, which the race with a real peer makes only sometimes."""

    async def body():
        loop = asyncio.get_running_loop()
        real_connect = loop.sock_connect

        async def connect_then_reset(sock, address):
            await real_connect(sock, address)
            raise ConnectionResetError(104, "Connection reset by peer")

        monkeypatch.setattr(loop, "sock_connect", connect_then_reset)
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 4, port)
            opened = await rec.wait(Opened, conn_id=4)
            assert opened.remote == (LOOPBACK, port) and opened.local[1] > 0
            assert (await rec.wait(PeerClosed, conn_id=4)).error
            assert not rec.of(OpenFailed)
            net.close(4, 0)
            await rec.wait(Closed, conn_id=4)

    net_run(body)


async def _wait_n(rec, cls, n):
    async def scan():
        while len(rec.of(cls)) < n:
            await asyncio.sleep(0.01)
        return rec.of(cls)

    return await asyncio.wait_for(scan(), 3)


def test_explicit_local_port(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            wanted = closed_port()
            open_tcp(net, 3, port, local_port=wanted)
            assert (await rec.wait(Opened, conn_id=3)).local == (LOOPBACK, wanted)

    net_run(body)


def test_local_port_conflict_is_556(net_run):
    async def body():
        with socket.socket() as taken:
            taken.bind((LOOPBACK, 0))
            taken.listen()
            busy = taken.getsockname()[1]
            async with tcp_server(echo_handler) as port, open_net() as (net, rec):
                open_tcp(net, 4, port, local_port=busy)
                assert (await rec.wait(OpenFailed, conn_id=4)).failure is NetFailure.BIND

    net_run(body)


def test_busy_id_is_563(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 5, port)
            await rec.wait(Opened, conn_id=5)
            open_tcp(net, 5, port)
            assert (await rec.wait(OpenFailed, conn_id=5)).failure is NetFailure.ID_IN_USE

    net_run(body)


def test_peer_fin_and_reset(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            open_tcp(net, 1, port)
            local = {(await rec.wait(Opened, conn_id=n)).local[1]: n for n in (0, 1)}
            peers = {}
            for _ in range(2):
                _, writer = await accepted.next()
                peers[local[writer.get_extra_info("peername")[1]]] = writer
            peers[0].write(b"bye")
            peers[0].close()
            assert (await rec.wait(PeerClosed, conn_id=0)).error is False
            assert rec.data(0) == b"bye"
            reset(peers[1])
            assert (await rec.wait(PeerClosed, conn_id=1)).error is True
            await asyncio.sleep(0.05)
            assert len(rec.of(PeerClosed)) == 2

    net_run(body)


def test_pause_reading_back_pressure(net_run):
    payload = os.urandom(6 * 1024 * 1024)

    async def body():
        written = 0

        async def blaster(reader, writer):
            nonlocal written
            writer.transport.set_write_buffer_limits(high=16384)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
            with contextlib.suppress(ConnectionError):
                for offset in range(0, len(payload), 16384):
                    writer.write(payload[offset : offset + 16384])
                    await writer.drain()
                    written = offset + 16384
                writer.close()

        async def stalled():
            """Wait until the peer's writes stop making progress."""
            previous = -1
            while written != previous:
                previous = written
                await asyncio.sleep(0.25)

        async with tcp_server(blaster) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            await rec.wait(Received, conn_id=0)
            net.pause_reading(0)
            got = len(rec.data(0))
            await asyncio.wait_for(stalled(), 5)
            assert written < len(payload), "the peer could write everything while paused"
            assert len(rec.data(0)) == got, "data was reported while paused"
            net.resume_reading(0)
            data = await rec.wait_data(0, len(payload), timeout=10)
            assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
            assert (await rec.wait(PeerClosed, conn_id=0)).error is False

    net_run(body)


def test_backlog_and_wait_acked_with_slow_reader(net_run):
    chunk = os.urandom(1024 * 1024)

    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            reader, _ = await accepted.next()
            assert net.backlog(0) == 0
            for _ in range(8):
                net.send(0, chunk)
            net.wait_acked(0, 1)
            await asyncio.sleep(0.3)  # the peer reads nothing yet: its window closes
            assert net.backlog(0) > 0
            assert not rec.of(AllAcked)
            total = 0
            while total < 8 * len(chunk):
                data = await asyncio.wait_for(reader.read(256 * 1024), 3)
                assert data
                total += len(data)
                await asyncio.sleep(0.001)
            done = await rec.wait(AllAcked, conn_id=0, req=1)
            assert done.ok is True
            assert net.backlog(0) == 0
            net.wait_acked(0, 2)  # nothing outstanding: answered at once
            assert (await rec.wait(AllAcked, conn_id=0, req=2)).ok is True

    net_run(body)


def test_wait_acked_fails_when_link_dies(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            _, writer = await accepted.next()
            for _ in range(16):
                net.send(0, bytes(1024 * 1024))
            net.wait_acked(0, 7)
            await asyncio.sleep(0.2)
            reset(writer)
            assert (await rec.wait(AllAcked, conn_id=0, req=7)).ok is False
            assert (await rec.wait(PeerClosed, conn_id=0)).error is True

    net_run(body)


def test_close_completes_when_our_fin_is_acked_even_if_the_peer_stays_open(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            reader, writer = await accepted.next()
            started = time.monotonic()
            net.close(0, 5.0)
            await rec.wait(Closed, conn_id=0, timeout=3)
            assert time.monotonic() - started < 1.0  # FIN-ACK, not the peer's FIN
            assert await asyncio.wait_for(reader.read(), 1) == b""  # our FIN arrived
            writer.write(b"late data")  # the peer neither closes nor stops talking
            assert not rec.of(Received) and not rec.of(PeerClosed)

    net_run(body)


def test_close_forces_after_timeout_when_the_peer_does_not_read(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            _reader, _writer = await accepted.next()  # never reads: our data cannot drain
            net.send(0, b"x" * (16 * 1024 * 1024))
            started = time.monotonic()
            net.close(0, 0.5)
            await rec.wait(Closed, conn_id=0, timeout=3)
            elapsed = time.monotonic() - started
            assert 0.45 <= elapsed < 2.0
            assert not rec.of(PeerClosed)

    net_run(body)


def test_close_with_zero_timeout_is_immediate(net_run):
    async def body():
        accepted = Accepted()
        async with tcp_server(accepted) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            reader, _ = await accepted.next()
            started = time.monotonic()
            net.close(0, 0)
            assert not rec.of(Closed), "Closed must not be delivered inside close()"
            await rec.wait(Closed, conn_id=0, timeout=1)
            assert time.monotonic() - started < 0.5
            with contextlib.suppress(ConnectionResetError):
                assert await asyncio.wait_for(reader.read(), 1) == b""

    net_run(body)


def test_close_with_cooperating_peer_is_quick(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            started = time.monotonic()
            net.close(0, 10)
            await rec.wait(Closed, conn_id=0)
            assert time.monotonic() - started < 1.0

    net_run(body)


def test_close_unknown_and_twice(net_run):
    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            net.close(9, 10)
            await rec.wait(Closed, conn_id=9)
            open_tcp(net, 0, port)
            await rec.wait(Opened, conn_id=0)
            net.close(0, 10)
            net.close(0, 0)
            await asyncio.sleep(0.3)
            assert len(rec.of(Closed, conn_id=0)) == 2

    net_run(body)


def test_close_while_opening_cancels_the_open(net_run):
    async def body():
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind((LOOPBACK, 0))
        with silent:
            dns_port = silent.getsockname()[1]
            async with open_net(dns_port=dns_port, dns_timeout=2.0) as (net, rec):
                net.open(0, Service.TCP, "slow.example", 80, 0, [LOOPBACK], NO_OPTS)
                await asyncio.sleep(0.1)
                net.close(0, 10)
                await rec.wait(Closed, conn_id=0)
                await asyncio.sleep(0.1)
                assert not rec.of(OpenFailed) and not rec.of(Opened)

    net_run(body)


def test_keepalive_and_retransmission_options(net_run):
    options = SocketOptions(keepalive=(30, 25, 4), retransmission=(5, 300))

    async def body():
        async with tcp_server(echo_handler) as port, open_net() as (net, rec):
            open_tcp(net, 0, port, options=options)
            await rec.wait(Opened, conn_id=0)
            sock = net.host_socket(0)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 25
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 4
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 1500
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT) == 5
            open_tcp(net, 1, port)
            await rec.wait(Opened, conn_id=1)
            plain = net.host_socket(1)
            assert plain.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0

    net_run(body)


def test_no_data_while_paused_from_inside_the_sink(net_run):
    payload = os.urandom(1024 * 1024)

    async def body():
        async def sender(reader, writer):
            writer.write(payload)
            await writer.drain()
            writer.close()

        async with tcp_server(sender) as port, open_net() as (net, rec):
            paused = False
            violations = 0
            record = rec.__call__

            def sink(event):
                nonlocal paused, violations
                record(event)
                if isinstance(event, Received):
                    violations += paused
                    paused = True
                    net.pause_reading(0)  # the engine's buffer is "full" after every chunk
                elif isinstance(event, PeerClosed):
                    violations += paused

            net._sink = sink
            open_tcp(net, 0, port)

            async def consume():
                nonlocal paused
                while not rec.of(PeerClosed, conn_id=0):
                    await asyncio.sleep(0.002)
                    paused = False
                    net.resume_reading(0)

            await asyncio.wait_for(consume(), 10)
            assert violations == 0
            assert hashlib.sha256(rec.data(0)).digest() == hashlib.sha256(payload).digest()

    net_run(body)


def test_connections_receiving_at_once_each_get_their_own_bytes(net_run):
    """Every stream of a loop reads into one shared buffer (net/tcp.py): bytes must be
    copied out before the next stream's read, so four bulk downloads at once, each with a
    pattern of its own, must each arrive whole and in order."""
    size = 1024 * 1024
    patterns = {i: hashlib.sha256(bytes([i])).digest() * (size // 32) for i in range(4)}

    async def sender(reader, writer):
        which = (await reader.readexactly(1))[0]
        with contextlib.suppress(ConnectionError):
            writer.write(patterns[which])
            await writer.drain()
        writer.close()

    async def body():
        async with tcp_server(sender) as port, open_net() as (net, rec):
            for conn_id in patterns:
                open_tcp(net, conn_id, port)
            for conn_id in patterns:
                await rec.wait(Opened, conn_id=conn_id)
                net.send(conn_id, bytes([conn_id]))
            for conn_id, pattern in patterns.items():
                assert await rec.wait_data(conn_id, size, timeout=10) == pattern
                assert (await rec.wait(PeerClosed, conn_id=conn_id)).error is False

    net_run(body)
