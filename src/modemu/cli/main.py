"""``modemu``: the command line. ``main(argv)`` returns the exit status (after aiosmtpd).

Exit status: 0 after a clean stop (SIGINT/SIGTERM), 2 for a usage or setup error (bad
profile, link path taken, port in use), reported as one line on stderr without traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from modemu import __version__
from modemu.cli import control as control_cli
from modemu.cli.args import (
    add_baud_args,
    add_net_args,
    add_profile_args,
    add_state_args,
    add_trace_args,
    add_verbosity_args,
    net_config_from_args,
    nv_store_from_args,
    profile_from_args,
    setup_logging,
    tracer_from_args,
)
from modemu.cli.capture import open_capture
from modemu.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_link_args,
    announcement,
    fail,
    install_signal_handlers,
    transport_from_args,
)
from modemu.cli.power import add_power_args, install_reboot_signal, power_options_from_args
from modemu.errors import ModemuError
from modemu.warmup import WARM_DELAY, start_warmup

if TYPE_CHECKING:  # the server, asyncio and the transports load when a command runs
    from modemu.server import VirtualModem

__all__ = ["announcement", "build_parser", "main", "serving_module"]

DESCRIPTION = """\
modemu is a virtual Quectel EC200-series LTE module. A host program talks AT commands to it
over a pseudo-terminal or a TCP port and gets byte-exact answers, while the module's
sockets (AT+QIOPEN, AT+QISEND, ...) carry real TCP/UDP traffic on this machine."""

SERVE_DESCRIPTION = """\
Run one virtual module until SIGINT or SIGTERM.

Once listening, exactly one line goes to stdout; its first word is what to open:
  /dev/pts/7                   --pty without PATH
  /tmp/modem -> /dev/pts/7     --pty PATH (a symlink to the pty, removed on exit)
  socket://127.0.0.1:5000      --tcp (pyserial's URL for a raw TCP port)
  rfc2217://127.0.0.1:5000     --rfc2217 (a serial port with DTR/RTS/CTS/RI/DCD)
Everything else (-v logs, errors) goes to stderr."""

SERVE_EPILOG = """\
examples:
  modemu serve --pty /tmp/modem
      then e.g. `python -m serial.tools.miniterm /tmp/modem` and type AT<Enter>
  modemu serve --pty
      print the /dev/pts path only (no symlink)
  modemu serve --tcp 127.0.0.1:0 --trace /tmp/modem.jsonl -v
      pick a free port; log every byte as JSON lines
  modemu serve --pty /tmp/modem --profile bg96 --timing real
      a BG96 (APP RDY at boot, 16 contexts) that takes as long as a real one
  modemu serve --pty /tmp/modem --profile my.toml --imei 869951040000016 --rssi 12
      a second module with its own identity and NV file
  modemu serve --tcp :5000 --state-dir none --dns 127.0.0.1 --dns-port 5353
      no NV on disk; resolve names with a local DNS server
  modemu serve --rfc2217 127.0.0.1:0 --power-on attach
      a serial port with DTR/RTS/CTS/RI/DCD (rfc2217://...); RDY once the host opens it

Only one host at a time: on --tcp/--rfc2217 a second client is disconnected at once; a pty
may be closed and reopened freely. The module keeps its state across host reconnects, and
what it says while no host is connected waits for the next one (docs/power-on.md).
SIGHUP reboots the module."""

MAIN_EPILOG = """\
examples:
  modemu serve --pty /tmp/modem          serve a module on a pty, link at /tmp/modem
  modemu serve --tcp 127.0.0.1:5000      serve it on a TCP port (socket://127.0.0.1:5000)
  modemu serve --help                    all options of serve
  modemu profiles                        the shipped module variants (--profile NAME)
  modemu record --module /dev/ttyUSB2 --pty /tmp/modem -o s.jsonl
                                         record a real module through a pty
  modemu replay s.jsonl                  does modemu answer what it answered?

exit status: 0 on a clean stop, 2 on a usage or setup error."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``modemu`` command line. ``command="serve"`` builds only what ``modemu serve``
    parses (same usage, help and errors): a starting module then neither imports the other
    subcommands' modules nor builds their parsers (~5 ms, twice that with no bytecode)."""
    parser = argparse.ArgumentParser(
        prog="modemu",
        description=DESCRIPTION,
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"modemu {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_serve(commands)
    if command != "serve":
        _add_others(commands)
    return parser


def _add_others(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from modemu.cli import coverage, diff, record, replay  # noqa: PLC0415 - see build_parser
    from modemu.cli import peer as peer_cli  # noqa: PLC0415
    from modemu.cli import view as view_cli  # noqa: PLC0415
    from modemu.cli.fleet import add_fleet_command  # noqa: PLC0415
    from modemu.cli.profiles import add_profiles_command  # noqa: PLC0415

    add_profiles_command(commands)
    add_fleet_command(commands)
    view_cli.add_parser(commands)
    control_cli.add_commands(commands)
    peer_cli.add_parser(commands)
    record.add_parser(commands)
    replay.add_parser(commands)
    diff.add_parser(commands)
    coverage.add_parser(commands)


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run a virtual module on a pty or TCP port",
        description=SERVE_DESCRIPTION,
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_link_args(serve, "where the host connects (exactly one)")
    add_trace_args(serve)
    serve.add_argument(
        "--pcap",
        metavar="FILE",
        help="write the module's TCP/UDP traffic to FILE as a pcap capture (Wireshark, "
        "tshark); created 0600; needs the 'pcap' extra (dpkt)",
    )
    serve.add_argument(
        "--no-uvloop", action="store_true", help="use the standard asyncio loop, not uvloop"
    )
    add_baud_args(serve)
    add_state_args(serve)
    add_verbosity_args(serve)
    add_profile_args(serve)
    add_net_args(serve)
    control_cli.add_serve_args(serve)
    add_power_args(serve)
    serve.set_defaults(func=_serve)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words else None)
    args = parser.parse_args(words)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return func(args)


# -- serve ----------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from modemu.modem.profile import ProfileError  # noqa: PLC0415 - nor build profiles
    from modemu.server import run  # noqa: PLC0415 - `modemu --help` must not load asyncio
    from modemu.transport.base import TransportError  # noqa: PLC0415

    setup_logging(args.verbose)
    try:
        return run(_serve_async(args), use_uvloop=not args.no_uvloop)
    except (ProfileError, TransportError, ModemuError, OSError) as exc:
        return fail(exc)
    except KeyboardInterrupt:  # before the signal handlers were installed
        return EXIT_OK


async def _serve_async(args: argparse.Namespace) -> int:
    async with serving_module(args) as modem:
        install_signal_handlers(modem.stop)
        install_reboot_signal(modem)
        print(announcement(modem.transport), flush=True)
        # dnspython & co. load in the background soon, not in the first QIOPEN/QPING/QNTP
        modem.loop.call_later(WARM_DELAY, start_warmup)
        await modem.serve_forever()
    return EXIT_OK


@contextlib.asynccontextmanager
async def serving_module(args: argparse.Namespace) -> AsyncIterator[VirtualModem]:
    """The module ``modemu serve`` runs for ``args`` (parsed by :func:`build_parser`),
    started, with its capture file if any; also how the pytest plugin runs a module inside
    the test process."""
    from modemu.server import VirtualModem  # noqa: PLC0415

    profile = profile_from_args(args)
    if args.boot_delay is not None:
        profile = profile.with_overrides(boot_delay=args.boot_delay)
    net_config = net_config_from_args(args, profile)
    nv = nv_store_from_args(args, profile)
    transport = transport_from_args(args)
    scenario = control_cli.scenario_from_args(args)
    capture = open_capture(args.pcap) if args.pcap else None
    try:
        modem = VirtualModem(
            transport=transport,
            profile=profile,
            net_config=net_config,
            nv=nv,
            policy=control_cli.policy_from_args(args),
            control_path=control_cli.control_path_from_args(args),
            control_optional=control_cli.control_is_default(args),
            tracer=tracer_from_args(args, {"model": profile.model}),  # last: it holds a file
            net_observers=[capture] if capture is not None else [],
            baud=args.baud,
            **power_options_from_args(args),
        )
        async with modem:
            if scenario is not None:
                modem.scenario(scenario)
            yield modem
    finally:
        if capture is not None:
            capture.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
