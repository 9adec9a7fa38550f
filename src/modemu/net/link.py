"""Link conditions below the engine: latency, jitter, bandwidth and loss on matching sockets.

:class:`ShapedNet` sits between the fault wrapper and the real back end. With no condition
in force every call and event passes straight through. With one, for the sockets whose
destination matches:

* module → network: each ``send`` waits one-way ``latency`` (± ``jitter``) plus its time on
  the uplink at ``up`` kbit/s, in order; ``backlog`` counts what is still waiting and
  ``wait_acked`` answers only once it has left, so ``AT+QISEND=<id>,0`` and send modes that
  wait for the ACK see the slow link;
* network → module: ``Opened`` after a round trip, then ``Received`` (and a ``PeerClosed``
  behind it, never overtaking) after ``latency`` ± ``jitter`` plus the downlink time at
  ``down`` kbit/s;
* ``loss``: a UDP datagram is lost (either way); a TCP segment is retransmitted, which costs
  an extra retransmission timeout (``RTO``) on that piece — TCP itself never loses data.

Random draws come from a generator seeded by the ``link`` fault, so the same seed gives the
same delays and the same lost datagrams. Presets (``cat1``, ``catm``, ``nbiot``, ``gprs``)
are in :data:`PRESETS`; ``docs/faults.md`` gives their sources.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from modemu.net.base import (
    Address,
    AllAcked,
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
from modemu.net.policy import destination_matches

__all__ = ["PRESETS", "Link", "ShapedNet"]

Schedule = Callable[[float, Callable[[], None]], Any]
RTO = 1.0
"""Seconds a lost TCP segment costs (RFC 6298's initial retransmission timeout)."""


@dataclass(frozen=True)
class Link:
    """Link conditions for traffic to ``host``:``port`` (latency, bandwidth, loss)."""

    latency: float = 0.0
    """One-way delay, seconds."""
    jitter: float = 0.0
    down: float = 0.0
    """Downlink kbit/s (0: unlimited)."""
    up: float = 0.0
    loss: float = 0.0
    host: str = "*"
    port: int = 0
    seed: int = 0

    def matches(self, host: str, port: int) -> bool:
        return destination_matches(self.host, self.port, host, port)

    def describe(self) -> dict[str, Any]:
        return {
            "fault": "link",
            "latency": self.latency,
            "jitter": self.jitter,
            "down": self.down,
            "up": self.up,
            "loss": self.loss,
            "host": self.host,
            "port": self.port,
        }


PRESETS: dict[str, Link] = {
    "cat1": Link(latency=0.04, jitter=0.01, down=10_000, up=5_000),
    "catm": Link(latency=0.1, jitter=0.03, down=300, up=375, loss=0.001),
    "nbiot": Link(latency=1.0, jitter=0.5, down=26, up=62, loss=0.005),
    "gprs": Link(latency=0.3, jitter=0.1, down=40, up=20, loss=0.01),
}


@dataclass
class _Flow:
    """One shaped socket: when each direction is next free, what waits to go out."""

    remote: Address
    udp: bool
    up_free: float = 0.0
    down_free: float = 0.0
    queued: int = 0
    acks: list[int] = field(default_factory=list)
    gone: bool = False
    last_up: float = 0.0
    last_down: float = 0.0
    """Arrival time of the previous piece each way: later pieces never overtake it."""


class ShapedNet(ForwardingNet):
    def __init__(
        self,
        sink: EventSink,
        build_inner: Callable[[EventSink], NetBackend],
        schedule: Schedule,
        clock: Callable[[], float],
    ) -> None:
        self._sink = sink
        self._schedule = schedule
        self._clock = clock
        self.link: Link | None = None
        self._rng: random.Random | None = None
        self._flows: dict[int, _Flow] = {}
        self._pending_incoming: dict[int, Address] = {}
        super().__init__(build_inner(self._from_inner))

    def set_link(self, link: Link | None) -> None:
        """New conditions for sockets opened from now on (open ones keep theirs)."""
        self.link = link
        self._rng = random.Random(link.seed if link is not None else 0)

    @property
    def rng(self) -> random.Random:
        """The source of jitter and loss, seeded by :meth:`set_link`. Made on first use:
        a module without link conditions never draws from it, and a generator costs
        2.5 KiB, which a fleet of thousands of modules would pay for nothing."""
        if self._rng is None:
            self._rng = random.Random(0)
        return self._rng

    def describe(self) -> list[dict[str, Any]]:
        return [] if self.link is None else [self.link.describe()]

    # -- shaping ----------------------------------------------------------------------------

    def _delay(self, flow: _Flow, size: int, upward: bool) -> float:
        """When a piece of ``size`` bytes arrives, as a delay from now (order kept)."""
        link = self.link or Link()
        now = self._clock()
        rate = link.up if upward else link.down
        airtime = size * 8 / (rate * 1000) if rate > 0 else 0.0
        free = max(now, flow.up_free if upward else flow.down_free) + airtime
        if upward:
            flow.up_free = free
        else:
            flow.down_free = free
        jitter = self.rng.uniform(-link.jitter, link.jitter) if link.jitter else 0.0
        extra = RTO if not flow.udp and link.loss and self.rng.random() < link.loss else 0.0
        arrival = max(
            free + link.latency + jitter + extra, flow.last_up if upward else flow.last_down
        )
        if upward:
            flow.last_up = arrival
        else:
            flow.last_down = arrival
        return max(0.0, arrival - now)

    def _lost(self, flow: _Flow) -> bool:
        link = self.link
        return bool(flow.udp and link and link.loss and self.rng.random() < link.loss)

    def _flow_for(self, conn_id: int, host: str, port: int, service: Service) -> None:
        link = self.link
        if link is not None and link.matches(host, port):
            udp = service in (Service.UDP, Service.UDP_SERVICE)
            self._flows[conn_id] = _Flow((host, port), udp)
        else:
            self._flows.pop(conn_id, None)

    # -- calls ------------------------------------------------------------------------------

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
        self._flow_for(conn_id, host, remote_port, service)
        super().open(conn_id, service, host, remote_port, local_port, dns_servers, options)

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        remote = self._pending_incoming.pop(token, None)
        if remote is not None:
            self._flow_for(conn_id, remote[0], remote[1], Service.TCP_INCOMING)
        super().accept(token, conn_id, options)

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        flow = self._flows.get(conn_id)
        if flow is None:
            super().send(conn_id, data, dest)
            return
        if self._lost(flow):
            return
        delay = self._delay(flow, len(data), upward=True)
        flow.queued += len(data)

        def deliver() -> None:
            flow.queued -= len(data)
            if not flow.gone:
                self.inner.send(conn_id, data, dest)
                self._release_acks(conn_id, flow)

        self._schedule(delay, deliver)

    def joins_sends(self, conn_id: int) -> bool:
        """Not under link conditions: each send is delayed (and may be lost) on its own."""
        return conn_id not in self._flows and self.inner.joins_sends(conn_id)

    def backlog(self, conn_id: int) -> int:
        flow = self._flows.get(conn_id)
        return self.inner.backlog(conn_id) + (flow.queued if flow is not None else 0)

    def wait_acked(self, conn_id: int, req: int) -> None:
        flow = self._flows.get(conn_id)
        if flow is not None and flow.queued:
            flow.acks.append(req)  # asked once the queued bytes have gone
            return
        self.inner.wait_acked(conn_id, req)

    def _release_acks(self, conn_id: int, flow: _Flow) -> None:
        if flow.queued == 0 and flow.acks:
            for req in flow.acks:
                self.inner.wait_acked(conn_id, req)
            flow.acks.clear()

    def close(self, conn_id: int, timeout: float) -> None:
        flow = self._flows.pop(conn_id, None)
        if flow is not None:
            flow.gone = True  # queued sends die with the socket; answer pending ack waits
            for req in flow.acks:
                self._schedule(0.0, self._answer(AllAcked(conn_id, req, ok=False)))
        super().close(conn_id, timeout)

    # -- events -----------------------------------------------------------------------------

    def _answer(self, event: NetEvent) -> Callable[[], None]:
        return lambda: self._sink(event)

    def _from_inner(self, event: NetEvent) -> None:
        if isinstance(event, Incoming):
            self._pending_incoming[event.token] = event.remote
        conn_id = getattr(event, "conn_id", None)
        flow = self._flows.get(conn_id) if isinstance(conn_id, int) else None
        if flow is None or isinstance(event, (Closed, AllAcked)):
            self._sink(event)
            return
        if isinstance(event, Received):
            if self._lost(flow):
                return
            delay = self._delay(flow, len(event.data), upward=False)
        elif isinstance(event, Opened):
            delay = 2 * (self.link.latency if self.link else 0.0)
        elif isinstance(event, PeerClosed):
            delay = self._delay(flow, 0, upward=False)
        else:
            delay = 0.0

        def deliver() -> None:
            if not flow.gone:
                self._sink(event)

        self._schedule(delay, deliver)
