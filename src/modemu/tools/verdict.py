"""Judge one exchange: mask both answers, compare unit by unit, show a unified diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from modemu.tools.exchanges import Exchange, is_milestone, split_units
from modemu.tools.masks import mask_line

__all__ = ["Outcome", "Palette", "judge", "render", "show"]

_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\"}


def show(data: bytes) -> str:
    """Bytes as one printable line: ASCII as is, ``\\r``/``\\n``/``\\t``, else ``\\xNN``."""
    out: list[str] = []
    for char in data.decode("latin-1"):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"\\x{ord(char):02x}")
    return "".join(out)


def masked_units(data: bytes) -> list[str]:
    """``data`` as display lines, one per unit, varying fields masked; the units after
    the last final result or prompt in sorted order.

    Those trailing units are the URCs the host waited for (``+QIOPEN: 0,0`` and
    ``+QIURC: "incoming",…`` after connecting to the module's own listener); which of two
    arrives first is decided by the network's timing, not by the module's logic, so their
    order is not compared. Everything up to the last final result is compared in order.
    """
    units, rest = split_units(data)
    marks = [i for i, unit in enumerate(units) if is_milestone(unit)]
    tail_from = marks[-1] + 1 if marks else 0
    units[tail_from:] = sorted(units[tail_from:])
    if rest:
        units.append(rest)
    return [show(mask_line(unit.decode("latin-1")).encode("latin-1")) for unit in units]


@dataclass(frozen=True)
class Outcome:
    exchange: Exchange
    actual: bytes
    timed_out: bool
    expected_lines: list[str]
    actual_lines: list[str]

    @property
    def differs(self) -> bool:
        return self.timed_out or self.expected_lines != self.actual_lines


def judge(exchange: Exchange, actual: bytes, timed_out: bool = False) -> Outcome:
    return Outcome(
        exchange, actual, timed_out, masked_units(exchange.expected), masked_units(actual)
    )


@dataclass(frozen=True)
class Palette:
    """ANSI colours for a terminal, or none."""

    enabled: bool

    def paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text


MAX_SHOWN = 70
"""Longest command shown in a title line; longer ones end in ``...``."""


def render(outcome: Outcome, palette: Palette, labels: tuple[str, str], timeout: float) -> str:
    """The report of a differing exchange: a title line, then a unified diff."""
    exchange = outcome.exchange
    sent = show(exchange.sent)
    if len(sent) > MAX_SHOWN:
        sent = sent[: MAX_SHOWN - 3] + "..."
    where = "preamble" if exchange.number == 0 else f"exchange {exchange.number}"
    lines = [palette.paint("1", f"{where} (line {exchange.line}): {sent}")]
    diff = difflib.unified_diff(
        outcome.expected_lines, outcome.actual_lines, labels[0], labels[1], lineterm="", n=3
    )
    for line in diff:
        if line.startswith(("---", "+++")):
            lines.append(palette.paint("1", line))
        elif line.startswith("@@"):
            lines.append(palette.paint("36", line))
        elif line.startswith("-"):
            lines.append(palette.paint("31", line))
        elif line.startswith("+"):
            lines.append(palette.paint("32", line))
        else:
            lines.append(line)
    if outcome.timed_out:
        lines.append(palette.paint("33", f"(no complete answer within {timeout:g} s)"))
    return "\n".join(lines)
