"""Evidence, not a goal: how the style of a bridge's pty writes sets its net→host speed.

socat and four minimal Python bridges (``bench/minibridge.py``: blocking or polling writes,
one thread or a writer thread of its own) carry the same random bytes from a loopback TCP
peer to a host on a pty, one bridge after the other in each round, the order reversed every
other round. Each transfer is checked with sha256, and the bridge's CPU time is read around
it; each style's figures are paired with socat's of the same round. modemu's writer thread
(``transport/ptywriter.py``) takes the style this benchmark shows best at both: a thread of
its own, non-blocking writes, ``poll`` for room (docs/performance.md, "Data path").
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import minibridge
from bench.kit import (
    BenchError,
    CpuReading,
    Figure,
    Flow,
    Host,
    MiB,
    accept,
    listener,
    log,
    move,
    paired,
    socat_process,
    stop_process,
    workdir,
    write_results,
)

START_TIMEOUT = 10.0


@contextlib.contextmanager
def _minibridge(where: Path, style: str, port: int) -> Iterator[tuple[str, int]]:
    """``python -m bench.minibridge STYLE``; yields (pty link, pid)."""
    link = where / f"pty-{style}"
    root = Path(minibridge.__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.minibridge", style, str(link), str(port)], cwd=root
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not link.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"minibridge {style} did not start")
            time.sleep(0.01)
        yield str(link), proc.pid
    finally:
        stop_process(proc)


def run(size_mib: int = 64, repeats: int = 5) -> dict[str, Any]:
    payload = os.urandom(size_mib * MiB)
    who = ("socat", *minibridge.STYLES)
    speed = {name: Figure(f"{name} net->host", "MiB/s") for name in who}
    cpu = {name: Figure(f"{name} net->host CPU", "ms/MiB") for name in who}
    with workdir() as where, contextlib.ExitStack() as stack:
        srv = listener()
        stack.callback(srv.close)
        port = srv.getsockname()[1]
        ends: dict[str, tuple[Host, Any, int]] = {}
        for name in who:
            bridge = socat_process(where, port) if name == "socat" else None
            path, pid = stack.enter_context(bridge or _minibridge(where, name, port))
            host = Host(path)
            stack.callback(host.close)
            peer = accept(srv)
            stack.callback(peer.close)
            ends[name] = (host, peer, pid)
        for rep in range(repeats):
            for name in who if rep % 2 == 0 else who[::-1]:
                host, peer, pid = ends[name]
                cpu0 = CpuReading.of(pid)
                secs = move([Flow(peer.fileno(), host.fd, payload)])
                cpu[name].runs.append(CpuReading.of(pid).since(cpu0) * 1000 / size_mib)
                speed[name].runs.append(size_mib / secs)
                log(f"  writers {name:20} {size_mib / secs:7.1f} MiB/s")
    rows = [
        {
            "style": name,
            "speed": {
                "bridge": speed[name].as_dict(),
                **paired(speed[name], speed["socat"], higher_is_better=True),
            },
            "cpu": {
                "bridge": cpu[name].as_dict(),
                **paired(cpu[name], cpu["socat"], higher_is_better=False),
            },
        }
        for name in minibridge.STYLES
    ]
    result = {
        "size_mib": size_mib,
        "repeats": repeats,
        "socat": {"speed": speed["socat"].as_dict(), "cpu": cpu["socat"].as_dict()},
        "rows": rows,
    }
    write_results("writers", result)
    return result


def table(result: dict[str, Any]) -> str:
    """The rows as text: style, MiB/s and CPU per MiB, each with its ratio to socat."""
    lines = [f"{'style':20} {'MiB/s':>7} {'x socat':>8} {'ms/MiB':>7} {'x socat':>8}"]
    for row in result["rows"]:
        speed, cpu = row["speed"], row["cpu"]
        lines.append(
            f"{row['style']:20} {speed['bridge']['median']:7.1f} {speed['ratio_median']:7.2f}x"
            f" {cpu['bridge']['median']:7.2f} {cpu['ratio_median']:7.2f}x"
        )
    return "\n".join(lines)
