"""Status queries drivers poll besides the TCP/IP set: AT+QSPN, AT+CBC, AT+QTEMP, AT+QINDCFG.

The values come from the profile (operator names, PLMN, supply voltage, temperature); the
formats and their sources are in docs/status.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import Cme
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import SimState

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()

EXEC_TEST = (Form.EXEC, Form.TEST)
EMPTY_MV = 3300
FULL_MV = 4200
"""Supply voltages taken as 0 % and 100 % for ``AT+CBC``'s ``<bcl>`` (a Li-ion cell's range)."""


@COMMANDS.command("+QSPN", kind=Kind.GPP, forms=(*EXEC_TEST, Form.READ))
def service_provider(m: ModemView, call: CommandCall) -> Outcome:
    """``+QSPN: "<FNN>","<SNN>","<SPN>",<alphabet>,"<RPLMN>"``: full and short network
    names, the SIM's provider name (empty: none on the SIM), 0 = GSM alphabet, MCC+MNC.
    ``AT+QSPN?`` answers the same: TinyGSM's BG96 driver and other Quectel drivers ask in
    the read form (docs/compat.md)."""
    if call.form is Form.TEST:
        return None
    radio = m.state.radio
    if radio.sim is SimState.ABSENT:
        raise CommandError(Cme.SIM_NOT_INSERTED)
    if not radio.registered:
        raise CommandError(Cme.NO_NETWORK)
    p = m.profile
    m.info(f'+QSPN: "{p.operator}","{p.operator_short}","",0,"{p.plmn}"')
    return None


@COMMANDS.command("+CBC", kind=Kind.GPP, forms=EXEC_TEST)
def battery(m: ModemView, call: CommandCall) -> Outcome:
    """``+CBC: <bcs>,<bcl>,<voltage>``: not charging, charge level derived from the supply
    voltage, the voltage in mV."""
    if call.form is Form.EXEC:
        mv = m.profile.supply_voltage
        level = round(100 * (mv - EMPTY_MV) / (FULL_MV - EMPTY_MV))
        m.info(f"+CBC: 0,{min(100, max(0, level))},{mv}")
    return None


@COMMANDS.command("+QTEMP", kind=Kind.GPP, forms=EXEC_TEST)
def temperature(m: ModemView, call: CommandCall) -> Outcome:
    """``+QTEMP: <pmic_temp>,<xo_temp>,<pa_temp>`` in °C (the three-sensor form)."""
    if call.form is Form.EXEC:
        degrees = m.profile.temperature
        m.info(f"+QTEMP: {degrees},{degrees},{degrees}")
    return None


INDICATIONS = ("all", "csq", "smsfull", "ring", "smsincoming")


@COMMANDS.command(
    "+QINDCFG",
    kind=Kind.GPP,
    forms=(Form.TEST, Form.SET),
    test="\r\n".join(f'+QINDCFG: "{name}",(0,1),(0,1)' for name in INDICATIONS),
)
def indication_config(m: ModemView, call: CommandCall) -> Outcome:
    """``AT+QINDCFG=<urctype>[,<enable>[,<savetonvram>]]``; without ``<enable>`` the answer
    is ``+QINDCFG: "<urctype>",<enable>``. The switches are kept, not acted on: the URCs
    they gate (signal, SMS, RING) are not produced by the emulator."""
    p = Params(call, 3)
    if not p.args[0].quoted:
        raise CommandError()
    name = p.choice(0, INDICATIONS)
    if len(p) == 1:
        m.info(f'+QINDCFG: "{name}",{m.state.ext.indications[name]}')
        return None
    enable = p.integer(1, 0, 1)
    save = p.integer(2, 0, 1, default=0)
    m.state.ext.indications[name] = enable
    if save:
        m.save_nv()
    return None
