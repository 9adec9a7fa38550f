"""``replay --update``: rewrite a transcript's module side with what the module said now.

The golden-file workflow: when a difference is intended (new firmware, a fixed answer),
``--update`` keeps every host byte, event and time of the transcript and replaces each
exchange's module bytes with the answer just received. The new file is written next to
the old one (mode 0600) and moved over it only when the whole replay ran, so an
interrupted or failed run leaves the original untouched.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path

from modemu.tools.verdict import Outcome
from modemu.trace.files import open_private
from modemu.trace.format import Chunk, Event, Header
from modemu.trace.redact import redact_text
from modemu.trace.writer import RecordWriter

__all__ = ["GoldenUpdate"]


class GoldenUpdate:
    def __init__(self, path: str | os.PathLike[str], header: Header) -> None:
        self.path = Path(path)
        self.redacted = header.redacted
        self._temp = self.path.with_name(f".{self.path.name}.update-{os.getpid()}")
        meta = {**header.meta, "updated_by": "replay --update"}
        self._writer = RecordWriter(open_private(self._temp), replace(header, meta=meta))

    def add(self, outcome: Outcome) -> None:
        """Write one exchange: its records, with the module's bytes replaced."""
        actual = outcome.actual
        if self.redacted:
            actual = redact_text(actual.decode("latin-1")).encode("latin-1")
        placed = False
        last_t = 0.0
        for record in outcome.exchange.records:
            last_t = record.t
            if isinstance(record, Chunk) and record.dir == "tx":
                if not placed and actual:
                    self._writer.write(replace(record, data=actual))
                placed = True
            elif isinstance(record, Chunk | Event):
                self._writer.write(record)
        if not placed and actual:
            self._writer.write(Chunk(last_t, "tx", actual))

    def commit(self) -> None:
        self._writer.close()
        os.replace(self._temp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._writer.close()
        with contextlib.suppress(OSError):
            self._temp.unlink()
