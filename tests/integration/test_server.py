"""VirtualModem wiring: first against a tiny scripted engine (the pump's rules, one at a time),
then against the real ModemEngine over memory, pty and TCP transports."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

from modemu.modem.engine import ModemEngine
from modemu.modem.nvstore import NvStore
from modemu.modem.profile import Profile
from modemu.net.base import EventSink, NetBackend, NetEvent, Opened
from modemu.net.fake import FakeNet
from modemu.server import VirtualModem, new_event_loop, run
from modemu.trace import Tracer, read_trace
from modemu.transport.base import TransportError
from modemu.transport.memory import ChunkSplitter, MemoryTransport
from modemu.transport.pty import PtyTransport
from modemu.transport.tcp import TcpTransport

TIMEOUT = 5.0


# -- a scripted engine ----------------------------------------------------------------------


class ScriptedEngine:
    """Echoes input and answers a few made-up commands, to test the server's pump:

    ``AT\\r`` → OK; ``WAIT\\r`` → DONE 50 ms later (a timer); ``BUSY\\r`` → refuse input
    for 50 ms; ``NET\\r`` → calls net.open, which a re-entrant fake answers at once.
    """

    def __init__(self, profile: Profile, net: NetBackend, nv: NvStore, now: float) -> None:
        self.net = net
        self.out = bytearray(b"\r\nRDY\r\n")
        self.line = bytearray()
        self.deadline: float | None = None
        self.busy_until: float | None = None
        self.timer_calls: list[float] = []
        self.net_events: list[NetEvent] = []
        self.writable: list[bool] = []
        self.in_call = False
        self.now = now

    @property
    def wants_input(self) -> bool:
        return self.busy_until is None

    def _enter(self, now: float) -> None:
        assert not self.in_call, "engine re-entered"
        self.now = now

    def receive_data(self, data: bytes, now: float) -> None:
        self._enter(now)
        self.in_call = True
        try:
            self.out += data
            self.line += data
            while b"\r" in self.line:
                cmd, _, rest = bytes(self.line).partition(b"\r")
                self.line = bytearray(rest)
                self._command(cmd, now)
        finally:
            self.in_call = False

    def _command(self, cmd: bytes, now: float) -> None:
        if cmd == b"AT":
            self.out += b"\r\nOK\r\n"
        elif cmd == b"WAIT":
            self.deadline = now + 0.05
        elif cmd == b"BUSY":
            self.busy_until = now + 0.05
            self.deadline = self.busy_until
        elif cmd == b"NET":
            self.net.open(0, None, "", 0, 0, (), None)  # type: ignore[arg-type]

    def data_to_send(self) -> bytes:
        out = bytes(self.out)
        self.out.clear()
        return out

    def next_deadline(self) -> float | None:
        return self.deadline

    def handle_timer(self, now: float) -> None:
        self._enter(now)
        self.timer_calls.append(now)
        if self.deadline is not None and now >= self.deadline:
            self.deadline = None
            if self.busy_until is not None:
                self.busy_until = None
                self.out += b"\r\nREADY\r\n"
            else:
                self.out += b"\r\nDONE\r\n"

    def handle_net(self, event: NetEvent, now: float) -> None:
        self._enter(now)
        self.net_events.append(event)
        self.out += f"\r\n+EV: {type(event).__name__}\r\n".encode()

    def set_host_writable(self, writable: bool) -> None:
        self.writable.append(writable)


class EagerNet:
    """A back end that answers ``open`` synchronously, from inside the engine's call."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.closed = False

    def open(self, conn_id: int, *args: object) -> None:
        self.sink(Opened(conn_id, ("10.0.0.1", 1), None))

    async def aclose(self) -> None:
        self.closed = True


def _eager_net(sink: EventSink) -> NetBackend:
    return cast(NetBackend, EagerNet(sink))


def _scripted(transport: MemoryTransport, **kwargs: object) -> VirtualModem:
    return VirtualModem(
        transport=transport,
        engine_factory=ScriptedEngine,
        net_factory=_eager_net,
        **kwargs,  # type: ignore[arg-type]
    )


def _engine(vm: VirtualModem) -> ScriptedEngine:
    engine = vm.engine
    assert isinstance(engine, ScriptedEngine)
    return engine


def test_pump_writes_output_and_boot_text() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        async with _scripted(transport):
            assert await transport.host.read_until(b"RDY\r\n") == b"\r\nRDY\r\n"
            transport.host.write(b"AT\r")
            assert await transport.host.read_until(b"OK\r\n") == b"AT\r\r\nOK\r\n"

    asyncio.run(body())


def test_one_timer_follows_next_deadline() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        async with _scripted(transport) as vm:
            await transport.host.read_until(b"RDY\r\n")
            start = vm.loop.time()
            transport.host.write(b"WAIT\r")
            assert await transport.host.read_until(b"DONE\r\n") == b"WAIT\r\r\nDONE\r\n"
            calls = _engine(vm).timer_calls
            assert len(calls) == 1
            assert calls[0] >= start + 0.05  # never told "now" before the deadline

    asyncio.run(body())


def test_input_paused_while_engine_refuses_it() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        async with _scripted(transport) as vm:
            await transport.host.read_until(b"RDY\r\n")
            transport.host.write(b"BUSY\r")
            await transport.host.read_until(b"BUSY\r")
            transport.host.write(b"AT\r")
            # while busy the engine must not be fed: AT\r stays with the transport
            await asyncio.sleep(0.02)
            assert transport.host.read_nowait() == b""
            got = await transport.host.read_until(b"OK\r\n")
            assert got == b"\r\nREADY\r\nAT\r\r\nOK\r\n"
            assert _engine(vm).wants_input

    asyncio.run(body())


def test_net_events_never_reenter_the_engine() -> None:
    async def body() -> None:
        transport = MemoryTransport()
        async with _scripted(transport) as vm:
            await transport.host.read_until(b"RDY\r\n")
            transport.host.write(b"NET\r")
            assert await transport.host.read_until(b"Opened\r\n") == b"NET\r\r\n+EV: Opened\r\n"
            vm.inject_net_event(Opened(1, ("10.0.0.1", 2), None))
            assert await transport.host.read_until(b"Opened\r\n") == b"\r\n+EV: Opened\r\n"
            assert len(_engine(vm).net_events) == 2
            net = vm.net
        assert isinstance(net, EagerNet) and net.closed

    asyncio.run(body())


def test_host_back_pressure_reaches_engine() -> None:
    async def body() -> None:
        transport = MemoryTransport(high_water=64, low_water=8)
        async with _scripted(transport) as vm:
            transport.host.write(b"x" * 100)
            await transport.host.drain()
            await asyncio.sleep(0)
            assert _engine(vm).writable == [False]
            await transport.host.read_exactly(100)
            assert _engine(vm).writable == [False, True]

    asyncio.run(body())


def test_trace_records_both_directions_and_events(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"

    async def body() -> None:
        transport = MemoryTransport()
        async with _scripted(transport, tracer=Tracer.open(path)) as vm:
            await transport.host.read_until(b"RDY\r\n")
            transport.host.write(b"AT\r\xff")
            await transport.host.read_until(b"OK\r\n")
            vm.trace_event("udp-drop", conn_id=3, bytes=120)

    asyncio.run(body())
    records = read_trace(path)
    chunks = [(r["dir"], r["data"].encode("latin-1")) for r in records if "dir" in r]
    assert chunks[0] == ("tx", b"\r\nRDY\r\n")
    assert ("rx", b"AT\r\xff") in chunks
    assert any(d == "tx" and b"OK" in data for d, data in chunks)
    assert {"event": "udp-drop", "conn_id": 3, "bytes": 120}.items() <= records[-1].items()
    assert all(isinstance(r["t"], float) for r in records)


def test_serve_forever_returns_on_stop() -> None:
    async def body() -> None:
        async with _scripted(MemoryTransport()) as vm:
            vm.loop.call_later(0.01, vm.stop)
            await asyncio.wait_for(vm.serve_forever(), TIMEOUT)

    asyncio.run(body())


def test_run_uses_uvloop_unless_disabled() -> None:
    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    pytest.importorskip("uvloop")
    assert run(loop_module()).startswith("uvloop")
    assert run(loop_module(), use_uvloop=False).startswith("asyncio")
    new_event_loop(False).close()


# -- the real engine ------------------------------------------------------------------------


def _fake_net(sink: EventSink) -> NetBackend:
    """FakeNet never answers by itself; tests inject events with vm.inject_net_event."""
    return FakeNet()


def _real(transport: MemoryTransport | PtyTransport | TcpTransport) -> VirtualModem:
    return VirtualModem(transport=transport, net_factory=_fake_net)


async def _boot(transport: MemoryTransport) -> None:
    await transport.host.read_until(b"+QIND: SMS DONE\r\n")


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_real_engine_answers_at(seed: int | None) -> None:
    async def body() -> None:
        splitter = None if seed is None else ChunkSplitter(seed, max_chunk=2)
        transport = MemoryTransport(splitter)
        async with _real(transport):
            await _boot(transport)
            transport.host.write(b"AT\r")
            assert await transport.host.read_until(b"OK\r\n") == b"AT\r\r\nOK\r\n"
            transport.host.write(b"ATE0\rAT\r")
            assert await transport.host.read_until(b"OK\r\n") == b"ATE0\r\r\nOK\r\n"
            assert await transport.host.read_until(b"OK\r\n") == b"\r\nOK\r\n"

    asyncio.run(body())


def _loop_factories() -> list[object]:
    params: list[object] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    if uvloop is not None:
        params.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return params


def _run_on(factory: Callable[[], asyncio.AbstractEventLoop], body: Awaitable[None]) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(body, 20)

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(bounded())


async def _read_until(fd: int, marker: bytes, timeout: float = TIMEOUT) -> bytes:
    got = b""
    async with asyncio.timeout(timeout):
        while marker not in got:
            try:
                got += os.read(fd, 4096)
            except BlockingIOError:
                await asyncio.sleep(0.002)
    return got


@pytest.mark.parametrize("factory", _loop_factories())
def test_real_engine_on_pty_survives_reopen(
    tmp_path: Path, factory: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    link = tmp_path / "modem"

    async def body() -> None:
        async with _real(PtyTransport(link)):
            for i in range(3):
                fd = os.open(link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                try:
                    if i == 0:
                        await _read_until(fd, b"SMS DONE\r\n")
                    os.write(fd, b"AT\r")
                    assert (await _read_until(fd, b"OK\r\n")).endswith(b"AT\r\r\nOK\r\n")
                finally:
                    os.close(fd)
        assert not link.is_symlink()

    _run_on(factory, body())


@pytest.mark.parametrize("factory", _loop_factories())
def test_real_engine_over_tcp_keeps_state_across_reconnect(
    factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    async def body() -> None:
        transport = TcpTransport()
        async with _real(transport):
            reader, writer = await asyncio.open_connection("127.0.0.1", transport.port)
            writer.write(b"ATE0\r")
            await asyncio.wait_for(reader.readuntil(b"OK\r\n"), TIMEOUT)
            writer.close()
            await writer.wait_closed()
            reader, writer = await asyncio.open_connection("127.0.0.1", transport.port)
            writer.write(b"AT\r")
            # echo stays off: the same module, same settings
            assert await asyncio.wait_for(reader.readuntil(b"OK\r\n"), TIMEOUT) == b"\r\nOK\r\n"
            writer.close()
            await writer.wait_closed()

    _run_on(factory, body())


def test_trace_is_flushed_while_running(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"

    async def body() -> None:
        transport = MemoryTransport()
        tracer = Tracer.open(path, flush_interval=0.05)
        async with _scripted(transport, tracer=tracer):
            transport.host.write(b"AT\r")
            await transport.host.read_until(b"OK\r\n")
            await asyncio.sleep(0.2)
            assert any(r.get("data") == "AT\r" for r in read_trace(path))

    asyncio.run(body())


class FailingTransport(MemoryTransport):
    async def start(self, listener: object) -> None:
        raise TransportError("link taken")


def test_failed_start_releases_net_and_trace(tmp_path: Path) -> None:
    nets: list[EagerNet] = []

    def net_factory(sink: EventSink) -> NetBackend:
        nets.append(EagerNet(sink))
        return cast(NetBackend, nets[-1])

    tracer = Tracer.open(tmp_path / "t.jsonl")

    async def body() -> None:
        vm = VirtualModem(
            transport=FailingTransport(),
            engine_factory=ScriptedEngine,
            net_factory=net_factory,
            tracer=tracer,
        )
        with pytest.raises(TransportError, match="link taken"):
            async with vm:
                pass  # pragma: no cover

    asyncio.run(body())
    assert nets[0].closed
    tracer.event("after close")  # ignored, no error


class CrashingEngine(ScriptedEngine):
    def receive_data(self, data: bytes, now: float) -> None:
        if b"CRASH" in data:
            raise RuntimeError("engine bug")
        super().receive_data(data, now)


def test_engine_crash_is_logged_and_serving_continues(caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> None:
        transport = MemoryTransport()
        vm = VirtualModem(
            transport=transport, engine_factory=CrashingEngine, net_factory=_eager_net
        )
        async with vm:
            transport.host.write(b"CRASH\r")
            await transport.host.drain()
            transport.host.write(b"AT\r")
            assert (await transport.host.read_until(b"OK\r\n")).endswith(b"AT\r\r\nOK\r\n")

    asyncio.run(body())
    assert "engine failed in receive_data" in caplog.text


def test_answers_at_once_are_traced_and_step_aside_for_a_held_urc(tmp_path: Path) -> None:
    """``AT`` and a repeated query, answered at once (written before the pump), appear in
    the trace as the host sent and received them; a URC held for the next line (the
    ``urc-race`` fault) still lands where the general path puts it."""
    path = tmp_path / "trace.jsonl"

    async def body() -> None:
        transport = MemoryTransport()
        async with VirtualModem(
            transport=transport, net_factory=_fake_net, tracer=Tracer.open(path)
        ) as vm:
            host = transport.host
            await _boot(transport)
            host.write(b"ATE0\r")
            await host.read_until(b"OK\r\n")
            for line in (b"AT\r", b"AT\r", b"AT+QISTATE\r", b"AT+QISTATE\r"):
                host.write(line)
                assert await host.read_until(b"OK\r\n") == b"\r\nOK\r\n"
            vm.fault("urc-race", when="final")
            vm.fault("urc", text='+QIURC: "pdpdeact",1')
            host.write(b"AT\r")
            got = await host.read_until(b'pdpdeact",1\r\n')
            assert got == b'\r\nOK\r\n\r\n+QIURC: "pdpdeact",1\r\n'

    asyncio.run(body())
    chunks = [(r["dir"], r["data"].encode("latin-1")) for r in read_trace(path) if "dir" in r]
    assert chunks[-6:-2] == [
        ("rx", b"AT+QISTATE\r"),
        ("tx", b"\r\nOK\r\n"),
        ("rx", b"AT+QISTATE\r"),
        ("tx", b"\r\nOK\r\n"),
    ]


class AtOnceCrash(ModemEngine):
    def answer_at_once(self, data: bytes, now: float) -> bytes | None:
        if b"CRASH" in data:
            raise RuntimeError("engine bug")
        return super().answer_at_once(data, now)


def test_a_crash_answering_at_once_is_logged_and_the_input_goes_the_general_way(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        transport = MemoryTransport()
        async with VirtualModem(
            transport=transport, net_factory=_fake_net, engine_factory=AtOnceCrash
        ):
            await _boot(transport)
            transport.host.write(b"AT+CRASH\r")  # still answered, the general way
            got = await transport.host.read_until(b"ERROR\r\n")
            assert got == b"AT+CRASH\r\r\nERROR\r\n"
            transport.host.write(b"AT\r")
            assert await transport.host.read_until(b"OK\r\n") == b"AT\r\r\nOK\r\n"

    asyncio.run(body())
    assert "engine failed in answer_at_once" in caplog.text
