"""Final results of the TCP/IP AT set: one vocabulary for the module and the client.

The module renders these words (``SEND OK``, ``SEND FAIL``, ``<id>,SEND OK``…); the client
recognises them with :func:`final_kind`. Keeping both on this table means a spelling can
only change in one place.
"""

from __future__ import annotations

import re
from enum import Enum


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


def send_ok_with_id(conn_id: int) -> str:
    """The ``TCP/SendMode`` 2 final result (spec A10): ``<connectID>,SEND OK``."""
    return f"{conn_id},{FinalKind.SEND_OK.value}"
