"""Network services in flight: DNS lookups, pings and NTP syncs, and their URCs.

The commands that start them live in :mod:`modemu.modem.commands.services`; the engine
builds one :class:`NetServices` as ``engine.services``, routes the service net events to its
``on_*`` methods and calls :meth:`NetServices.reset` on power-off, so that late answers to
requests made before a reboot are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.modem.failures import qi_code
from modemu.net.base import (
    NtpFailed,
    NtpResult,
    PingDone,
    PingFailed,
    PingReply,
    PingTimeout,
    Resolved,
    ResolveFailed,
)

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine


@dataclass
class PingRun:
    """The ``AT+QPING`` in flight: echoes sent and round trips seen so far."""

    sent: int = 0
    rtts: list[int] = field(default_factory=list)


class NetServices:
    """Requests in flight, by kind; at most one DNS lookup, ping and NTP sync at a time."""

    def __init__(self, engine: ModemEngine) -> None:
        self.engine = engine
        self.reset()

    def reset(self) -> None:
        """Forget requests in flight (power-off): their late answers are then ignored."""
        self.dns_req: int | None = None
        self.ping_req: int | None = None
        self.ping = PingRun()
        self.ntp_req: int | None = None
        self.ntp_server: tuple[str, int] | None = None
        self.ntp_autoset = True
        self.ntp_name = "+QNTP"
        """Prefix of the sync's answers: ``+QNTTP`` when asked under the seed's name."""

    # -- net events -------------------------------------------------------------------

    def on_resolved(self, event: Resolved) -> None:
        m = self.engine
        if event.req != self.dns_req:
            return
        self.dns_req = None
        m.urc(u.DnsResult(QiError.SUCCESS, len(event.addresses), event.ttl))
        for address in event.addresses:
            m.urc(u.DnsAddress(address))

    def on_resolve_failed(self, event: ResolveFailed) -> None:
        m = self.engine
        if event.req != self.dns_req:
            return
        self.dns_req = None
        m.urc(u.DnsResult(qi_code(event.failure)))

    def on_ping_reply(self, event: PingReply) -> None:
        m = self.engine
        if event.req == self.ping_req:
            self.ping.sent += 1
            self.ping.rtts.append(event.rtt_ms)
            m.urc(u.PingEcho(event.address, event.size, event.rtt_ms, event.ttl))

    def on_ping_timeout(self, event: PingTimeout) -> None:
        m = self.engine
        if event.req == self.ping_req:
            self.ping.sent += 1
            m.urc(u.PingError(QiError.TIMEOUT))

    def on_ping_done(self, event: PingDone) -> None:
        """The summary; with no reply only sent/received/lost are printed (spec A14)."""
        m = self.engine
        if event.req != self.ping_req:
            return
        run = self.ping
        self.ping_req = None
        received = len(run.rtts)
        lost = run.sent - received
        if received:
            average = round(sum(run.rtts) / received)
            low, high = min(run.rtts), max(run.rtts)
            m.urc(u.PingSummary(run.sent, received, lost, low, high, average))
        else:
            m.urc(u.PingSummary(run.sent, 0, lost))

    def on_ping_failed(self, event: PingFailed) -> None:
        m = self.engine
        if event.req == self.ping_req:
            self.ping_req = None
            m.urc(u.PingError(qi_code(event.failure)))

    def on_ntp_result(self, event: NtpResult) -> None:
        m = self.engine
        if event.req != self.ntp_req:
            return
        self.ntp_req = self.ntp_server = None
        if self.ntp_autoset:
            m.state.clock.offset = event.unix_time - m.wall_clock()
        local = datetime.fromtimestamp(event.unix_time, UTC) + m.state.clock.zone()
        stamp = local.strftime("%Y/%m/%d,%H:%M:%S")
        m.urc(u.NtpResult(QiError.SUCCESS, stamp + m.state.clock.suffix(), self.ntp_name))

    def on_ntp_failed(self, event: NtpFailed) -> None:
        m = self.engine
        if event.req == self.ntp_req:
            self.ntp_req = self.ntp_server = None
            m.urc(u.NtpResult(qi_code(event.failure), name=self.ntp_name))
