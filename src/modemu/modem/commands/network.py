"""SIM and network registration: CPIN, CSQ, CREG/CGREG/CEREG, COPS, CGATT, CGDCONT,
CGPADDR, QNWINFO, QCSQ, and the SMS set-up commands data-only drivers still send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import Cme
from modemu.at.syntax import CommandCall, Form
from modemu.at.urc import SimStatus
from modemu.modem.changes import REGISTRATION_COMMANDS, registration_status
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry, declare_setting
from modemu.modem.state import RSSI_UNKNOWN, SimState

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""


@COMMANDS.command("+CPIN", kind=Kind.GPP, forms=(Form.TEST, Form.READ, Form.SET))
def pin(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        return None
    if m.state.radio.sim is SimState.ABSENT:
        raise CommandError(Cme.SIM_NOT_INSERTED)
    if call.form is Form.READ:
        m.info(f"+CPIN: {m.state.radio.sim}")
        return None
    code = Params(call, 2).string(0, 8)
    if m.state.radio.sim is SimState.READY:
        raise CommandError(Cme.NOT_ALLOWED)
    if code != m.profile.pin:
        raise CommandError(Cme.INCORRECT_PASSWORD)
    m.state.radio.sim = SimState.READY
    m.urc(SimStatus(SimState.READY))
    return None


@COMMANDS.command(
    "+CSQ", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST), test="+CSQ: (0-31,99),(0-7,99)"
)
def signal(m: ModemView, call: CommandCall) -> Outcome:
    radio = m.state.radio
    rssi, ber = (radio.rssi, radio.ber) if radio.cfun == 1 else (99, 99)
    m.info(f"+CSQ: {rssi},{ber}")
    return None


def _registration_command(name: str, setting: str) -> None:
    @COMMANDS.command(name, kind=Kind.GPP, test=f"{name}: (0-2)")
    def command(m: ModemView, call: CommandCall) -> Outcome:
        if call.form is Form.SET:
            setattr(m.settings, setting, Params(call, 1).integer(0, 0, 2))
        elif call.form is Form.READ:
            n = getattr(m.settings, setting)
            status = registration_status(name, n, m.state.radio.registration())
            m.info(f"{name}: {n},{status.render().partition(': ')[2]}")  # <n>, then the URC's
        return None

    _ = command


for _name, _setting in REGISTRATION_COMMANDS:
    _registration_command(_name, _setting)


@COMMANDS.command("+COPS", kind=Kind.GPP)
def operator(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        m.info(f'+COPS: (2,"{m.profile.operator}","{m.profile.operator}","46000",7),,(0-4),(0-2)')
    elif call.form is Form.READ:
        if m.state.radio.registered:
            m.info(f'+COPS: 0,0,"{m.profile.operator}",7')
        else:
            m.info("+COPS: 0")
    elif call.form is Form.SET:
        p = Params(call, 4)
        p.integer(0, 0, 4)
        if p.given(1):
            p.integer(1, 0, 2)
    return None


@COMMANDS.command("+CGATT", kind=Kind.GPP, test="+CGATT: (0,1)")
def attach(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f"+CGATT: {int(m.state.radio.attached and m.state.radio.registered)}")
    elif call.form is Form.SET:
        state = Params(call, 1).integer(0, 0, 1)
        if state and not m.state.radio.registered:
            raise CommandError(Cme.NO_NETWORK)
        m.state.radio.attached = bool(state)
        if not state:
            m.deactivate_all_contexts()
    return None


@COMMANDS.command(
    "+CGDCONT",
    kind=Kind.GPP,
    test='+CGDCONT: {contexts},"IP",,,(0-2),(0-4),(0-1)\r\n'
    '+CGDCONT: {contexts},"IPV6",,,(0-2),(0-4),(0-1)\r\n'
    '+CGDCONT: {contexts},"IPV4V6",,,(0-2),(0-4),(0-1)',
)
def define_context(m: ModemView, call: CommandCall) -> Outcome:
    pdp_types = {1: "IP", 2: "IPV6", 3: "IPV4V6"}
    if call.form is Form.READ:
        lines = []
        for cid in sorted(m.contexts):
            ctx = m.contexts[cid]
            address = ctx.address if ctx.active else "0.0.0.0"
            lines.append(
                f'+CGDCONT: {cid},"{pdp_types[ctx.context_type]}","{ctx.apn}","{address}",0,0'
            )
        m.info(*lines)  # one response: only the first line gets the leading CRLF
    elif call.form is Form.SET:
        p = Params(call, 8)
        ctx = m.context(p.integer(0, 1, m.profile.contexts))
        if p.given(1):
            kind = p.choice(1, ("IP", "IPV6", "IPV4V6"))
            ctx.context_type = {v: k for k, v in pdp_types.items()}[kind]
        if p.given(2):
            ctx.apn = p.string(2, 99)
        m.save_nv()
    return None


@COMMANDS.command("+CGPADDR", kind=Kind.GPP, forms=(Form.EXEC, Form.SET, Form.TEST))
def addresses(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        m.info(f"+CGPADDR: ({','.join(str(c) for c in sorted(m.contexts)) or '1'})")
        return None
    if call.form is Form.SET:
        cids = [Params(call, 1).integer(0, 1, m.profile.contexts)]
    else:
        cids = sorted(m.contexts) or [1]
    lines = []
    for cid in cids:
        ctx = m.contexts.get(cid)
        address = ctx.address if ctx is not None and ctx.active else "0.0.0.0"
        lines.append(f'+CGPADDR: {cid},"{address}"')
    m.info(*lines)
    return None


@COMMANDS.command("+QNWINFO", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST))
def network_info(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        if m.state.radio.registered:
            m.info('+QNWINFO: "FDD LTE","46000","LTE BAND 3",1650')
        else:
            m.info("+QNWINFO: No Service")
    return None


@COMMANDS.command(
    "+QCSQ", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST), test='+QCSQ: "NOSERVICE","GSM","LTE"'
)
def extended_signal(m: ModemView, call: CommandCall) -> Outcome:
    rssi = m.state.radio.rssi
    if not m.state.radio.registered or rssi == RSSI_UNKNOWN:
        m.info('+QCSQ: "NOSERVICE"')
        return None
    rssi_dbm = -113 + 2 * rssi
    rsrp = rssi_dbm - 20
    m.info(f'+QCSQ: "LTE",{rssi_dbm},{rsrp},150,-10')
    return None


declare_setting(COMMANDS, "+CMGF", "cmgf", 0, 1)


@COMMANDS.command(
    "+CPMS", kind=Kind.GPP, test='+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")'
)
def sms_storage(m: ModemView, call: CommandCall) -> Outcome:
    stores = ("SM", "ME", "MT")
    if call.form is Form.READ:
        m.info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50')
    elif call.form is Form.SET:
        p = Params(call, 3)
        for index in range(len(p)):
            if p.given(index):
                p.choice(index, stores)
        m.info("+CPMS: 0,50,0,50,0,50")
    return None


@COMMANDS.command("+CNMI", kind=Kind.GPP, test="+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)")
def sms_indication(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info("+CNMI: " + ",".join(str(v) for v in m.state.cnmi))
    elif call.form is Form.SET:
        p = Params(call, 5)
        highs = (2, 3, 2, 2, 1)
        values = list(m.state.cnmi)
        for index, high in enumerate(highs[: len(p)]):
            if p.given(index):
                values[index] = p.integer(index, 0, high)
        m.state.cnmi = tuple(values)
    return None
