"""Helpers for the back end's integration tests: an event recorder and loopback peers.

Every peer binds 127.0.0.1 port 0; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

from modemu.net.asyncio_net import AsyncioNet
from modemu.net.base import NetConfig, NetEvent, Received

LOOPBACK = "127.0.0.1"
WAIT = 3.0


class Recorder:
    """The event sink: keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[NetEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: NetEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, cls: type, **fields: Any) -> list[Any]:
        return [e for e in self.events if matches(e, cls, **fields)]

    async def wait(self, cls: type, timeout: float = WAIT, **fields: Any) -> Any:
        """The first recorded event of type ``cls`` with these field values."""

        async def scan() -> Any:
            while True:
                found = self.of(cls, **fields)
                if found:
                    return found[0]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def data(self, conn_id: int) -> bytes:
        return b"".join(e.data for e in self.of(Received, conn_id=conn_id))

    async def wait_data(self, conn_id: int, size: int, timeout: float = WAIT) -> bytes:
        async def scan() -> bytes:
            while len(self.data(conn_id)) < size:
                self._changed.clear()
                await self._changed.wait()
            return self.data(conn_id)

        return await asyncio.wait_for(scan(), timeout)


def matches(event: object, cls: type, **fields: Any) -> bool:
    return isinstance(event, cls) and all(getattr(event, k) == v for k, v in fields.items())


def closed_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port that was just bound and released: nothing listens there."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def open_net(**config: Any) -> AsyncIterator[tuple[AsyncioNet, Recorder]]:
    """An ``AsyncioNet`` whose fallback DNS is a dead loopback port, never the host's."""
    settings: dict[str, Any] = {
        "default_dns": (LOOPBACK,),
        "dns_port": closed_port(socket.SOCK_DGRAM),
        "dns_timeout": 1.0,
        "connect_timeout": 5.0,
    }
    settings.update(config)
    recorder = Recorder()
    net = AsyncioNet(recorder, NetConfig(**settings))
    try:
        yield net, recorder
    finally:
        await net.aclose()


@contextlib.asynccontextmanager
async def tcp_server(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
) -> AsyncIterator[int]:
    """A loopback TCP server; yields its port."""
    server = await asyncio.start_server(handler, LOOPBACK, 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        if isinstance(handler, Accepted):
            handler.close_all()
            await asyncio.sleep(0)


async def echo_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


class Accepted:
    """Collects the server side of each connection a test server accepts."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.writers: list[asyncio.StreamWriter] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        await self.queue.put((reader, writer))

    async def next(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(self.queue.get(), WAIT)

    def close_all(self) -> None:
        for writer in self.writers:
            writer.transport.abort()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    writer.transport.abort()
