"""Opening module sockets: ``AT+QIOPEN`` on a free id, through the modem's public surface.

The id comes from the modem's :class:`~modemu.client.table.SocketTable`; an id the module
says is already in use (563, e.g. a socket left open by an earlier run) is skipped and the
next one tried. Buffer and push opens answer ``OK`` and report in ``+QIOPEN: <id>,<err>``;
a transparent open answers ``CONNECT`` or ``ERROR`` and never a URC (spec §5.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.at.params import AccessMode, ServiceType
from modemu.at.syntax import format_args
from modemu.client.events import FinalKind, Urc
from modemu.errors import CommandError, ModemTimeout, OperationError, qi_error_from_int

if TYPE_CHECKING:
    from modemu.client.aio import AsyncModem

__all__ = ["OpenRequest", "open_on_free_id"]


@dataclass(frozen=True)
class OpenRequest:
    """The arguments of one ``AT+QIOPEN`` apart from the connect id."""

    service: ServiceType
    host: str
    remote_port: int
    local_port: int
    mode: AccessMode
    cid: int

    def line(self, conn_id: int) -> str:
        args = (self.cid, conn_id, self.service.value, self.host, self.remote_port)
        return "AT+QIOPEN=" + format_args(*args, self.local_port, int(self.mode))

    def describe(self) -> str:
        return f"{self.service.value} {self.host}:{self.remote_port or self.local_port}"


async def open_on_free_id(modem: AsyncModem, request: OpenRequest, timeout: float) -> int:
    """``AT+QIOPEN`` on the lowest free id; returns the id, still reserved in the table."""
    tried: set[int] = set()
    while True:
        conn_id = modem.table.allocate(tried)
        try:
            err = await _open_id(modem, conn_id, request, timeout)
        except BaseException:
            modem.table.release(conn_id)
            raise
        if err == 0:
            return conn_id
        modem.table.release(conn_id)
        if err != QiError.ID_IN_USE:
            raise OperationError(f"opening {request.describe()}", err)
        tried.add(conn_id)


async def _open_id(
    modem: AsyncModem, conn_id: int, request: OpenRequest, timeout: float
) -> QiError | int:
    line = request.line(conn_id)
    if request.mode is AccessMode.TRANSPARENT:
        return await _open_transparent(modem, line, timeout)
    with modem.subscribe(lambda urc: _open_result(urc, conn_id) is not None) as sub:
        await modem.command(line)
        try:
            urc = await sub.get(timeout)
        except TimeoutError:
            raise ModemTimeout(f"no +QIOPEN result for socket {conn_id}") from None
    result = _open_result(urc, conn_id)
    return qi_error_from_int(result.err if result is not None else QiError.UNKNOWN)


async def _open_transparent(modem: AsyncModem, line: str, timeout: float) -> QiError | int:
    """Transparent QIOPEN answers ``CONNECT`` or ``ERROR``, never a URC (spec §5.1)."""
    response = await modem.transact(line, timeout=timeout)
    if response.kind is FinalKind.CONNECT:
        return 0
    try:
        await modem.raise_for(response)
    except CommandError as exc:
        if exc.qi_error is None:
            raise
        return exc.qi_error
    return QiError.UNKNOWN


def _open_result(urc: Urc, conn_id: int) -> u.OpenResult | None:
    """``urc`` if it is the ``+QIOPEN`` result for ``conn_id``."""
    event = urc.event
    return event if isinstance(event, u.OpenResult) and event.conn_id == conn_id else None
