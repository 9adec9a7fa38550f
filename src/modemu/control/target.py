"""What control operations act on: one running module's engine, net wrapper and UART.

Built by the server for a live module and by tests around a bare engine; operations never
need to know which. ``note`` writes a trace line (a no-op without ``--trace``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine
    from modemu.net.faulty import FaultyNet
    from modemu.transport.uartfaults import HostLine

__all__ = ["FaultTarget"]


@dataclass
class FaultTarget:
    """The parts of one module a control operation may change."""

    engine: ModemEngine
    net: FaultyNet | None = None
    """The fault/policy wrapper around the back end (None: net faults unavailable)."""
    uart: HostLine | None = None
    """The host-bound byte path (None: UART faults unavailable, e.g. bare engine tests)."""
    note: Callable[..., None] = field(default=lambda event, **fields: None)
    set_baud: Callable[[int], None] | None = None
    """Re-pace the UART (None: the module was started without ``--baud``)."""
    clock: Callable[[], float] | None = None
    """The module's clock (the server's ``loop.time``); ``None``: the engine's last time."""
    scenarios: list[Any] = field(default_factory=list)
    """Scenario runners started on this module (their steps show in ``status``)."""
