"""``modemu coverage``: what a driver's sessions exercised of the module.

Reads transcripts exchange by exchange (:mod:`modemu.tools.exchanges`) and follows the
port as the module did: command lines are parsed with the shared AT syntax
(:func:`modemu.at.syntax.parse_command_line`) and checked against the module's command
registry; bytes after a ``>`` prompt or a ``CONNECT`` are payload, not commands. Each
final result (:func:`modemu.at.finals.final_kind`) is credited to the oldest command line
still waiting for one; a line with several commands credits its result to the last of
them (V.250 stops a line at the first failure, which the bytes do not name). Module lines
that :func:`modemu.at.urc.parse_urc` knows are URCs, except a ``+NAME:`` line answering a
command of the same name before its final result (``+CPIN: READY`` to ``AT+CPIN?``).
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from modemu.at.finals import FinalKind, final_kind
from modemu.at.syntax import AtSyntaxError, CommandCall, Form, parse_command_line
from modemu.at.urc import URC_EVENT_TYPES, UrcEvent, UrcSyntaxError, parse_urc
from modemu.modem.registry import Registry
from modemu.tools.exchanges import (
    Exchange,
    is_milestone,
    iter_exchanges,
    open_transcript,
    split_units,
)

__all__ = ["Coverage", "collect", "failure_of"]

_FAILING_URC_FIELDS = ("err",)


class _Mode(Enum):
    COMMAND = "command"
    DATA = "data"
    TRANSPARENT = "transparent"


@dataclass
class _Line:
    """A command line waiting for its final result."""

    calls: list[CommandCall]
    text: str


@dataclass
class Coverage:
    """Counts gathered over one or more transcripts."""

    registry: Registry
    files: list[str] = field(default_factory=list)
    used: Counter[tuple[str, Form]] = field(default_factory=Counter)
    results: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(command, final result text) per command credited with a result."""
    unknown: Counter[str] = field(default_factory=Counter)
    """Command names the registry does not have (the module answers ERROR)."""
    malformed: Counter[str] = field(default_factory=Counter)
    """Command lines the AT syntax rejects, as sent."""
    urcs: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    """Error paths: failing final results by command, failing URCs by event."""

    def add(self, exchanges: Iterable[Exchange]) -> None:
        """Walk one transcript's exchanges (a fresh port: command mode, nothing pending)."""
        walker = _Walker(self)
        for exchange in exchanges:
            walker.exchange(exchange)

    # -- reports ---------------------------------------------------------------------------

    def command_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name in self.registry.names():
            spec = self.registry.lookup(name)
            assert spec is not None
            declared = sorted(form.value for form in spec.forms)
            used = {f.value: n for (cmd, f), n in self.used.items() if cmd == name}
            used = dict(sorted(used.items()))
            results = {text: n for (cmd, text), n in sorted(self.results.items()) if cmd == name}
            rows.append({"command": name, "forms": declared, "used": used, "results": results})
        return rows

    def to_json(self) -> dict[str, Any]:
        rows = self.command_rows()
        forms_declared = sum(len(r["forms"]) for r in rows)
        forms_used = sum(len([f for f in r["used"] if f in r["forms"]]) for r in rows)
        seen = set(self.urcs)
        return {
            "files": self.files,
            "summary": {
                "commands": len(rows),
                "commands_used": sum(1 for r in rows if r["used"]),
                "forms": forms_declared,
                "forms_used": forms_used,
                "urc_kinds": len(URC_EVENT_TYPES),
                "urc_kinds_seen": len(seen),
            },
            "commands": rows,
            "unknown_commands": dict(sorted(self.unknown.items())),
            "malformed_lines": dict(sorted(self.malformed.items())),
            "urcs": dict(sorted(self.urcs.items())),
            "urcs_never_seen": sorted(
                t.__name__ for t in URC_EVENT_TYPES if t.__name__ not in seen
            ),
            "error_paths": dict(sorted(self.failures.items())),
        }


def failure_of(event: UrcEvent) -> str | None:
    """A label when ``event`` reports a failure (an error code, a lost link), else None."""
    name = type(event).__name__
    if name in ("Closed", "PdpDeact", "PingError", "IncomingFull"):
        return name
    for attr in _FAILING_URC_FIELDS:
        code = getattr(event, attr, None)
        if code:
            return f"{name} {attr}={int(code)}"
    return None


class _Walker:
    """Follows one port through the exchanges of one transcript."""

    def __init__(self, coverage: Coverage) -> None:
        self.cov = coverage
        self.mode = _Mode.COMMAND
        self.waiting: deque[_Line] = deque()
        self.escape_sent = False

    def exchange(self, exchange: Exchange) -> None:
        if self.mode is _Mode.COMMAND:
            self._commands(exchange.sent)
        elif self.mode is _Mode.DATA:
            self.mode = _Mode.COMMAND  # the payload went; its result follows
        else:
            self.escape_sent = exchange.sent.strip() == b"+++"
        self._answer(exchange.expected)

    def _commands(self, sent: bytes) -> None:
        text = sent.decode("latin-1").replace("\n", "\r")
        for raw in text.split("\r"):
            line = raw.strip()
            if line[:2].upper() != "AT":
                continue
            try:
                calls = parse_command_line(line[2:])
            except AtSyntaxError:
                self.cov.malformed[line] += 1
                calls = []
            for call in calls:
                if self.cov.registry.lookup(call.name) is None:
                    self.cov.unknown[call.name] += 1
                else:
                    self.cov.used[(call.name, call.form)] += 1
            self.waiting.append(_Line(calls, line))

    def _answer(self, data: bytes) -> None:
        units, _rest = split_units(data)
        for unit in units:
            line = unit.decode("latin-1").strip("\r\n")
            if self.mode is _Mode.TRANSPARENT:
                self._transparent(line)
            elif is_milestone(unit) and final_kind(line) is None:
                self.mode = _Mode.DATA  # a prompt: the next bytes are payload
            elif final_kind(line) is not None:
                self._final(line)
            else:
                self._maybe_urc(line)

    def _transparent(self, line: str) -> None:
        if line == FinalKind.NO_CARRIER.value or (self.escape_sent and line == "OK"):
            self.mode = _Mode.COMMAND
            self.escape_sent = False

    def _final(self, line: str) -> None:
        kind = final_kind(line)
        if not self.waiting:
            self._maybe_urc(line)  # an unsolicited NO CARRIER or a stray result
            return
        pending = self.waiting.popleft()
        target = pending.calls[-1].name if pending.calls else "AT"
        self.cov.results[(target, line)] += 1
        if kind is not None and not kind.success:
            self.cov.failures[f"AT{target if target != 'AT' else ''} -> {line}"] += 1
        if kind is FinalKind.CONNECT:
            self.mode = _Mode.TRANSPARENT

    def _maybe_urc(self, line: str) -> None:
        if self.waiting and ":" in line:
            name = line.split(":", 1)[0].upper()
            if any(call.name == name for call in self.waiting[0].calls):
                return  # information text of the command waiting for its result
        try:
            event = parse_urc(line)
        except UrcSyntaxError:
            event = None
        if event is None:
            return
        label = type(event).__name__
        self.cov.urcs[label] += 1
        failure = failure_of(event)
        if failure is not None:
            self.cov.failures[f"URC {failure}"] += 1


def collect(
    paths: Iterable[str | os.PathLike[str]], registry: Registry, *, allow_truncated: bool = False
) -> Coverage:
    """Coverage of every transcript in ``paths`` (each streamed once)."""
    coverage = Coverage(registry)
    for path in paths:
        _header, records = open_transcript(path, allow_truncated=allow_truncated)
        coverage.files.append(os.fspath(path))
        coverage.add(iter_exchanges(records))
    return coverage
