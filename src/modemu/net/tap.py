"""Watch what crosses the network below the engine, without changing it.

:class:`NetTap` sits between the engine and the real back end. It sees the calls that put
bytes on the network (``open``, ``send``, ``close``, ``accept``) and the events that come back,
keeps one :class:`Flow` per socket id (service, the module's and the peer's address), and tells
each :class:`NetObserver` what happened in network terms: a connection set up, a segment or
datagram each way, a close or a reset. The pcap writer and the trace's network lane are
observers; neither knows about AT commands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from modemu.net.base import (
    Address,
    Closed,
    EventSink,
    Incoming,
    NetBackend,
    NetEvent,
    Opened,
    PeerClosed,
    Received,
    Service,
    SocketOptions,
)
from modemu.net.forwarding import ForwardingNet

__all__ = ["Flow", "NetObserver", "NetTap", "TraceNotes", "tap_factory"]

_STREAM_SERVICES = (Service.TCP, Service.TCP_INCOMING)


@dataclass(frozen=True)
class Flow:
    """One socket as the network sees it; ``module`` is the module's address."""

    conn_id: int
    service: Service
    module: Address
    peer: Address | None

    @property
    def is_stream(self) -> bool:
        return self.service in _STREAM_SERVICES


class NetObserver(Protocol):
    """Told about network traffic; must not raise (a broken observer is its own problem)."""

    def connected(self, flow: Flow, by_module: bool) -> None:
        """A TCP connection is up (``by_module``: the module dialled) or a UDP socket bound."""

    def data(self, flow: Flow, from_module: bool, payload: bytes, peer: Address | None) -> None:
        """Bytes or one datagram; ``peer`` is the datagram's other end where it varies."""

    def closed(self, flow: Flow, by_module: bool, reset: bool) -> None:
        """The connection ended: an orderly close (FIN) or a reset."""


class NetTap(ForwardingNet):
    """Forwards everything; reports traffic to ``observers``."""

    def __init__(self, inner: NetBackend, observers: Sequence[NetObserver]) -> None:
        super().__init__(inner)
        self._observers = tuple(observers)
        self._services: dict[int, Service] = {}
        self._flows: dict[int, Flow] = {}
        self._incoming: dict[int, Incoming] = {}
        self._accepted: dict[int, Incoming] = {}
        self._closing: set[int] = set()

    # -- calls (engine → network) --------------------------------------------------------

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
        self._services[conn_id] = service
        super().open(conn_id, service, host, remote_port, local_port, dns_servers, options)

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        flow = self._flows.get(conn_id)
        if flow is not None and data:
            self._tell(lambda o: o.data(flow, True, data, dest or flow.peer))
        super().send(conn_id, data, dest)

    def joins_sends(self, conn_id: int) -> bool:
        """Not while captured: the capture shows each send as it was made."""
        return conn_id not in self._flows and self.inner.joins_sends(conn_id)

    def close(self, conn_id: int, timeout: float) -> None:
        flow = self._flows.get(conn_id)
        if flow is not None and conn_id not in self._closing:
            self._closing.add(conn_id)
            self._tell(lambda o: o.closed(flow, True, timeout == 0))
        super().close(conn_id, timeout)

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        incoming = self._incoming.pop(token, None)
        if incoming is not None:
            self._accepted[conn_id] = incoming
            module = (self.inner.local_address(), incoming.local[1])
            flow = Flow(conn_id, Service.TCP_INCOMING, module, incoming.remote)
            self._flows[conn_id] = flow
            self._tell(lambda o: o.connected(flow, False))
        super().accept(token, conn_id, options)

    def reject(self, token: int) -> None:
        self._incoming.pop(token, None)
        super().reject(token)

    # -- events (network → engine) -------------------------------------------------------

    def watch(self, event: NetEvent) -> None:
        """Look at one event on its way to the engine."""
        if isinstance(event, Opened):
            self._opened(event)
        elif isinstance(event, Received):
            flow = self._flows.get(event.conn_id)
            if flow is not None:
                self._tell(lambda o: o.data(flow, False, event.data, event.sender or flow.peer))
        elif isinstance(event, PeerClosed):
            self._peer_closed(event)
        elif isinstance(event, Closed):
            self._forget(event.conn_id)
        elif isinstance(event, Incoming):
            self._incoming[event.token] = event

    def _opened(self, event: Opened) -> None:
        if event.conn_id in self._accepted:
            return  # reported at accept time, with the listener's addresses
        service = self._services.get(event.conn_id, Service.TCP)
        if service is Service.TCP_LISTENER:
            return  # a listener carries no traffic of its own
        module = (self.inner.local_address(), event.local[1])
        flow = Flow(event.conn_id, service, module, event.remote)
        self._flows[event.conn_id] = flow
        self._tell(lambda o: o.connected(flow, True))

    def _peer_closed(self, event: PeerClosed) -> None:
        flow = self._flows.get(event.conn_id)
        if flow is not None and event.conn_id not in self._closing:
            self._closing.add(event.conn_id)
            self._tell(lambda o: o.closed(flow, False, event.error))

    def _forget(self, conn_id: int) -> None:
        self._flows.pop(conn_id, None)
        self._accepted.pop(conn_id, None)
        self._services.pop(conn_id, None)
        self._closing.discard(conn_id)

    def _tell(self, call: Callable[[NetObserver], None]) -> None:
        for observer in self._observers:
            call(observer)


def tap_factory(
    build: Callable[[EventSink], NetBackend], observers: Sequence[NetObserver]
) -> Callable[[EventSink], NetBackend]:
    """Wrap a net factory so that the back end it builds is watched by ``observers``."""

    def factory(sink: EventSink) -> NetBackend:
        tap: NetTap | None = None

        def watched(event: NetEvent) -> None:
            if tap is not None:
                tap.watch(event)
            sink(event)

        tap = NetTap(build(watched), observers)
        return tap

    return factory


def with_peer(flow: Flow, peer: Address | None) -> Flow:
    """The same flow seen with a datagram's own peer (UDP SERVICE talks to many)."""
    return flow if peer is None or peer == flow.peer else replace(flow, peer=peer)


class TraceNotes:
    """A :class:`NetObserver` that writes ``net-*`` events (the viewer's network lane)."""

    def __init__(self, note: Callable[..., None]) -> None:
        self._note = note

    def connected(self, flow: Flow, by_module: bool) -> None:
        self._note(
            "net-open",
            conn_id=flow.conn_id,
            service=flow.service.value,
            peer=_text(flow.peer),
            by_module=by_module,
        )

    def data(self, flow: Flow, from_module: bool, payload: bytes, peer: Address | None) -> None:
        direction = "out" if from_module else "in"
        self._note(f"net-{direction}", conn_id=flow.conn_id, bytes=len(payload), peer=_text(peer))

    def closed(self, flow: Flow, by_module: bool, reset: bool) -> None:
        self._note("net-reset" if reset else "net-close", conn_id=flow.conn_id, by_module=by_module)


def _text(address: Address | None) -> str | None:
    return None if address is None else f"{address[0]}:{address[1]}"
