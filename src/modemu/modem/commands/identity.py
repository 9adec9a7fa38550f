"""Identity commands: ATI, manufacturer/model/revision, IMEI, IMSI, ICCID (spec §13, §16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.codes import Cme
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import REGISTRY, CommandError, Kind, Outcome, Params

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine

EXEC_TEST = (Form.EXEC, Form.TEST)


@REGISTRY.command("I", kind=Kind.V250, forms=(Form.EXEC, Form.SET))
def info(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.SET:
        Params(call, 1).integer(0, 0, 0)
    p = m.profile
    m.info(p.manufacturer, p.model, f"Revision: {p.revision}")
    return None


@REGISTRY.command("+GMI", "+CGMI", kind=Kind.GPP, forms=EXEC_TEST)
def manufacturer(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.manufacturer)
    return None


@REGISTRY.command("+GMM", "+CGMM", kind=Kind.GPP, forms=EXEC_TEST)
def model(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.model)
    return None


@REGISTRY.command("+GMR", "+CGMR", kind=Kind.GPP, forms=EXEC_TEST)
def revision(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.revision)
    return None


@REGISTRY.command("+QGMR", kind=Kind.GPP, forms=EXEC_TEST)
def full_revision(m: ModemEngine, call: CommandCall) -> Outcome:
    """Quectel's long revision: the short one plus a build suffix."""
    if call.form is Form.EXEC:
        m.info(f"{m.profile.revision}_01.001.01.001")
    return None


@REGISTRY.command("+GSN", "+CGSN", kind=Kind.GPP, forms=EXEC_TEST)
def imei(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        m.info(m.profile.imei)
    return None


def _require_sim(m: ModemEngine) -> None:
    if m.sim_state == "ABSENT":
        raise CommandError(Cme.SIM_NOT_INSERTED)


@REGISTRY.command("+CIMI", kind=Kind.GPP, forms=EXEC_TEST)
def imsi(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        _require_sim(m)
        m.info(m.profile.imsi)
    return None


@REGISTRY.command("+QCCID", "+CCID", kind=Kind.GPP, forms=EXEC_TEST)
def iccid(m: ModemEngine, call: CommandCall) -> Outcome:
    if call.form is Form.EXEC:
        _require_sim(m)
        m.info(f"+QCCID: {m.profile.iccid}")
    return None
