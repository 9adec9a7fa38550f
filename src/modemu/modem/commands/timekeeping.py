"""Clock commands: CCLK, CTZR, CTZU, QLTS.

The module clock (:class:`~modemu.modem.state.Clock`) is the host's wall clock plus an
offset (changed by ``AT+CCLK=`` and by ``AT+QNTP`` with autosettime), shown in the network
time zone in quarter hours.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry, declare_setting
from modemu.modem.state import TZ_QUARTERS

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""

QLTS_LOCAL = 2
"""``AT+QLTS=2``: local time (0 and 1 answer UTC)."""
_CCLK = re.compile(r"^(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-])(\d\d)$")


@COMMANDS.command("+CCLK", kind=Kind.GPP, forms=(Form.TEST, Form.READ, Form.SET))
def clock(m: ModemView, call: CommandCall) -> Outcome:
    if call.form is Form.READ:
        stamp = m.state.clock.local(m.wall_clock()).strftime("%y/%m/%d,%H:%M:%S")
        m.info(f'+CCLK: "{stamp}{m.state.clock.suffix()}"')
    elif call.form is Form.SET:
        match = _CCLK.match(Params(call, 1).string(0, 20))
        if match is None:
            raise CommandError()
        yy, mo, dd, hh, mi, ss, sign, zz = match.groups()
        quarters = int(zz) * (-1 if sign == "-" else 1)
        if quarters not in TZ_QUARTERS:
            raise CommandError()
        try:
            local = datetime(
                2000 + int(yy), int(mo), int(dd), int(hh), int(mi), int(ss), tzinfo=UTC
            )
        except ValueError:
            raise CommandError() from None
        utc = local - timedelta(minutes=15 * quarters)
        m.state.clock.offset = utc.timestamp() - m.wall_clock()
        m.state.clock.timezone_quarters = quarters
    return None


declare_setting(COMMANDS, "+CTZR", "ctzr", 0, 2)
declare_setting(COMMANDS, "+CTZU", "ctzu", 0, 1)


@COMMANDS.command(
    "+QLTS", kind=Kind.GPP, forms=(Form.EXEC, Form.TEST, Form.SET), test="+QLTS: (0-2)"
)
def network_time(m: ModemView, call: CommandCall) -> Outcome:
    """``+QLTS: "yyyy/MM/dd,hh:mm:ss±zz,<dst>"``: UTC for modes 0/1, local for mode 2."""
    mode = Params(call, 1).integer(0, 0, 2) if call.form is Form.SET else 0
    clock, wall = m.state.clock, m.wall_clock()
    stamp = clock.local(wall) if mode == QLTS_LOCAL else clock.utc(wall)
    text = stamp.strftime("%Y/%m/%d,%H:%M:%S")
    m.info(f'+QLTS: "{text}{m.state.clock.suffix()},0"')
    return None
