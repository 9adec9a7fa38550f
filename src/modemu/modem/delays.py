"""Realistic response times: work a real module takes time for, on the engine's timers.

With ``timing = "fast"`` (the default) every delay is 0 and the work is done at once, as
before. With ``timing = "real"`` (``modemu serve --timing real``) the profile's ``[timing]``
seconds apply: ``AT+QIACT``/``AT+QIDEACT`` answer only once the time has passed (the port
stays busy, as on the module), and ``AT+QICLOSE``, ``AT+QIOPEN``, ``AT+QIDNSGIP``,
``AT+QNTP`` and ``AT+QPING`` start their network work that much later, so their final
result or URC comes later. Time is an input (the engine's clock), so tests drive it
explicitly; a power-off cancels whatever is still waiting. docs/timing.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from modemu.modem.registry import CommandError, Outcome, Reply

if TYPE_CHECKING:
    from modemu.modem.engine import ModemEngine, Timer


class Delays:
    """The engine part that holds delayed work (``engine.delays``)."""

    def __init__(self, engine: ModemEngine) -> None:
        self.engine = engine
        self._timers: list[Timer] = []

    def reset(self) -> None:
        """Power-off: nothing that was waiting happens any more."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def run_later(self, what: str, action: Callable[[], None]) -> None:
        """``action`` after the profile's time for ``what`` (at once when it is 0)."""
        delay = self.engine.profile.delay(what)
        if delay <= 0:
            action()
            return
        self._schedule(delay, action)

    def reply_later(self, what: str, work: Callable[[], Outcome]) -> Outcome:
        """A command whose answer comes after the profile's time for ``what``: ``work`` then
        runs and its outcome (or :class:`CommandError`) becomes the final result."""
        delay = self.engine.profile.delay(what)
        if delay <= 0:
            return work()
        engine = self.engine

        def finish() -> None:
            try:
                outcome = work()
            except CommandError as error:
                engine.finish_pending(None, error)
                return
            engine.finish_pending(outcome)

        self._schedule(delay, finish)
        return Reply.PENDING

    def _schedule(self, delay: float, action: Callable[[], None]) -> None:
        self._timers = [t for t in self._timers if not t.cancelled]

        def fire() -> None:
            timer.cancelled = True  # done: the next reset need not cancel it
            action()

        timer = self.engine.call_later(delay, fire)
        self._timers.append(timer)
