"""Benchmark 3: command round trips on a pty, modemu against a C select-loop responder.

The host writes one command line and waits for the complete answer, checked byte for byte
against the expected one, then the next, back to back as a driver does. Round trips
alternate between the two ptys in blocks of :data:`BLOCK`, the order flipped every block,
so both meet the same machine noise. Not one by one: the work a responder still does after
its answer (modemu's is the loop's bookkeeping, a few microseconds) then overlaps the other
responder's next round trip on a 2-CPU machine and is charged to it; measured, that made
modemu's ratios look ~0.1x better than back-to-back commands show (docs/performance.md).
Both run without echo (``ATE0``); modemu has one connected buffer-mode socket so
``AT+QISTATE`` answers a real line, and the C responder is given the very same answer bytes.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.kit import (
    OK,
    BenchError,
    Figure,
    Host,
    accept,
    c_responder,
    listener,
    log,
    modemu_child,
    paired,
    percentile,
    workdir,
    write_results,
)

COMMANDS = ("AT", "AT+QISTATE")
BLOCK = 50
"""Round trips in a row on one pty before the other's turn."""


def round_trip(fd: int, line: bytes, expected: bytes) -> float:
    """One command and its complete answer, in microseconds. The answer must be exactly
    ``expected`` (a wrong or extra byte is a :class:`BenchError`, never a fast sample)."""
    got = b""
    start = time.perf_counter_ns()
    os.write(fd, line)
    while len(got) < len(expected) and not got.endswith(OK):
        got += os.read(fd, 4096)
    elapsed = (time.perf_counter_ns() - start) / 1000
    if got != expected:
        raise BenchError(f"{line!r} answered {got!r}, expected {expected!r}")
    return elapsed


def interleaved(
    hosts: dict[str, Host], line: bytes, expected: bytes, count: int
) -> dict[str, list[float]]:
    """``count`` round trips on each host, back to back in blocks of :data:`BLOCK`
    (C, modemu, modemu, C, …), so both see the same moments of a noisy machine."""
    samples: dict[str, list[float]] = {name: [] for name in hosts}
    for block, first in enumerate(range(0, count, BLOCK)):
        for name, host in hosts.items() if block % 2 == 0 else reversed(hosts.items()):
            samples[name] += [
                round_trip(host.fd, line, expected) for _ in range(min(BLOCK, count - first))
            ]
    return samples


def run(count: int = 2000, repeats: int = 5, modemu_args: tuple[str, ...] = ()) -> dict[str, Any]:
    p50 = {(w, c): Figure(f"{w} {c} p50", "us") for w in ("c", "modemu") for c in COMMANDS}
    p99 = {(w, c): Figure(f"{w} {c} p99", "us") for w in ("c", "modemu") for c in COMMANDS}
    with workdir() as where, modemu_child(where, modemu_args) as (path, _pid):
        modem = Host(path)
        srv = listener()
        modem.wait_ready()
        modem.command("ATE0")
        modem.command("AT+QIACT=1")
        modem.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{srv.getsockname()[1]},0,0')
        modem.read_until(b"+QIOPEN: 0,0\r\n")
        peer = accept(srv)
        modem.drain()
        modem.write(b"AT+QISTATE\r")
        qistate = modem.read_until(OK)
        with c_responder(qistate) as c_path:
            c_host = Host(c_path)
            hosts = {"c": c_host, "modemu": modem}
            try:
                for _ in range(repeats):
                    for command in COMMANDS:
                        line = command.encode() + b"\r"
                        expected = qistate if command == "AT+QISTATE" else OK
                        for who, samples in interleaved(hosts, line, expected, count).items():
                            p50[who, command].runs.append(percentile(samples, 50))
                            p99[who, command].runs.append(percentile(samples, 99))
                            log(
                                f"  latency {who:6} {command:10} p50 "
                                f"{percentile(samples, 50):6.1f} us p99 "
                                f"{percentile(samples, 99):7.1f} us"
                            )
            finally:
                c_host.close()
                modem.close()
                peer.close()
                srv.close()
    rows = []
    for command in COMMANDS:
        c50, m50 = p50["c", command], p50["modemu", command]
        ratio = paired(m50, c50, higher_is_better=False)
        rows.append(
            {
                "command": command,
                "c_p50": c50.as_dict(),
                "c_p99": p99["c", command].as_dict(),
                "modemu_p50": m50.as_dict(),
                "modemu_p99": p99["modemu", command].as_dict(),
                **ratio,
                "answers_checked": count * repeats,
                "target": "p50 <= 1.3x C responder",
                "met": ratio["ratio_median"] <= 1.3,
            }
        )
    result = {"count": count, "repeats": repeats, "qistate_answer": qistate.decode(), "rows": rows}
    write_results("latency", result)
    return result
