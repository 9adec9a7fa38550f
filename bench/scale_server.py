"""N virtual modules in one process, each on its own pty (the server side of bench/scale.py).

Prints one JSON line ``{"base_rss_kib": …, "base_kernel_kib": …, "rss_kib": …,
"paths": […]}`` once every module
is up (``base_rss_kib``: the RSS with the first module up, so imports and loop set-up are not
charged per module), then serves until SIGTERM. ``BENCH_GC_FREEZE=1`` calls ``gc.freeze()``
once all are up. Run: ``python -m bench.scale_server N``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
from pathlib import Path

from bench.kit import KernelMemory
from modemu.server import VirtualModem, run
from modemu.transport.pty import PtyTransport


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def serve(count: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        modems = []
        base = base_kernel = 0
        kmem = KernelMemory(None)  # the cgroup bench/scale.py started this process in
        for index in range(count):
            modem = VirtualModem(transport=PtyTransport())
            await stack.enter_async_context(modem)
            modems.append(modem)
            if index == 0:
                base = _rss_kib()  # one module up: imports and loop set-up are paid
                base_kernel = kmem.kib() or 0
        paths = [m.transport.url for m in modems]
        if os.environ.get("BENCH_GC_FREEZE") == "1":
            gc.freeze()  # the modules' long-lived objects leave the collector's scans
        print(
            json.dumps(
                {
                    "base_rss_kib": base,
                    "base_kernel_kib": base_kernel,
                    "rss_kib": _rss_kib(),
                    "paths": paths,
                }
            ),
            flush=True,
        )
        await stop.wait()


def main() -> None:
    run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
