"""The module end of ``modemu record``: any pyserial URL, driven from asyncio.

pyserial opens the URL (``/dev/ttyUSB2``, ``socket://``, ``rfc2217://``…). Then:

* a ``socket://`` module is handed to the event loop itself
  (``loop.connect_accepted_socket``): its bytes are forwarded from the loop's own read
  callback, so the recorder adds no hand-off between threads, and asyncio's transport
  gives write buffering and flow control;
* anything else (a serial device, RFC 2217) gets a reader and a writer thread, since
  pyserial is blocking and its handlers share no selectable handle. The reader returns
  as soon as a byte is there (``read(in_waiting or 1)``, then what else is waiting) and
  hands it to the loop with ``call_soon_threadsafe``.

Either way the recorder sees one interface, :class:`ModuleLink`, and back-pressure both
ways: :meth:`ModuleLink.pause_reading` stops reading the module (its own buffer and flow
control then hold the bytes), and ``on_congested``/``on_drained`` tell the recorder to stop
and resume reading the host when the module takes bytes slower than the host sends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import serial

__all__ = ["HIGH_WATER", "LOW_WATER", "LinkEvents", "ModuleLink", "open_module"]

POLL_INTERVAL = 0.05
"""How long a blocked read waits before checking for close (not a latency: a read
returns as soon as a byte arrives)."""
HIGH_WATER = 64 * 1024
"""Bytes queued for the module after which the host is no longer read."""
LOW_WATER = 16 * 1024
READ_SIZE = 65536


@dataclass(frozen=True)
class LinkEvents:
    """What the module end reports, always on the loop thread."""

    on_data: Callable[[bytes], None]
    on_closed: Callable[[str], None]
    on_congested: Callable[[], None]
    on_drained: Callable[[], None]


class ModuleLink(Protocol):
    def write(self, data: bytes) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    async def aclose(self) -> None:
        """Stop and release the port. Idempotent."""
        ...


async def open_module(url: str, events: LinkEvents, baudrate: int = 115200) -> ModuleLink:
    """Open ``url`` with pyserial and drive it from the running loop, ready for writes
    when this returns; raises what pyserial raises."""
    loop = asyncio.get_running_loop()
    port = serial.serial_for_url(url, baudrate=baudrate, timeout=POLL_INTERVAL, write_timeout=None)
    sock = getattr(port, "_socket", None)  # pyserial's socket:// handler keeps it here
    if isinstance(sock, socket.socket):
        module = _SocketModule(port, events)
        await loop.connect_accepted_socket(lambda: module, sock)
        return module
    return _ThreadedModule(port, loop, events)


class _SocketModule(asyncio.Protocol):
    """A ``socket://`` module on the event loop."""

    def __init__(self, port: serial.SerialBase, events: LinkEvents) -> None:
        self._port = port
        self._events = events
        self._transport: asyncio.Transport | None = None
        self._closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self._events.on_data(data)

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closing:
            self._events.on_closed(str(exc) if exc else "socket disconnected")

    def pause_writing(self) -> None:
        self._events.on_congested()

    def resume_writing(self) -> None:
        self._events.on_drained()

    def write(self, data: bytes) -> None:
        if self._transport is not None:
            self._transport.write(data)

    def pause_reading(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    async def aclose(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()
        with contextlib.suppress(Exception):
            self._port.close()


class _ThreadedModule:
    """A blocking pyserial port bridged to the loop by a reader and a writer thread."""

    def __init__(
        self, port: serial.SerialBase, loop: asyncio.AbstractEventLoop, events: LinkEvents
    ) -> None:
        self._port = port
        self._loop = loop
        self._events = events
        self._may_read = threading.Event()
        self._may_read.set()
        self._stopping = threading.Event()
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._backlog = 0
        self._threads = [
            threading.Thread(target=self._read_loop, name="module-reader", daemon=True),
            threading.Thread(target=self._write_loop, name="module-writer", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def write(self, data: bytes) -> None:
        with self._lock:
            before = self._backlog
            self._backlog += len(data)
            congested = before <= HIGH_WATER < self._backlog
        self._queue.put(data)
        if congested:
            self._events.on_congested()

    def pause_reading(self) -> None:
        self._may_read.clear()

    def resume_reading(self) -> None:
        self._may_read.set()

    async def aclose(self) -> None:
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._may_read.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self._port.close()

    def _read_some(self) -> bytes:
        port = self._port
        first: bytes = port.read(port.in_waiting or 1)
        if first and port.in_waiting:
            first += port.read(min(port.in_waiting, READ_SIZE))
        return first

    def _read_loop(self) -> None:
        while not self._stopping.is_set():
            self._may_read.wait()
            try:
                data = self._read_some()
            except (serial.SerialException, OSError) as exc:
                self._report_closed(str(exc) or type(exc).__name__)
                return
            if data:
                self._call(self._events.on_data, data)

    def _write_loop(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self._port.write(data)
            except (serial.SerialException, OSError) as exc:
                self._report_closed(str(exc) or type(exc).__name__)
                return
            with self._lock:
                before = self._backlog
                self._backlog -= len(data)
                drained = before > LOW_WATER >= self._backlog
            if drained:
                self._call(self._events.on_drained)

    def _report_closed(self, why: str) -> None:
        if not self._stopping.is_set():
            self._call(self._events.on_closed, why)

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
            self._loop.call_soon_threadsafe(callback, *args)
