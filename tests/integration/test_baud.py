"""``--baud`` and ``AT+IPR`` on a real pty: bytes never arrive faster than the UART allows,
and a rate set with ``AT+IPR`` applies after its ``OK``. Loose lower bounds only (a slow
machine can only make the transfer slower); the rate's accuracy is measured in bench/."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from modemu.testing.controller import StartupError
from modemu.testing.inprocess import ModemuThread
from modemu.testing.pty_host import PtyHost
from modemu.transport.base import LinkListener
from modemu.transport.paced import PacedTransport
from modemu.transport.pacing import DEFAULT_LEAD, DEFAULT_SLACK, bytes_per_second

SLACK_S = DEFAULT_LEAD + DEFAULT_SLACK


def _least_seconds(size: int, baud: int) -> float:
    """The shortest time ``size`` bytes can take at ``baud`` (8N1), allowances subtracted."""
    return size / bytes_per_second(baud) - SLACK_S


def test_output_and_input_are_paced(tmp_path: Path) -> None:
    baud = 38400
    with ModemuThread(tmp_path, args=["--baud", str(baud)]) as instance:
        assert instance.path is not None
        host = PtyHost(instance.path)
        try:
            host.wait_ready()
            host.command("ATE0")
            assert host.command("AT+IPR?") == b"\r\n+IPR: 38400\r\n\r\nOK\r\n"
            single = host.command("AT+GMR")
            lines = 150
            request = b"AT+GMR\r" * lines
            start = time.monotonic()
            host.write(request)
            answer = host.read_exactly(lines * len(single))
            elapsed = time.monotonic() - start
        finally:
            host.close()
    assert answer == single * lines
    # the answers (and, before them, the requests) cannot cross the line faster than 8N1
    assert elapsed >= _least_seconds(len(answer), baud)
    assert elapsed >= _least_seconds(len(request), baud)


def test_ipr_is_reported_and_switches_after_ok(tmp_path: Path) -> None:
    with ModemuThread(tmp_path, args=["--baud", "9600"]) as instance:
        assert instance.path is not None
        host = PtyHost(instance.path)
        try:
            host.wait_ready()
            host.command("ATE0")
            assert host.command("AT+IPR?") == b"\r\n+IPR: 9600\r\n\r\nOK\r\n"
            assert host.command("AT+IPR=115200") == b"\r\nOK\r\n"
            assert host.command("AT+IPR?") == b"\r\n+IPR: 115200\r\n\r\nOK\r\n"
            size = 40 * len(b"\r\nOK\r\n")
            start = time.monotonic()
            host.write(b"AT\r" * 40)
            host.read_exactly(size)
            elapsed = time.monotonic() - start
        finally:
            host.close()
    assert elapsed >= _least_seconds(size, 115200)


class _Inner:
    """A transport that records what it is asked to write, always writable."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.listener: LinkListener | None = None

    async def start(self, listener: LinkListener) -> None:
        self.listener = listener

    def write(self, data: bytes) -> None:
        self.out += data

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    @property
    def url(self) -> str:
        return "inner"

    def describe(self) -> str:
        return "inner"

    async def aclose(self) -> None: ...


class _Sink:
    def __init__(self) -> None:
        self.received = bytearray()
        self.writable: list[bool] = []

    def data_received(self, data: bytes) -> None:
        self.received += data

    def host_attached(self) -> None: ...

    def host_detached(self) -> None: ...

    def host_writable(self, writable: bool) -> None:
        self.writable.append(writable)


def test_set_baud_waits_for_the_queued_output() -> None:
    async def scenario() -> None:
        inner = _Inner()
        paced = PacedTransport(inner, 9600)
        await paced.start(_Sink())
        paced.write(b"\r\nOK\r\n" * 4)  # 24 bytes: 25 ms at 9600 baud, more than one piece
        paced.set_baud(115200)
        assert paced.baud == 9600 and paced.pending_baud == 115200
        while len(inner.out) < 24:
            await asyncio.sleep(0.001)
        assert paced.baud == 115200
        assert bytes(inner.out) == b"\r\nOK\r\n" * 4
        await paced.aclose()

    asyncio.run(scenario())


def test_input_is_held_in_order_and_released_in_full() -> None:
    async def scenario() -> None:
        inner = _Inner()
        sink = _Sink()
        paced = PacedTransport(inner, 115200)
        await paced.start(sink)
        assert inner.listener is paced
        payload = bytes(range(256)) * 40  # 10 KiB: past the backlog, so reading pauses
        paced.data_received(payload)
        assert len(sink.received) < len(payload)
        while len(sink.received) < len(payload):
            await asyncio.sleep(0.005)
        assert bytes(sink.received) == payload
        await paced.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize("baud", ["0", "fast", "5000000"])
def test_bad_baud_is_a_usage_error(tmp_path: Path, baud: str) -> None:
    with pytest.raises(StartupError, match="baud"):
        ModemuThread(tmp_path, args=["--baud", baud]).start()
