"""``modemu fleet``: N virtual modules in one process, with a JSON manifest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modemu.cli.args import (
    MAX_PORT,
    add_baud_args,
    add_net_args,
    add_profile_args,
    add_verbosity_args,
    net_config_from_args,
    profile_from_args,
    setup_logging,
)
from modemu.cli.common import EXIT_OK, fail, install_signal_handlers

if TYPE_CHECKING:
    from modemu.fleet import Fleet, FleetLayout
    from modemu.server import VirtualModem

__all__ = ["add_fleet_command"]

DESCRIPTION = """\
Serve N virtual modules from this one process until SIGINT or SIGTERM. Each is a whole
module: its own pty or TCP port, IMEI (the --imei/profile IMEI counting up, Luhn digit
recomputed), NV file, control socket and trace. Once all are up, the JSON manifest (id, url,
pty or tcp, imei, control, nv, trace of every module; docs/fleet.md) is written and its path
is the one line printed on stdout."""

EPILOG = """\
examples:
  modemu fleet --count 100 --pty-dir /tmp/fleet
      /tmp/fleet/modem-0000 ... modem-0099, control sockets beside them, manifest
      /tmp/fleet/manifest.json
  modemu fleet --count 2000 --tcp-base 20000 --tcp-host 0.0.0.0 --state-dir /data/nv \\
      --control-dir /run/modemu --trace-dir /data/traces --manifest /run/modemu/fleet.json
      what the container image runs (docs/fleet.md: 100,000 modules with Kubernetes)

limits: ptys are capped by the kernel (/proc/sys/kernel/pty/max, 4096 by default) for the
whole machine; each module needs about 3 file descriptors (the soft limit is raised to the
hard one as needed)."""


def add_fleet_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "fleet",
        help="serve N modules in one process (pty or TCP), with a JSON manifest",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--count", type=_count, required=True, metavar="N", help="how many modules")
    where = parser.add_argument_group("where hosts connect (exactly one)")
    link = where.add_mutually_exclusive_group(required=True)
    link.add_argument(
        "--pty-dir",
        type=Path,
        metavar="DIR",
        help="one pty per module, linked as DIR/modem-0000, DIR/modem-0001, ...",
    )
    link.add_argument(
        "--tcp-base",
        type=_port,
        metavar="PORT",
        help="module i listens on PORT+i (0: each picks a free port; the manifest says which)",
    )
    where.add_argument(
        "--tcp-host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address the TCP ports bind (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    files = parser.add_argument_group("per-module files")
    files.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="where the manifest goes (default DIR/manifest.json with --pty-dir, else "
        "./fleet-manifest.json)",
    )
    files.add_argument(
        "--state-dir",
        metavar="DIR",
        default="none",
        help="NV files <DIR>/<imei>.json (default none: NV in memory)",
    )
    files.add_argument(
        "--control-dir",
        type=Path,
        metavar="DIR",
        help="control sockets DIR/modem-NNNN.ctl for 'modemu fault'/'modemu status' "
        "(default: the --pty-dir; none with --tcp-base unless given)",
    )
    files.add_argument("--no-control", action="store_true", help="no control sockets")
    files.add_argument(
        "--trace-dir", type=Path, metavar="DIR", help="a trace per module, DIR/modem-NNNN.jsonl"
    )
    files.add_argument("--trace-redact", action="store_true", help="mask credentials in the traces")
    parser.add_argument(
        "--no-uvloop", action="store_true", help="use the standard asyncio loop, not uvloop"
    )
    add_baud_args(parser)
    add_verbosity_args(parser)
    add_profile_args(parser)
    add_net_args(parser)
    parser.set_defaults(func=run_fleet)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a count: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--count must be at least 1")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port: {text!r}") from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def layout_from_args(args: argparse.Namespace) -> FleetLayout:
    from modemu.fleet import FleetLayout  # noqa: PLC0415

    control = None if args.no_control else (args.control_dir or args.pty_dir)
    return FleetLayout(
        count=args.count,
        pty_dir=args.pty_dir,
        tcp_host=args.tcp_host,
        tcp_base=args.tcp_base,
        state_dir=None if args.state_dir == "none" else Path(args.state_dir),
        control_dir=control,
        trace_dir=args.trace_dir,
    )


def manifest_path(args: argparse.Namespace) -> Path:
    if args.manifest is not None:
        return Path(args.manifest)
    if args.pty_dir is not None:
        return Path(args.pty_dir) / "manifest.json"
    return Path("fleet-manifest.json")


def run_fleet(args: argparse.Namespace) -> int:
    from modemu.errors import ModemuError  # noqa: PLC0415
    from modemu.fleet import raise_fd_limit  # noqa: PLC0415
    from modemu.modem.profile import ProfileError  # noqa: PLC0415
    from modemu.server import run  # noqa: PLC0415
    from modemu.transport.base import TransportError  # noqa: PLC0415

    setup_logging(args.verbose)
    try:
        layout = layout_from_args(args)
        raise_fd_limit(args.count * 4 + 64)
        return run(_serve(args, layout), use_uvloop=not args.no_uvloop)
    except (ValueError, ProfileError, TransportError, ModemuError, OSError) as exc:
        return fail(exc)
    except KeyboardInterrupt:
        return EXIT_OK


async def _serve(args: argparse.Namespace, layout: FleetLayout) -> int:
    import asyncio  # noqa: PLC0415

    from modemu.fleet import Fleet  # noqa: PLC0415

    profile = profile_from_args(args)
    net_config = net_config_from_args(args, profile)

    def build(**parts: Any) -> VirtualModem:
        from modemu.server import VirtualModem  # noqa: PLC0415

        parts.pop("index")
        return VirtualModem(net_config=net_config, baud=args.baud, **parts)

    stop = asyncio.Event()
    install_signal_handlers(stop.set)
    fleet: Fleet = Fleet(layout, profile, build=build, redact_traces=args.trace_redact)
    await fleet.start()
    try:
        path = manifest_path(args)
        fleet.write_manifest(path)
        print(path, flush=True)
        await stop.wait()
    finally:
        await fleet.aclose()
    return EXIT_OK
