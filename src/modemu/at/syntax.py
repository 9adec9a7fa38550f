"""AT command-line syntax: split a line into commands and arguments, and format them back.

The module parses what the host typed; the client uses :func:`split_args` and
:func:`parse_info_line` on the module's answers and :func:`format_args` to build commands,
so both sides share one definition of quoting and argument lists.

Leniency (spec §1.8): unquoted strings, spaces around commas and omitted trailing
arguments are all accepted. Spaces outside quotes are ignored, as V.250 prescribes, so an
unquoted string cannot contain a space.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

EXTENDED_PREFIXES = "+^$%*#"
_MIN_NAME = 2
"""A prefix and at least one name character (``+X``)."""
_QUOTES = 2
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!%-./:_")


class AtSyntaxError(ValueError):
    """The text does not follow AT syntax (the module answers ``ERROR``)."""


class Form(Enum):
    """The four shapes of an AT command (V.250 §5.4)."""

    EXEC = "exec"  # AT+X  (or a basic command such as ATE)
    TEST = "test"  # AT+X=?
    READ = "read"  # AT+X?
    SET = "set"  # AT+X=<args>  (or a basic command with a value: ATE1, AT&D2, ATS3=13)

    # Members compare by identity, so an identity hash agrees with == and runs in C
    # (Enum's own hashes the name in Python): every command's form is looked up in a set.
    __hash__ = object.__hash__


@dataclass(frozen=True)
class Arg:
    """One argument as typed: its text (quotes removed) and whether it was quoted."""

    text: str
    quoted: bool = False

    @property
    def omitted(self) -> bool:
        """True for an empty, unquoted field such as the middle one of ``1,,2``."""
        return not self.quoted and self.text == ""


@dataclass(frozen=True)
class CommandCall:
    """One command of a command line, e.g. ``+QIOPEN`` in SET form with its arguments."""

    name: str
    """Upper-case name: ``+QIOPEN``, ``E``, ``&D``, ``S3``, ``I``."""
    form: Form
    args: tuple[Arg, ...] = ()


def split_args(text: str) -> tuple[Arg, ...]:
    """Split ``1, "a,b" ,x`` into arguments; commas inside quotes do not split."""
    args: list[Arg] = []
    field: list[str] = []
    in_quotes = False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
            field.append(char)
        elif char == "," and not in_quotes:
            args.append(_make_arg("".join(field)))
            field = []
        else:
            field.append(char)
    if in_quotes:
        raise AtSyntaxError("unterminated string")
    args.append(_make_arg("".join(field)))
    return tuple(args)


def _make_arg(raw: str) -> Arg:
    stripped = raw.strip(" ")
    if stripped.startswith('"'):
        if len(stripped) < _QUOTES or not stripped.endswith('"') or '"' in stripped[1:-1]:
            raise AtSyntaxError(f"malformed string argument {raw!r}")
        return Arg(stripped[1:-1], quoted=True)
    if '"' in stripped:
        raise AtSyntaxError(f"stray quote in {raw!r}")
    return Arg(stripped)


def parse_command_line(body: str) -> list[CommandCall]:
    """Parse the text after ``AT`` (without the terminating S3) into commands.

    Basic commands may follow each other directly (``ATE0V1``); extended commands end at
    ``;`` or the end of the line (``AT+CSQ;+CREG?``). An empty body is one ``AT`` command,
    returned as an empty list.
    """
    text = _drop_unquoted_spaces(body)
    calls: list[CommandCall] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == ";":
            pos += 1
        elif char in EXTENDED_PREFIXES:
            call, pos = _parse_extended(text, pos)
            calls.append(call)
        elif char == "&":
            call, pos = _parse_basic(text, pos + 1, prefix="&")
            calls.append(call)
        elif char.upper() == "S" and pos + 1 < len(text) and text[pos + 1].isdigit():
            call, pos = _parse_s_register(text, pos + 1)
            calls.append(call)
        elif char.isalpha():
            call, pos = _parse_basic(text, pos, prefix="")
            calls.append(call)
        else:
            raise AtSyntaxError(f"unexpected {char!r} in command line")
    return calls


def _drop_unquoted_spaces(text: str) -> str:
    out: list[str] = []
    in_quotes = False
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        if char != " " or in_quotes:
            out.append(char)
    if in_quotes:
        raise AtSyntaxError("unterminated string")
    return "".join(out)


def _parse_extended(text: str, pos: int) -> tuple[CommandCall, int]:
    start = pos
    pos += 1
    while pos < len(text) and text[pos].upper() in _NAME_CHARS:
        pos += 1
    name = text[start:pos].upper()
    if len(name) < _MIN_NAME:
        raise AtSyntaxError("missing command name")
    rest = text[pos:]
    if rest.startswith("=?"):
        return CommandCall(name, Form.TEST), _expect_end(text, pos + 2)
    if rest.startswith("?"):
        return CommandCall(name, Form.READ), _expect_end(text, pos + 1)
    if rest.startswith("="):
        end = _end_of_args(text, pos + 1)
        return CommandCall(name, Form.SET, split_args(text[pos + 1 : end])), end
    return CommandCall(name, Form.EXEC), _expect_end(text, pos)


def _end_of_args(text: str, pos: int) -> int:
    in_quotes = False
    while pos < len(text):
        if text[pos] == '"':
            in_quotes = not in_quotes
        elif text[pos] == ";" and not in_quotes:
            return pos
        pos += 1
    return pos


def _expect_end(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] != ";":
        raise AtSyntaxError(f"unexpected {text[pos:]!r} after command")
    return pos


def _parse_basic(text: str, pos: int, prefix: str) -> tuple[CommandCall, int]:
    if pos >= len(text) or not text[pos].isalpha():
        raise AtSyntaxError("basic command letter expected")
    name = prefix + text[pos].upper()
    pos += 1
    if name == "D":  # dial: the rest of the line is the dial string
        return CommandCall(name, Form.SET, (Arg(text[pos:]),)), len(text)
    if text.startswith("?", pos):
        return CommandCall(name, Form.READ), pos + 1
    start = pos
    while pos < len(text) and text[pos].isdigit():
        pos += 1
    if pos == start:
        return CommandCall(name, Form.EXEC), pos
    return CommandCall(name, Form.SET, (Arg(text[start:pos]),)), pos


def _parse_s_register(text: str, pos: int) -> tuple[CommandCall, int]:
    start = pos
    while pos < len(text) and text[pos].isdigit():
        pos += 1
    name = "S" + str(int(text[start:pos]))
    if text.startswith("?", pos):
        return CommandCall(name, Form.READ), pos + 1
    if text.startswith("=", pos):
        value_start = pos = pos + 1
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        return CommandCall(name, Form.SET, (Arg(text[value_start:pos]),)), pos
    raise AtSyntaxError("S-register needs '?' or '='")


def parse_info_line(line: str) -> tuple[str, tuple[Arg, ...]] | None:
    """Split an information line ``+QIOPEN: 0,565`` into (``+QIOPEN``, args).

    Returns None for lines that are not of the ``<prefix>NAME: args`` shape.
    """
    if not line or line[0] not in EXTENDED_PREFIXES:
        return None
    name, sep, rest = line.partition(":")
    if not sep or not all(c.upper() in _NAME_CHARS for c in name[1:]) or len(name) < _MIN_NAME:
        return None
    try:
        return name.upper(), split_args(rest.lstrip(" "))
    except AtSyntaxError:
        return None


def quote(text: str) -> str:
    """A string argument in quotes; AT strings cannot carry a double quote."""
    if '"' in text or "\r" in text or "\n" in text:
        raise ValueError(f"cannot send {text!r} as an AT string")
    return f'"{text}"'


def format_args(*values: int | str | None) -> str:
    """``format_args(1, "CMNET", None)`` → ``1,"CMNET"``: ints bare, strings quoted;
    trailing ``None`` values are omitted and inner ones leave an empty field."""
    items = list(values)
    while items and items[-1] is None:
        items.pop()
    return ",".join("" if v is None else str(v) if isinstance(v, int) else quote(v) for v in items)
