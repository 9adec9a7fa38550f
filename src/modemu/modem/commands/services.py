"""Network services (spec §10): QIDNSCFG, QIDNSGIP, QPING, QNTP.

All three services answer ``OK`` at once and report through URCs; the work is done by the
network back end (real DNS queries, ICMP echo, SNTP) and comes back as events.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.services import PingRun
from modemu.modem.state import PdpContext

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""


def _active_context(m: ModemView, cid: int) -> PdpContext | None:
    ctx = m.contexts.get(cid)
    return ctx if ctx is not None and ctx.active else None


def dns_servers(m: ModemView, ctx: PdpContext) -> list[str]:
    """The context's servers (QIDNSCFG), or none: the back end then uses its defaults."""
    return [server for server in ctx.dns if server]


def _ipv4(text: str) -> str:
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise CommandError() from None


# -- DNS ----------------------------------------------------------------------------------


@COMMANDS.command(
    "+QIDNSCFG",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QIDNSCFG: {contexts},<pridnsaddr>,<secdnsaddr>",
)
def dns_config(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 3)
    ctx = _active_context(m, p.integer(0, 1, m.profile.contexts))
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


@COMMANDS.command(
    "+QIDNSGIP",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QIDNSGIP: {contexts},<hostname>",
)
def dns_lookup(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 2, min_count=2)
    cid = p.integer(0, 1, m.profile.contexts)
    host = p.string(1, 255)
    if not host:
        raise CommandError()
    svc = m.services
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(u.DnsResult(QiError.PDP_OPEN_FAILED))
    elif svc.dns_req is not None:
        m.urc(u.DnsResult(QiError.DNS_BUSY))
    else:
        svc.dns_req = m.new_request_id()
        req, servers = svc.dns_req, dns_servers(m, ctx)
        m.delays.run_later("dnsgip", lambda: m.net.resolve(req, host, servers))
    return None


# -- ping ---------------------------------------------------------------------------------


@COMMANDS.command(
    "+QPING",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QPING: {contexts},<host>,(1-255),(1-10)",
)
def ping(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 4, min_count=2)
    cid = p.integer(0, 1, m.profile.contexts)
    host = p.string(1, 255)
    timeout = p.integer(2, 1, 255, default=4)
    count = p.integer(3, 1, 10, default=4)
    if not host:
        raise CommandError()
    svc = m.services
    if svc.ping_req is not None:
        raise CommandError(QiError.BUSY)
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(u.PingError(QiError.PDP_OPEN_FAILED))
        return None
    svc.ping_req = m.new_request_id()
    svc.ping = PingRun()
    req, servers = svc.ping_req, dns_servers(m, ctx)
    m.delays.run_later("qping", lambda: m.net.ping(req, host, float(timeout), count, servers))
    return None


# -- NTP ----------------------------------------------------------------------------------


@COMMANDS.command(
    "+QNTP",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.READ, Form.SET),
    test="+QNTP: {contexts},<server>,(1-65535),(0,1)",
)
def ntp(m: ModemView, call: CommandCall) -> Outcome:
    return _ntp(m, call, "+QNTP")


@COMMANDS.command(
    "+QNTTP",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.READ, Form.SET),
    test="+QNTTP: {contexts},<server>,(1-65535),(0,1)",
)
def ntp_seed_alias(m: ModemView, call: CommandCall) -> Outcome:
    """The application note's spelling of QNTP (spec A1); answers under the name asked."""
    return _ntp(m, call, "+QNTTP")


def _ntp(m: ModemView, call: CommandCall, name: str) -> Outcome:
    svc = m.services
    if call.form is Form.READ:
        if svc.ntp_server is not None:
            m.info(f'{name}: "{svc.ntp_server[0]}",{svc.ntp_server[1]}')
        return None
    p = Params(call, 4, min_count=2)
    cid = p.integer(0, 1, m.profile.contexts)
    server = p.string(1, 255)
    port = p.integer(2, 1, 65535, default=123)
    autoset = p.integer(3, 0, 1, default=1)
    if not server:
        raise CommandError()
    if svc.ntp_req is not None:
        raise CommandError(QiError.BUSY)
    ctx = _active_context(m, cid)
    if ctx is None:
        m.urc(u.NtpResult(QiError.PDP_OPEN_FAILED, name=name))
        return None
    svc.ntp_req = m.new_request_id()
    svc.ntp_server = (server, port)
    svc.ntp_autoset = bool(autoset)
    svc.ntp_name = name
    req, servers = svc.ntp_req, dns_servers(m, ctx)
    m.delays.run_later("qntp", lambda: m.net.ntp(req, server, port, servers))
    return None
