"""The host side of the robustness tests: a blocking pty host with deadlines, loopback peers,
memory probes and a parser for the module's output stream (push URCs, QIRD answers).

Everything waits with a deadline; a timeout raises with the tail of what arrived.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import os
import re
import selectors
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from modemu.testing.controller import ModemuProcess
from modemu.testing.pty_host import PtyHost as Host

OK = b"\r\nOK\r\n"
MiB = 1024 * 1024


@contextlib.contextmanager
def modemu(workdir: Path) -> Iterator[tuple[Host, int]]:
    """``modemu serve --pty`` as a child; yields a ready host (``ATE0``, context 1 up)."""
    proc = ModemuProcess(workdir)
    instance = proc.start()
    assert instance.path is not None and instance.pid is not None
    host = Host(instance.path)
    try:
        host.wait_ready()
        host.command("ATE0")
        host.command("AT+QIACT=1")
        yield host, instance.pid
    finally:
        host.close()
        status = proc.stop()
        assert status == 0, f"modemu exited with {status}: {proc.stderr_tail()}"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def listener() -> socket.socket:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(10)
    return srv


def open_socket(host: Host, srv: socket.socket, conn_id: int, mode: int) -> socket.socket:
    """``AT+QIOPEN`` socket ``conn_id`` to the listener in access mode 0 or 1; the peer end."""
    port = srv.getsockname()[1]
    host.command(f'AT+QIOPEN=1,{conn_id},"TCP","127.0.0.1",{port},0,{mode}')
    host.read_until(f"+QIOPEN: {conn_id},0\r\n".encode())
    peer, _ = srv.accept()
    peer.settimeout(30)
    return peer


def pattern(seed: int, size: int) -> bytes:
    """Reproducible incompressible bytes."""
    import random  # noqa: PLC0415

    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Sender(threading.Thread):
    """Sends ``payload`` to ``peer`` in the background (a TCP peer that pushes data)."""

    def __init__(self, peer: socket.socket, payload: bytes) -> None:
        super().__init__(daemon=True)
        self.peer = peer
        self.payload = payload
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.peer.sendall(self.payload)
        except BaseException as exc:  # reported by the test
            self.error = exc


class Flooder(threading.Thread):
    """Sends :func:`stream_bytes` to ``peer`` until :meth:`stop`; ``sent`` counts bytes."""

    def __init__(self, peer: socket.socket) -> None:
        super().__init__(daemon=True)
        self.peer = peer
        self.sent = 0
        self._halt = threading.Event()

    def run(self) -> None:
        self.peer.settimeout(0.05)
        while not self._halt.is_set():
            chunk = stream_bytes(self.sent, 65536)
            try:
                self.sent += self.peer.send(chunk)
            except TimeoutError:
                continue  # the module stopped reading: the window is closed
            except OSError:
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


def stream_bytes(offset: int, size: int) -> bytes:
    """Bytes ``offset .. offset+size`` of an endless, position-checkable stream: the 4-byte
    big-endian offsets of each aligned word (so a gap or repeat shows where it happened)."""
    first = offset - offset % 4
    words_array = array.array("I", range(first // 4, first // 4 + size // 4 + 2))
    if sys.byteorder == "little":
        words_array.byteswap()
    words = words_array.tobytes()
    start = offset - first
    return words[start : start + size]


class Receiver(threading.Thread):
    """Collects everything ``peer`` receives until ``size`` bytes or EOF."""

    def __init__(self, peer: socket.socket, size: int) -> None:
        super().__init__(daemon=True)
        self.peer = peer
        self.size = size
        self.data = bytearray()

    def run(self) -> None:
        with contextlib.suppress(OSError):
            while len(self.data) < self.size:
                chunk = self.peer.recv(262144)
                if not chunk:
                    return
                self.data += chunk


def move(flows: list[tuple[int, int, bytes]], timeout: float = 60.0) -> None:
    """Move every ``(src fd, dst fd, payload)`` at once with one select loop and check each
    arrives intact (sha256). Both directions of a bridge run truly concurrently this way."""
    sel = selectors.DefaultSelector()
    srcs = {src: memoryview(payload) for src, _, payload in flows}
    dsts = {dst: (len(payload), hashlib.sha256()) for _, dst, payload in flows}
    sent = dict.fromkeys(srcs, 0)
    got = dict.fromkeys(dsts, 0)
    blocking = {fd: os.get_blocking(fd) for fd in (*srcs, *dsts)}
    for fd in blocking:
        os.set_blocking(fd, False)
        mask = (selectors.EVENT_WRITE if fd in srcs else 0) | (
            selectors.EVENT_READ if fd in dsts else 0
        )
        sel.register(fd, mask)
    deadline = time.monotonic() + timeout
    try:
        while any(got[fd] < size for fd, (size, _) in dsts.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"transfer stalled: sent {sent}, got {got}")
            for key, mask in sel.select(1.0):
                fd = key.fd
                if mask & selectors.EVENT_READ:
                    with contextlib.suppress(BlockingIOError):
                        data = os.read(fd, 262144)
                        got[fd] += len(data)
                        dsts[fd][1].update(data)
                if mask & selectors.EVENT_WRITE and sent[fd] < len(srcs[fd]):
                    with contextlib.suppress(BlockingIOError):
                        sent[fd] += os.write(fd, srcs[fd][sent[fd] : sent[fd] + 262144])
                    if sent[fd] == len(srcs[fd]):
                        if fd in dsts:
                            sel.modify(fd, selectors.EVENT_READ)
                        else:
                            sel.unregister(fd)
    finally:
        sel.close()
        for fd, flag in blocking.items():
            os.set_blocking(fd, flag)
    for _, dst, payload in flows:
        assert got[dst] == len(payload)
        assert dsts[dst][1].hexdigest() == sha(payload), f"fd {dst}: sha256 mismatch"


# -- the module's output stream -------------------------------------------------------------

PUSH = re.compile(rb'\r\n\+QIURC: "recv",(\d+),(\d+)\r\n')
RECV = re.compile(rb'\r\n\+QIURC: "recv",(\d+)\r\n')
QIRD = re.compile(rb"\r\n\+QIRD: (\d+)\r\n")


class Demux:
    """Splits the module's output (``ATE0``) into push payloads and QIRD answers.

    Call :meth:`step` with data in ``host.buf``; it consumes whole tokens only: a direct-push
    URC with its payload, a buffer-mode recv URC, or the QIRD answer the host is waiting for.
    """

    def __init__(self, host: Host) -> None:
        self.host = host
        self.data: dict[int, bytearray] = {}
        self.notified: set[int] = set()
        self.oks = 0
        """Bare ``OK`` answers seen between URCs (to an ``AT`` sent meanwhile)."""

    def step(self, awaiting_qird: int | None, deadline: float) -> int | None:
        """Consume one token (reading more if needed). Returns the id whose QIRD answer was
        consumed, else None."""
        buf = self.host.buf
        while True:
            if match := PUSH.match(buf):
                conn_id, n = int(match[1]), int(match[2])
                end = match.end() + n + 2
                if len(buf) >= end:
                    assert buf[end - 2 : end] == b"\r\n", bytes(buf[end - 20 : end + 20])
                    self.data.setdefault(conn_id, bytearray()).extend(buf[match.end() : end - 2])
                    del buf[:end]
                    return None
            elif buf.startswith(OK):
                self.oks += 1
                del buf[: len(OK)]
                return None
            elif match := RECV.match(buf):
                self.notified.add(int(match[1]))
                del buf[: match.end()]
                return None
            elif awaiting_qird is not None and (match := QIRD.match(buf)):
                n = int(match[1])
                tail = b"\r\n" + OK if n else OK
                end = match.end() + n + len(tail)
                if len(buf) >= end:
                    assert buf[end - len(tail) : end] == tail, bytes(buf[: end + 10])
                    chunk = buf[match.end() : match.end() + n]
                    self.data.setdefault(awaiting_qird, bytearray()).extend(chunk)
                    del buf[:end]
                    return awaiting_qird
            elif len(buf) >= 40 and not buf.startswith(b"\r\n+"):
                raise AssertionError(f"unexpected output: {bytes(buf[:80])!r}")
            self.host.fill(deadline)
