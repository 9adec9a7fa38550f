"""``modemu diff``: compare the module sides of two transcripts of the same session."""

from __future__ import annotations

import argparse
import math

from modemu.cli.common import fail
from modemu.cli.reporting import Reporter, add_report_args
from modemu.errors import ModemuError

__all__ = ["add_parser"]

DESCRIPTION = """\
Compare what the module answered in two transcripts of the same host session: a real
module against modemu, two firmware versions, yesterday's run against today's.

The first transcript's host side drives the comparison: its exchanges are cut out of the
second transcript's module bytes exactly as `modemu replay` cuts a live module's answers,
with the same masks (docs/replay.md), diffs and summary line."""

EPILOG = """\
examples:
  modemu diff real-ec200.jsonl modemu.jsonl
  modemu diff --color never fw-a.jsonl fw-b.jsonl > changes.txt

exit status: 0 when no exchange differs, 1 when some do (or the second transcript ends
early), 2 on a usage error or a broken transcript (reported as FILE:LINE: reason)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "diff",
        help="compare the module's answers in two transcripts",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("first", metavar="A.jsonl", help="transcript whose host side drives")
    parser.add_argument("second", metavar="B.jsonl", help="transcript compared with it")
    add_report_args(parser)
    parser.set_defaults(func=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from modemu.tools.exchanges import iter_exchanges, open_transcript  # noqa: PLC0415
    from modemu.tools.replay import RecordedTarget, play  # noqa: PLC0415

    reporter = Reporter(args, (args.first, args.second))
    try:
        _header_a, records_a = open_transcript(args.first, allow_truncated=args.allow_truncated)
        _header_b, records_b = open_transcript(args.second, allow_truncated=args.allow_truncated)
        target = RecordedTarget(records_b)
        summary = play(
            iter_exchanges(records_a),
            target,
            timeout=math.inf,  # a recorded module never keeps us waiting
            report=reporter.report,
            compare_preamble=True,
            sleep=lambda _seconds: None,  # a recorded module has no guard time to wait out
        )
        summary.trailing = summary.unconsumed + target.drain()
    except (ModemuError, OSError) as exc:
        return fail(exc)
    return reporter.summary(summary)
