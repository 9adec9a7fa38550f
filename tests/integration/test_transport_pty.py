"""PtyTransport against a real pty: raw bytes both ways, reopen, symlink rules, back-pressure.

Every test runs on the standard asyncio loop and on uvloop (when installed), because the two
treat fds differently (see perf-notes.md). The host side is a plain non-blocking fd on the
slave, so nothing but the kernel sits between the test and the transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

from modemu.transport import pty as pty_module
from modemu.transport import ptywriter
from modemu.transport.base import TransportError
from modemu.transport.pty import PtyTransport

TIMEOUT = 5.0
ALL_BYTES = bytes(range(256))


def _loop_factories() -> list[object]:
    params: list[object] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    if uvloop is not None:
        params.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return params


@pytest.fixture(params=_loop_factories())
def run(request: pytest.FixtureRequest) -> Callable[[Callable[[], Awaitable[None]]], None]:
    """Run an async test body on the parametrised loop, with an overall bound."""
    factory = request.param

    def runner(body: Callable[[], Awaitable[None]]) -> None:
        async def bounded() -> None:
            await asyncio.wait_for(body(), 20)

        with asyncio.Runner(loop_factory=factory) as r:
            r.run(bounded())

    return runner


class Recorder:
    """A LinkListener that keeps everything it hears."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.events: list[str] = []
        self.writable: list[bool] = []
        self.changed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        assert data
        self.data += data
        self.changed.set()

    def host_attached(self) -> None:
        self.events.append("attached")

    def host_detached(self) -> None:
        self.events.append("detached")

    def host_writable(self, writable: bool) -> None:
        self.writable.append(writable)
        self.changed.set()

    async def wait_for(self, ready: Callable[[], bool], timeout: float = TIMEOUT) -> None:
        async with asyncio.timeout(timeout):
            while not ready():
                self.changed.clear()
                await self.changed.wait()

    async def wait_bytes(self, n: int) -> bytes:
        await self.wait_for(lambda: len(self.data) >= n)
        return bytes(self.data)


class HostFd:
    """The host's end: the slave path opened like a program opening a serial port."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)

    async def write_all(self, data: bytes, timeout: float = TIMEOUT) -> None:
        """Write everything, yielding to the loop while the kernel buffer is full."""
        view = memoryview(data)
        async with asyncio.timeout(timeout):
            while view:
                try:
                    view = view[os.write(self.fd, view) :]
                except BlockingIOError:
                    await asyncio.sleep(0.001)

    async def read_exactly(self, n: int, timeout: float = TIMEOUT) -> bytes:
        got = bytearray()
        async with asyncio.timeout(timeout):
            while len(got) < n:
                try:
                    chunk = os.read(self.fd, n - len(got))
                except BlockingIOError:
                    await asyncio.sleep(0.001)
                    continue
                got += chunk
        return bytes(got)

    def read_available(self) -> bytes:
        try:
            return os.read(self.fd, 65536)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_all_byte_values_pass_unchanged_both_ways(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport()
        rec = Recorder()
        await transport.start(rec)
        host = HostFd(transport.slave_path)
        try:
            payload = ALL_BYTES * 64  # 16 KiB, more than one kernel hand-off
            await host.write_all(payload)
            assert await rec.wait_bytes(len(payload)) == payload
            transport.write(payload)
            assert await host.read_exactly(len(payload)) == payload
            assert host.read_available() == b""  # no CR inserted, nothing echoed
        finally:
            host.close()
            await transport.aclose()

    run(body)


def test_slave_is_raw(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport()
        await transport.start(Recorder())
        host = HostFd(transport.slave_path)
        try:
            iflag, oflag, _cflag, lflag = termios.tcgetattr(host.fd)[:4]
            assert not oflag & termios.OPOST
            assert not lflag & (termios.ECHO | termios.ICANON | termios.ISIG)
            assert not iflag & (termios.ICRNL | termios.IXON | termios.INLCR | termios.IGNCR)
        finally:
            host.close()
            await transport.aclose()

    run(body)


def test_host_can_close_and_reopen_many_times(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport()
        rec = Recorder()
        await transport.start(rec)
        try:
            for i in range(20):
                host = HostFd(transport.slave_path)
                message = f"AT+ROUND={i}\r".encode()
                await host.write_all(message)
                await rec.wait_for(lambda m=message: rec.data.endswith(m))  # type: ignore[misc]
                transport.write(b"\r\nOK\r\n")
                assert await host.read_exactly(6) == b"\r\nOK\r\n"
                host.close()
                await asyncio.sleep(0.005)  # let the loop see the close (it must not care)
            assert rec.events == ["attached"]  # a pty never reports a detach
        finally:
            await transport.aclose()

    run(body)


def test_symlink_created_and_removed(tmp_path: Path, run: Callable[..., None]) -> None:
    link = tmp_path / "modem"

    async def body() -> None:
        transport = PtyTransport(link)
        await transport.start(Recorder())
        assert os.readlink(link) == transport.slave_path
        assert transport.url == str(link)
        assert transport.describe() == f"pty {transport.slave_path} (link {link})"
        host = HostFd(str(link))
        await host.write_all(b"x")
        host.close()
        await transport.aclose()
        assert not link.exists() and not link.is_symlink()
        await transport.aclose()  # idempotent

    run(body)


def test_stale_symlink_is_replaced(tmp_path: Path, run: Callable[..., None]) -> None:
    link = tmp_path / "modem"
    link.symlink_to("/dev/pts/does-not-exist")

    async def body() -> None:
        transport = PtyTransport(link)
        await transport.start(Recorder())
        try:
            assert os.readlink(link) == transport.slave_path
        finally:
            await transport.aclose()
        assert not link.is_symlink()

    run(body)


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_refuses_to_replace_file_or_directory(
    tmp_path: Path, kind: str, run: Callable[..., None]
) -> None:
    target = tmp_path / "modem"
    if kind == "file":
        target.write_text("precious")
    else:
        target.mkdir()
    before = _open_fds()

    async def body() -> None:
        transport = PtyTransport(target)
        with pytest.raises(TransportError, match="refusing to replace"):
            await transport.start(Recorder())
        await transport.aclose()

    run(body)
    if kind == "file":
        assert target.read_text() == "precious"
    else:
        assert target.is_dir()
    assert _open_fds() == before


def test_link_replaced_by_someone_else_is_left_alone(
    tmp_path: Path, run: Callable[..., None]
) -> None:
    link = tmp_path / "modem"

    async def body() -> None:
        transport = PtyTransport(link)
        await transport.start(Recorder())
        link.unlink()
        link.symlink_to("/dev/null")  # a newer server took the name over
        await transport.aclose()

    run(body)
    assert os.readlink(link) == "/dev/null"


def test_pause_reading_holds_host_bytes(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport()
        rec = Recorder()
        await transport.start(rec)
        host = HostFd(transport.slave_path)
        try:
            transport.pause_reading()
            await host.write_all(b"held back")
            await asyncio.sleep(0.05)
            assert rec.data == b""
            transport.resume_reading()
            assert await rec.wait_bytes(9) == b"held back"
        finally:
            host.close()
            await transport.aclose()

    run(body)


def test_back_pressure_when_host_does_not_read(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport(high_water=8192, low_water=1024, max_buffer=1 << 20)
        rec = Recorder()
        await transport.start(rec)
        host = HostFd(transport.slave_path)
        try:
            chunk = ALL_BYTES * 16  # 4 KiB
            sent = bytearray()
            while not rec.writable:  # the kernel buffers some first; keep going
                transport.write(chunk)
                sent += chunk
                await asyncio.sleep(0)
                assert len(sent) < 1 << 20, "no back-pressure reported"
            assert rec.writable == [False]
            received = await host.read_exactly(len(sent))
            assert received == bytes(sent)
            await rec.wait_for(lambda: rec.writable == [False, True])
            assert transport.dropped == 0
        finally:
            host.close()
            await transport.aclose()

    run(body)


def test_output_beyond_max_buffer_is_dropped_and_counted(run: Callable[..., None]) -> None:
    async def body() -> None:
        transport = PtyTransport(high_water=1024, low_water=0, max_buffer=4096)
        rec = Recorder()
        await transport.start(rec)
        try:
            for _ in range(200):  # 800 KiB while nobody reads: far more than the kernel holds
                transport.write(ALL_BYTES * 16)
            assert transport.dropped > 0
            assert rec.writable == [False]
        finally:
            await transport.aclose()

    run(body)


def test_close_releases_fds(run: Callable[..., None]) -> None:
    before = _open_fds()

    async def body() -> None:
        for _ in range(5):
            transport = PtyTransport()
            await transport.start(Recorder())
            transport.write(b"unread output")
            await transport.aclose()

    run(body)
    assert _open_fds() == before


# -- the bulk writer thread (transport/ptywriter.py) ----------------------------------------


@contextlib.asynccontextmanager
async def _pty_with_host(**options: int) -> AsyncIterator[tuple[PtyTransport, Recorder, HostFd]]:
    """A started transport with a host on its slave; both closed on the way out."""
    transport = PtyTransport(**options)
    rec = Recorder()
    await transport.start(rec)
    host = HostFd(transport.slave_path)
    try:
        yield transport, rec, host
    finally:
        host.close()
        await transport.aclose()


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "modemu-pty-writer"]


async def _until(ready: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll a condition the loop cannot be told about (a thread ending), bounded."""
    async with asyncio.timeout(timeout):
        while not ready():
            await asyncio.sleep(0.005)


def _pattern(n: int, seed: int) -> bytes:
    """Bytes whose position shows in them, so a reordering cannot pass unnoticed."""
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def test_bulk_output_goes_through_a_writer_thread_and_back(run: Callable[..., None]) -> None:
    """A backlog starts the writer; once drained it goes idle and is ended, and the next
    small answer is written by the loop again. Nothing lost or reordered on the way."""

    async def body() -> None:
        async with _pty_with_host() as (transport, _rec, host):
            assert _writer_threads() == []
            bulk = _pattern(1 << 20, 1)
            transport.write(bulk)  # far more than the pty holds: a backlog
            assert len(_writer_threads()) == 1
            assert await host.read_exactly(len(bulk)) == bulk
            await _until(lambda: _writer_threads() == [])  # idle, then ended
            transport.write(b"\r\nOK\r\n")  # small, nothing queued: written by the loop
            assert _writer_threads() == []
            assert await host.read_exactly(6) == b"\r\nOK\r\n"

    run(body)


def test_answers_interleaved_with_bulk_output_keep_their_order(run: Callable[..., None]) -> None:
    async def body() -> None:
        async with _pty_with_host(max_buffer=16 << 20) as (transport, _rec, host):
            expected = bytearray()
            for i in range(40):
                piece = _pattern(48 * 1024 + i, i) if i % 3 else f"\r\n+ANSWER: {i}\r\n".encode()
                transport.write(piece)
                expected += piece
                if i % 7 == 0:
                    await asyncio.sleep(0)  # let the writer and the loop interleave
            assert await host.read_exactly(len(expected)) == bytes(expected)
            assert transport.dropped == 0

    run(body)


def test_loop_keeps_reading_while_the_writer_waits_for_room(
    run: Callable[..., None],
) -> None:
    """The host reads nothing, so the writer thread waits for room in the pty; the loop
    must still take host input at once, and close must end the waiting writer."""

    async def body() -> None:
        async with _pty_with_host(max_buffer=1 << 20) as (transport, rec, host):
            transport.write(bytes(512 * 1024))
            assert len(_writer_threads()) == 1
            for i in range(20):
                message = f"AT+PING={i}\r".encode()
                await host.write_all(message)
                await rec.wait_for(lambda m=message: rec.data.endswith(m))  # type: ignore[misc]
            block = _pattern(8192, 9)  # a bulk read goes on reading: it would block, not end
            await host.write_all(block)
            await rec.wait_for(lambda: rec.data.endswith(block))
            assert len(_writer_threads()) == 1  # still waiting for the host to read
        assert _writer_threads() == []

    run(body)


def test_back_pressure_is_reported_from_the_writer(run: Callable[..., None]) -> None:
    async def body() -> None:
        marks = {"high_water": 64 * 1024, "low_water": 16 * 1024}
        async with _pty_with_host(**marks) as (transport, rec, host):
            bulk = _pattern(256 * 1024, 3)
            transport.write(bulk)
            assert rec.writable == [False]
            assert await host.read_exactly(len(bulk)) == bulk
            await rec.wait_for(lambda: rec.writable == [False, True])

    run(body)


def test_the_next_chunk_is_welcome_while_one_is_being_written(run: Callable[..., None]) -> None:
    """Back-pressure counts what the writer has queued, not the chunk it has in hand, so the
    module may read the next socket chunk before the pty has taken the last one (the pty holds
    only ~12 KiB: waiting until it is all written lets the pty run dry)."""

    async def body() -> None:
        marks = {"high_water": 64 * 1024, "low_water": 16 * 1024}
        async with _pty_with_host(**marks) as (transport, rec, host):
            first, second = _pattern(256 * 1024, 21), _pattern(256 * 1024, 22)
            transport.write(first)
            assert rec.writable == [False]
            await rec.wait_for(lambda: rec.writable == [False, True])  # host has read nothing
            transport.write(second)
            assert rec.writable == [False, True, False]
            assert await host.read_exactly(len(first) + len(second)) == first + second
            await rec.wait_for(lambda: rec.writable == [False, True, False, True])

    run(body)


def test_near_the_drop_limit_the_chunk_in_hand_counts_too(run: Callable[..., None]) -> None:
    """With half of ``max_buffer`` held, the chunk being written counts for back-pressure:
    the next read waits until it is written, so a small ``max_buffer`` never drops bytes."""

    async def body() -> None:
        options = {"high_water": 64 * 1024, "low_water": 16 * 1024, "max_buffer": 512 * 1024}
        async with _pty_with_host(**options) as (transport, rec, host):
            chunk = _pattern(300 * 1024, 23)
            transport.write(chunk)
            writer = transport._writer
            assert writer is not None
            await _until(lambda: writer.queued == 0)  # taken in hand, the host reads nothing
            assert transport._backlog() > 256 * 1024  # the pty took ~24 KiB at most
            assert await host.read_exactly(len(chunk)) == chunk
            await rec.wait_for(lambda: rec.writable == [False, True])
            assert transport.dropped == 0

    run(body)


def test_without_a_free_writer_the_loop_writes_the_backlog(
    run: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process has a bounded number of writer threads (a fleet serves thousands of ptys);
    a pty that finds none free keeps the loop's non-blocking writes."""
    monkeypatch.setattr(ptywriter, "_slots", threading.BoundedSemaphore(1))
    assert ptywriter.acquire_slot()  # the only slot is taken

    async def body() -> None:
        async with _pty_with_host() as (transport, _rec, host):
            bulk = _pattern(1 << 20, 5)
            transport.write(bulk)
            transport.write(b"\r\nOK\r\n")
            assert _writer_threads() == []
            assert await host.read_exactly(len(bulk) + 6) == bulk + b"\r\nOK\r\n"

    run(body)
    ptywriter.release_slot()


def test_a_read_that_finds_nothing_never_blocks_while_the_writer_waits(
    run: Callable[..., None],
) -> None:
    """The pty's fd stays non-blocking while a writer thread waits for room, so a readiness
    callback whose bytes are gone by the time it reads (the host flushed them with
    ``tcflush``) returns at once: a fleet serves thousands of ptys from this one loop."""

    async def body() -> None:
        async with _pty_with_host(max_buffer=1 << 20) as (transport, _rec, _host):
            transport.write(bytes(512 * 1024))  # the host reads nothing: the writer waits
            writer = transport._writer
            assert writer is not None and not writer.idle
            assert not os.get_blocking(transport._master)
            probe = asyncio.get_running_loop().run_in_executor(None, transport._on_readable)
            await asyncio.wait_for(probe, TIMEOUT)

    run(body)


async def _bulk_from_host(transport: PtyTransport, rec: Recorder, host: HostFd) -> None:
    """The host sends one piece longer than BULK_PIECE, and the transport reads it in one
    go (it is paused while the host writes), so it counts as bulk input whatever the
    machine's load."""
    upload = _pattern(3 * 1024, 11)
    transport.pause_reading()
    await host.write_all(upload)
    transport.resume_reading()
    await rec.wait_for(lambda: bytes(rec.data).endswith(upload))


def test_bulk_output_stays_with_the_loop_while_the_host_sends_bulk(
    run: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk traffic both ways at once: a writer thread would meet the loop on the GIL at
    every host read, so output made within BOTH_WAYS_WINDOW of a bulk host read keeps the
    loop's non-blocking writes; both streams arrive whole and in order. (The window is
    widened so that a loaded machine cannot make it pass before the write.)"""
    monkeypatch.setattr(pty_module, "BOTH_WAYS_WINDOW", 60.0)

    async def body() -> None:
        async with _pty_with_host(max_buffer=4 << 20) as (transport, rec, host):
            await _bulk_from_host(transport, rec, host)
            download = _pattern(1 << 20, 12)
            transport.write(download)
            assert _writer_threads() == []
            assert await host.read_exactly(len(download)) == download

    run(body)


def test_output_made_during_bulk_input_waits_behind_the_busy_writer(
    run: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer is busy when bulk host input starts: what the module writes next is kept by
    the loop until the writer has drained, then written by the loop, after the writer's
    bytes."""
    monkeypatch.setattr(pty_module, "BOTH_WAYS_WINDOW", 60.0)

    async def body() -> None:
        async with _pty_with_host(max_buffer=4 << 20) as (transport, rec, host):
            first = _pattern(512 * 1024, 13)
            transport.write(first)  # the host reads nothing yet: the writer sleeps
            assert len(_writer_threads()) == 1
            await _bulk_from_host(transport, rec, host)
            second = _pattern(256 * 1024, 15)
            transport.write(second)
            third = b"\r\nOK\r\n"
            transport.write(third)
            expected = first + second + third
            assert await host.read_exactly(len(expected)) == expected
            assert transport.dropped == 0

    run(body)
