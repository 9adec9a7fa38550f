"""Network services (spec §10): QIDNSCFG, QIDNSGIP, QPING, QNTP.

All three services answer ``OK`` at once and report through URCs; the work is done by the
network back end (real DNS queries, ICMP echo, SNTP) and comes back as events.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from modemu.at.codes import QiError
from modemu.at.syntax import CommandCall, Form
from modemu.modem.commands.timekeeping import zone_suffix
from modemu.modem.engine import ENGINE_INITIALISERS, Hook, register_net_handler
from modemu.modem.registry import REGISTRY, CommandError, Kind, Outcome, Params
from modemu.modem.state import PdpContext
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
    sent: int = 0
    rtts: list[int] = field(default_factory=list)


@dataclass
class Services:
    """Requests in flight, by kind; at most one DNS lookup, ping and NTP sync at a time."""

    dns_req: int | None = None
    ping_req: int | None = None
    ping: PingRun = field(default_factory=PingRun)
    ntp_req: int | None = None
    ntp_server: tuple[str, int] | None = None
    ntp_autoset: bool = True
    next_req: int = 1_000_000

    def new_req(self) -> int:
        self.next_req += 1
        return self.next_req


def services(m: ModemEngine) -> Services:
    found = m.extensions.get("services")
    if isinstance(found, Services):
        return found
    created = m.extensions["services"] = Services()
    return created


def _attach(m: ModemEngine) -> None:
    """A reboot forgets requests in flight: their late answers are then ignored."""
    m.extensions["services"] = Services()
    m.hooks[Hook.POWER_OFF].append(lambda: m.extensions.update(services=Services()))


ENGINE_INITIALISERS.append(_attach)


def _active_context(m: ModemEngine, cid: int) -> PdpContext | None:
    ctx = m.contexts.get(cid)
    return ctx if ctx is not None and ctx.active else None


def dns_servers(m: ModemEngine, ctx: PdpContext) -> list[str]:
    """The context's servers (QIDNSCFG), or none: the back end then uses its defaults."""
    return [server for server in ctx.dns if server]


def _ipv4(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise CommandError() from None


# -- DNS ----------------------------------------------------------------------------------


@REGISTRY.command(
    "+QIDNSCFG",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QIDNSCFG: (1-15),<pridnsaddr>,<secdnsaddr>",
)
def dns_config(m: ModemEngine, call: CommandCall) -> Outcome:
    p = Params(call, 3)
    ctx = _active_context(m, p.integer(0, 1, 15))
    if ctx is None:
        raise CommandError(QiError.NOT_ALLOWED)
    if len(p) == 1:
        primary, secondary = ctx.dns
        if not primary:
            defaults = [*m.net.default_dns(), "0.0.0.0", "0.0.0.0"]
            primary, secondary = defaults[0], defaults[1]
        m.info(f'+QIDNSCFG: {ctx.cid},"{primary}","{secondary}"')
        return None
    primary = _ipv4(p.string(1, 15))
    secondary = _ipv4(p.string(2, 15)) if p.given(2) else ctx.dns[1]
    ctx.dns = (primary, secondary)
    return None


@REGISTRY.command(
    "+QIDNSGIP", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QIDNSGIP: (1-15),<hostname>"
)
def dns_lookup(m: ModemEngine, call: CommandCall) -> Outcome:
    p = Params(call, 2, min_count=2)
    cid = p.integer(0, 1, 15)
    host = p.string(1, 255)
    if not host:
        raise CommandError()
    svc = services(m)
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(f'+QIURC: "dnsgip",{QiError.PDP_OPEN_FAILED}')
    elif svc.dns_req is not None:
        m.urc(f'+QIURC: "dnsgip",{QiError.DNS_BUSY}')
    else:
        svc.dns_req = svc.new_req()
        m.net.resolve(svc.dns_req, host, dns_servers(m, ctx))
    return None


@register_net_handler(Resolved)
def on_resolved(m: ModemEngine, event: Resolved) -> None:
    svc = services(m)
    if event.req != svc.dns_req:
        return
    svc.dns_req = None
    m.urc(f'+QIURC: "dnsgip",0,{len(event.addresses)},{event.ttl}')
    for address in event.addresses:
        m.urc(f'+QIURC: "dnsgip","{address}"')


@register_net_handler(ResolveFailed)
def on_resolve_failed(m: ModemEngine, event: ResolveFailed) -> None:
    svc = services(m)
    if event.req != svc.dns_req:
        return
    svc.dns_req = None
    m.urc(f'+QIURC: "dnsgip",{event.code}')


# -- ping ---------------------------------------------------------------------------------


@REGISTRY.command(
    "+QPING",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QPING: (1-15),<host>,(1-255),(1-10)",
)
def ping(m: ModemEngine, call: CommandCall) -> Outcome:
    p = Params(call, 4, min_count=2)
    cid = p.integer(0, 1, 15)
    host = p.string(1, 255)
    timeout = p.integer(2, 1, 255, default=4)
    count = p.integer(3, 1, 10, default=4)
    if not host:
        raise CommandError()
    svc = services(m)
    if svc.ping_req is not None:
        raise CommandError(QiError.BUSY)
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(f"+QPING: {QiError.PDP_OPEN_FAILED}")
        return None
    svc.ping_req = svc.new_req()
    svc.ping = PingRun()
    m.net.ping(svc.ping_req, host, float(timeout), count, dns_servers(m, ctx))
    return None


@register_net_handler(PingReply)
def on_ping_reply(m: ModemEngine, event: PingReply) -> None:
    svc = services(m)
    if event.req == svc.ping_req:
        svc.ping.sent += 1
        svc.ping.rtts.append(event.rtt_ms)
        m.urc(f'+QPING: 0,"{event.address}",{event.size},{event.rtt_ms},{event.ttl}')


@register_net_handler(PingTimeout)
def on_ping_timeout(m: ModemEngine, event: PingTimeout) -> None:
    svc = services(m)
    if event.req == svc.ping_req:
        svc.ping.sent += 1
        m.urc(f"+QPING: {QiError.TIMEOUT}")


@register_net_handler(PingDone)
def on_ping_done(m: ModemEngine, event: PingDone) -> None:
    """The summary; with no reply only sent/received/lost are printed (spec A14)."""
    svc = services(m)
    if event.req != svc.ping_req:
        return
    run = svc.ping
    svc.ping_req = None
    received = len(run.rtts)
    lost = run.sent - received
    if received:
        average = round(sum(run.rtts) / received)
        m.urc(f"+QPING: 0,{run.sent},{received},{lost},{min(run.rtts)},{max(run.rtts)},{average}")
    else:
        m.urc(f"+QPING: 0,{run.sent},0,{lost}")


@register_net_handler(PingFailed)
def on_ping_failed(m: ModemEngine, event: PingFailed) -> None:
    svc = services(m)
    if event.req == svc.ping_req:
        svc.ping_req = None
        m.urc(f"+QPING: {event.code}")


# -- NTP ----------------------------------------------------------------------------------


@REGISTRY.command(
    "+QNTP",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.READ, Form.SET),
    test="+QNTP: (1-15),<server>,(1-65535),(0,1)",
)
def ntp(m: ModemEngine, call: CommandCall) -> Outcome:
    svc = services(m)
    if call.form is Form.READ:
        if svc.ntp_server is not None:
            m.info(f'+QNTP: "{svc.ntp_server[0]}",{svc.ntp_server[1]}')
        return None
    p = Params(call, 4, min_count=2)
    cid = p.integer(0, 1, 15)
    server = p.string(1, 255)
    port = p.integer(2, 1, 65535, default=123)
    autoset = p.integer(3, 0, 1, default=1)
    if not server:
        raise CommandError()
    if svc.ntp_req is not None:
        raise CommandError(QiError.BUSY)
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(f"+QNTP: {QiError.PDP_OPEN_FAILED}")
        return None
    svc.ntp_req = svc.new_req()
    svc.ntp_server = (server, port)
    svc.ntp_autoset = bool(autoset)
    m.net.ntp(svc.ntp_req, server, port, dns_servers(m, ctx))
    return None


@register_net_handler(NtpResult)
def on_ntp_result(m: ModemEngine, event: NtpResult) -> None:
    svc = services(m)
    if event.req != svc.ntp_req:
        return
    svc.ntp_req = svc.ntp_server = None
    if svc.ntp_autoset:
        m.clock_offset = event.unix_time - m.wall_clock()
    local = datetime.fromtimestamp(event.unix_time, UTC) + timedelta(
        minutes=15 * m.timezone_quarters
    )
    stamp = local.strftime("%Y/%m/%d,%H:%M:%S")
    m.urc(f'+QNTP: 0,"{stamp}{zone_suffix(m.timezone_quarters)}"')


@register_net_handler(NtpFailed)
def on_ntp_failed(m: ModemEngine, event: NtpFailed) -> None:
    svc = services(m)
    if event.req == svc.ntp_req:
        svc.ntp_req = svc.ntp_server = None
        m.urc(f"+QNTP: {event.code}")
