"""A blocking, byte-level host for a module's pty (or any tty path).

The pytest plugin's client speaks AT for you; this is the other end of the scale: it
writes bytes and reads bytes, for byte-exact transcripts, floods and benchmarks.
"""

from __future__ import annotations

import os
import selectors
import time

from modemu.transport.pty import make_raw

OK = b"\r\nOK\r\n"


class PtyHost:
    """A host program on the module's pty, blocking, raw bytes in and out.

    For tests and benchmarks that check exact bytes: every wait has a deadline and a
    timeout raises :class:`TimeoutError` showing the tail of what arrived."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        make_raw(self.fd)
        self.buf = bytearray()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.fd, selectors.EVENT_READ)

    def close(self) -> None:
        if self.fd >= 0:
            self._sel.close()
            os.close(self.fd)
            self.fd = -1

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def fill(self, deadline: float) -> None:
        """Read what arrives before ``deadline`` (at least one chunk) into :attr:`buf`."""
        left = deadline - time.monotonic()
        if left <= 0 or not self._sel.select(left):
            raise TimeoutError(f"nothing more from the module; tail {bytes(self.buf[-300:])!r}")
        self.buf += os.read(self.fd, 262144)

    def read_until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while (at := self.buf.find(marker)) < 0:
            self.fill(deadline)
        end = at + len(marker)
        data = bytes(self.buf[:end])
        del self.buf[:end]
        return data

    def read_exactly(self, n: int, timeout: float = 10.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            self.fill(deadline)
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def command(self, line: str, until: bytes = OK, timeout: float = 10.0) -> bytes:
        self.write(line.encode() + b"\r")
        return self.read_until(until, timeout)

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.buf.clear()
            self.write(b"AT\r")
            try:
                self.read_until(OK, 0.5)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def drain(self, quiet: float = 0.1, limit: float = 10.0) -> bytes:
        """Read until the line has been quiet for ``quiet`` s; return what came."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self._sel.select(quiet):
            self.buf += os.read(self.fd, 262144)
        data = bytes(self.buf)
        self.buf.clear()
        return data
