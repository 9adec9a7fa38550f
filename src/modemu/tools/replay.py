"""Play a transcript's host side against a module and judge every answer.

:func:`play` drives any :class:`Target`: a live module through pyserial
(:class:`SerialTarget`: a fresh ``modemu serve`` or a real module) or another transcript's
module side (:class:`RecordedTarget`, for ``modemu diff``). Per exchange it sends what the
host sent, then collects the module's bytes until they reach the shape of the recorded
answer (:class:`~modemu.tools.exchanges.Shape`) or the per-exchange timeout passes, and
hands the verdict to a callback. Bytes past the cut are kept for the next exchange.

Memory stays flat: exchanges are read from the file one at a time and each is forgotten
once judged (``--update`` writes it out as it goes).
"""

from __future__ import annotations

import os
import select
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import serial

from modemu.at.limits import GUARD_TIME
from modemu.tools.exchanges import Exchange, Shape, iter_exchanges, open_transcript
from modemu.tools.verdict import Outcome, Palette, judge, render
from modemu.trace.format import Chunk, Record

__all__ = [
    "MAX_SILENT_EXCHANGES",
    "RecordedTarget",
    "ReplayReport",
    "SerialTarget",
    "Summary",
    "Target",
    "play",
    "replay_file",
]

MAX_GUARD_WAIT = 2 * GUARD_TIME
"""The longest recorded silence replayed before an escape sequence."""

MAX_SILENT_EXCHANGES = 3
"""Consecutive exchanges without a single byte back after which the module is declared
gone and the replay stops."""


class Target(Protocol):
    """Where the host side is played to."""

    @property
    def end_text(self) -> str:
        """What it means when :meth:`receive` returns None."""
        ...

    def send(self, data: bytes) -> None: ...

    def receive(self, timeout: float) -> bytes | None:
        """Bytes the module sent (b"" when none came in ``timeout``; None: no more ever)."""
        ...


class SerialTarget:
    """A module at a pyserial URL (``socket://`` of a fresh modemu, ``/dev/ttyUSB2``…).

    pyserial's ``socket://`` handler says ``in_waiting`` is 0 or 1, so reading it through
    pyserial costs a call per byte; its socket is read directly instead (``select`` +
    ``recv``), as ``modemu record`` does."""

    end_text = "the module closed the link"

    def __init__(self, url: str, baudrate: int = 115200) -> None:
        self.url = url
        self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        sock = getattr(self._port, "_socket", None)
        self._socket = sock if isinstance(sock, socket.socket) else None

    def send(self, data: bytes) -> None:
        if data:
            self._port.write(data)

    def receive(self, timeout: float) -> bytes | None:
        wait = max(0.0, min(timeout, 0.5))
        try:
            if self._socket is not None:
                if not select.select([self._socket], [], [], wait)[0]:
                    return b""
                return self._socket.recv(65536) or None
            self._port.timeout = wait
            data: bytes = self._port.read(self._port.in_waiting or 1)
        except (serial.SerialException, OSError):
            return None
        return data

    def close(self) -> None:
        self._port.close()


class RecordedTarget:
    """Another transcript's module side: answers are its ``tx`` chunks, in order."""

    end_text = "the other transcript ends"

    def __init__(self, records: Iterable[Record]) -> None:
        self._chunks: Iterator[bytes] = (
            r.data for r in records if isinstance(r, Chunk) and r.dir == "tx"
        )

    def send(self, data: bytes) -> None:
        """The recorded module already answered; what we send changes nothing."""

    def receive(self, timeout: float) -> bytes | None:
        return next(self._chunks, None)

    def drain(self) -> int:
        """Read (and so check) the rest of the transcript; how many module bytes were left."""
        return sum(len(chunk) for chunk in self._chunks)


@dataclass
class Summary:
    exchanges: int = 0
    differ: int = 0
    stopped: str | None = None
    """Why the run stopped early (the module went silent or away), if it did."""
    unconsumed: int = 0
    """Module bytes received after the last exchange's answer."""
    trailing: int = 0
    """Module bytes after the last exchange that count as a difference (``diff``)."""

    @property
    def failed(self) -> bool:
        return self.differ > 0 or self.stopped is not None or self.trailing > 0

    def line(self) -> str:
        text = f"{self.exchanges} exchanges, {self.differ} differ"
        if self.trailing:
            text += f"; {self.trailing} more module bytes after the last exchange"
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def play(
    exchanges: Iterable[Exchange],
    target: Target,
    *,
    timeout: float,
    report: Callable[[Outcome], None],
    compare_preamble: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Summary:
    """Replay ``exchanges`` on ``target``; ``report`` sees every outcome, in order.

    Exchanges are sent as soon as the previous answer is complete, except an escape
    sequence (an exchange of only ``+`` bytes, ``+++`` leaving transparent mode): its
    recorded silence before it is kept (up to :data:`MAX_GUARD_WAIT`), since the module
    recognises it only after the guard time."""
    summary = Summary()
    pending = bytearray()
    silent = 0
    for exchange in exchanges:
        if exchange.number == 0 and not compare_preamble:
            report(judge(exchange, exchange.expected))  # kept as recorded (for --update)
            continue
        if exchange.sent and not exchange.sent.strip(b"+"):
            sleep(max(0.0, min(exchange.gap, MAX_GUARD_WAIT)))
        target.send(exchange.sent)
        actual, timed_out, gone = _collect(
            target, pending, Shape.of(exchange.expected), timeout, clock
        )
        outcome = judge(exchange, actual, timed_out)
        summary.exchanges += 1
        summary.differ += outcome.differs
        report(outcome)
        silent = silent + 1 if timed_out and not actual else 0
        if gone:
            summary.stopped = f"{target.end_text} after exchange {exchange.number}"
            break
        if silent >= MAX_SILENT_EXCHANGES:
            summary.stopped = (
                f"no answer to {silent} exchanges in a row (last: exchange {exchange.number})"
            )
            break
    summary.unconsumed = len(pending)
    return summary


def _collect(
    target: Target,
    pending: bytearray,
    shape: Shape,
    timeout: float,
    clock: Callable[[], float],
) -> tuple[bytes, bool, bool]:
    """Read until ``pending`` holds an answer of ``shape``; returns (answer, timed out,
    link gone). The answer is removed from ``pending``; the rest stays for the next one."""
    deadline = clock() + timeout
    timed_out = gone = False
    while (cut := shape.cut(pending)) is None:
        left = deadline - clock()
        if left <= 0:
            timed_out = True
            break
        more = target.receive(left)
        if more is None:
            gone = True
            break
        pending += more
    if cut is None:
        cut = len(pending)
    answer = bytes(pending[:cut])
    del pending[:cut]
    return answer, timed_out, gone


@dataclass(frozen=True)
class ReplayReport:
    """What :func:`replay_file` found: the summary and the diff of each differing exchange."""

    summary: Summary
    diffs: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.summary.failed

    def __str__(self) -> str:
        return "\n\n".join((*self.diffs, self.summary.line()))


def replay_file(path: str | os.PathLike[str], url: str, *, timeout: float = 5.0) -> ReplayReport:
    """Replay the transcript at ``path`` to the module at ``url`` (plain-text diffs)."""
    _header, records = open_transcript(path)
    diffs: list[str] = []

    def collect(outcome: Outcome) -> None:
        if outcome.differs:
            diffs.append(render(outcome, Palette(False), ("recorded", "replayed"), timeout))

    target = SerialTarget(url)
    try:
        summary = play(iter_exchanges(records), target, timeout=timeout, report=collect)
    finally:
        target.close()
    return ReplayReport(summary, tuple(diffs))
