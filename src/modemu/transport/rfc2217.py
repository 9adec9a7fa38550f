"""An RFC 2217 (Telnet COM port) server: the module's UART with its modem control lines.

A pyserial host opens ``rfc2217://127.0.0.1:PORT`` and drives ``dtr``, ``rts``,
``break_condition`` and the baud rate, and reads ``cts``, ``dsr``, ``ri`` and ``cd``, as
on a real serial port. The Telnet and RFC 2217 protocol is pyserial's own server side,
:class:`serial.rfc2217.PortManager`: it filters option negotiation out of the host's
bytes and applies the host's settings to a "serial port" object; here that object is
:class:`_PortLines`, which hands each change to the listener instead of to hardware.

Everything else is :class:`~modemu.transport.tcp.TcpTransport`'s: one host at a time,
the module keeps running across reconnects, back-pressure by water marks.

Two differences from a raw TCP port, both so a line change is never stuck behind data:

* Reading from the socket goes on while the module pauses host input; data bytes wait in
  a bounded buffer (reading stops only beyond :data:`HELD_INPUT_LIMIT`), so a host can
  raise RTS or drop DTR while the module is not taking data.
* Output bytes 0xFF are doubled (Telnet IAC escaping) on the way out.
"""

from __future__ import annotations

import logging
from typing import Any

from serial import rfc2217

from modemu.transport.base import DEFAULT_HIGH_WATER, DEFAULT_MAX_BUFFER
from modemu.transport.tcp import TcpTransport, _HostConnection, format_hostport

__all__ = ["HELD_INPUT_LIMIT", "Rfc2217Transport"]

log = logging.getLogger("modemu.transport.rfc2217")

IAC = b"\xff"
HELD_INPUT_LIMIT = 256 * 1024
"""Host data bytes kept while the module pauses input; beyond this the socket is paused."""


class _PortLines:
    """The serial-port object :class:`PortManager` drives: host-side settings are
    reported to the transport, module-side lines are read from it."""

    def __init__(self, owner: Rfc2217Transport) -> None:
        self._owner = owner
        self._dtr = True
        self._rts = True
        self._break = False
        self._baudrate = 115200
        self.bytesize = 8
        self.parity = "N"
        self.stopbits = 1
        self.xonxoff = False
        self.rtscts = False

    # what the host drives ----------------------------------------------------------------

    @property
    def dtr(self) -> bool:
        return self._dtr

    @dtr.setter
    def dtr(self, value: bool) -> None:
        self._dtr = bool(value)
        self._owner._host_line("dtr", self._dtr)

    @property
    def rts(self) -> bool:
        return self._rts

    @rts.setter
    def rts(self, value: bool) -> None:
        self._rts = bool(value)
        self._owner._host_line("rts", self._rts)

    @property
    def break_condition(self) -> bool:
        return self._break

    @break_condition.setter
    def break_condition(self, value: bool) -> None:
        self._break = bool(value)
        self._owner._host_line("brk", self._break)

    @property
    def baudrate(self) -> int:
        return self._baudrate

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        self._baudrate = int(value)
        self._owner._host_line("baudrate", self._baudrate)

    # what the module drives -------------------------------------------------------------

    @property
    def cts(self) -> bool:
        return self._owner.lines["cts"]

    @property
    def dsr(self) -> bool:
        return self._owner.lines["dsr"]

    @property
    def ri(self) -> bool:
        return self._owner.lines["ri"]

    @property
    def cd(self) -> bool:
        return self._owner.lines["cd"]

    # purge requests ---------------------------------------------------------------------

    def reset_input_buffer(self) -> None:
        """The host purges "data received from the device": nothing is discarded here.
        The module's output that was held for the host stays held; pyserial empties its
        own queue anyway, which is why ``--power-on attach`` waits a boot delay."""

    def reset_output_buffer(self) -> None:
        """The host purges data on its way to the device: it was handed on already."""


class _Connection:
    """PortManager's ``connection``: Telnet control bytes go straight to the socket."""

    def __init__(self, conn: _HostConnection) -> None:
        self._conn = conn

    def write(self, data: bytes) -> None:
        if self._conn.transport is not None:
            self._conn.transport.write(data)


class _PortManager(rfc2217.PortManager):  # type: ignore[misc]
    """pyserial's server side, plus a modem-state notification as soon as the client
    agrees to RFC 2217 (pyserial only notifies changes after that, so a change made
    during negotiation would never reach the client)."""

    def _client_ok(self) -> None:
        first = not self._client_is_rfc2217
        super()._client_ok()
        if first:
            self.check_modem_lines(force_notification=True)


class Rfc2217Transport(TcpTransport):
    """Listen on ``host:port`` as an RFC 2217 server (port 0: the kernel picks)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        high_water: int = DEFAULT_HIGH_WATER,
        low_water: int | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        super().__init__(
            host, port, high_water=high_water, low_water=low_water, max_buffer=max_buffer
        )
        self.lines = {"cts": False, "dsr": False, "ri": False, "cd": False}
        """The module's lines as last shown (the host sees them on its next notification)."""
        self._manager: _PortManager | None = None
        self._port_lines: _PortLines | None = None

    @property
    def url(self) -> str:
        return f"rfc2217://{format_hostport(self._host, self._port)}"

    def describe(self) -> str:
        return f"rfc2217 {format_hostport(self._host, self._port)}"

    @property
    def host_settings(self) -> dict[str, Any]:
        """What the connected host set (baud rate, frame, lines), for status displays."""
        port = self._port_lines
        if port is None:
            return {}
        return {
            "baudrate": port.baudrate,
            "bytesize": port.bytesize,
            "parity": port.parity,
            "stopbits": port.stopbits,
            "dtr": port.dtr,
            "rts": port.rts,
            "break": port.break_condition,
        }

    def write(self, data: bytes) -> None:
        if data:
            super().write(data.replace(IAC, IAC + IAC))

    def show_lines(self, *, cts: bool, dsr: bool, ri: bool, cd: bool) -> None:
        self.lines = {"cts": cts, "dsr": dsr, "ri": ri, "cd": cd}
        if self._manager is not None:
            self._manager.check_modem_lines()

    def pause_reading(self) -> None:
        """Keep reading the socket (line changes must get through); data waits."""
        self._paused = True

    # -- session ---------------------------------------------------------------------------

    def _start_session(self, conn: _HostConnection) -> None:
        assert conn.transport is not None
        self._port_lines = _PortLines(self)
        self._manager = _PortManager(self._port_lines, _Connection(conn))

    def _end_session(self) -> None:
        self._manager = None
        self._port_lines = None
        for name in ("dtr", "rts"):  # a host gone leaves the pull-ups: DTR/RTS asserted
            self._host_line(name, True)
        self._host_line("brk", False)

    def _received(self, conn: _HostConnection, data: bytes) -> None:
        if conn is not self._current or self._listener is None or self._manager is None:
            return
        payload = _filter(self._manager, data)
        if not payload:
            return
        if self._paused or self._held:
            self._held += payload
            if len(self._held) > HELD_INPUT_LIMIT and conn.transport is not None:
                conn.transport.pause_reading()  # resume_reading() undoes it
            return
        self._listener.data_received(payload)

    def _host_line(self, name: str, value: bool | int) -> None:
        report = getattr(self._listener, "host_line", None)
        if report is not None:
            report(name, value)


def _filter(manager: _PortManager, data: bytes) -> bytes:
    """The host's data bytes with Telnet/RFC 2217 commands handled and removed. Plain
    data (no IAC, no sub-negotiation open) passes without a byte-by-byte walk."""
    if IAC not in data and manager.mode == rfc2217.M_NORMAL and manager.suboption is None:
        return data
    return b"".join(manager.filter(data))
