"""The spec's "bad input" rules (§1.1, §16) and the line discipline's documented choices
(docs/line-discipline.md), seen through the engine."""

from __future__ import annotations

import pytest

from modemu.modem.profile import Profile

from .harness import ERROR, OK, Modem, info


def test_overlong_line_answers_error_and_the_port_stays_usable(modem_echo: Modem) -> None:
    m = modem_echo
    line = b"AT" + b"E" * 1025 + b"\r"
    assert m.send(line) == line + ERROR  # echoed in full, nothing past 1024 stored
    assert m.send(b"AT\r") == b"AT\r" + OK


def test_line_of_exactly_max_line_is_executed(modem: Modem) -> None:
    assert modem.send(b"AT" + b"E0" * 512 + b"\r") == OK
    assert modem.send(b"AT" + b"E0" * 512 + b"E\r") == ERROR
    assert modem.cmd("AT") == OK


def test_max_line_from_profile() -> None:
    m = Modem(Profile(max_line=64))
    m.cmd("ATE0")
    assert m.send(b"AT" + b"E0" * 32 + b"\r") == OK
    assert m.send(b"AT" + b"E0" * 32 + b"1\r") == ERROR


def test_overlong_line_in_v0(modem: Modem) -> None:
    modem.cmd("ATV0")
    assert modem.send(b"AT" + b"x" * 2000 + b"\r") == b"4\r"


def test_overlong_line_is_not_what_a_slash_repeats(modem: Modem) -> None:
    assert modem.cmd("AT+CSQ") == info("+CSQ: 28,99")
    assert modem.send(b"AT" + b"x" * 2000 + b"\r") == ERROR
    assert modem.send(b"A/") == info("+CSQ: 28,99")


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        (b"AT\x00\r", b"AT"),  # NUL abandons the line: no answer at all
        (b"AT+CSQ\xff\r", b"AT+CSQ"),
        (b"AT+CSQ\x1b\r", b"AT+CSQ"),
        (b"AT\x1a\r", b"AT"),
        (b"\xff\xfe\x00\x80AT\r", b"AT\r" + OK),  # before the prefix: ignored
        (b"\x1a", b""),  # stray Ctrl-Z after a fixed-length send (S7)
        (b"+++", b""),  # escape sequence in command state (S5)
        (b"\r\n\r\n", b""),
        (bytes(range(256)), b"Aa"),  # each A is echoed, then abandoned at the next byte
    ],
    ids=["nul", "ff", "esc", "ctrl-z", "before-prefix", "lone-ctrl-z", "plus", "crlf", "all"],
)
def test_binary_garbage(modem_echo: Modem, garbage: bytes, expected: bytes) -> None:
    m = modem_echo
    assert m.send(garbage) == expected
    assert m.send(b"\rAT\r").endswith(b"AT\r" + OK)


def test_garbage_ending_inside_a_printable_line_needs_a_cr_first(modem: Modem) -> None:
    """A started printable line is a line: the next AT is appended to it."""
    assert modem.send(b"xxATyy") == b""
    assert modem.send(b"AT\r") == ERROR  # the line was "ATyyAT"
    assert modem.send(b"AT\r") == OK
    assert modem.send(b"xxATyy") == b""
    assert modem.send(b"\r") == ERROR  # CR first: "ATyy" is answered…
    assert modem.send(b"AT\r") == OK  # …and the port is clean


def test_garbage_ending_with_a_control_byte_needs_nothing(modem: Modem) -> None:
    assert modem.send(b"xxATyy\x00") == b""
    assert modem.send(b"AT\r") == OK


def test_flood_without_cr_stays_bounded(modem_echo: Modem) -> None:
    """Megabytes without S3: the reader never stores more than max_line, the engine holds
    nothing back, and the line is answered ERROR once its CR comes."""
    m = modem_echo
    reader = m.engine._reader
    chunk = bytes(range(0x20, 0x7F)) * 690  # 65,550 printable bytes
    m.send(b"AT")
    total = 0
    while total < 2_000_000:
        out = m.send(chunk)
        assert out == chunk  # echoed as typed
        assert len(reader._buf) <= reader.max_line
        assert not m.engine._inbox
        total += len(chunk)
    assert m.send(b"\r") == b"\r" + ERROR
    assert m.send(b"AT\r") == b"AT\r" + OK


def test_binary_flood_stays_bounded(modem: Modem) -> None:
    m = modem
    reader = m.engine._reader
    chunk = bytes(range(256)) * 256
    for _ in range(32):  # 2 MiB
        assert m.send(chunk) == b""
        assert len(reader._buf) <= reader.max_line
        assert not m.engine._inbox
    assert m.send(b"\rAT\r") == OK


def test_lf_and_blank_lines_between_commands(modem: Modem) -> None:
    assert modem.send(b"AT\r\n\r\nAT+CSQ\r\n") == OK + info("+CSQ: 28,99")
    assert modem.send(b"\n\n\r\r") == b""


def test_qiclose_with_no_id_is_error_and_port_usable(modem: Modem) -> None:
    """Spec §16: one driver sends AT+QICLOSE= by mistake."""
    assert modem.cmd("AT+QICLOSE=") == ERROR
    assert modem.cmd("AT") == OK


def test_lowercase_and_mixed_case(modem: Modem) -> None:
    assert modem.cmd("at+csq") == info("+CSQ: 28,99")
    assert modem.cmd("At+CsQ") == info("+CSQ: 28,99")
    assert modem.cmd("aT") == OK


def test_input_while_off_is_dropped_not_queued() -> None:
    m = Modem(boot=False)
    assert m.send(b"AT\r") == b""
    assert m.advance(0.0).endswith(b"+QIND: SMS DONE\r\n")
    assert m.take() == b""
