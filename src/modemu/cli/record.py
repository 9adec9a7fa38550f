"""``modemu record``: sit between a host and a real module and write the transcript."""

from __future__ import annotations

import argparse

from modemu.cli.args import add_verbosity_args, setup_logging
from modemu.cli.common import (
    EXIT_OK,
    add_link_args,
    announcement,
    fail,
    install_signal_handlers,
    transport_from_args,
)
from modemu.errors import ModemuError

__all__ = ["EXIT_MODULE_LOST", "add_parser"]

EXIT_MODULE_LOST = 1

DESCRIPTION = """\
Forward bytes between a host and a module, unchanged, and write every byte with its time
to a transcript (docs/trace-format.md). Point your driver at the pty (or TCP port) this
prints instead of at the module, run it, stop with Ctrl-C (SIGINT) or SIGTERM.

Once listening, exactly one line goes to stdout, as for `modemu serve`: the path or URL
the host should open."""

EPILOG = """\
examples:
  modemu record --module /dev/ttyUSB2 --pty /tmp/modem -o session.jsonl
      record a real EC200 on its AT port; the driver opens /tmp/modem
  modemu record --module socket://127.0.0.1:5000 --tcp 127.0.0.1:0 -o s.jsonl --redact
      record a modemu (or ser2net) on a TCP port; APN passwords and PINs masked
  modemu record --module rfc2217://lab-pc:4000 --pty /tmp/modem -o s.jsonl

then: modemu replay s.jsonl (does modemu answer the same?), modemu coverage s.jsonl.

exit status: 0 after Ctrl-C/SIGTERM, 1 when the module went away (the transcript ends
there, complete), 2 on a usage or setup error (module cannot be opened, path taken)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "record",
        help="pass bytes between a host and a real module, writing a transcript",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--module",
        required=True,
        metavar="URL",
        help="the module: any pyserial URL (/dev/ttyUSB2, socket://HOST:PORT, rfc2217://…)",
    )
    parser.add_argument(
        "--baud", type=int, default=115200, help="serial speed for a device (default 115200)"
    )
    add_link_args(parser, "where the host connects (exactly one)")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="transcript to write (JSON lines, mode 0600, a symlink is refused)",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="mask credentials in the transcript (AT+QICSGP user/password, PINs…) as ***",
    )
    add_verbosity_args(parser)
    parser.set_defaults(func=run_record)


def run_record(args: argparse.Namespace) -> int:
    import serial  # noqa: PLC0415 - `modemu --help` loads no serial or asyncio

    from modemu.server import run  # noqa: PLC0415
    from modemu.transport.base import TransportError  # noqa: PLC0415

    setup_logging(args.verbose)
    try:
        return run(_record(args))
    except (TransportError, ModemuError, OSError, serial.SerialException, ValueError) as exc:
        return fail(exc)
    except KeyboardInterrupt:
        return EXIT_OK


async def _record(args: argparse.Namespace) -> int:
    from modemu.tools.record import Recorder  # noqa: PLC0415
    from modemu.trace import Tracer  # noqa: PLC0415

    recorder = Recorder(
        transport=transport_from_args(args),
        module_url=args.module,
        open_tracer=lambda: Tracer.open(
            args.output, source="record", redact=args.redact, meta={"module": args.module}
        ),
        baudrate=args.baud,
    )
    async with recorder:
        install_signal_handlers(recorder.stop)
        print(announcement(recorder.transport), flush=True)
        await recorder.run()
    if recorder.closed_reason is not None:
        return fail(ModemuError(f"module went away: {recorder.closed_reason}"), EXIT_MODULE_LOST)
    return EXIT_OK
