"""The whole module end to end: a real pty, the real network back end, loopback peers.

A host writes AT commands to the pty slave exactly as a driver would; peers are asyncio
servers and clients on 127.0.0.1 started by each test. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket

import pytest
from e2e_kit import LOOPBACK, TIMEOUT, echo, module, open_tcp, read_all, run, tcp_peer

from modemu.modem.profile import Profile

# -- seed chapter 3 -----------------------------------------------------------------------


def test_seed_chapter_3_2_buffer_mode_transcript() -> None:
    async def body() -> None:
        async with module() as (_, host), tcp_peer(echo) as port:
            await open_tcp(host, 0, port)
            state = await host.command(b"AT+QISTATE=1,0\r")
            assert re.fullmatch(
                rb'\r\n\+QISTATE: 0,"TCP","127\.0\.0\.1",%d,\d+,2,1,0,0,"uart1"\r\n\r\nOK\r\n'
                % port,
                state,
            )
            assert await host.command(b"AT+QISEND=0\r", b">") == b"\r\n>"
            assert await host.command(b"test1\x1a", b"SEND OK\r\n") == b"test1\r\nSEND OK\r\n"
            assert await host.read_until(b'+QIURC: "recv",0\r\n') == b'\r\n+QIURC: "recv",0\r\n'
            assert await host.command(b"AT+QISEND=0,4\r", b">") == b"\r\n>"
            assert await host.command(b"test", b"SEND OK\r\n") == b"test\r\nSEND OK\r\n"
            await asyncio.sleep(0.2)
            assert await host.command(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 9,9,0\r\n\r\nOK\r\n"
            assert await host.command(b'AT+QISENDEX=0,"3132333435"\r', b"SEND OK\r\n") == (
                b"\r\nSEND OK\r\n"
            )
            await asyncio.sleep(0.2)
            assert await host.command(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 14,14,0\r\n\r\nOK\r\n"
            assert await host.command(b"AT+QIRD=0,1500\r") == (
                b"\r\n+QIRD: 14\r\ntest1test12345\r\n\r\nOK\r\n"
            )
            assert await host.command(b"AT+QIRD=0,1500\r") == b"\r\n+QIRD: 0\r\n\r\nOK\r\n"
            assert await host.command(b"AT+QIRD=0,0\r") == b"\r\n+QIRD: 14,14,0\r\n\r\nOK\r\n"
            assert await host.command(b"AT+QICLOSE=0\r") == b"\r\nOK\r\n"
            assert await host.command(b"AT+QISTATE?\r") == b"\r\nOK\r\n"

    run(body())


def test_direct_push_binary_payload_framing() -> None:
    payload = b"\x1a\x1b+++\r\nOK\r\n\x00\xff" * 3

    async def body() -> None:
        async def sender(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readexactly(2)
            writer.write(payload)
            await writer.drain()
            await reader.read()

        async with module() as (_, host), tcp_peer(sender) as port:
            await open_tcp(host, 0, port, mode=1)
            assert await host.command(b"AT+QISEND=0,2\r", b">") == b"\r\n>"
            assert await host.command(b"go", b"SEND OK\r\n") == b"go\r\nSEND OK\r\n"
            header = f'\r\n+QIURC: "recv",0,{len(payload)}\r\n'.encode()
            assert await host.read_exactly(len(header) + len(payload) + 2) == (
                header + payload + b"\r\n"
            )

    run(body())


def test_fixed_length_send_carries_ctrl_z_and_esc_and_ignores_a_stray_ctrl_z() -> None:
    payload = bytes(range(256))

    async def body() -> None:
        async with module() as (_, host), tcp_peer(echo) as port:
            await host.command(b"AT+QISDE=0\r")
            await open_tcp(host, 0, port)
            assert await host.command(b"AT+QISEND=0,256\r", b">") == b"\r\n>"
            await host.write(payload + b"\x1a")  # Zephyr's trailing Ctrl-Z
            assert await host.read_until(b"SEND OK\r\n") == b"\r\nSEND OK\r\n"
            assert await host.read_until(b'"recv",0\r\n') == b'\r\n+QIURC: "recv",0\r\n'
            assert await read_all(host, 0, 256) == payload
            assert await host.command(b"AT\r") == b"\r\nOK\r\n"

    run(body())


def test_urc_arriving_during_data_entry_follows_send_ok() -> None:
    async def body() -> None:
        go = asyncio.Event()

        async def talker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await go.wait()
            writer.write(b"news")
            await writer.drain()
            await reader.read()

        async with module() as (_, host), tcp_peer(talker) as port:
            await open_tcp(host, 0, port)
            assert await host.command(b"AT+QISEND=0,5\r", b">") == b"\r\n>"
            await host.write(b"ab")
            go.set()
            await asyncio.sleep(0.3)  # the data arrives while the host is still typing
            assert await host.quiet(0.05) == b"ab"
            await host.write(b"cde")
            assert await host.read_until(b'"recv",0\r\n') == (
                b'cde\r\nSEND OK\r\n\r\n+QIURC: "recv",0\r\n'
            )

    run(body())


def test_remote_close_with_unread_data() -> None:
    async def body() -> None:
        async def parting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"goodbye")
            await writer.drain()

        async with module() as (_, host), tcp_peer(parting) as port:
            await open_tcp(host, 0, port)
            assert await host.read_until(b'"closed",0\r\n') == (
                b'\r\n+QIURC: "recv",0\r\n\r\n+QIURC: "closed",0\r\n'
            )
            assert (await host.command(b"AT+QISTATE=1,0\r")).split(b",")[5] == b"4"
            assert await host.command(b"AT+QIRD=0\r") == b"\r\n+QIRD: 7\r\ngoodbye\r\n\r\nOK\r\n"
            assert await host.command(b"AT+QICLOSE=0\r") == b"\r\nOK\r\n"

    run(body())


def test_transparent_mode_bridges_binary_and_escapes_with_guard_times() -> None:
    upstream = bytes(range(256)) * 64 + b"+++"
    downstream = os.urandom(64 * 1024)

    async def body() -> None:
        received = bytearray()
        done = asyncio.Event()

        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(downstream)
            await writer.drain()
            while len(received) < len(upstream):
                received.extend(await reader.read(65536))
            done.set()
            await reader.read()

        async with module() as (_, host), tcp_peer(peer) as port:
            await open_tcp(host, 0, port, mode=2)
            await host.write(upstream)
            assert await host.read_exactly(len(downstream)) == downstream
            await asyncio.wait_for(done.wait(), TIMEOUT)
            assert bytes(received) == upstream  # "+++" inside data is data
            await asyncio.sleep(1.2)
            await host.write(b"+++")
            assert await host.quiet(0.8) == b""  # trailing guard time not over yet
            assert await host.read_until(b"\r\nOK\r\n", 2) == b"\r\nOK\r\n"
            assert (await host.command(b"AT+QISTATE=1,0\r")).split(b",")[8] == b"0"
            assert await host.command(b"ATO\r", b"CONNECT\r\n") == b"\r\nCONNECT\r\n"

    run(body())


def test_transparent_peer_close_gives_no_carrier() -> None:
    async def body() -> None:
        async def brief(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"bye")
            await writer.drain()

        async with module() as (_, host), tcp_peer(brief) as port:
            await open_tcp(host, 0, port, mode=2)
            assert await host.read_until(b"NO CARRIER\r\n") == b"bye\r\nNO CARRIER\r\n"
            assert await host.command(b"AT+QICLOSE=0\r") == b"\r\nOK\r\n"

    run(body())


def test_twelve_sockets_at_once_with_sha256() -> None:
    size = 48 * 1024
    blobs = [os.urandom(size) for _ in range(12)]

    async def body() -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            index = (await reader.readexactly(1))[0]
            writer.write(blobs[index])
            await writer.drain()
            await reader.read()

        async with module() as (_, host), tcp_peer(serve) as port:
            for conn_id in range(12):
                await open_tcp(host, conn_id, port)
            for conn_id in range(12):
                await host.command(f"AT+QISEND={conn_id},1\r".encode(), b">")
                await host.write(bytes([conn_id]))
                await host.read_until(b"SEND OK\r\n")
            for conn_id in range(12):
                got = await read_all(host, conn_id, size)
                assert hashlib.sha256(got).digest() == hashlib.sha256(blobs[conn_id]).digest()
            lines = await host.command(b"AT+QISTATE?\r")
            assert lines.count(b"+QISTATE:") == 12

    run(body())


def test_buffer_back_pressure_loses_nothing() -> None:
    blob = os.urandom(512 * 1024)

    async def body() -> None:
        async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(blob)
            await writer.drain()
            await reader.read()

        async with module(Profile(rx_buffer_size=4096)) as (_, host), tcp_peer(flood) as port:
            await open_tcp(host, 0, port)
            await asyncio.sleep(0.3)  # the peer fills the module's buffer, then stalls
            counters = await host.command(b"AT+QIRD=0,0\r")
            unread = int(counters.split(b",")[2].split(b"\r")[0])
            assert unread <= 4096
            got = await read_all(host, 0, len(blob))
            assert hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()

    run(body())


def test_listener_accepts_a_real_client() -> None:
    async def body() -> None:
        async with module() as (_, host):
            no_port = b'AT+QIOPEN=1,1,"TCP LISTENER","127.0.0.1",0,0,0\r'
            assert await host.command(no_port, b"ERROR\r\n") == b"\r\nERROR\r\n"
            probe = await asyncio.start_server(lambda r, w: None, LOOPBACK, 0)
            port = probe.sockets[0].getsockname()[1]
            probe.close()
            await probe.wait_closed()
            line = f'AT+QIOPEN=1,1,"TCP LISTENER","127.0.0.1",0,{port},0\r'.encode()
            assert await host.command(line) == b"\r\nOK\r\n"
            assert await host.read_until(b"+QIOPEN: 1,0\r\n") == b"\r\n+QIOPEN: 1,0\r\n"
            reader, writer = await asyncio.open_connection(LOOPBACK, port)
            client_port = writer.get_extra_info("sockname")[1]
            writer.write(b"test")
            await writer.drain()
            assert await host.read_until(b'"recv",11\r\n') == (
                f'\r\n+QIURC: "incoming",11,1,"127.0.0.1",{client_port}\r\n'.encode()
                + b'\r\n+QIURC: "recv",11\r\n'
            )
            assert await host.command(b"AT+QIRD=11,1500\r") == (
                b"\r\n+QIRD: 4\r\ntest\r\n\r\nOK\r\n"
            )
            assert await host.command(b"AT+QISEND=11,2\r", b">") == b"\r\n>"
            await host.command(b"hi", b"SEND OK\r\n")
            assert await asyncio.wait_for(reader.readexactly(2), TIMEOUT) == b"hi"
            assert await host.command(b"AT+QICLOSE=11\r") == b"\r\nOK\r\n"
            assert await host.command(b"AT+QICLOSE=1\r") == b"\r\nOK\r\n"
            writer.close()

    run(body())


def test_udp_service_datagrams_both_ways() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()

        class Peer(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                inbox.put_nowait((data, addr))

        transport, _ = await loop.create_datagram_endpoint(Peer, local_addr=(LOOPBACK, 0))
        peer_port = transport.get_extra_info("sockname")[1]
        probe, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=(LOOPBACK, 0)
        )
        service_port = probe.get_extra_info("sockname")[1]
        probe.close()
        try:
            async with module() as (_, host):
                line = f'AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,{service_port},0\r'
                assert await host.command(line.encode()) == b"\r\nOK\r\n"
                assert await host.read_until(b"+QIOPEN: 2,0\r\n") == b"\r\n+QIOPEN: 2,0\r\n"
                transport.sendto(b"\x00dgram\x1a", (LOOPBACK, service_port))
                assert await host.read_until(b'"recv",2\r\n') == b'\r\n+QIURC: "recv",2\r\n'
                assert await host.command(b"AT+QIRD=2\r") == (
                    f'\r\n+QIRD: 7,"127.0.0.1",{peer_port}\r\n'.encode()
                    + b"\x00dgram\x1a\r\n\r\nOK\r\n"
                )
                send = f'AT+QISEND=2,5,"127.0.0.1",{peer_port}\r'.encode()
                assert await host.command(send, b">") == b"\r\n>"
                await host.command(b"reply", b"SEND OK\r\n")
                data, addr = await asyncio.wait_for(inbox.get(), TIMEOUT)
                assert (data, addr) == (b"reply", (LOOPBACK, service_port))
        finally:
            transport.close()

    run(body())


def test_connection_refused_is_566() -> None:
    async def body() -> None:
        probe = await asyncio.start_server(lambda r, w: None, LOOPBACK, 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        async with module() as (_, host):
            line = f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,0\r'.encode()
            assert await host.command(line) == b"\r\nOK\r\n"
            assert await host.read_until(b"+QIOPEN: 0,566\r\n") == b"\r\n+QIOPEN: 0,566\r\n"

    run(body())


@pytest.mark.parametrize("mode", [1, 2])
def test_send_ok_after_the_peers_real_ack(mode: int) -> None:
    async def sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass

    async def body() -> None:
        async with module() as (_, host), tcp_peer(sink) as port:
            await open_tcp(host, 0, port)
            await host.command(f'AT+QICFG="TCP/SendMode",{mode}\r'.encode())
            final = b"SEND OK\r\n"
            assert await host.command(b'AT+QISENDEX=0,"414243"\r', final) == (
                b"\r\nSEND OK\r\n" if mode == 1 else b"\r\n0,SEND OK\r\n"
            )
            assert await host.command(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 3,3,0\r\n\r\nOK\r\n"

    run(body())


def test_pdpdeact_raised_by_the_back_end() -> None:
    async def body() -> None:
        async with module() as (modem, host), tcp_peer(echo) as port:
            await open_tcp(host, 0, port)
            modem.net.raise_pdp_deactivation(1)  # type: ignore[attr-defined]
            assert await host.read_until(b'"pdpdeact",1\r\n') == b'\r\n+QIURC: "pdpdeact",1\r\n'
            assert await host.command(b"AT+QISEND=0,1\r", b"ERROR\r\n") == b"\r\nERROR\r\n"
            assert await host.command(b"AT+QIDEACT=1\r") == b"\r\nOK\r\n"

    run(body())


def test_send_fail_under_real_back_pressure() -> None:
    """A peer that never reads: the kernel's unacknowledged bytes grow until SEND FAIL."""

    async def body() -> None:
        stop = asyncio.Event()

        async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await stop.wait()

        server = await asyncio.start_server(stall, LOOPBACK, 0)
        sock = server.sockets[0]
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # inherited on accept
        port = sock.getsockname()[1]
        try:
            async with module() as (_, host):
                await host.command(b'AT+QISDE=0;+QICFG="send/buffersize",4000\r')
                await open_tcp(host, 0, port)
                outcomes = []
                for _ in range(400):
                    await host.command(b"AT+QISEND=0,1460\r", b">")
                    await host.write(b"s" * 1460)
                    outcome = await host.read_until(b"\r\n", 5) + await host.read_until(b"\r\n")
                    outcomes.append(outcome)
                    if outcome == b"\r\nSEND FAIL\r\n":
                        break
                assert outcomes[-1] == b"\r\nSEND FAIL\r\n"
                assert set(outcomes[:-1]) == {b"\r\nSEND OK\r\n"}
                counters = (await host.command(b"AT+QISEND=0,0\r")).split(b"\r\n")[1]
                total, acked, unacked = map(int, counters.split(b": ")[1].split(b","))
                assert total == 1460 * (len(outcomes) - 1)
                assert unacked > 0 and acked + unacked == total
        finally:
            stop.set()
            server.close()

    run(body())


def test_qicfg_keepalive_and_retranscfg_reach_the_host_socket() -> None:
    async def body() -> None:
        async with module() as (modem, host), tcp_peer(echo) as port:
            await host.command(b'AT+QICFG="tcp/keepalive",1,120,30,5\r')
            await host.command(b'AT+QICFG="tcp/retranscfg",4,500\r')
            await open_tcp(host, 0, port)
            sock = modem.net.host_socket(0)  # type: ignore[attr-defined]
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 120
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 5
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 4 * 500
            await host.command(b'AT+QICFG="tcp/keepalive",0\r')
            await open_tcp(host, 1, port)
            plain = modem.net.host_socket(1)  # type: ignore[attr-defined]
            assert plain.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0

    run(body())
