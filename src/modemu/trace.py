"""``--trace FILE``: every byte over the host link as JSON lines, plus server events.

One line per chunk, exactly as the transport moved it::

    {"t": 1732480000.123, "dir": "rx", "data": "AT\\r"}      rx = host → module
    {"t": 1732480000.124, "dir": "tx", "data": "AT\\r\\r\\nOK\\r\\n"}
    {"t": 1732480001.5, "event": "udp-drop", "conn_id": 3, "bytes": 120}

``data`` is the bytes decoded as latin-1, so ``line["data"].encode("latin-1")`` gives them
back exactly. Work per chunk is one ``json.dumps`` and a buffered write; the file is flushed
at most ``flush_interval`` seconds after a write (by a loop timer when an event loop is
attached, else on every write), and on :meth:`Tracer.close`.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TextIO

__all__ = ["Direction", "Tracer", "read_trace"]

Direction = Literal["rx", "tx"]


class Tracer:
    """Writes trace lines to ``stream`` (a text file it owns and closes)."""

    def __init__(
        self,
        stream: TextIO,
        *,
        flush_interval: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self._flush_interval = flush_interval
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._closed = False

    @classmethod
    def open(cls, path: str | os.PathLike[str], **kwargs: Any) -> Tracer:
        """Open (truncate) ``path`` for tracing; raises ``OSError`` like ``open`` does."""
        return cls(Path(path).open("w", encoding="ascii", newline="\n"), **kwargs)

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Flush from a timer on ``loop`` instead of on every write."""
        self._loop = loop

    def chunk(self, direction: Direction, data: bytes) -> None:
        """Record bytes that crossed the host link."""
        self._write({"t": self._clock(), "dir": direction, "data": data.decode("latin-1")})

    def event(self, name: str, **fields: Any) -> None:
        """Record a server event; ``fields`` must be JSON-serialisable."""
        self._write({"t": self._clock(), "event": name, **fields})

    def flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._closed:
            self._stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._stream.close()

    def _write(self, record: dict[str, Any]) -> None:
        if self._closed:
            return
        self._stream.write(json.dumps(record, separators=(",", ":")) + "\n")
        if self._loop is None or self._loop.is_closed():
            self._stream.flush()
        elif self._flush_handle is None:
            self._flush_handle = self._loop.call_later(self._flush_interval, self.flush)


def read_trace(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Parse a trace file (for tests and tools); ``data`` fields stay latin-1 strings."""
    with Path(path).open(encoding="ascii") as handle:
        return [json.loads(line) for line in handle if line.strip()]
