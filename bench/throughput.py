"""Benchmark 1: transparent-mode throughput against a socat pty<->TCP bridge, same run.

Both bridges carry the same random bytes between a host on a pty and a TCP peer on
127.0.0.1, one direction at a time and both at once; runs alternate socat / modemu so that
machine noise hits both. Every transfer is checked with sha256. The bridge process's CPU
time (user + system, from /proc) is taken around each transfer: CPU milliseconds per MiB
moved, paired the same way (lower is better).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from bench.kit import (
    CpuReading,
    Figure,
    Flow,
    Host,
    MiB,
    accept,
    listener,
    log,
    modemu_child,
    module_transparent,
    move,
    paired,
    socat_process,
    workdir,
    write_results,
)

DIRECTIONS = ("host->net", "net->host", "both")
CPU_GOAL = 1.5
"""Server CPU per MiB, as a multiple of socat's (issue 13)."""


def _flows(direction: str, host: Host, peer: socket.socket, payload: bytes) -> list[Flow]:
    flows = []
    if direction in ("host->net", "both"):
        flows.append(Flow(host.fd, peer.fileno(), payload))
    if direction in ("net->host", "both"):
        flows.append(Flow(peer.fileno(), host.fd, payload))
    return flows


def run(size_mib: int = 32, repeats: int = 5, modemu_args: tuple[str, ...] = ()) -> dict[str, Any]:
    payload = os.urandom(size_mib * MiB)
    figures: dict[tuple[str, str], Figure] = {}
    for who in ("socat", "modemu"):
        for d in DIRECTIONS:
            figures[who, d] = Figure(f"{who} {d}", "MiB/s")
            figures[who, f"cpu {d}"] = Figure(f"{who} {d} CPU", "ms/MiB")
    with workdir() as where:
        srv = listener()
        port = srv.getsockname()[1]
        with (
            socat_process(where, port) as (socat_path, socat_pid),
            modemu_child(where, modemu_args) as (modem_path, modem_pid),
        ):
            socat_host = Host(socat_path)
            socat_peer = accept(srv)
            modem_host = Host(modem_path)
            module_transparent(modem_host, port)
            modem_peer = accept(srv)
            pairs = {"socat": (socat_host, socat_peer), "modemu": (modem_host, modem_peer)}
            pids = {"socat": socat_pid, "modemu": modem_pid}
            try:
                for rep in range(repeats):
                    for d in DIRECTIONS:
                        for who in ("socat", "modemu") if rep % 2 == 0 else ("modemu", "socat"):
                            host, peer = pairs[who]
                            cpu0 = CpuReading.of(pids[who])
                            secs = move(_flows(d, host, peer, payload))
                            cpu = CpuReading.of(pids[who]).since(cpu0)
                            figures[who, d].runs.append(size_mib / secs)
                            moved = size_mib * (2 if d == "both" else 1)
                            figures[who, f"cpu {d}"].runs.append(cpu * 1000 / moved)
                            log(f"  throughput {who:6} {d:9} {size_mib / secs:7.1f} MiB/s")
            finally:
                for host, peer in pairs.values():
                    host.close()
                    peer.close()
                srv.close()
    rows = []
    for d in DIRECTIONS:
        socat, mine = figures["socat", d], figures["modemu", d]
        ratio = paired(mine, socat, higher_is_better=True)
        cpu_socat, cpu_mine = figures["socat", f"cpu {d}"], figures["modemu", f"cpu {d}"]
        cpu_ratio = paired(cpu_mine, cpu_socat, higher_is_better=False)
        rows.append(
            {
                "direction": d,
                "socat": socat.as_dict(),
                "modemu": mine.as_dict(),
                **ratio,
                "target": ">= 1.0x socat",
                "met": ratio["ratio_median"] >= 1.0,
                "cpu": {
                    "socat": cpu_socat.as_dict(),
                    "modemu": cpu_mine.as_dict(),
                    **cpu_ratio,
                    "target": "<= 1.5x socat",
                    "met": cpu_ratio["ratio_median"] <= CPU_GOAL,
                },
            }
        )
    result = {"size_mib": size_mib, "repeats": repeats, "rows": rows}
    write_results("throughput", result)
    return result
