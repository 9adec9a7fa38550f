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

import math
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "ATTACH_BOOT_DELAY",
    "PWRKEY_OFF_MS",
    "PWRKEY_ON_MS",
    "RESET_MIN_MS",
    "RI_TYPES",
    "HostLines",
    "LineState",
    "ModuleLines",
    "Netlight",
    "RiSetting",
    "default_ri_settings",
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

RI_TYPES = ("off", "pulse", "always", "auto", "wave")
"""``<typeri>`` of ``AT+QCFG="urc/ri/..."``."""


@dataclass(frozen=True)
class RiSetting:
    """One ``AT+QCFG="urc/ri/<category>"`` value: RI behaviour when such a URC is shown."""

    typeri: str = "pulse"
    pulse_ms: int = 120
    """``<pulseduration>``: 1-2000 ms, default 120 ms."""
    pulse_count: int = 1


def default_ri_settings() -> dict[str, RiSetting]:
    """EC200/EC2x factory values: a 120 ms pulse for every URC category."""
    return {"ring": RiSetting(), "smsincoming": RiSetting(), "other": RiSetting()}


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
    """What the engine keeps about the lines: host inputs, the RI output, RI settings.

    RI is kept as the time it falls (``ri_until``), so reading it needs the time and no
    timer is involved: whoever shows the lines asks :meth:`ri_at` and :meth:`next_change`.
    """

    host: HostLines = field(default_factory=HostLines)
    ri_until: float = 0.0
    ri_settings: dict[str, RiSetting] = field(default_factory=default_ri_settings)
    ri_pulses: int = 0
    """RI activations since start (a reading for tests and ``modemu status``)."""

    def start_ri(self, urc: str, now: float) -> None:
        """A URC is being shown: assert RI as its setting says. ``always`` keeps RI on
        until ``AT+QRIR``; ``auto``/``wave`` concern incoming calls, which this module
        never has, so they pulse like ``pulse``."""
        setting = self.ri_settings.get(ri_category(urc), RiSetting())
        if setting.typeri == "off":
            return
        self.ri_pulses += 1
        if setting.typeri == "always":
            self.ri_until = math.inf
        else:
            self.ri_until = max(self.ri_until, now + setting.pulse_ms / 1000.0)

    def ri_at(self, now: float) -> bool:
        return now < self.ri_until

    def next_change(self, now: float) -> float | None:
        """When RI falls by itself (the end of a pulse), if it will."""
        return self.ri_until if now < self.ri_until < math.inf else None

    def clear_ri(self) -> None:
        """``AT+QRIR`` or power-off: RI inactive."""
        self.ri_until = 0.0
