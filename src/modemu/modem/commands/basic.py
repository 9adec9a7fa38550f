"""V.250 basic commands and port settings: ATE/V/Q/I/Z/&F/&V/&D/&C/S-registers, CMEE, IPR."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.syntax import CommandCall, Form
from modemu.modem.nvstore import URC_PORTS
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

EXEC_SET = (Form.EXEC, Form.SET)
IPR_RATES = (0, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)


def _flag(call: CommandCall, high: int = 1) -> int:
    """Value of a basic command such as ``ATE1``; ``ATE`` alone means 0 (V.250)."""
    if call.form is Form.EXEC:
        return 0
    return Params(call, 1).integer(0, 0, high)


@COMMANDS.command("E", kind=Kind.V250, forms=EXEC_SET)
def echo(m: ModemView, call: CommandCall) -> Outcome:
    m.settings.echo = bool(_flag(call))
    return None


@COMMANDS.command("V", kind=Kind.V250, forms=EXEC_SET)
def verbose(m: ModemView, call: CommandCall) -> Outcome:
    m.settings.verbose = bool(_flag(call))
    return None


@COMMANDS.command("Q", kind=Kind.V250, forms=EXEC_SET)
def quiet(m: ModemView, call: CommandCall) -> Outcome:
    m.settings.quiet = bool(_flag(call))
    return None


@COMMANDS.command("X", kind=Kind.V250, forms=EXEC_SET)
def result_set(m: ModemView, call: CommandCall) -> Outcome:
    _flag(call, 4)
    return None


@COMMANDS.command("H", "&W", kind=Kind.V250, forms=EXEC_SET)
def accepted(m: ModemView, call: CommandCall) -> Outcome:
    """``ATH`` (no voice call to hang up) and ``AT&W`` (nothing extra to store)."""
    _flag(call, 1)
    return None


@COMMANDS.command("Z", "&F", kind=Kind.V250, forms=EXEC_SET)
def factory(m: ModemView, call: CommandCall) -> Outcome:
    _flag(call, 0)
    m.reset_settings()
    return None


@COMMANDS.command("&D", kind=Kind.V250, forms=EXEC_SET)
def dtr_mode(m: ModemView, call: CommandCall) -> Outcome:
    m.settings.dtr_mode = _flag(call, 2)
    return None


@COMMANDS.command("&C", kind=Kind.V250, forms=EXEC_SET)
def dcd_mode(m: ModemView, call: CommandCall) -> Outcome:
    m.settings.dcd_mode = _flag(call, 1)
    return None


@COMMANDS.command("&V", kind=Kind.V250, forms=(Form.EXEC,))
def show_settings(m: ModemView, call: CommandCall) -> Outcome:
    s = m.settings
    regs = s.s_registers
    m.info(
        f"&C: {s.dcd_mode}",
        f"&D: {s.dtr_mode}",
        "&F: 0",
        "&W: 0",
        f"E: {int(s.echo)}",
        f"Q: {int(s.quiet)}",
        f"V: {int(s.verbose)}",
        "X: 4",
        "Z: 0",
        *(f"S{n}: {regs[n]}" for n in sorted(regs)),
    )
    return None


def _s_register(number: int, low: int, high: int) -> None:
    @COMMANDS.command(f"S{number}", kind=Kind.V250, forms=(Form.READ, Form.SET))
    def register(m: ModemView, call: CommandCall) -> Outcome:
        if call.form is Form.READ:
            m.info(f"{m.settings.s_registers[number]:03d}")
            return None
        value = Params(call, 1).integer(0, low, high)
        m.settings.s_registers[number] = value
        m.apply_s_registers()
        return None

    _ = register


for _number, _low, _high in (
    (0, 0, 255),
    (3, 0, 127),
    (4, 0, 127),
    (5, 0, 127),
    (6, 2, 10),
    (7, 1, 255),
    (8, 0, 255),
    (10, 1, 254),
):
    _s_register(_number, _low, _high)


@COMMANDS.command("+CMEE", kind=Kind.GPP, test="+CMEE: (0-2)")
def cmee(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f"+CMEE: {m.settings.cmee}")
    elif call.form is Form.SET:
        m.settings.cmee = Params(call, 1).integer(0, 0, 2)
    else:
        m.settings.cmee = 0
    return None


@COMMANDS.command(
    "+IPR",
    kind=Kind.GPP,
    forms=(Form.TEST, Form.READ, Form.SET),
    test="+IPR: (0,4800,9600,19200,38400,57600,115200,230400,460800,921600)",
)
def baud_rate(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f"+IPR: {m.state.uart.ipr}")
        return None
    rate = Params(call, 1).integer(0, 0, 921600)
    if rate not in IPR_RATES:
        raise CommandError()
    m.state.uart.ipr = rate
    return None


@COMMANDS.command("+IFC", kind=Kind.GPP, test="+IFC: (0,2),(0,2)")
def flow_control(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f"+IFC: {m.state.uart.flow_control[0]},{m.state.uart.flow_control[1]}")
    elif call.form is Form.SET:
        p = Params(call, 2)
        dce_by_dte = p.integer(0, 0, 2)
        dte_by_dce = p.integer(1, 0, 2, default=dce_by_dte)
        if dce_by_dte == 1 or dte_by_dce == 1:
            raise CommandError()
        m.state.uart.flow_control = (dce_by_dte, dte_by_dce)
        m.refresh_lines()  # RTS may now hold output, or stop holding it
    return None


@COMMANDS.command(
    "+QURCCFG",
    kind=Kind.GPP,
    forms=(Form.TEST, Form.SET),
    test='+QURCCFG: "urcport",("usbat","usbmodem","uart1")',
)
def urc_config(m: ModemView, call: CommandCall) -> Outcome:
    p = Params(call, 2)
    if p.choice(0, ("urcport",)) and p.given(1):
        m.state.urc_port = p.choice(1, URC_PORTS)
        m.save_nv()  # spec §13: saved to NV
    else:
        m.info(f'+QURCCFG: "urcport","{m.state.urc_port}"')
    return None


@COMMANDS.command("+CSCS", kind=Kind.GPP, test='+CSCS: ("GSM","IRA","UCS2")')
def charset(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        m.info(f'+CSCS: "{m.state.charset}"')
    elif call.form is Form.SET:
        m.state.charset = Params(call, 1).choice(0, ("GSM", "IRA", "UCS2"))
    return None
