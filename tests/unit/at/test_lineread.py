"""Table-driven tests for the module's command-line discipline (modemu.at.lineread).

The behaviour tested here is the one the module docstring documents and
``docs/line-discipline.md`` restates.
"""

from __future__ import annotations

import pytest

from modemu.at.lineread import (
    CommandLine,
    CommandLineReader,
    LineEvent,
    LineTooLong,
    RepeatLine,
)


def run(
    data: bytes, reader: CommandLineReader | None = None, echo: bool = True
) -> tuple[list[LineEvent], bytes]:
    """Feed ``data`` completely; return the events and the echoed bytes."""
    r = reader if reader is not None else CommandLineReader()
    events: list[LineEvent] = []
    echoed = bytearray()
    pos = 0
    while pos < len(data):
        fed = r.feed(data[pos:], echo)
        assert fed.consumed > 0
        pos += fed.consumed
        echoed += fed.echo
        if fed.event is not None:
            events.append(fed.event)
    return events, bytes(echoed)


def line(body: str) -> CommandLine:
    return CommandLine(body)


TABLE = [
    # input bytes                    events                           echo
    (b"AT\r", [line("")], b"AT\r"),
    (b"at\r", [line("")], b"at\r"),
    (b"aT+csq\r", [line("+csq")], b"aT+csq\r"),
    (b"AT+CSQ\rAT\r", [line("+CSQ"), line("")], b"AT+CSQ\rAT\r"),
    # bytes before the AT prefix are dropped silently (spec §1.1), LF after CR too
    (b"xyz\x1a+++AT\r", [line("")], b"AT\r"),
    (b"\r\n\r\nAT\r\n", [line("")], b"AT\r"),
    (b"\x00\xff\x1bAT\r", [line("")], b"AT\r"),
    (b"T\r", [], b""),
    # an A not followed by T (or /) is abandoned; the byte may start a new A
    (b"AAT\r", [line("")], b"AAT\r"),
    (b"AxAT\r", [line("")], b"AAT\r"),
    (b"A\rAT\r", [line("")], b"AAT\r"),
    # A/ repeats at once, no S3 needed; a/ too
    (b"A/", [RepeatLine()], b"A/"),
    (b"a/", [RepeatLine()], b"a/"),
    (b"A/\r", [RepeatLine()], b"A/"),
    (b"AT/\r", [line("/")], b"AT/\r"),
    # backspace (S5) edits, and past the T removes the prefix
    (b"AT+CSX\x08Q\r", [line("+CSQ")], b"AT+CSX\x08Q\r"),
    (b"ATE0\x08\x081\r", [line("1")], b"ATE0\x08\x081\r"),
    (b"AT\x08T\r", [line("")], b"AT\x08T\r"),
    (b"AT\x08\x08AT\r", [line("")], b"AT\x08\x08AT\r"),
    (b"A\x08T\r", [], b"A\x08"),
    (b"AT\x08\x08\x08\r", [], b"AT\x08\x08"),
    # LF and TAB inside a line are dropped, not echoed
    (b"AT\tE\n1\r", [line("E1")], b"ATE1\r"),
    # binary garbage inside a line abandons it silently; the next AT is fine
    (b"AT\x00\rAT\r", [line("")], b"ATAT\r"),
    (b"ATE\xff0\rAT\r", [line("")], b"ATEAT\r"),
    (b"AT\x1a\rAT\r", [line("")], b"ATAT\r"),
    (b"AT\x7f\r", [], b"AT"),
    (b"a\x00t\r", [], b"a"),
    # printable bytes after AT keep the line open until S3
    (b"ATyy", [], b"ATyy"),
    (b"xxATyy\r", [line("yy")], b"ATyy\r"),
    # latin-1 decoding of the body, case kept
    (b'AT+QICSGP=1,1,"CMnet"\r', [line('+QICSGP=1,1,"CMnet"')], b'AT+QICSGP=1,1,"CMnet"\r'),
]


@pytest.mark.parametrize(("data", "events", "echo"), TABLE)
def test_line_discipline(data: bytes, events: list[LineEvent], echo: bytes) -> None:
    assert run(data) == (events, echo)


@pytest.mark.parametrize(("data", "events", "_echo"), TABLE)
def test_echo_off_same_events_no_echo(data: bytes, events: list[LineEvent], _echo: bytes) -> None:
    assert run(data, echo=False) == (events, b"")


@pytest.mark.parametrize(("data", "events", "_echo"), TABLE)
def test_byte_at_a_time_is_the_same(data: bytes, events: list[LineEvent], _echo: bytes) -> None:
    r = CommandLineReader()
    got: list[LineEvent] = []
    echoed = b""
    for byte in data:
        more, e = run(bytes([byte]), r)
        got += more
        echoed += e
    assert (got, echoed) == (events, _echo)


def test_feed_stops_after_each_line() -> None:
    r = CommandLineReader()
    fed = r.feed(b"AT+QISEND=0\rpayload", echo=True)
    assert fed.consumed == len(b"AT+QISEND=0\r")
    assert fed.event == line("+QISEND=0")
    assert fed.echo == b"AT+QISEND=0\r"
    fed = r.feed(b"A/AT\r", echo=True)
    assert fed.consumed == 2
    assert fed.event == RepeatLine()


def test_mid_line_and_reset() -> None:
    r = CommandLineReader()
    assert not r.mid_line
    r.feed(b"xx", echo=True)
    assert not r.mid_line
    r.feed(b"A", echo=True)
    assert r.mid_line
    r.feed(b"T+C", echo=True)
    assert r.mid_line
    r.reset()
    assert not r.mid_line
    assert run(b"SQ\rAT\r", r) == ([line("")], b"AT\r")


def test_max_line_boundary() -> None:
    r = CommandLineReader(max_line=8)
    assert run(b"AT12345678\r", r) == ([line("12345678")], b"AT12345678\r")
    assert run(b"AT123456789\r", r) == ([LineTooLong()], b"AT123456789\r")
    # the next line is fine
    assert run(b"AT\r", r) == ([line("")], b"AT\r")


def test_overflow_stores_nothing_past_the_limit_and_backspace_does_not_revive() -> None:
    r = CommandLineReader(max_line=8)
    events, _ = run(b"AT" + b"x" * 5000, r)
    assert events == []
    assert len(r._buf) <= 8
    events, _ = run(b"\x08" * 100 + b"\r", r)
    assert events == [LineTooLong()]
    assert run(b"AT\r", r)[0] == [line("")]


def test_garbage_abandons_an_overlong_line() -> None:
    r = CommandLineReader(max_line=8)
    assert run(b"AT" + b"x" * 20 + b"\x00\rAT\r", r)[0] == [line("")]


def test_default_max_line_is_1024() -> None:
    assert CommandLineReader().max_line == 1024
    assert run(b"AT" + b"E" * 1024 + b"\r")[0] == [line("E" * 1024)]
    assert run(b"AT" + b"E" * 1025 + b"\r")[0] == [LineTooLong()]


def test_s3_change() -> None:
    r = CommandLineReader()
    r.s3 = 0x0A
    # LF now ends the line; CR is then a control byte and abandons a line
    assert run(b"AT\n", r) == ([line("")], b"AT\n")
    assert run(b"AT\r\nAT\n", r) == ([line("")], b"ATAT\n")
    assert run(b"\rAT\n", r) == ([line("")], b"AT\n")


def test_s5_change() -> None:
    r = CommandLineReader()
    r.s5 = 0x7F
    assert run(b"ATX\x7f\r", r) == ([line("")], b"ATX\x7f\r")
    # the old backspace is now a control byte: the line is abandoned
    assert run(b"ATX\x08\rAT\r", r) == ([line("")], b"ATXAT\r")
