"""Module faults: what the radio network, the SIM and the power supply do to a module.

Each function changes the engine's state from outside, the way the world does, and queues
the URCs a real module reports for it. None of them writes bytes directly: URCs go through
the engine's queue, so they wait for a running command, a ``>`` prompt or transparent mode
exactly like network URCs do (framing is never broken). Callers pump the engine afterwards.

Radio and SIM faults go through the engine's one entry point for outside changes
(:meth:`~modemu.modem.engine.ModemEngine.apply_change`, :mod:`modemu.modem.changes`); this
module adds the checks that give a control client a clear refusal, and the module-level
faults (reboot, power loss, hang, send failures). Evidence is in ``docs/faults.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.at.urc import Verbatim
from modemu.errors import ControlError
from modemu.modem.changes import ContextLost, NetworkRegistration, SignalQuality, SimCard
from modemu.modem.commands.power import reboot as _reboot
from modemu.modem.modes import PortMode
from modemu.modem.socketstates import SocketState
from modemu.modem.state import RegStat, SimState
from modemu.net.base import Service

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine

__all__ = [
    "fail_sends",
    "hang",
    "inject_urc",
    "pdp_deact",
    "power_off",
    "reboot",
    "set_registration",
    "set_signal",
    "sim_insert",
    "sim_remove",
    "tcp_socket",
]

MAX_URC = 1024


def _require_on(m: ModemEngine) -> None:
    if not m.powered:
        raise ControlError("the module is powered off")


def reboot(m: ModemEngine) -> None:
    """Unexpected reset (brown-out, watchdog): no ``OK``, no ``POWERED DOWN``; after the
    profile's ``reboot_delay`` the boot URCs (``RDY``…) with echo back on. Sockets, contexts
    and volatile settings are gone; NV (context profiles, URC port) is kept."""
    _require_on(m)
    _reboot(m)


def power_off(m: ModemEngine, restart_after: float = 0.0) -> None:
    """Supply lost: silence, everything volatile gone; back after ``restart_after`` s if
    positive (a PWRKEY press otherwise)."""
    _require_on(m)
    m.power_off()
    if restart_after > 0:
        m.call_later(restart_after, lambda: m.power_on(m.now))


def pdp_deact(m: ModemEngine, cid: int) -> None:
    """The network deactivates context ``cid``: ``+QIURC: "pdpdeact",<cid>``, its sockets
    closed (spec A19)."""
    _require_on(m)
    ctx = m.contexts.get(cid)
    if ctx is None or not ctx.active:
        raise ControlError(f"context {cid} is not active")
    m.apply_change(ContextLost(cid), m.now)


def set_registration(m: ModemEngine, stat: int, drop_contexts: bool = False) -> None:
    """Registration ``<stat>`` changes (coverage lost or back, attach rejected): the
    ``+CREG``/``+CGREG``/``+CEREG`` URCs each ``n`` asks for; with ``drop_contexts`` the
    network also tears the contexts down (detach), one ``pdpdeact`` URC each."""
    _require_on(m)
    if drop_contexts:
        for cid in sorted(c.cid for c in m.contexts.values() if c.active):
            m.apply_change(ContextLost(cid), m.now)
    m.apply_change(NetworkRegistration(RegStat(stat)), m.now)


def set_signal(m: ModemEngine, rssi: int, ber: int) -> None:
    """What ``AT+CSQ`` (and ``AT+QCSQ``) answer from now on; 99 means no signal."""
    _require_on(m)
    m.apply_change(SignalQuality(rssi, ber), m.now)


def sim_remove(m: ModemEngine) -> None:
    """The SIM leaves its holder: ``+CPIN: NOT READY``, contexts dropped, registration 0."""
    _require_on(m)
    if m.state.radio.sim is SimState.ABSENT:
        raise ControlError("the SIM is already removed")
    m.apply_change(SimCard(SimState.ABSENT), m.now)


def sim_insert(m: ModemEngine, state: str = "READY") -> None:
    """A SIM is inserted: ``+CPIN: <state>``, then registration comes back."""
    _require_on(m)
    if m.state.radio.sim is not SimState.ABSENT:
        raise ControlError("a SIM is already inserted (use sim-remove first)")
    m.apply_change(SimCard(SimState(state)), m.now)


def inject_urc(m: ModemEngine, text: str) -> None:
    """Queue any URC text, framed as the module frames its own."""
    _require_on(m)
    if not text or len(text) > MAX_URC or any(c in text for c in "\r\n\x00"):
        raise ControlError(f"text: one line of 1..{MAX_URC} characters without CR/LF")
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise ControlError("text: only latin-1 characters can go over the UART") from None
    m.urc(Verbatim(text))


def hang(m: ModemEngine, seconds: float, keep_input: bool) -> None:
    """The firmware stops answering for ``seconds``: no echo, no response, no URC. Input typed
    meanwhile is held (and then answered) with ``keep_input``, else lost. Queued URCs come
    out when it recovers. Only from command mode (a hang in a data phase would split it)."""
    _require_on(m)
    if m.mode is not PortMode.COMMAND:
        raise ControlError(f"hang needs the port in command mode (it is in {m.mode.value} mode)")
    m.hang(seconds, keep_input)


def fail_sends(m: ModemEngine, count: int) -> None:
    """The next ``count`` ``AT+QISEND`` payloads answer ``SEND FAIL`` (nothing is sent)."""
    m.sockets.send_failures = count


def tcp_socket(m: ModemEngine, conn_id: int) -> None:
    """Check that ``conn_id`` is a connected TCP socket (peer-close/peer-reset targets)."""
    slots = m.sockets.slots
    if not 0 <= conn_id < len(slots):
        raise ControlError(f"id={conn_id}: out of range (0..{len(slots) - 1})")
    slot = slots[conn_id]
    if slot.state is not SocketState.CONNECTED or slot.service not in (
        Service.TCP,
        Service.TCP_INCOMING,
    ):
        raise ControlError(f"socket {conn_id} is not a connected TCP socket")
