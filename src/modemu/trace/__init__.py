"""The trace format (``serve --trace``, ``record``): write, read, redact.

One versioned JSON-lines format, documented in ``docs/trace-format.md``; tools import
:func:`iter_records` to read it and :class:`Tracer` to write it.
"""

from modemu.trace.files import open_private
from modemu.trace.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Chunk,
    Direction,
    End,
    Event,
    Header,
    Record,
    TraceFormatError,
    encode_record,
    iter_records,
    read_trace,
)
from modemu.trace.redact import CREDENTIAL_RULES, Redactor, redact_text
from modemu.trace.writer import RecordWriter, Tracer

__all__ = [
    "CREDENTIAL_RULES",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Chunk",
    "Direction",
    "End",
    "Event",
    "Header",
    "Record",
    "RecordWriter",
    "Redactor",
    "TraceFormatError",
    "Tracer",
    "encode_record",
    "iter_records",
    "open_private",
    "read_trace",
    "redact_text",
]
