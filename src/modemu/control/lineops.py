"""Control operations on the module's hardware lines: PWRKEY, RESET, and line readings.

A driver's hardware shim (the GPIO that holds PWRKEY low, the one that pulls RESET_N) is
driven from a test through these: ``modemu fault --socket S pwrkey ms=800``, ``vm.fault(
"reset", ms=300)``. ``status`` shows the lines (docs/hardware-lines.md).
"""

from __future__ import annotations

from typing import Any

from modemu.control.spec import Operation, Param
from modemu.control.target import FaultTarget
from modemu.modem.commands.power import press_pwrkey, press_reset

__all__ = ["LINE_OPERATIONS", "line_status"]


def _now(target: FaultTarget) -> float:
    return target.clock() if target.clock is not None else target.engine.now


def line_status(target: FaultTarget) -> dict[str, Any]:
    """The lines as a host and a hardware shim would read them now."""
    m = target.engine
    host = m.lines.host
    return {
        **m.module_lines(_now(target)).as_dict(),
        "dtr": host.dtr,
        "rts": host.rts,
        "break": host.brk,
        "baudrate": host.baudrate,
        "host_attached": host.present,
        "ri_pulses": m.lines.ri_pulses,
        "output_held": m.output_held,
    }


def _pwrkey(target: FaultTarget, args: dict[str, Any]) -> dict[str, str]:
    return {"result": press_pwrkey(target.engine, args["ms"], _now(target))}


def _reset(target: FaultTarget, args: dict[str, Any]) -> dict[str, str]:
    return {"result": press_reset(target.engine, args["ms"], _now(target))}


LINE_OPERATIONS = (
    Operation(
        "pwrkey",
        "hold PWRKEY low for ms: >=500 powers an off module on, >=650 powers it off",
        _pwrkey,
        (Param("ms", int, low=1, high=60_000, help="how long PWRKEY is held low"),),
    ),
    Operation(
        "reset",
        "pull RESET_N low for ms (>=150): the module restarts from power-on",
        _reset,
        (Param("ms", int, 300, low=1, high=60_000, help="how long RESET_N is held low"),),
    ),
)
"""Composed into :data:`modemu.control.ops.OPERATIONS`."""
