"""Result codes, TCP/IP error codes and CME error codes of the Quectel TCP/IP AT set.

Both the module (to render answers) and the client (to recognise them) use these tables,
so the protocol's vocabulary is defined exactly once.
"""

from __future__ import annotations

from enum import IntEnum


class Result(IntEnum):
    """V.250 final result codes; the value is the numeric form used under ``ATV0``."""

    OK = 0
    CONNECT = 1
    RING = 2
    NO_CARRIER = 3
    ERROR = 4
    NO_DIALTONE = 6
    BUSY = 7
    NO_ANSWER = 8

    @property
    def text(self) -> str:
        """The verbose (``ATV1``) spelling, e.g. ``NO CARRIER``."""
        return self.name.replace("_", " ")


#: ``<err>`` values of ``+QIOPEN``/``+QPING``/``+QNTP``/``dnsgip`` and ``AT+QIGETERROR``
#: (spec section 12), with the description text ``AT+QIGETERROR`` prints: the spec table
#: text in lower case (spec A15).
QI_ERROR_TEXT: dict[int, str] = {
    0: "operation success",
    550: "unknown error",
    551: "operation blocked",
    552: "invalid parameters",
    553: "memory not enough",
    554: "socket creation failed",
    555: "operation not supported",
    556: "socket bind failed",
    557: "socket listen failed",
    558: "socket write failed",
    559: "socket read failed",
    560: "socket accept failed",
    561: "pdp context opening failed",
    562: "pdp context closure failed",
    563: "socket identity has been used",
    564: "dns busy",
    565: "dns parse failed",
    566: "socket connect failed",
    567: "socket has been closed",
    568: "operation busy",
    569: "operation timeout",
    570: "pdp context broken down",
    571: "cancel sending",
    572: "operation not allowed",
    573: "apn not configured",
    574: "port busy",
}


class QiError(IntEnum):
    """Symbolic names for the TCP/IP error codes, so code never carries bare 5xx numbers."""

    SUCCESS = 0
    UNKNOWN = 550
    BLOCKED = 551
    INVALID_PARAMS = 552
    NO_MEMORY = 553
    SOCKET_CREATE = 554
    NOT_SUPPORTED = 555
    BIND_FAILED = 556
    LISTEN_FAILED = 557
    WRITE_FAILED = 558
    READ_FAILED = 559
    ACCEPT_FAILED = 560
    PDP_OPEN_FAILED = 561
    PDP_CLOSE_FAILED = 562
    ID_IN_USE = 563
    DNS_BUSY = 564
    DNS_FAILED = 565
    CONNECT_FAILED = 566
    SOCKET_CLOSED = 567
    BUSY = 568
    TIMEOUT = 569
    PDP_BROKEN = 570
    SEND_CANCELLED = 571
    NOT_ALLOWED = 572
    APN_NOT_CONFIGURED = 573
    PORT_BUSY = 574

    @property
    def text(self) -> str:
        return QI_ERROR_TEXT[int(self)]


#: 3GPP TS 27.007 ``+CME ERROR`` codes used by this module, with the ``AT+CMEE=2`` text.
CME_ERROR_TEXT: dict[int, str] = {
    0: "phone failure",
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    30: "no network service",
    50: "incorrect parameters",
    100: "unknown",
}


class Cme(IntEnum):
    """Symbolic names for the ``+CME ERROR`` codes in :data:`CME_ERROR_TEXT`."""

    PHONE_FAILURE = 0
    NOT_ALLOWED = 3
    NOT_SUPPORTED = 4
    SIM_NOT_INSERTED = 10
    SIM_PIN_REQUIRED = 11
    SIM_PUK_REQUIRED = 12
    SIM_FAILURE = 13
    SIM_BUSY = 14
    INCORRECT_PASSWORD = 16
    NO_NETWORK = 30
    INCORRECT_PARAMS = 50
    UNKNOWN = 100

    @property
    def text(self) -> str:
        return CME_ERROR_TEXT[int(self)]
