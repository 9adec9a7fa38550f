"""``with``/``async with`` support for everything the client lets you close.

Modems, sockets, listeners and URC subscriptions all end the same way: leaving the block
calls ``close()``. One definition here instead of an ``__enter__``/``__exit__`` pair each.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """``with obj:`` → ``obj.close()`` on the way out."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClosing:
    """``async with obj:`` → ``await obj.close()`` on the way out."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
