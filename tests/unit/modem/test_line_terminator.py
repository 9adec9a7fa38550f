"""The LF after a command's CR is never data (issue 10, item 1; docs/line-discipline.md).

Every data-entry and transparent path is driven byte by byte with an explicit clock: the same
command line is delivered in one write, one byte at a time, as a 115200-baud UART would (one
byte every 87 µs), and with the LF 100 µs after the CR. Each delivery must give the same
bytes to the host and the same payload to the peer. CR-only drivers get the prompt after
``lf_wait`` and may start their payload with an LF.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modemu.modem.profile import Profile, ProfileError, load_profile
from modemu.net.base import Opened, PeerClosed, Received

from .harness import OK, Modem

LF_WAIT = Profile().lf_wait
UART_BYTE = 10 / 115200
"""One byte time at 115200 baud, 8N1."""
PEER = ("127.0.0.1", 8009)
LOCAL = ("10.7.157.1", 5000)


def deliver_whole(m: Modem, data: bytes) -> bytes:
    return m.send(data)


def deliver_bytewise(m: Modem, data: bytes) -> bytes:
    return b"".join(m.send(bytes([b])) for b in data)


def deliver_uart(m: Modem, data: bytes) -> bytes:
    """One byte every byte time, timers firing in between as on a real port."""
    out = bytearray()
    for b in data:
        out += m.advance(UART_BYTE)
        out += m.send(bytes([b]))
    return bytes(out)


def deliver_lf_late(m: Modem, data: bytes) -> bytes:
    """Everything up to the CR in one write, the LF 100 µs later (two ``write()`` calls)."""
    head, sep, tail = data.partition(b"\r\n")
    if not sep:
        return m.send(data)
    out = m.send(head + b"\r")
    out += m.advance(100e-6)
    return out + m.send(b"\n" + tail)


DELIVERIES: list[Callable[[Modem, bytes], bytes]] = [
    deliver_whole,
    deliver_bytewise,
    deliver_uart,
    deliver_lf_late,
]
delivery = pytest.mark.parametrize("deliver", DELIVERIES, ids=lambda f: f.__name__[8:])


def booted(profile: Profile | None = None, echo: bool = False) -> Modem:
    m = Modem(profile)
    if not echo:
        assert m.cmd("ATE0") == b"ATE0\r" + OK
    assert m.cmd("AT+QIACT=1").endswith(OK)
    return m


def with_socket(
    mode: int = 0, service: str = "TCP", profile: Profile | None = None, echo: bool = False
) -> Modem:
    m = booted(profile, echo)
    if service == "UDP SERVICE":
        assert m.cmd(f'AT+QIOPEN=1,0,"UDP SERVICE","127.0.0.1",0,3030,{mode}').endswith(OK)
        m.engine.handle_net(Opened(0, ("127.0.0.1", 3030), None), m.now)
    else:
        assert m.cmd(f'AT+QIOPEN=1,0,"{service}","127.0.0.1",8009,0,{mode}').endswith(OK)
        m.engine.handle_net(Opened(0, LOCAL, PEER), m.now)
    assert m.take() == b"\r\n+QIOPEN: 0,0\r\n"
    return m


def command_then_payload(
    m: Modem, deliver: Callable[[Modem, bytes], bytes], line: bytes, payload: bytes
) -> bytes:
    """A driver that waits for the prompt: the line, then (after the answer) its payload."""
    out = deliver(m, line)
    out += m.advance(LF_WAIT * 2)
    return out + deliver(m, payload)


# -- QISEND, fixed length ---------------------------------------------------------------


@delivery
def test_fixed_length_send_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket()
    out = command_then_payload(m, deliver, b"AT+QISEND=0,5\r\n", b"hello")
    assert out == b"\r\n>hello\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"hello"
    assert m.cmd("AT") == OK  # nothing leaked into command mode


@delivery
def test_fixed_length_send_payload_with_the_line(deliver: Callable[[Modem, bytes], bytes]) -> None:
    """A driver that does not wait for ``>``: the LF is still terminator, not payload."""
    m = with_socket()
    out = deliver(m, b"AT+QISEND=0,5\r\nhello")
    assert out == b"\r\n>hello\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"hello"


def test_prompt_waits_for_the_terminator_to_complete() -> None:
    m = with_socket()
    assert m.send(b"AT+QISEND=0,5\r") == b""
    assert m.advance(LF_WAIT / 2) == b""
    assert m.send(b"\n") == b"\r\n>"  # the LF completes the terminator and is dropped
    assert m.send(b"hello") == b"hello\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"hello"


def test_cr_only_driver_gets_the_prompt_after_lf_wait_and_may_send_lf_as_data() -> None:
    m = with_socket()
    assert m.send(b"AT+QISEND=0,5\r") == b""
    assert m.engine.next_deadline() == pytest.approx(m.now + LF_WAIT)
    assert m.advance(LF_WAIT) == b"\r\n>"
    assert m.send(b"\nabcd") == b"\nabcd\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"\nabcd"


def test_cr_only_driver_payload_right_after_the_line() -> None:
    """The byte after the CR is not an LF: the terminator is complete, the byte is payload."""
    m = with_socket()
    assert m.send(b"AT+QISEND=0,3\rxyz") == b"\r\n>xyz\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"xyz"


def test_lf_wait_comes_from_the_profile() -> None:
    m = with_socket(profile=Profile(lf_wait=0.05))
    m.send(b"AT+QISEND=0,1\r")
    assert m.advance(0.049) == b""
    assert m.advance(0.001) == b"\r\n>"


@delivery
def test_echoed_line_then_prompt(deliver: Callable[[Modem, bytes], bytes]) -> None:
    """With ``ATE1`` the line is echoed up to its CR; the LF is neither echoed nor data."""
    m = with_socket(echo=True)
    out = command_then_payload(m, deliver, b"AT+QISEND=0,2\r\n", b"\n\n")
    assert out == b"AT+QISEND=0,2\r\r\n>\n\n\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"\n\n"


def test_urc_arriving_between_cr_and_prompt_waits_until_after_send_ok() -> None:
    m = with_socket()
    m.send(b"AT+QISEND=0,2\r")
    m.engine.handle_net(Received(0, b"zz"), m.now)
    assert m.take() == b""
    assert m.send(b"\nhi") == b'\r\n>hi\r\nSEND OK\r\n\r\n+QIURC: "recv",0\r\n'


# -- QISEND, variable length, hex, UDP service form -------------------------------------


@delivery
def test_variable_length_send_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket()
    out = command_then_payload(m, deliver, b"AT+QISEND=0\r\n", b"a\nb\x1a")
    assert out == b"\r\n>a\nb\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"a\nb"


@delivery
def test_hex_send_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket()
    assert m.cmd('AT+QICFG="dataformat",1,0') == OK
    out = command_then_payload(m, deliver, b"AT+QISEND=0,2\r\n", b"0A41")
    assert out == b"\r\n>0A41\r\nSEND OK\r\n"
    assert m.net.sent(0) == b"\nA"


@delivery
def test_udp_service_send_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket(service="UDP SERVICE")
    line = b'AT+QISEND=0,4,"127.0.0.1",5000\r\n'
    out = command_then_payload(m, deliver, line, b"ping")
    assert out == b"\r\n>ping\r\nSEND OK\r\n"
    assert m.net.calls_to("send")[-1] == (0, b"ping", ("127.0.0.1", 5000))


# -- transparent mode: QIOPEN access mode 2, ATO, QISWTMD to 2 ---------------------------


@delivery
def test_transparent_open_lf_before_the_connection(
    deliver: Callable[[Modem, bytes], bytes],
) -> None:
    m = booted()
    assert deliver(m, b'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009,0,2\r\n') == b""
    m.advance(0.2)
    m.engine.handle_net(Opened(0, LOCAL, PEER), m.now)
    assert m.take() == b"\r\nCONNECT\r\n"
    assert deliver(m, b"GET\n") == b""
    m.advance(1.0)
    assert m.net.sent(0) == b"GET\n"


def transparent_open_connected_at_the_cr() -> Modem:
    """``AT+QIOPEN`` in access mode 2 ended by CR alone, connected at once: no LF yet."""
    m = booted()
    m.send(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009,0,2\r')
    m.engine.handle_net(Opened(0, LOCAL, PEER), m.now)
    return m


def test_transparent_open_connected_before_the_lf() -> None:
    """The connection is up before the LF arrives: ``CONNECT`` waits for it."""
    m = transparent_open_connected_at_the_cr()
    assert m.take() == b""
    assert m.send(b"\n", dt=UART_BYTE) == b"\r\nCONNECT\r\n"
    m.send(b"x")
    m.advance(1.0)
    assert m.net.sent(0) == b"x"


def test_transparent_open_cr_only_driver() -> None:
    m = transparent_open_connected_at_the_cr()
    assert m.advance(LF_WAIT) == b"\r\nCONNECT\r\n"
    m.send(b"\nx")  # after CONNECT an LF is payload
    m.advance(1.0)
    assert m.net.sent(0) == b"\nx"


def escaped_to_command_mode(m: Modem) -> None:
    """Leave transparent mode with ``+++`` and its guard times."""
    m.advance(1.1)
    m.send(b"+++")
    assert m.advance(1.1) == OK


@delivery
def test_ato_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket(mode=1)
    assert m.cmd("AT+QISWTMD=0,2") == b""
    assert m.advance(LF_WAIT) == b"\r\nCONNECT\r\n"
    escaped_to_command_mode(m)
    m.engine.handle_net(Received(0, b"late"), m.now)
    assert m.take() == b'\r\n+QIURC: "recv",0\r\n'
    out = command_then_payload(m, deliver, b"ATO\r\n", b"\nq")
    assert out == b"\r\nCONNECT\r\nlate"
    m.advance(1.0)
    assert m.net.sent(0) == b"\nq"


@delivery
def test_switch_to_transparent_crlf_driver(deliver: Callable[[Modem, bytes], bytes]) -> None:
    m = with_socket(mode=1)
    m.engine.handle_net(Received(0, b"held"), m.now)
    assert m.take() == b'\r\n+QIURC: "recv",0,4\r\nheld\r\n'
    out = command_then_payload(m, deliver, b"AT+QISWTMD=0,2\r\n", b"ab\n")
    assert out == b"\r\nCONNECT\r\n"
    m.advance(1.0)
    assert m.net.sent(0) == b"ab\n"


# -- any split, any timing below lf_wait: same result -----------------------------------

SEND_LINES = [
    (b"AT+QISEND=0,5\r\n", b"hello"),
    (b"AT+QISEND=0\r\n", b"a\r\nb\x1a"),
    (b"AT+QISEND=0,2\r\n", b"\r\n"),
    (b"AT+QIRD=0,0\r\n", b""),
    (b"AT\r\n", b""),
]


@settings(max_examples=150, deadline=None)
@given(
    script=st.lists(st.sampled_from(SEND_LINES), min_size=1, max_size=6),
    gaps=st.lists(st.floats(min_value=0, max_value=LF_WAIT * 0.9), max_size=200),
)
def test_crlf_driver_any_split_any_gap_below_lf_wait(
    script: list[tuple[bytes, bytes]], gaps: list[float]
) -> None:
    """Byte gaps shorter than ``lf_wait`` never change what host and peer see."""
    reference, timed = with_socket(), with_socket()
    expected = bytearray()
    got = bytearray()
    byte_gaps = iter(gaps)
    for line, payload in script:
        expected += command_then_payload(reference, deliver_whole, line, payload)
        for b in line:
            got += timed.advance(next(byte_gaps, 0.0))
            got += timed.send(bytes([b]))
        got += timed.advance(LF_WAIT * 2)
        got += deliver_whole(timed, payload)
    assert bytes(got) == bytes(expected)
    assert timed.net.sent(0) == reference.net.sent(0)


# -- data-entry failures go through the engine's error rendering (item 7b) --------------


@pytest.mark.parametrize(
    ("cmee", "answer"),
    [
        (b"0", b"\r\nERROR\r\n"),
        (b"1", b"\r\n+CME ERROR: 552\r\n"),
        (b"2", b"\r\n+CME ERROR: invalid parameters\r\n"),
    ],
)
def test_variable_length_overflow_follows_cmee_with_cme_qi_errors(
    cmee: bytes, answer: bytes
) -> None:
    m = with_socket(profile=Profile(qi_errors_as_cme=True))
    assert m.send(b"AT+CMEE=" + cmee + b"\r\n") == OK
    assert m.send(b"AT+QISDE=0;+QISEND=0\r\n") == b"\r\n>"
    assert m.send(b"x" * 1461 + b"\x1a") == answer
    assert m.cmd("AT+QIGETERROR") == b"\r\n+QIGETERROR: 552,invalid parameters\r\n" + OK


def test_send_on_a_closed_socket_and_timeout_follow_cmee() -> None:
    m = with_socket(profile=Profile(qi_errors_as_cme=True))
    assert m.cmd("AT+CMEE=1;+QISDE=0") == OK
    assert m.cmd('AT+QICFG="qisend/timeout",1') == OK
    m.send(b"AT+QISEND=0,5\r\n")
    assert m.advance(1.0) == b"\r\n+CME ERROR: 569\r\n"
    assert m.cmd("AT+QIGETERROR") == b"\r\n+QIGETERROR: 569,operation timeout\r\n" + OK


def test_malformed_tcpip_line_follows_cmee_with_cme_qi_errors() -> None:
    m = booted(Profile(qi_errors_as_cme=True))
    assert m.cmd("AT+CMEE=1") == OK
    assert m.cmd('AT+QIOPEN=1,0,"TCP') == b"\r\n+CME ERROR: 552\r\n"
    assert m.cmd("AT+CMEE=0") == OK
    assert m.cmd('AT+QIOPEN=1,0,"TCP') == b"\r\nERROR\r\n"


def test_transparent_open_peer_data_and_close_while_connect_waits() -> None:
    """Net events that arrive while ``CONNECT`` waits for the LF are handled after it: the
    host sees ``CONNECT``, the data, then ``NO CARRIER``, as with an immediate ``CONNECT``."""
    m = transparent_open_connected_at_the_cr()
    m.engine.handle_net(Received(0, b"bye"), m.now)
    m.engine.handle_net(PeerClosed(0, False), m.now)
    assert m.take() == b""
    assert m.advance(LF_WAIT) == b"\r\nCONNECT\r\nbye\r\nNO CARRIER\r\n"
    assert m.cmd("AT") == OK  # command mode again


def test_lf_wait_from_a_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "slow-lf.toml"
    path.write_text("version = 1\n[module]\nlf_wait = 0.05\n", encoding="utf-8")
    assert load_profile(path).lf_wait == 0.05


@pytest.mark.parametrize("value", [0, -0.001, 1.5])
def test_lf_wait_out_of_range_is_a_clear_error(value: float) -> None:
    with pytest.raises(ProfileError, match="lf_wait"):
        Profile().with_overrides(lf_wait=value)
