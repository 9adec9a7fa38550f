"""Find and replace arguments of an AT command or information line in place.

Both credential redaction (:mod:`modemu.trace.redact`) and the comparison masks of
``replay``/``diff`` (:mod:`modemu.tools.masks`) replace chosen arguments of lines such as
``AT+QICSGP=1,1,"apn","user","pw"`` or ``+QISTATE: 0,"TCP","1.2.3.4",80,51234,...`` while
keeping every other byte, so they need spans rather than the parsed values
:func:`modemu.at.syntax.split_args` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["argument_spans", "first_argument", "replace_arguments", "substitute"]

_LINE_ENDS = "\r\n"


def argument_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Spans of the comma-separated arguments from ``start`` up to an unquoted ``;``, a
    line end, or the end of ``text``. Commas inside quotes do not split; an unterminated
    quote runs to the end."""
    spans: list[tuple[int, int]] = []
    quoted = False
    field_start = start
    pos = start
    while pos < len(text):
        char = text[pos]
        if char == '"':
            quoted = not quoted
        elif char in _LINE_ENDS or (char == ";" and not quoted):
            break
        elif char == "," and not quoted:
            spans.append((field_start, pos))
            field_start = pos + 1
        pos += 1
    spans.append((field_start, pos))
    return spans


def replace_arguments(
    text: str, start: int, positions: Iterable[int], replace: Callable[[str], str]
) -> tuple[str, int]:
    """``text`` with ``replace(raw)`` put in place of the arguments at ``positions``
    (0-based) of the list beginning at ``start``; also returns where that list now ends."""
    spans = argument_spans(text, start)
    wanted = set(positions)
    pieces: list[str] = [text[:start]]
    cursor = start
    for index, (lo, hi) in enumerate(spans):
        if index in wanted:
            pieces.append(text[cursor:lo] + replace(text[lo:hi]))
            cursor = hi
    pieces.append(text[cursor:])
    new = "".join(pieces)
    return new, spans[-1][1] + len(new) - len(text)


def first_argument(text: str, start: int) -> str:
    """The first argument after ``start``, unquoted and lower-cased (a rule's key)."""
    lo, hi = argument_spans(text, start)[0]
    return text[lo:hi].strip(' "').lower()


def substitute(raw: str, replacement: str) -> str:
    """One argument's text ``raw`` with its value replaced, keeping the spaces around it
    and its quotes (an unterminated quote stays unterminated). An empty value, quoted or
    not, is kept as it is."""
    stripped = raw.strip(" ")
    if stripped in ("", '""'):
        return raw
    lead = raw[: len(raw) - len(raw.lstrip(" "))]
    trail = raw[len(raw.rstrip(" ")) :]
    if stripped.startswith('"'):
        close = '"' if len(stripped) > 1 and stripped.endswith('"') else ""
        return f'{lead}"{replacement}{close}{trail}'
    return f"{lead}{replacement}{trail}"
