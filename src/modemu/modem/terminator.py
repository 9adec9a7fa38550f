"""The LF after a command line's CR: part of the terminator, never data.

Drivers end command lines with ``\\r\\n`` (TinyGSM, Zephyr, ESP-IDF…) or ``\\r`` alone (pyserial
scripts, the modemu client). Where the line opens a data phase (the ``>`` of ``AT+QISEND``,
``CONNECT`` of transparent mode), the byte after the CR decides: an LF is the rest of the
terminator and is dropped, anything else is already payload. A command that opens a data
phase therefore answers only once the terminator is complete: at the next byte, or when
``lf_wait`` has passed without one (a CR-only driver waiting for ``>``). After the prompt
every byte is payload, an LF included. See docs/line-discipline.md.

The state lives here; the engine feeds it bytes and time (no clock is read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

LF = 0x0A


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


@dataclass
class TerminatorWait:
    """Whether the last command line's terminator may still get its LF, and what waits for it."""

    deadline: float | None = None
    """When ``lf_wait`` runs out for the line just ended by S3; ``None``: complete."""
    deferred: list[Callable[[], None]] = field(default_factory=list)
    """Data-phase openings (prompt, ``CONNECT``) held until the terminator is complete."""
    timer: _Cancellable | None = None
    held_events: list[object] = field(default_factory=list)
    """Network events that arrived while an opening was held: handled right after it, so
    the host sees ``CONNECT`` before the data and the ``NO CARRIER`` that follow it."""

    @property
    def pending(self) -> bool:
        return self.deadline is not None

    def begin(self, now: float, wait: float) -> None:
        """A command line was just ended by S3."""
        self.deadline = now + wait

    def settle(self) -> None:
        """The line just run opened no data phase: nothing waits for its LF, and in command
        state the line reader drops a stray LF anyway, so the wait ends now instead of at
        the next byte (no completion step per command line)."""
        if not self.deferred:
            self.deadline = None

    def take(self) -> list[Callable[[], None]]:
        """Mark the terminator complete; return the held actions, in order, to run."""
        self.deadline = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        actions, self.deferred = self.deferred, []
        return actions

    def take_held_events(self) -> list[object]:
        events, self.held_events = self.held_events, []
        return events
