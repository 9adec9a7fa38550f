"""Answers given again without running the line again (``modemu.modem.known``): ``AT``
alone and repeated queries (``AT+QISTATE``) must give exactly the bytes the general path
gives, whatever changed in between.

The oracle is the same engine fed the same bytes one at a time: a single byte never takes
the shortcut, so every line there runs through the reader, parser, registry and handler.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modemu.at.syntax import CommandCall, Form
from modemu.at.urc import Verbatim
from modemu.modem.commands import tables
from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry, Run
from modemu.modem.view import ModemView
from modemu.net.base import Closed, NetEvent, Opened, PdpDeactivated, PeerClosed, Received
from modemu.net.fake import FakeNet

from .harness import OK

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

QUERIES = [
    b"AT\r",
    b"at\r\n",
    b"aT\r",
    b"AT+QISTATE\r",
    b"AT+QISTATE\r\n",
    b"at+qistate\r",
    b"AT+QISTATE=0,1\r",
    b"AT+QISTATE=1,0\r",
    b"AT+QISTATE=1,1\r",
    b"AT+QISTATE=1,12\r",
    b"AT+QISTATE=?\r",
    b"A/",
]
REPEATS = [
    b"AT+QIRD=0,1500\r",
    b"AT+QIRD=0,4\r",
    b"at+qird=0\r",
    b"AT+QIRD=0,0\r",
    b"AT+QIRD=1,10\r",
    b"AT+QIRD=0,1500\r\n",
    b"AT+QIGETERROR\r",
    b"AT+QISEND=0,0\r",
    b"AT+QISEND=0,2\r\n",
    b"AT+QIGETERROR\r\n",
    b"AT+NOSUCH\r",
    b"AT+QIRD=0;+QIRD=0,2\r",
    b"AT+QIRD=0,1501\r",
]
"""Lines that are not queries: they run every time, from a remembered plan
(``modemu.modem.known.LinePlan``) when typed whole from an idle port."""
CHANGES = [
    b"ATE1\r",
    b"ATE0\r",
    b"ATV0\r",
    b"ATV1\r",
    b"ATQ1\r",
    b"ATQ0\r",
    b"ATS3=13\r",
    b"AT+QIGETERROR\r",
    b"AT+QISEND=3,5\r",
    b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0\r',
    b'AT+QIOPEN=1,1,"UDP","1.2.3.4",81,0,1\r',
    b'AT+QIOPEN=1,2,"TCP LISTENER","127.0.0.1",0,2020,0\r',
    b"AT+QISWTMD=0,1\r",
    b"AT+QISWTMD=0,0\r",
    b"AT+QISWTMD=1,0\r",
    b"AT+QICLOSE=0\r",
    b"AT+QICLOSE=1\r",
    b"AT+QIDEACT=1\r",
    b"AT+QIACT=1\r",
    b"AT+QISTATE;+QISTATE\r",
]
EVENTS: list[NetEvent] = [
    Opened(0, ("10.0.0.2", 40000), ("1.2.3.4", 80)),
    Opened(1, ("10.0.0.2", 40001), ("1.2.3.4", 81)),
    Opened(2, ("127.0.0.1", 2020), None),
    Received(0, b"0123456789"),
    Received(1, b"datagram"),
    PeerClosed(0),
    Closed(0),
    Closed(1),
    PdpDeactivated(1),
]

query = st.sampled_from(QUERIES + REPEATS).map(lambda line: ("line", line))
change = st.one_of(
    st.sampled_from(CHANGES).map(lambda line: ("line", line)),
    st.sampled_from(EVENTS).map(lambda event: ("event", event)),
    st.sampled_from([0.01, 0.5, 3.0]).map(lambda dt: ("time", dt)),
)
# Every change is followed by queries: a stale answer shows at once.
steps = st.lists(st.tuples(change, query, query), min_size=5, max_size=30).map(
    lambda triples: [step for triple in triples for step in triple]
)


class Driven:
    """An engine after boot, echo off, context 1 active; ``whole`` feeds each line in one
    call (shortcuts allowed), otherwise byte by byte (never a shortcut). ``at_once``
    drives it as the server does: :meth:`ModemEngine.answer_at_once` first, and
    :meth:`ModemEngine.note_idle` after every step."""

    def __init__(
        self, whole: bool, at_once: bool = False, registry: Registry | None = None
    ) -> None:
        self.whole = whole or at_once
        self.at_once = at_once
        self.answered_at_once = 0
        self.now = 0.0
        self.engine = ModemEngine(Profile(), FakeNet(), now=0.0, registry=registry)
        self.engine.handle_timer(0.0)
        self.engine.data_to_send()
        self.send(b"ATE0\r")
        self.send(b"AT+QIACT=1\r")

    def send(self, data: bytes) -> bytes:
        self.now += 0.01
        if self.at_once:
            answer = self.engine.answer_at_once(data, self.now)
            if answer is not None:
                self.answered_at_once += 1
                return answer + self.pumped()
        pieces = [data] if self.whole else [data[i : i + 1] for i in range(len(data))]
        for piece in pieces:
            self.engine.receive_data(piece, self.now)
        return self.pumped()

    def pumped(self) -> bytes:
        """What the server's pump takes after an engine call, then notes."""
        out = self.engine.data_to_send()
        self.engine.note_idle()
        return out

    def step(self, kind: str, arg: object) -> bytes:
        if kind == "line":
            assert isinstance(arg, bytes)
            return self.send(arg)
        if kind == "event":
            self.now += 0.01
            self.engine.handle_net(arg, self.now)  # type: ignore[arg-type]
        else:
            assert isinstance(arg, float)
            end = self.now + arg
            while (deadline := self.engine.next_deadline()) is not None and deadline <= end:
                self.now = max(self.now, deadline)
                self.engine.handle_timer(self.now)
            self.now = end
            self.engine.handle_timer(self.now)
        return self.pumped()


@FAST
@given(steps=steps)
def test_repeated_lines_answer_as_the_general_path(steps: list[tuple[str, object]]) -> None:
    whole, stepped = Driven(whole=True), Driven(whole=False)
    at_once = Driven(whole=True, at_once=True)
    for kind, arg in steps:
        expected = stepped.step(kind, arg)
        assert whole.step(kind, arg) == expected, (kind, arg)
        assert at_once.step(kind, arg) == expected, ("at once", kind, arg)


def test_answers_at_once_only_from_an_idle_port() -> None:
    """``answer_at_once`` answers ``AT`` and a repeated query only while the port was idle
    with nothing to send at the last ``note_idle``; otherwise the input runs as usual."""
    m = Driven(whole=True, at_once=True)
    engine = m.engine
    assert m.send(b"AT\r") == OK
    assert m.send(b"AT+QISTATE\r") == OK
    before = m.answered_at_once
    assert m.send(b"AT\r") == OK
    assert m.send(b"AT+QISTATE\r") == OK
    assert m.answered_at_once == before + 2
    engine.receive_data(b"A", m.now)  # a line being typed
    engine.note_idle()
    assert engine.answer_at_once(b"AT\r", m.now) is None
    assert m.send(b"T\r") == OK
    # output held: AT+IFC=2,2 and the host drops RTS; the answer waits in the engine
    assert m.send(b"AT+IFC=2,2\r") == OK
    engine.set_host_line("rts", False, m.now)
    engine.note_idle()
    assert engine.answer_at_once(b"AT\r", m.now) is None
    assert m.send(b"AT\r") == b""
    engine.set_host_line("rts", True, m.now)
    assert m.pumped() == OK
    assert m.send(b"AT\r") == OK
    # a data phase: the input is payload, not a line
    m.send(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0\r')
    m.step("event", Opened(0, ("10.0.0.2", 40000), ("1.2.3.4", 80)))
    assert m.send(b"AT+QISEND=0,3\r\n") == b"\r\n>"
    assert engine.answer_at_once(b"AT\r", m.now) is None
    assert m.send(b"AT\r") == b"AT\r\r\nSEND OK\r\n"  # payload echoed (AT+QISDE=1)
    assert engine.net.sent(0) == b"AT\r"  # type: ignore[attr-defined]
    # a setting that frames answers: remembered answers in the old framing no longer fit
    assert m.send(b"ATV0\r") == b"0\r"
    before = m.answered_at_once
    assert m.send(b"AT\r") == b"0\r"
    assert m.answered_at_once == before
    assert m.send(b"AT\r") == b"0\r"
    assert m.answered_at_once == before + 1


def test_qistate_follows_every_change_of_a_socket() -> None:
    """The same line again, and the answer changes exactly when the socket does."""
    m = Driven(whole=True)
    assert m.send(b"AT+QISTATE\r") == OK
    m.send(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0\r')
    opening = b'\r\n+QISTATE: 0,"TCP","1.2.3.4",80,0,1,1,0,0,"uart1"\r\n' + OK
    assert m.send(b"AT+QISTATE\r") == opening
    assert m.send(b"AT+QISTATE\r") == opening
    m.step("event", Opened(0, ("10.0.0.2", 40000), ("1.2.3.4", 80)))
    connected = b'\r\n+QISTATE: 0,"TCP","1.2.3.4",80,40000,2,1,0,0,"uart1"\r\n' + OK
    assert m.send(b"AT+QISTATE\r") == connected
    assert m.send(b"AT+QISWTMD=0,1\r") == OK
    assert m.send(b"AT+QISTATE\r") == connected.replace(b",0,0,", b",0,1,")
    assert m.send(b"ATV0\r") == b"0\r"
    assert m.send(b"AT+QISTATE\r") == (
        b'+QISTATE: 0,"TCP","1.2.3.4",80,40000,2,1,0,1,"uart1"\r\n0\r'
    )
    m.step("event", PeerClosed(0))
    assert m.send(b"AT+QISTATE\r") == (
        b'+QISTATE: 0,"TCP","1.2.3.4",80,40000,4,1,0,1,"uart1"\r\n0\r'
    )


def test_a_repeated_query_clears_the_last_tcpip_error() -> None:
    m = Driven(whole=True)
    assert m.send(b"AT+QISTATE\r") == OK
    assert m.send(b"AT+QISEND=3,5\r") == b"\r\nERROR\r\n"
    assert m.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 572,operation not allowed\r\n" + OK
    assert m.send(b"AT+QISTATE\r") == OK
    assert m.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 0,operation success\r\n" + OK


def test_a_bare_at_answers_in_every_framing() -> None:
    m = Driven(whole=True)
    for setting, answer in [
        (b"ATE1\r", b"AT\r" + OK),
        (b"ATV0\r", b"AT\r0\r"),
        (b"ATQ1\r", b"AT\r"),
        (b"ATE0Q0V1\r", OK),
    ]:
        m.send(setting)
        assert m.send(b"AT\r\n") == answer
        assert m.send(b"at\r") == answer.replace(b"AT", b"at")


def test_a_line_ended_by_cr_lf_runs_from_its_plan_too() -> None:
    """Drivers end command lines with CR LF (TinyGSM, Zephyr, ESP-IDF): such a line gets a
    plan as well. Its echo stops at the CR, and its LF completes a held prompt's terminator
    at once, exactly as when the same bytes come one by one."""
    whole, stepped = Driven(whole=True), Driven(whole=False)
    for m in (whole, stepped):
        m.send(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0\r')
        m.step("event", Opened(0, ("10.0.0.2", 40000), ("1.2.3.4", 80)))
        m.step("event", Received(0, b"abcdefghij"))
        m.send(b"ATE1\r")
    for line in (b"AT+QIRD=0,4\r\n", b"AT+QISEND=0,2\r\n", b"hi"):
        assert whole.send(line) == stepped.send(line), line
    assert {b"AT+QIRD=0,4\r\n", b"AT+QISEND=0,2\r\n"} <= set(whole.engine._plans)
    assert whole.send(b"AT+QIRD=0,4\r\n") == b"AT+QIRD=0,4\r\r\n+QIRD: 4\r\nefgh\r\n" + OK
    assert whole.send(b"AT+QISEND=0,2\r\n") == b"AT+QISEND=0,2\r\r\n>"
    assert whole.send(b"\r\n") == b"\r\n\r\nSEND OK\r\n"  # echoed payload, then the result
    assert whole.engine.net.sent(0) == b"hi\r\n"  # type: ignore[attr-defined]


def test_a_repeated_line_runs_from_its_plan_with_the_same_bytes() -> None:
    """The second ``AT+QIRD=0,4`` runs from its plan, yet reads the next bytes (it ran),
    and echo set in between still applies."""
    m = Driven(whole=True)
    m.send(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0\r')
    m.step("event", Opened(0, ("10.0.0.2", 40000), ("1.2.3.4", 80)))
    m.step("event", Received(0, b"abcdefghij"))
    assert m.send(b"AT+QIRD=0,4\r") == b"\r\n+QIRD: 4\r\nabcd\r\n" + OK
    plan = m.engine._plans[b"AT+QIRD=0,4\r"]  # the next one is not read or parsed again,
    assert plan.run is not None  # and its arguments are not read again either
    assert m.send(b"AT+QIRD=0,4\r") == b"\r\n+QIRD: 4\r\nefgh\r\n" + OK
    m.send(b"ATE1\r")
    assert m.send(b"AT+QIRD=0,4\r") == b"AT+QIRD=0,4\r\r\n+QIRD: 2\r\nij\r\n" + OK
    for _ in range(2):  # out of range: remembered, but its handler reports it every time
        assert m.send(b"AT+QIRD=0,1501\r") == b"AT+QIRD=0,1501\r\r\nERROR\r\n"
    assert m.engine._plans[b"AT+QIRD=0,1501\r"].run is None
    # S3 gives the bytes their meaning: plans are forgotten when it changes
    whole, stepped = Driven(whole=True), Driven(whole=False)
    for line in (
        b"AT+QIRD=0,4\r",
        b"AT+QIRD=0,4\r",
        b"ATS3=10\r",
        b"AT+QIRD=0,4\r",
        b"\n",
        b"AT+QIRD=0,4\n",
        b"AT+QIRD=0,4\r",
    ):
        assert whole.send(line) == stepped.send(line), line


def _noisy_run(m: ModemView, count: int) -> Outcome:
    """A made-up command whose work queues a URC and an after-line action, and fails for
    a count of 0: what a prepared run must hold and report as the handler would."""
    if count == 0:
        raise CommandError(551)
    m.urc(Verbatim(f"+QNOISE: {count}"))
    m.after_line(lambda: m.urc(Verbatim("+QNOISE: after")))
    return None


def _noise_count(call: CommandCall) -> int:
    return Params(call, 1).integer(0, 0, 9)


def _prepare_noise(call: CommandCall) -> Run | None:
    count = _noise_count(call)
    return lambda m: _noisy_run(m, count)


NOISE = Registry()


@NOISE.command("+QNOISE", kind=Kind.TCPIP, forms=(Form.SET,), prepare=_prepare_noise)
def _noise(m: ModemView, call: CommandCall) -> Outcome:
    return _noisy_run(m, _noise_count(call))


def test_a_prepared_line_holds_its_urcs_and_errors_as_the_handler_does() -> None:
    """A remembered line of one command that declares ``prepare`` runs without its
    handler the second time: the URCs it queues still follow its ``OK``, its after-line
    actions still run, its errors still set ``AT+QIGETERROR``, byte for byte as the
    general path (one byte at a time, never a plan)."""
    registry = Registry.compose(*tables(), NOISE)
    whole = Driven(whole=True, registry=registry)
    stepped = Driven(whole=False, registry=registry)
    lines = [b"AT+QNOISE=3\r", b"AT+QNOISE=3\r", b"AT+QNOISE=0\r", b"AT+QNOISE=0\r"]
    lines += [b"AT+QIGETERROR\r", b"AT+QNOISE=3\r\n", b"AT+QNOISE=3\r\n"]
    for line in lines:
        assert whole.send(line) == stepped.send(line), line
    plan = whole.engine._plans[b"AT+QNOISE=3\r"]
    assert plan.run is not None and plan.spec is not None
    assert whole.send(b"AT+QNOISE=3\r") == (OK + b"\r\n+QNOISE: 3\r\n\r\n+QNOISE: after\r\n")
    assert whole.send(b"AT+QNOISE=0\r") == b"\r\nERROR\r\n"
    assert whole.send(b"AT+QIGETERROR\r") == (b"\r\n+QIGETERROR: 551,operation blocked\r\n" + OK)
