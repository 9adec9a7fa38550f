"""What the driver scripts in tests/compat share: the module on a real pty, a driver's view of
the serial stream, and loopback TCP peers.

Each ``test_<driver>.py`` replays, byte for byte, what one public host driver sends and how
it parses what comes back (its line ending, how its writes are split, how it matches the
prompt, reads lengths, handles URCs and times out), as read in that driver's public source;
the file's docstring names the source files. The module runs in this process
(:class:`~modemu.testing.inprocess.ModemuThread`, exactly ``modemu serve --pty``); the script
talks to it through the pty, blocking, the way the driver's stream does. Peers are real
sockets on 127.0.0.1 with port 0. Every wait is bounded by the driver's own timeout.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from modemu.testing.inprocess import ModemuThread
from modemu.testing.pty_host import PtyHost

PATIENCE = 2.0
"""Shortest wait for a byte the module owes. The scripts pass the drivers' own timeouts
(200 ms, 300 ms, 10 ms between bytes…), which the module meets by far; on a loaded CI machine
they could still fail for reasons that are not the module's, so a wait for an expected byte
never gives up before this. These tests check what arrives, never how fast (no timing
asserts)."""

UrcHook = Callable[[bytes], bool]
"""Called with the bytes gathered so far; returns True when it consumed a URC there."""


class DriverStream:
    """The module's serial port as a driver's ``Stream`` sees it: blocking reads with a
    deadline, writes split exactly as the driver splits them."""

    def __init__(self, path: str) -> None:
        self.host = PtyHost(path)
        self.log = bytearray()
        """Everything read, for failure messages."""

    def close(self) -> None:
        self.host.close()

    def write(self, *chunks: bytes) -> None:
        """One ``write()`` per chunk, as the driver issues them."""
        for chunk in chunks:
            self.host.write(chunk)

    def read_byte(self, timeout: float, expected: bool = True) -> int | None:
        """The next byte, or None when nothing comes within ``timeout`` seconds (at least
        :data:`PATIENCE` when the byte is ``expected``, not when merely listening)."""
        if not self.host.buf:
            wait = max(timeout, PATIENCE) if expected else timeout
            try:
                self.host.fill(time.monotonic() + wait)
            except TimeoutError:
                return None
        byte = self.host.buf[0]
        del self.host.buf[0]
        self.log.append(byte)
        return byte

    def wait_ends(self, ends: list[bytes], timeout: float, urc: UrcHook | None = None) -> int:
        """Gather bytes until they end with one of ``ends``: its 1-based index, 0 on timeout.
        ``urc`` is offered the gathered bytes after each byte that matched nothing; when it
        consumes a URC the gathered bytes start afresh (TinyGSM's ``waitResponse``)."""
        data = bytearray()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            byte = self.read_byte(left, expected=bool(ends))
            if byte is None:
                break
            data.append(byte)
            for index, end in enumerate(ends, 1):
                if data.endswith(end):
                    return index
            if urc is not None and urc(bytes(data)):
                data.clear()
        return 0

    def read_until(self, stop: bytes, timeout: float = 1.0) -> bytes:
        """Bytes up to ``stop``, which is consumed and not returned (``readStringUntil``)."""
        out = bytearray()
        deadline = time.monotonic() + timeout
        while (byte := self.read_byte(max(deadline - time.monotonic(), 0))) is not None:
            if bytes([byte]) == stop:
                return bytes(out)
            out.append(byte)
        raise TimeoutError(f"no {stop!r} after {bytes(out)!r}; read so far {bytes(self.log)!r}")

    def int_before(self, stop: bytes, timeout: float = 1.0) -> int:
        """``atoi`` of the text before ``stop`` (leading digits; 0 if none)."""
        return atoi(self.read_until(stop, timeout))

    def read_exactly(self, count: int, timeout: float = 1.0) -> bytes:
        data = self.host.read_exactly(count, max(timeout, PATIENCE))
        self.log += data
        return data

    def line(self, timeout: float = 1.0, eol: bytes = b"\r\n") -> bytes:
        """The next line without ``eol`` (empty lines included)."""
        data = self.host.read_until(eol, max(timeout, PATIENCE))
        self.log += data
        return data[: -len(eol)]

    def quiet(self, seconds: float = 0.1) -> bytes:
        """What arrives within ``seconds`` of silence (to prove nothing is left)."""
        data = self.host.drain(seconds)
        self.log += data
        return data


def atoi(text: bytes) -> int:
    """C ``atoi``: optional spaces and sign, then digits; stops at the first other byte."""
    digits = text.lstrip(b" \t").decode("latin-1")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits.lstrip("+-")
    count = len(digits) - len(digits.lstrip("0123456789"))
    return sign * int(digits[:count]) if count else 0


@contextlib.contextmanager
def module_on_pty(workdir: Path, *args: str) -> Iterator[DriverStream]:
    """``modemu serve --pty`` with ``args``; yields a driver stream once ``AT`` answers.
    (Boot URCs a driver could wait for are another issue's subject: power-on policy.)"""
    with ModemuThread(workdir, args=args) as instance:
        assert instance.path is not None
        stream = DriverStream(instance.path)
        try:
            stream.host.wait_ready()
            stream.host.buf.clear()
            yield stream
        finally:
            stream.close()


class LoopbackPeer:
    """A TCP server on 127.0.0.1, port 0, serving one connection from a thread: records what
    it receives, sends what the test asks, closes when told."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self.received = bytearray()
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._eof = threading.Event()
        self._more = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(20)
        try:
            conn, _ = self._server.accept()
        except OSError:
            return
        self._conn = conn
        self._connected.set()
        with contextlib.suppress(OSError):
            while data := conn.recv(65536):
                with self._more:
                    self.received += data
                    self._more.notify_all()
        self._eof.set()

    def send(self, data: bytes) -> None:
        assert self._connected.wait(10), "the module never connected"
        assert self._conn is not None
        self._conn.sendall(data)

    def close_connection(self) -> None:
        assert self._connected.wait(10)
        assert self._conn is not None
        self._conn.shutdown(socket.SHUT_WR)

    def wait_received(self, count: int, timeout: float = 10.0) -> bytes:
        with self._more:
            if not self._more.wait_for(lambda: len(self.received) >= count, timeout):
                raise TimeoutError(f"peer got {bytes(self.received)!r}, wanted {count} bytes")
            return bytes(self.received)

    def wait_closed(self, timeout: float = 10.0) -> bytes:
        assert self._eof.wait(timeout), "the module did not close the connection"
        return bytes(self.received)

    def close(self) -> None:
        self._server.close()
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.shutdown(socket.SHUT_RDWR)  # wakes the thread's recv()
            self._conn.close()
        self._thread.join(5)


@contextlib.contextmanager
def loopback_peer() -> Iterator[LoopbackPeer]:
    peer = LoopbackPeer()
    try:
        yield peer
    finally:
        peer.close()
