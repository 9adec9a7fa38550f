"""PDP contexts (spec §4): QICSGP (saved to NV), QIACT, QIDEACT, and QIGETERROR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import QI_ERROR_TEXT, QiError
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import MAX_CONTEXTS_ACTIVE, PdpType

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

QICSGP_MIN_SET = 3
"""``AT+QICSGP=<cid>,<type>,<apn>``: the shortest write."""
IPV6_ADDRESS = "0:0:0:0:0:0:0:1"
"""Emulator choice: the host's IPv6 is not modelled; v6 contexts report loopback."""


@COMMANDS.command(
    "+QICSGP",
    kind=Kind.TCPIP,
    forms=(Form.TEST, Form.SET),
    test="+QICSGP: {contexts},(1-3),<APN>,<username>,<password>,(0-3),(0,1)",
)
def configure_context(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 7)
    cid = p.integer(0, 1, m.profile.contexts)
    if len(p) == 1:
        ctx = m.contexts.get(cid)
        if ctx is None:
            m.info('+QICSGP: 1,"","","",0')
        else:
            m.info(
                f'+QICSGP: {ctx.context_type},"{ctx.apn}","{ctx.username}",'
                f'"{ctx.password}",{ctx.auth}'
            )
        return None
    if len(p) < QICSGP_MIN_SET:
        raise CommandError()
    context_type = p.integer(1, 1, 3)
    apn = p.string(2, 99)
    username = p.string(3, 127, default="")
    password = p.string(4, 127, default="")
    auth = p.integer(5, 0, 3, default=0)
    p.integer(6, 0, 1, default=0)  # CDMA_pwd: accepted and ignored
    ctx = m.context(cid)
    ctx.context_type, ctx.apn, ctx.username, ctx.password, ctx.auth = (
        context_type,
        apn,
        username,
        password,
        auth,
    )
    m.save_nv()
    return None


def pdp_address_line(m: ModemView, cid: int) -> str:
    ctx = m.contexts[cid]
    if ctx.context_type == PdpType.IPV4:
        addresses = f'"{ctx.address}"'
    elif ctx.context_type == PdpType.IPV6:
        addresses = f'"{IPV6_ADDRESS}"'
    else:
        addresses = f'"{ctx.address}","{IPV6_ADDRESS}"'
    return f"+QIACT: {cid},1,{ctx.context_type},{addresses}"


@COMMANDS.command(
    "+QIACT", kind=Kind.TCPIP, forms=(Form.TEST, Form.READ, Form.SET), test="+QIACT: {contexts}"
)
def activate(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(*(pdp_address_line(m, cid) for cid in sorted(m.contexts) if m.contexts[cid].active))
        return None
    cid = Params(call, 1).integer(0, 1, m.profile.contexts)
    return m.delays.reply_later("qiact", lambda: _activate(m, cid))


def _activate(m: ModemView, cid: int) -> Outcome:
    ctx = m.context(cid)
    if ctx.active:
        raise CommandError(QiError.PDP_OPEN_FAILED)
    if sum(c.active for c in m.contexts.values()) >= MAX_CONTEXTS_ACTIVE:
        raise CommandError(QiError.NOT_ALLOWED)
    if not m.state.radio.registered or not m.state.radio.attached:
        raise CommandError(QiError.PDP_OPEN_FAILED)
    ctx.active = True
    ctx.address = m.profile.pdp_address or m.net.local_address()
    ctx.dns = ("", "")
    return None


@COMMANDS.command(
    "+QIDEACT", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET), test="+QIDEACT: {contexts}"
)
def deactivate(m: ModemView, call: CommandCall) -> Outcome:
    cid = Params(call, 1).integer(0, 1, m.profile.contexts)
    return m.delays.reply_later("qideact", lambda: _deactivate(m, cid))


def _deactivate(m: ModemView, cid: int) -> Outcome:
    m.deactivate_context(cid)
    return None


@COMMANDS.command("+QIGETERROR", kind=Kind.V250, forms=(Form.EXEC, Form.TEST))
def last_error(m: ModemView, call: CommandCall) -> Outcome:
    """Registered as V.250 kind so that asking does not itself reset the code to 0."""
    if call.form is Form.EXEC:
        code = m.settings.last_qi_error
        m.info(f"+QIGETERROR: {code},{QI_ERROR_TEXT.get(code, QI_ERROR_TEXT[550])}")
    return None
