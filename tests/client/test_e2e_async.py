"""The asyncio client against a real ``modemu serve`` subprocess (via the pytest plugin).

Every peer is on 127.0.0.1 with a port chosen by the OS; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from modemu.at.codes import QiError
from modemu.client import AsyncModem, Urc
from modemu.errors import (
    CmeError,
    CommandError,
    LocalProtocolError,
    OperationError,
)
from modemu.testing.controller import ModemuInstance

from .conftest import CLOSE_COMMAND, FIXED_TIME

T = TypeVar("T")
LIMIT = 30.0


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, LIMIT))


def with_modem(url: str, body: Callable[[AsyncModem], Awaitable[T]], activate: bool = True) -> T:
    """Open ``url``, activate context 1, run ``body``, close — all under one time limit."""

    async def main() -> T:
        async with await AsyncModem.open(url) as modem:
            if activate:
                await modem.activate(1, "internet")
            return await body(modem)

    return run(main())


def test_identify_attach_activate(modem_url: str) -> None:
    async def body(modem: AsyncModem) -> None:
        assert (await modem.identify())[0] == "Quectel"
        assert await modem.attach(timeout=10) in (1, 5)
        address = await modem.activate(1, "internet", user="user", password="secret", auth=1)
        assert address
        assert await modem.activate(1, "internet") == address  # already active: kept
        assert await modem.context_address(2) is None
        await modem.deactivate(1)
        assert await modem.context_address(1) is None

    with_modem(modem_url, body, activate=False)


def test_tcp_binary_round_trip(modem_url: str, tcp_echo_port: int) -> None:
    """Every byte value, CRLF, 'OK', Ctrl-Z and ESC survive QISEND and QIRD framing."""
    payload = bytes(range(256)) + b"\r\nOK\r\n\x1a\x1b+++\r\nSEND OK\r\n"

    async def body(modem: AsyncModem) -> bytes:
        sock = await modem.connect("127.0.0.1", tcp_echo_port)
        await sock.sendall(payload)
        received = b""
        while len(received) < len(payload):
            received += await sock.recv(1500, timeout=5)
        total, acked, unacked = await sock.send_counters()
        assert total == len(payload) and acked + unacked == total
        await sock.close()
        return received

    assert with_modem(modem_url, body) == payload


def test_tcp_push_mode(modem_url: str, tcp_echo_port: int) -> None:
    payload = b"pushed\r\n\r\nbytes"

    async def body(modem: AsyncModem) -> bytes:
        async with await modem.connect("127.0.0.1", tcp_echo_port, push=True) as sock:
            await sock.sendall(payload)
            received = b""
            while len(received) < len(payload):
                received += await sock.recv(timeout=5)
            return received

    assert with_modem(modem_url, body) == payload


def test_peer_close_gives_eof_after_data(modem_url: str, tcp_echo_port: int) -> None:
    async def body(modem: AsyncModem) -> tuple[bytes, list[str]]:
        closed: list[str] = []
        modem.add_urc_listener(
            lambda urc: closed.append(urc.line) if urc.kind == "closed" else None
        )
        sock = await modem.connect("127.0.0.1", tcp_echo_port)
        await sock.send(CLOSE_COMMAND)
        data = b""
        while chunk := await sock.recv(timeout=5):
            data += chunk
        assert sock.peer_closed
        await sock.close()
        return data, closed

    data, closed = with_modem(modem_url, body)
    assert data == b"bye"
    assert closed and closed[0].startswith('+QIURC: "closed",')


def test_open_connection_streams_large_transfer(modem_url: str, tcp_echo_port: int) -> None:
    size = 200_000

    async def body(modem: AsyncModem) -> bytes:
        reader, writer = await modem.open_connection("127.0.0.1", tcp_echo_port)
        assert writer.get_extra_info("peername") == ("127.0.0.1", tcp_echo_port)
        writer.write(bytes(i % 251 for i in range(size)))
        await writer.drain()
        data = await asyncio.wait_for(reader.readexactly(size), 20)
        writer.close()
        await writer.wait_closed()
        assert (await modem.identify())[0] == "Quectel"  # the port is still fine
        return data

    assert with_modem(modem_url, body) == bytes(i % 251 for i in range(size))


def test_transparent_mode_round_trip_and_escape(modem_url: str, tcp_echo_port: int) -> None:
    async def body(modem: AsyncModem) -> bytes:
        reader, writer = await modem.open_connection("127.0.0.1", tcp_echo_port, transparent=True)
        with pytest.raises(LocalProtocolError):
            await modem.command("AT")
        writer.write(b"raw\r\nOK\r\nbytes\n")
        line = await asyncio.wait_for(reader.readuntil(b"bytes\n"), 5)
        writer.close()
        await writer.wait_closed()  # +++ with guard times, then AT+QICLOSE
        await modem.command("AT")
        return line

    assert with_modem(modem_url, body) == b"raw\r\nOK\r\nbytes\n"


def test_transparent_peer_close_is_eof(modem_url: str, tcp_echo_port: int) -> None:
    async def body(modem: AsyncModem) -> bytes:
        reader, writer = await modem.open_connection("127.0.0.1", tcp_echo_port, transparent=True)
        writer.write(CLOSE_COMMAND)
        data = await asyncio.wait_for(reader.read(), 10)  # NO CARRIER → EOF
        writer.close()
        await writer.wait_closed()
        await modem.command("AT")
        return data

    assert with_modem(modem_url, body) == b"bye"


def test_udp_client(modem_url: str, udp_echo_port: int) -> None:
    async def body(modem: AsyncModem) -> list[bytes]:
        async with await modem.udp_socket("127.0.0.1", udp_echo_port) as sock:
            await sock.send(b"one")
            await sock.send(b"two\r\n")
            return [await sock.recv(timeout=5), await sock.recv(timeout=5)]

    assert with_modem(modem_url, body) == [b"one", b"two\r\n"]


def test_udp_service_sendto_recvfrom(modem_url: str, free_port: int) -> None:
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(5)
    peer_address = peer.getsockname()

    async def body(modem: AsyncModem) -> tuple[bytes, Any]:
        async with await modem.udp_service(free_port) as sock:
            await sock.sendto(b"ping\r\n", peer_address)
            data, sender = await asyncio.to_thread(peer.recvfrom, 100)
            assert data == b"ping\r\n"
            peer.sendto(b"pong", sender)
            return await sock.recvfrom(timeout=5)

    try:
        data, sender = with_modem(modem_url, body)
    finally:
        peer.close()
    assert data == b"pong"
    assert sender == peer_address


def test_listener_accepts_a_client(modem_url: str, free_port: int) -> None:
    async def body(modem: AsyncModem) -> tuple[bytes, bytes]:
        async with await modem.listen(free_port) as listener:
            client_reader, client_writer = await asyncio.open_connection("127.0.0.1", free_port)
            incoming = await listener.accept(timeout=5)
            assert incoming.remote is not None and incoming.remote[0] == "127.0.0.1"
            client_writer.write(b"hello module")
            await client_writer.drain()
            got = await incoming.recv(timeout=5)
            await incoming.sendall(b"hello host")
            back = await asyncio.wait_for(client_reader.readexactly(10), 5)
            await incoming.close()
            client_writer.close()
            return got, back

    assert with_modem(modem_url, body) == (b"hello module", b"hello host")


def test_connect_refused_carries_the_qi_error(modem_url: str, free_port: int) -> None:
    async def body(modem: AsyncModem) -> OperationError:
        with pytest.raises(OperationError) as info:
            await modem.connect("127.0.0.1", free_port)
        return info.value

    assert with_modem(modem_url, body).qi_error == QiError.CONNECT_FAILED


def test_command_error_carries_qigeterror(modem_url: str) -> None:
    async def body(modem: AsyncModem) -> CommandError:
        with pytest.raises(CommandError) as info:
            await modem.command("AT+QIRD=99")
        return info.value

    error = with_modem(modem_url, body, activate=False)
    assert error.qi_error == QiError.INVALID_PARAMS
    assert error.result == "ERROR"


@pytest.mark.modemu(args=["--sim", "ABSENT"])
def test_cme_error_code(modem_url: str) -> None:
    async def body(modem: AsyncModem) -> CmeError:
        with pytest.raises(CmeError) as info:
            await modem.attach(timeout=2)
        return info.value

    error = with_modem(modem_url, body, activate=False)
    assert error.code == 10
    assert error.error_code == error.code


def test_resolve_with_local_dns(
    modemu_factory: Callable[..., ModemuInstance], dns_port: int
) -> None:
    instance = modemu_factory(args=["--dns", "127.0.0.1", "--dns-port", str(dns_port)])

    async def body(modem: AsyncModem) -> list[str]:
        assert await modem.resolve("127.0.0.9") == ["127.0.0.9"]
        with pytest.raises(OperationError) as info:
            await modem.resolve("nowhere.test")
        assert info.value.qi_error == QiError.DNS_FAILED
        return await modem.resolve("modem.test")

    assert sorted(with_modem(instance.url, body)) == ["127.0.0.1", "127.0.0.2"]


def test_ping_loopback(modem_url: str) -> None:
    async def body(modem: AsyncModem) -> Any:
        return await modem.ping("127.0.0.1", timeout=2, count=2)

    result = with_modem(modem_url, body)
    assert result.sent == 2
    assert result.received == 2
    assert all(reply is not None and reply.address == "127.0.0.1" for reply in result.replies)


def test_ntp_sync_with_local_server(modem_url: str, ntp_port: int) -> None:
    async def body(modem: AsyncModem) -> datetime:
        return await modem.ntp_sync("127.0.0.1", port=ntp_port, timeout=15)

    synced = with_modem(modem_url, body)
    assert abs(synced.astimezone(UTC).timestamp() - FIXED_TIME) <= 2


def test_qicfg_access(modem_url: str) -> None:
    async def body(modem: AsyncModem) -> tuple[Any, Any]:
        before = await modem.get_config("transpktsize")
        await modem.set_config("transpktsize", 512)
        return before, await modem.get_config("transpktsize")

    assert with_modem(modem_url, body, activate=False) == ((1024,), (512,))


def test_urc_async_iterator_sees_qiopen(modem_url: str, tcp_echo_port: int) -> None:
    async def body(modem: AsyncModem) -> Urc:
        async with modem.subscribe(lambda urc: urc.name == "+QIOPEN") as urcs:
            sock = await modem.connect("127.0.0.1", tcp_echo_port)
            async for urc in urcs:
                await sock.close()
                return urc
        raise AssertionError("no URC")

    urc = with_modem(modem_url, body)
    assert urc.int_arg(1) == 0


def test_stream_eof_releases_the_module_socket(modem_url: str, tcp_echo_port: int) -> None:
    """EOF after the peer closed, then ``close()`` releases the module's socket with
    AT+QICLOSE: nothing is left in AT+QISTATE."""

    async def body(modem: AsyncModem) -> tuple[bytes, tuple[str, ...]]:
        reader, writer = await modem.open_connection("127.0.0.1", tcp_echo_port)
        writer.write(CLOSE_COMMAND)
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 10)
        return data, (await modem.command("AT+QISTATE?")).lines

    data, states = with_modem(modem_url, body)
    assert data == b"bye"
    assert states == ()
