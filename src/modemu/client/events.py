"""Events the client protocol produces from the module's bytes (frozen dataclasses).

Every byte the module sends ends up in exactly one of these: a whole response to the
pending command, a ``>`` prompt, an unsolicited result code, a direct-push payload, a piece
of transparent-mode data, or an unsolicited ``NO CARRIER``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modemu.at.finals import FinalKind, final_kind
from modemu.at.syntax import Arg, parse_info_line
from modemu.at.urc import UrcEvent

__all__ = ["FinalKind", "final_kind"]  # re-exported: the client's public names


@dataclass(frozen=True)
class Response:
    """The complete answer to one command: its information lines and final result.

    ``data`` holds the raw payload of a ``+QIRD`` answer (read by length, never by line).
    """

    command: str
    lines: tuple[str, ...]
    result: str
    kind: FinalKind
    data: bytes | None = None

    @property
    def ok(self) -> bool:
        return self.kind.success

    def info_args(self, name: str) -> tuple[Arg, ...]:
        """Arguments of the first information line ``<name>: …`` (empty if none)."""
        for line in self.lines:
            parsed = parse_info_line(line)
            if parsed is not None and parsed[0] == name:
                return parsed[1]
        return ()

    @property
    def cme_code(self) -> int | str | None:
        """The ``+CME ERROR`` code: an int (CMEE=1) or the verbose text (CMEE=2)."""
        if self.kind is not FinalKind.CME_ERROR:
            return None
        value = self.result.partition(":")[2].strip()
        return int(value) if value.isdigit() else value


@dataclass(frozen=True)
class Prompt:
    """The ``>`` data-entry prompt of ``AT+QISEND``: the payload may be written now."""


@dataclass(frozen=True)
class Urc:
    """An unsolicited result code, e.g. ``+QIURC: "closed",0`` or ``RDY``.

    ``name`` is the upper-case prefix (``+QIURC``) or None for bare words; ``args`` are the
    parsed arguments after the colon. ``event`` is the same line as a typed event of the
    shared vocabulary (:mod:`modemu.at.urc`), or None for a URC it does not know.
    """

    line: str
    name: str | None = None
    args: tuple[Arg, ...] = ()
    event: UrcEvent | None = field(default=None, compare=False)
    """Derived from ``line``, so it takes no part in equality."""

    @property
    def kind(self) -> str | None:
        """For ``+QIURC`` lines the quoted first argument (``recv``, ``closed``…)."""
        if self.name == "+QIURC" and self.args:
            return self.args[0].text
        return None

    def int_arg(self, index: int) -> int:
        """Argument ``index`` as an int; ValueError/IndexError if it is not one."""
        return int(self.args[index].text)


@dataclass(frozen=True)
class PushData:
    """A direct-push payload: ``+QIURC: "recv",<id>,<len>[,"<ip>",<port>]`` + bytes."""

    conn_id: int
    data: bytes
    remote: tuple[str, int] | None = None


@dataclass(frozen=True)
class TransparentData:
    """Raw peer bytes received while the port is in transparent mode."""

    data: bytes


@dataclass(frozen=True)
class NoCarrier:
    """The transparent link was lost (or an unsolicited ``NO CARRIER`` in command mode)."""


Event = Response | Prompt | Urc | PushData | TransparentData | NoCarrier
