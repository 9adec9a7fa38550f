"""Open the module's AT port from a pyserial URL, and pump its bytes on a thread.

Any URL :func:`serial.serial_for_url` understands works without extra code:
``/dev/ttyUSB2`` (a real module), ``/dev/pts/7`` or a modemu ``--pty`` path,
``socket://127.0.0.1:7000``, ``rfc2217://host:port``, ``loop://`` and
``spy://…`` (prints a hex dump of the traffic).

Reading happens on a small daemon thread because several URL handlers (socket,
rfc2217, loop) have no file descriptor an event loop could watch; the thread hands each
chunk to a callback, which the async adapter forwards with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import serial

from modemu.errors import PortError

__all__ = ["DEFAULT_BAUDRATE", "PortReader", "has_modem_lines", "open_port"]

DEFAULT_BAUDRATE = 115200
_POLL = 0.05
"""Read timeout of the pump thread: how quickly :meth:`PortReader.stop` takes effect."""


def open_port(url: str, baudrate: int = DEFAULT_BAUDRATE, **options: Any) -> Any:
    """Open ``url`` as a serial port; errors become :class:`~modemu.errors.PortError`."""
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL, **options)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(f"cannot open {url}: {exc}") from exc
    return port


def has_modem_lines(port: Any) -> bool:
    """True for ports whose DTR and RI reach the module: pyserial's ``rfc2217://`` client
    (``modemu serve --rfc2217``) and real serial devices. A pty, ``socket://`` or
    ``loop://`` has no lines (pyserial ignores or refuses DTR there)."""
    module = type(port).__module__
    if module == "serial.rfc2217":
        return True
    name = os.path.realpath(str(getattr(port, "port", "") or ""))
    return module == "serial.serialposix" and not name.startswith("/dev/pts/")


class PortReader:
    """Reads ``port`` on a daemon thread and passes every chunk to ``on_data``.

    ``on_lost(exc)`` is called once if the port fails (the module went away);
    :meth:`stop` ends the thread without calling it.
    """

    def __init__(
        self,
        port: Any,
        on_data: Callable[[bytes], None],
        on_lost: Callable[[BaseException], None],
        on_ring: Callable[[], None] | None = None,
    ) -> None:
        self._port = port
        self._on_data = on_data
        self._on_lost = on_lost
        self._on_ring = on_ring
        """Called on each rising edge of RI, polled once per read (at most every 50 ms;
        the module's RI pulse is 120 ms)."""
        self._ri = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="modemu-port-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop reading; returns once the thread has exited (at most one poll period)."""
        self._stopping.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                data = self._port.read(self._port.in_waiting or 1)
            except Exception as exc:  # any handler-specific failure ends the session
                if not self._stopping.is_set():
                    self._on_lost(exc)
                return
            if self._on_ring is not None:
                self._watch_ring(self._on_ring)
            if data and not self._stopping.is_set():
                self._on_data(bytes(data))

    def _watch_ring(self, on_ring: Callable[[], None]) -> None:
        try:
            ri = bool(self._port.ri)
        except Exception:  # a port that cannot tell: no ring events
            return
        if ri and not self._ri:
            on_ring()
        self._ri = ri
