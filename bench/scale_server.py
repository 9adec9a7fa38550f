"""N virtual modules in one process, each on its own pty (the server side of bench/scale.py).

The modules are a :class:`modemu.fleet.Fleet`, exactly as ``modemu fleet --count N
--pty-dir DIR`` builds them (own IMEI, control socket beside each pty link, NV in memory).
Prints one JSON line ``{"base_rss_kib": …, "base_kernel_kib": …, "rss_kib": …, "paths":
[…]}`` once every module is up (the ``base_`` figures are taken with the first module up, so
imports and loop set-up are not charged per module), then serves until SIGTERM.
``BENCH_GC_FREEZE=1`` calls ``gc.freeze()`` once all are up. Run:
``python -m bench.scale_server N DIR``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
from pathlib import Path

from bench.kit import KernelMemory
from modemu.fleet import Fleet, FleetLayout, raise_fd_limit
from modemu.modem.profile import Profile
from modemu.server import run


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def serve(count: int, where: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    kmem = KernelMemory(None)  # the cgroup bench/scale.py started this process in
    base = {"rss": 0, "kernel": 0}

    def started(index: int) -> None:
        if index == 0:  # one module up: imports and loop set-up are paid
            base["rss"], base["kernel"] = _rss_kib(), kmem.kib() or 0

    fleet = Fleet(FleetLayout(count=count, pty_dir=where, control_dir=where), Profile())
    await fleet.start(started)
    try:
        if os.environ.get("BENCH_GC_FREEZE") == "1":
            gc.freeze()  # the modules' long-lived objects leave the collector's scans
        line = {
            "base_rss_kib": base["rss"],
            "base_kernel_kib": base["kernel"],
            "rss_kib": _rss_kib(),
            "paths": [entry.url for entry in fleet.entries],
        }
        print(json.dumps(line), flush=True)
        await stop.wait()
    finally:
        await fleet.aclose()


def main() -> None:
    count = int(sys.argv[1])
    raise_fd_limit(count * 4 + 64)
    run(serve(count, Path(sys.argv[2])))


if __name__ == "__main__":
    main()
