"""Argument builders shared by the ``modemu`` subcommands (after ``can/cli.py``).

Each ``add_*`` function adds one group of options to a parser; the matching ``*_from_args``
function turns the parsed namespace into the object the server wants. Keeping both halves
together means a new subcommand gets identical spellings and checks for free.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from modemu.modem.choices import SIM_STATES, TIMING_MODES
from modemu.modem.nvstore import FileNvStore, MemoryNvStore, NvStore, default_state_dir
from modemu.net import defaults

if TYPE_CHECKING:  # the tracer pulls in asyncio; `modemu --help` builds no profile either
    from modemu.modem.profile import Profile
    from modemu.net.base import NetConfig
    from modemu.trace import Tracer

__all__ = [
    "MAX_PORT",
    "PROFILE_FLAGS",
    "add_baud_args",
    "add_net_args",
    "add_profile_args",
    "add_state_args",
    "add_trace_args",
    "add_verbosity_args",
    "net_config_from_args",
    "nv_store_from_args",
    "parse_hostport",
    "profile_from_args",
    "setup_logging",
    "tracer_from_args",
]

PROFILE_FLAGS: dict[str, tuple[str, type, str]] = {
    # flag: (profile field, type, help)
    "--manufacturer": ("manufacturer", str, "answer of AT+GMI / first line of ATI"),
    "--model": ("model", str, "answer of AT+GMM / AT+CGMM (e.g. EC200TCN)"),
    "--revision": ("revision", str, "answer of AT+GMR (firmware revision)"),
    "--imei": ("imei", str, "15-digit IMEI (AT+GSN); also names the NV file"),
    "--imsi": ("imsi", str, "IMSI (AT+CIMI), 6-15 digits"),
    "--iccid": ("iccid", str, "SIM ICCID (AT+QCCID), 19-20 digits"),
    "--operator": ("operator", str, "operator name shown by AT+COPS?"),
    "--rssi": ("rssi", int, "AT+CSQ <rssi>: 0-31, or 99 for unknown"),
    "--ber": ("ber", int, "AT+CSQ <ber>: 0-7, or 99 for unknown"),
    "--registration": (
        "registration",
        int,
        "CREG/CGREG/CEREG <stat>: 0 none, 1 home, 2 searching, 3 denied, 5 roaming",
    ),
    "--pdp-address": ("pdp_address", str, "IPv4 shown for an active context (default: host's)"),
    "--timezone": ("timezone_quarters", int, "network time zone in quarter hours (32 = UTC+8)"),
}

_METAVARS = {"timezone_quarters": "QUARTERS", "pdp_address": "IPV4", "manufacturer": "NAME"}


def add_profile_args(parser: argparse.ArgumentParser) -> None:
    """``--profile FILE.toml`` plus one flag per identity/network profile field."""
    group = parser.add_argument_group(
        "module profile",
        "Start from --profile (or the built-in EC200T defaults) and override fields.",
    )
    group.add_argument(
        "--profile",
        metavar="NAME|FILE",
        help="a shipped variant (`modemu profiles` lists them: ec200t, ec200u, ec21, bg96, "
        "...) or a TOML profile file, which may `extends` a shipped one",
    )
    group.add_argument(
        "--timing",
        dest="p_timing",
        choices=TIMING_MODES,
        help="fast (default): answer at once; real: take the profile's [timing] seconds for "
        "QIACT, QIDEACT, QICLOSE, the URCs of QIOPEN/QIDNSGIP/QNTP/QPING and a reboot, "
        "to exercise a driver's timeouts",
    )
    for flag, (dest, kind, text) in PROFILE_FLAGS.items():
        metavar = _METAVARS.get(dest, "N" if kind is int else dest.upper())
        group.add_argument(flag, dest=f"p_{dest}", type=kind, metavar=metavar, help=text)
    group.add_argument(
        "--sim", dest="p_sim", choices=SIM_STATES, help="SIM state reported by AT+CPIN?"
    )
    group.add_argument(
        "--cme-qi-errors",
        dest="p_qi_errors_as_cme",
        action="store_const",
        const=True,
        help="report TCP/IP command failures as '+CME ERROR: <55x>' (per AT+CMEE) instead "
        "of the module's plain ERROR, for hosts written for clones that do this (spec A20)",
    )


def profile_from_args(args: argparse.Namespace) -> Profile:
    """The profile file (if any) with the command-line overrides applied and validated."""
    from modemu.modem.profile import Profile, resolve_profile  # noqa: PLC0415

    base = resolve_profile(args.profile) if args.profile is not None else Profile()
    fields = [dest for dest, _kind, _text in PROFILE_FLAGS.values()]
    fields += ["sim", "qi_errors_as_cme", "timing"]
    overrides = {name: getattr(args, f"p_{name}", None) for name in fields}
    return base.with_overrides(**overrides)


def add_net_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("host network")
    group.add_argument(
        "--listen-host",
        default=defaults.LISTEN_HOST,
        metavar="ADDR",
        help="address TCP LISTENER / UDP SERVICE sockets bind on the host "
        f"(default {defaults.LISTEN_HOST})",
    )
    group.add_argument(
        "--dns-port",
        type=_port,
        default=defaults.DNS_PORT,
        metavar="PORT",
        help=f"port DNS queries are sent to (default {defaults.DNS_PORT})",
    )
    group.add_argument(
        "--dns",
        action="append",
        default=[],
        metavar="SERVER",
        help="DNS server used when AT+QIDNSCFG set none (repeatable; default: resolv.conf)",
    )


def net_config_from_args(args: argparse.Namespace, profile: Profile) -> NetConfig:
    from modemu.net.base import NetConfig  # noqa: PLC0415

    return NetConfig(
        listen_host=args.listen_host,
        dns_port=args.dns_port,
        default_dns=tuple(args.dns),
        pdp_address=profile.pdp_address,
    )


def add_trace_args(parser: argparse.ArgumentParser) -> None:
    """``--trace FILE`` and ``--trace-redact`` (docs/trace-format.md)."""
    parser.add_argument(
        "--trace",
        metavar="FILE",
        help="write every host byte and event to FILE as JSON lines (docs/trace-format.md); "
        "created mode 0600, a symlink at FILE is refused",
    )
    parser.add_argument(
        "--trace-redact",
        action="store_true",
        help="mask credentials in the trace (AT+QICSGP user/password, PINs, ...) as ***",
    )


def tracer_from_args(
    args: argparse.Namespace, meta: dict[str, object] | None = None
) -> Tracer | None:
    """The tracer ``--trace`` asks for (None without it); ``meta`` goes in the header."""
    if not args.trace:
        return None
    from modemu.trace import Tracer  # noqa: PLC0415

    return Tracer.open(args.trace, source="serve", redact=args.trace_redact, meta=meta)


def add_state_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where NV memory (AT+QICSGP) persists as <DIR>/<imei>.json; 'none' keeps it in "
        f"memory only (default {default_state_dir()})",
    )


def nv_store_from_args(args: argparse.Namespace, profile: Profile) -> NvStore:
    if args.state_dir == "none":
        return MemoryNvStore()
    directory = Path(args.state_dir) if args.state_dir else default_state_dir()
    if directory.exists() and not directory.is_dir():
        # caught now rather than at the first AT+QICSGP, when the engine saves NV
        raise NotADirectoryError(errno.ENOTDIR, "state dir is not a directory", str(directory))
    return FileNvStore(directory / f"{profile.imei}.json")


def add_verbosity_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log to stderr: -v for info, -vv for debug",
    )


def setup_logging(verbosity: int) -> None:
    import logging  # noqa: PLC0415 - not needed to parse arguments or print --help

    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def add_baud_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baud",
        type=_baud,
        default=None,
        metavar="RATE",
        help="pace the link like a UART at RATE baud, 8N1 (10 bits a byte), both ways; "
        "AT+IPR=<rate> then switches it after its OK (default: unpaced, AT+IPR only stored)",
    )


BAUD_RANGE = (50, 4_000_000)


def _baud(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a baud rate: {text!r}") from None
    if not BAUD_RANGE[0] <= value <= BAUD_RANGE[1]:
        raise argparse.ArgumentTypeError(f"baud rate out of range (50-4000000): {value}")
    return value


def parse_hostport(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT``, ``[v6]:PORT``, ``:PORT`` or ``PORT``; port 0 means "pick one".

    Usable as an argparse ``type=``: a bad port raises ``ArgumentTypeError``.
    """
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or default_host
    return host, _port(port)


MAX_PORT = 65535


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value
