"""Benchmark 6: ``--baud`` accuracy. A UART at ``baud`` moves ``baud / 10`` bytes a second
(8N1); the goal is within ±2 % of that over 10 s, each direction.

modemu runs ``serve --pty --baud 115200`` in its own process with socket 0 in transparent
mode to a TCP peer in this process. module→host: the peer sends ``baud / 10 * seconds``
bytes at once and the host times the pty from its first to its last byte; host→module:
the host writes as many and the peer times them. The rate is (bytes after the first
piece) / (time from first piece to last byte); every transfer is sha256-checked. Sizes
are whole transparent-mode packets (1,024 bytes), so no flush timer pads the last one.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from typing import Any

from bench.kit import (
    Figure,
    Host,
    accept,
    listener,
    log,
    modemu_child,
    module_transparent,
    workdir,
    write_results,
)
from modemu.transport.pacing import bytes_per_second


def _timed_read(read: Any, size: int, timeout: float) -> tuple[float, bytes]:
    """Read ``size`` bytes with ``read()``; the rate from first piece to last byte."""
    got = bytearray()
    first_at = last_at = 0.0
    first_size = 0
    deadline = time.monotonic() + timeout
    while len(got) < size:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(got)} of {size} bytes")
        chunk = read()
        if not chunk:
            continue
        now = time.perf_counter()
        if not got:
            first_at, first_size = now, len(chunk)
        got += chunk
        last_at = now
    return (len(got) - first_size) / (last_at - first_at), bytes(got)


def _down(host: Host, peer: socket.socket, payload: bytes, timeout: float) -> float:
    peer.sendall(payload)

    def read() -> bytes:
        host.fill(time.monotonic() + timeout)
        data = bytes(host.buf)
        host.buf.clear()
        return data

    rate, got = _timed_read(read, len(payload), timeout)
    if hashlib.sha256(got).digest() != hashlib.sha256(payload).digest():
        raise RuntimeError("module->host bytes corrupted")
    return rate


def run(baud: int = 115200, seconds: float = 10.0, repeats: int = 2) -> dict[str, Any]:
    ideal = bytes_per_second(baud)
    # whole 1,024-byte transparent packets (transpktsize), so the last one is not held
    # for the transwaittm flush timer, which would count as line time
    size = int(ideal * seconds) // 1024 * 1024
    figures = {d: Figure(d, "B/s") for d in ("module->host", "host->module")}
    with workdir() as where, modemu_child(where, ("--baud", str(baud))) as (path, _pid):
        srv = listener()
        host = Host(path)
        try:
            module_transparent(host, srv.getsockname()[1])
            peer = accept(srv)
            with peer:
                for _ in range(repeats):
                    payload = os.urandom(size)
                    down = _down(host, peer, payload, seconds * 3)
                    figures["module->host"].runs.append(down)
                    up = _up_threaded(host, peer, os.urandom(size), seconds * 3)
                    figures["host->module"].runs.append(up)
                    log(f"  pacing {baud} down {down:.0f} B/s up {up:.0f} B/s (ideal {ideal:.0f})")
        finally:
            host.close()
            srv.close()
    rows = []
    for direction, fig in figures.items():
        errors = Figure(f"{direction} error", "%", [(r / ideal - 1) * 100 for r in fig.runs])
        worst = max(errors.runs, key=abs)
        rows.append(
            {
                "baud": baud,
                "direction": direction,
                "ideal": ideal,
                "rate": fig.as_dict(),
                "error_pct": errors.as_dict(),
                "worst_error_pct": worst,
                "target": "within ±2 % over 10 s",
                "met": all(abs(e) <= 2 for e in errors.runs),
            }
        )
    result = {"seconds": seconds, "repeats": repeats, "rows": rows}
    write_results("pacing", result)
    return result


def _up_threaded(host: Host, peer: socket.socket, payload: bytes, timeout: float) -> float:
    """host->module: the host's blocking write (the paced module drains the pty slowly)
    runs on a thread while this one times the bytes reaching the peer."""
    writer = threading.Thread(target=host.write, args=(payload,), daemon=True)
    writer.start()
    rate, got = _timed_read(lambda: peer.recv(65536), len(payload), timeout)
    writer.join(timeout)
    if hashlib.sha256(got).digest() != hashlib.sha256(payload).digest():
        raise RuntimeError("host->module bytes corrupted")
    return rate
