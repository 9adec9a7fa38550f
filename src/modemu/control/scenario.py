"""Scenarios: a versioned TOML file of faults, each with a trigger, run on the engine clock.

::

    version = 1
    name = "reboot mid-upload"
    seed = 7                        # seeds chunk/noise and anything random

    [[steps]]
    after_command = "AT+QISEND=*"   # the Nth command line matching (shell pattern, any case)
    count = 3
    fault = "reboot"

    [[steps]]
    at = 20.0                       # seconds after the scenario started
    fault = "register"

    [[steps]]
    on_mode = "transparent"         # the port enters this mode
    fault = "pdp-deact"
    args = { cid = 1 }

    [[steps]]
    when_sent = 4096                # socket `socket` has sent (or when_received) N bytes
    socket = 0
    fault = "peer-reset"
    args = { id = 0 }
    delay = 0.5                     # optional: seconds between the trigger and the fault

Every step is checked when the file is loaded (fault name, arguments, trigger), so a bad
file is refused with the step number before anything happens. Time is the engine's clock:
on the in-memory transport, a test can run a 20-second scenario without waiting. Each
trigger and each fault is written to the trace (``scenario-trigger``, ``fault``).
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modemu.control.spec import OperationTable
from modemu.control.target import FaultTarget
from modemu.errors import ControlError
from modemu.modem.modes import PortMode

__all__ = ["SCENARIO_VERSION", "Scenario", "ScenarioRunner", "Step", "load_scenario"]

SCENARIO_VERSION = 1
TRIGGERS = ("at", "after_command", "on_mode", "when_sent", "when_received")
_STEP_KEYS = {*TRIGGERS, "fault", "args", "count", "socket", "delay", "note"}
_SEEDED = ("chunk", "noise")
MODES = tuple(mode.value for mode in PortMode)


@dataclass(frozen=True)
class Step:
    index: int
    fault: str
    args: dict[str, Any]
    trigger: str
    value: Any
    count: int = 1
    socket: int = 0
    delay: float = 0.0
    note: str = ""

    def describe(self) -> str:
        extra = f" #{self.count}" if self.trigger == "after_command" and self.count > 1 else ""
        where = f" on socket {self.socket}" if self.trigger.startswith("when_") else ""
        return f"{self.trigger}={self.value!r}{extra}{where}"


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...]
    seed: int = 0
    name: str = ""


def load_scenario(
    source: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Any], table: OperationTable
) -> Scenario:
    """A scenario from a TOML path, a parsed mapping, or a bare list of step mappings; each
    step's fault and arguments are checked against ``table``."""
    where = "scenario"
    if isinstance(source, (str, os.PathLike)):
        where = os.fspath(source)
        try:
            with open(source, "rb") as file:
                data: Any = tomllib.load(file)
        except OSError as exc:
            raise ControlError(f"{where}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ControlError(f"{where}: not valid TOML: {exc}") from None
    elif isinstance(source, Mapping):
        data = dict(source)
    else:
        data = {"version": SCENARIO_VERSION, "steps": list(source)}
    return _parse(data, where, table)


def _parse(data: Mapping[str, Any], where: str, table: OperationTable) -> Scenario:
    version = data.get("version")
    if version != SCENARIO_VERSION:
        raise ControlError(f"{where}: version = {SCENARIO_VERSION} is required (got {version!r})")
    unknown = sorted(set(data) - {"version", "seed", "name", "description", "steps"})
    if unknown:
        raise ControlError(f"{where}: unknown key {unknown[0]!r}")
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ControlError(f"{where}: seed must be a non-negative integer")
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ControlError(f"{where}: give at least one [[steps]] table")
    steps = tuple(
        _step(raw, i, seed, f"{where}: step {i + 1}", table) for i, raw in enumerate(raw_steps)
    )
    return Scenario(steps, seed, str(data.get("name", "")))


def _step(raw: Any, index: int, seed: int, where: str, table: OperationTable) -> Step:
    if not isinstance(raw, Mapping):
        raise ControlError(f"{where}: a step is a table")
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise ControlError(f"{where}: unknown key {unknown[0]!r}")
    triggers = [t for t in TRIGGERS if t in raw]
    if len(triggers) != 1:
        raise ControlError(f"{where}: give exactly one trigger of {', '.join(TRIGGERS)}")
    trigger = triggers[0]
    value = raw[trigger]
    name = raw.get("fault")
    if not isinstance(name, str):
        raise ControlError(f"{where}: fault = NAME is required")
    args = dict(raw.get("args", {}))
    if name in _SEEDED and "seed" not in args:
        args["seed"] = seed + index
    try:
        op = table.get(name)
        if not op.fault:
            raise ControlError(f"{name!r} is not a fault")
        op.check(args)
    except ControlError as exc:
        raise ControlError(f"{where}: {exc}") from None
    _check_trigger(trigger, value, where)
    count = _number(raw.get("count", 1), int, 1, where, "count")
    socket = _number(raw.get("socket", 0), int, 0, where, "socket")
    delay = _number(raw.get("delay", 0.0), float, 0, where, "delay")
    return Step(index, name, args, trigger, value, count, socket, delay, str(raw.get("note", "")))


def _check_trigger(trigger: str, value: Any, where: str) -> None:
    if trigger == "at":
        _number(value, float, 0, where, "at")
    elif trigger == "after_command":
        if not isinstance(value, str) or not value:
            raise ControlError(f"{where}: after_command is a command pattern like 'AT+QISEND=*'")
    elif trigger == "on_mode":
        if value not in MODES:
            raise ControlError(f"{where}: on_mode must be one of {', '.join(MODES)}")
    else:
        _number(value, int, 1, where, trigger)


def _number(value: Any, kind: type, low: float, where: str, key: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ControlError(f"{where}: {key} must be a number")
    if kind is int and not float(value).is_integer():
        raise ControlError(f"{where}: {key} must be an integer")
    if value < low:
        raise ControlError(f"{where}: {key} must be at least {low:g}")
    return kind(value)


@dataclass
class _StepState:
    step: Step
    seen: int = 0
    fired: bool = False


@dataclass
class ScenarioRunner:
    """Runs one scenario on one module. Observers only take note; faults fire from engine
    timers (zero delay for event triggers), so they never re-enter an engine call."""

    target: FaultTarget
    scenario: Scenario
    table: OperationTable
    started: float = 0.0
    states: list[_StepState] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def start(self) -> None:
        engine = self.target.engine
        self.started = engine.now
        self.states = [_StepState(step) for step in self.scenario.steps]
        if self.target.uart is not None:
            self.target.uart.reseed(self.scenario.seed)
        self.target.note(
            "scenario-start",
            scenario=self.scenario.name,
            seed=self.scenario.seed,
            steps=len(self.states),
        )
        for state in self.states:
            if state.step.trigger == "at":
                engine.call_at(self.started + float(state.step.value), self._firer(state, "at"))
        engine.line_observers.append(self._on_line)
        engine.mode_observers.append(self._on_mode)
        self.target.scenarios.append(self)

    @property
    def done(self) -> bool:
        return all(state.fired for state in self.states)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.scenario.name,
            "seed": self.scenario.seed,
            "steps": [
                {
                    "step": s.step.index + 1,
                    "fault": s.step.fault,
                    "trigger": s.step.describe(),
                    "fired": s.fired,
                }
                for s in self.states
            ],
            "errors": list(self.errors),
        }

    # -- triggers ---------------------------------------------------------------------------

    def _on_line(self, body: str) -> None:
        line = f"AT{body}".upper()
        for state in self._waiting("after_command"):
            if fnmatch.fnmatchcase(line, str(state.step.value).upper()):
                state.seen += 1
                if state.seen == state.step.count:
                    self._due(state, f"command {line!r}")

    def _on_mode(self, mode: PortMode) -> None:
        for state in self._waiting("on_mode"):
            if mode.value == state.step.value:
                self._due(state, f"mode {mode.value}")

    def poll(self) -> None:
        """Check byte-count triggers; call after every engine call (the server's pump)."""
        slots = self.target.engine.sockets.slots
        for state in self._waiting("when_sent", "when_received"):
            step = state.step
            if not 0 <= step.socket < len(slots):
                continue
            slot = slots[step.socket]
            total = slot.tx_total if step.trigger == "when_sent" else slot.rx_total
            if slot.in_use and total >= int(step.value):
                self._due(state, f"socket {step.socket} {step.trigger[5:]} {total} bytes")

    def _waiting(self, *triggers: str) -> list[_StepState]:
        return [
            s for s in self.states if s.step.trigger in triggers and not s.fired and s.seen >= 0
        ]

    def _due(self, state: _StepState, why: str) -> None:
        state.seen = -1  # armed: never armed twice
        engine = self.target.engine
        engine.call_at(engine.now + state.step.delay, self._firer(state, why))

    def _firer(self, state: _StepState, why: str) -> Any:
        def fire() -> None:
            if state.fired:
                return
            state.fired = True
            step = state.step
            self.target.note(
                "scenario-trigger",
                step=step.index + 1,
                trigger=step.describe(),
                why=why,
                fault=step.fault,
            )
            try:
                self.table.run(self.target, step.fault, step.args)
            except ControlError as exc:
                message = f"step {step.index + 1} ({step.fault}): {exc}"
                self.errors.append(message)
                self.target.note("scenario-step-failed", step=step.index + 1, error=str(exc))

        return fire
