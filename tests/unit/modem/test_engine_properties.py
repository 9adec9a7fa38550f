"""Property tests for the engine's byte interface (issue "Foundation", Tests section):

- random bytes, in random chunks and with time passing, never raise;
- any split of an input gives the same output as the unsplit input;
- every complete command line gets exactly one final result;
- after any garbage, ``\\r`` then ``AT\\r`` is answered ``OK``.

Explicit clock, FakeNet, no event loop. ``max_examples`` is bounded so the file stays fast.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modemu.net.base import (
    AllAcked,
    Closed,
    Incoming,
    NetFailure,
    NtpFailed,
    NtpResult,
    Opened,
    OpenFailed,
    PdpDeactivated,
    PeerClosed,
    PingDone,
    PingFailed,
    PingReply,
    PingTimeout,
    Received,
    Resolved,
    ResolveFailed,
)

from .harness import OK, Modem

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that are complete commands on their own (with their terminator). None of them
# powers the module off (see test_engine_power.py for the xfail on that case) or leaves
# command mode.
LINES: list[bytes] = [
    b"AT\r",
    b"at\r",
    b"ATI\r",
    b"AT+CSQ\r",
    b"AT+CGMI;+CGSN\r",
    b"AT+CSQ;+FOO;+CGMI\r",
    b"AT+FOO\r",
    b"AT+CSQ?\r",
    b"AT+CPIN?\r",
    b"AT+CPIN=1234\r",
    b"AT+CMEE=2\r",
    b"AT+CMEE=0\r",
    b"AT+CMEE=1\r",
    b"AT+CMEE=9\r",
    b"AT+CREG=2;+CREG?\r",
    b"AT+CEREG?\r",
    b"AT+COPS?\r",
    b"AT+CGATT?\r",
    b'AT+QICSGP=1,1,"a;b,c","u","p",1\r',
    b"AT+QICSGP=1\r",
    b"AT+QICSGP=0\r",
    b"AT+QIACT=1\r",
    b"AT+QIACT=2\r",
    b"AT+QIACT=3\r",
    b"AT+QIACT=4\r",
    b"AT+QIACT?\r",
    b"AT+QIDEACT=1\r",
    b"AT+QIGETERROR\r",
    b"AT+CGPADDR\r",
    b"AT+CGPADDR=1\r",
    b"AT&V\r",
    b"ATS0=3\r",
    b"ATS0?\r",
    b"AT+CCLK?\r",
    b"AT+QLTS=2\r",
    b'AT+CCLK="21/01/02,03:04:05+32"\r',
    b"AT+CFUN=0\r",
    b"AT+CFUN=1\r",
    b"AT+CFUN?\r",
    b"AT+QIACT=1;+QIACT=1\r",
    b"AT+CTZR=1;+CTZU?\r",
    b"ATH\r",
    b"AT+QICLOSE=\r",
    b"AT+CSQ=?\r",
    b"AT+QIACT=?\r",
    b'AT"\r',
    b"AT+QIACT=1,,\r",
    b"AT + CSQ\r",
    b"A/",
]
# Lines that change how later answers look; fine for split invariance, not for counting.
FRAMING_LINES: list[bytes] = [
    b"ATE0\r",
    b"ATE1\r",
    b"ATV0\r",
    b"ATV1\r",
    b"ATQ1\r",
    b"ATQ0\r",
    b"AT&F\r",
    b"ATZ\r",
    b"ATE0V1Q0\r",
    b"ATS3=13\r",
    b"ATS5=8\r",
]
NOISE: list[bytes] = [b"\n", b"\r", b"\r\n", b"\x1a", b"+++", b" ", b"\x00", b"\xff", b"xyz"]

lines = st.lists(st.sampled_from(LINES), min_size=1, max_size=12)
mixed_input = st.lists(
    st.one_of(st.sampled_from(LINES + FRAMING_LINES), st.sampled_from(NOISE)),
    min_size=1,
    max_size=16,
).map(b"".join)
# Garbage that cannot spell a command changing framing, line ending or power
# (no V, Q, S, Z, F, O, C letters): it may still spell AT, ATE0, ATI, A/, AT+…
SAFE_ALPHABET = b'AaTtEeIi0123+=?;,"/ &\x00\x01\x08\x09\x0a\x0d\x1a\x1b\x7f\x80\xfe\xff'
_UNSAFE = b"VvQqSsZzFfOoCc"
_MASK = bytes.maketrans(_UNSAFE, b"x" * len(_UNSAFE))
safe_garbage = st.one_of(
    st.binary(max_size=300).map(lambda b: b.translate(_MASK)),
    st.lists(st.sampled_from(list(SAFE_ALPHABET)), max_size=300).map(bytes),
)


def fresh(echo: bool = False) -> Modem:
    m = Modem()
    if not echo:
        assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


def feed(modem: Modem, chunks: list[bytes]) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += modem.send(chunk)
    return bytes(out)


# ---------------------------------------------------------------------------------------


@FAST
@given(
    data=st.lists(
        st.tuples(
            st.one_of(
                st.binary(max_size=64),
                st.sampled_from(LINES + FRAMING_LINES + NOISE),
                st.sampled_from(
                    [
                        b"AT+CFUN=1,1\r",
                        b"AT+QPOWD\r",
                        b"ATS3=10\r",
                        b"ATS5=0\r",
                        b"AT+QISEND=0\r",
                        b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80\r',
                        b"ATO\r",
                        b"AT+QISWTMD=0,2\r",
                        b"AT+QIRD=0\r",
                    ]
                ),
            ),
            st.floats(min_value=0, max_value=3),
        ),
        max_size=20,
    )
)
def test_random_bytes_never_raise(data: list[tuple[bytes, float]]) -> None:
    m = fresh(echo=True)
    for chunk, dt in data:
        m.send(chunk)
        m.advance(dt)
    m.advance(5.0)
    m.send(b"\r")


@FAST
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(min_value=0), max_size=20))
def test_random_bytes_any_split_same_output(data: bytes, cuts: list[int]) -> None:
    whole, parts = fresh(echo=True), fresh(echo=True)
    assert feed(parts, split_at(data, cuts)) == feed(whole, [data])


@FAST
@given(data=mixed_input, cuts=st.lists(st.integers(min_value=0), max_size=30))
def test_valid_input_any_split_same_output(data: bytes, cuts: list[int]) -> None:
    whole, parts = fresh(echo=True), fresh(echo=True)
    assert feed(parts, split_at(data, cuts)) == feed(whole, [data])


@FAST
@given(data=mixed_input)
def test_byte_at_a_time_same_output(data: bytes) -> None:
    whole, parts = fresh(), fresh()
    assert feed(parts, [bytes([b]) for b in data]) == feed(whole, [data])


FINAL = re.compile(rb"\r\n(?:OK|ERROR|\+CME ERROR: [^\r\n]*)\r\n")
URCS_ONLY = re.compile(rb"(?:\r\n\+[A-Z]+: [^\r\n]*\r\n)*")
"""What may follow a final result within the same answer: URCs the command released (e.g.
``AT+CFUN=0`` with ``+CREG=2`` answers ``OK`` then ``+CREG: 0``, as the module does)."""


@FAST
@given(commands=lines, noise=st.lists(st.sampled_from(NOISE[:5]), max_size=12))
def test_every_command_line_gets_exactly_one_final_result(
    commands: list[bytes], noise: list[bytes]
) -> None:
    m = fresh()
    out = bytearray()
    for index, line in enumerate(commands):
        before = len(out)
        out += m.send(line)
        if index < len(noise):
            out += m.send(noise[index])  # noise between lines never adds an answer
        answer = bytes(out[before:])
        finals = list(FINAL.finditer(answer))
        assert len(finals) == 1, (line, answer)
        assert URCS_ONLY.fullmatch(answer[finals[0].end() :]), (line, answer)


def test_final_result_then_registration_urc_counts_once() -> None:
    """The example Hypothesis found: ``+CREG: 0`` after ``OK`` of ``AT+CFUN=0`` is a URC,
    not a second answer (issue 10, item 7a)."""
    m = fresh()
    m.send(b"AT+CREG=2;+CREG?\r")
    answer = m.send(b"AT+CFUN=0\r")
    assert answer == OK + b"\r\n+CREG: 0\r\n"
    finals = list(FINAL.finditer(answer))
    assert len(finals) == 1
    assert URCS_ONLY.fullmatch(answer[finals[0].end() :])


@FAST
@given(garbage=safe_garbage)
def test_after_garbage_cr_then_at_gives_ok(garbage: bytes) -> None:
    for echo in (False, True):
        m = fresh(echo)
        m.send(garbage)
        m.send(b"\r")
        assert m.send(b"AT\r").endswith(b"\r\nOK\r\n")


@FAST
@given(garbage=safe_garbage)
def test_after_garbage_ending_in_a_control_byte_at_gives_ok(garbage: bytes) -> None:
    """A control byte other than S3/S5/LF/TAB abandons a started line: no CR needed."""
    m = fresh()
    m.send(garbage + b"\x00")
    assert m.send(b"AT\r").endswith(OK)


# ---------------------------------------------------------------------------------------
# With sockets: network events interleaved with host bytes, and data-entry splits.

conn = st.integers(min_value=0, max_value=11)
req = st.integers(min_value=0, max_value=4)
local = st.just(("10.7.157.1", 5000))
remote = st.just(("1.2.3.4", 80))
failures = st.sampled_from(list(NetFailure))
net_events = st.one_of(
    st.builds(Opened, conn, local, st.one_of(st.none(), remote)),
    st.builds(OpenFailed, conn, failures),
    st.builds(Received, conn, st.binary(max_size=3000), st.one_of(st.none(), remote)),
    st.builds(PeerClosed, conn, st.booleans()),
    st.builds(Closed, conn),
    st.builds(Incoming, conn, req, remote, local),
    st.builds(AllAcked, conn, req, st.booleans()),
    st.builds(Resolved, req, st.just(("1.1.1.1", "8.8.8.8")), st.integers(0, 600)),
    st.builds(ResolveFailed, req, failures),
    st.builds(PingReply, req, st.just("1.2.3.4"), st.just(32), st.integers(0, 999), st.just(64)),
    st.builds(PingTimeout, req),
    st.builds(PingFailed, req, failures),
    st.builds(PingDone, req),
    st.builds(NtpResult, req, st.floats(min_value=0, max_value=4e9)),
    st.builds(NtpFailed, req, failures),
    st.builds(PdpDeactivated, st.integers(min_value=1, max_value=15)),
)
SOCKET_LINES: list[bytes] = [
    b"AT+QIACT=1\r",
    b"AT+QIDEACT=1\r",
    *(b'AT+QIOPEN=1,%d,"TCP","1.2.3.4",80,0,%d\r' % (c, a) for c in (0, 1) for a in (0, 1, 2)),
    b'AT+QIOPEN=1,2,"UDP","1.2.3.4",80,0,1\r',
    b'AT+QIOPEN=1,3,"TCP LISTENER","127.0.0.1",0,2000,0\r',
    b'AT+QIOPEN=1,4,"UDP SERVICE","127.0.0.1",0,2001,1\r',
    b"AT+QISEND=0,5\rhello",
    b"AT+QISEND=0,5\r\nhello",
    b"AT+QISEND=0\rabc\x1a",
    b"AT+QISEND=0\r\nabc\x1a",
    b"AT+QISEND=0\rabc\x1b",
    b"AT+QISEND=0,0\r",
    b"AT+QISEND=2,3\rxyz",
    b'AT+QISENDEX=0,"4142"\r',
    b"AT+QIRD=0\r",
    b"AT+QIRD=0,0\r",
    b"AT+QIRD=4\r",
    b"AT+QISTATE\r",
    b"AT+QISTATE=1,0\r",
    b"AT+QICLOSE=0\r",
    b"AT+QICLOSE=3,0\r",
    b"AT+QISWTMD=0,1\r",
    b"AT+QISWTMD=1,2\r",
    b"ATO\r",
    b"ATO\r\n",
    b"AT+QISWTMD=0,2\r\n",
    b"+++",
    b'AT+QICFG="viewmode",1\r',
    b'AT+QICFG="dataformat",1,1\r',
    b'AT+QPING=1,"1.2.3.4"\r',
    b'AT+QIDNSGIP=1,"x.com"\r',
    b'AT+QNTP=1,"pool.ntp.org"\r',
]
host_bytes = st.one_of(
    st.sampled_from(SOCKET_LINES + LINES + FRAMING_LINES + NOISE), st.binary(max_size=64)
)
step = st.one_of(
    host_bytes.map(lambda b: ("host", b)),
    net_events.map(lambda e: ("net", e)),
    st.floats(min_value=0, max_value=3).map(lambda t: ("time", t)),
    st.booleans().map(lambda w: ("writable", w)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=40))
def test_bytes_net_events_and_time_never_raise(steps: list[tuple[str, Any]]) -> None:
    m = fresh(echo=True)
    m.cmd("AT+QIACT=1")
    for kind, value in steps:
        if kind == "host":
            m.send(value)
        elif kind == "net":
            m.engine.handle_net(value, m.now)
        elif kind == "time":
            m.advance(value)
        else:
            m.engine.set_host_writable(value)
        m.take()
    m.engine.set_host_writable(True)
    m.advance(200.0)


DATA_ENTRY: list[bytes] = [
    b"AT+QISEND=0,5\r\nhello",  # CRLF drivers: the LF completes the terminator
    b"AT+QISEND=0,3\r\n\n\r\n",  # ...and an LF after the prompt is data
    b"AT+QISEND=0\r\na\nb\x1a",
    b"AT+QISEND=0,5\rhello",
    b"AT+QISEND=0\rab\rc\x1a",
    b"AT+QISEND=0\rabc\x1b",
    b"AT+QISEND=0,0\r",
    b'AT+QISENDEX=0,"4142"\r',
    b"AT+QIRD=0\r",
    b"AT+QIRD=0,0\r",
    b"AT+QISTATE=1,0\r",
    b"AT+QISEND=1,3\rxyz",
    b"AT+QISEND=5,3\r",
]


def _with_socket() -> Modem:
    m = fresh()
    assert m.cmd("AT+QIACT=1") == OK
    assert m.cmd('AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0') == OK
    m.engine.handle_net(Opened(0, ("10.7.157.1", 5000), ("1.2.3.4", 80)), m.now)
    m.engine.handle_net(Received(0, b"0123456789"), m.now)
    assert m.take() == b'\r\n+QIOPEN: 0,0\r\n\r\n+QIURC: "recv",0\r\n'
    return m


@FAST
@given(
    data=st.lists(st.sampled_from(DATA_ENTRY + LINES), min_size=1, max_size=10).map(b"".join),
    cuts=st.lists(st.integers(min_value=0), max_size=30),
)
def test_data_entry_any_split_same_output(data: bytes, cuts: list[int]) -> None:
    whole, parts = _with_socket(), _with_socket()
    assert feed(parts, split_at(data, cuts)) == feed(whole, [data])
    assert parts.net.calls == whole.net.calls
