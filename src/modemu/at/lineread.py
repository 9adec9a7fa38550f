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

import functools
import re
from dataclasses import dataclass
from enum import Enum, auto


class _State(Enum):
    IDLE = auto()
    GOT_A = auto()
    IN_LINE = auto()
    OVERFLOW = auto()


_IDLE = _State.IDLE
"""Read on every idle check: a module global costs ~8 ns, an Enum member ~70 ns (3.11)."""


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

_LF, _TAB, _CR = 0x0A, 0x09, 0x0D
_SPACE, _DEL, _SLASH = 0x20, 0x7F, 0x2F
_PREFIX = re.compile(rb"[Aa]")


def _special_bytes(s3: int, s5: int) -> re.Pattern[bytes]:
    """Bytes that end a run of ordinary line characters: anything outside 0x20-0x7E,
    and S3/S5 wherever they are set."""
    return re.compile(rb"[^\x20-\x7e]|[" + re.escape(bytes((s3 & 0xFF, s5 & 0xFF))) + rb"]")


@functools.cache
def _polls(s3: int) -> frozenset[bytes]:
    """``AT`` alone in every case spelling, ended by S3 (and by CR LF when S3 is CR: the
    LF is dropped, as before any line). One set per S3 value, shared by every reader: a
    fleet of thousands of modules would otherwise hold thousands of equal copies."""
    end = bytes((s3 & 0xFF,))
    lines = {a + t + end for a in (b"A", b"a") for t in (b"T", b"t")}
    if end == b"\r":
        lines |= {line + b"\n" for line in lines}
    return frozenset(lines)


def _whole_line(s3: int, s5: int) -> re.Pattern[bytes]:
    """A complete plain command line: the bytes an idle reader drops (anything before the
    first ``A``/``a``), ``AT``, ordinary characters only, then S3. Group 1 is the line from
    its ``A``, group 2 the body."""
    ordinary = bytes(c for c in range(0x20, 0x7F) if c not in (s3, s5))
    chars = b"".join(re.escape(bytes((c,))) for c in ordinary)
    return re.compile(
        rb"[^Aa]*([Aa][Tt]([" + chars + rb"]*)" + re.escape(bytes((s3 & 0xFF,))) + rb")"
    )


@dataclass
class FeedResult:
    """What one ``feed`` did: bytes consumed, the echo to send, a line event if any."""

    consumed: int
    echo: bytes
    event: LineEvent | None


class CommandLineReader:
    """Turns command-state bytes into :data:`LineEvent` values, one line at a time."""

    _special: re.Pattern[bytes]
    _line: re.Pattern[bytes]
    poll_lines: frozenset[bytes]
    """``AT`` alone in every spelling, as typed from idle (the host's "are you there"
    poll): :meth:`feed` would take each as one line with an empty body, echo its first
    three bytes and drop a trailing LF. Callers check the length first, so bulk data is
    never hashed."""

    def __init__(self, max_line: int = 1024) -> None:
        self.max_line = max_line
        self._s3 = 0x0D
        self._s5 = 0x08
        self._state = _State.IDLE
        self._buf = bytearray()
        self._refresh_patterns()

    @property
    def s3(self) -> int:
        """The line end (S3); setting it rebuilds the bulk patterns."""
        return self._s3

    @s3.setter
    def s3(self, value: int) -> None:
        if value != self._s3:
            self._s3 = value
            self._refresh_patterns()

    @property
    def s5(self) -> int:
        """The backspace (S5); setting it rebuilds the bulk patterns."""
        return self._s5

    @s5.setter
    def s5(self, value: int) -> None:
        if value != self._s5:
            self._s5 = value
            self._refresh_patterns()

    @property
    def mid_line(self) -> bool:
        """True while a line is being typed (an ``A`` has been seen)."""
        return self._state is not _IDLE

    def reset(self) -> None:
        self._state = _State.IDLE
        self._buf.clear()

    def feed(self, data: bytes | memoryview, echo: bool) -> FeedResult:
        """Consume bytes up to and including the end of one line (or all of ``data``)."""
        found = self.plain_line(data)
        if found is not None:
            echo_from, end, body = found
            return FeedResult(end, bytes(data[echo_from:end]) if echo else b"", CommandLine(body))
        out = bytearray()
        pos = 0
        size = len(data)
        while pos < size:
            pos = self._skip(data, pos, out)  # whole runs at once (same result as _step)
            if pos >= size:
                break
            byte = data[pos]
            pos += 1
            event = self._step(byte, out)
            if event is not None:
                return FeedResult(pos, bytes(out) if echo else b"", event)
        return FeedResult(pos, bytes(out) if echo else b"", None)

    def plain_line(self, data: bytes | memoryview) -> tuple[int, int, str] | None:
        """The common case in one regex: idle, (dropped bytes,) ``AT``, ordinary characters
        within ``max_line``, S3. Returns ``(echo_from, consumed, body)`` exactly as
        :meth:`feed` would step them (with echo on, ``data[echo_from:consumed]`` is the
        echo; ``body`` is the :class:`CommandLine`'s), or None to take the general path.
        The engine calls this first: one call from a whole line's bytes to its body."""
        if self._state is not _State.IDLE:
            return None
        match = self._line.match(data)  # idle: drops up to the first A, then the line
        if match is None:
            return None
        start, end = match.span(2)
        if end - start > self.max_line:
            return None
        return match.start(1), match.end(), str(data[start:end], "latin-1")

    def _refresh_patterns(self) -> None:
        """The patterns and poll lines for the current S3 and S5."""
        self._special = _special_bytes(self._s3, self._s5)
        self._line = _whole_line(self._s3, self._s5)
        self.poll_lines = _polls(self._s3)

    def whole_line(self, data: bytes) -> tuple[str, int] | None:
        """If ``data``, typed from idle, is exactly one plain command line (:meth:`plain_line`)
        with nothing before its ``A`` and nothing after its S3 but the LF of a CR LF (which
        the reader drops, as before any line): its body and the length of that tail (0 or
        1). Otherwise None. Known answers and line plans remember only such input."""
        tail = 1 if data.endswith(b"\r\n") and self._s3 == _CR else 0
        match = self._line.fullmatch(data, 0, len(data) - tail)
        if match is None or match.start(1) != 0:
            return None
        start, end = match.span(2)
        if end - start > self.max_line:
            return None
        return str(data[start:end], "latin-1"), tail

    def _skip(self, data: bytes | memoryview, pos: int, out: bytearray) -> int:
        """Consume, without a Python step per byte, what :meth:`_step` would treat the same
        way byte after byte: bytes before an ``A`` while idle (dropped), and runs of
        ordinary printable characters inside a line (echoed; stored up to ``max_line``).
        Returns the position of the first byte left for :meth:`_step`."""
        state = self._state
        if state is _State.IDLE:
            match = _PREFIX.search(data, pos)
            return len(data) if match is None else match.start()
        if state is _State.GOT_A:
            return pos
        match = self._special.search(data, pos)
        end = len(data) if match is None else match.start()
        if end == pos:
            return pos
        run = data[pos:end]
        out += run
        if state is _State.IN_LINE:
            room = self.max_line - len(self._buf)
            if len(run) > room:
                self._state = _State.OVERFLOW
                self._buf.clear()
            else:
                self._buf += run
        return end

    def _step(self, byte: int, out: bytearray) -> LineEvent | None:
        state = self._state
        if state is _State.IDLE:
            if byte in (0x41, 0x61):  # A a
                self._state = _State.GOT_A
                out.append(byte)
            return None
        if state is _State.GOT_A:
            return self._after_a(byte, out)
        if byte == self._s3:
            out.append(byte)
            return self._finish()
        if byte == self._s5:
            out.append(byte)
            self._backspace()
            return None
        if byte in (_LF, _TAB):
            return None
        if byte < _SPACE or byte >= _DEL:  # control bytes and non-ASCII
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
        if byte == _SLASH:  # A/ repeats the last line
            out.append(byte)
            self._state = _State.IDLE
            return RepeatLine()
        if byte == self._s5:
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
