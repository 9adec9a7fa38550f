"""Property: random faults interleaved with random valid traffic never crash the module,
never split a response or a data phase, and after a reboot the module answers ``AT``.

Derandomized under ``CI=true`` (tests/conftest.py's profile)."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from modemu.errors import ControlError
from modemu.modem.modes import PortMode
from modemu.net.base import Closed, Opened, Received
from modemu.testing.faultbench import FaultBench as Bench

FINAL = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r]*|SEND OK|SEND FAIL)\r\n")
URC_MARK = b"+FAULTURC"

COMMANDS = [
    "AT",
    "AT+CSQ",
    "AT+QISTATE?",
    "AT+CREG=2",
    "AT+CEREG=1",
    "AT+QIACT=1",
    "AT+QIACT?",
    "AT+QIDEACT=1",
    'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009,0,0',
    "AT+QIRD=0,64",
    "AT+QICLOSE=0",
    "AT+CPIN?",
]
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("reboot", {}),
    ("pdp-deact", {"cid": 1}),
    ("deregister", {}),
    ("register", {}),
    ("attach-reject", {}),
    ("signal", {"rssi": 5}),
    ("sim-remove", {}),
    ("sim-insert", {}),
    ("peer-reset", {"id": 0}),
    ("peer-close", {"id": 0}),
    ("send-fail", {"count": 1}),
    ("refuse", {"count": 1}),
    ("hang", {"seconds": 0.5}),
    ("hang", {"seconds": 0.5, "input": "drop"}),
    ("power-off", {"restart_after": 1.0}),
    ("urc", {"text": "+FAULTURC: 1"}),
    ("chunk", {"size": 4, "gap": 0.001}),
    ("link", {"latency": 0.05, "jitter": 0.02, "down": 64, "up": 64, "loss": 0.1}),
    ("urc-race", {"when": "echo"}),
    ("urc-race", {"when": "final"}),
    ("clear", {}),
]

action = st.one_of(
    st.tuples(st.just("cmd"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("reopen"), st.just(None)),
    st.tuples(st.just("send"), st.tuples(st.integers(1, 40), st.none() | st.sampled_from(FAULTS))),
    st.tuples(st.just("recv"), st.integers(1, 300)),
    st.tuples(st.just("fault"), st.sampled_from(FAULTS)),
    st.tuples(st.just("wait"), st.sampled_from([0.0, 0.01, 0.3, 2.0])),
)


class Driven(Bench):
    """A bench whose fake network answers opens and closes like a willing peer."""

    def __init__(self) -> None:
        super().__init__()
        self._answered = 0
        self.activate()  # start where uploads happen: context 1 up, socket 0 connected
        self.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",8009,0,0')
        self.answer_net()

    def answer_net(self) -> bytes:
        out = b""
        calls = self.fake.calls
        while self._answered < len(calls):
            method, args = calls[self._answered]
            self._answered += 1
            if method not in ("open", "close"):
                continue
            conn_id = args[0]
            assert isinstance(conn_id, int)
            if method == "open":
                out += self.event(Opened(conn_id, ("10.0.0.2", 40000), ("127.0.0.1", 8009)))
            elif method == "close":
                out += self.event(Closed(conn_id))
        return out

    def drained(self, out: bytes) -> bytes:
        """``out`` plus what chunked output still holds back (the UART trickles it out)."""
        while self.line.held:
            out += self.advance(0.005)
        return out

    def idle(self) -> bool:
        """Command mode, answering, and no URC armed to race the next line's response."""
        engine = self.engine
        return engine.mode is PortMode.COMMAND and not engine.hung and engine.urc_race != "echo"


def _check_answer(answer: bytes, line: str) -> None:
    finals = FINAL.findall(answer)
    assert len(finals) == 1, (line, answer)
    head = answer[: FINAL.search(answer).end()]  # type: ignore[union-attr]
    assert URC_MARK not in head, (line, answer)  # no URC inside a response


@given(st.lists(action, max_size=30))
def test_faults_never_break_framing_and_reboot_recovers(actions: list[tuple[str, Any]]) -> None:
    b = Driven()
    for kind, value in actions:
        if kind == "fault":
            name, args = value
            with contextlib.suppress(ControlError):  # not applicable now: refused, nothing done
                b.fault(name, **args)
        elif kind == "wait":
            b.advance(value)
        elif kind == "recv":
            slot = b.engine.sockets.slots[0]
            if slot.in_use and b.fake.calls_to("open"):
                b.event(Received(0, b"r" * value))
        elif kind == "reopen":
            for line in ("AT+QIACT=1", 'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009,0,0'):
                b.drained(b.cmd(line) + b.answer_net())
        elif kind == "cmd":
            idle = b.idle()
            answer = b.cmd(value)
            answer = b.drained(answer + b.answer_net())
            if idle and b.engine.powered and not b.engine.settings.echo:
                _check_answer(answer, value)
        else:  # a QISEND data phase, maybe with a fault in the middle of it
            size, middle = value
            idle = b.idle() and not b.engine.settings.echo
            prompt = b.drained(b.send(f"AT+QISEND=0,{size}\r\n".encode()))
            if prompt.endswith(b">"):
                if idle:
                    assert prompt == b"\r\n>", prompt  # nothing before the prompt
                if middle is not None:
                    mid = b""
                    with contextlib.suppress(ControlError):
                        mid = b.fault(middle[0], **middle[1])
                    if not b.engine.powered:
                        continue
                    assert mid + b.take() == b"", middle  # URCs wait for the data phase
                    idle = idle and b.line.chunking is None
                answer = b.drained(b.send(b"d" * size))
                if idle:
                    assert answer.startswith(b"d" * size), answer  # the phase is whole
                    _check_answer(answer[size:], "payload")
        b.drained(b.take())  # the host reads everything before its next move
    # whatever happened, a reboot brings back a module that answers AT
    b.advance(5)  # let hangs and power-off restarts run out
    if not b.engine.powered:
        b.engine.power_on(b.now)
    else:
        b.fault("reboot")
    b.advance(2)
    b.drained(b.take())
    assert b.drained(b.cmd("AT")) == b"AT\r\r\nOK\r\n"
