"""SIM and network registration: CPIN, CSQ, CREG/CGREG/CEREG, COPS, CGATT, CGDCONT,
CGPADDR, QNWINFO, QCSQ, and the SMS set-up commands data-only drivers still send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import Cme
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry, declare_setting

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

LOCATION = ('"1A2B"', '"0C3D4E5"')  # emulator choice: fixed TAC/LAC and cell id (hex strings)


@COMMANDS.command("+CPIN", kind=Kind.GPP, forms=(Form.TEST, Form.READ, Form.SET))
def pin(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        return None
    if m.sim_state == "ABSENT":
        raise CommandError(Cme.SIM_NOT_INSERTED)
    if call.form is Form.READ:
        m.info(f"+CPIN: {m.sim_state}")
        return None
    code = Params(call, 2).string(0, 8)
    if m.sim_state == "READY":
        raise CommandError(Cme.NOT_ALLOWED)
    if code != m.profile.pin:
        raise CommandError(Cme.INCORRECT_PASSWORD)
    m.sim_state = "READY"
    m.urc("+CPIN: READY")
    return None


def registration(m: ModemView) -> int:
    """Current ``<stat>``: the profile's, unless the radio is off or there is no SIM."""
    if m.cfun != 1 or m.sim_state != "READY":
        return 0
    return m.profile.registration


@COMMANDS.command(
    "+CSQ", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST), test="+CSQ: (0-31,99),(0-7,99)"
)
def signal(m: ModemView, call: CommandCall) -> Outcome:
    rssi, ber = (m.profile.rssi, m.profile.ber) if m.cfun == 1 else (99, 99)
    m.info(f"+CSQ: {rssi},{ber}")
    return None


REGISTRATION_COMMANDS = (("+CREG", "creg_n"), ("+CGREG", "cgreg_n"), ("+CEREG", "cereg_n"))


def _status_fields(n: int, stat: int) -> list[str]:
    """``<stat>`` and, with ``n`` = 2 while registered, ``"<lac/tac>","<ci>",<AcT>``."""
    fields = [str(stat)]
    if n == 2 and stat in (1, 5):
        fields += [*LOCATION, "7"]
    return fields


def report_registration_change(m: ModemView, before: int) -> None:
    """Unsolicited ``+CREG: <stat>`` (and CGREG/CEREG) when ``<stat>`` changed and the
    host enabled reporting with ``n`` 1 or 2 (3GPP TS 27.007)."""
    stat = registration(m)
    if stat == before:
        return
    for name, setting in REGISTRATION_COMMANDS:
        n = getattr(m.settings, setting)
        if n:
            m.urc(f"{name}: {','.join(_status_fields(n, stat))}")


def _registration_command(name: str, setting: str) -> None:
    @COMMANDS.command(name, kind=Kind.GPP, test=f"{name}: (0-2)")
    def command(m: ModemView, call: CommandCall) -> Outcome:
        if call.form is Form.SET:
            setattr(m.settings, setting, Params(call, 1).integer(0, 0, 2))
        elif call.form is Form.READ:
            n = getattr(m.settings, setting)
            m.info(f"{name}: {','.join([str(n), *_status_fields(n, registration(m))])}")
        return None

    _ = command


for _name, _setting in REGISTRATION_COMMANDS:
    _registration_command(_name, _setting)


@COMMANDS.command("+COPS", kind=Kind.GPP)
def operator(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.TEST:
        m.info(f'+COPS: (2,"{m.profile.operator}","{m.profile.operator}","46000",7),,(0-4),(0-2)')
    elif call.form is Form.READ:
        if registration(m) in (1, 5):
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
        m.info(f"+CGATT: {int(m.attached and registration(m) in (1, 5))}")
    elif call.form is Form.SET:
        state = Params(call, 1).integer(0, 0, 1)
        if state and registration(m) not in (1, 5):
            raise CommandError(Cme.NO_NETWORK)
        m.attached = bool(state)
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
        if registration(m) in (1, 5):
            m.info('+QNWINFO: "FDD LTE","46000","LTE BAND 3",1650')
        else:
            m.info("+QNWINFO: No Service")
    return None


@COMMANDS.command(
    "+QCSQ", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST), test='+QCSQ: "NOSERVICE","GSM","LTE"'
)
def extended_signal(m: ModemView, call: CommandCall) -> Outcome:
    if registration(m) not in (1, 5) or m.profile.rssi == 99:
        m.info('+QCSQ: "NOSERVICE"')
        return None
    rssi_dbm = -113 + 2 * m.profile.rssi
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
        m.info("+CNMI: " + ",".join(str(v) for v in m.cnmi))
    elif call.form is Form.SET:
        p = Params(call, 5)
        highs = (2, 3, 2, 2, 1)
        values = list(m.cnmi)
        for index, high in enumerate(highs[: len(p)]):
            if p.given(index):
                values[index] = p.integer(index, 0, high)
        m.cnmi = tuple(values)
    return None
