"""The long soak (behind ``--soak-gib``): transparent mode both ways at once, sha256-checked.

The payload is generated in 64 MiB blocks from a seeded PRNG on both ends, so a GiB needs no
GiB of memory; each block is moved as one transfer (both directions at once).
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.kit import (
    Flow,
    Host,
    MiB,
    accept,
    listener,
    log,
    modemu_child,
    module_transparent,
    move,
    rss_kib,
    workdir,
    write_results,
)

BLOCK = 64 * MiB


def run(gib: float = 1.0, modemu_args: tuple[str, ...] = ()) -> dict[str, Any]:
    total = int(gib * 1024 * MiB)
    rng = random.Random(2026)
    moved = 0
    busy = 0.0
    with workdir() as where, modemu_child(where, modemu_args) as (path, pid):
        srv = listener()
        host = Host(path)
        try:
            module_transparent(host, srv.getsockname()[1])
            peer = accept(srv)
            rss = [rss_kib(pid)]
            started = time.monotonic()
            while moved < total:
                size = min(BLOCK, total - moved)
                up, down = rng.randbytes(size), rng.randbytes(size)
                busy += move(
                    [Flow(host.fd, peer.fileno(), up), Flow(peer.fileno(), host.fd, down)],
                    timeout=600,
                )
                moved += size
                rss.append(rss_kib(pid))
                log(f"  soak {moved / MiB:7.0f} MiB each way, rss {rss[-1]} KiB")
            wall = time.monotonic() - started
            peer.close()
        finally:
            host.close()
            srv.close()
    result = {
        "gib": gib,
        "mib_per_s": moved / MiB / busy,
        "wall_s": wall,
        "rss_kib_first": rss[0],
        "rss_kib_max": max(rss),
        "rss_kib_last": rss[-1],
    }
    write_results("soak", result)
    return result
