"""The one table from the network's failure kinds to the module's TCP/IP error codes.

:mod:`modemu.net` says *what* failed (:class:`~modemu.net.base.NetFailure`); the code the host
sees in ``+QIOPEN``, ``+QPING``, ``+QNTP``, ``"dnsgip"`` and ``AT+QIGETERROR`` is decided
here, once (spec §12; the DNS and timeout choices are in docs/choices.md).
"""

from __future__ import annotations

from modemu.at.codes import QiError
from modemu.net.base import NetFailure

QI_CODES: dict[NetFailure, QiError] = {
    NetFailure.ID_IN_USE: QiError.ID_IN_USE,
    NetFailure.NOT_SUPPORTED: QiError.NOT_SUPPORTED,
    NetFailure.SOCKET_CREATE: QiError.SOCKET_CREATE,
    NetFailure.BIND: QiError.BIND_FAILED,
    NetFailure.LISTEN: QiError.LISTEN_FAILED,
    NetFailure.CONNECT: QiError.CONNECT_FAILED,
    NetFailure.NAME_NOT_RESOLVED: QiError.DNS_FAILED,
    NetFailure.NO_ANSWER: QiError.TIMEOUT,
    NetFailure.UNAVAILABLE: QiError.UNKNOWN,
    NetFailure.UNEXPECTED: QiError.UNKNOWN,
}


def qi_code(failure: NetFailure) -> QiError:
    """The ``<err>`` the module reports for ``failure``."""
    return QI_CODES[failure]
