"""TcpTransport on 127.0.0.1 with port 0: one host at a time, reconnects, raw bytes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

from modemu.transport.base import TransportError
from modemu.transport.tcp import TcpTransport, format_hostport

TIMEOUT = 5.0
ALL_BYTES = bytes(range(256))


def _loop_factories() -> list[object]:
    params: list[object] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    if uvloop is not None:
        params.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return params


@pytest.fixture(params=_loop_factories())
def run(request: pytest.FixtureRequest) -> Callable[[Callable[[], Awaitable[None]]], None]:
    factory = request.param

    def runner(body: Callable[[], Awaitable[None]]) -> None:
        async def bounded() -> None:
            await asyncio.wait_for(body(), 20)

        with asyncio.Runner(loop_factory=factory) as r:
            r.run(bounded())

    return runner


class Recorder:
    def __init__(self) -> None:
        self.data = bytearray()
        self.events: list[str] = []
        self.writable: list[bool] = []
        self.changed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.data += data
        self.changed.set()

    def host_attached(self) -> None:
        self.events.append("attached")
        self.changed.set()

    def host_detached(self) -> None:
        self.events.append("detached")
        self.changed.set()

    def host_writable(self, writable: bool) -> None:
        self.writable.append(writable)
        self.changed.set()

    async def wait_for(self, ready: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while not ready():
                self.changed.clear()
                await self.changed.wait()


async def _connect(
    transport: TcpTransport,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.wait_for(asyncio.open_connection(transport.host, transport.port), TIMEOUT)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    await writer.wait_closed()


def test_port_zero_reports_real_port(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport("127.0.0.1", 0)
        await transport.start(Recorder())
        try:
            assert transport.port > 0
            assert transport.url == f"socket://127.0.0.1:{transport.port}"
            assert transport.describe() == f"tcp 127.0.0.1:{transport.port}"
        finally:
            await transport.aclose()

    run(body)


def test_all_byte_values_both_ways(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport()
        rec = Recorder()
        await transport.start(rec)
        reader, writer = await _connect(transport)
        try:
            await rec.wait_for(lambda: rec.events == ["attached"])
            payload = ALL_BYTES * 256
            writer.write(payload)
            await rec.wait_for(lambda: len(rec.data) >= len(payload))
            assert rec.data == payload
            transport.write(payload)
            got = await asyncio.wait_for(reader.readexactly(len(payload)), TIMEOUT)
            assert got == payload
        finally:
            await _close(writer)
            await transport.aclose()

    run(body)


def test_second_client_is_closed_and_first_keeps_working(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport()
        rec = Recorder()
        await transport.start(rec)
        reader1, writer1 = await _connect(transport)
        await rec.wait_for(lambda: rec.events == ["attached"])
        reader2, writer2 = await _connect(transport)
        try:
            assert await asyncio.wait_for(reader2.read(), TIMEOUT) == b""  # EOF at once
            assert transport.refused == 1
            writer2.write(b"ignored")  # may fail silently; must never reach the module
            writer1.write(b"AT\r")
            await rec.wait_for(lambda: rec.data == b"AT\r")
            transport.write(b"OK")
            assert await asyncio.wait_for(reader1.readexactly(2), TIMEOUT) == b"OK"
            assert rec.events == ["attached"]
        finally:
            await _close(writer2)
            await _close(writer1)
            await transport.aclose()

    run(body)


def test_reconnect_finds_the_same_module(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport()
        rec = Recorder()
        await transport.start(rec)
        try:
            for i in range(5):
                reader, writer = await _connect(transport)
                await rec.wait_for(lambda i=i: rec.events.count("attached") == i + 1)  # type: ignore[misc]
                writer.write(b"%d" % i)
                await rec.wait_for(lambda i=i: rec.data.endswith(b"%d" % i))  # type: ignore[misc]
                transport.write(b"ack%d" % i)
                assert await asyncio.wait_for(reader.readexactly(4), TIMEOUT) == b"ack%d" % i
                await _close(writer)
                await rec.wait_for(lambda i=i: rec.events.count("detached") == i + 1)  # type: ignore[misc]
                transport.write(b"into the void")  # no host: dropped, not kept for the next
            assert rec.data == b"01234"
            reader, writer = await _connect(transport)
            await rec.wait_for(lambda: rec.events.count("attached") == 6)
            transport.write(b"fresh")
            assert await asyncio.wait_for(reader.readexactly(5), TIMEOUT) == b"fresh"
            await _close(writer)
        finally:
            await transport.aclose()

    run(body)


def test_port_in_use_is_a_clear_error(run: Callable[..., None]) -> None:
    async def body() -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            transport = TcpTransport("127.0.0.1", port)
            with pytest.raises(TransportError, match=f"cannot listen on tcp 127.0.0.1:{port}"):
                await transport.start(Recorder())
            await transport.aclose()

    run(body)


def test_pause_reading_applies_to_the_next_client(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport()
        rec = Recorder()
        await transport.start(rec)
        try:
            transport.pause_reading()
            _reader, writer = await _connect(transport)
            await rec.wait_for(lambda: rec.events == ["attached"])
            writer.write(b"wait for it")
            await asyncio.sleep(0.05)
            assert rec.data == b""
            transport.resume_reading()
            await rec.wait_for(lambda: rec.data == b"wait for it")
            await _close(writer)
        finally:
            await transport.aclose()

    run(body)


def test_back_pressure_reported_and_reset_on_disconnect(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport(high_water=16384, low_water=1024)
        rec = Recorder()
        await transport.start(rec)
        reader, writer = await _connect(transport)
        try:
            await rec.wait_for(lambda: rec.events == ["attached"])
            sent = 0
            while not rec.writable:
                transport.write(ALL_BYTES * 64)
                sent += 256 * 64
                await asyncio.sleep(0)
                assert sent < 64 << 20, "no back-pressure reported"
            assert rec.writable == [False]
            await asyncio.wait_for(reader.readexactly(sent), TIMEOUT)
            await rec.wait_for(lambda: rec.writable == [False, True])
        finally:
            await _close(writer)
            await transport.aclose()

    run(body)


def test_host_disconnect_while_blocked_reports_writable(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = TcpTransport(high_water=16384, low_water=1024)
        rec = Recorder()
        await transport.start(rec)
        _reader, writer = await _connect(transport)
        await rec.wait_for(lambda: rec.events == ["attached"])
        try:
            while not rec.writable:
                transport.write(ALL_BYTES * 64)
                await asyncio.sleep(0)
            writer.transport.abort()
            await rec.wait_for(lambda: "detached" in rec.events)
            assert rec.writable == [False, True]
        finally:
            await transport.aclose()

    run(body)


def test_format_hostport_brackets_ipv6() -> None:
    assert format_hostport("::1", 5) == "[::1]:5"
    assert format_hostport("127.0.0.1", 5) == "127.0.0.1:5"
