"""Host-side plumbing shared by the benchmarks: ptys, a module child, socat, a loopback peer,
a select-loop byte mover, statistics and the results file.

Everything the host does is plain blocking/non-blocking fd I/O in this process; the module
(or socat, or the C responder) runs in its own process, so every yardstick meets the same
driver. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modemu.compiled import compiled_modules
from modemu.testing.controller import ModemuProcess
from modemu.testing.pty_host import PtyHost as Host
from modemu.warmup import WARM_DELAY

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
C_RESPONDER = BENCH_DIR / "build" / "c_responder"
MiB = 1024 * 1024
OK = b"\r\nOK\r\n"


class BenchError(RuntimeError):
    """A benchmark could not run (missing tool, module did not answer)."""


# -- statistics -----------------------------------------------------------------------------


@dataclass
class Figure:
    """Several runs of one measurement: median and min-max."""

    name: str
    unit: str
    runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "min": min(self.runs) if self.runs else None,
            "max": max(self.runs) if self.runs else None,
            "runs": self.runs,
        }


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def paired(mine: Figure, yardstick: Figure, *, higher_is_better: bool) -> dict[str, Any]:
    """The goal ratio of two figures measured in pairs (run i of each at the same moment).

    The ratio is the **median of the per-run ratios** ``mine[i] / yardstick[i]``, not the
    ratio of the two medians: a pair shares one moment of a noisy machine, so its ratio
    cancels the noise that the medians of separate columns keep. ``higher_is_better`` only
    records which way the goal points (throughput: up; latency: down)."""
    ratios = [m / y for m, y in zip(mine.runs, yardstick.runs, strict=True) if y]
    return {
        "ratio_median": statistics.median(ratios) if ratios else float("nan"),
        "ratio_min": min(ratios) if ratios else float("nan"),
        "ratio_max": max(ratios) if ratios else float("nan"),
        "ratios": ratios,
        "ratio_of_medians": mine.median / yardstick.median if yardstick.median else None,
        "higher_is_better": higher_is_better,
    }


class Results:
    """Where this invocation writes its JSON files.

    By default a fresh folder per invocation, ``bench/results/runs/<UTC time>/`` (ignored by
    git), so a run never overwrites the committed record in ``bench/results/*.json``; pass
    ``--record`` to ``python -m bench`` to write the record as well."""

    folder: Path = RESULTS_DIR / "runs" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    record: bool = False


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (stamped in place with name, time and machine) as ``name.json``."""
    payload.update(
        benchmark=name,
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "modemu_compiled": compiled_modules(),
        },
    )
    text = json.dumps(payload, indent=2) + "\n"
    Results.folder.mkdir(parents=True, exist_ok=True)
    path = Results.folder / f"{name}.json"
    path.write_text(text)
    if Results.record:
        (RESULTS_DIR / f"{name}.json").write_text(text)
    return path


# -- processes ------------------------------------------------------------------------------


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="modemu-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


WARM_MARGIN = 1.0
"""Seconds past ``WARM_DELAY`` (counted from the spawn) by which the child's warm-up thread
has run: it starts ~0.15 s after the spawn plus ``WARM_DELAY`` and imports for ~0.1-0.2 s
(Python 3.11 gives its threads no OS-visible names, so it cannot be watched for)."""


@contextlib.contextmanager
def modemu_child(where: Path, args: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """``modemu serve --pty`` in a child process, past its warm-up; yields (pty path, pid)."""
    spawned = time.monotonic()
    proc = ModemuProcess(where, args=list(args))
    instance = proc.start()
    try:
        assert instance.path is not None and instance.pid is not None
        _wait_past_warmup(spawned)
        yield instance.path, instance.pid
    finally:
        proc.stop()


def _wait_past_warmup(spawned: float) -> None:
    """Return once the child's warm-up thread (``modemu/warmup.py``: it imports what the
    first commands did not, ``WARM_DELAY`` after start) has run, so every benchmark measures
    a module in its steady state, as socat and the C responder are from their start;
    start-up is the ``startup`` benchmark's own."""
    rest = spawned + WARM_DELAY + WARM_MARGIN - time.monotonic()
    if rest > 0:
        time.sleep(rest)


@contextlib.contextmanager
def socat_bridge(where: Path, port: int) -> Iterator[str]:
    """socat PTY (raw) <-> TCP 127.0.0.1:port; yields the pty link path."""
    with socat_process(where, port) as (link, _pid):
        yield link


@contextlib.contextmanager
def socat_process(where: Path, port: int) -> Iterator[tuple[str, int]]:
    """:func:`socat_bridge` that also yields socat's pid (for its CPU time)."""
    exe = shutil.which("socat")
    if exe is None:
        raise BenchError("socat not found: run sh bench/setup.sh")
    link = where / "socat-pty"
    proc = subprocess.Popen(
        [exe, "-b", "65536", f"PTY,link={link},raw,echo=0", f"TCP:127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while not link.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError(
                    f"socat did not start: {proc.stderr.read() if proc.stderr else ''}"
                )
            time.sleep(0.01)
        yield str(link), proc.pid
    finally:
        stop_process(proc)


@contextlib.contextmanager
def c_responder(reply: bytes | None = None) -> Iterator[str]:
    """The C select-loop responder; yields its pty path."""
    if not C_RESPONDER.exists():
        raise BenchError("bench/build/c_responder missing: run sh bench/setup.sh")
    args = [str(C_RESPONDER)] + ([reply.hex()] if reply is not None else [])
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().decode().strip()
        if not path:
            raise BenchError("c_responder printed nothing")
        yield path
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system time of ``pid`` and all its threads, living or ended, in clock ticks
    (10 ms): fine over seconds, coarse over one transfer (see :class:`CpuReading`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@dataclass(frozen=True)
class CpuReading:
    """CPU time of one process at one moment, per thread in nanoseconds where it can be had.

    ``/proc/<pid>/stat`` counts clock ticks: over one 32 MiB transfer a tick is ~0.3 ms per
    MiB, 10-20 % of a bridge's figure, so a paired ratio moved by whole ticks. Each thread's
    ``/proc/<pid>/task/<tid>/schedstat`` counts nanoseconds on a CPU, but a thread that ended
    is gone from there (its time stays only in the tick count). :meth:`since` therefore uses
    the threads' nanoseconds, and the ticks when a thread ended in between (gone, or born and
    ended: the tick count then exceeds the threads' sum by more than its own error)."""

    threads: dict[int, int]
    ticks: float

    @classmethod
    def of(cls, pid: int) -> CpuReading:
        threads: dict[int, int] = {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                threads[int(task.name)] = int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread ending as we look: the tick count covers it
        return cls(threads, cpu_seconds(pid))

    def since(self, earlier: CpuReading) -> float:
        """Seconds of CPU between ``earlier`` and this reading."""
        precise = sum(ns - earlier.threads.get(tid, 0) for tid, ns in self.threads.items()) / 1e9
        coarse = self.ticks - earlier.ticks
        tick = 1 / os.sysconf("SC_CLK_TCK")
        ended = any(tid not in self.threads for tid in earlier.threads)
        if not self.threads or ended or coarse - precise > 3 * tick:
            return coarse
        return precise


class KernelMemory:
    """Kernel memory charged to one process (and its children), not the whole machine.

    The process is started inside a memory cgroup of its own, made under this process's
    cgroup: with cgroup v1 the kernel charges its allocations for that process (tty structs
    and buffers, sockets, page tables, slab) to ``memory.kmem.usage_in_bytes``; with v2 to
    the ``kernel`` (or ``slab`` + ``kernel_stack`` + ``pagetables`` + ``sock``) lines of
    ``memory.stat``. Where no cgroup can be made (no permission), :attr:`available` is false
    and figures are reported as unavailable rather than guessed from machine-wide totals."""

    def __init__(self, label: str | None) -> None:
        """A new cgroup below this process's (``label`` names it), or with ``None`` the
        cgroup this process is in (to read from inside)."""
        self.path: Path | None = None
        self.v2 = False
        base = self._own_cgroup()
        if base is None:
            return
        if label is None:
            self.path = base
            return
        candidate = base / f"modemu-bench-{label}-{os.getpid()}"
        try:
            candidate.mkdir(exist_ok=True)
        except OSError:
            return
        self.path = candidate

    def _own_cgroup(self) -> Path | None:
        unified = None
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            hid, controllers, where = line.split(":", 2)
            if "memory" in controllers.split(","):
                return Path("/sys/fs/cgroup/memory") / where.lstrip("/")
            if hid == "0" and controllers == "":
                unified = Path("/sys/fs/cgroup") / where.lstrip("/")
        if unified is not None and (unified / "memory.stat").exists():
            self.v2 = True
            return unified
        return None

    @property
    def available(self) -> bool:
        return self.path is not None

    def join(self) -> None:
        """Move the calling process into the cgroup (a ``preexec_fn`` for ``Popen``)."""
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def kib(self) -> int | None:
        if self.path is None:
            return None
        if not self.v2:
            return int((self.path / "memory.kmem.usage_in_bytes").read_text()) // 1024
        stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        if "kernel" in stat:
            return int(stat["kernel"]) // 1024
        keys = ("slab", "kernel_stack", "pagetables", "sock")
        return sum(int(stat.get(k, 0)) for k in keys) // 1024

    def remove(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.rmdir()


# -- host side of a pty: modemu.testing.pty_host.PtyHost (imported as Host) ---------------


def listener() -> socket.socket:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    return srv


def accept(srv: socket.socket, timeout: float = 10.0) -> socket.socket:
    srv.settimeout(timeout)
    conn, _ = srv.accept()
    conn.settimeout(None)
    return conn


def module_transparent(host: Host, port: int) -> None:
    """Activate context 1 and open socket 0 to 127.0.0.1:port in transparent mode."""
    host.wait_ready()
    host.command("ATE0")
    host.command("AT+QIACT=1")
    host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2', until=b"CONNECT\r\n")


# -- a select-loop byte mover ---------------------------------------------------------------


@dataclass
class Flow:
    """``payload`` written to ``src`` must arrive, byte-exact, on ``dst``."""

    src: int
    dst: int
    payload: bytes


def move(flows: Sequence[Flow], timeout: float = 120.0) -> float:
    """Run all flows at once; return the seconds from first write to last byte read.
    Raises :class:`BenchError` on a mismatch (sha256) or timeout."""
    sel = selectors.DefaultSelector()
    sent = {f.src: 0 for f in flows}
    got = {f.dst: 0 for f in flows}
    hashes = {f.dst: hashlib.sha256() for f in flows}
    by_src = {f.src: f for f in flows}
    by_dst = {f.dst: f for f in flows}
    saved = {}
    for fd in {*by_src, *by_dst}:
        saved[fd] = os.get_blocking(fd)
        os.set_blocking(fd, False)
        events = (selectors.EVENT_WRITE if fd in by_src else 0) | (
            selectors.EVENT_READ if fd in by_dst else 0
        )
        sel.register(fd, events)
    views = {f.src: memoryview(f.payload) for f in flows}
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    try:
        while any(got[f.dst] < len(f.payload) for f in flows):
            if time.monotonic() > deadline:
                raise BenchError(f"transfer timed out: sent {sent}, got {got}")
            for key, mask in sel.select(1.0):
                fd = key.fd
                if mask & selectors.EVENT_READ:
                    with contextlib.suppress(BlockingIOError):
                        data = os.read(fd, 262144)
                        got[fd] += len(data)
                        hashes[fd].update(data)
                        if got[fd] > len(by_dst[fd].payload):
                            raise BenchError(f"fd {fd}: more bytes than sent")
                if mask & selectors.EVENT_WRITE:
                    with contextlib.suppress(BlockingIOError):
                        view = views[fd]
                        n = os.write(fd, view[sent[fd] : sent[fd] + 262144])
                        sent[fd] += n
                        if sent[fd] >= len(view):
                            events = selectors.EVENT_READ if fd in by_dst else 0
                            if events:
                                sel.modify(fd, events)
                            else:
                                sel.unregister(fd)
        elapsed = time.perf_counter() - start
    finally:
        sel.close()
        for fd, blocking in saved.items():
            os.set_blocking(fd, blocking)
    for f in flows:
        if hashes[f.dst].digest() != hashlib.sha256(f.payload).digest():
            raise BenchError("payload corrupted in transit (sha256 mismatch)")
    return elapsed


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
