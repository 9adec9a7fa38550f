"""Pieces every long-running subcommand (serve, record) shares: the host link, its one
stdout line, signal handling and the one-line error report.

Transports and asyncio are imported when a command runs, not with the parser, so
``modemu --help`` stays quick and loads no event loop.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from modemu.cli.args import parse_hostport

if TYPE_CHECKING:
    from modemu.transport.base import Transport

__all__ = [
    "EXIT_OK",
    "EXIT_USAGE",
    "add_link_args",
    "announcement",
    "fail",
    "install_signal_handlers",
    "transport_from_args",
]

EXIT_OK = 0
EXIT_USAGE = 2


def add_link_args(parser: argparse.ArgumentParser, title: str) -> None:
    """``--pty [PATH]`` | ``--tcp HOST:PORT`` | ``--rfc2217 HOST:PORT``, exactly one."""
    where = parser.add_argument_group(title)
    link = where.add_mutually_exclusive_group(required=True)
    link.add_argument(
        "--pty",
        nargs="?",
        const="",
        metavar="PATH",
        help="create a pty; with PATH, also a symlink PATH -> /dev/pts/N (a stale symlink "
        "is replaced, a regular file or directory is refused)",
    )
    link.add_argument(
        "--tcp",
        type=parse_hostport,
        metavar="HOST:PORT",
        help="listen on a raw TCP port (HOST defaults to 127.0.0.1; port 0 picks a free one)",
    )
    link.add_argument(
        "--rfc2217",
        type=parse_hostport,
        metavar="HOST:PORT",
        help="serve an RFC 2217 serial port with modem control lines, for "
        "rfc2217://HOST:PORT (HOST defaults to 127.0.0.1; see docs/hardware-lines.md)",
    )


def transport_from_args(args: argparse.Namespace) -> Transport:
    # each transport loads only when chosen (a `serve` start-up pays for its own)
    if args.tcp is not None:
        from modemu.transport.tcp import TcpTransport  # noqa: PLC0415 - see module docstring

        host, port = args.tcp
        return TcpTransport(host, port)
    if getattr(args, "rfc2217", None) is not None:
        from modemu.transport.rfc2217 import Rfc2217Transport  # noqa: PLC0415

        host, port = args.rfc2217
        return Rfc2217Transport(host, port)
    from modemu.transport.pty import PtyTransport  # noqa: PLC0415

    wait = getattr(args, "power_on", "start") == "attach"  # see modemu.cli.power
    return PtyTransport(args.pty or None, wait_for_host=wait)


def announcement(transport: Transport) -> str:
    """The one stdout line: what to open first, then (for a link) where it points."""
    from modemu.transport.pty import PtyTransport  # noqa: PLC0415

    if isinstance(transport, PtyTransport) and transport.link is not None:
        return f"{transport.link} -> {transport.slave_path}"
    return transport.url


def install_signal_handlers(stop: Callable[[], None]) -> None:
    """SIGINT and SIGTERM call ``stop`` on the running loop."""
    import asyncio  # noqa: PLC0415
    import signal  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)


def fail(exc: BaseException, status: int = EXIT_USAGE) -> int:
    """Print ``modemu: error: <one line>`` on stderr and return ``status``."""
    message = str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        message = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    message = " ".join(message.split())  # one line, whatever the exception said
    print(f"modemu: error: {message}", file=sys.stderr, flush=True)
    return status
