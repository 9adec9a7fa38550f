"""Events the client protocol produces from the module's bytes (frozen dataclasses).

Every byte the module sends ends up in exactly one of these: a whole response to the
pending command, a ``>`` prompt, an unsolicited result code, a direct-push payload, a piece
of transparent-mode data, or an unsolicited ``NO CARRIER``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from modemu.at.syntax import Arg, parse_info_line


class FinalKind(Enum):
    """Which final result ended a response (spec §1, §6, §9)."""

    OK = "OK"
    ERROR = "ERROR"
    CME_ERROR = "+CME ERROR"
    CMS_ERROR = "+CMS ERROR"
    SEND_OK = "SEND OK"
    SEND_FAIL = "SEND FAIL"
    CONNECT = "CONNECT"
    NO_CARRIER = "NO CARRIER"
    BUSY = "BUSY"
    NO_ANSWER = "NO ANSWER"
    NO_DIALTONE = "NO DIALTONE"

    @property
    def success(self) -> bool:
        """True for the results after which the command did what was asked."""
        return self in (FinalKind.OK, FinalKind.SEND_OK, FinalKind.CONNECT)


_EXACT_FINALS = {
    "OK": FinalKind.OK,
    "ERROR": FinalKind.ERROR,
    "SEND OK": FinalKind.SEND_OK,
    "SEND FAIL": FinalKind.SEND_FAIL,
    "CONNECT": FinalKind.CONNECT,
    "NO CARRIER": FinalKind.NO_CARRIER,
    "BUSY": FinalKind.BUSY,
    "NO ANSWER": FinalKind.NO_ANSWER,
    "NO DIALTONE": FinalKind.NO_DIALTONE,
}
_ID_SEND_OK = re.compile(r"^\d{1,2},SEND OK$")  # TCP/SendMode 2 (spec A10)


def final_kind(line: str) -> FinalKind | None:
    """The final result ``line`` spells, or None for information text and URCs."""
    kind = _EXACT_FINALS.get(line)
    if kind is not None:
        return kind
    if line.startswith("+CME ERROR:"):
        return FinalKind.CME_ERROR
    if line.startswith("+CMS ERROR:"):
        return FinalKind.CMS_ERROR
    if line.startswith("CONNECT "):
        return FinalKind.CONNECT
    if _ID_SEND_OK.match(line):
        return FinalKind.SEND_OK
    return None


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
    parsed arguments after the colon.
    """

    line: str
    name: str | None = None
    args: tuple[Arg, ...] = ()

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
