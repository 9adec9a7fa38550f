"""Write a trace (``serve --trace``, ``record -o``): see :mod:`modemu.trace.format`.

Work per chunk is one ``json.dumps`` and a buffered write; the file is flushed at most
``flush_interval`` seconds after a write (by a loop timer when an event loop is attached,
else on every write), and on :meth:`Tracer.close`, which also writes the end record.

Times come from a wall clock anchored once and then advanced by ``time.monotonic``, so
they read as dates yet never go backwards when NTP steps the system clock (the reader
treats a backwards step as reordered lines).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from modemu import __version__
from modemu.trace.files import open_private
from modemu.trace.format import Chunk, Direction, End, Event, Header, encode_record
from modemu.trace.redact import Redactor

if TYPE_CHECKING:  # annotations only: reading a trace (modemu view) needs no event loop
    import asyncio

__all__ = ["RESERVED_FIELDS", "RecordWriter", "Tracer", "steady_wall_clock"]

RESERVED_FIELDS = frozenset({"t", "dir", "data", "event", "end", "format", "version"})


def steady_wall_clock() -> Callable[[], float]:
    """``time.time()`` at the first call, advanced by ``time.monotonic()`` afterwards."""
    wall0, mono0 = time.time(), time.monotonic()
    return lambda: wall0 + (time.monotonic() - mono0)


class Tracer:
    """Writes trace records to ``stream`` (a text file it owns and closes).

    With ``redact``, credentials are masked (:mod:`modemu.trace.redact`) before they reach
    the file, and the header says ``"redacted":true``.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        flush_interval: float = 0.2,
        clock: Callable[[], float] | None = None,
        source: str = "serve",
        redact: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self._stream = stream
        self._flush_interval = flush_interval
        self._clock = clock or steady_wall_clock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._closed = False
        self._records = 0
        self._redactors = {"rx": Redactor(), "tx": Redactor()} if redact else None
        header_meta = {"modemu": __version__, **(meta or {})}
        self._put(encode_record(Header(self._clock(), source, redact, header_meta)))

    @classmethod
    def open(cls, path: str | os.PathLike[str], **kwargs: Any) -> Tracer:
        """Create (or truncate) ``path``, mode 0600, refusing a symlink; raises ``OSError``."""
        return cls(open_private(path), **kwargs)

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Flush from a timer on ``loop`` instead of on every write."""
        self._loop = loop

    def chunk(self, direction: Direction, data: bytes) -> None:
        """Record bytes that crossed the host link (masked first with ``redact``)."""
        if self._redactors is not None:
            data = self._redactors[direction].feed(data)
        if data:
            self._record(Chunk(self._clock(), direction, data))

    def event(self, name: str, **fields: Any) -> None:
        """Record an event; ``fields`` must be JSON-serialisable and not reserved names."""
        clash = RESERVED_FIELDS.intersection(fields)
        if clash:
            raise ValueError(f"reserved trace field(s): {sorted(clash)}")
        self._record(Event(self._clock(), name, fields))

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._closed:
            self._stream.flush()

    def close(self) -> None:
        """Release held (masked) bytes, write the end record, flush and close. Idempotent."""
        if self._closed:
            return
        if self._redactors is not None:
            for direction, redactor in self._redactors.items():
                rest = redactor.flush()
                if rest:
                    self._record(Chunk(self._clock(), direction, rest))  # type: ignore[arg-type]
        self._put(encode_record(End(self._clock(), self._records)))
        self.flush()
        self._closed = True
        self._stream.close()

    def _record(self, record: Chunk | Event) -> None:
        if self._closed:
            return
        self._records += 1
        self._put(encode_record(record))

    def _put(self, line: str) -> None:
        self._stream.write(line)
        if self._loop is None or self._loop.is_closed():
            self._stream.flush()
        elif self._flush_handle is None:
            self._flush_handle = self._loop.call_later(self._flush_interval, self.flush)


class RecordWriter:
    """Writes records with the times they already carry (rewriting a transcript:
    ``replay --update``); counts them for the end record. Not for live tracing."""

    def __init__(self, stream: TextIO, header: Header) -> None:
        self._stream = stream
        self._records = 0
        self._last_t = header.t
        stream.write(encode_record(header))

    def write(self, record: Chunk | Event) -> None:
        self._records += 1
        self._last_t = max(self._last_t, record.t)
        self._stream.write(encode_record(record))

    def close(self) -> None:
        """Write the end record and close the stream."""
        self._stream.write(encode_record(End(self._last_t, self._records)))
        self._stream.close()
