"""A module under faults with an explicit clock and no event loop: the engine, the fault and
link wrappers over a :class:`~modemu.net.fake.FakeNet`, and the UART fault path.

For tests that want scenarios and faults on the engine's clock -- a 60-second scenario in
microseconds, the same bytes every run::

    bench = FaultBench()
    bench.activate()
    bench.scenario([{"at": 20, "fault": "pdp-deact"}])
    assert bench.advance(20.0) == b'\r\n+QIURC: "pdpdeact",1\r\n'

``send``/``cmd`` type host bytes and return what the host sees; ``event`` hands the engine
a network event as the back end would (through the fault wrappers); ``advance`` moves the
clock, firing engine timers and scheduled callbacks (made-up net answers, link delays, UART
gaps) in time order. Trace notes collect in ``notes``.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

from modemu.control.ops import run_operation, start_scenario
from modemu.control.scenario import ScenarioRunner
from modemu.control.target import FaultTarget
from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.net.base import NetEvent, Opened
from modemu.net.fake import FakeNet
from modemu.net.faulty import FaultyNet
from modemu.net.policy import Policy
from modemu.transport.uartfaults import HostLine

__all__ = ["FaultBench"]

OK = b"\r\nOK\r\n"


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FaultBench:
    def __init__(
        self, profile: Profile | None = None, policy: Policy | None = None, echo: bool = False
    ) -> None:
        self.now = 0.0
        self._due: list[tuple[float, int, _Handle, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.fake = FakeNet()
        self.inner_sink: Callable[[NetEvent], None] = self._deliver
        self.net = FaultyNet(
            self._deliver, self._inner, self.schedule, policy=policy, clock=lambda: self.now
        )
        self.engine = ModemEngine(profile or Profile(), self.net, now=0.0)
        self.host = bytearray()
        self.notes: list[tuple[str, dict[str, Any]]] = []
        self.line = HostLine(self.host.extend, self.schedule)
        self.target = FaultTarget(self.engine, self.net, self.line, self.note)
        self.net.note = self.note
        self.advance(0.0)
        self.take()
        if not echo:
            assert self.cmd("ATE0") == b"ATE0\r" + OK

    def _inner(self, sink: Callable[[NetEvent], None]) -> FakeNet:
        self.inner_sink = sink  # events "from the network" pass the fault filter
        return self.fake

    def note(self, name: str, **fields: Any) -> None:
        """Same signature as ``VirtualModem.trace_event``, so a clashing field fails here."""
        self.notes.append((name, fields))

    def schedule(self, delay: float, callback: Callable[[], None]) -> _Handle:
        handle = _Handle()
        heapq.heappush(self._due, (self.now + delay, next(self._seq), handle, callback))
        return handle

    def _deliver(self, event: NetEvent) -> None:
        self.engine.handle_net(event, self.now)

    def pump(self) -> None:
        out = self.engine.data_to_send()
        if out:
            self.line.write(out)

    def take(self) -> bytes:
        self.pump()
        out = bytes(self.host)
        self.host.clear()
        return out

    def send(self, data: bytes) -> bytes:
        self.engine.receive_data(data, self.now)
        self.settle()
        return self.take()

    def cmd(self, line: str) -> bytes:
        return self.send(line.encode("latin-1") + b"\r")

    def fault(self, name: str, **args: Any) -> bytes:
        run_operation(self.target, name, args)
        self.settle()
        return self.take()

    def event(self, event: NetEvent) -> bytes:
        """An event from the (fake) network, through the fault wrapper like a real one."""
        self.inner_sink(event)
        self.settle()
        return self.take()

    def settle(self) -> None:
        """What the server does after every engine call: poll scenario triggers, fire the
        engine timers and scheduled callbacks that are due now (zero-delay ones included)."""
        while True:
            self.pump()  # the server writes out after every engine call
            for runner in self.target.scenarios:
                runner.poll()
            deadline = self.engine.next_deadline()
            if deadline is not None and deadline <= self.now:
                self.engine.handle_timer(self.now)
                self.pump()
                continue
            if self._due and self._due[0][0] <= self.now:
                _, _, handle, callback = heapq.heappop(self._due)
                if not handle.cancelled:
                    callback()
                    self.pump()
                continue
            return

    def scenario(self, source: Any) -> ScenarioRunner:
        runner = start_scenario(self.target, source)
        self.settle()
        return runner

    def advance(self, seconds: float) -> bytes:
        end = self.now + seconds
        while True:
            candidates = [d for d in (self.engine.next_deadline(),) if d is not None]
            if self._due:
                candidates.append(self._due[0][0])
            nxt = min(candidates, default=None)
            if nxt is None or nxt > end:
                break
            self.now = max(self.now, nxt)
            self.engine.handle_timer(self.now)
            self.settle()
        self.now = end
        self.engine.handle_timer(self.now)
        self.settle()
        return self.take()

    def activate(self) -> None:
        assert self.cmd("AT+QIACT=1") == OK

    def open_tcp(self, conn_id: int = 0, host: str = "127.0.0.1", port: int = 8009) -> bytes:
        """QIOPEN in buffer mode, answered ``Opened`` if it reached the fake net; returns
        everything the host saw after the command line."""
        before = len(self.fake.calls_to("open"))
        out = self.cmd(f'AT+QIOPEN=1,{conn_id},"TCP","{host}",{port},0,0')
        if len(self.fake.calls_to("open")) > before:
            out += self.event(Opened(conn_id, ("10.0.0.2", 40000), (host, port)))
        return out
