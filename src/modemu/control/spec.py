"""Named operations with typed parameter specs: the one table behind the control socket.

Every request names an operation and gives keyword arguments. Before anything runs, the
arguments are checked against the operation's :class:`Param` specs (unknown key, missing key,
wrong type, out of range, not one of the choices), so a bad request gets one clear message
and changes nothing. Values may arrive typed (JSON) or as text (``modemu fault NAME k=v``);
:meth:`Param.convert` accepts both.

Adding an operation (``pwrkey``, a line reading…) is one :class:`Operation` in a table::

    TABLE.add(Operation("pwrkey", "press the power key", apply_pwrkey,
                        (Param("ms", int, 800, low=0, high=10000, help="press length"),)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modemu.errors import ControlError

__all__ = ["REQUIRED", "ControlError", "Operation", "OperationTable", "Param"]

REQUIRED: Any = object()
"""Default marking a parameter the caller must give."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Param:
    """One keyword argument: its type, default (or :data:`REQUIRED`) and allowed values."""

    name: str
    kind: type
    default: Any = REQUIRED
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    help: str = ""
    also: tuple[Any, ...] = ()
    """Values allowed outside ``low``..``high`` (e.g. 99 for an unknown ``rssi``)."""

    def convert(self, raw: Any) -> Any:
        value = self._typed(raw)
        if self.choices and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise ControlError(f"{self.name}={raw!s}: must be one of {allowed}")
        if value in self.also or self.kind not in (int, float):
            return value
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ControlError(f"{self.name}={raw!s}: out of range ({self.range_text()})")
        return value

    def _typed(self, raw: Any) -> Any:
        kind = self.kind
        try:
            if kind is bool:
                return _boolean(raw)
            if kind is int:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError
                return int(raw)
            if kind is list:
                if not isinstance(raw, list):
                    raise ValueError
                return raw
            if kind is float:
                if isinstance(raw, bool):
                    raise ValueError
                return float(raw)
            if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
                raise ValueError
            return str(raw)
        except (TypeError, ValueError):
            raise ControlError(f"{self.name}={raw!s}: expected {self.type_name()}") from None

    def type_name(self) -> str:
        return {int: "an integer", float: "a number", bool: "true or false"}.get(self.kind, "text")

    def range_text(self) -> str:
        if self.choices:
            return "|".join(str(c) for c in self.choices)
        low = "" if self.low is None else _num(self.low)
        high = "" if self.high is None else _num(self.high)
        extra = "".join(f" or {v}" for v in self.also)
        return f"{low}..{high}{extra}" if (low or high) else self.kind.__name__

    def describe(self) -> str:
        default = "required" if self.default is REQUIRED else f"default {self.default}"
        return f"{self.name}={self.range_text()} ({default}) {self.help}".rstrip()


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(raw)


Handler = Callable[[Any, dict[str, Any]], Any]
"""``(target, checked_args) -> JSON-able result``; raises :class:`ControlError` to refuse."""


@dataclass(frozen=True)
class Operation:
    """A named thing the control interface can do."""

    name: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    fault: bool = True
    """A fault (``modemu fault NAME``) rather than a query (``status``, ``faults``)."""

    def check(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments converted and completed with defaults, or :class:`ControlError`."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(args) - set(known))
        if unknown:
            accepted = ", ".join(known) or "no arguments"
            raise ControlError(f"{self.name}: unknown argument {unknown[0]!r} (accepts {accepted})")
        checked: dict[str, Any] = {}
        for param in self.params:
            if param.name in args:
                checked[param.name] = param.convert(args[param.name])
            elif param.default is REQUIRED:
                raise ControlError(f"{self.name}: missing argument {param.name!r}")
            else:
                checked[param.name] = param.default
        return checked

    def usage(self) -> str:
        params = "".join(f"\n    {p.describe()}" for p in self.params)
        return f"{self.name}: {self.summary}{params}"


@dataclass
class OperationTable:
    """Operations by name; :meth:`run` checks the arguments, then calls the handler."""

    operations: dict[str, Operation] = field(default_factory=dict)

    def add(self, *operations: Operation) -> None:
        for op in operations:
            reserved = {p.name for p in op.params} & {"fault", "name"}
            if reserved:
                raise ValueError(f"{op.name}: parameter name {reserved.pop()!r} is reserved")
            if op.name in self.operations:
                raise ValueError(f"operation {op.name!r} defined twice")
            self.operations[op.name] = op

    def get(self, name: str) -> Operation:
        op = self.operations.get(name)
        if op is None:
            known = ", ".join(sorted(self.operations))
            raise ControlError(f"unknown operation {name!r} (known: {known})")
        return op

    def run(self, target: Any, name: str, args: Mapping[str, Any]) -> Any:
        """Check the arguments, run the handler; a fault is then noted through
        ``target.note`` (the trace) with its checked arguments."""
        op = self.get(name)
        checked = op.check(args)
        result = op.handler(target, checked)
        note = getattr(target, "note", None)
        if op.fault and note is not None:
            note("fault", fault=name, **checked)
        return result

    def faults(self) -> Iterable[Operation]:
        return (op for op in self.operations.values() if op.fault)
