"""``modemu peer KIND``: run one loopback peer until Ctrl-C (see :mod:`modemu.testing.peers`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from typing import Any

__all__ = ["add_parser"]

EPILOG = """\
kinds:
  echo        TCP, sends back what arrives
  udp-echo    UDP, sends every datagram back
  sink        TCP, keeps what arrives (its size is printed on exit)
  http        HTTP/1.1, every request gets --status and --body
  dns         UDP DNS, --record NAME=IPV4 (repeatable), NXDOMAIN for the rest
  ntp         SNTP, the clock reads --time (ISO 8601 or Unix seconds; default: now)
  script      TCP, each connection follows --step (send:TEXT, expect:N, wait:S, hold, close, reset)

examples:
  modemu peer echo --port 8009
  modemu peer dns --record api.example.com=127.0.0.1 --port 5353
      then: modemu serve --pty /tmp/modem --dns 127.0.0.1 --dns-port 5353
  modemu peer script --step 'send:HELLO\\r\\n' --step expect:4 --step reset

One line goes to stdout once listening: tcp://127.0.0.1:PORT (or udp://...). Peers bind
127.0.0.1 only."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "peer",
        help="run a loopback test peer (echo, sink, http, dns, ntp, script)",
        description="Run one test peer on 127.0.0.1 until Ctrl-C.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "kind", choices=("echo", "udp-echo", "sink", "http", "dns", "ntp", "script")
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--status", type=int, default=200, help="http: status code")
    parser.add_argument("--body", default="OK", help="http: response body")
    parser.add_argument(
        "--record", action="append", default=[], metavar="NAME=IPV4", help="dns: an A record"
    )
    parser.add_argument("--time", help="ntp: the time to serve (ISO 8601 or Unix seconds)")
    parser.add_argument(
        "--step", action="append", default=[], metavar="STEP", help="script: one step"
    )
    parser.set_defaults(func=run)


def build(args: argparse.Namespace) -> Any:
    from modemu.testing import peers  # noqa: PLC0415

    if args.kind == "http":
        return peers.HttpServer(args.port, args.status, args.body.encode())
    if args.kind == "dns":
        records = dict(_record(item) for item in args.record)
        return peers.DnsServer(records, args.port)
    if args.kind == "ntp":
        return peers.NtpServer(_when(args.time), args.port)
    if args.kind == "script":
        if not args.step:
            raise ValueError("script: give at least one --step")
        return peers.ScriptedPeer([peers.parse_step(step) for step in args.step], args.port)
    return peers.KINDS[args.kind](args.port)


def _record(item: str) -> tuple[str, str]:
    name, sep, address = item.partition("=")
    if not sep or not name or not address:
        raise ValueError(f"--record {item!r}: use NAME=IPV4")
    return name, address


def _when(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise ValueError(f"--time {text!r}: ISO 8601 or Unix seconds") from None


def run(args: argparse.Namespace) -> int:
    try:
        peer = build(args)
    except (ValueError, OSError) as exc:
        print(f"modemu: error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(peer.url, flush=True)
    try:
        stop.wait()
    finally:
        peer.close()
    if args.kind == "sink":
        print(f"received {len(peer.received)} bytes", file=sys.stderr)
    return 0
