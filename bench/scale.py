"""Benchmark 4: N modules in one process, each polled with ``AT`` once a second, paired in
the same run with the C responder serving N ptys from one process (``c_responder -n N``).

The polls are spread evenly over each second (module i at i/N s past the second), as a
fleet of independent hosts would be. The driver is one epoll loop in this process; a
latency is the time from writing ``AT\\r`` to reading the answer, which must be exactly
``\\r\\nOK\\r\\n`` (modules run with ``ATE0``). A poll that falls due while its module has
not answered the previous one is not sent and is *counted* (``skipped_polls``; a run with
any is reported as missing the goal), never dropped silently.

Memory per module is the server process's own: user is its RSS growth from one module up
to N, after polling, divided by N-1; kernel is the growth, over the same span, of the
kernel memory charged to the memory cgroup the server runs in (:class:`bench.kit.KernelMemory`).
The C responder's figures are its totals divided by N (its base is a few hundred KiB).
The C and modemu runs of a repeat run one after the other (the kernel's pty cap, 4,096,
does not fit both fleets at once at N = 4,000), in alternating order.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.kit import (
    BENCH_DIR,
    C_RESPONDER,
    OK,
    BenchError,
    Figure,
    KernelMemory,
    cpu_seconds,
    log,
    paired,
    percentile,
    rss_kib,
    stop_process,
    workdir,
    write_results,
)
from modemu.transport.pty import make_raw

KEYS = (
    ("p50_us", "us"),
    ("p99_us", "us"),
    ("cpu_fraction", "core"),
    ("user_kib_per_modem", "KiB"),
    ("kernel_kib_per_modem", "KiB"),
)


@dataclass
class Polled:
    samples: list[float]
    skipped: int


def poll_fleet(fds: list[int], seconds: float) -> Polled:
    """Poll every fd once a second for ``seconds``; latencies in microseconds."""
    n = len(fds)
    sel = selectors.DefaultSelector()
    for fd in fds:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    bufs = {fd: b"" for fd in fds}
    sent_at: dict[int, int] = {}
    samples: list[float] = []
    skipped = 0
    start = time.monotonic() + 0.1
    total = int(seconds * n)
    issued = 0
    try:
        while issued < total or sent_at:
            now = time.monotonic()
            while issued < total and start + issued / n <= now:
                fd = fds[issued % n]
                if fd in sent_at:
                    skipped += 1  # still waiting for the last answer: counted, reported
                else:
                    bufs[fd] = b""
                    sent_at[fd] = time.perf_counter_ns()
                    os.write(fd, b"AT\r")
                issued += 1
            wait = max(0.0, start + issued / n - time.monotonic()) if issued < total else 5.0
            events = sel.select(wait)
            if not events and issued >= total:
                raise BenchError(f"{len(sent_at)} modules did not answer within 5 s")
            for key, _ in events:
                fd = key.fd
                bufs[fd] += os.read(fd, 4096)
                if fd not in sent_at:
                    raise BenchError(f"unasked bytes {bufs[fd]!r}")
                if len(bufs[fd]) >= len(OK):
                    if bufs[fd] != OK:
                        raise BenchError(f"AT answered {bufs[fd]!r}")
                    samples.append((time.perf_counter_ns() - sent_at.pop(fd)) / 1000)
    finally:
        sel.close()
    return Polled(samples, skipped)


PTY_NR = Path("/proc/sys/kernel/pty/nr")
PTY_MAX = Path("/proc/sys/kernel/pty/max")
PTY_WAIT = 60.0
"""Seconds to wait for the kernel to free enough ptys before a fleet starts."""


def wait_for_ptys(count: int, timeout: float = PTY_WAIT) -> None:
    """Wait until ``count`` more ptys fit under the kernel's cap, or fail saying why.

    The kernel frees a closed pty from a work queue, after the process that held it has
    exited: on a loaded machine the previous fleet's 4,000 ptys can still count for a while,
    and the next fleet then fails part-way (what "c_responder did not start" was). Other
    programs' ptys count too."""
    if not PTY_NR.exists():
        return
    deadline = time.monotonic() + timeout
    while True:
        in_use, cap = int(PTY_NR.read_text()), int(PTY_MAX.read_text())
        if in_use + count <= cap:
            return
        if time.monotonic() > deadline:
            raise BenchError(
                f"{count} ptys do not fit: {in_use} of the kernel's {cap} still in use after "
                f"{timeout:.0f} s (kernel.pty.max; other programs' ptys count too)"
            )
        time.sleep(0.2)


def _failed_start(what: str, proc: subprocess.Popen[bytes], stderr: Path) -> BenchError:
    """Why a fleet server did not start: its exit status and what it wrote on stderr."""
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        return BenchError(f"{what} did not start (still running, printed nothing)")
    err = stderr.read_text(errors="replace").strip()[-2000:]
    return BenchError(f"{what} did not start (exit {proc.returncode}): {err or 'no message'}")


@contextlib.contextmanager
def _server(
    kind: str, count: int, kmem: KernelMemory, where: Path
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Start the fleet server of ``kind`` in the cgroup; yields (pid, info)."""
    if kind == "c":
        if not C_RESPONDER.exists():
            raise BenchError("bench/build/c_responder missing: run sh bench/setup.sh")
        argv = [str(C_RESPONDER), "-n", str(count)]
    else:
        argv = [sys.executable, "-m", "bench.scale_server", str(count), str(where)]
    wait_for_ptys(count)
    stderr = where / f"{kind}-stderr.txt"  # a file, not a pipe: a long run never blocks on it
    with stderr.open("wb") as err_file:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err_file,
            cwd=BENCH_DIR.parent,
            preexec_fn=kmem.join,  # noqa: PLW1509 - no threads here; the cgroup holds it from birth
        )
    try:
        assert proc.stdout is not None
        if kind == "c":
            paths = [proc.stdout.readline().decode().strip() for _ in range(count)]
            if not all(paths):
                raise _failed_start("c_responder", proc, stderr)
            info: dict[str, Any] = {"paths": paths, "base_rss_kib": 0, "base_kernel_kib": 0}
        else:
            line = proc.stdout.readline()
            if not line:
                raise _failed_start("scale server", proc, stderr)
            info = json.loads(line)
        yield proc.pid, info
    finally:
        stop_process(proc)


def _open_hosts(paths: list[str], kind: str) -> list[int]:
    fds = []
    for path in paths:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        make_raw(fd)
        os.set_blocking(fd, False)
        fds.append(fd)
    if kind == "modemu":
        _quiet(fds)
    for fd in fds:
        with contextlib.suppress(BlockingIOError):
            while os.read(fd, 4096):
                pass
    return fds


def _quiet(fds: list[int], timeout: float = 60.0) -> None:
    """``ATE0`` on every module and wait for each ``OK`` (boot URCs before it are
    discarded), so polling sees exactly ``\r\nOK\r\n``."""
    bufs = {fd: b"" for fd in fds}
    for fd in fds:
        os.write(fd, b"ATE0\r")
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for fd in fds:
            sel.register(fd, selectors.EVENT_READ)
        while bufs:
            if time.monotonic() > deadline:
                raise BenchError(f"{len(bufs)} modules did not answer ATE0")
            for key, _ in sel.select(1.0):
                fd = key.fd
                bufs[fd] += os.read(fd, 4096)
                if bufs[fd].endswith(b"ATE0\r\r\nOK\r\n"):
                    del bufs[fd]
                    sel.unregister(fd)


def one(kind: str, count: int, seconds: float) -> dict[str, Any]:
    kmem = KernelMemory(f"{kind}{count}")
    fds: list[int] = []
    try:
        with workdir() as where, _server(kind, count, kmem, where) as (pid, info):
            try:
                fds = _open_hosts(info["paths"], kind)
                poll_fleet(fds, 1.0)  # warm-up
                cpu0, t0 = cpu_seconds(pid), time.monotonic()
                polled = poll_fleet(fds, seconds)
                cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
                per = max(count - 1, 1) if kind == "modemu" else count
                user = (rss_kib(pid) - info["base_rss_kib"]) / per
                total_kernel = kmem.kib()
                kernel = (
                    None
                    if total_kernel is None
                    else (total_kernel - info.get("base_kernel_kib", 0)) / per
                )
            finally:
                for fd in fds:
                    os.close(fd)
    finally:
        kmem.remove()
    return {
        "p50_us": percentile(polled.samples, 50),
        "p99_us": percentile(polled.samples, 99),
        "max_us": max(polled.samples),
        "samples": len(polled.samples),
        "skipped_polls": polled.skipped,
        "cpu_fraction": cpu,
        "user_kib_per_modem": user,
        "kernel_kib_per_modem": kernel,
    }


def run(
    counts: tuple[int, ...] = (100, 1000), seconds: float = 8.0, repeats: int = 3
) -> dict[str, Any]:
    rows = []
    for count in counts:
        figs = {
            (kind, key): Figure(f"{kind} N={count} {key}", unit)
            for kind in ("c", "modemu")
            for key, unit in KEYS
        }
        skipped = {"c": 0, "modemu": 0}
        for rep in range(repeats):
            for kind in ("c", "modemu") if rep % 2 == 0 else ("modemu", "c"):
                got = one(kind, count, seconds)
                skipped[kind] += got["skipped_polls"]
                for key, _unit in KEYS:
                    if got[key] is not None:
                        figs[kind, key].runs.append(got[key])
                kernel = got["kernel_kib_per_modem"]
                log(
                    f"  scale {kind:6} N={count:5} p50 {got['p50_us']:6.0f} us "
                    f"p99 {got['p99_us']:6.0f} us skipped {got['skipped_polls']} "
                    f"cpu {got['cpu_fraction']:.2f} user {got['user_kib_per_modem']:.1f} KiB "
                    f"kernel {'n/a' if kernel is None else f'{kernel:.1f}'} KiB"
                )
        ratio = paired(figs["modemu", "p99_us"], figs["c", "p99_us"], higher_is_better=False)
        row: dict[str, Any] = {
            "count": count,
            "c": {key: figs["c", key].as_dict() for key, _u in KEYS},
            "modemu": {key: figs["modemu", key].as_dict() for key, _u in KEYS},
            "skipped_polls": skipped,
            "p99_ratio": ratio,
        }
        if count >= 1000:
            kernel = figs["modemu", "kernel_kib_per_modem"]
            mem = figs["modemu", "user_kib_per_modem"].median + (
                kernel.median if kernel.runs else float("nan")
            )
            row["target"] = "p99 <= 2 ms, <= 40 KiB per module (user + kernel), no skipped poll"
            row["met_latency"] = figs["modemu", "p99_us"].median <= 2000 and skipped["modemu"] == 0
            row["met_memory"] = mem <= 40
            row["met"] = row["met_latency"] and row["met_memory"]
        rows.append(row)
    result = {"seconds": seconds, "repeats": repeats, "rows": rows}
    write_results("scale", result)
    return result
