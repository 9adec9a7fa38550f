"""Output shared by ``replay`` and ``diff``: options, per-exchange diffs, the summary."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the verdict renderer loads when a report is printed
    from modemu.tools.replay import Summary
    from modemu.tools.verdict import Outcome, Palette

__all__ = ["EXIT_DIFFER", "Reporter", "add_report_args"]

EXIT_DIFFER = 1


def add_report_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the diffs: auto (default) when stdout is a terminal and NO_COLOR is unset",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary line")
    parser.add_argument(
        "--allow-truncated",
        action="store_true",
        help="accept a transcript without its end record (writer killed) and use what is there",
    )


def _palette(choice: str, stream: TextIO) -> Palette:
    from modemu.tools.verdict import Palette  # noqa: PLC0415

    if choice == "auto":
        return Palette(stream.isatty() and "NO_COLOR" not in os.environ)
    return Palette(choice == "always")


class Reporter:
    """Prints each differing exchange as a diff (unless quiet), then the summary."""

    def __init__(
        self,
        args: argparse.Namespace,
        labels: tuple[str, str],
        timeout: float = 0.0,
        stream: TextIO = sys.stdout,
    ) -> None:
        self.stream = stream
        self.quiet = bool(args.quiet)
        self.labels = labels
        self.timeout = timeout
        self.palette = _palette(args.color, stream)

    def report(self, outcome: Outcome) -> None:
        if outcome.differs and not self.quiet:
            from modemu.tools.verdict import render  # noqa: PLC0415

            print(render(outcome, self.palette, self.labels, self.timeout), file=self.stream)
            print(file=self.stream)

    def summary(self, summary: Summary) -> int:
        """Print the summary line; the exit status: 0 only when nothing differs."""
        failed = summary.failed
        print(self.palette.paint("31" if failed else "32", summary.line()), file=self.stream)
        self.stream.flush()
        return EXIT_DIFFER if failed else 0
