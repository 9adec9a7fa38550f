"""Turn a byte transcript into a timeline of things a person recognises.

A trace (``--trace``, ``modemu record``; read with :func:`modemu.trace.iter_records`) is raw
chunks in both directions plus server events. A sequence diagram wants *messages*: the
command the host typed, the module's information lines and final result, URCs, the ``>``
prompt, payload blocks, mode changes, faults. :class:`TimelineBuilder` is fed records one
at a time (it never holds the whole transcript) and yields :class:`Item` objects.

This is a reading aid, not a second AT engine: it follows the line discipline far enough to
split lines, spot data phases (``>`` data entry, ``+QIRD``/push payloads, transparent mode)
and tell responses from URCs by the rule drivers use — a line that names the pending
command is its answer, anything else, or anything after the final result, is a URC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from modemu.at.finals import FinalKind, final_kind
from modemu.trace.format import Chunk, Event, Record

__all__ = ["Item", "ItemKind", "Lane", "TimelineBuilder", "build_timeline"]


class Lane(Enum):
    HOST = "host"
    MODULE = "module"
    NETWORK = "network"


class ItemKind(Enum):
    COMMAND = "command"
    ECHO = "echo"
    INFO = "info"
    FINAL = "final"
    ERROR = "error"
    URC = "urc"
    PROMPT = "prompt"
    PAYLOAD = "payload"
    MODE = "mode"
    EVENT = "event"
    FAULT = "fault"
    NET = "net"


@dataclass(frozen=True)
class Item:
    """One arrow (or note) of the diagram; ``t`` is seconds since the first record."""

    t: float
    kind: ItemKind
    source: Lane
    target: Lane
    text: str
    data: bytes = b""
    """The raw bytes of a payload item (others: empty)."""


_DATA_PROMPT_COMMANDS = ("+QISEND", "+QISENDEX")
_TRANSPARENT_COMMANDS = ("+QIOPEN", "O", "+QISWTMD")
_URC_PREFIXES = ("+QIURC:", "RDY", "APP RDY", "POWERED DOWN", "+QIND:", "+CPIN:")
_BOOT_LINES = ("RDY",)
_QIRD_HEADER = re.compile(r"^\+QIRD: (\d+)")
_PUSH_RECV = re.compile(r'^\+QIURC: "recv",\d+,(\d+)')
_FIXED_SEND = re.compile(r"^AT\+QISEND=\d+,(\d+)", re.IGNORECASE)
_FAULT_EVENTS = ("fault", "scenario")
_NET_EVENTS = ("net", "udp-drop", "pcap")
_CTRL_Z = 0x1A
_ESC = 0x1B


@dataclass
class _PayloadBlock:
    t: float
    source: Lane
    target: Lane
    data: bytearray


class _Mode(Enum):
    COMMAND = "command mode"
    DATA_ENTRY = "data entry"
    TRANSPARENT = "transparent mode"


class TimelineBuilder:
    """Feed trace records (dicts as in ``docs/trace-format.md``); collect :class:`Item`."""

    def __init__(self) -> None:
        self._t0: float | None = None
        self._now = 0.0
        self._mode = _Mode.COMMAND
        self._rx = bytearray()
        self._tx = bytearray()
        self._pending: str | None = None
        """Name of the command awaiting its final result (``+QISEND``, ``O``…)."""
        self._last_command = ""
        self._send_remaining: int | None = None
        """Bytes still expected in a fixed-length data entry (None: until Ctrl-Z)."""
        self._tx_payload_remaining = 0
        self._open_payload: _PayloadBlock | None = None
        self._entry_echo = bytearray()
        self._echoed = 0
        self._lf_ends_line = False
        """Data-entry bytes the module may still echo back (``ATE1`` echoes payload too)."""
        self._items: list[Item] = []

    # -- feeding ------------------------------------------------------------------------

    def feed(self, record: Record) -> list[Item]:
        """Take one record; return the items it completed (the header and end add none)."""
        if self._t0 is None:
            self._t0 = record.t
        self._now = max(0.0, record.t - self._t0)
        if isinstance(record, Event):
            self._event(record.name, record.fields)
        elif isinstance(record, Chunk) and record.dir == "rx":
            self._rx += record.data
            self._drain_rx()
        elif isinstance(record, Chunk):
            self._tx += record.data
            self._drain_tx()
        done, self._items = self._items, []
        return done

    def finish(self) -> list[Item]:
        """Flush what is left at the end of the transcript (partial lines, payloads)."""
        if self._rx:
            self._emit_payload(Lane.HOST, Lane.MODULE, bytes(self._rx))
            self._rx.clear()
        if self._tx:
            self._emit_payload(Lane.MODULE, Lane.HOST, bytes(self._tx))
            self._tx.clear()
        self._close_payload()
        done, self._items = self._items, []
        return done

    # -- host → module ------------------------------------------------------------------

    def _drain_rx(self) -> None:
        while self._rx:
            if self._lf_ends_line:
                self._lf_ends_line = False
                if self._rx.startswith(b"\n"):  # the LF after S3 is part of the terminator
                    del self._rx[:1]
                    continue
            if self._mode is _Mode.COMMAND:
                if not self._take_command_line():
                    return
            elif self._mode is _Mode.DATA_ENTRY:
                if not self._take_entry_payload():
                    return
            else:
                self._emit_payload(Lane.HOST, Lane.MODULE, bytes(self._rx))
                self._rx.clear()

    def _take_command_line(self) -> bool:
        end = self._rx.find(b"\r")
        if end < 0:
            return False
        line = bytes(self._rx[:end]).decode("latin-1").strip("\n ")
        del self._rx[: end + 1]
        self._lf_ends_line = True
        if line:
            self._command(line)
        return True

    def _command(self, line: str) -> None:
        self._last_command = line
        self._pending = _command_name(line)
        fixed = _FIXED_SEND.match(line)
        self._send_remaining = int(fixed.group(1)) if fixed else None
        self._add(ItemKind.COMMAND, Lane.HOST, Lane.MODULE, line)

    def _take_entry_payload(self) -> bool:
        if self._send_remaining is not None:
            take = min(self._send_remaining, len(self._rx))
            self._send_remaining -= take
            chunk = bytes(self._rx[:take])
            del self._rx[:take]
            finished = self._send_remaining == 0
        else:
            stop = next((i for i, b in enumerate(self._rx) if b in (_CTRL_Z, _ESC)), -1)
            if stop < 0:
                chunk = bytes(self._rx)
                self._rx.clear()
                finished = False
            else:
                chunk = bytes(self._rx[: stop + 1])
                del self._rx[: stop + 1]
                finished = True
        if chunk:
            self._emit_payload(Lane.HOST, Lane.MODULE, chunk)
            self._entry_echo += chunk
        if finished:
            self._set_mode(_Mode.COMMAND)
        return finished

    # -- module → host ------------------------------------------------------------------

    def _drain_tx(self) -> None:
        while self._tx:
            if self._entry_echo:
                self._take_entry_echo()
            elif self._tx_payload_remaining:
                self._take_tx_payload()
            elif self._mode is _Mode.TRANSPARENT:
                self._take_transparent_output()
                return
            elif not self._take_tx_line():
                return

    def _take_entry_echo(self) -> None:
        """Consume the echo of data-entry bytes; one item once the echo is complete."""
        size = 0
        limit = min(len(self._entry_echo), len(self._tx))
        while size < limit and self._tx[size] == self._entry_echo[size]:
            size += 1
        del self._tx[:size]
        self._echoed += size
        mismatch = size < limit
        del self._entry_echo[: len(self._entry_echo) if mismatch else size]
        if not self._entry_echo and self._echoed:
            echoed, self._echoed = self._echoed, 0
            self._add(ItemKind.ECHO, Lane.MODULE, Lane.HOST, f"echo of {echoed} data bytes")

    def _take_tx_payload(self) -> None:
        take = min(self._tx_payload_remaining, len(self._tx))
        self._emit_payload(Lane.MODULE, Lane.HOST, bytes(self._tx[:take]))
        del self._tx[:take]
        self._tx_payload_remaining -= take

    def _take_transparent_output(self) -> None:
        marker = self._tx.find(b"\r\nNO CARRIER\r\n")
        if marker < 0 and self._tx.endswith(b"\r\nOK\r\n"):
            marker = len(self._tx) - len(b"\r\nOK\r\n")
        data = bytes(self._tx if marker < 0 else self._tx[:marker])
        if data:
            self._emit_payload(Lane.MODULE, Lane.HOST, data)
        if marker < 0:
            self._tx.clear()
            return
        del self._tx[:marker]
        self._set_mode(_Mode.COMMAND)
        self._drain_tx()

    def _take_tx_line(self) -> bool:
        if self._tx.startswith(b"\r\n"):
            del self._tx[:2]
            return True
        if self._tx.startswith(b">"):
            return self._prompt()
        end = self._tx.find(b"\r\n")
        echo_end = self._tx.find(b"\r")
        if 0 <= echo_end < end or (end < 0 <= echo_end and self._is_echo(echo_end)):
            end = echo_end  # an echoed command line ends with S3 alone
        if end < 0:
            return False
        line = bytes(self._tx[:end]).decode("latin-1")
        del self._tx[: end + (2 if self._tx[end : end + 2] == b"\r\n" else 1)]
        self._line(line)
        return True

    def _is_echo(self, cr: int) -> bool:
        """A CR not (yet) followed by LF ends a line when more follows or it is the echo."""
        if cr + 1 < len(self._tx):
            return True
        return bytes(self._tx[:cr]).decode("latin-1") == self._last_command

    def _prompt(self) -> bool:
        """``\r\n>`` (formatcfg 0; formatcfg 1 adds a CRLF, eaten as a blank line)."""
        del self._tx[:1]
        if self._tx.startswith(b" "):  # EC2x/BG96 manuals quote "> "
            del self._tx[:1]
        self._add(ItemKind.PROMPT, Lane.MODULE, Lane.HOST, ">")
        self._set_mode(_Mode.DATA_ENTRY)
        self._drain_rx()
        return True

    def _line(self, line: str) -> None:
        if line.strip() and line.strip() == self._last_command.strip():
            self._add(ItemKind.ECHO, Lane.MODULE, Lane.HOST, line)
            return
        kind = final_kind(line)
        if kind is not None and self._pending is not None:
            self._final(line, kind)
            return
        if line in _BOOT_LINES:
            self._booted()
        if self._is_urc(line):
            self._add(ItemKind.URC, Lane.MODULE, Lane.HOST, line)
        else:
            self._add(ItemKind.INFO, Lane.MODULE, Lane.HOST, line)
        self._expect_payload(line)

    def _booted(self) -> None:
        """``RDY``: the module (re)started, so whatever the host was in the middle of is over
        (a reboot fault mid data entry, a power cycle): back to command mode, nothing pending."""
        self._pending = None
        self._send_remaining = None
        self._entry_echo.clear()
        self._tx_payload_remaining = 0
        self._set_mode(_Mode.COMMAND)

    def _final(self, line: str, kind: FinalKind) -> None:
        item = ItemKind.FINAL if kind.success else ItemKind.ERROR
        self._add(item, Lane.MODULE, Lane.HOST, line)
        pending, self._pending = self._pending, None
        if kind is FinalKind.CONNECT and pending in _TRANSPARENT_COMMANDS:
            self._set_mode(_Mode.TRANSPARENT)
            self._drain_rx()

    def _is_urc(self, line: str) -> bool:
        if line.startswith(_URC_PREFIXES):
            return not (self._pending and line.startswith(self._pending + ":"))
        if self._pending is None:
            return True
        head = line.split(":", 1)[0]
        return line.startswith("+") and head != self._pending

    def _expect_payload(self, line: str) -> None:
        header = _QIRD_HEADER.match(line) or _PUSH_RECV.match(line)
        if header is not None:
            self._tx_payload_remaining = int(header.group(1))

    # -- events and helpers -------------------------------------------------------------

    def _event(self, name: str, fields: Mapping[str, Any]) -> None:
        text = f"{name} {', '.join(f'{k}={v}' for k, v in fields.items())}".strip()
        if name.startswith(_FAULT_EVENTS):
            self._add(ItemKind.FAULT, Lane.MODULE, Lane.MODULE, text)
        elif name == "net-in":
            self._add(ItemKind.NET, Lane.NETWORK, Lane.MODULE, _net_text(name, fields))
        elif name.startswith(_NET_EVENTS):
            self._add(ItemKind.NET, Lane.MODULE, Lane.NETWORK, _net_text(name, fields))
        else:
            self._add(ItemKind.EVENT, Lane.MODULE, Lane.MODULE, text)

    def _set_mode(self, mode: _Mode) -> None:
        if mode is not self._mode:
            self._mode = mode
            self._add(ItemKind.MODE, Lane.MODULE, Lane.MODULE, mode.value)

    def _emit_payload(self, source: Lane, target: Lane, data: bytes) -> None:
        """Extend the open payload block, or open one (consecutive chunks make one block)."""
        block = self._open_payload
        if block is not None and block.source is source:
            block.data += data
            return
        self._close_payload()
        self._open_payload = _PayloadBlock(self._now, source, target, bytearray(data))

    def _close_payload(self) -> None:
        block, self._open_payload = self._open_payload, None
        if block is not None:
            self._items.append(
                Item(block.t, ItemKind.PAYLOAD, block.source, block.target, "", bytes(block.data))
            )

    def _add(self, kind: ItemKind, source: Lane, target: Lane, text: str) -> None:
        self._close_payload()
        self._items.append(Item(self._now, kind, source, target, text))


def _net_text(event: str, record: Mapping[str, Any]) -> str:
    """``net-*`` events in a few words: ``#0 TCP open 127.0.0.1:80``, ``#0 5 B``."""
    name = event.removeprefix("net-")
    conn = f"#{record['conn_id']} " if "conn_id" in record else ""
    peer = f" {record['peer']}" if record.get("peer") else ""
    if name in ("in", "out"):
        return f"{conn}{record.get('bytes', '?')} B{peer}"
    if name == "open":
        return f"{conn}{record.get('service', '')} open{peer}"
    who = " by module" if record.get("by_module") else " by peer" if "by_module" in record else ""
    return f"{conn}{name}{who}"


def _command_name(line: str) -> str:
    """``AT+QISEND=0,5`` → ``+QISEND``; ``ATO`` → ``O``; ``ATE0`` → ``E``."""
    body = line[2:] if line[:2].upper() == "AT" else line
    match = re.match(r"[+&][A-Za-z]+|[A-Za-z]", body)
    return match.group(0).upper() if match else body.upper()


def build_timeline(records: Iterable[Record]) -> Iterator[Item]:
    """All items of a transcript, in order, streaming."""
    builder = TimelineBuilder()
    for record in records:
        yield from builder.feed(record)
    yield from builder.finish()
