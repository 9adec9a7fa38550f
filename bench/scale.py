"""Benchmark 4: N modules in one process, each polled with ``AT`` once a second.

The polls are spread evenly over each second (module i at i/N s past the second), as a
fleet of independent hosts would be. The driver is one epoll loop in this process; a
latency is the time from writing ``AT\\r`` to reading the final ``OK``. Memory per module:
the server's RSS growth from one module to N, after polling (user), and the growth of kernel
slab, page tables and stacks across start-up and host open (kernel), divided by N.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from typing import Any

from bench.kit import (
    BENCH_DIR,
    OK,
    BenchError,
    Figure,
    cpu_seconds,
    kernel_kib,
    log,
    percentile,
    rss_kib,
    stop_process,
    write_results,
)
from modemu.transport.pty import make_raw


def poll_fleet(fds: list[int], seconds: float) -> list[float]:
    """Poll every fd once a second for ``seconds``; latencies in microseconds."""
    n = len(fds)
    sel = selectors.DefaultSelector()
    for fd in fds:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    bufs = {fd: b"" for fd in fds}
    sent_at: dict[int, int] = {}
    samples: list[float] = []
    start = time.monotonic() + 0.1
    total = int(seconds * n)
    issued = 0
    try:
        while issued < total or sent_at:
            now = time.monotonic()
            while issued < total and start + issued / n <= now:
                fd = fds[issued % n]
                if fd not in sent_at:  # still waiting for the last answer: skip, count it
                    bufs[fd] = b""
                    sent_at[fd] = time.perf_counter_ns()
                    os.write(fd, b"AT\r")
                issued += 1
            wait = max(0.0, start + issued / n - time.monotonic()) if issued < total else 1.0
            events = sel.select(wait)
            if not events and issued >= total:
                raise BenchError(f"{len(sent_at)} modules did not answer")
            for key, _ in events:
                fd = key.fd
                bufs[fd] += os.read(fd, 4096)
                if fd in sent_at and bufs[fd].endswith(OK):
                    samples.append((time.perf_counter_ns() - sent_at.pop(fd)) / 1000)
    finally:
        sel.close()
    return samples


def one(count: int, seconds: float) -> dict[str, Any]:
    kernel_before = kernel_kib()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_server", str(count)],
        stdout=subprocess.PIPE,
        cwd=BENCH_DIR.parent,
    )
    fds: list[int] = []
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise BenchError("scale server did not start")
        info = json.loads(line)
        for path in info["paths"]:
            fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
            make_raw(fd)
            fds.append(fd)
        time.sleep(0.5)
        for fd in fds:  # boot URCs
            os.set_blocking(fd, False)
            with contextlib.suppress(BlockingIOError):
                os.read(fd, 4096)
        poll_fleet(fds, 1.0)  # warm-up
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        samples = poll_fleet(fds, seconds)
        cpu = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
        user = (rss_kib(proc.pid) - info["base_rss_kib"]) * count / max(count - 1, 1)
        kernel = kernel_kib() - kernel_before
    finally:
        for fd in fds:
            os.close(fd)
        stop_process(proc)
    return {
        "p50_us": percentile(samples, 50),
        "p99_us": percentile(samples, 99),
        "max_us": max(samples),
        "samples": len(samples),
        "cpu_fraction": cpu,
        "user_kib_per_modem": user / count,
        "kernel_kib_per_modem": kernel / count,
    }


def run(
    counts: tuple[int, ...] = (100, 1000), seconds: float = 8.0, repeats: int = 3
) -> dict[str, Any]:
    rows = []
    for count in counts:
        figs = {
            key: Figure(f"N={count} {key}", unit)
            for key, unit in (
                ("p50_us", "us"),
                ("p99_us", "us"),
                ("cpu_fraction", "core"),
                ("user_kib_per_modem", "KiB"),
                ("kernel_kib_per_modem", "KiB"),
            )
        }
        for _ in range(repeats):
            got = one(count, seconds)
            for key, fig in figs.items():
                fig.runs.append(got[key])
            log(
                f"  scale N={count:5} p50 {got['p50_us']:6.0f} us p99 {got['p99_us']:6.0f} us "
                f"cpu {got['cpu_fraction']:.2f} user {got['user_kib_per_modem']:.1f} KiB "
                f"kernel {got['kernel_kib_per_modem']:.1f} KiB"
            )
        row: dict[str, Any] = {"count": count, **{k: f.as_dict() for k, f in figs.items()}}
        if count == 1000:
            mem = figs["user_kib_per_modem"].median + figs["kernel_kib_per_modem"].median
            row["target"] = "p99 <= 2 ms, <= 64 KiB per modem (user + kernel)"
            row["met_latency"] = figs["p99_us"].median <= 2000
            row["met_memory"] = mem <= 64
            row["met"] = row["met_latency"] and row["met_memory"]
        rows.append(row)
    result = {"seconds": seconds, "repeats": repeats, "rows": rows}
    write_results("scale", result)
    return result
