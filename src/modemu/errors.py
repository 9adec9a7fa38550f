"""Every exception modemu raises, under one root so callers can catch ``ModemuError``.

The tree (local vs remote protocol errors after ``h11``; error codes carried as attributes
and timeouts that are also ``TimeoutError`` after ``python-can``)::

    ModemuError
     ├── ProtocolError                 the byte conversation broke down
     │    ├── LocalProtocolError       we tried something the protocol forbids right now
     │    └── RemoteProtocolError      the module sent bytes we cannot frame
     ├── CommandError                  a command ended in a failure result (ERROR, …)
     │    │                            .command, .result, .qi_error (from AT+QIGETERROR)
     │    ├── CmeError                 +CME ERROR: <n>   .code (.error_code alias)
     │    └── SendFailed               SEND FAIL: the module's send buffer is full
     ├── OperationError                a failure code in a result URC (+QIOPEN: 0,566,
     │                                 +QPING: 565, "dnsgip",565, +QNTP: 569)  .qi_error
     ├── ConnectionClosed              the socket is closed (peer FIN, NO CARRIER, close())
     │                                 also a ``ConnectionError``
     ├── PortError                     the serial port (or URL) failed or went away
     ├── ModemTimeout                  no answer in time; also a ``TimeoutError``
     └── ControlError                  the control interface refused a request (unknown
                                       fault, bad argument, not possible right now)

``qi_error`` is a :class:`~modemu.at.codes.QiError` when the code is one of the documented
550-574 values and a plain ``int`` otherwise, so unexpected firmware codes still surface.
"""

from __future__ import annotations

from modemu.at.codes import Cme, QiError

__all__ = [
    "CmeError",
    "CommandError",
    "ConnectionClosed",
    "ControlError",
    "LocalProtocolError",
    "ModemTimeout",
    "ModemuError",
    "OperationError",
    "PortError",
    "ProtocolError",
    "RemoteProtocolError",
    "SendFailed",
    "cme_from_int",
    "qi_error_from_int",
]


def qi_error_from_int(code: int) -> QiError | int:
    """The symbolic :class:`QiError` for ``code`` when one exists, else the bare int."""
    try:
        return QiError(code)
    except ValueError:
        return code


def cme_from_int(code: int) -> Cme | int:
    """The symbolic :class:`Cme` for ``code`` when one exists, else the bare int."""
    try:
        return Cme(code)
    except ValueError:
        return code


class ModemuError(Exception):
    """Root of every modemu exception."""


class ProtocolError(ModemuError):
    """The AT conversation cannot continue as framed; the port may need a resync."""


class LocalProtocolError(ProtocolError):
    """The caller asked for something the protocol state forbids (e.g. two commands at once)."""


class RemoteProtocolError(ProtocolError):
    """The module sent bytes that do not fit the framing we expected."""


class CommandError(ModemuError):
    """A command ended in a failure result.

    ``qi_error`` is filled in for TCP/IP commands, whose plain ``ERROR`` carries no reason
    (spec §12): the client asks ``AT+QIGETERROR`` and stores the answer here.
    """

    def __init__(self, command: str, result: str, qi_error: QiError | int | None = None) -> None:
        self.command = command
        self.result = result
        self.qi_error = qi_error
        detail = f" (QI error {int(qi_error)})" if qi_error is not None else ""
        super().__init__(f"{command!r} answered {result!r}{detail}")


class CmeError(CommandError):
    """``+CME ERROR: <n>``; ``code`` is a :class:`Cme` when known (numeric or verbose form)."""

    def __init__(self, command: str, result: str, code: Cme | int | None) -> None:
        super().__init__(command, result)
        self.code = code

    @property
    def error_code(self) -> Cme | int | None:
        """Alias of :attr:`code`, the name python-can style code expects."""
        return self.code


class SendFailed(CommandError):  # noqa: N818 - reads as a sentence
    """``SEND FAIL``: nothing was queued because the module's send buffer is full; retry."""


class OperationError(ModemuError):
    """An asynchronous operation reported a failure code in its result URC."""

    def __init__(self, operation: str, qi_error: QiError | int) -> None:
        self.operation = operation
        self.qi_error = qi_error
        super().__init__(f"{operation} failed with QI error {int(qi_error)}")


class ConnectionClosed(ModemuError, ConnectionError):  # noqa: N818 - reads as a sentence
    """The socket is closed: by the peer (``"closed"`` URC, ``NO CARRIER``) or by us."""


class PortError(ModemuError):
    """The serial port could not be opened, or failed while in use."""


class ModemTimeout(ModemuError, TimeoutError):  # noqa: N818 - reads as a sentence
    """The module did not answer (or the awaited URC did not arrive) in time."""


class ControlError(ModemuError):
    """The control interface refused a request: unknown operation, bad or missing argument,
    or a fault that does not apply in the module's present state. Nothing was changed."""
