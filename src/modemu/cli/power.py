"""``modemu serve`` options for power-on and host attach (docs/power-on.md).

When a module's boot URCs reach a host depends on when the host opens the port, and
drivers differ in what they wait for; these options let the user match the driver.
"""

from __future__ import annotations

import argparse
import signal
from typing import TYPE_CHECKING, Any

from modemu.modem.lines import ATTACH_BOOT_DELAY

if TYPE_CHECKING:  # the server and asyncio load when a command runs
    from modemu.server import VirtualModem

__all__ = ["add_power_args", "install_reboot_signal", "power_options_from_args"]


def add_power_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "power-on and host attach",
        "When the module boots and what a host finds when it (re)connects. A host that "
        "opens the port after the boot URCs were sent never sees RDY (pyserial empties "
        "input on open); `--power-on attach` boots when the host opens the port instead.",
    )
    group.add_argument(
        "--power-on",
        choices=("start", "attach"),
        default="start",
        help="start: boot as soon as modemu starts (drivers that send AT until OK); "
        "attach: boot when the first host opens the port, after --boot-delay (drivers "
        "that wait for RDY) (default start)",
    )
    group.add_argument(
        "--boot-delay",
        type=_seconds,
        metavar="SECONDS",
        help="seconds from power-on (or host attach) to RDY; overrides the profile's "
        f"boot_delay (default: the profile's, and {ATTACH_BOOT_DELAY} s after a host "
        "attaches when that is 0)",
    )
    group.add_argument(
        "--on-attach",
        choices=("keep", "reboot"),
        default="keep",
        help="--tcp/--rfc2217: keep: a reconnecting host finds the module as it was, "
        "output produced meanwhile delivered first; reboot: every host that connects "
        "gets a freshly booted module (default keep)",
    )


def power_options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :class:`VirtualModem`."""
    return {"power_on": args.power_on, "on_attach": args.on_attach}


def install_reboot_signal(modem: VirtualModem) -> None:
    """SIGHUP power-cycles the module, as pulling RESET would."""
    import asyncio  # noqa: PLC0415

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, modem.reboot)


MAX_BOOT_DELAY = 3600


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= MAX_BOOT_DELAY:
        raise argparse.ArgumentTypeError(f"boot delay out of range 0-3600: {value}")
    return value
