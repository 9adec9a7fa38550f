"""Benchmark: the latency ``modemu record`` adds, against one plain pty hop (socat).

``modemu record`` promises to add no more than one pty hop between a host and a module.
The yardstick is that hop made by socat, a C relay: ``socat PTY,raw TCP:module``. Both
relays sit in front of their own ``modemu serve --tcp`` (a TCP port serves one host at a
time); the host sends ``AT`` round trips through each, back to back, alternating in blocks
(``bench.latency.interleaved``) so both meet the same moments of the machine, and each
answer is checked byte for byte. The goal
ratio is record's median round trip over socat's, per run (``bench.kit.paired``).

Run ``python -m bench.record_hop [--record]``; the committed figures are in
``bench/results/record_hop.json`` and quoted in ``docs/replay.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.kit import (
    OK,
    Figure,
    Host,
    Results,
    log,
    paired,
    percentile,
    socat_bridge,
    stop_process,
    workdir,
    write_results,
)
from bench.latency import interleaved
from modemu.testing.controller import ModemuProcess


@contextlib.contextmanager
def tcp_module(where: Path) -> Iterator[int]:
    """``modemu serve --tcp 127.0.0.1:0`` in a child; yields its port."""
    process = ModemuProcess(where, tcp=True)
    instance = process.start()
    try:
        yield int(instance.url.rsplit(":", 1)[1])
    finally:
        process.stop()


@contextlib.contextmanager
def recorder(where: Path, port: int) -> Iterator[str]:
    """``modemu record`` from a pty at ``where/record-pty`` to the module; yields the link."""
    link = where / "record-pty"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "modemu", "record"),
            *("--module", f"socket://127.0.0.1:{port}"),
            *("--pty", str(link), "-o", str(where / "transcript.jsonl")),
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        yield str(link)
    finally:
        stop_process(proc)


def run(count: int = 2000, repeats: int = 5) -> dict[str, Any]:
    p50 = {who: Figure(f"{who} AT p50", "us") for who in ("socat", "record")}
    p99 = {who: Figure(f"{who} AT p99", "us") for who in ("socat", "record")}
    with (
        workdir() as where,
        tcp_module(where / "a") as port_a,
        tcp_module(where / "b") as port_b,
        socat_bridge(where, port_a) as socat_path,
        recorder(where, port_b) as record_path,
    ):
        hosts = {"socat": Host(socat_path), "record": Host(record_path)}
        try:
            for host in hosts.values():
                host.write(b"ATE0\r")
                host.read_until(OK)
            for _ in range(repeats):
                for who, samples in interleaved(hosts, b"AT\r", OK, count).items():
                    p50[who].runs.append(percentile(samples, 50))
                    p99[who].runs.append(percentile(samples, 99))
                    log(
                        f"  record-hop {who:6} p50 {percentile(samples, 50):6.1f} us "
                        f"p99 {percentile(samples, 99):7.1f} us"
                    )
        finally:
            for host in hosts.values():
                host.close()
    ratio = paired(p50["record"], p50["socat"], higher_is_better=False)
    result = {
        "count": count,
        "repeats": repeats,
        "socat_p50": p50["socat"].as_dict(),
        "socat_p99": p99["socat"].as_dict(),
        "record_p50": p50["record"].as_dict(),
        "record_p99": p99["record"].as_dict(),
        **ratio,
        "target": "AT round trip through record <= 1.5x through a socat pty hop",
        "met": ratio["ratio_median"] <= 1.5,
    }
    write_results("record_hop", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.record_hop")
    parser.add_argument("--record", action="store_true", help="also write bench/results/")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    Results.record = args.record
    result = run(args.count, args.repeats)
    print(
        f"record/socat p50 ratio {result['ratio_median']:.2f} "
        f"(record {result['record_p50']['median']:.0f} us, "
        f"socat {result['socat_p50']['median']:.0f} us)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
