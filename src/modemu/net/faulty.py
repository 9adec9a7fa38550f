"""A back end wrapper that applies faults and the destination policy below the engine.

:class:`FaultyNet` sits between the engine and the real back end (or ``FakeNet``). With no
rule in force it passes every call and event straight through. Rules make new opens fail as
the network would (refused, unanswered, unresolvable), and a peer can be made to close or
reset an established connection. Because this is below the engine, every access mode
(buffer, push, transparent) sees the same fault.

Events this wrapper makes up are delivered through ``schedule(0, …)`` (never from inside
the call that caused them), as the real back end does, so the engine is never re-entered.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from modemu.net.base import (
    Address,
    Closed,
    EventSink,
    NetBackend,
    NetEvent,
    NetFailure,
    NtpFailed,
    OpenFailed,
    PeerClosed,
    PingDone,
    PingFailed,
    PingTimeout,
    Received,
    Resolved,
    ResolveFailed,
    Service,
    SocketOptions,
)
from modemu.net.dns import ipv4_literal
from modemu.net.forwarding import ForwardingNet
from modemu.net.link import ShapedNet
from modemu.net.policy import Policy, destination_matches

__all__ = ["CONNECT_FAILED", "DNS_FAILED", "FaultyNet", "OpenRule", "Schedule"]

CONNECT_FAILED = NetFailure.CONNECT
"""Refused or unanswered connect: the module reports it as ``+QIOPEN: <id>,566``."""
DNS_FAILED = NetFailure.NAME_NOT_RESOLVED
TIMED_OUT = NetFailure.NO_ANSWER
Schedule = Callable[[float, Callable[[], None]], Any]
"""``schedule(delay, callback)``: ``loop.call_later`` in the server, a manual queue in tests."""
Note = Callable[..., None]
_PRIVATE_REQS = 1 << 40
"""Lookups this wrapper makes for the policy use request numbers above this."""


@dataclass
class OpenRule:
    """``refuse``/``timeout``/``dns-fail`` for new opens whose host and port match."""

    action: str
    host: str = "*"
    port: int = 0
    """0 matches every port."""
    count: int = 0
    """Opens left to spoil; 0 means every one until cleared."""
    after: float = 0.0
    """``timeout``: seconds before the open is given up."""

    def matches(self, host: str, port: int) -> bool:
        return destination_matches(self.host, self.port, host, port)

    def describe(self) -> dict[str, Any]:
        return {
            "fault": self.action,
            "host": self.host,
            "port": self.port,
            "count": self.count,
            "after": self.after,
        }


@dataclass(frozen=True)
class _OpenArgs:
    """One ``open`` call's arguments (kept while the policy looks up the host's address)."""

    conn_id: int
    service: Service
    host: str
    remote_port: int
    local_port: int
    dns_servers: tuple[str, ...]
    options: SocketOptions


class FaultyNet(ForwardingNet):
    """``NetBackend`` wrapper; ``build_inner(sink)`` builds the real back end around this
    wrapper's own event filter."""

    def __init__(
        self,
        sink: EventSink,
        build_inner: Callable[[EventSink], NetBackend],
        schedule: Schedule,
        *,
        policy: Policy | None = None,
        note: Note | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sink = sink
        self._schedule = schedule
        self.policy = policy or Policy()
        self.note: Note = note or (lambda event, **fields: None)
        self.rules: list[OpenRule] = []
        self._muted: set[int] = set()
        self._waiting: dict[int, Any] = {}
        self._lookups: dict[int, _OpenArgs] = {}
        self._reqs = itertools.count(_PRIVATE_REQS)
        self.shaper = ShapedNet(self._from_inner, build_inner, schedule, clock)
        """Link conditions (latency, bandwidth, loss) between this wrapper and the back end."""
        super().__init__(self.shaper)

    # -- faults ---------------------------------------------------------------------------

    def add_rule(self, rule: OpenRule) -> None:
        self.rules.append(rule)

    def clear(self, action: str | None = None) -> int:
        """Lift rules (all, or those of one action); returns how many were lifted."""
        kept = [r for r in self.rules if action is not None and r.action != action]
        lifted = len(self.rules) - len(kept)
        self.rules = kept
        return lifted

    def peer_close(self, conn_id: int, reset: bool) -> None:
        """Report that the peer closed (FIN) or reset (RST) ``conn_id``. The host socket
        stays until the engine closes it; its later events are muted meanwhile."""
        self._muted.add(conn_id)
        self._emit_soon(PeerClosed(conn_id, error=reset))

    def describe(self) -> list[dict[str, Any]]:
        return [rule.describe() for rule in self.rules] + self.shaper.describe()

    def _rule_for(self, host: str, port: int, *actions: str) -> OpenRule | None:
        for rule in self.rules:
            if rule.action in actions and rule.matches(host, port):
                if rule.count:
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                return rule
        return None

    # -- NetBackend -----------------------------------------------------------------------

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
        self._muted.discard(conn_id)
        args = _OpenArgs(
            conn_id, service, host, remote_port, local_port, tuple(dns_servers), options
        )
        if service in (Service.TCP_LISTENER, Service.UDP_SERVICE):
            self.inner.open(*_fields(args))
            return
        if self._spoiled(args):
            return
        if self.policy.restricts and self.policy.needs_address(host, remote_port):
            req = next(self._reqs)
            self._lookups[req] = args
            self.inner.resolve(req, host, dns_servers)
            return
        self._open_checked(args, None)

    def _spoiled(self, args: _OpenArgs) -> bool:
        """Apply the first matching fault rule; True when the open is answered by it."""
        is_name = ipv4_literal(args.host) is None
        actions = ("refuse", "timeout", "dns-fail") if is_name else ("refuse", "timeout")
        rule = self._rule_for(args.host, args.remote_port, *actions)
        if rule is None:
            return False
        self.note(
            "fault-applied",
            fault=rule.action,
            id=args.conn_id,
            host=args.host,
            port=args.remote_port,
        )
        if rule.action == "timeout":
            failed = OpenFailed(args.conn_id, CONNECT_FAILED)
            self._waiting[args.conn_id] = self._schedule(rule.after, lambda: self._expire(failed))
        else:
            failure = DNS_FAILED if rule.action == "dns-fail" else CONNECT_FAILED
            self._emit_soon(OpenFailed(args.conn_id, failure))
        return True

    def _expire(self, failed: OpenFailed) -> None:
        if self._waiting.pop(failed.conn_id, None) is not None:
            self._sink(failed)

    def _open_checked(self, args: _OpenArgs, address: str | None) -> None:
        if not self.policy.allows(args.host, args.remote_port, address):
            self.note("policy-refused", id=args.conn_id, host=args.host, port=args.remote_port)
            self._emit_soon(OpenFailed(args.conn_id, CONNECT_FAILED))
            return
        if address is not None:
            args = _OpenArgs(
                args.conn_id,
                args.service,
                address,
                args.remote_port,
                args.local_port,
                args.dns_servers,
                args.options,
            )
        self.inner.open(*_fields(args))

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        if dest is not None and not self.policy.allows(dest[0], dest[1]):
            self.note("policy-dropped", id=conn_id, host=dest[0], port=dest[1], size=len(data))
            return
        self.inner.send(conn_id, data, dest)

    def close(self, conn_id: int, timeout: float) -> None:
        self._muted.discard(conn_id)
        for req in [r for r, a in self._lookups.items() if a.conn_id == conn_id]:
            del self._lookups[req]
        waiting = self._waiting.pop(conn_id, None)
        if waiting is not None and hasattr(waiting, "cancel"):
            waiting.cancel()
        self.inner.close(conn_id, timeout)

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        self._muted.discard(conn_id)
        self.inner.accept(token, conn_id, options)

    def resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        if ipv4_literal(host) is None and self._rule_for(host, 0, "dns-fail"):
            self.note("fault-applied", fault="dns-fail", host=host)
            self._emit_soon(ResolveFailed(req, DNS_FAILED))
            return
        self.inner.resolve(req, host, dns_servers)

    def ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        if ipv4_literal(host) is None and self._rule_for(host, 0, "dns-fail"):
            self.note("fault-applied", fault="dns-fail", host=host)
            self._emit_soon(PingFailed(req, DNS_FAILED))
            return
        if ipv4_literal(host) is not None and not self.policy.allows(host, 0):
            self.note("policy-refused", host=host, service="ping")
            for _ in range(count):
                self._emit_soon(PingTimeout(req))
            self._emit_soon(PingDone(req))
            return
        self.inner.ping(req, host, timeout, count, dns_servers)

    def ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        if ipv4_literal(server) is None and self._rule_for(server, port, "dns-fail"):
            self.note("fault-applied", fault="dns-fail", host=server)
            self._emit_soon(NtpFailed(req, DNS_FAILED))
            return
        if ipv4_literal(server) is not None and not self.policy.allows(server, port):
            self.note("policy-refused", host=server, port=port, service="ntp")
            self._emit_soon(NtpFailed(req, TIMED_OUT))
            return
        self.inner.ntp(req, server, port, dns_servers)

    def cancel_timers(self) -> None:
        """Forget every pending made-up answer (shutdown)."""
        for handle in self._waiting.values():
            if hasattr(handle, "cancel"):
                handle.cancel()
        self._waiting.clear()

    # -- events ---------------------------------------------------------------------------

    def _from_inner(self, event: NetEvent) -> None:
        if isinstance(event, (Resolved, ResolveFailed)) and event.req in self._lookups:
            args = self._lookups.pop(event.req)
            if isinstance(event, Resolved) and event.addresses:
                self._open_checked(args, event.addresses[0])
            else:
                self._sink(OpenFailed(args.conn_id, DNS_FAILED))
            return
        if isinstance(event, (Received, PeerClosed)) and event.conn_id in self._muted:
            return
        if isinstance(event, Closed):
            self._muted.discard(event.conn_id)
        self._sink(event)

    def _emit_soon(self, event: NetEvent) -> None:
        self._schedule(0.0, lambda: self._sink(event))


def _fields(args: _OpenArgs) -> tuple[Any, ...]:
    return (
        args.conn_id,
        args.service,
        args.host,
        args.remote_port,
        args.local_port,
        args.dns_servers,
        args.options,
    )
