"""``AT+QCFG``: the extended configuration keys host drivers send at start-up.

Drivers (TinyGSM, Zephyr's BG9x, vendor init scripts) set the scan mode, the bands and the
RI behaviour before they touch the TCP/IP commands; a module that answers ``ERROR`` there
stops them early. Each key is declared once in :data:`KEYS` with its test-form text, how
it is shown and how a write is checked; the variant's profile says which keys exist (a
missing key answers ``ERROR``, as on a module without it). Values live in
:class:`~modemu.modem.state.ExtConfig` (``m.state.ext``), where the RI model reads them.

Failures are the plain ``ERROR`` the Quectel manuals give for ``AT+QCFG`` writes (the
``+CME ERROR`` they mention is for "ME functionality" faults, which are not modelled).
Formats and sources: docs/at-qcfg.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import RiPulse, RiRing

if TYPE_CHECKING:
    from modemu.modem.state import ExtConfig
    from modemu.modem.view import ModemView

COMMANDS = Registry()

RING_TYPES = ("off", "pulse", "always", "auto", "wave")
SMS_TYPES = ("off", "pulse", "always")
OTHER_TYPES = ("off", "pulse")
SIGNAL_TYPES = ("respective", "physical")
_SCAN_SEQ = re.compile(r"00|(0[1-5]){1,5}")
_HEX = re.compile(r"(0x)?[0-9a-fA-F]{1,20}")


@dataclass(frozen=True)
class Key:
    """One ``AT+QCFG`` key: its test-form ranges, its read values, its write."""

    name: str
    test: str
    show: Callable[[ExtConfig], str]
    write: Callable[[ExtConfig, Params], None]


def _quoted(options: tuple[str, ...]) -> str:
    return "(" + ",".join(f'"{o}"' for o in options) + ")"


def _effect(p: Params, index: int) -> None:
    """The optional ``<effect>`` (0 after reboot, 1 at once): checked, and both take effect
    at once here, since nothing in the emulator depends on the radio settings."""
    p.integer(index, 0, 1, default=1)


def _exact(p: Params, low: int, high: int) -> None:
    """A write with ``low``..``high`` values after the key."""
    if not low + 1 <= len(p) <= high + 1:
        raise CommandError()


# -- radio --------------------------------------------------------------------------------


def _write_scanmode(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 2)
    ext.nwscanmode = p.integer(1, 0, 3)
    _effect(p, 2)


def _write_scanseq(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 2)
    sequence = p.string(1, 10)
    if _SCAN_SEQ.fullmatch(sequence) is None:
        raise CommandError()
    ext.nwscanseq = sequence
    _effect(p, 2)


def _write_iotopmode(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 2)
    ext.iotopmode = p.integer(1, 0, 2)
    _effect(p, 2)


def _write_band(ext: ExtConfig, p: Params) -> None:
    """One hexadecimal value per band class the variant reports, then ``<effect>``; a value
    of 0 keeps that class unchanged (as the manuals say)."""
    count = len(ext.band)
    _exact(p, count, count + 1)
    values = []
    for index, current in enumerate(ext.band, start=1):
        text = p.string(index, 22)
        if _HEX.fullmatch(text) is None:
            raise CommandError()
        value = int(text, 16)
        values.append(current if value == 0 else hex(value))
    _effect(p, count + 1)
    ext.band = tuple(values)


# -- RI line --------------------------------------------------------------------------------


def _show_pulse(ri: RiPulse) -> str:
    return f'"{ri.typeri}",{ri.pulse_duration},{ri.pulse_count}'


def _pulse(ri: RiPulse, p: Params, types: tuple[str, ...]) -> RiPulse:
    """The new setting; omitted values keep theirs. Nothing changes on an error."""
    _exact(p, 1, 3)
    typeri = p.choice(1, types)
    duration = p.integer(2, 1, 2000, default=ri.pulse_duration)
    return RiPulse(typeri, duration, p.integer(3, 1, 5, default=ri.pulse_count))


def _show_ring(ri: RiRing) -> str:
    return (
        f'"{ri.typeri}",{ri.pulse_duration},{ri.active_duration},{ri.inactive_duration},'
        f'"{ri.ring_no_disturbing}",{ri.pulse_count}'
    )


def _write_ring(ext: ExtConfig, p: Params) -> None:
    """Arguments in the order of the read answer; omitted ones keep their value."""
    _exact(p, 1, 6)
    ri = ext.ri_ring
    typeri = p.choice(1, RING_TYPES)
    pulse = p.integer(2, 1, 2000, default=ri.pulse_duration)
    active = p.integer(3, 1, 10000, default=ri.active_duration)
    inactive = p.integer(4, 1, 10000, default=ri.inactive_duration)
    quiet = p.choice(5, ("off", "on"), default=ri.ring_no_disturbing)
    count = p.integer(6, 1, 5, default=ri.pulse_count)
    ext.ri_ring = RiRing(typeri, pulse, count, active, inactive, quiet)


def _write_signal(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 1)
    ext.risignaltype = p.choice(1, SIGNAL_TYPES)


def _write_urc_delay(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 1)
    ext.urc_delay = p.integer(1, 0, 1)


def _write_ims(ext: ExtConfig, p: Params) -> None:
    _exact(p, 1, 1)
    ext.ims = p.integer(1, 0, 2)


def _write_apready(ext: ExtConfig, p: Params) -> None:
    _exact(p, 3, 3)
    ext.apready = (p.integer(1, 0, 1), p.integer(2, 0, 1), p.integer(3, 100, 3000))


def _write_sms(ext: ExtConfig, p: Params) -> None:
    ext.ri_smsincoming = _pulse(ext.ri_smsincoming, p, SMS_TYPES)


def _write_other(ext: ExtConfig, p: Params) -> None:
    ext.ri_other = _pulse(ext.ri_other, p, OTHER_TYPES)


KEYS = {
    key.name: key
    for key in (
        Key("nwscanmode", "(0-3),(0,1)", lambda e: str(e.nwscanmode), _write_scanmode),
        Key("nwscanseq", "(00-0102030405),(0,1)", lambda e: e.nwscanseq, _write_scanseq),
        Key("iotopmode", "(0-2),(0,1)", lambda e: str(e.iotopmode), _write_iotopmode),
        Key(
            "band",
            "(0-F),(0-7FFFFFFFFFFFFFFF),(0-7FFFFFFFFFFFFFFF),(0,1)",
            lambda e: ",".join(e.band),
            _write_band,
        ),
        Key(
            "urc/ri/ring",
            f'{_quoted(RING_TYPES)},(1-2000),(1-10000),(1-10000),("off","on"),(1-5)',
            lambda e: _show_ring(e.ri_ring),
            _write_ring,
        ),
        Key(
            "urc/ri/smsincoming",
            f"{_quoted(SMS_TYPES)},(1-2000),(1-5)",
            lambda e: _show_pulse(e.ri_smsincoming),
            _write_sms,
        ),
        Key(
            "urc/ri/other",
            f"{_quoted(OTHER_TYPES)},(1-2000),(1-5)",
            lambda e: _show_pulse(e.ri_other),
            _write_other,
        ),
        Key("risignaltype", _quoted(SIGNAL_TYPES), lambda e: f'"{e.risignaltype}"', _write_signal),
        Key("urc/delay", "(0,1)", lambda e: str(e.urc_delay), _write_urc_delay),
        Key("ims", "(0-2)", lambda e: f"{e.ims},0", _write_ims),
        Key(
            "apready",
            "(0,1),(0,1),(100-3000)",
            lambda e: ",".join(str(v) for v in e.apready),
            _write_apready,
        ),
    )
}
"""Every modelled key, in the order of the test form (EC2x/BG96 test-form order)."""


def _present(m: ModemView) -> list[Key]:
    wanted = {name.lower() for name in m.profile.qcfg_keys}
    return [key for name, key in KEYS.items() if name in wanted]


@COMMANDS.command("+QCFG", kind=Kind.V250, forms=(Form.TEST, Form.SET))
def qcfg(m: ModemView, call: CommandCall) -> Outcome:
    """``AT+QCFG="<key>"`` reads, ``AT+QCFG="<key>",<values>`` writes (docs/at-qcfg.md)."""
    if call.form is Form.TEST:
        m.info(*(f'+QCFG: "{key.name}",{key.test}' for key in _present(m)))
        return None
    p = Params(call, 8)
    if not p.args[0].quoted:
        raise CommandError()
    name = p.string(0, 32).lower()
    key = next((k for k in _present(m) if k.name == name), None)
    if key is None:
        raise CommandError()
    if len(p) == 1:
        m.info(f'+QCFG: "{key.name}",{key.show(m.state.ext)}')
    else:
        key.write(m.state.ext, p)
        m.save_nv()  # the module saves QCFG values by itself
    return None
