"""The module's hardware lines as plain data: what the host drives, what the module shows.

Sans-IO like the engine: nothing here reads a clock or touches a port. The engine updates a
:class:`LineState` (host line changes and the time come in as arguments) and computes the
module's outputs as a :class:`ModuleLines`; a transport that can carry lines (RFC 2217)
reflects them to the host. ``docs/hardware-lines.md`` says where each rule comes from.

Polarity: every flag here is the *logical* state (``True`` = asserted), whatever the
electrical level. On the real module RI, DCD and CTS are active low; pyserial reports the
logical state too, so ``ser.ri`` is ``True`` during an RI pulse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

__all__ = [
    "ATTACH_BOOT_DELAY",
    "PWRKEY_OFF_MS",
    "PWRKEY_ON_MS",
    "RESET_MIN_MS",
    "HostLines",
    "LineState",
    "ModuleLines",
    "Netlight",
    "RiSetting",
    "ri_category",
]

PWRKEY_ON_MS = 500
"""PWRKEY held low at least this long powers an off module on (EC2x hardware design)."""
PWRKEY_OFF_MS = 650
"""PWRKEY held low at least this long powers a running module off (EC2x hardware design)."""
ATTACH_BOOT_DELAY = 0.5
"""Seconds from a host attaching to RDY when the profile's ``boot_delay`` is 0: a host
finishes opening a port after the moment the module sees it (pyserial empties its input as
the last step of ``open``, over RFC 2217 after several round trips), and the boot URCs
must come later than that (docs/power-on.md)."""
RESET_MIN_MS = 150
"""RESET_N held low at least this long resets the module; shorter is ignored as a glitch."""


class RiSetting(Protocol):
    """One ``AT+QCFG="urc/ri/<class>"`` value (``modemu.modem.state.RiPulse``)."""

    typeri: str
    pulse_duration: int
    pulse_count: int


def ri_category(urc: str) -> str:
    """Which ``urc/ri/*`` setting governs a URC: ``RING`` → ring, ``+CMTI``/``+CMT`` →
    smsincoming, everything else (all TCP/IP URCs included) → other."""
    if urc.startswith(("RING", "+CRING")):
        return "ring"
    if urc.startswith(("+CMTI", "+CMT:")):
        return "smsincoming"
    return "other"


class Netlight(Enum):
    """NETLIGHT blink patterns: (milliseconds on, milliseconds off)."""

    OFF = (0, 1)
    SEARCHING = (200, 1800)
    IDLE = (1800, 200)
    """Registered, no data call."""
    DATA = (125, 125)
    """A PDP context is active (data transfer possible)."""

    def level(self, now: float) -> bool:
        """The LED's state at ``now`` (seconds), the pattern starting at time 0."""
        on_ms, off_ms = self.value
        if on_ms == 0:
            return False
        return (now * 1000.0) % (on_ms + off_ms) < on_ms


@dataclass
class HostLines:
    """Lines the host drives (DTE outputs). Defaults are what an unplugged or line-less
    host looks like: DTR and RTS have pull-ups on the module, so they read asserted."""

    present: bool = True
    """A host is attached to the port (a TCP/RFC 2217 client is connected)."""
    dtr: bool = True
    rts: bool = True
    brk: bool = False
    baudrate: int = 115200


@dataclass(frozen=True)
class ModuleLines:
    """Lines the module drives (DCE outputs) plus the power-side readings."""

    cts: bool
    dsr: bool
    ri: bool
    dcd: bool
    status: bool
    netlight: Netlight

    def as_dict(self) -> dict[str, object]:
        return {
            "cts": self.cts,
            "dsr": self.dsr,
            "ri": self.ri,
            "dcd": self.dcd,
            "status": self.status,
            "netlight": self.netlight.name.lower(),
        }


@dataclass
class LineState:
    """What the engine keeps about the lines: the host's inputs and the RI output.

    RI is kept as a pulse train (start, width, count) or "held on", so reading it needs the
    time and no timer: whoever shows the lines asks :meth:`ri_at` and :meth:`next_change`.
    """

    host: HostLines = field(default_factory=HostLines)
    ri_start: float = 0.0
    ri_width: float = 0.0
    ri_count: int = 0
    ri_held: bool = False
    """``typeri "always"``: RI stays active until ``AT+QRIR``."""
    ri_pulses: int = 0
    """RI activations since start (a reading for tests and ``modemu status``)."""

    def start_ri(self, setting: RiSetting, now: float) -> None:
        """A URC is being shown: drive RI as its ``urc/ri/*`` setting says: ``pulse_count``
        pulses of ``pulse_duration`` ms with equal gaps, or held on (``always``). ``auto``
        and ``wave`` concern a ringing call, which this module never has: they pulse."""
        if setting.typeri == "off":
            return
        self.ri_pulses += 1
        if setting.typeri == "always":
            self.ri_held = True
            return
        self.ri_start = now
        self.ri_width = setting.pulse_duration / 1000.0
        self.ri_count = max(1, setting.pulse_count)

    def _train_end(self) -> float:
        return self.ri_start + (2 * self.ri_count - 1) * self.ri_width

    def ri_at(self, now: float) -> bool:
        if self.ri_held:
            return True
        if self.ri_count == 0 or not self.ri_start <= now < self._train_end():
            return False
        return int((now - self.ri_start) // self.ri_width) % 2 == 0

    def next_change(self, now: float) -> float | None:
        """When RI next changes by itself (a pulse edge), if it will."""
        if self.ri_held or self.ri_count == 0 or now >= self._train_end():
            return None
        if now < self.ri_start:
            return self.ri_start
        edges = int((now - self.ri_start) // self.ri_width) + 1
        return self.ri_start + edges * self.ri_width

    def clear_ri(self) -> None:
        """``AT+QRIR`` or power-off: RI inactive."""
        self.ri_held = False
        self.ri_count = 0
