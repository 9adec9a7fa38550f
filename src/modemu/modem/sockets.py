"""Socket slots at work: receive buffering, URCs, back-pressure, and net event handling.

The AT commands that drive sockets live in :mod:`modemu.modem.commands.sockets`; this
module holds what happens to a slot between commands: data arriving from the network is
buffered (bounded, spec §16), pushed (direct push) or bridged (transparent), peers closing
are reported, listeners hand out ``TCP INCOMING`` ids, and reading from a socket is paused
whenever the host cannot take more, so nothing is lost and memory stays bounded.

The engine builds one :class:`SocketRuntime` as ``engine.sockets``, routes the socket net
events to its ``on_*`` methods (see ``ModemEngine.__init__``) and calls it directly when a
context goes down, the module powers off, or the host can take output again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at import urc as u
from modemu.at.codes import QiError, Result
from modemu.at.finals import FinalKind, send_ok_with_id
from modemu.at.limits import PUSH_CHUNK, SOCKET_IDS
from modemu.at.params import AccessMode
from modemu.modem.failures import qi_code
from modemu.modem.modes import PortMode, Trigger
from modemu.modem.registry import CommandError, FinalText
from modemu.modem.socketstates import Event, Phase
from modemu.modem.state import SendMode, SocketSlot
from modemu.modem.transparent import SEND_BACKLOG_LIMIT, TransparentBridge
from modemu.net.base import (
    AllAcked,
    Closed,
    Incoming,
    Opened,
    OpenFailed,
    PdpDeactivated,
    PeerClosed,
    Received,
    Service,
    SocketOptions,
)

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine, Timer


class SocketRuntime:
    """The 12 socket slots and the per-engine bookkeeping that is not part of a slot's
    visible state."""

    def __init__(self, engine: ModemEngine) -> None:
        self.engine = engine
        self.slots = [SocketSlot(i) for i in SOCKET_IDS]
        self.bridge: TransparentBridge | None = None
        self.last_transparent: int | None = None
        self.close_waiters: dict[int, int] = {}
        """Net closes not yet confirmed, by id: they outlive the slot (a freed id may be
        reopened before the old socket's ``Closed`` arrives, which must then be ignored)."""
        self.pending_close: int | None = None
        self.pending_open: int | None = None
        self.ack_waits: dict[int, tuple[int, SendMode]] = {}  # req → (conn_id, send mode)
        self.auto_timers: dict[int, Timer] = {}
        self.send_failures = 0
        """Sends left that answer ``SEND FAIL`` (the ``send-fail`` fault)."""

    def take_send_failure(self) -> bool:
        """True (and one fewer left) when the ``send-fail`` fault claims this send."""
        if self.send_failures <= 0:
            return False
        self.send_failures -= 1
        return True

    # -- slot lifecycle ---------------------------------------------------------------

    def close_on_net(self, slot: SocketSlot, timeout: float) -> None:
        conn_id = slot.conn_id
        self.close_waiters[conn_id] = self.close_waiters.get(conn_id, 0) + 1
        self.engine.net.close(conn_id, timeout)

    def free(self, slot: SocketSlot) -> None:
        """Return a slot to Initial, dropping its buffers: a fresh record replaces it."""
        if slot.in_use:
            slot.advance(Event.RELEASE)
        if self.bridge is not None and self.bridge.conn_id == slot.conn_id:
            self.bridge.close()
            self.bridge = None
        if self.last_transparent == slot.conn_id:
            self.last_transparent = None
        self.slots[slot.conn_id] = SocketSlot(slot.conn_id)

    def release_context(self, cid: int) -> None:
        """QIDEACT: tear down the context's sockets silently (spec A18)."""
        for slot in list(self.slots):
            if slot.in_use and slot.cid == cid:
                self.close_on_net(slot, 0)
                self.free(slot)

    def release_all(self) -> None:
        for slot in list(self.slots):
            if slot.in_use:
                self.close_on_net(slot, 0)
                self.free(slot)
        self.pending_close = self.pending_open = None
        self.ack_waits.clear()
        for timer in self.auto_timers.values():
            timer.cancel()
        self.auto_timers.clear()

    def schedule_auto_send(self, conn_id: int) -> None:
        """``send/auto``: send the heartbeat every cycle while the socket is connected."""
        old = self.auto_timers.pop(conn_id, None)
        if old is not None:
            old.cancel()
        setting = self.engine.settings.qicfg.send_auto.get(conn_id)
        if setting is None:
            return
        cycle, message = setting

        def beat() -> None:
            self.auto_timers.pop(conn_id, None)
            if self.engine.settings.qicfg.send_auto.get(conn_id) != (cycle, message):
                return
            slot = self.slots[conn_id]
            if slot.phase is Phase.CONNECTED:
                self.send(slot, message.encode("latin-1"))
            self.schedule_auto_send(conn_id)

        self.auto_timers[conn_id] = self.engine.call_later(cycle, beat)

    def options(self) -> SocketOptions:
        cfg = self.engine.settings.qicfg
        keepalive = cfg.keepalive[1:] if cfg.keepalive[0] else None
        return SocketOptions(keepalive=keepalive, retransmission=cfg.retranscfg)

    # -- receiving ----------------------------------------------------------------------

    def deliver(self, slot: SocketSlot, data: bytes, sender: tuple[str, int] | None) -> None:
        ignore = self.engine.settings.qicfg.recv_ignore.get(slot.conn_id)
        if ignore is not None and data == ignore.encode("latin-1"):
            return
        if self.bridge is not None and self.bridge.conn_id == slot.conn_id:
            self.engine.write(data)
            if not self.engine.host_writable:
                self.pause(slot)
            return
        if slot.access_mode is AccessMode.PUSH:
            self.push(slot, data, sender)
            return
        if slot.service in (Service.UDP, Service.UDP_SERVICE):
            self.buffer_datagram(slot, data, sender)
        else:
            self.buffer_stream(slot, data)

    def push(self, slot: SocketSlot, data: bytes, sender: tuple[str, int] | None) -> None:
        m = self.engine
        cfg = m.settings.qicfg
        slot.rx_total += len(data)
        slot.rx_read += len(data)
        sep = b"," if cfg.viewmode else b"\r\n"
        for start in range(0, len(data), PUSH_CHUNK):
            chunk = data[start : start + PUSH_CHUNK]
            udp_service = slot.service is Service.UDP_SERVICE
            length = len(chunk) if m.profile.push_recv_length or udp_service else None
            header = u.Recv(slot.conn_id, length, sender if udp_service else None)
            payload = chunk.hex().upper().encode() if cfg.dataformat[1] else chunk
            m.urc(header, payload, sep)
        if m.urc_backlog > m.profile.rx_buffer_size or not m.host_writable:
            self.pause(slot)

    def buffer_stream(self, slot: SocketSlot, data: bytes) -> None:
        cap = self.engine.profile.rx_buffer_size
        overflow = slot.overflow
        room = cap - slot.unread
        if overflow or len(data) > room:
            keep = max(room, 0) if not overflow else 0
            self._append(slot, data[:keep])
            overflow += memoryview(data)[keep:]  # one copy of up to a whole socket read
            self.pause(slot)
        else:
            self._append(slot, data)
        if slot.unread >= cap:
            self.pause(slot)

    def buffer_datagram(
        self, slot: SocketSlot, data: bytes, sender: tuple[str, int] | None
    ) -> None:
        cap = self.engine.profile.rx_buffer_size
        if slot.unread + len(data) > cap:
            self.engine.note("udp-drop", conn_id=slot.conn_id, bytes=len(data))
            return
        slot.datagrams.append((data, sender or (slot.remote_ip, slot.remote_port)))
        slot.rx_total += len(data)
        self.report_recv(slot)

    def _append(self, slot: SocketSlot, data: bytes) -> None:
        if not data:
            return
        slot.rx += data
        slot.rx_total += len(data)
        self.report_recv(slot)

    def report_recv(self, slot: SocketSlot) -> None:
        if slot.recv_reported or slot.unread == 0:
            return
        slot.recv_reported = True
        length = slot.unread if self.engine.settings.qicfg.recvind else None
        self.engine.urc(u.Recv(slot.conn_id, length))

    def after_read(self, slot: SocketSlot) -> None:
        """The host read from the buffer: refill from overflow, resume, re-arm the URC."""
        overflow = slot.overflow
        if overflow:
            take = min(len(overflow), self.engine.profile.rx_buffer_size - slot.unread)
            if take > 0:
                slot.rx += overflow[:take]
                slot.rx_total += take
                del overflow[:take]
            if overflow:  # still more than the buffer holds: reading stays paused
                return
        unread = slot.unread
        if unread == 0:
            slot.recv_reported = False
            self.report_recv(slot)
        if slot.paused and unread <= self.engine.profile.rx_buffer_size // 2:
            self.resume(slot)

    def pause(self, slot: SocketSlot) -> None:
        if not slot.paused:
            slot.paused = True
            self.engine.net.pause_reading(slot.conn_id)

    def resume(self, slot: SocketSlot) -> None:
        if slot.paused and slot.phase is Phase.CONNECTED:
            slot.paused = False
            self.engine.net.resume_reading(slot.conn_id)

    def resume_where_possible(self) -> None:
        m = self.engine
        if not m.host_writable:
            return
        for slot in self.slots:
            if not slot.paused:
                continue
            bridged = self.bridge is not None and self.bridge.conn_id == slot.conn_id
            pushing = slot.access_mode is AccessMode.PUSH and not bridged
            if bridged or (pushing and m.urc_backlog <= m.profile.rx_buffer_size):
                self.resume(slot)

    # -- transparent mode ---------------------------------------------------------------

    def enter_transparent(self, slot: SocketSlot) -> None:
        """Write ``CONNECT`` and bridge the port to ``slot``; buffered data follows (A12).
        Held until the command line's terminator is complete (docs/line-discipline.md)."""
        self.engine.when_terminated(lambda: self._connect(slot))

    def _connect(self, slot: SocketSlot) -> None:
        m = self.engine
        slot.set_access_mode(AccessMode.TRANSPARENT)
        m.result(Result.CONNECT)
        bridge = TransparentBridge(
            m,
            slot.conn_id,
            lambda data: self.send(slot, data),
            lambda: self.escape(slot),
            after_send=lambda: self.check_host_pause(slot),
            joins_sends=lambda: m.net.joins_sends(slot.conn_id),
        )
        self.bridge = bridge
        self.last_transparent = slot.conn_id
        m.enter_sink(bridge, Trigger.CONNECT)
        self.flush_buffer_raw(slot)
        self.resume(slot)

    def flush_buffer_raw(self, slot: SocketSlot) -> None:
        data = bytes(slot.rx) + b"".join(d for d, _ in slot.datagrams)
        slot.rx.clear()
        slot.datagrams.clear()
        slot.rx_read = slot.rx_total
        slot.recv_reported = False
        if data:
            self.engine.write(data)
        overflow = slot.overflow
        if overflow:
            slot.rx_total += len(overflow)
            slot.rx_read += len(overflow)
            self.engine.write(bytes(overflow))
            overflow.clear()

    def escape(self, slot: SocketSlot) -> None:
        """``+++`` accepted: ``OK``, command mode, the socket continues in buffer mode."""
        m = self.engine
        self.bridge = None
        slot.set_access_mode(AccessMode.BUFFER)
        m.result(Result.OK)  # before the mode change, which releases held URCs
        m.change_mode(Trigger.ESCAPE)

    def dtr_dropped(self) -> None:
        """DTR ON→OFF while bridged (spec A13): ``&D1`` leaves transparent mode as ``+++``
        does, without guard times (``OK``, socket kept in buffer mode); ``&D2`` hangs up
        (socket closed, ``NO CARRIER``); ``&D0`` ignores it. Outside transparent mode DTR
        does nothing: push and buffer sockets and data entry carry on."""
        m = self.engine
        bridge = self.bridge
        dtr_mode = m.settings.dtr_mode
        bridged = m.mode in (PortMode.TRANSPARENT, PortMode.ESCAPE_GUARD)
        if bridge is None or dtr_mode == 0 or not bridged:
            return
        slot = self.slots[bridge.conn_id]
        bridge.flush()  # typed payload goes out; held "+" bytes were an escape attempt
        bridge.close()
        self.bridge = None
        slot.set_access_mode(AccessMode.BUFFER)
        if dtr_mode == 1:
            m.result(Result.OK)
        else:
            slot.advance(Event.HOST_CLOSE)
            self.close_on_net(slot, 0)
            m.result(Result.NO_CARRIER)
        m.change_mode(Trigger.DTR_OFF)

    def carrier_lost(self, slot: SocketSlot) -> None:
        m = self.engine
        if self.bridge is not None:
            self.bridge.close()
        self.bridge = None
        slot.set_access_mode(AccessMode.BUFFER)
        m.result(Result.NO_CARRIER)
        m.change_mode(Trigger.CARRIER_LOST)

    def send(self, slot: SocketSlot, data: bytes, dest: tuple[str, int] | None = None) -> None:
        self.engine.net.send(slot.conn_id, data, dest)
        slot.tx_total += len(data)

    def check_host_pause(self, slot: SocketSlot) -> None:
        """Pause the host while the peer is not taking transparent data fast enough.

        Called by the bridge once per batch of packets (the host is only paused between
        engine calls anyway); while paused, the one pending recheck will resume it."""
        m = self.engine
        if m.input_blocked:
            return
        if m.net.backlog(slot.conn_id) > SEND_BACKLOG_LIMIT:
            m.input_blocked = True
            m.call_later(0.005, lambda: self._recheck_backlog(slot))

    def _recheck_backlog(self, slot: SocketSlot) -> None:
        m = self.engine
        if not slot.in_use or m.net.backlog(slot.conn_id) <= SEND_BACKLOG_LIMIT // 2:
            m.input_blocked = False
        else:
            m.call_later(0.005, lambda: self._recheck_backlog(slot))

    # -- net events ---------------------------------------------------------------------------

    def slot_or_none(self, conn_id: int) -> SocketSlot | None:
        if 0 <= conn_id < len(self.slots):
            return self.slots[conn_id]
        return None

    def on_opened(self, event: Opened) -> None:
        m = self.engine
        slot = self.slot_or_none(event.conn_id)
        if slot is None:
            return
        opened = Event.LISTENING if slot.service is Service.TCP_LISTENER else Event.OPENED
        if not slot.allows(opened):
            return
        slot.advance(opened)
        slot.set_local_port(event.local[1])
        if event.remote is not None and slot.service in (Service.TCP, Service.UDP):
            slot.set_remote(event.remote)
        if self.pending_open == slot.conn_id:
            self.pending_open = None
            m.take_pending()
            self.enter_transparent(slot)
            return
        m.urc(u.OpenResult(slot.conn_id, QiError.SUCCESS))

    def on_open_failed(self, event: OpenFailed) -> None:
        m = self.engine
        slot = self.slot_or_none(event.conn_id)
        if slot is None or not slot.allows(Event.OPEN_FAILED):
            return
        slot.advance(Event.OPEN_FAILED)
        self.free(slot)
        if self.pending_open == event.conn_id:
            self.pending_open = None
            m.finish_pending(None, CommandError(qi_code(event.failure)))
            return
        m.settings.last_qi_error = qi_code(event.failure)  # docs/choices.md: queryable
        m.urc(u.OpenResult(event.conn_id, qi_code(event.failure)))

    def on_received(self, event: Received) -> None:
        slot = self.slot_or_none(event.conn_id)
        if slot is None or slot.phase is not Phase.CONNECTED:
            return  # data racing a close, or for a freed slot
        self.deliver(slot, event.data, event.sender)

    def on_peer_closed(self, event: PeerClosed) -> None:
        m = self.engine
        slot = self.slot_or_none(event.conn_id)
        if slot is None or not slot.allows(Event.PEER_CLOSED):
            return
        slot.advance(Event.PEER_CLOSED)
        overflow = slot.overflow
        if overflow:  # reading is over: what waited beyond the buffer is readable now
            slot.rx += overflow
            slot.rx_total += len(overflow)
            overflow.clear()
        if self.bridge is not None and self.bridge.conn_id == slot.conn_id:
            self.carrier_lost(slot)
            return
        m.urc(u.Closed(slot.conn_id))
        if m.settings.qicfg.passiveclosed:
            self.close_on_net(slot, 0)
            self.free(slot)

    def on_closed(self, event: Closed) -> None:
        m = self.engine
        waiting = self.close_waiters.get(event.conn_id, 0)
        if waiting <= 1:
            self.close_waiters.pop(event.conn_id, None)
        else:
            self.close_waiters[event.conn_id] = waiting - 1
        slot = self.slot_or_none(event.conn_id)
        if slot is None or waiting > 1 or not slot.allows(Event.NET_CLOSED):
            return
        slot.advance(Event.NET_CLOSED)
        report = slot.close_urc
        self.free(slot)
        if report:
            m.urc(u.Closed(event.conn_id))
        if self.pending_close == event.conn_id:
            self.pending_close = None
            m.finish_pending(None)

    def on_incoming(self, event: Incoming) -> None:
        m = self.engine
        listener = self.slot_or_none(event.listener_id)
        if listener is None or listener.phase is not Phase.LISTENING:
            m.net.reject(event.token)
            return
        if not m.settings.qicfg.tcp_accept:
            m.net.reject(event.token)
            return
        free = next((s for s in reversed(self.slots) if not s.in_use), None)
        if free is None:
            m.net.reject(event.token)
            m.urc(u.IncomingFull())
            return
        mode = (
            listener.access_mode
            if listener.access_mode is not AccessMode.TRANSPARENT
            else (AccessMode.BUFFER)
        )
        slot = SocketSlot(
            free.conn_id,
            cid=listener.cid,
            service=Service.TCP_INCOMING,
            remote_ip=event.remote[0],
            remote_port=event.remote[1],
            local_port=listener.local_port,
            server_id=listener.conn_id,
            access_mode=mode,
        )
        slot.advance(Event.ACCEPT)
        self.slots[free.conn_id] = slot
        m.net.accept(event.token, free.conn_id, self.options())
        m.urc(u.Incoming(free.conn_id, listener.conn_id, event.remote))

    def on_all_acked(self, event: AllAcked) -> None:
        m = self.engine
        waited = self.ack_waits.pop(event.req, None)
        if waited is None:
            return
        conn_id, mode = waited
        if mode.final_waits_for_ack:
            if not event.ok:
                m.finish_pending(None, CommandError(QiError.SOCKET_CLOSED))
                m.settings.last_qi_error = QiError.SOCKET_CLOSED
                return
            ok = send_ok_with_id(conn_id) if mode.with_id else FinalKind.SEND_OK.value
            m.finish_pending(FinalText(ok))
        elif event.ok:
            m.urc(u.SendAcked(conn_id if mode.with_id else None))

    def on_pdp_deactivated(self, event: PdpDeactivated) -> None:
        """The network dropped a context: one URC, sockets to Closing (spec A19)."""
        m = self.engine
        ctx = m.contexts.get(event.cid)
        if ctx is None or not ctx.active:
            return
        for slot in self.slots:
            if slot.cid == event.cid and slot.allows(Event.CONTEXT_LOST):
                bridged = self.bridge is not None and self.bridge.conn_id == slot.conn_id
                self.close_on_net(slot, 0)
                slot.advance(Event.CONTEXT_LOST)
                if bridged:
                    self.carrier_lost(slot)
        ctx.active = False
        ctx.address = ""
        m.urc(u.PdpDeact(event.cid))
