"""``modemu fault`` and ``modemu status``, and the ``serve`` options that go with them
(``--control``, ``--allow``, ``--deny``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from modemu.errors import ControlError

if TYPE_CHECKING:  # loaded when used: `modemu --help` stays quick
    from modemu.control.scenario import Scenario
    from modemu.net.policy import Policy

__all__ = [
    "add_commands",
    "add_serve_args",
    "control_is_default",
    "control_path_from_args",
    "policy_from_args",
    "scenario_from_args",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2

FAULT_EPILOG = """\
examples:
  modemu fault --control /tmp/modem.ctl pdp-deact cid=1
  modemu fault --control /tmp/modem.ctl refuse host='*.example.com' port=443 count=2
  modemu fault --control /tmp/modem.ctl reboot
  modemu fault --list                       every fault and its parameters

The reply is printed as JSON. Exit status: 0 applied, 1 refused by the module (unknown
fault, bad argument, not possible now: nothing was changed), 2 usage error or no module."""

STATUS_EPILOG = """\
Prints mode, contexts, sockets with their byte counters, queued URCs and the faults in
force as one JSON object (--pretty: indented)."""


def add_serve_args(serve: argparse.ArgumentParser) -> None:
    group = serve.add_argument_group("control and destination policy")
    group.add_argument(
        "--control",
        nargs="?",
        const="",
        metavar="PATH",
        help="open the control socket at PATH (default with --pty PATH: PATH.ctl; "
        "without --pty PATH a PATH must be given); used by 'modemu fault' and 'modemu status'",
    )
    group.add_argument(
        "--no-control", action="store_true", help="no control socket, even next to a pty link"
    )
    group.add_argument(
        "--scenario",
        metavar="FILE.toml",
        help="run this scenario of faults from the start (see docs/faults.md; "
        "examples/scenarios/ has a dozen)",
    )
    group.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="RULE",
        help="destinations the module may reach: CIDR, address or host pattern, optional "
        ":PORT or :LOW-HIGH (repeatable; with any --allow, everything else is refused)",
    )
    group.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="RULE",
        help="destinations refused as the network refuses them (+QIOPEN: <id>,566); "
        "e.g. --allow 127.0.0.0/8 keeps a CI run on loopback",
    )


def control_path_from_args(args: argparse.Namespace) -> str | None:
    """The control socket path ``serve`` should open, or None."""
    if args.no_control:
        return None
    link = getattr(args, "pty", None) or None
    if args.control:
        return str(args.control)
    if args.control == "" or link is not None:
        if link is None:
            raise ControlError("--control needs a PATH unless --pty has one")
        return f"{link}.ctl"
    return None


def scenario_from_args(args: argparse.Namespace) -> Scenario | None:
    """The ``--scenario`` file, loaded and checked before the module starts."""
    path = getattr(args, "scenario", None)
    if not path:
        return None  # the operation tables load with the first control request instead
    from modemu.control.ops import OPERATIONS  # noqa: PLC0415 - keeps `modemu --help` light
    from modemu.control.scenario import load_scenario  # noqa: PLC0415

    return load_scenario(path, OPERATIONS)


def control_is_default(args: argparse.Namespace) -> bool:
    """True when the control socket was not asked for (only implied by ``--pty PATH``)."""
    return args.control is None


def policy_from_args(args: argparse.Namespace) -> Policy:
    try:
        from modemu.net.policy import Policy  # noqa: PLC0415

        return Policy.from_rules(args.allow, args.deny)
    except ValueError as exc:
        raise ControlError(f"--allow/--deny: {exc}") from None


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fault = commands.add_parser(
        "fault",
        help="apply a fault to a running module",
        description="Apply one fault to a module started with 'modemu serve --control'.",
        epilog=FAULT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fault.add_argument("--control", metavar="PATH", help="the module's control socket")
    fault.add_argument("--list", action="store_true", help="list every fault and exit")
    fault.add_argument("name", nargs="?", metavar="NAME", help="the fault (see --list)")
    fault.add_argument("values", nargs="*", metavar="KEY=VALUE", help="the fault's arguments")
    fault.set_defaults(func=run_fault)
    status = commands.add_parser(
        "status",
        help="show a running module's state as JSON",
        description="Query a module started with 'modemu serve --control'.",
        epilog=STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("--control", metavar="PATH", required=True, help="control socket")
    status.add_argument("--pretty", action="store_true", help="indent the JSON")
    status.set_defaults(func=run_status)


def fault_list() -> str:
    from modemu.control.ops import OPERATIONS  # noqa: PLC0415

    return "\n".join(op.usage() for op in OPERATIONS.faults())


def run_fault(args: argparse.Namespace) -> int:
    if args.list:
        print(fault_list())
        return EXIT_OK
    if not args.name or not args.control:
        print(
            "modemu fault: error: give --control PATH and a fault NAME "
            "(modemu fault --list shows them)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    values: dict[str, Any] = {}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            print(f"modemu fault: error: {item!r} is not KEY=VALUE", file=sys.stderr)
            return EXIT_USAGE
        values[key] = value
    return _request(args.control, args.name, values, pretty=False)


def run_status(args: argparse.Namespace) -> int:
    return _request(args.control, "status", {}, pretty=args.pretty)


def _request(path: str, op: str, values: dict[str, Any], pretty: bool) -> int:
    from modemu.control.client import ControlClient  # noqa: PLC0415

    try:
        client = ControlClient(path)
    except ControlError as exc:
        print(f"modemu: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with client:
            result = client.request(op, **values)
    except ControlError as exc:
        print(f"modemu: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps(result, indent=2 if pretty else None))
    return EXIT_OK
