"""Power: CFUN (incl. ``=1,1`` reboot), QPOWD, QSCLK.

A reboot or power-down is carried out after the command's ``OK`` has been written, so the
host always sees the answer before the module goes quiet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at import render
from modemu.at.syntax import CommandCall, Form
from modemu.at.urc import PoweredDown
from modemu.modem.changes import report_registration_change
from modemu.modem.lines import PWRKEY_OFF_MS, PWRKEY_ON_MS, RESET_MIN_MS
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry, declare_setting

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

FUNCTIONALITY = (0, 1, 3, 4, 5)


@COMMANDS.command("+CFUN", kind=Kind.GPP, test="+CFUN: (0,1,4),(0-1)")
def functionality(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f"+CFUN: {m.state.radio.cfun}")
        return None
    if call.form is Form.EXEC:
        return None
    p = Params(call, 2)
    fun = p.integer(0, 0, 5)
    reset = p.integer(1, 0, 1, default=0)
    if fun not in FUNCTIONALITY:
        raise CommandError()
    if reset:
        m.after_line(lambda: reboot(m))
        return None
    before = m.state.radio.registration()
    m.state.radio.cfun = fun
    if fun != 1:
        m.deactivate_all_contexts()
    report_registration_change(m, before)  # held until after the OK
    return None


def reboot(m: ModemView) -> None:
    m.power_off()
    m.call_later(m.profile.delay("reboot"), lambda: m.power_on(m.now))


@COMMANDS.command(
    "+QPOWD", kind=Kind.GPP, forms=(Form.EXEC, Form.SET, Form.TEST), test="+QPOWD: (0,1)"
)
def power_down(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.SET:
        Params(call, 1).integer(0, 0, 1)

    def shut_down() -> None:
        m.urc(PoweredDown())
        m.power_off()
        if m.profile.repower_delay > 0:
            m.call_later(m.profile.repower_delay, lambda: m.power_on(m.now))

    m.after_line(shut_down)
    return None


declare_setting(COMMANDS, "+QSCLK", "qsclk", 0, 1)


@COMMANDS.command("+QRIR", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST))
def restore_ri(m: ModemView, call: CommandCall) -> Outcome:
    """``AT+QRIR``: RI back to inactive (it stays active after a URC whose
    ``AT+QCFG="urc/ri/*"`` type is ``"always"``)."""
    m.clear_ri()
    return None


# -- the power lines (docs/hardware-lines.md) ----------------------------------------------


def press_pwrkey(m: ModemEngine, ms: int, now: float) -> str:
    """PWRKEY held low for ``ms``: an off module boots (after ``boot_delay``) when held at
    least :data:`PWRKEY_ON_MS`; a running one powers down when held at least
    :data:`PWRKEY_OFF_MS` (``POWERED DOWN``, no automatic restart). Returns what happened."""
    m.now = now
    if not m.powered:
        if ms < PWRKEY_ON_MS:
            return "ignored (too short to power on)"
        m.boot_at(now + m.profile.boot_delay)
        return "powering on"
    if ms < PWRKEY_OFF_MS:
        return "ignored (too short to power off)"
    m.write(render.urc(PoweredDown().render(), m.settings.verbose))  # shown even mid-data
    m.power_off()
    m.cancel_boot()
    return "powered down"


def press_reset(m: ModemEngine, ms: int, now: float) -> str:
    """RESET_N held low for ``ms`` (at least :data:`RESET_MIN_MS`): the module restarts as
    from power-on, boot URCs after ``boot_delay``. A module that is off stays off."""
    m.now = now
    if ms < RESET_MIN_MS:
        return "ignored (too short to reset)"
    if not m.powered:
        return "ignored (module is off)"
    m.power_off()
    m.boot_at(now + m.profile.boot_delay)
    return "resetting"
