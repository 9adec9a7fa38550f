"""The real network back end: host sockets, DNS, ping and NTP on the running asyncio loop.

:class:`AsyncioNet` implements :class:`modemu.net.base.NetBackend`. Every call returns at once;
the work runs in tasks and protocol callbacks, and outcomes reach the sink as events.

Delivery guarantees (what the engine may rely on):

* The sink is never called from inside a :class:`AsyncioNet` method. Outcomes known during a
  call (``Closed`` for an unknown id, ``AllAcked`` for UDP…) are delivered on a later loop turn.
  The engine may call any method from inside the sink.
* Per connection, events keep their order: ``Opened`` (or ``Incoming``) first, then
  ``Received`` in byte order, then at most one ``PeerClosed``. After :meth:`AsyncioNet.close`
  only ``Closed`` (and ``AllAcked(ok=False)`` for pending ack waits, delivered before
  ``Closed``) follow for that connection; every ``close`` call gets exactly one ``Closed``,
  even for an id that is not open or is already closing.
* ``accept`` emits nothing of its own (the ``Incoming`` event already carried both addresses);
  data the client sent before the accept arrives right after it. Accepting a token that is no
  longer pending (rejected, listener closed) reports ``PeerClosed(conn_id, error=True)``;
  accepting into an id that is open here is an engine error: logged, the client is reset,
  nothing is reported (a ``PeerClosed`` would hit the socket that owns the id).
* ``open`` on an id that is still open fails with ``OpenFailed(id, NetFailure.ID_IN_USE)``.
  An id whose ``close`` is still in progress may be reused (``open``/``accept``) at once:
  the old socket finishes closing on its own and its ``Closed`` still arrives, possibly after
  the new socket's first events, so the engine must count its ``close`` calls per id.
* Each ``wait_acked`` gets exactly one ``AllAcked``; each ``ping`` ends with ``PingDone`` or a
  single ``PingFailed``; each ``resolve``/``ntp`` gets exactly one answer.
* ``pause_reading`` takes effect at once: no ``Received`` (and no ``PeerClosed`` that would
  overtake held data) for that id until ``resume_reading``; bytes read in the same instant
  are held, never dropped. UDP sockets ignore pause/resume (no flow control; see
  :mod:`modemu.net.udp`).
* ``close(id, timeout)``: 0 closes at once (unsent user-space data dropped, the kernel still
  sends what it holds, then FIN). Otherwise FIN, then wait up to ``timeout`` s for the peer's
  FIN (its data is discarded), then a reset (RST) if it never came. ``reject`` resets at
  once; :meth:`AsyncioNet.aclose` closes everything as ``close(id, 0)`` does.
* After :meth:`AsyncioNet.aclose` nothing is delivered at all.

Failures: a DNS failure in ``open``/``ping``/``ntp`` is ``NAME_NOT_RESOLVED`` whatever the cause
(the spec's "domain name cannot be resolved"); ``resolve`` tells it from ``NO_ANSWER``. See
:mod:`modemu.net.dns` for the name rules (IPv4 literals, ``localhost``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from modemu.net.base import (
    Address,
    AllAcked,
    Closed,
    EventSink,
    Incoming,
    NetConfig,
    NetEvent,
    NetFailure,
    NtpFailed,
    NtpResult,
    Opened,
    OpenFailed,
    PdpDeactivated,
    PeerClosed,
    PingDone,
    PingFailed,
    PingReply,
    PingTimeout,
    Resolved,
    ResolveFailed,
    Service,
    SocketOptions,
)
from modemu.net.dns import DnsAnswer, DnsError, host_dns_servers, resolve_ipv4
from modemu.net.hostaddr import host_ipv4

# Sockets, ping and NTP load with the first open/accept, AT+QPING or AT+QNTP: a starting
# `modemu serve` answers its first OK without them.
if TYPE_CHECKING:
    from modemu.net.ping import EchoReply
    from modemu.net.tcp import TcpStream
    from modemu.net.udp import UdpEndpoint

__all__ = ["DEFAULT_CONFIG", "AsyncioNet"]

log = logging.getLogger(__name__)

_ACK_POLL_FIRST = 0.002
_ACK_POLL_MAX = 0.02
DEFAULT_CONFIG = NetConfig()
"""Loopback listeners, port-53 DNS via resolv.conf, host address: ``modemu serve``'s defaults."""


class _Handle(Protocol):
    """What every open socket (TCP stream, UDP endpoint, listener) offers."""

    @property
    def alive(self) -> bool: ...
    def host_socket(self) -> Any: ...
    def silence(self) -> None: ...
    def backlog(self) -> int: ...
    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    def force_close(self) -> None: ...
    async def shutdown(self, timeout: float) -> None: ...


@dataclass(eq=False)
class _Slot:
    """One module socket id on the host side, from ``open``/``accept`` until ``Closed``."""

    conn_id: int
    service: Service
    handle: _Handle | None = None
    stream: TcpStream | None = None
    endpoint: UdpEndpoint | None = None
    opener: asyncio.Task[None] | None = None
    ready: bool = False
    """``Opened`` was delivered; a listener's early clients wait in ``early`` until then."""
    early: list[TcpStream] = field(default_factory=list)
    ack_waits: dict[int, asyncio.Task[None]] = field(default_factory=dict)


@dataclass(eq=False)
class _Pending:
    """An accepted-by-the-kernel connection waiting for the engine's accept/reject."""

    listener_id: int
    stream: TcpStream


class AsyncioNet:
    """Real host networking for the virtual module (see the module docstring)."""

    def __init__(self, sink: EventSink, config: NetConfig = DEFAULT_CONFIG) -> None:
        self._sink = sink
        self._config = config
        self._loop = asyncio.get_running_loop()
        self._slots: dict[int, _Slot] = {}
        self._closing: set[_Slot] = set()
        self._pending: dict[int, _Pending] = {}
        self._tokens = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._host_address: str | None = None
        self._host_dns: tuple[str, ...] | None = None
        self._shut = False

    # -- addresses ---------------------------------------------------------------------------

    def local_address(self) -> str:
        """``config.pdp_address``, else the first up non-loopback IPv4 (cached), else loopback."""
        if self._config.pdp_address:
            return self._config.pdp_address
        if self._host_address is None:
            self._host_address = host_ipv4()
        return self._host_address

    def default_dns(self) -> tuple[str, ...]:
        """``config.default_dns``, else the host's resolv.conf servers (IPv4 only, cached).

        This is what a network would hand out at activation; ``AT+QIDNSCFG`` shows it.
        """
        if self._config.default_dns:
            return self._config.default_dns
        if self._host_dns is None:
            self._host_dns = host_dns_servers()
        return self._host_dns

    def host_socket(self, conn_id: int) -> Any:
        """The host socket behind ``conn_id`` (for diagnostics and tests), or ``None``."""
        slot = self._slots.get(conn_id)
        return None if slot is None or slot.handle is None else slot.handle.host_socket()

    # -- opening -----------------------------------------------------------------------------

    def open(  # noqa: PLR0917 - the signature is NetBackend's
        self,
        conn_id: int,
        service: Service,
        host: str,
        remote_port: int,
        local_port: int,
        dns_servers: Sequence[str],
        options: SocketOptions,
    ) -> None:
        if conn_id in self._slots:
            log.warning("open: id %d is still open on the host side", conn_id)
            self._emit_soon(OpenFailed(conn_id, NetFailure.ID_IN_USE))
            return
        slot = _Slot(conn_id, service)
        self._slots[conn_id] = slot
        request = _OpenRequest(host, remote_port, local_port, tuple(dns_servers), options)
        slot.opener = self._spawn(self._open(slot, request))

    async def _open(self, slot: _Slot, request: _OpenRequest) -> None:
        from modemu.net.opening import OpenError, ResetAfterConnectError  # noqa: PLC0415

        try:
            local, remote = await self._establish(slot, request)
        except ResetAfterConnectError as exc:
            log.info("open %d: connected, then reset by the peer", slot.conn_id)
            if self._slots.get(slot.conn_id) is slot:
                del self._slots[slot.conn_id]
                self._emit(Opened(slot.conn_id, exc.local, exc.remote))
                self._emit(PeerClosed(slot.conn_id, error=True))
            return
        except OpenError as exc:
            log.info("open %d (%s) failed: %s", slot.conn_id, slot.service.value, exc)
            if self._slots.get(slot.conn_id) is slot:  # else close() took it: stay quiet
                del self._slots[slot.conn_id]
                self._emit(OpenFailed(slot.conn_id, exc.failure))
            return
        if self._slots.get(slot.conn_id) is not slot:
            return  # closed meanwhile; close() shuts the handle down
        slot.opener = None
        slot.ready = True
        self._emit(Opened(slot.conn_id, local, remote))
        if slot.stream is not None:
            slot.stream.start(slot.conn_id)
        elif slot.endpoint is not None:
            slot.endpoint.start()
        early, slot.early = slot.early, []
        for stream in early:
            self._incoming(slot, stream)

    async def _establish(self, slot: _Slot, req: _OpenRequest) -> tuple[Address, Address | None]:
        from modemu.net.opening import (  # noqa: PLC0415 - see the imports above
            OpenError,
            open_tcp_client,
            open_udp_client,
            open_udp_service,
        )
        from modemu.net.tcp import TcpStream  # noqa: PLC0415
        from modemu.net.udp import UdpEndpoint  # noqa: PLC0415

        if slot.service is Service.TCP:
            remote = (await self._open_lookup(req), req.remote_port)
            stream = TcpStream(self._emit, slot.conn_id)
            local = await open_tcp_client(
                stream, remote, req.local_port, req.options, self._config.connect_timeout
            )
            slot.handle = slot.stream = stream
            return local, remote
        if slot.service is Service.UDP:
            remote = (await self._open_lookup(req), req.remote_port)
            endpoint = UdpEndpoint(self._emit, slot.conn_id, connected=True)
            local = await open_udp_client(endpoint, remote, req.local_port)
            slot.handle = slot.endpoint = endpoint
            return local, remote
        if slot.service is Service.UDP_SERVICE:
            endpoint = UdpEndpoint(self._emit, slot.conn_id, connected=False)
            local = await open_udp_service(endpoint, self._config.listen_host, req.local_port)
            slot.handle = slot.endpoint = endpoint
            return local, None
        if slot.service is Service.TCP_LISTENER:
            return await self._open_listener(slot, req.local_port), None
        raise OpenError(NetFailure.NOT_SUPPORTED, f"{slot.service.value} cannot be opened")

    async def _open_listener(self, slot: _Slot, local_port: int) -> Address:
        from modemu.net.listener import TcpListener  # noqa: PLC0415
        from modemu.net.opening import open_tcp_listener  # noqa: PLC0415
        from modemu.net.tcp import TcpStream  # noqa: PLC0415

        def factory() -> TcpStream:
            return TcpStream(self._emit, None, on_connect=lambda s: self._incoming(slot, s))

        server, local = await open_tcp_listener(factory, self._config.listen_host, local_port)
        slot.handle = TcpListener(server)
        return local

    async def _open_lookup(self, req: _OpenRequest) -> str:
        from modemu.net.opening import OpenError  # noqa: PLC0415

        try:
            return (await self._lookup(req.host, req.dns_servers)).addresses[0]
        except DnsError as exc:
            raise OpenError(NetFailure.NAME_NOT_RESOLVED, str(exc)) from exc

    # -- incoming connections ----------------------------------------------------------------

    def _incoming(self, listener: _Slot, stream: TcpStream) -> None:
        """A client connected: hold it (paused) and ask the engine."""
        if self._slots.get(listener.conn_id) is not listener:
            stream.force_close()  # the listener closed while this connection was queued
            return
        if not listener.ready:
            listener.early.append(stream)  # announce it only after the listener's Opened
            return
        token = next(self._tokens)
        self._pending[token] = _Pending(listener.conn_id, stream)
        self._emit(Incoming(listener.conn_id, token, stream.remote(), stream.local()))

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        pending = self._pending.pop(token, None)
        if conn_id in self._slots:  # an engine bug; reporting on conn_id would hit its socket
            log.error("accept: id %d is already open; incoming token %d refused", conn_id, token)
            if pending is not None:
                pending.stream.force_close()
            return
        if pending is None or not pending.stream.alive:
            log.info("accept: incoming token %d is gone", token)
            self._emit_soon(PeerClosed(conn_id, error=True))
            return
        stream = pending.stream
        from modemu.net.sockopts import apply_tcp_options  # noqa: PLC0415

        try:
            apply_tcp_options(stream.host_socket(), options)
        except OSError as exc:
            log.warning("accept %d: socket options not applied: %s", conn_id, exc)
        slot = _Slot(conn_id, Service.TCP_INCOMING, handle=stream, stream=stream)
        self._slots[conn_id] = slot
        self._loop.call_soon(self._start_accepted, slot)

    def _start_accepted(self, slot: _Slot) -> None:
        if self._slots.get(slot.conn_id) is slot and slot.stream is not None:
            slot.stream.start(slot.conn_id)

    def reject(self, token: int) -> None:
        pending = self._pending.pop(token, None)
        if pending is not None:
            pending.stream.force_close()

    @staticmethod
    def _drop_early(listener: _Slot) -> None:
        early, listener.early = listener.early, []
        for stream in early:
            stream.force_close()

    def _drop_pending(self, listener_id: int) -> None:
        for token, pending in list(self._pending.items()):
            if pending.listener_id == listener_id:
                del self._pending[token]
                pending.stream.force_close()

    # -- data --------------------------------------------------------------------------------

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        slot = self._slots.get(conn_id)
        if slot is None or slot.handle is None:
            log.debug("send: id %d is not open, %d bytes dropped", conn_id, len(data))
        elif slot.stream is not None:
            slot.stream.send(data)
        elif slot.endpoint is not None:
            slot.endpoint.send(data, dest)

    def backlog(self, conn_id: int) -> int:
        slot = self._slots.get(conn_id)
        return 0 if slot is None or slot.handle is None else slot.handle.backlog()

    def joins_sends(self, conn_id: int) -> bool:
        """A TCP stream: its sends are joined anyway (``TcpStream.send``)."""
        slot = self._slots.get(conn_id)
        return slot is not None and slot.stream is not None

    def wait_acked(self, conn_id: int, req: int) -> None:
        slot = self._slots.get(conn_id)
        if slot is None or slot.handle is None:
            self._emit_soon(AllAcked(conn_id, req, ok=False))
        elif slot.stream is None:
            self._emit_soon(AllAcked(conn_id, req, ok=True))  # UDP: nothing is ever acked
        else:
            slot.ack_waits[req] = self._spawn(self._poll_acked(slot, slot.stream, req))

    async def _poll_acked(self, slot: _Slot, stream: TcpStream, req: int) -> None:
        """Poll the backlog (2 ms, backing off to 20 ms) until it is 0 or the link dies."""
        delay = _ACK_POLL_FIRST
        saw_backlog = False
        while True:
            backlog = stream.backlog()
            if backlog == 0 and (stream.alive or not saw_backlog):
                ok = True
                break
            if not stream.alive:
                ok = False
                break
            saw_backlog = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, _ACK_POLL_MAX)
        slot.ack_waits.pop(req, None)
        self._emit(AllAcked(slot.conn_id, req, ok=ok))

    def pause_reading(self, conn_id: int) -> None:
        slot = self._slots.get(conn_id)
        if slot is not None and slot.handle is not None:
            slot.handle.pause_reading()

    def resume_reading(self, conn_id: int) -> None:
        slot = self._slots.get(conn_id)
        if slot is not None and slot.handle is not None:
            slot.handle.resume_reading()

    # -- closing -----------------------------------------------------------------------------

    def close(self, conn_id: int, timeout: float) -> None:
        slot = self._slots.pop(conn_id, None)
        if slot is None:
            self._hurry_closing(conn_id, timeout)
            self._emit_soon(Closed(conn_id))
            return
        if slot.opener is not None:
            slot.opener.cancel()  # now, so that it can no longer report Opened/OpenFailed
        for req, task in slot.ack_waits.items():
            task.cancel()
            self._emit_soon(AllAcked(conn_id, req, ok=False))
        slot.ack_waits.clear()
        if slot.handle is not None:
            slot.handle.silence()
        if slot.service is Service.TCP_LISTENER:
            self._drop_pending(conn_id)
            self._drop_early(slot)
        self._closing.add(slot)
        self._spawn(self._finish_close(slot, timeout))

    def _hurry_closing(self, conn_id: int, timeout: float) -> None:
        """A second ``close(id, 0)`` while the first still waits for the peer forces it."""
        if timeout > 0:
            return
        for slot in self._closing:
            if slot.conn_id == conn_id and slot.handle is not None:
                slot.handle.force_close()

    async def _finish_close(self, slot: _Slot, timeout: float) -> None:
        try:
            if slot.opener is not None and not slot.opener.done():
                await asyncio.wait([slot.opener])
            if slot.handle is not None:
                await slot.handle.shutdown(timeout)
        finally:
            self._closing.discard(slot)
            self._emit(Closed(slot.conn_id))

    # -- DNS, ping, NTP ----------------------------------------------------------------------

    async def _lookup(self, host: str, dns_servers: Sequence[str]) -> DnsAnswer:
        servers = tuple(dns_servers) or self._config.default_dns
        return await resolve_ipv4(host, servers, self._config.dns_port, self._config.dns_timeout)

    def resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        self._spawn(self._resolve(req, host, tuple(dns_servers)))

    async def _resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        try:
            answer = await self._lookup(host, dns_servers)
        except DnsError as exc:
            log.info("resolve %r: %s", host, exc)
            self._emit(ResolveFailed(req, exc.failure))
            return
        self._emit(Resolved(req, answer.addresses, answer.ttl))

    def ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        self._spawn(self._ping(req, host, timeout, count, tuple(dns_servers)))

    async def _ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        try:
            address = (await self._lookup(host, dns_servers)).addresses[0]
        except DnsError as exc:
            log.info("ping %r: %s", host, exc)
            self._emit(PingFailed(req, NetFailure.NAME_NOT_RESOLVED))
            return
        from modemu.net.ping import IcmpUnavailableError, ping_sequence  # noqa: PLC0415

        reported = 0

        def report(reply: EchoReply | None) -> None:
            nonlocal reported
            reported += 1
            if reply is None:
                self._emit(PingTimeout(req))
            else:
                self._emit(PingReply(req, reply.address, reply.size, reply.rtt_ms, reply.ttl))

        try:
            await ping_sequence(address, max(1, count), max(0.001, timeout), report)
        except IcmpUnavailableError as exc:
            log.error("ping %s: %s", address, exc)
            self._emit(PingFailed(req, NetFailure.UNAVAILABLE))
            return
        except Exception:
            log.exception("ping %s failed", address)
            if not reported:
                self._emit(PingFailed(req, NetFailure.UNEXPECTED))
                return
        self._emit(PingDone(req))

    def ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        self._spawn(self._ntp(req, server, port, tuple(dns_servers)))

    async def _ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        try:
            address = (await self._lookup(server, dns_servers)).addresses[0]
        except DnsError as exc:
            log.info("ntp %r: %s", server, exc)
            self._emit(NtpFailed(req, NetFailure.NAME_NOT_RESOLVED))
            return
        from modemu.net.ntp import NtpTimeoutError, sntp_time  # noqa: PLC0415

        try:
            unix_time = await sntp_time(address, port, self._config.ntp_timeout)
        except (NtpTimeoutError, OSError) as exc:
            log.info("ntp %s:%d: %s", address, port, exc)
            self._emit(NtpFailed(req, NetFailure.NO_ANSWER))
            return
        self._emit(NtpResult(req, unix_time))

    # -- faults and shutdown -----------------------------------------------------------------

    def raise_pdp_deactivation(self, cid: int) -> None:
        """Fault injection: report that the network tore down context ``cid``."""
        self._emit_soon(PdpDeactivated(cid))

    async def aclose(self) -> None:
        """Close every socket at once (as ``close(id, 0)``), cancel all work; report nothing."""
        self._shut = True
        slots = [*self._slots.values(), *self._closing]
        self._slots.clear()
        self._closing.clear()
        for pending in self._pending.values():
            pending.stream.force_close()
        self._pending.clear()
        for slot in slots:
            self._drop_early(slot)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        handles = [slot.handle for slot in slots if slot.handle is not None]
        await asyncio.gather(*(h.shutdown(0) for h in handles), return_exceptions=True)
        await asyncio.sleep(0)  # let the last connection_lost callbacks close their sockets

    # -- plumbing ----------------------------------------------------------------------------

    def _emit(self, event: NetEvent) -> None:
        """Hand one event to the sink; a failing sink is logged, never breaks the socket."""
        if self._shut:
            return
        try:
            self._sink(event)
        except Exception:
            log.exception("event sink failed on %r", event)

    def _emit_soon(self, event: NetEvent) -> None:
        self._loop.call_soon(self._emit, event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("network task failed", exc_info=task.exception())


@dataclass(frozen=True)
class _OpenRequest:
    """What ``open`` asked for, kept by the task that opens the socket."""

    host: str
    remote_port: int
    local_port: int
    dns_servers: tuple[str, ...]
    options: SocketOptions
