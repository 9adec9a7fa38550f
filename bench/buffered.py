"""Benchmark 2: buffer-mode download (``AT+QIRD=0,1500`` loop, paired block by block with a
same-run ceiling: the C responder answering every ``AT+QIRD`` with a canned 1,500-byte
reply, driven by the same host code), buffer-mode upload
(``AT+QISEND=0,1460`` + 1460 bytes), and direct-push download (``+QIURC: "recv"`` framing).

The host runs with ``ATE0`` and ``AT+QISDE=0`` (no command or data echo), as a bulk driver
would. The TCP peer is a thread in this process; every transfer is checked with sha256.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time
from typing import Any

from bench.kit import (
    BenchError,
    Figure,
    Host,
    MiB,
    accept,
    c_responder,
    listener,
    log,
    modemu_child,
    paired,
    workdir,
    write_results,
)

SEND_FAILS = [0]
"""``SEND FAIL`` answers seen by the upload (a full send buffer; the host retries)."""
QIRD_HEADER = re.compile(rb"\+QIRD: (\d+)\r\n")
PUSH_HEADER = re.compile(rb'\+QIURC: "recv",0,(\d+)\r\n')


def _open(host: Host, srv: socket.socket, mode: int) -> socket.socket:
    host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{srv.getsockname()[1]},0,{mode}')
    host.read_until(b"+QIOPEN: 0,0\r\n")
    return accept(srv)


def _close(host: Host, peer: socket.socket) -> None:
    peer.close()
    host.command("AT+QICLOSE=0")
    host.drain()


class _Sender(threading.Thread):
    def __init__(self, peer: socket.socket, payload: bytes) -> None:
        super().__init__(daemon=True)
        self.peer, self.payload = peer, payload

    def run(self) -> None:
        self.peer.sendall(self.payload)


def qird_once(host: Host, digest: Any, deadline: float) -> int:
    """One ``AT+QIRD=0,1500`` round trip of a download: the payload into ``digest``; its
    length. The same code drives modemu and the C ceiling."""
    host.write(b"AT+QIRD=0,1500\r")
    while (match := QIRD_HEADER.search(host.buf)) is None:
        host.fill(deadline)
    n = int(match[1])
    del host.buf[: match.end()]
    digest.update(host.read_exactly(n))
    host.read_until(b"\r\nOK\r\n")
    return n


BLOCK = 64
"""``AT+QIRD`` round trips in a row on one pty before the other's turn (see
``bench/latency.py`` for why not one by one)."""
CANNED = os.urandom(1500)
CANNED_QIRD = b"\r\n+QIRD: 1500\r\n" + CANNED + b"\r\n\r\nOK\r\n"


def qird_download(
    host: Host, c_host: Host, srv: socket.socket, payload: bytes
) -> tuple[float, float]:
    """A buffer-mode download by ``AT+QIRD=0,1500``, paired with the C responder
    (``c_host``, a canned 1,500-byte reply: how fast this host and this pty can go at all):
    blocks of :data:`BLOCK` round trips alternate between the two, the order flipped every
    block, so that both meet the same moments of noise. Returns the seconds modemu took for
    the payload and the seconds the C responder took for as many bytes."""
    peer = _open(host, srv, 0)
    digest, c_digest = hashlib.sha256(), hashlib.sha256()
    sender = _Sender(peer, payload)
    deadline = time.monotonic() + 120
    got = blocks = 0
    mine = ceiling = 0.0
    clock = time.perf_counter
    sender.start()
    while got < len(payload):
        for modemu_turn in (True, False) if blocks % 2 == 0 else (False, True):
            start = clock()
            if modemu_turn:
                for _ in range(BLOCK):
                    got += qird_once(host, digest, deadline)
                    if got >= len(payload):
                        break
                mine += clock() - start
            else:
                for _ in range(BLOCK):
                    qird_once(c_host, c_digest, deadline)
                ceiling += clock() - start
        blocks += 1
    sender.join(10)
    if digest.digest() != hashlib.sha256(payload).digest():
        raise BenchError("QIRD download corrupted")
    c_bytes = blocks * BLOCK * len(CANNED)
    if c_digest.digest() != hashlib.sha256(CANNED * (blocks * BLOCK)).digest():
        raise BenchError("C ceiling answered wrong bytes")
    _close(host, peer)
    return mine, ceiling * len(payload) / c_bytes


def qisend_upload(host: Host, srv: socket.socket, payload: bytes) -> float:
    peer = _open(host, srv, 0)
    received = bytearray()

    def receive() -> None:
        while len(received) < len(payload):
            chunk = peer.recv(262144)
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    view = memoryview(payload)
    start = time.perf_counter()
    pos = 0
    while pos < len(payload):
        chunk = view[pos : pos + 1460]
        host.write(b"AT+QISEND=0,%d\r\n" % len(chunk))  # CRLF as TinyGSM: no lf_wait
        host.read_until(b">")
        host.write(bytes(chunk))
        line = b""
        while not line.strip():
            line = host.read_until(b"\r\n")
        if line == b"SEND OK\r\n":
            pos += len(chunk)
        else:  # SEND FAIL: the peer has not acknowledged send/buffersize bytes yet
            SEND_FAILS[0] += 1
            time.sleep(0.001)
    reader.join(60)
    elapsed = time.perf_counter() - start
    if hashlib.sha256(received).digest() != hashlib.sha256(payload).digest():
        raise BenchError("QISEND upload corrupted")
    _close(host, peer)
    return elapsed


def push_download(host: Host, srv: socket.socket, payload: bytes) -> float:
    peer = _open(host, srv, 1)
    digest = hashlib.sha256()
    got = 0
    sender = _Sender(peer, payload)
    start = time.perf_counter()
    sender.start()
    deadline = time.monotonic() + 120
    while got < len(payload):
        while (match := PUSH_HEADER.search(host.buf)) is None:
            host.fill(deadline)
        n = int(match[1])
        del host.buf[: match.end()]
        digest.update(host.read_exactly(n + 2)[:n])
        got += n
    elapsed = time.perf_counter() - start
    sender.join(10)
    if digest.digest() != hashlib.sha256(payload).digest():
        raise BenchError("push download corrupted")
    _close(host, peer)
    return elapsed


CASES = {
    "QISEND upload": qisend_upload,
    "push download": push_download,
}


def run(size_mib: int = 8, repeats: int = 5, modemu_args: tuple[str, ...] = ()) -> dict[str, Any]:
    payload = os.urandom(size_mib * MiB)
    figures = {name: Figure(name, "MiB/s") for name in ("QIRD download", *CASES)}
    ceiling = Figure("C QIRD ceiling", "MiB/s")
    with (
        workdir() as where,
        modemu_child(where, modemu_args) as (path, _pid),
        c_responder(CANNED_QIRD) as c_path,
    ):
        host = Host(path)
        c_host = Host(c_path)
        srv = listener()
        try:
            host.wait_ready()
            host.command("ATE0")
            host.command("AT+QISDE=0")
            host.command("AT+QIACT=1")
            for _rep in range(repeats):
                secs, c_secs = qird_download(host, c_host, srv, payload)
                figures["QIRD download"].runs.append(size_mib / secs)
                ceiling.runs.append(size_mib / c_secs)
                log(f"  buffered QIRD download  {size_mib / secs:7.1f} MiB/s")
                log(f"  buffered C QIRD ceiling {size_mib / c_secs:7.1f} MiB/s")
                for name, case in CASES.items():
                    secs = case(host, srv, payload)
                    figures[name].runs.append(size_mib / secs)
                    log(f"  buffered {name:14} {size_mib / secs:7.1f} MiB/s")
        finally:
            host.close()
            c_host.close()
            srv.close()
    rows = []
    for name, fig in figures.items():
        row: dict[str, Any] = {**fig.as_dict(), "target": None, "met": None}
        if name == "QIRD download":
            ratio = paired(fig, ceiling, higher_is_better=True)
            row.update(ceiling=ceiling.as_dict(), **ratio)
            row.update(target=">= 0.6x C ceiling", met=ratio["ratio_median"] >= 0.6)
        elif name == "push download":
            row.update(target=">= 10 MiB/s", met=fig.median >= 10)
        rows.append(row)
    result = {"size_mib": size_mib, "repeats": repeats, "rows": rows}
    write_results("buffered", result)
    return result
