"""A real module (or any pyserial URL) driven from asyncio: one reader, one writer thread.

pyserial is blocking and its URL handlers (``/dev/ttyUSB2``, ``socket://``,
``rfc2217://``) have no common selectable handle, so each direction gets a thread.
The reader returns as soon as one byte is there (``read(in_waiting or 1)``, then what
else is waiting) and hands the bytes to the loop with ``call_soon_threadsafe``: the only
delay added is one thread hand-off. pyserial's ``socket://`` handler reports
``in_waiting`` as 0 or 1 and its ``read(n)`` waits for ``n`` bytes or the timeout, so for
that handler the reader waits on the socket itself (``select`` + ``recv``): a byte at a
time would cost a record per byte, a bigger ``n`` a timeout of latency. The writer drains
a queue in order.

Back-pressure both ways, so nothing is lost or buffered without bound:
``pause_reading`` stops reading the module (its own buffer, then its flow control, holds
the bytes); :attr:`backlog` tells the caller how much it queued and ``on_drained`` fires
once the writer caught up, so the caller can stop and resume reading its own source.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import select
import socket
import threading
from collections.abc import Callable

import serial

__all__ = ["ModulePort"]

POLL_INTERVAL = 0.05
"""How long a blocked read waits before checking for close (not a latency: a read
returns as soon as a byte arrives)."""
LOW_WATER = 16 * 1024
READ_SIZE = 65536


class ModulePort:
    """``serial_for_url(url)`` bridged to ``loop``; callbacks run on the loop thread."""

    def __init__(
        self,
        url: str,
        loop: asyncio.AbstractEventLoop,
        *,
        on_data: Callable[[bytes], None],
        on_closed: Callable[[str], None],
        on_drained: Callable[[], None],
        baudrate: int = 115200,
    ) -> None:
        self.url = url
        self._loop = loop
        self._on_data = on_data
        self._on_closed = on_closed
        self._on_drained = on_drained
        self._port = serial.serial_for_url(
            url, baudrate=baudrate, timeout=POLL_INTERVAL, write_timeout=None
        )
        sock = getattr(self._port, "_socket", None)
        self._socket = sock if isinstance(sock, socket.socket) else None
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

    @property
    def backlog(self) -> int:
        """Bytes queued for the module and not yet written."""
        with self._lock:
            return self._backlog

    def write(self, data: bytes) -> None:
        with self._lock:
            self._backlog += len(data)
        self._queue.put(data)

    def pause_reading(self) -> None:
        self._may_read.clear()

    def resume_reading(self) -> None:
        self._may_read.set()

    def close(self) -> None:
        """Stop both threads and close the port. Idempotent."""
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
        """What the module sent, as soon as there is at least a byte (or b"" after the
        poll interval)."""
        if self._socket is not None:
            if not select.select([self._socket], [], [], POLL_INTERVAL)[0]:
                return b""
            data = self._socket.recv(READ_SIZE)
            if not data:
                raise serial.SerialException("socket disconnected")
            return data
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
                self._call(self._on_data, data)

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
                self._call(self._on_drained)

    def _report_closed(self, why: str) -> None:
        if not self._stopping.is_set():
            self._call(self._on_closed, why)

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
            self._loop.call_soon_threadsafe(callback, *args)
