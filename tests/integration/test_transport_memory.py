"""MemoryTransport / HostEnd: delivery order, the chunk-splitting manipulator, back-pressure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from modemu.transport.memory import ChunkSplitter, MemoryTransport

ALL_BYTES = bytes(range(256))


class Recorder:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.events: list[str] = []
        self.writable: list[bool] = []

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def host_attached(self) -> None:
        self.events.append("attached")

    def host_detached(self) -> None:
        self.events.append("detached")

    def host_writable(self, writable: bool) -> None:
        self.writable.append(writable)


async def _settle(ready: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not ready():
            await asyncio.sleep(0)


def test_round_trip_whole_writes() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        rec = Recorder()
        await transport.start(rec)
        transport.host.write(ALL_BYTES)
        assert rec.chunks == []  # never synchronous
        await transport.host.drain()
        assert rec.chunks == [ALL_BYTES]
        transport.write(b"\r\nOK\r\n")
        assert await transport.host.read_until(b"OK\r\n") == b"\r\nOK\r\n"
        assert rec.events == ["attached"]
        await transport.aclose()

    asyncio.run(body())


def test_splitter_is_reproducible_and_lossless() -> None:
    data = ALL_BYTES * 4
    first = ChunkSplitter(seed=7, max_chunk=5)(data)
    second = ChunkSplitter(seed=7, max_chunk=5)(data)
    assert first == second
    assert b"".join(first) == data
    assert all(1 <= len(piece) <= 5 for piece in first)


def test_manipulated_link_delivers_pieces_in_separate_callbacks() -> None:
    async def body() -> None:
        transport = MemoryTransport(ChunkSplitter(seed=1, max_chunk=3))
        rec = Recorder()
        await transport.start(rec)
        transport.host.write(b"AT+QIOPEN=1,0\r")
        transport.host.write(b"AT\r")
        await asyncio.sleep(0)
        assert len(rec.chunks) <= 1  # one piece per loop iteration
        await transport.host.drain()
        assert rec.data == b"AT+QIOPEN=1,0\rAT\r"
        assert len(rec.chunks) > 5

    asyncio.run(body())


def test_pause_holds_and_resume_delivers() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        rec = Recorder()
        await transport.start(rec)
        transport.pause_reading()
        transport.host.write(b"later")
        for _ in range(5):
            await asyncio.sleep(0)
        assert rec.chunks == []
        transport.resume_reading()
        await transport.host.drain()
        assert rec.data == b"later"

    asyncio.run(body())


def test_back_pressure_follows_unread_output() -> None:
    async def body() -> None:
        transport = MemoryTransport(high_water=100, low_water=10, max_buffer=1000)
        rec = Recorder()
        await transport.start(rec)
        transport.write(b"x" * 101)
        assert rec.writable == [False]
        await transport.host.read_exactly(50)
        assert rec.writable == [False]
        await transport.host.read_exactly(45)
        assert rec.writable == [False, True]
        transport.write(b"y" * 2000)
        assert transport.dropped == 2000 - (1000 - 6)
        assert transport.host.pending == 1000

    asyncio.run(body())


def test_close_and_reopen() -> None:
    async def body() -> None:
        transport = MemoryTransport(high_water=10, low_water=0)
        rec = Recorder()
        await transport.start(rec)
        transport.write(b"unread output")
        transport.host.close()
        assert rec.events == ["attached", "detached"]
        assert rec.writable == [False, True]
        with pytest.raises(ConnectionError):
            transport.host.write(b"AT\r")
        transport.write(b"lost")  # nobody listening
        transport.host.reopen()
        assert rec.events == ["attached", "detached", "attached"]
        assert transport.host.read_nowait() == b""
        transport.write(b"hello")
        assert await transport.host.read() == b"hello"

    asyncio.run(body())


def test_read_timeout_reports_what_arrived() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        await transport.start(Recorder())
        transport.write(b"\r\nERR")
        with pytest.raises(TimeoutError, match=r"received so far: b'\\r\\nERR'"):
            await transport.host.read_until(b"OK\r\n", timeout=0.05)

    asyncio.run(body())
