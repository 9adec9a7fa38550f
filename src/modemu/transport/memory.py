"""An in-process link for tests: :class:`MemoryTransport` on the module side, :class:`HostEnd`
for the test that plays the host.

Host bytes reach the module through the event loop (never synchronously inside
:meth:`HostEnd.write`), so tests see the same ordering as with a real transport. A seeded
*manipulator* can split host bytes into random chunks, the way a pty or a TCP stream may
deliver them, to catch code that assumes a command arrives in one piece (idea from
pymodbus' ``NullModem``). Every wait on the host side is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable

from modemu.transport.base import (
    DEFAULT_HIGH_WATER,
    DEFAULT_MAX_BUFFER,
    LinkListener,
    WaterMarks,
)

__all__ = ["ChunkSplitter", "HostEnd", "MemoryTransport"]

DEFAULT_TIMEOUT = 5.0


class ChunkSplitter:
    """Splits a byte string into random pieces of 1..``max_chunk`` bytes, reproducibly."""

    def __init__(self, seed: int | None = 0, max_chunk: int = 8) -> None:
        if max_chunk < 1:
            raise ValueError("max_chunk must be >= 1")
        self.random = random.Random(seed)
        self.max_chunk = max_chunk

    def __call__(self, data: bytes) -> list[bytes]:
        pieces = []
        pos = 0
        while pos < len(data):
            size = self.random.randint(1, self.max_chunk)
            pieces.append(data[pos : pos + size])
            pos += size
        return pieces


class HostEnd:
    """The host's side of a :class:`MemoryTransport`: write commands, read answers."""

    def __init__(self, transport: MemoryTransport) -> None:
        self._transport = transport
        self._buffer = bytearray()
        self._changed = asyncio.Event()
        self.attached = True

    # -- host → module --------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send bytes to the module (delivered on later loop iterations)."""
        if not self.attached:
            raise ConnectionError("host end is closed; call reopen() first")
        self._transport._host_wrote(data)

    async def drain(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the module has taken every byte written so far."""
        async with asyncio.timeout(timeout):
            while self._transport._inbound:
                await asyncio.sleep(0)

    def close(self) -> None:
        """Detach the host (like closing the port); the module keeps running."""
        if self.attached:
            self.attached = False
            self._buffer.clear()
            self._transport._host_closed()

    def reopen(self) -> None:
        if not self.attached:
            self.attached = True
            self._transport._host_opened()

    # -- module → host --------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Bytes received and not yet read."""
        return len(self._buffer)

    def read_nowait(self) -> bytes:
        """Everything received so far (possibly nothing)."""
        return self._take(len(self._buffer))

    async def read(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Wait for at least one byte, then return all there is."""
        await self._wait_for(lambda: len(self._buffer) > 0, timeout, "any byte")
        return self._take(len(self._buffer))

    async def read_exactly(self, n: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        await self._wait_for(lambda: len(self._buffer) >= n, timeout, f"{n} bytes")
        return self._take(n)

    async def read_until(self, separator: bytes, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Everything up to and including the first ``separator``."""
        await self._wait_for(lambda: separator in self._buffer, timeout, repr(separator))
        return self._take(self._buffer.index(separator) + len(separator))

    async def _wait_for(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not ready():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"no {what} within {timeout} s; received so far: {bytes(self._buffer)!r}"
            ) from None

    def _take(self, n: int) -> bytes:
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        self._transport._host_read()
        return data

    def _deliver(self, data: bytes) -> None:
        self._buffer += data
        self._changed.set()


class MemoryTransport:
    """Module side of an in-memory link. ``splitter`` (e.g. ``ChunkSplitter(seed)``) chops
    host bytes into pieces; ``None`` delivers each :meth:`HostEnd.write` whole.

    Output the host has not read counts against the water marks, so tests can exercise
    back-pressure simply by not reading.
    """

    def __init__(
        self,
        splitter: ChunkSplitter | None = None,
        *,
        high_water: int = DEFAULT_HIGH_WATER,
        low_water: int | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        self._splitter = splitter
        self._marks = WaterMarks(high_water, low_water, max_buffer)
        self._listener: LinkListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbound: deque[bytes] = deque()
        self._scheduled = False
        self._paused = False
        self._closed = False
        self.host = HostEnd(self)

    @property
    def url(self) -> str:
        return "memory://"

    @property
    def dropped(self) -> int:
        return self._marks.dropped

    def describe(self) -> str:
        split = "" if self._splitter is None else f" (split ≤{self._splitter.max_chunk})"
        return f"memory{split}"

    async def start(self, listener: LinkListener) -> None:
        self._loop = asyncio.get_running_loop()
        self._listener = listener
        if self.host.attached:
            listener.host_attached()
        self._schedule()

    def write(self, data: bytes) -> None:
        if self._closed or not self.host.attached or not data:
            return
        fits = self._marks.room(self.host.pending, len(data))
        self.host._deliver(data[:fits])
        self._report_marks()

    def pause_reading(self) -> None:
        self._paused = True

    def resume_reading(self) -> None:
        self._paused = False
        self._schedule()

    async def aclose(self) -> None:
        self._closed = True
        self._inbound.clear()

    # -- from HostEnd ---------------------------------------------------------------------

    def _host_wrote(self, data: bytes) -> None:
        if self._closed or not data:
            return
        self._inbound.extend(self._splitter(data) if self._splitter else [data])
        self._schedule()

    def _host_read(self) -> None:
        self._report_marks()

    def _host_closed(self) -> None:
        self._inbound.clear()
        if self._listener is None:
            return
        if self._marks.reset():
            self._listener.host_writable(True)
        self._listener.host_detached()

    def _host_opened(self) -> None:
        if self._listener is not None:
            self._listener.host_attached()

    # -- delivery -------------------------------------------------------------------------

    def _schedule(self) -> None:
        """One delivery callback at a time; each delivers one chunk, so chunks that the
        splitter made really arrive in separate loop iterations."""
        if self._scheduled or self._paused or not self._inbound or self._loop is None:
            return
        self._scheduled = True
        self._loop.call_soon(self._deliver_one)

    def _deliver_one(self) -> None:
        self._scheduled = False
        if self._paused or self._closed or not self._inbound or self._listener is None:
            return
        self._listener.data_received(self._inbound.popleft())
        self._schedule()

    def _report_marks(self) -> None:
        edge = self._marks.update(self.host.pending)
        if edge is not None and self._listener is not None:
            self._listener.host_writable(edge)
