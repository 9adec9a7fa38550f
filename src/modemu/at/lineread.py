"""V.250 command-line discipline on the module side: find ``AT``, edit, echo, terminate.

The reader consumes host bytes in command state and stops right after each complete line,
so that bytes following a command which changes the port mode (``AT+QISEND`` → data entry,
``ATO`` → transparent) are left for the new mode, not eaten as another command.

Choices where V.250 leaves room (documented in ``docs/line-discipline.md``):
- bytes before an ``A``/``a`` are dropped without echo (stray 0x1A after a fixed-length
  send, ``+++`` in command state, LF after CR);
- from the ``A`` on, every byte is echoed as received when echo is on, S3 included;
- a byte ≥ 0x80 or a control byte other than S3, S5, LF and TAB inside a line abandons the
  line silently: binary garbage is never a command, and the port is ready for ``AT`` again;
- LF and TAB inside a line are dropped; S5 (backspace) deletes the previous character and,
  past the ``T``, the prefix itself;
- a line longer than ``max_line`` characters after ``AT`` is discarded up to its S3 and
  answered with ``ERROR``; nothing past the limit is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto


class _State(Enum):
    IDLE = auto()
    GOT_A = auto()
    IN_LINE = auto()
    OVERFLOW = auto()


@dataclass(frozen=True)
class CommandLine:
    """A complete command line: ``body`` is the text after ``AT`` (latin-1 decoded)."""

    body: str


@dataclass(frozen=True)
class RepeatLine:
    """``A/``: repeat the previous command line."""


@dataclass(frozen=True)
class LineTooLong:
    """A line exceeded the limit; it was dropped and must be answered with ``ERROR``."""


LineEvent = CommandLine | RepeatLine | LineTooLong

_LF, _TAB = 0x0A, 0x09


@dataclass
class FeedResult:
    consumed: int
    echo: bytes
    event: LineEvent | None


class CommandLineReader:
    """Turns command-state bytes into :data:`LineEvent` values, one line at a time."""

    def __init__(self, max_line: int = 1024) -> None:
        self.max_line = max_line
        self.s3 = 0x0D
        self.s5 = 0x08
        self._state = _State.IDLE
        self._buf = bytearray()

    @property
    def mid_line(self) -> bool:
        """True while a line is being typed (an ``A`` has been seen)."""
        return self._state is not _State.IDLE

    def reset(self) -> None:
        self._state = _State.IDLE
        self._buf.clear()

    def feed(self, data: bytes | memoryview, echo: bool) -> FeedResult:
        """Consume bytes up to and including the end of one line (or all of ``data``)."""
        out = bytearray()
        pos = 0
        size = len(data)
        while pos < size:
            byte = data[pos]
            pos += 1
            event = self._step(byte, out)
            if event is not None:
                return FeedResult(pos, bytes(out) if echo else b"", event)
        return FeedResult(pos, bytes(out) if echo else b"", None)

    def _step(self, byte: int, out: bytearray) -> LineEvent | None:
        state = self._state
        if state is _State.IDLE:
            if byte in (0x41, 0x61):  # A a
                self._state = _State.GOT_A
                out.append(byte)
            return None
        if state is _State.GOT_A:
            return self._after_a(byte, out)
        if byte == self.s3:
            out.append(byte)
            return self._finish()
        if byte == self.s5:
            out.append(byte)
            self._backspace()
            return None
        if byte in (_LF, _TAB):
            return None
        if byte < 0x20 or byte >= 0x7F:
            self.reset()  # binary garbage abandons the line
            return None
        out.append(byte)
        if state is _State.IN_LINE:
            if len(self._buf) >= self.max_line:
                self._state = _State.OVERFLOW
                self._buf.clear()
            else:
                self._buf.append(byte)
        return None

    def _after_a(self, byte: int, out: bytearray) -> LineEvent | None:
        if byte in (0x54, 0x74):  # T t
            out.append(byte)
            self._state = _State.IN_LINE
            self._buf.clear()
            return None
        if byte == 0x2F:  # /
            out.append(byte)
            self._state = _State.IDLE
            return RepeatLine()
        if byte == self.s5:
            out.append(byte)
            self._state = _State.IDLE
            return None
        self._state = _State.IDLE
        return self._step(byte, out)  # the byte may itself start a new "A"

    def _backspace(self) -> None:
        if self._state is _State.OVERFLOW:
            return
        if self._buf:
            self._buf.pop()
        else:
            self._state = _State.GOT_A

    def _finish(self) -> LineEvent:
        overflowed = self._state is _State.OVERFLOW
        body = self._buf.decode("latin-1")
        self.reset()
        return LineTooLong() if overflowed else CommandLine(body)
