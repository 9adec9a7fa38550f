"""Port modes of the module's AT port and the one table of allowed transitions.

Every mode change in the engine goes through :func:`transition`, so an impossible change
(say, a ``>`` prompt while already in transparent mode) fails loudly in tests instead of
silently wedging the port. ``docs/port-modes.md`` is generated from :data:`TRANSITIONS`
(``python -m modemu.modem.modes``).
"""

from __future__ import annotations

from enum import Enum


class PortMode(Enum):
    COMMAND = "command"
    """Reading AT command lines."""
    BUSY = "busy"
    """A command is still running (QICLOSE, QIOPEN in transparent mode…); input waits."""
    DATA_ENTRY = "data entry"
    """After the ``>`` prompt of ``AT+QISEND``: bytes are payload."""
    TRANSPARENT = "transparent"
    """Bytes are bridged raw to and from one socket."""
    ESCAPE_GUARD = "escape guard"
    """Transparent mode holding a possible ``+++`` until the trailing guard time decides."""
    OFF = "off"
    """Powered down or rebooting: input is dropped, nothing is sent."""


class Trigger(Enum):
    PENDING = "command pending"
    DONE = "command done"
    PROMPT = "prompt"
    DATA_DONE = "data entered"
    CONNECT = "connect"
    PLUS_SEEN = "+ after guard time"
    GUARD_BROKEN = "guard broken"
    ESCAPE = "+++ escape"
    CARRIER_LOST = "carrier lost"
    DTR_OFF = "DTR off (&D1/&D2)"
    POWER_OFF = "power off"
    POWER_ON = "power on"


class TransitionError(RuntimeError):
    """The engine tried a mode change the table does not allow (a bug, never user input)."""


TRANSITIONS: dict[tuple[PortMode, Trigger], PortMode] = {
    (PortMode.COMMAND, Trigger.PENDING): PortMode.BUSY,
    (PortMode.BUSY, Trigger.DONE): PortMode.COMMAND,
    (PortMode.COMMAND, Trigger.PROMPT): PortMode.DATA_ENTRY,
    (PortMode.DATA_ENTRY, Trigger.DATA_DONE): PortMode.COMMAND,
    (PortMode.DATA_ENTRY, Trigger.PENDING): PortMode.BUSY,
    (PortMode.COMMAND, Trigger.CONNECT): PortMode.TRANSPARENT,
    (PortMode.BUSY, Trigger.CONNECT): PortMode.TRANSPARENT,
    (PortMode.TRANSPARENT, Trigger.PLUS_SEEN): PortMode.ESCAPE_GUARD,
    (PortMode.ESCAPE_GUARD, Trigger.GUARD_BROKEN): PortMode.TRANSPARENT,
    (PortMode.ESCAPE_GUARD, Trigger.ESCAPE): PortMode.COMMAND,
    (PortMode.TRANSPARENT, Trigger.CARRIER_LOST): PortMode.COMMAND,
    (PortMode.ESCAPE_GUARD, Trigger.CARRIER_LOST): PortMode.COMMAND,
    (PortMode.TRANSPARENT, Trigger.DTR_OFF): PortMode.COMMAND,
    (PortMode.ESCAPE_GUARD, Trigger.DTR_OFF): PortMode.COMMAND,
    (PortMode.OFF, Trigger.POWER_ON): PortMode.COMMAND,
    **{(mode, Trigger.POWER_OFF): PortMode.OFF for mode in PortMode},
}


def transition(mode: PortMode, trigger: Trigger) -> PortMode:
    try:
        return TRANSITIONS[(mode, trigger)]
    except KeyError:
        raise TransitionError(f"no transition from {mode.value!r} on {trigger.value!r}") from None


def mermaid() -> str:
    """The transition table as a Mermaid state diagram."""
    lines = ["stateDiagram-v2"]
    for (source, trigger), target in TRANSITIONS.items():
        lines.append(f"    {source.name} --> {target.name}: {trigger.value}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - documentation generator
    print(mermaid())
