"""Answers the engine gives again without running the command line again.

Hosts repeat a few lines: ``AT`` to see the module is there, ``AT+QISTATE`` to follow their
sockets. For a command declared as a query (``Registry.command(..., stamp=...)``: it
changes nothing and its answer stays the same while its stamp does), the engine keeps the
bytes it wrote for the exact input the last time and writes them again while the stamp and
the settings that frame an answer (echo, quiet, verbose) are the same, skipping the line
reader, the parser, the registry and the handler. docs/performance.md, "Command path".

Any other line (``AT+QIRD=0,1500`` in a download loop) changes state, so it must run every
time; what it keeps is a :class:`LinePlan`: how the exact input reads (body and parsed
calls), so running it again skips the line reader's regex and the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from modemu.at.syntax import CommandCall
from modemu.modem.registry import CommandSpec, Run

KNOWN_MAX = 64
"""The longest input remembered (every QISTATE form fits); longer input is never hashed."""
KNOWN_LINES = 16
"""Lines remembered per module; when full, the table starts again."""


@dataclass(slots=True)
class KnownAnswer:
    """The bytes one exact input produced, and what they depended on."""

    body: str
    """The command line after ``AT`` (what ``A/`` repeats)."""
    spec: CommandSpec | None
    """The query; None for ``AT`` alone, whose answer depends on the framing only."""
    stamp: object
    """``spec.stamp`` when the answer was written."""
    framing: tuple[bool, bool, bool]
    """Echo, quiet and verbose when the answer was written."""
    answer: bytes
    """Everything written for the input: echo, information text, final result."""
    tcpip: bool = False
    """A TCP/IP command: answering it clears the last ``AT+QIGETERROR`` code."""


@dataclass(frozen=True, slots=True)
class LinePlan:
    """How one exact input reads: a whole plain command line from an idle port, none of
    whose commands is a query (those go through :class:`KnownAnswer`). Valid while S3 and
    S5 are the same (the engine forgets all plans when they change)."""

    body: str
    """The command line after ``AT``."""
    calls: tuple[CommandCall, ...]
    """``body`` parsed (never empty: a bare ``AT`` is answered as a known answer)."""
    tail: int = 0
    """1 when the input ends with the LF of a CR LF after the line's S3, else 0."""
    spec: CommandSpec | None = None
    """For a line of one command that declares ``prepare``: that command, whose
    :attr:`run` the engine calls instead of its handler."""
    run: Run | None = None
    """The command's arguments read once (:data:`modemu.modem.registry.Prepare`)."""
