"""Changes to the module from outside the host's command stream, and the URCs they cause.

This is the one entry point for faults and other outside actors (a test, the control
channel): build a change and call ``engine.apply_change(change, now)``. The change updates
:class:`~modemu.modem.state.ModuleState` and queues exactly the unsolicited result codes the
host's settings ask for -- ``+CREG``/``+CGREG``/``+CEREG`` per their ``n``, ``+CPIN`` on
SIM changes, ``+QIURC: "pdpdeact"`` when a context is lost -- held, like every URC, while a
command runs or the port is in a data mode. Nothing outside the module writes state
fields directly.

A new kind of outside change is one frozen dataclass here, one ``case`` in :func:`apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modemu.at.urc import Registration, SimStatus
from modemu.modem.state import RegStat, SimState
from modemu.net.base import PdpDeactivated

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

ACT_LTE = 7
"""``<AcT>`` E-UTRAN (3GPP TS 27.007)."""
LOCATION = ("1A2B", "0C3D4E5", ACT_LTE)
"""Emulator choice: fixed TAC/LAC and cell id (hex strings) for ``n`` = 2 answers."""
REGISTRATION_COMMANDS = (("+CREG", "creg_n"), ("+CGREG", "cgreg_n"), ("+CEREG", "cereg_n"))
"""The three registration commands and the :class:`~modemu.modem.state.Settings` field
holding each one's ``<n>``."""
LOCATION_REPORTING = 2
"""``<n>`` that adds location to the registration status."""


@dataclass(frozen=True)
class NetworkRegistration:
    """The network now offers ``stat`` (deregistration: ``NOT_REGISTERED``, ``SEARCHING``,
    ``DENIED``; back: ``HOME``/``ROAMING``). What the module reports still depends on CFUN
    and the SIM."""

    stat: RegStat


@dataclass(frozen=True)
class SignalQuality:
    """New ``AT+CSQ`` values: ``rssi`` 0-31 or 99, ``ber`` 0-7 or 99."""

    rssi: int
    ber: int = 99


@dataclass(frozen=True)
class SimCard:
    """The SIM changed: ``ABSENT`` (pulled), or inserted in ``state`` (``READY``, or
    ``SIM PIN`` when it needs ``AT+CPIN=``)."""

    state: SimState


@dataclass(frozen=True)
class ContextLost:
    """The network dropped PDP context ``cid`` (its sockets go to Closing, spec A19)."""

    cid: int


Change = NetworkRegistration | SignalQuality | SimCard | ContextLost
"""Everything :func:`apply` accepts."""


def apply(m: ModemView, change: Change) -> None:
    """Carry out ``change`` on the module's state and queue the URCs it causes."""
    radio = m.state.radio
    before = radio.registration()
    match change:
        case NetworkRegistration(stat):
            radio.network = stat
        case SignalQuality(rssi, ber):
            radio.rssi, radio.ber = rssi, ber
        case SimCard(state):
            _change_sim(m, state)
        case ContextLost(cid):
            m.sockets.on_pdp_deactivated(PdpDeactivated(cid))
    report_registration_change(m, before)


def _change_sim(m: ModemView, state: SimState) -> None:
    """``+CPIN: NOT READY`` when the card goes, ``+CPIN: <state>`` when one comes; a card
    that is not ready loses the active contexts, each with ``+QIURC: "pdpdeact"``."""
    radio = m.state.radio
    if state is radio.sim:
        return
    radio.sim = state
    m.urc(SimStatus("NOT READY" if state is SimState.ABSENT else state))
    if state is not SimState.READY:  # no SIM service, no PDN: the network drops contexts
        for cid in sorted(m.contexts):
            m.sockets.on_pdp_deactivated(PdpDeactivated(cid))


def registration_status(name: str, n: int, stat: int) -> Registration:
    """``<stat>`` and, with ``n`` = 2 while registered, ``"<lac/tac>","<ci>",<AcT>``."""
    located = n == LOCATION_REPORTING and RegStat(stat).registered
    return Registration(name, stat, LOCATION if located else None)


def report_registration_change(m: ModemView, before: RegStat) -> None:
    """Unsolicited ``+CREG: <stat>`` (and CGREG/CEREG) when ``<stat>`` changed and the
    host enabled reporting with ``n`` 1 or 2 (3GPP TS 27.007)."""
    stat = m.state.radio.registration()
    if stat == before:
        return
    for name, setting in REGISTRATION_COMMANDS:
        n = getattr(m.settings, setting)
        if n:
            m.urc(registration_status(name, n, stat))
