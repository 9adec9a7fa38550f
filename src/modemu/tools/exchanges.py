"""A transcript as exchanges, and how to tell when a module has answered one.

An **exchange** is what the host sent in one go and everything the module sent before the
host sent again: consecutive host chunks are one exchange (unless the host kept silent a
guard time, 1 s, between them); the first module byte after them starts the expected
answer, and the next host chunk after that starts the next exchange. Module output
before the first host byte (boot URCs) is the preamble, exchange 0.

Replaying, we must wait "as the host did": the host sent its next bytes only after the
module had said what the transcript shows. :class:`Shape` captures that answer's outline
in units (a line up to ``\\r\\n``, or a ``>`` prompt): how many **milestones** (final
results such as ``OK``/``ERROR``/``SEND OK``/``CONNECT``, and prompts) it holds, how many
lines follow the last one (a URC the host waited for, e.g. ``+QIOPEN: 0,0`` after ``OK``),
and how many bytes trail without a line end. :meth:`Shape.cut` finds where another answer
reaches the same outline, so a module that answers ``ERROR`` instead of ``OK``, or adds an
information line, is judged on its whole answer instead of being waited on until the
timeout. Whatever comes after the cut belongs to the next exchange.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from modemu.at.finals import final_kind
from modemu.at.limits import GUARD_TIME
from modemu.trace.format import Chunk, End, Header, Record, iter_records

__all__ = [
    "Exchange",
    "Shape",
    "is_milestone",
    "iter_exchanges",
    "open_transcript",
    "split_units",
]

PROMPT = b">"
CRLF = b"\r\n"


@dataclass
class Exchange:
    number: int
    """1-based; 0 is the preamble (module output before the host's first byte)."""
    line: int
    """Transcript line of the exchange's first host chunk (of its first record for 0)."""
    sent: bytes = b""
    expected: bytes = b""
    records: list[Record] = field(default_factory=list)
    """The transcript records of this exchange, in order (for ``replay --update``)."""
    gap: float = 0.0
    """Seconds between the last bytes on the link before this exchange and its first host
    chunk: how long the link was silent before the host sent (what an escape sequence's
    guard time needs)."""


def open_transcript(
    path: str | os.PathLike[str], *, allow_truncated: bool = False
) -> tuple[Header, Iterator[Record]]:
    """The header of ``path`` (read and checked now) and an iterator over the rest."""
    records = iter_records(path, allow_truncated=allow_truncated)
    header = next(records)
    assert isinstance(header, Header)  # iter_records guarantees line 1 is the header
    return header, records


def iter_exchanges(records: Iterable[Record]) -> Iterator[Exchange]:
    """Group ``records`` (a transcript after its header) into exchanges, streaming."""
    current = Exchange(0, 0)
    sent: list[bytes] = []
    expected: list[bytes] = []
    last_t: float | None = None
    for record in records:
        if isinstance(record, Header | End):
            last_t = record.t if isinstance(record, Header) else last_t
            continue
        silence = record.t - last_t if last_t is not None else 0.0
        host_chunk = isinstance(record, Chunk) and record.dir == "rx"
        if host_chunk and _starts_exchange(current, bool(sent), bool(expected), silence):
            if current.number > 0 or current.records:
                yield _finish(current, sent, expected)
            current = Exchange(current.number + 1, record.line, gap=silence)
            sent, expected = [], []
        if isinstance(record, Chunk):
            last_t = record.t  # silence is measured on the link; events do not break it
        if not current.records and current.number == 0:
            current.line = record.line
        current.records.append(record)
        if isinstance(record, Chunk):
            (sent if record.dir == "rx" else expected).append(record.data)
    if current.number > 0 or current.records:
        yield _finish(current, sent, expected)


def _starts_exchange(current: Exchange, sent: bool, answered: bool, silence: float) -> bool:
    """Whether a host chunk begins a new exchange: the module answered since the host last
    wrote, or the host kept silent for a guard time (its silence is part of what it said:
    ``+++`` escapes only after one), or nothing was sent yet."""
    return answered or current.number == 0 or (sent and silence >= GUARD_TIME)


def _finish(exchange: Exchange, sent: list[bytes], expected: list[bytes]) -> Exchange:
    exchange.sent = b"".join(sent)
    exchange.expected = b"".join(expected)
    return exchange


def is_milestone(unit: bytes) -> bool:
    """A prompt, or a line that is a final result code."""
    if unit in (PROMPT, PROMPT + b" "):
        return True
    return final_kind(unit.decode("latin-1").strip("\r\n")) is not None


def _unit_ends(data: bytes | bytearray) -> Iterator[int]:
    """End offsets of the complete units of ``data``: lines through ``\r\n``, and data-entry
    prompts (``>`` at the start of a unit, with the space that some variants add when it
    has already arrived)."""
    start = 0
    while start < len(data):
        if data[start : start + 1] == PROMPT:
            start += 2 if data[start + 1 : start + 2] == b" " else 1
            yield start
            continue
        end = data.find(CRLF, start)
        if end < 0:
            return
        start = end + 2
        yield start


def split_units(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete units of ``data`` and the bytes after the last one."""
    units: list[bytes] = []
    start = 0
    for end in _unit_ends(data):
        units.append(data[start:end])
        start = end
    return units, data[start:]


@dataclass(frozen=True)
class Shape:
    milestones: int
    after: int
    """Complete units after the last milestone (all units when there is none)."""
    partial: int
    """Bytes after the last complete unit."""

    @classmethod
    def of(cls, expected: bytes) -> Shape:
        units, rest = split_units(expected)
        marks = [i for i, unit in enumerate(units) if is_milestone(unit)]
        after = len(units) - (marks[-1] + 1) if marks else len(units)
        return cls(len(marks), after, len(rest))

    def cut(self, actual: bytes | bytearray) -> int | None:
        """How many bytes of ``actual`` make an answer of this shape, or None while it is
        still incomplete."""
        start = 0
        done = self.milestones == 0 and self.after == 0
        seen = after = 0
        ends = _unit_ends(actual)
        while not done:
            end = next(ends, None)
            if end is None:
                return None
            if seen < self.milestones:
                seen += is_milestone(bytes(actual[start:end]))
            else:
                after += 1
            start = end
            done = seen == self.milestones and after == self.after
        return start + self.partial if start + self.partial <= len(actual) else None
