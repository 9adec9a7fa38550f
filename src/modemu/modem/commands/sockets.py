"""Socket commands (spec §5 to §9): QIOPEN, QICLOSE, QISTATE, QISEND, QISENDEX, QIRD,
QISWTMD, QISDE and ATO."""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING

from modemu.at import render
from modemu.at import urc as u
from modemu.at.answers import ReadCounters, ReadHeader
from modemu.at.codes import QiError, Result
from modemu.at.finals import FinalKind
from modemu.at.limits import MAX_READ, MAX_SEND
from modemu.at.params import AccessMode
from modemu.at.syntax import CommandCall, Form
from modemu.modem.dataentry import DataEntry, Ending, EntryResult, valid_hex
from modemu.modem.modes import PortMode, Trigger
from modemu.modem.registry import (
    CommandError,
    Kind,
    Outcome,
    Params,
    Registry,
    Reply,
    Run,
    declare_setting,
)
from modemu.modem.socketstates import Event, Phase, SocketState
from modemu.modem.state import SendMode, ShownChange, SocketSlot
from modemu.net.base import Service

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

AT_PORT = "uart1"
"""``<AT_port>`` of QISTATE: the emulator is a serial line (spec §5.3)."""
SERVICES = tuple(s.value for s in Service if s is not Service.TCP_INCOMING)


def _slot_for(m: ModemView, p: Params, index: int = 0) -> SocketSlot:
    return m.sockets.slots[p.integer(index, 0, 11)]


# -- QIOPEN ------------------------------------------------------------------------------


@COMMANDS.command(
    "+QIOPEN",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test='+QIOPEN: {contexts},(0-11),"TCP/UDP/TCP LISTENER/UDP SERVICE",'
    '"<IP_address>/<domain_name>",<remote_port>,<local_port>,(0-2)',
)
def open_socket(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 7, min_count=5)
    cid = p.integer(0, 1, m.profile.contexts)
    conn_id = p.integer(1, 0, 11)
    service = Service(p.choice(2, SERVICES))
    host = p.string(3, 150)
    remote_port = p.integer(4, 0, 65535)
    local_port = p.integer(5, 0, 65535, default=0)
    mode = AccessMode(p.integer(6, 0, 2, default=0))
    if service in (Service.TCP_LISTENER, Service.UDP_SERVICE) and local_port == 0:
        raise CommandError()
    if service in (Service.TCP, Service.UDP) and (not host or remote_port == 0):
        raise CommandError()
    if service is Service.UDP_SERVICE and mode is AccessMode.TRANSPARENT:
        raise CommandError(QiError.NOT_SUPPORTED)
    transparent = mode is AccessMode.TRANSPARENT and service is not Service.TCP_LISTENER
    slot = m.sockets.slots[conn_id]
    ctx = m.contexts.get(cid)
    failure = None
    if slot.in_use:
        failure = QiError.ID_IN_USE
    elif ctx is None or not ctx.active:
        failure = QiError.PDP_OPEN_FAILED
    if failure is not None:
        if transparent:
            raise CommandError(failure)
        m.urc(u.OpenResult(conn_id, failure))  # held until after the OK
        return None
    assert ctx is not None
    rt = m.sockets
    m.sockets.slots[conn_id] = SocketSlot(
        conn_id,
        cid=cid,
        service=service,
        remote_ip=host,
        remote_port=remote_port,
        local_port=local_port,
        server_id=conn_id,
        access_mode=mode,
    )
    m.sockets.slots[conn_id].advance(Event.OPEN)
    if service in (Service.TCP_LISTENER, Service.UDP_SERVICE):
        m.sockets.slots[conn_id].set_remote((ctx.address, 0))
    dns = [server for server in ctx.dns if server]
    opening = m.sockets.slots[conn_id]

    def start() -> None:
        if m.sockets.slots[conn_id] is opening and opening.phase is Phase.OPENING:
            m.net.open(conn_id, service, host, remote_port, local_port, dns, rt.options())

    m.delays.run_later("qiopen", start)
    if transparent:
        rt.pending_open = conn_id
        return Reply.PENDING
    return None


# -- QICLOSE -----------------------------------------------------------------------------


@COMMANDS.command(
    "+QICLOSE", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QICLOSE: (0-11),(0-65535)"
)
def close_socket(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 2)
    slot = _slot_for(m, p)
    timeout = p.integer(1, 0, 65535, default=10)
    if not slot.in_use:
        return None
    rt = m.sockets
    if slot.phase is Phase.HOST_CLOSING:
        raise CommandError(QiError.BUSY)
    slot.advance(Event.HOST_CLOSE)
    if rt.pending_open == slot.conn_id:
        rt.pending_open = None
    m.delays.run_later("qiclose", lambda: rt.close_on_net(slot, timeout))
    if m.settings.qicfg.close_mode:
        slot.close_urc = True
        return None
    rt.pending_close = slot.conn_id
    return Reply.PENDING


# -- QISTATE -----------------------------------------------------------------------------


def state_line(slot: SocketSlot) -> str:
    """The ``+QISTATE:`` line of an open socket."""
    return (
        f'+QISTATE: {slot.conn_id},"{slot.service.value}","{slot.remote_ip}",'
        f"{slot.remote_port},{slot.local_port},{int(slot.state)},{slot.cid},"
        f'{slot.server_id},{int(slot.access_mode)},"{AT_PORT}"'
    )


def _shown_stamp(m: ModemView) -> int:
    """QISTATE shows the slots' :data:`~modemu.modem.state.SHOWN_FIELDS` and nothing
    else: its answer stays while none of them changed."""
    return ShownChange.stamp


@COMMANDS.command("+QISTATE", kind=Kind.TCPIP, stamp=_shown_stamp)
def socket_state(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        return None
    initial = Phase.INITIAL  # SocketSlot.in_use, unrolled: every QISTATE poll checks 12 slots
    slots = [s for s in m.sockets.slots if s.phase is not initial]
    if call.form is Form.SET:
        p = Params(call, 2, min_count=2)
        query = p.integer(0, 0, 1)
        if query == 0:
            cid = p.integer(1, 1, m.profile.contexts)
            slots = [s for s in slots if s.cid == cid]
        else:
            conn_id = p.integer(1, 0, 11)
            slots = [s for s in slots if s.conn_id == conn_id]
    m.info(*[state_line(s) for s in slots])
    return None


# -- QISEND / QISENDEX --------------------------------------------------------------------


def _check_sendable(m: ModemView, slot: SocketSlot) -> None:
    if slot.phase is Phase.BROKEN:
        raise CommandError(QiError.PDP_BROKEN)
    if slot.service is Service.TCP_LISTENER:
        raise CommandError(QiError.NOT_SUPPORTED)
    if slot.phase is Phase.PEER_CLOSED:
        raise CommandError(QiError.SOCKET_CLOSED)
    if slot.phase is not Phase.CONNECTED:
        raise CommandError(QiError.NOT_ALLOWED)
    if slot.access_mode is AccessMode.TRANSPARENT:
        raise CommandError(QiError.NOT_ALLOWED)


QISEND_FIXED = 2
"""``AT+QISEND=<id>,<len>`` (``<len>`` 0: the send query)."""
QISEND_TO_ADDRESS = 4
"""``AT+QISEND=<id>,<len>,"<ip>",<port>``: the UDP SERVICE form."""


@COMMANDS.command(
    "+QISEND", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QISEND: (0-11),(0-1460)"
)
def send(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, QISEND_TO_ADDRESS)
    slot = _slot_for(m, p)
    if len(p) == QISEND_FIXED and p.integer(1, 0, MAX_SEND) == 0:
        return _send_query(m, slot)
    _check_sendable(m, slot)
    service_form = slot.service is Service.UDP_SERVICE
    if service_form != (len(p) == QISEND_TO_ADDRESS) or len(p) == QISEND_TO_ADDRESS - 1:
        raise CommandError()
    length = p.integer(1, 1, MAX_SEND) if len(p) >= QISEND_FIXED else None
    dest = None
    if service_form:
        dest = (_dotted(p.string(2, 15)), p.integer(3, 1, 65535))
    _prompt(m, slot, length, dest)
    return Reply.NONE


def _dotted(text: str) -> str:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        raise CommandError() from None
    return text


def _send_query(m: ModemView, slot: SocketSlot) -> Outcome:
    if not slot.in_use:
        raise CommandError(QiError.NOT_ALLOWED)
    unacked = 0
    if slot.service in (Service.TCP, Service.TCP_INCOMING) and slot.state in (
        SocketState.CONNECTED,
        SocketState.CLOSING,
    ):
        unacked = min(m.net.backlog(slot.conn_id), slot.tx_total)
    m.info(f"+QISEND: {slot.tx_total},{slot.tx_total - unacked},{unacked}")
    return None


def _prompt(
    m: ModemView, slot: SocketSlot, length: int | None, dest: tuple[str, int] | None
) -> None:
    """Open data entry once the command line's terminator is complete (its LF is never
    payload, docs/line-discipline.md)."""
    cfg = m.settings.qicfg
    echo = m.write if m.settings.qisde else None
    timer = None

    def done(result: EntryResult) -> None:
        if timer is not None:
            timer.cancel()
        _finish_send(m, slot.conn_id, result, dest)

    entry = DataEntry(length, echo, done, hex_input=bool(cfg.dataformat[0]))

    def open_entry() -> None:
        nonlocal timer
        m.write(b"\r\n>\r\n" if cfg.formatcfg else b"\r\n>")
        m.enter_sink(entry, Trigger.PROMPT)
        if cfg.qisend_timeout:
            timer = m.call_later(cfg.qisend_timeout, entry.expire)

    m.when_terminated(open_entry)


def _finish_send(
    m: ModemView, conn_id: int, result: EntryResult, dest: tuple[str, int] | None
) -> None:
    """Answer the data entry, then leave it, so held URCs come after ``SEND OK``."""
    _answer_send(m, conn_id, result, dest)
    if m.mode is PortMode.DATA_ENTRY:
        m.change_mode(Trigger.DATA_DONE)


def _answer_send(
    m: ModemView, conn_id: int, result: EntryResult, dest: tuple[str, int] | None
) -> None:
    slot = m.sockets.slots[conn_id]
    ending = result.ending
    if ending is Ending.CANCELLED:
        m.settings.last_qi_error = QiError.SEND_CANCELLED
        m.result(Result.OK)
    elif ending is not Ending.DATA:
        code = QiError.TIMEOUT if ending is Ending.TIMED_OUT else QiError.INVALID_PARAMS
        m.report_error(Kind.TCPIP, CommandError(code))
    elif slot.phase is not Phase.CONNECTED:
        m.report_error(Kind.TCPIP, CommandError(QiError.SOCKET_CLOSED))
    else:
        m.settings.last_qi_error = 0
        _transmit(m, slot, result.payload, dest)


def _transmit(m: ModemView, slot: SocketSlot, payload: bytes, dest: tuple[str, int] | None) -> None:
    """Queue a payload and answer per ``TCP/SendMode`` (spec §6.5, A10)."""
    cfg = m.settings.qicfg
    rt = m.sockets
    is_tcp = slot.service in (Service.TCP, Service.TCP_INCOMING)
    full = is_tcp and m.net.backlog(slot.conn_id) + len(payload) > cfg.send_buffersize
    if full or rt.take_send_failure():
        m.final_text(FinalKind.SEND_FAIL.value)
        return
    if payload:
        rt.send(slot, payload, dest)
    mode = SendMode(cfg.tcp_sendmode) if is_tcp and payload else SendMode.QUEUED
    if mode is SendMode.QUEUED:
        m.final_text(FinalKind.SEND_OK.value)
        return
    req = m.new_request_id()
    rt.ack_waits[req] = (slot.conn_id, mode)
    m.net.wait_acked(slot.conn_id, req)
    if mode.final_waits_for_ack:
        m.begin_pending(Kind.TCPIP)
    else:
        m.result(Result.OK)


@COMMANDS.command(
    "+QISENDEX", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QISENDEX: (0-11),<hex_string>"
)
def send_hex(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 2, min_count=2)
    slot = _slot_for(m, p)
    text = p.string(1, 512).encode("latin-1")
    if not text or not valid_hex(text):
        raise CommandError()
    if slot.service is Service.UDP_SERVICE:
        raise CommandError(QiError.NOT_SUPPORTED)
    _check_sendable(m, slot)
    _transmit(m, slot, bytes.fromhex(text.decode()), None)
    return Reply.NONE


# -- QIRD --------------------------------------------------------------------------------


def _read_args(call: CommandCall) -> tuple[int, int]:
    """``<connectID>`` and ``<read_length>`` of ``AT+QIRD``."""
    p = Params(call, 2)
    return p.integer(0, 0, 11), p.integer(1, 0, MAX_READ, default=MAX_READ)


def _prepare_read(call: CommandCall) -> Run | None:
    """A download loop sends the same ``AT+QIRD`` line again and again: read its
    arguments once (docs/performance.md, "Command path")."""
    try:
        conn_id, length = _read_args(call)
    except CommandError:
        return None  # invalid every time: the handler reports it
    return functools.partial(_read, conn_id, length)


@COMMANDS.command(
    "+QIRD",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QIRD: (0-11),(0-1500)",
    prepare=_prepare_read,
)
def read(m: ModemView, call: CommandCall) -> Outcome:
    conn_id, length = _read_args(call)
    return _read(conn_id, length, m)


def _read(conn_id: int, length: int, m: ModemView) -> Outcome:
    slot = m.sockets.slots[conn_id]
    if slot.phase not in _READABLE:
        raise CommandError(QiError.NOT_ALLOWED)
    if slot.service is _LISTENER or slot.access_mode is _TRANSPARENT:
        raise CommandError(QiError.NOT_SUPPORTED)
    if length == 0:
        m.info(ReadCounters(slot.rx_total, slot.rx_read, slot.unread).render())
        return None
    if slot.datagrams and slot.service in (Service.UDP, Service.UDP_SERVICE):
        _read_datagram(m, slot, length)
    elif slot.rx:
        rx = slot.rx
        data = bytes(rx[:length])
        del rx[:length]
        slot.rx_read += len(data)
        settings = m.state.settings
        cfg = settings.qicfg
        if cfg.viewmode or cfg.dataformat[1]:
            _render_read(m, _stream_header(len(data)), data)
        else:  # the download loop's case: one bytes object, no copy into the output buffer
            m.write(_stream_lead(len(data), settings.verbose) + data + render.CRLF)
    else:
        m.info(_stream_header(0))
    m.sockets.after_read(slot)
    return None


_LISTENER, _TRANSPARENT = Service.TCP_LISTENER, AccessMode.TRANSPARENT
"""Read by every QIRD: module globals cost ~8 ns, Enum members ~70 ns (Python 3.11)."""
_READABLE = tuple(p for p in Phase if p.visible in (SocketState.CONNECTED, SocketState.CLOSING))
"""Phases whose socket QIRD may read: QISTATE shows them connected or closing."""


@functools.lru_cache(maxsize=MAX_READ + 1)
def _stream_header(length: int) -> str:
    """``+QIRD: <n>`` of a stream read, rendered once per length (a download loop asks for
    the same length every time)."""
    return ReadHeader(length).render()


@functools.lru_cache(maxsize=2 * (MAX_READ + 1))
def _stream_lead(length: int, verbose: bool) -> bytes:
    """The information text before a stream read's payload, framed: with the payload and a
    CRLF after it, exactly ``render.info((header, payload), verbose)``, without building
    that per read. The payload goes out as raw output (:meth:`ModemView.write`): the same
    bytes in the same place, one object instead of a copy into the output buffer."""
    return render.info((_stream_header(length),), verbose)


def _read_datagram(m: ModemView, slot: SocketSlot, length: int) -> None:
    if m.settings.qicfg.udp_readmode:
        data, sender = _read_udp_stream(slot, length)
    else:
        data, sender = slot.datagrams.pop(0)
        slot.rx_read += len(data)
        data = data[:length]  # the rest of an over-long datagram is discarded, as recvfrom
    remote = sender if slot.service is Service.UDP_SERVICE else None
    _render_read(m, ReadHeader(len(data), remote).render(), data)


def _read_udp_stream(slot: SocketSlot, length: int) -> tuple[bytes, tuple[str, int]]:
    """``udp/readmode`` 1: datagrams read as one byte stream."""
    out = bytearray()
    sender = slot.datagrams[0][1]
    while slot.datagrams and len(out) < length:
        data, origin = slot.datagrams.pop(0)
        take = length - len(out)
        out += data[:take]
        if len(data) > take:
            slot.datagrams.insert(0, (data[take:], origin))
    slot.rx_read += len(out)
    return bytes(out), sender


def _render_read(m: ModemView, header: str, data: bytes) -> None:
    cfg = m.settings.qicfg
    payload = data.hex().upper().encode() if cfg.dataformat[1] else data
    if cfg.viewmode:
        m.info(header.encode("latin-1") + b"," + payload)
    else:
        m.info(header, payload)


# -- QISWTMD, ATO, QISDE -------------------------------------------------------------------


@COMMANDS.command(
    "+QISWTMD", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QISWTMD: (0-11),(0-2)"
)
def switch_mode(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 2, min_count=2)
    slot = _slot_for(m, p)
    mode = AccessMode(p.integer(1, 0, 2))
    if not slot.in_use or slot.state is SocketState.OPENING:
        raise CommandError(QiError.NOT_ALLOWED)
    rt = m.sockets
    if mode is AccessMode.TRANSPARENT:
        if slot.service in (Service.TCP_LISTENER, Service.UDP_SERVICE):
            raise CommandError(QiError.NOT_SUPPORTED)
        if slot.state is not SocketState.CONNECTED:
            raise CommandError(QiError.SOCKET_CLOSED)
        rt.enter_transparent(slot)
        return Reply.NONE
    previous = slot.access_mode
    slot.set_access_mode(mode)
    if mode is AccessMode.PUSH and previous is AccessMode.BUFFER:
        _flush_as_push(m, slot)  # URCs are held until after the OK (spec A12)
    elif mode is AccessMode.BUFFER:
        rt.resume(slot)
    return None


def _flush_as_push(m: ModemView, slot: SocketSlot) -> None:
    rt = m.sockets
    while slot.datagrams:
        data, sender = slot.datagrams.pop(0)
        slot.rx_read += len(data)
        rt.push(slot, data, sender)
        slot.rx_total -= len(data)
        slot.rx_read -= len(data)
    if slot.rx:
        data = bytes(slot.rx)
        slot.rx.clear()
        slot.rx_total -= len(data)
        rt.push(slot, data, None)
    slot.recv_reported = False
    rt.after_read(slot)


@COMMANDS.command("O", kind=Kind.V250, forms=(Form.EXEC, Form.SET))
def online(m: ModemView, call: CommandCall) -> Outcome:
    """``ATO``: back to the socket that last left transparent mode (spec §9)."""
    if call.form is Form.SET:
        Params(call, 1).integer(0, 0, 0)
    rt = m.sockets
    conn_id = rt.last_transparent
    slot = m.sockets.slots[conn_id] if conn_id is not None else None
    if slot is None or slot.phase is not Phase.CONNECTED:
        m.result(Result.NO_CARRIER)
        return Reply.NONE
    rt.enter_transparent(slot)
    return Reply.NONE


declare_setting(COMMANDS, "+QISDE", "qisde", 0, 1, kind=Kind.TCPIP)
