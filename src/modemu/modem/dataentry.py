"""The ``>`` data-entry phase of ``AT+QISEND``: fixed length, Ctrl-Z terminated, or hex.

Fixed length takes exactly ``length`` bytes, 0x1A and 0x1B included (they are data).
Variable length ends at Ctrl-Z (not sent), is cancelled by ESC (spec A8) and stops storing
at 1460 bytes, answering ``ERROR`` at the Ctrl-Z. With ``dataformat`` send-hex, the host
types two hex digits per byte (A11): ``length`` counts payload bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from modemu.at.limits import CTRL_Z, ESC, MAX_SEND


class Ending(Enum):
    """How data entry ended."""

    DATA = "data"
    """``payload`` is complete: send it."""
    CANCELLED = "cancelled"
    """ESC: nothing is sent, ``OK`` (spec A8)."""
    TOO_LONG = "too long"
    """More than 1460 bytes before Ctrl-Z."""
    BAD_HEX = "bad hex"
    """``dataformat`` send-hex and the host typed something that is not hex."""
    TIMED_OUT = "timed out"
    """``qisend/timeout`` expired (spec A9)."""


@dataclass(frozen=True)
class EntryResult:
    """How data entry ended and, for :attr:`Ending.DATA`, the payload."""

    ending: Ending
    payload: bytes = b""


class DataEntry:
    """Collects the payload typed after ``>``; calls ``done`` once with the outcome."""

    def __init__(
        self,
        length: int | None,
        echo: Callable[[bytes], None] | None,
        done: Callable[[EntryResult], None],
        hex_input: bool = False,
    ) -> None:
        self.length = length
        self.hex_input = hex_input
        self._want = None if length is None else length * (2 if hex_input else 1)
        self._echo = echo
        self._done = done
        self._buf = bytearray()
        self._overflow = False
        self.finished = False

    def feed(self, data: memoryview, now: float) -> int:
        if self.finished:
            return 0
        if self._want is not None:
            return self._feed_fixed(data)
        return self._feed_variable(data)

    def _feed_fixed(self, data: memoryview) -> int:
        assert self._want is not None
        take = min(len(data), self._want - len(self._buf))
        chunk = data[:take]
        self._buf += chunk
        if self._echo is not None and take:
            self._echo(bytes(chunk))
        if len(self._buf) == self._want:
            self._finish(self._complete())
        return take

    def _feed_variable(self, data: memoryview) -> int:
        raw = bytes(data)
        stop_z = raw.find(CTRL_Z)
        stop_esc = raw.find(ESC)
        stops = [i for i in (stop_z, stop_esc) if i >= 0]
        end = min(stops) if stops else len(raw)
        self._store(raw[:end])
        if not stops:
            return len(raw)
        if raw[end] == ESC:
            self._finish(EntryResult(Ending.CANCELLED))
        elif self._overflow:
            self._finish(EntryResult(Ending.TOO_LONG))
        else:
            self._finish(self._complete())
        return end + 1

    def _store(self, chunk: bytes) -> None:
        limit = MAX_SEND * (2 if self.hex_input else 1)
        room = limit - len(self._buf)
        if len(chunk) > room:
            self._overflow = True
            chunk = chunk[: max(room, 0)]
        self._buf += chunk
        if self._echo is not None and chunk:
            self._echo(chunk)

    def _complete(self) -> EntryResult:
        if not self.hex_input:
            return EntryResult(Ending.DATA, bytes(self._buf))
        if not valid_hex(bytes(self._buf)):
            return EntryResult(Ending.BAD_HEX)
        return EntryResult(Ending.DATA, bytes.fromhex(self._buf.decode("latin-1")))

    def _finish(self, result: EntryResult) -> None:
        self.finished = True
        self._done(result)

    def expire(self) -> None:
        """``qisend/timeout`` ran out: end entry with nothing sent."""
        if not self.finished:
            self.finished = True
            self._done(EntryResult(Ending.TIMED_OUT))


def valid_hex(text: bytes) -> bool:
    """Even count of hex digits and nothing else (``bytes.fromhex`` alone allows spaces)."""
    if len(text) % 2 or not text.isalnum():
        return False
    try:
        bytes.fromhex(text.decode("latin-1"))
    except ValueError:
        return False
    return True
