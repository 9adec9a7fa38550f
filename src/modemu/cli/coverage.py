"""``modemu coverage``: which commands, forms, URCs and error paths transcripts exercised."""

from __future__ import annotations

import argparse
import json
from typing import Any

from modemu.cli.common import fail
from modemu.errors import ModemuError

__all__ = ["add_parser"]

DESCRIPTION = """\
Read transcripts of a driver's sessions (`modemu record`, `serve --trace`) and report what
they exercised of the module: each command of modemu's registry with the forms it
declares (exec, read, set, test) and the forms the driver used, the final results it got,
the URCs that arrived, and the error paths hit (failing results, failing or link-loss
URCs). What the driver's tests never touch is what the table leaves empty."""

EPILOG = """\
examples:
  modemu coverage ci-run-*.jsonl
  modemu coverage --unused session.jsonl     only the commands never sent
  modemu coverage --json session.jsonl > coverage.json

exit status: 0, or 2 for a usage error or a broken transcript (FILE:LINE: reason)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "coverage",
        help="which commands, URCs and error paths transcripts exercised",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("transcripts", nargs="+", metavar="FILE", help="transcripts to read")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the report as JSON")
    shape.add_argument(
        "--unused", action="store_true", help="list only the commands no transcript sent"
    )
    parser.add_argument(
        "--allow-truncated",
        action="store_true",
        help="accept transcripts without their end record (writer killed)",
    )
    parser.set_defaults(func=run_coverage)


def run_coverage(args: argparse.Namespace) -> int:
    from modemu.modem.commands import build_registry  # noqa: PLC0415 - loads on use
    from modemu.tools.coverage import collect  # noqa: PLC0415

    try:
        report = collect(
            args.transcripts, build_registry(), allow_truncated=args.allow_truncated
        ).to_json()
    except (ModemuError, OSError) as exc:
        return fail(exc)
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.unused:
        print("\n".join(r["command"] for r in report["commands"] if not r["used"]))
    else:
        print(render_table(report))
    return 0


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{key} x{count}" for key, count in values.items()) or "-"


def render_table(report: dict[str, Any]) -> str:
    """The report as aligned text: summary, the command table, URCs, error paths."""
    total = report["summary"]
    lines = [
        f"{len(report['files'])} transcript(s): {total['commands_used']} of "
        f"{total['commands']} commands used, {total['forms_used']} of {total['forms']} "
        f"forms, {total['urc_kinds_seen']} of {total['urc_kinds']} URC kinds seen",
        "",
    ]
    rows = [("command", "forms declared", "forms used", "results")]
    for row in report["commands"]:
        used = {
            (form if form in row["forms"] else f"{form}(undeclared)"): count
            for form, count in row["used"].items()
        }
        rows.append(
            (row["command"], ",".join(row["forms"]), _counts(used), _counts(row["results"]))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    lines += ["", f"URCs seen: {_counts(report['urcs'])}"]
    lines.append(f"URCs never seen: {', '.join(report['urcs_never_seen']) or '-'}")
    lines.append(f"unknown commands sent: {_counts(report['unknown_commands'])}")
    if report["malformed_lines"]:
        lines.append(f"malformed lines: {_counts(report['malformed_lines'])}")
    lines += ["", "error paths hit:"]
    lines += [f"  {path} x{count}" for path, count in report["error_paths"].items()] or ["  -"]
    return "\n".join(lines)
