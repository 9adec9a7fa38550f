"""The asyncio client: :class:`AsyncModem` drives a :class:`ClientProtocol` over a port.

This module is the one command surface of the client; :mod:`modemu.client.sync` runs it
on a background event loop for blocking code. Everything that talks to the module goes
through :meth:`AsyncModem.transact`, which holds a lock so exactly one command is on the
wire, writes the payload when the ``>`` prompt comes, and applies the timeout.

URCs are routed by listeners (:mod:`modemu.client.listeners`): the modem's socket table
(:mod:`modemu.client.table`: socket data, closes, incoming clients) is registered first,
application callbacks and ``async for`` subscriptions after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from modemu.at import urc as u
from modemu.at.codes import CME_ERROR_TEXT, QiError
from modemu.at.limits import GUARD_TIME
from modemu.at.params import AccessMode, ServiceType
from modemu.at.syntax import Arg, format_args, parse_info_line
from modemu.client.closing import AsyncClosing
from modemu.client.events import (
    Event,
    FinalKind,
    NoCarrier,
    Prompt,
    PushData,
    Response,
    TransparentData,
    Urc,
)
from modemu.client.listeners import UrcCallback, UrcNotifier, UrcSubscription
from modemu.client.opening import OpenRequest, open_on_free_id
from modemu.client.ports import DEFAULT_BAUDRATE, PortReader, has_modem_lines, open_port
from modemu.client.protocol import ClientProtocol, Framing
from modemu.client.services import (
    DNS_EVENTS,
    PING_EVENTS,
    PingReply,
    PingResult,
    dns_answer,
    is_ip,
    ntp_time,
    parse_module_time,
    ping_result,
)
from modemu.client.sockets import AsyncListener, AsyncSocket
from modemu.client.streams import SocketTransport, TransparentTransport, make_streams
from modemu.client.table import SocketTable
from modemu.errors import (
    CmeError,
    CommandError,
    ConnectionClosed,
    LocalProtocolError,
    ModemTimeout,
    ModemuError,
    PortError,
    SendFailed,
    cme_from_int,
    qi_error_from_int,
)

__all__ = ["AccessMode", "AsyncModem", "PingReply", "PingResult"]

log = logging.getLogger(__name__)

COMMAND_TIMEOUT = 5.0
"""Default wait for a final result (most commands answer within 300 ms, spec §2)."""
ACTIVATE_TIMEOUT = 150.0
OPEN_TIMEOUT = 150.0
DNS_TIMEOUT = 60.0
NTP_TIMEOUT = 125.0
_TRANSPARENT_QUIET = 0.05
"""Quiet time after which transparent bytes that look like a marker start are released."""
_QI_COMMANDS = ("AT+QI", "AT+QPING", "AT+QNTP")


class AsyncModem(AsyncClosing):
    """A module on an AT port. Create with :meth:`open` (or pass an open port object).

    ``port`` is anything with pyserial's ``read``/``write``/``in_waiting``/``close``.

    On a port with modem control lines (``rfc2217://`` from ``modemu serve --rfc2217``, a
    real serial device; ``lines=`` overrides the guess) the client uses them: it sets
    ``AT&D1`` and leaves transparent mode by dropping DTR instead of ``+++`` and its guard
    times, and reports each RI pulse (:meth:`wait_ring`, :attr:`rings`).
    """

    def __init__(
        self,
        port: Any,
        *,
        command_timeout: float = COMMAND_TIMEOUT,
        lines: bool | None = None,
    ) -> None:
        self.port = port
        self.has_lines = has_modem_lines(port) if lines is None else lines
        """DTR and RI reach the module (see the class docstring)."""
        self.rings = 0
        """RI pulses seen so far (rising edges)."""
        self._ring = asyncio.Event()
        self.command_timeout = command_timeout
        self.urcs = UrcNotifier()
        self._loop = asyncio.get_running_loop()
        self._proto = ClientProtocol()
        self._lock = asyncio.Lock()
        self._waiter: asyncio.Future[Response] | None = None
        self._payload: bytes | None = None
        self.table = SocketTable()
        """Which socket object owns each module socket id; receives socket URCs."""
        self._transparent: TransparentTransport | None = None
        self._escape_waiter: asyncio.Future[Response] | None = None
        self._last_write = 0.0
        self._flush_handle: asyncio.TimerHandle | None = None
        self._service_locks = {name: asyncio.Lock() for name in ("dns", "ping", "ntp")}
        self._lost: PortError | None = None
        self._closed = False
        self._qi_error_of: tuple[Response, QiError | int | None] | None = None
        """The last failed TCP/IP command's response and its ``AT+QIGETERROR`` code."""
        self.urcs.add(self.table.on_urc)
        on_ring = self._ring_from_thread if self.has_lines else None
        self._reader = PortReader(port, self._from_thread, self._lost_from_thread, on_ring)
        self._reader.start()

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        initialize: bool = True,
        command_timeout: float = COMMAND_TIMEOUT,
        lines: bool | None = None,
        **serial_options: Any,
    ) -> AsyncModem:
        """Open ``url`` (any pyserial URL) and, by default, :meth:`initialize` the module."""
        port = await asyncio.to_thread(open_port, url, baudrate, **serial_options)
        modem = cls(port, command_timeout=command_timeout, lines=lines)
        if initialize:
            try:
                await modem.initialize()
            except BaseException:
                await modem.close()
                raise
        return modem

    async def close(self) -> None:
        """Stop reading and close the port; module sockets stay as they are."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._reader.stop)
        self._fail_all(ConnectionClosed("the modem was closed"))
        await asyncio.to_thread(self.port.close)

    # -- the port ----------------------------------------------------------------------

    def _from_thread(self, data: bytes) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody listens any more
            self._loop.call_soon_threadsafe(self._on_data, data)

    def _ring_from_thread(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._on_ring)

    def _on_ring(self) -> None:
        self.rings += 1
        self._ring.set()

    async def wait_ring(self, timeout: float | None = None, *, after: int | None = None) -> int:
        """Wait for an RI pulse (the module raises RI for URCs, ``AT+QCFG="urc/ri/*"``) and
        return :attr:`rings`. ``after``: a count read before triggering the URC, so a pulse
        that came before this call still counts; by default the next pulse from now. Only on
        a port with lines (:attr:`has_lines`)."""
        if not self.has_lines:
            raise LocalProtocolError("this port has no RI line (open rfc2217:// instead)")
        seen = self.rings if after is None else after

        async def ring() -> None:
            while self.rings <= seen:
                self._ring.clear()
                await self._ring.wait()

        try:
            await asyncio.wait_for(ring(), timeout)
        except TimeoutError:
            raise ModemTimeout("no RI pulse") from None
        return self.rings

    def _lost_from_thread(self, exc: BaseException) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._on_lost, exc)

    def _on_lost(self, exc: BaseException) -> None:
        self._lost = PortError(f"the port failed: {exc}")
        self._fail_all(self._lost)

    def _fail_all(self, exc: ModemuError) -> None:
        for future in (self._waiter, self._escape_waiter):
            if future is not None and not future.done():
                future.set_exception(exc)
        self.table.fail_all()
        if self._transparent is not None:
            self._transparent.link_lost()

    def _write(self, data: bytes) -> None:
        if self._lost is not None:
            raise self._lost
        if self._closed:
            raise ConnectionClosed("the modem was closed")
        try:
            self.port.write(data)
        except Exception as exc:
            raise PortError(f"write failed: {exc}") from exc
        self._last_write = self._loop.time()

    def _on_data(self, data: bytes) -> None:
        self._proto.receive_data(data)
        try:
            while (event := self._proto.next_event()) is not None:
                self._dispatch(event)
        except ModemuError as exc:  # unframeable output: fail the pending command
            log.warning("protocol error: %s", exc)
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_exception(exc)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._proto.holding:
            self._flush_handle = self._loop.call_later(_TRANSPARENT_QUIET, self._flush_held)

    def _flush_held(self) -> None:
        self._flush_handle = None
        event = self._proto.flush_transparent()
        if event is not None:
            self._dispatch(event)

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, Response):
            self._on_response(event)
        elif isinstance(event, Prompt):
            self._on_prompt()
        elif isinstance(event, Urc):
            self.urcs.notify(event)
        elif isinstance(event, PushData):
            self.table.on_push(event)
        elif isinstance(event, TransparentData):
            if self._transparent is not None:
                self._transparent.feed(event.data)
        elif isinstance(event, NoCarrier):
            self._on_no_carrier()

    def _on_response(self, response: Response) -> None:
        waiter = self._escape_waiter if response.command == "+++" else self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    def _on_prompt(self) -> None:
        try:
            if self._payload is None:
                self._write(self._proto.cancel_data())
            else:
                self._write(self._proto.send_data(self._payload))
        except ModemuError as exc:
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_exception(exc)

    def _on_no_carrier(self) -> None:
        transport, self._transparent = self._transparent, None
        if transport is not None:
            transport.link_lost()
        self.urcs.notify(Urc("NO CARRIER"))

    # -- commands ----------------------------------------------------------------------

    async def transact(
        self, line: str, *, payload: bytes | None = None, timeout: float | None = None
    ) -> Response:
        """Send one command line and return its :class:`Response`, whatever the result.

        ``payload`` is written when the ``>`` prompt arrives (``AT+QISEND``). A plain
        ``ERROR`` to a TCP/IP command is followed by ``AT+QIGETERROR`` under the same lock.
        """
        async with self._lock:
            response = await self._exchange(line, payload, timeout)
            if response.kind is FinalKind.ERROR and line.upper().startswith(_QI_COMMANDS):
                # Ask why while we still hold the port, so no other command can
                # overwrite the module's last error in between.
                self._qi_error_of = (response, await self._fetch_qi_error())
            return response

    async def _exchange(self, line: str, payload: bytes | None, timeout: float | None) -> Response:
        """One command on the wire; the caller holds the lock."""
        self._check_open()
        if self._proto.mode is Framing.TRANSPARENT:
            raise LocalProtocolError("the port is in transparent mode; close that stream")
        waiter: asyncio.Future[Response] = self._loop.create_future()
        self._waiter, self._payload = waiter, payload
        try:
            self._write(self._proto.send_command(line))
            wait = self.command_timeout if timeout is None else timeout
            return await asyncio.wait_for(waiter, wait)
        except TimeoutError:
            self._proto.abandon()
            raise ModemTimeout(f"{line!r}: no answer in time") from None
        finally:
            self._waiter, self._payload = None, None

    async def command(self, line: str, *, timeout: float | None = None) -> Response:
        """Send one command; raise :class:`CommandError` (or a subclass) unless it succeeds."""
        response = await self.transact(line, timeout=timeout)
        if not response.ok:
            await self.raise_for(response)
        return response

    async def raise_for(self, response: Response) -> None:
        """Raise the exception that matches a failed ``response``.

        A plain ``ERROR`` from a TCP/IP command carries no reason, so :meth:`transact`
        already asked ``AT+QIGETERROR`` (spec §12); the code becomes ``qi_error``.
        """
        if response.kind is FinalKind.CME_ERROR:
            raise CmeError(response.command, response.result, _cme_code(response))
        if response.kind is FinalKind.SEND_FAIL:
            raise SendFailed(response.command, response.result)
        qi_error = None
        if self._qi_error_of is not None and self._qi_error_of[0] is response:
            qi_error = self._qi_error_of[1]
        raise CommandError(response.command, response.result, qi_error)

    async def _fetch_qi_error(self) -> QiError | int | None:
        """``AT+QIGETERROR`` with the lock already held; None if it gives no code."""
        try:
            response = await self._exchange("AT+QIGETERROR", None, None)
        except ModemTimeout:
            return None
        values = response.info_args("+QIGETERROR")
        if not values or not values[0].text.isdigit():
            return None
        return qi_error_from_int(int(values[0].text))

    async def last_error(self) -> QiError | int | None:
        """``AT+QIGETERROR``: the result code of the most recent TCP/IP command."""
        async with self._lock:
            return await self._fetch_qi_error()

    def _check_open(self) -> None:
        if self._lost is not None:
            raise self._lost
        if self._closed:
            raise ConnectionClosed("the modem was closed")

    # -- URCs --------------------------------------------------------------------------

    def add_urc_listener(self, callback: UrcCallback) -> Callable[[], None]:
        """Call ``callback(urc)`` for every URC (on the loop thread); returns a remover."""
        return self.urcs.add(callback)

    def subscribe(self, predicate: Callable[[Urc], bool] | None = None) -> UrcSubscription:
        """``async for urc in modem.subscribe(): ...`` — every URC matching ``predicate``."""
        return self.urcs.subscribe(predicate)

    # -- set-up ------------------------------------------------------------------------

    async def initialize(self, attempts: int = 10) -> None:
        """Get the port into the state the client expects.

        ``AT`` is retried while the module boots; ``ATE0V1`` turns command echo off and
        verbose results on (a timeout on the first try is expected if the port was in
        ``ATV0``); ``AT+CMEE=1`` numeric CME errors; ``AT+QISDE=0`` no data echo.
        """
        for attempt in range(attempts):
            try:
                await self.command("ATE0V1", timeout=1.0)
                break
            except ModemTimeout:
                if attempt == attempts - 1:
                    raise
        await self.command("AT+CMEE=1")
        if self.has_lines:
            await self.command("AT&D1")  # DTR drop = leave transparent mode, keep the socket
        try:
            await self.command("AT+QISDE=0")
            self._proto.data_echo = False
        except CommandError:
            log.info("AT+QISDE not supported; data echo is filtered instead")

    async def identify(self) -> tuple[str, ...]:
        """``ATI``: manufacturer, model and revision lines."""
        return (await self.command("ATI")).lines

    async def attach(self, timeout: float = 60.0, poll: float = 1.0) -> int:
        """Wait for a ready SIM and network registration; returns ``<stat>`` (1 or 5)."""
        deadline = self._loop.time() + timeout
        cpin = await self.command("AT+CPIN?")
        if not any("READY" in line for line in cpin.lines):
            raise CommandError("AT+CPIN?", " / ".join(cpin.lines) or cpin.result)
        while True:
            stat = await self._registration()
            if stat in (1, 5):
                return stat
            if self._loop.time() + poll > deadline:
                raise ModemTimeout(f"not registered after {timeout} s (stat {stat})")
            await asyncio.sleep(poll)

    async def _registration(self) -> int | None:
        """Best ``<stat>`` of CEREG/CGREG/CREG; modules without one of them answer ERROR."""
        best: int | None = None
        for name in ("+CEREG", "+CGREG", "+CREG"):
            try:
                response = await self.command(f"AT{name}?")
            except CommandError:
                continue
            args = response.info_args(name)
            if len(args) > 1 and args[1].text.isdigit():
                stat = int(args[1].text)
                if stat in (1, 5):
                    return stat
                best = stat
        return best

    async def activate(
        self,
        cid: int = 1,
        apn: str = "",
        *,
        user: str = "",
        password: str = "",
        auth: int = 0,
        context_type: int = 1,
        timeout: float = ACTIVATE_TIMEOUT,
    ) -> str:
        """Configure (``AT+QICSGP``) and activate (``AT+QIACT``) a PDP context.

        Returns the context's address. An already active context is left as it is
        (``AT+QIACT`` would answer ``ERROR`` on it, spec A3).
        """
        line = "AT+QICSGP=" + format_args(cid, context_type, apn, user, password, auth)
        await self.command(line)
        address = await self.context_address(cid)
        if address is None:
            await self.command(f"AT+QIACT={cid}", timeout=timeout)
            address = await self.context_address(cid)
        if address is None:
            raise CommandError(f"AT+QIACT={cid}", "context not listed as active")
        return address

    async def context_address(self, cid: int = 1) -> str | None:
        """The address of an active context from ``AT+QIACT?``, or None if inactive."""
        response = await self.command("AT+QIACT?")
        for line in response.lines:
            parsed = parse_info_line(line)
            if parsed and parsed[0] == "+QIACT" and parsed[1] and parsed[1][0].text == str(cid):
                quoted = [arg.text for arg in parsed[1] if arg.quoted]
                return quoted[0] if quoted else ""
        return None

    async def deactivate(self, cid: int = 1) -> None:
        """``AT+QIDEACT``; the module releases the context's sockets silently (spec A18)."""
        await self.command(f"AT+QIDEACT={cid}", timeout=40.0)
        self.table.release_context(cid)

    # -- configuration -----------------------------------------------------------------

    async def get_config(self, key: str, *selector: int | str) -> tuple[int | str, ...]:
        """``AT+QICFG="<key>"`` → the values after the key (ints where unquoted digits)."""
        response = await self.command("AT+QICFG=" + format_args(key, *selector))
        for line in response.lines:
            parsed = parse_info_line(line)
            if parsed and parsed[0] == "+QICFG" and parsed[1] and parsed[1][0].text == key:
                return tuple(_value(arg) for arg in parsed[1][1:])
        return ()

    async def set_config(self, key: str, *values: int | str) -> None:
        """``AT+QICFG="<key>",<values…>``."""
        await self.command("AT+QICFG=" + format_args(key, *values))

    # -- sockets -----------------------------------------------------------------------

    def forget_socket(self, conn_id: int) -> None:
        """Release our record of ``conn_id`` (after ``AT+QICLOSE``)."""
        self.table.release(conn_id)

    async def _open(self, request: OpenRequest, timeout: float) -> int:
        return await open_on_free_id(self, request, timeout)

    async def connect(
        self,
        host: str,
        port: int,
        *,
        cid: int = 1,
        local_port: int = 0,
        push: bool = False,
        timeout: float = OPEN_TIMEOUT,
    ) -> AsyncSocket:
        """A TCP client socket (buffer mode, or direct push with ``push=True``)."""
        request = OpenRequest(ServiceType.TCP, host, port, local_port, _mode(push), cid)
        return await self._client(request, timeout)

    async def udp_socket(
        self,
        host: str,
        port: int,
        *,
        cid: int = 1,
        local_port: int = 0,
        push: bool = False,
        timeout: float = OPEN_TIMEOUT,
    ) -> AsyncSocket:
        """A connected UDP client socket: ``send``/``recv`` whole datagrams."""
        request = OpenRequest(ServiceType.UDP, host, port, local_port, _mode(push), cid)
        return await self._client(request, timeout)

    async def _client(self, request: OpenRequest, timeout: float) -> AsyncSocket:
        conn_id = await self._open(request, timeout)
        remote = (request.host, request.remote_port)
        sock = AsyncSocket(
            self,
            conn_id,
            request.service,
            remote,
            context_id=request.cid,
            local_port=request.local_port,
        )
        return self._register(sock)

    async def udp_service(
        self, local_port: int, *, cid: int = 1, push: bool = False, timeout: float = OPEN_TIMEOUT
    ) -> AsyncSocket:
        """An unconnected UDP endpoint: ``sendto``/``recvfrom`` any peer."""
        service = ServiceType.UDP_SERVICE
        request = OpenRequest(service, "127.0.0.1", 0, local_port, _mode(push), cid)
        conn_id = await self._open(request, timeout)
        sock = AsyncSocket(
            self, conn_id, ServiceType.UDP_SERVICE, None, context_id=cid, local_port=local_port
        )
        return self._register(sock)

    async def listen(
        self, local_port: int, *, cid: int = 1, timeout: float = OPEN_TIMEOUT
    ) -> AsyncListener:
        """A TCP listener on the module; clients arrive through :meth:`AsyncListener.accept`."""
        request = OpenRequest(
            ServiceType.TCP_LISTENER, "127.0.0.1", 0, local_port, AccessMode.BUFFER, cid
        )
        conn_id = await self._open(request, timeout)
        listener = AsyncListener(self, conn_id, local_port, cid)
        self.table.add_listener(listener)
        return listener

    def _register(self, sock: AsyncSocket) -> AsyncSocket:
        self.table.add_socket(sock)
        return sock

    async def open_connection(
        self,
        host: str,
        port: int,
        *,
        cid: int = 1,
        transparent: bool = False,
        limit: int = 2**16,
        timeout: float = OPEN_TIMEOUT,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Like :func:`asyncio.open_connection`, through the module.

        Buffer mode by default (other commands keep working meanwhile); with
        ``transparent=True`` the port itself carries the bytes until the writer is
        closed (``+++``, then ``AT+QICLOSE``) and no other command can run.
        """
        if transparent:
            request = OpenRequest(ServiceType.TCP, host, port, 0, AccessMode.TRANSPARENT, cid)
            conn_id = await self._open(request, timeout)  # the id stays reserved until closed
            tt = TransparentTransport(self._loop, self, conn_id, (host, port))
            self._transparent = tt
            return make_streams(self._loop, tt, limit)
        sock = await self.connect(host, port, cid=cid, timeout=timeout)
        st = SocketTransport(self._loop, sock)
        streams = make_streams(self._loop, st, limit)
        st.start()
        return streams

    # -- transparent mode --------------------------------------------------------------

    def write_transparent(self, data: bytes) -> None:
        """Raw payload while the port is in transparent mode."""
        self._write(self._proto.send_transparent(data))

    async def leave_transparent(self) -> None:
        """``+++`` with its guard times (a DTR drop on a port with lines); afterwards the
        socket is in buffer mode."""
        self._transparent = None
        if self._proto.mode is not Framing.TRANSPARENT:
            return
        if self.has_lines:
            await self._leave_by_dtr()
            return
        quiet_for = self._loop.time() - self._last_write
        await asyncio.sleep(max(0.0, GUARD_TIME - quiet_for) + 0.1)
        waiter: asyncio.Future[Response] = self._loop.create_future()
        self._escape_waiter = waiter
        try:
            self._write(self._proto.send_escape())
            await asyncio.wait_for(waiter, GUARD_TIME + self.command_timeout)
        except TimeoutError:
            self._proto.abandon()
            raise ModemTimeout("no OK after +++") from None
        finally:
            self._escape_waiter = None

    async def _leave_by_dtr(self) -> None:
        """``AT&D1`` is set: DTR ON→OFF brings the module back to command mode with ``OK``."""
        waiter: asyncio.Future[Response] = self._loop.create_future()
        self._escape_waiter = waiter
        self._proto.escape_by_dtr()
        try:
            await asyncio.to_thread(setattr, self.port, "dtr", False)
            await asyncio.wait_for(waiter, self.command_timeout)
        except TimeoutError:
            self._proto.abandon()
            raise ModemTimeout("no OK after dropping DTR") from None
        finally:
            self._escape_waiter = None
            await asyncio.to_thread(setattr, self.port, "dtr", True)

    # -- services ----------------------------------------------------------------------

    async def resolve(self, host: str, *, cid: int = 1, timeout: float = DNS_TIMEOUT) -> list[str]:
        """``AT+QIDNSGIP``: the module's answer for ``host`` (an IP literal comes back as is)."""
        if is_ip(host):
            return [host]
        async with self._service_locks["dns"]:
            with self.subscribe(lambda urc: isinstance(urc.event, DNS_EVENTS)) as sub:
                await self.command("AT+QIDNSGIP=" + format_args(cid, host))
                return await dns_answer(sub, host, self._loop.time() + timeout)

    async def ping(
        self, host: str, *, cid: int = 1, timeout: int = 4, count: int = 4
    ) -> PingResult:
        """``AT+QPING``: ``count`` echo requests, ``timeout`` seconds each."""
        async with self._service_locks["ping"]:
            with self.subscribe(lambda urc: isinstance(urc.event, PING_EVENTS)) as sub:
                await self.command("AT+QPING=" + format_args(cid, host, timeout, count))
                deadline = self._loop.time() + timeout * count + 10.0
                return await ping_result(sub, host, deadline)

    async def ntp_sync(
        self, server: str, *, port: int = 123, cid: int = 1, timeout: float = NTP_TIMEOUT
    ) -> datetime:
        """``AT+QNTP``: set the module clock from ``server``; returns the time it got."""
        async with self._service_locks["ntp"]:
            with self.subscribe(lambda urc: isinstance(urc.event, u.NtpResult)) as sub:
                await self.command("AT+QNTP=" + format_args(cid, server, port))
                return await ntp_time(sub, server, self._loop.time() + timeout)

    async def clock(self) -> datetime:
        """``AT+CCLK?``: the module's real-time clock."""
        args = (await self.command("AT+CCLK?")).info_args("+CCLK")
        return parse_module_time("20" + args[0].text)


def _mode(push: bool) -> AccessMode:
    return AccessMode.PUSH if push else AccessMode.BUFFER


def _value(arg: Arg) -> int | str:
    if not arg.quoted and arg.text.lstrip("-").isdigit():
        return int(arg.text)
    return arg.text


def _cme_code(response: Response) -> int | None:
    code = response.cme_code
    if isinstance(code, int):
        return cme_from_int(code)
    for number, text in CME_ERROR_TEXT.items():
        if text.lower() == str(code).lower():
            return cme_from_int(number)
    return None
