"""``modemu profiles``: list the module variants shipped with modemu.

One line per profile: the name ``--profile`` takes, the model ``ATI`` reports and what sets
it apart. ``--show NAME`` prints one profile's resolved values, to copy into a file that
``extends`` it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `modemu --help` builds the parser only: profiles load when listed
    from modemu.modem.profile import Profile

__all__ = ["add_profiles_command", "run_profiles"]

EPILOG = """\
examples:
  modemu profiles                      the table below, one variant per line
  modemu profiles --show bg96          every value of one profile, resolved
  modemu serve --pty /tmp/modem --profile ec21

A file of your own may start with `extends = "ec200u"` and change only what differs;
docs/variants.md describes every key and where each variant's values come from."""


def add_profiles_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "profiles",
        help="list the shipped module variants (names for --profile)",
        description="List the module variants shipped with modemu.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--show", metavar="NAME|FILE", help="print every field of one profile, resolved"
    )
    parser.set_defaults(func=run_profiles)


def run_profiles(args: argparse.Namespace) -> int:
    from modemu.modem.profile import ProfileError, resolve_profile, shipped_profiles  # noqa: PLC0415

    try:
        if args.show:
            _show(resolve_profile(args.show))
        else:
            _table(shipped_profiles())
    except ProfileError as exc:
        print(f"modemu: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _table(profiles: list[tuple[str, Profile]]) -> None:
    rows = [("NAME", "MODEL", "DESCRIPTION")]
    rows += [(name, profile.model, profile.description) for name, profile in profiles]
    name_width = max(len(row[0]) for row in rows)
    model_width = max(len(row[1]) for row in rows)
    for name, model, description in rows:
        print(f"{name:<{name_width}}  {model:<{model_width}}  {description}")


def _show(profile: Profile) -> None:
    from dataclasses import fields  # noqa: PLC0415

    for item in fields(profile):
        value = getattr(profile, item.name)
        if isinstance(value, tuple):
            value = list(value)
        print(f"{item.name} = {value!r}")
