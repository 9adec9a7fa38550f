"""The modemu trace format, version 1: JSON lines, one record per line.

Shared by ``modemu serve --trace`` and ``modemu record`` and read by ``replay``, ``diff``,
``coverage`` and ``view``; ``docs/trace-format.md`` is its reference. A file is::

    {"format":"modemu-trace","version":1,"t":1732480000.0,"source":"serve",...}   header
    {"t":1732480000.123,"dir":"rx","data":"AT\\r"}                                host → module
    {"t":1732480000.124,"dir":"tx","data":"AT\\r\\r\\nOK\\r\\n"}                   module → host
    {"t":1732480001.5,"event":"udp-drop","conn_id":3,"bytes":120}                 an event
    {"t":1732480002.0,"end":true,"records":3}                                     end

``data`` is the bytes decoded as latin-1 (``data.encode("latin-1")`` gives them back).
``t`` is seconds since the epoch and never decreases within a file. The end record counts
the records between header and end, so a file cut at a line boundary is told apart from
a complete one.

:func:`iter_records` streams a file (memory stays flat whatever its size) and checks it
as it goes; a problem raises :class:`TraceFormatError` naming the line.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modemu.errors import ModemuError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Chunk",
    "Direction",
    "End",
    "Event",
    "Header",
    "Record",
    "TraceFormatError",
    "encode_record",
    "iter_records",
    "read_trace",
]

FORMAT_NAME = "modemu-trace"
FORMAT_VERSION = 1

Direction = Literal["rx", "tx"]
"""``rx``: host → module (what the driver wrote); ``tx``: module → host."""

DIRECTIONS: tuple[Direction, ...] = ("rx", "tx")


class TraceFormatError(ModemuError):
    """A trace file is not valid: ``str()`` says ``FILE:LINE: what is wrong``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Header:
    """First line: the format, its version, when and by what the file was written."""

    t: float
    source: str
    redacted: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    """Every other header field (``modemu`` version, ``module`` URL, ``profile``…)."""
    line: int = 1


@dataclass(frozen=True)
class Chunk:
    """Bytes that crossed the host link in one piece."""

    t: float
    dir: Direction
    data: bytes
    line: int = 0


@dataclass(frozen=True)
class Event:
    """Something the writer noticed that is not host bytes (attach, drop, fault…)."""

    t: float
    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class End:
    """Last line: how many records came between header and end."""

    t: float
    records: int
    line: int = 0


Record = Header | Chunk | Event | End


def encode_record(record: Record) -> str:
    """One record as its line (with the newline)."""
    body: dict[str, Any]
    if isinstance(record, Header):
        body = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "t": record.t,
            "source": record.source,
            "redacted": record.redacted,
            **record.meta,
        }
    elif isinstance(record, Chunk):
        body = {"t": record.t, "dir": record.dir, "data": record.data.decode("latin-1")}
    elif isinstance(record, Event):
        body = {"t": record.t, "event": record.name, **record.fields}
    else:
        body = {"t": record.t, "end": True, "records": record.records}
    return json.dumps(body, separators=(",", ":")) + "\n"


def iter_records(
    path: str | os.PathLike[str], *, allow_truncated: bool = False
) -> Iterator[Record]:
    """Yield the records of ``path`` in order, checking each line as it is read.

    Raises :class:`TraceFormatError` for: no header, an unsupported version, a line that
    is not JSON or not a record, a time that goes backwards (reordered lines), a record
    after the end, a count that does not match the end record, and a missing end record
    (a truncated file) unless ``allow_truncated``.
    """
    name = os.fspath(path)
    checker = _Checker(name)
    with Path(name).open(encoding="latin-1", newline="\n") as handle:
        for number, text in enumerate(handle, start=1):
            yield checker.check(number, text)
    checker.finish(allow_truncated)


class _Checker:
    """The line-by-line rules of :func:`iter_records`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.last_line = 0
        self.last_t = -math.inf
        self.records = 0
        self.ended = False

    def fail(self, line: int, message: str) -> TraceFormatError:
        return TraceFormatError(self.path, line, message)

    def check(self, number: int, text: str) -> Record:
        self.last_line = number
        if not text.endswith("\n"):
            raise self.fail(number, "truncated: the last line has no newline")
        if self.ended:
            raise self.fail(number, "record after the end record")
        body = self._parse_json(number, text)
        if number == 1:
            return self._header(body)
        record = self._record(number, body)
        if record.t < self.last_t:
            raise self.fail(
                number, f"time goes backwards ({record.t} after {self.last_t}): lines reordered?"
            )
        self.last_t = record.t
        if isinstance(record, End):
            self.ended = True
            if record.records != self.records:
                raise self.fail(
                    number,
                    f"end record counts {record.records} records but the file has "
                    f"{self.records}: lines were removed or added",
                )
        else:
            self.records += 1
        return record

    def finish(self, allow_truncated: bool) -> None:
        if self.last_line == 0:
            raise self.fail(1, "empty file: not a modemu trace")
        if not self.ended and not allow_truncated:
            raise self.fail(
                self.last_line,
                "truncated: the file ends without an end record (writer killed, or copied "
                "while still being written)",
            )

    def _parse_json(self, number: int, text: str) -> dict[str, Any]:
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.fail(number, f"not valid JSON ({exc.msg}, column {exc.colno})") from None
        if not isinstance(body, dict):
            raise self.fail(number, "not a JSON object")
        return body

    def _header(self, body: dict[str, Any]) -> Header:
        if body.get("format") != FORMAT_NAME:
            raise self.fail(
                1, f'not a modemu trace: the first line has no "format":"{FORMAT_NAME}"'
            )
        version = body.get("version")
        if version != FORMAT_VERSION:
            raise self.fail(
                1, f"trace format version {version!r} is not supported (this modemu reads 1)"
            )
        t = self._time(1, body)
        self.last_t = t
        meta = {
            k: v
            for k, v in body.items()
            if k not in ("format", "version", "t", "source", "redacted")
        }
        return Header(
            t, str(body.get("source", "")), bool(body.get("redacted", False)), meta, line=1
        )

    def _record(self, number: int, body: dict[str, Any]) -> Record:
        t = self._time(number, body)
        if "dir" in body:
            direction = body["dir"]
            data = body.get("data")
            if direction not in DIRECTIONS:
                raise self.fail(number, f'"dir" must be "rx" or "tx", not {direction!r}')
            if not isinstance(data, str):
                raise self.fail(number, 'a chunk needs "data" as a string')
            try:
                raw = data.encode("latin-1")
            except UnicodeEncodeError:
                raise self.fail(number, '"data" has characters above \\u00ff') from None
            return Chunk(t, direction, raw, number)
        if "event" in body:
            name = body["event"]
            if not isinstance(name, str):
                raise self.fail(number, '"event" must be a string')
            fields = {k: v for k, v in body.items() if k not in ("t", "event")}
            return Event(t, name, fields, number)
        if body.get("end") is True:
            count = body.get("records")
            if not isinstance(count, int) or isinstance(count, bool):
                raise self.fail(number, 'the end record needs "records" as an integer')
            return End(t, count, number)
        raise self.fail(number, 'not a record: expected "dir", "event" or "end"')

    def _time(self, number: int, body: dict[str, Any]) -> float:
        t = body.get("t")
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
            raise self.fail(number, '"t" must be a number of seconds')
        return float(t)


def read_trace(
    path: str | os.PathLike[str], *, allow_truncated: bool = True
) -> list[dict[str, Any]]:
    """The chunk and event records of ``path`` as dicts (``data`` stays a latin-1 string),
    without header and end; for tests and quick scripts."""
    out: list[dict[str, Any]] = []
    for record in iter_records(path, allow_truncated=allow_truncated):
        if isinstance(record, Chunk):
            out.append({"t": record.t, "dir": record.dir, "data": record.data.decode("latin-1")})
        elif isinstance(record, Event):
            out.append({"t": record.t, "event": record.name, **record.fields})
    return out
