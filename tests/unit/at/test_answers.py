"""The +QIRD answer line <-> its shapes (spec §7.1), as the module prints it."""

from __future__ import annotations

import pytest

from modemu.at import render
from modemu.at.answers import (
    AnswerSyntaxError,
    ReadAnswer,
    ReadCounters,
    ReadHeader,
    parse_read_line,
)

WIRE: list[tuple[bytes, ReadAnswer]] = [
    (b"\r\n+QIRD: 0\r\n", ReadHeader(0)),
    (b"\r\n+QIRD: 1500\r\n", ReadHeader(1500)),
    (b'\r\n+QIRD: 4,"10.7.76.34",7000\r\n', ReadHeader(4, ("10.7.76.34", 7000))),
    (b"\r\n+QIRD: 10,8,2\r\n", ReadCounters(10, 8, 2)),
]


@pytest.mark.parametrize(("wire", "answer"), WIRE, ids=[w.decode().strip() for w, _ in WIRE])
def test_render_and_parse(wire: bytes, answer: ReadAnswer) -> None:
    assert render.info([answer.render()], verbose=True) == wire
    assert parse_read_line(wire.decode().strip()) == answer


@pytest.mark.parametrize("line", ["+QIRD: x", "+QIRD: 1,2", '+QIRD: 1,"a"', "+QIRD: 1,2,3,4"])
def test_malformed_answers_are_rejected(line: str) -> None:
    with pytest.raises(AnswerSyntaxError):
        parse_read_line(line)


def test_other_lines_are_not_read_answers() -> None:
    assert parse_read_line("+QISEND: 1,2,3") is None
    assert parse_read_line("OK") is None
