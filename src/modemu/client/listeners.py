"""URC fan-out: callbacks and async iterators that see every unsolicited result code.

After ``python-can``'s ``Notifier``/``Listener``: the modem owns one :class:`UrcNotifier`;
application code adds plain callables (called on the event loop thread, so they must
not block) or opens a :class:`UrcSubscription` and ``async for``-s over it. The client's
own machinery (sockets, DNS, ping) is just another listener, so nothing special-cases
the application's view of the port.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from modemu.client.closing import Closing
from modemu.client.events import Urc

__all__ = ["UrcCallback", "UrcNotifier", "UrcSubscription"]

log = logging.getLogger(__name__)

UrcCallback = Callable[[Urc], None]


class UrcNotifier:
    """Delivers each URC to every registered callback, in registration order."""

    def __init__(self) -> None:
        self._callbacks: list[UrcCallback] = []

    def add(self, callback: UrcCallback) -> Callable[[], None]:
        """Register ``callback``; returns a function that removes it again."""
        self._callbacks.append(callback)
        return lambda: self.remove(callback)

    def remove(self, callback: UrcCallback) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def notify(self, urc: Urc) -> None:
        """Call every listener; one failing listener does not starve the others."""
        for callback in list(self._callbacks):
            try:
                callback(urc)
            except Exception:
                log.exception("URC listener %r failed on %r", callback, urc.line)

    def subscribe(
        self, predicate: Callable[[Urc], bool] | None = None, maxsize: int = 0
    ) -> UrcSubscription:
        """An async iterator over the URCs that match ``predicate`` (all by default)."""
        return UrcSubscription(self, predicate, maxsize)


class UrcSubscription(Closing):
    """``async for urc in subscription`` — also an (async) context manager that unsubscribes.

    With ``maxsize`` > 0 the oldest URCs are dropped when the consumer falls behind, so
    a forgotten subscription cannot grow without bound.
    """

    def __init__(
        self,
        notifier: UrcNotifier,
        predicate: Callable[[Urc], bool] | None,
        maxsize: int = 0,
    ) -> None:
        self._notifier = notifier
        self._predicate = predicate
        self._queue: asyncio.Queue[Urc | None] = asyncio.Queue(maxsize)
        self._remove = notifier.add(self._deliver)

    def _deliver(self, urc: Urc) -> None:
        if self._predicate is not None and not self._predicate(urc):
            return
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(urc)

    async def get(self, timeout: float | None = None) -> Urc:
        """The next matching URC; :class:`asyncio.TimeoutError` after ``timeout``."""
        item = await asyncio.wait_for(self._queue.get(), timeout)
        if item is None:
            raise StopAsyncIteration
        return item

    def close(self) -> None:
        """Stop receiving; a consumer blocked in ``async for`` ends its loop."""
        self._remove()
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[Urc]:
        return self

    async def __anext__(self) -> Urc:
        return await self.get()

    async def __aenter__(self) -> UrcSubscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
