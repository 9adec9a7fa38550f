"""The client protocol paired with the module's sans-IO engine: no I/O, no event loop.

After h11's ``ConnectionPair``: bytes from :class:`ClientProtocol` go straight into
:class:`ModemEngine` (with an explicit clock and the in-memory ``FakeNet``) and the
engine's output comes back, split into small random chunks. Both sides speak the shared
AT layer, so this checks that one definition of the protocol really is one, including
the factory defaults the adapters normally switch off (command echo, data echo).
"""

from __future__ import annotations

import random

from modemu.client.events import (
    Event,
    FinalKind,
    NoCarrier,
    Prompt,
    PushData,
    Response,
    TransparentData,
    Urc,
)
from modemu.client.protocol import ClientProtocol, Framing
from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.net.base import Closed, Opened, PeerClosed, Received
from modemu.net.fake import FakeNet


class Pair:
    """A client protocol wired to an engine; :meth:`exchange` runs one step both ways."""

    def __init__(self, seed: int = 0) -> None:
        self.now = 0.0
        self.net = FakeNet()
        self.engine = ModemEngine(Profile(), self.net, now=self.now)
        self.client = ClientProtocol()
        self.random = random.Random(seed)
        self.engine.handle_timer(self.now)  # boot: RDY and friends

    def _deliver(self) -> list[Event]:
        out = self.engine.data_to_send()
        events: list[Event] = []
        pos = 0
        while pos < len(out):
            size = self.random.randint(1, 7)
            self.client.receive_data(out[pos : pos + size])
            pos += size
            while (event := self.client.next_event()) is not None:
                events.append(event)
        return events

    def advance(self, seconds: float = 0.01) -> list[Event]:
        """Let time pass (the engine's timers fire) and collect what the client sees."""
        self.now += seconds
        deadline = self.engine.next_deadline()
        while deadline is not None and deadline <= self.now:
            self.engine.handle_timer(deadline)
            deadline = self.engine.next_deadline()
        self.engine.handle_timer(self.now)
        return self._deliver()

    def send(self, data: bytes) -> list[Event]:
        self.engine.receive_data(data, self.now)
        return self.advance()

    def command(self, line: str, payload: bytes | None = None) -> list[Event]:
        events = self.send(self.client.send_command(line))
        if payload is not None and Prompt() in events:
            events += self.send(self.client.send_data(payload))
        for _ in range(50):  # some answers wait for engine timers
            if any(isinstance(e, Response) for e in events):
                break
            events += self.advance(0.1)
        return events

    def net_event(self, event: object) -> list[Event]:
        self.engine.handle_net(event, self.now)  # type: ignore[arg-type]
        return self.advance()


def responses(events: list[Event]) -> list[Response]:
    return [e for e in events if isinstance(e, Response)]


def open_socket(pair: Pair, mode: int) -> None:
    assert responses(pair.command("AT+QIACT=1"))[0].ok
    line = f'AT+QIOPEN=1,0,"TCP","192.0.2.9",80,0,{mode}'
    events = pair.command(line)
    if mode == 2:
        assert pair.net_event(Opened(0, ("10.7.157.1", 50000), ("192.0.2.9", 80))) == [
            Response(line, (), "CONNECT", FinalKind.CONNECT)
        ]
        return
    assert responses(events)[0].ok
    urcs = pair.net_event(Opened(0, ("10.7.157.1", 50000), ("192.0.2.9", 80)))
    assert [u.line for u in urcs if isinstance(u, Urc)] == ["+QIOPEN: 0,0"]


def test_boot_urcs_and_echoed_commands() -> None:
    pair = Pair()
    boot = pair.advance()
    assert [u.line for u in boot if isinstance(u, Urc)][:3] == ["RDY", "+CFUN: 1", "+CPIN: READY"]
    events = pair.command("AT+CSQ")  # ATE1 (factory default): the echo is dropped
    assert responses(events) == [Response("AT+CSQ", ("+CSQ: 28,99",), "OK", FinalKind.OK)]


def test_buffer_mode_send_and_read_with_data_echo_on() -> None:
    pair = Pair(seed=1)
    open_socket(pair, 0)
    payload = bytes(range(256)) + b"\r\nOK\r\n"
    events = pair.command(f"AT+QISEND=0,{len(payload)}", payload)
    assert responses(events)[-1].kind is FinalKind.SEND_OK
    assert pair.net.sent(0) == payload
    urcs = pair.net_event(Received(0, payload))
    assert [u.kind for u in urcs if isinstance(u, Urc)] == ["recv"]
    answer = responses(pair.command("AT+QIRD=0,1500"))[0]
    assert answer.data == payload


def test_push_mode_payloads() -> None:
    pair = Pair(seed=2)
    open_socket(pair, 1)
    assert pair.client.access_mode(0) == 1
    assert pair.net_event(Received(0, b"\r\n+QIURC: fake\r\n")) == [
        PushData(0, b"\r\n+QIURC: fake\r\n")
    ]


def test_transparent_mode_and_no_carrier() -> None:
    pair = Pair(seed=3)
    open_socket(pair, 2)
    assert pair.client.mode is Framing.TRANSPARENT
    events = pair.net_event(Received(0, b"raw\r\nOK\r\n"))
    events += pair.net_event(PeerClosed(0))
    data = b"".join(e.data for e in events if isinstance(e, TransparentData))
    assert data == b"raw\r\nOK\r\n"
    assert events[-1] == NoCarrier()
    assert pair.client.mode is Framing.COMMAND
    pair.engine.receive_data(pair.client.send_command("AT+QICLOSE=0"), pair.now)
    assert responses(pair.net_event(Closed(0)))[0].ok  # the back end confirms the close
