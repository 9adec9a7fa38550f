"""Identity commands: ATI, manufacturer/model/revision, IMEI, IMSI, ICCID (spec §13, §16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import Cme
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import SimState

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

EXEC_TEST = (Form.EXEC, Form.TEST)


@COMMANDS.command("I", kind=Kind.V250, forms=(Form.EXEC, Form.SET))
def info(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.SET:
        Params(call, 1).integer(0, 0, 0)
    p = m.profile
    m.info(p.manufacturer, p.model, f"Revision: {p.revision}")
    return None


@COMMANDS.command("+GMI", "+CGMI", kind=Kind.GPP, forms=EXEC_TEST)
def manufacturer(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.manufacturer)
    return None


@COMMANDS.command("+GMM", "+CGMM", kind=Kind.GPP, forms=EXEC_TEST)
def model(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.model)
    return None


@COMMANDS.command("+GMR", "+CGMR", kind=Kind.GPP, forms=EXEC_TEST)
def revision(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.revision)
    return None


@COMMANDS.command("+QGMR", kind=Kind.GPP, forms=EXEC_TEST)
def full_revision(m: ModemView, call: CommandCall) -> Outcome:
    """Quectel's long revision: the short one plus the profile's build suffix."""
    if call.form is Form.EXEC:
        m.info(m.profile.qgmr)
    return None


@COMMANDS.command("+GSN", "+CGSN", kind=Kind.GPP, forms=EXEC_TEST)
def imei(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.imei)
    return None


def _require_sim(m: ModemView) -> None:
    if m.state.radio.sim is SimState.ABSENT:
        raise CommandError(Cme.SIM_NOT_INSERTED)


@COMMANDS.command("+CIMI", kind=Kind.GPP, forms=EXEC_TEST)
def imsi(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        _require_sim(m)
        m.info(m.profile.imsi)
    return None


@COMMANDS.command("+QCCID", "+CCID", kind=Kind.GPP, forms=EXEC_TEST)
def iccid(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        _require_sim(m)
        m.info(f"+QCCID: {m.profile.iccid}")
    return None
