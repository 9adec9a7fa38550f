"""``modemu view SESSION.jsonl -o SESSION.html``: draw a transcript as a sequence diagram."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Draw a --trace or `modemu record` transcript as one self-contained HTML page (it opens
offline): host, module and network as lanes; commands, responses, URCs, prompts, data
phases and mode changes as arrows with timestamps and gaps; URCs, errors and faults
highlighted; payloads collapsed to their length with a hex/text toggle."""

EPILOG = """\
examples:
  modemu serve --pty /tmp/modem --trace /tmp/session.jsonl
  modemu view /tmp/session.jsonl -o /tmp/session.html && xdg-open /tmp/session.html"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    view = commands.add_parser(
        "view",
        help="draw a transcript as an HTML sequence diagram",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    view.add_argument("transcript", metavar="SESSION.jsonl", help="trace or record file")
    view.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="HTML file to write (default: the transcript's name with .html; - for stdout)",
    )
    view.add_argument("--title", help="page title (default: the transcript's file name)")
    view.add_argument(
        "--allow-truncated",
        action="store_true",
        help="draw a transcript whose writer was killed (no end record) as far as it goes",
    )
    view.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = Path(args.transcript)
    output = args.output or str(source.with_suffix(".html"))
    from modemu.trace import TraceFormatError, iter_records  # noqa: PLC0415 - keeps --help quick
    from modemu.view import build_timeline, render_page  # noqa: PLC0415

    records = iter_records(source, allow_truncated=args.allow_truncated)
    try:
        page = render_page(build_timeline(records), args.title or source.name)
    except (OSError, TraceFormatError) as exc:
        print(f"modemu view: error: {exc}", file=sys.stderr)
        return 2
    if output == "-":
        sys.stdout.write(page)
    else:
        Path(output).write_text(page, encoding="utf-8")
        print(output)
    return 0
