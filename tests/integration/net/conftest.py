"""Fixtures for the real network back end's tests (names prefixed ``net_`` to stay distinct)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a declared dependency on Linux
    uvloop = None

LOOPS = ["asyncio", "uvloop"] if uvloop is not None else ["asyncio"]

Runner = Callable[[Callable[[], Coroutine[Any, Any, Any]]], Any]


@pytest.fixture(params=LOOPS)
def net_run(request: pytest.FixtureRequest) -> Iterator[Runner]:
    """Run one async test body on a fresh loop: the stock asyncio loop and uvloop."""
    factory = uvloop.new_event_loop if request.param == "uvloop" else asyncio.new_event_loop

    def run(body: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(asyncio.wait_for(body(), 20))

    yield run
