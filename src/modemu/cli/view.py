"""``modemu view SESSION.jsonl -o SESSION.html``: draw a transcript as a sequence diagram."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modemu.view import build_timeline, render_page

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


class TranscriptError(ValueError):
    """A transcript line that is not a trace record; the message names the line."""


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
    view.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = Path(args.transcript)
    output = args.output or str(source.with_suffix(".html"))
    try:
        page = render_page(build_timeline(_records(source)), args.title or source.name)
    except (OSError, TranscriptError) as exc:
        print(f"modemu view: error: {exc}", file=sys.stderr)
        return 2
    if output == "-":
        sys.stdout.write(page)
    else:
        Path(output).write_text(page, encoding="utf-8")
        print(output)
    return 0


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """Stream the records of ``path``, naming the line of anything malformed."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TranscriptError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict) or ("dir" not in record and "event" not in record):
                raise TranscriptError(f"{path}:{number}: not a trace record")
            yield record
