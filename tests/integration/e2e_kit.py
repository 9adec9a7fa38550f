"""Shared harness for end-to-end tests: the module on a real pty, loopback peers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from collections.abc import AsyncIterator, Awaitable, Callable

from modemu.modem.profile import Profile
from modemu.net.base import NetConfig
from modemu.server import VirtualModem
from modemu.transport.pty import PtyTransport

LOOPBACK = "127.0.0.1"
TIMEOUT = 10.0


class PtyHost:
    """The host side of the module's pty: raw, non-blocking, read through the event loop."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd, termios.TCSANOW)  # TCSAFLUSH would race the boot URCs
        self.buffer = bytearray()
        self._more = asyncio.Event()
        asyncio.get_running_loop().add_reader(self.fd, self._readable)

    def _readable(self) -> None:
        try:
            self.buffer += os.read(self.fd, 65536)
        except BlockingIOError:
            return
        self._more.set()

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = os.write(self.fd, view)
            except BlockingIOError:
                await asyncio.sleep(0.001)
                continue
            view = view[sent:]

    async def read_until(self, marker: bytes, timeout: float = TIMEOUT) -> bytes:
        """Everything up to and including ``marker``."""

        async def wait() -> bytes:
            while (index := self.buffer.find(marker)) < 0:
                self._more.clear()
                await self._more.wait()
            end = index + len(marker)
            out = bytes(self.buffer[:end])
            del self.buffer[:end]
            return out

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {marker!r} in {bytes(self.buffer)!r}") from None

    async def read_exactly(self, count: int, timeout: float = TIMEOUT) -> bytes:
        async def wait() -> bytes:
            while len(self.buffer) < count:
                self._more.clear()
                await self._more.wait()
            out = bytes(self.buffer[:count])
            del self.buffer[:count]
            return out

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{len(self.buffer)} of {count} bytes arrived") from None

    async def command(self, line: bytes, final: bytes = b"\r\nOK\r\n") -> bytes:
        await self.write(line)
        return await self.read_until(final)

    async def quiet(self, seconds: float = 0.2) -> bytes:
        """Whatever arrives within ``seconds`` (used to prove nothing arrives)."""
        await asyncio.sleep(seconds)
        out = bytes(self.buffer)
        self.buffer.clear()
        return out

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.fd)
        os.close(self.fd)


@contextlib.asynccontextmanager
async def module(
    profile: Profile | None = None, net: NetConfig | None = None
) -> AsyncIterator[tuple[VirtualModem, PtyHost]]:
    transport = PtyTransport()
    modem = VirtualModem(transport=transport, profile=profile, net_config=net)
    async with modem:
        host = PtyHost(transport.slave_path)
        try:
            boot = await host.read_until(b"+QIND: SMS DONE\r\n")
            assert boot.startswith(b"\r\nRDY\r\n")
            assert await host.command(b"ATE0\r") == b"ATE0\r\r\nOK\r\n"
            assert await host.command(b"AT+QIACT=1\r") == b"\r\nOK\r\n"
            yield modem, host
        finally:
            host.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_peer(handler: Handler) -> AsyncIterator[int]:
    tasks: set[asyncio.Task[None]] = set()

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (asyncio.CancelledError, ConnectionError):
            pass  # torn down by the test's end; a peer has nothing to report
        finally:
            writer.close()

    server = await asyncio.start_server(run, LOOPBACK, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def collecting_peer(until: int | None = None) -> tuple[bytearray, asyncio.Event, Handler]:
    """A peer handler keeping every byte it receives; the event is set at the peer's EOF, or
    once ``until`` bytes have arrived."""
    received = bytearray()
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            received.extend(data)
            if until is not None and len(received) >= until:
                closed.set()
        closed.set()

    return received, closed, handler


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def open_tcp(host: PtyHost, conn_id: int, port: int, mode: int = 0) -> None:
    line = f'AT+QIOPEN=1,{conn_id},"TCP","{LOOPBACK}",{port},0,{mode}\r'.encode()
    if mode == 2:
        assert await host.command(line, b"\r\nCONNECT\r\n") == b"\r\nCONNECT\r\n"
        return
    assert await host.command(line) == b"\r\nOK\r\n"
    assert await host.read_until(b"\r\n", 5) == b"\r\n"
    assert await host.read_until(b"\r\n") == f"+QIOPEN: {conn_id},0\r\n".encode()


async def read_all(host: PtyHost, conn_id: int, total: int) -> bytes:
    """Drain a buffer-mode socket with an ``AT+QIRD=<id>,1500`` loop."""
    got = bytearray()
    for _ in range(100_000):
        if len(got) >= total:
            break
        await host.write(f"AT+QIRD={conn_id},1500\r".encode())
        header = b""
        while not header.startswith(b"+QIRD:"):  # URCs may come first
            header = (await host.read_until(b"\r\n")).strip(b"\r\n")
        count = int(header.split(b" ")[1])
        if count:
            got += await host.read_exactly(count)
            assert await host.read_exactly(2) == b"\r\n"
        assert await host.read_until(b"\r\nOK\r\n") == b"\r\nOK\r\n"
        if not count:
            await asyncio.sleep(0.005)
    return bytes(got)


def run(coro: Awaitable[None]) -> None:
    asyncio.run(asyncio.wait_for(coro, 60))  # type: ignore[arg-type]
