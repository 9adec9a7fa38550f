"""The ``AT+QIRD`` answer line, shared by the module (renders it) and the client (frames by it).

``+QIRD: <n>`` announces ``n`` payload bytes that follow the line (read by length, they may
hold CRLF); on a UDP SERVICE socket the sender follows the length. ``AT+QIRD=<id>,0`` answers
the three counters instead, with no payload (spec §7.1). Like :mod:`modemu.at.urc`, each shape
is one frozen class with ``render()``, and :func:`parse_read_answer` gives it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from modemu.at.syntax import Arg, parse_info_line, quote

Address = tuple[str, int]

QIRD = "+QIRD"
_FIELDS = 3
"""Both the sender form ``<n>,"<ip>",<port>`` and the counter form have three fields."""


class AnswerSyntaxError(ValueError):
    """A ``+QIRD:`` line with arguments of no known shape."""


@dataclass(frozen=True, slots=True)
class ReadHeader:
    """``+QIRD: <n>[,"<ip>",<port>]``: ``n`` payload bytes follow (0: nothing to read)."""

    length: int
    remote: Address | None = None

    def render(self) -> str:
        if self.remote is None:
            return f"{QIRD}: {self.length}"
        return f"{QIRD}: {self.length},{quote(self.remote[0])},{self.remote[1]}"


@dataclass(frozen=True, slots=True)
class ReadCounters:
    """``+QIRD: <total>,<read>,<unread>``: the answer to ``AT+QIRD=<id>,0``."""

    total: int
    read: int
    unread: int

    def render(self) -> str:
        return f"{QIRD}: {self.total},{self.read},{self.unread}"


ReadAnswer = ReadHeader | ReadCounters


def parse_read_answer(args: tuple[Arg, ...]) -> ReadAnswer:
    """The shape of a ``+QIRD:`` line from its arguments (see :func:`parse_read_line`)."""
    numbers = [arg.text for arg in args if not arg.quoted]
    if not args or not all(text.isdigit() for text in numbers):
        raise AnswerSyntaxError(f"malformed +QIRD answer {args!r}")
    if len(args) == 1:
        return ReadHeader(int(args[0].text))
    if len(args) == _FIELDS and args[1].quoted and not args[2].quoted:
        return ReadHeader(int(args[0].text), (args[1].text, int(args[2].text)))
    if len(args) == _FIELDS and len(numbers) == _FIELDS:
        return ReadCounters(*(int(text) for text in numbers))
    raise AnswerSyntaxError(f"malformed +QIRD answer {args!r}")


def parse_read_line(line: str) -> ReadAnswer | None:
    """``line`` as a ``+QIRD`` answer, or None if it is another line."""
    parsed = parse_info_line(line)
    if parsed is None or parsed[0] != QIRD:
        return None
    return parse_read_answer(parsed[1])
