"""``modemu replay``: play a transcript's host side to a module and compare its answers."""

from __future__ import annotations

import argparse
import shlex
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from modemu.cli.common import fail
from modemu.cli.reporting import Reporter, add_report_args
from modemu.errors import ModemuError

if TYPE_CHECKING:
    from modemu.tools.verdict import Outcome

__all__ = ["DEFAULT_TIMEOUT", "add_parser"]

DEFAULT_TIMEOUT = 5.0

DESCRIPTION = """\
Play the host side of a transcript (from `modemu record` or `serve --trace`) to a module,
exchange by exchange, waiting for each answer as the host did, and compare what comes
back with what the transcript says the module answered.

By default the module is a fresh modemu (`modemu serve --tcp 127.0.0.1:0 --state-dir
none` plus --serve-args); --module plays to any pyserial URL instead. Fields that vary
between runs (addresses, local ports, times, IMEI/ICCID, timing-dependent counters) are
masked on both sides by the rules listed in docs/replay.md. Output before the host's
first byte (boot URCs) is not compared: it depends on when the host attached.

Each differing exchange is printed as a unified diff (bytes shown with \\r \\n \\xNN),
then one summary line: `N exchanges, M differ`."""

EPILOG = """\
examples:
  modemu replay session.jsonl
      does modemu answer what the real module answered?
  modemu replay session.jsonl --serve-args "--profile bg96.toml"
      ... with another variant profile
  modemu replay session.jsonl --module /dev/ttyUSB2
      does this (real) module still answer the same?
  modemu replay golden.jsonl --update
      accept the current answers: rewrite the module side of golden.jsonl

exit status: 0 when no exchange differs (or after --update wrote the file), 1 when some
differ or the module stopped answering, 2 on a usage error or a broken transcript
(reported as FILE:LINE: reason)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay",
        help="replay a transcript against a module and diff the answers",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("transcript", metavar="FILE", help="transcript (JSON lines)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--module",
        metavar="URL",
        help="play to this module (pyserial URL) instead of a fresh modemu",
    )
    target.add_argument(
        "--serve-args",
        default="",
        metavar="ARGS",
        help='options for the fresh modemu, one shell-quoted string: "--profile x.toml"',
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for each answer (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite the transcript's module side with the answers received (golden files)",
    )
    add_report_args(parser)
    parser.set_defaults(func=run_replay)


@contextmanager
def _module_url(args: argparse.Namespace) -> Iterator[str]:
    if args.module:
        yield args.module
        return
    from modemu.testing.controller import ModemuProcess  # noqa: PLC0415 - lazy, see main

    with tempfile.TemporaryDirectory(prefix="modemu-replay-") as workdir:
        process = ModemuProcess(Path(workdir), tcp=True, args=shlex.split(args.serve_args))
        with process as instance:
            yield instance.url


def run_replay(args: argparse.Namespace) -> int:
    import serial  # noqa: PLC0415 - `modemu --help` loads no serial

    from modemu.tools.exchanges import iter_exchanges, open_transcript  # noqa: PLC0415
    from modemu.tools.golden import GoldenUpdate  # noqa: PLC0415
    from modemu.tools.replay import SerialTarget, play  # noqa: PLC0415

    try:
        header, records = open_transcript(args.transcript, allow_truncated=args.allow_truncated)
    except (ModemuError, OSError) as exc:
        return fail(exc)
    reporter = Reporter(args, ("recorded", "replayed"), args.timeout)
    update = GoldenUpdate(args.transcript, header) if args.update else None

    def report(outcome: Outcome) -> None:
        reporter.report(outcome)
        if update is not None:
            update.add(outcome)

    try:
        with ExitStack() as stack:
            url = stack.enter_context(_module_url(args))
            target = SerialTarget(url)
            stack.callback(target.close)
            summary = play(iter_exchanges(records), target, timeout=args.timeout, report=report)
    except (ModemuError, OSError, serial.SerialException, ValueError) as exc:
        if update is not None:
            update.abort()
        return fail(exc)
    status = reporter.summary(summary)
    if update is None:
        return status
    if summary.stopped is not None:
        update.abort()
        return fail(ModemuError(f"not updated: {summary.stopped}"), status)
    update.commit()
    print(f"updated {args.transcript}", flush=True)
    return 0
