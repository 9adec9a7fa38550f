"""Exchanges, answer shapes, masks and verdicts, without any module."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from modemu.tools.exchanges import Shape, iter_exchanges, open_transcript, split_units
from modemu.tools.masks import mask_line
from modemu.tools.replay import RecordedTarget, play
from modemu.tools.verdict import Outcome, Palette, judge, render
from modemu.trace import Chunk, Event

from .session_kit import write_transcript


def test_exchanges_group_host_sends_and_answers(tmp_path: Path) -> None:
    path = write_transcript(
        tmp_path / "s.jsonl",
        [
            ("tx", b"\r\nRDY\r\n"),
            ("rx", b"A"),
            ("rx", b"T\r"),
            ("tx", b"AT\r"),
            ("tx", b"\r\nOK\r\n"),
            ("rx", b"AT+QISEND=0,5\r"),
            ("tx", b"AT+QISEND=0,5\r\r\n>"),
            ("rx", b"hello"),
            ("tx", b"\r\nSEND OK\r\n"),
        ],
    )
    _header, records = open_transcript(path)
    exchanges = list(iter_exchanges(records))
    assert [(e.number, e.line, e.sent, e.expected) for e in exchanges] == [
        (0, 2, b"", b"\r\nRDY\r\n"),
        (1, 3, b"AT\r", b"AT\r\r\nOK\r\n"),
        (2, 7, b"AT+QISEND=0,5\r", b"AT+QISEND=0,5\r\r\n>"),
        (3, 9, b"hello", b"\r\nSEND OK\r\n"),
    ]
    assert all(isinstance(r, Chunk | Event) for e in exchanges for r in e.records)


def test_units() -> None:
    assert split_units(b"AT\r\r\nOK\r\n\r\n>") == ([b"AT\r\r\n", b"OK\r\n", b"\r\n", b">"], b"")
    assert split_units(b"> hello\r\npart") == ([b"> ", b"hello\r\n"], b"part")


@pytest.mark.parametrize(
    ("expected", "actual", "answer"),
    [
        (b"AT\r\r\nOK\r\n", b"AT\r\r\nOK\r\nmore", b"AT\r\r\nOK\r\n"),
        (b"AT\r\r\nOK\r\n", b"AT\r\r\nERROR\r\nX", b"AT\r\r\nERROR\r\n"),  # no waiting
        (b"AT\r\r\nOK\r\n", b"AT\r\r\n+X: 1\r\n\r\nOK\r\n", b"AT\r\r\n+X: 1\r\n\r\nOK\r\n"),
        (b"AT\r\r\nOK\r\n", b"AT\r\r\nO", None),
        (b"X\r\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n", b"X\r\r\nOK\r\n", None),  # the URC waited for
        (
            b"X\r\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
            b"X\r\r\nOK\r\n\r\n+QIOPEN: 0,566\r\nZ",
            b"X\r\r\nOK\r\n\r\n+QIOPEN: 0,566\r\n",
        ),
        (b"AT+QISEND=0,5\r\r\n>", b"AT+QISEND=0,5\r\r\n> x", b"AT+QISEND=0,5\r\r\n> "),
        (b"A", b"", None),
        (b"A", b"AT", b"A"),
        (b"", b"anything", b""),
        (b"\r\nRDY\r\n", b"\r\nRDY\r\n\r\n", b"\r\nRDY\r\n"),
    ],
)
def test_shape_cut(expected: bytes, actual: bytes, answer: bytes | None) -> None:
    cut = Shape.of(expected).cut(actual)
    if answer is None:
        assert cut is None
    else:
        assert cut is not None and actual[:cut] == answer


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (
            '+QISTATE: 0,"TCP","10.1.2.3",80,51234,2,1,0,0,"usbmodem"\r\n',
            '+QISTATE: 0,"TCP","<ipv4>",80,<local-port>,2,1,0,0,"usbmodem"\r\n',
        ),
        (
            '+QIURC: "incoming",11,1,"127.0.0.1",40312\r\n',
            '+QIURC: "incoming",11,1,"<ipv4>",<peer-port>\r\n',
        ),
        ('+QIURC: "recv",0,5\r\n', '+QIURC: "recv",0,5\r\n'),
        (
            '+QISTATE: 10,"TCP INCOMING","127.0.0.1",51312,47311,2,1,11,0,"uart1"\r\n',
            '+QISTATE: 10,"TCP INCOMING","<ipv4>",<peer-port>,<local-port>,2,1,11,0,"uart1"\r\n',
        ),
        ('+QIRD: 4,"127.0.0.1",52883\r\n', '+QIRD: 4,"<ipv4>",<peer-port>\r\n'),
        ('+QIURC: "dnsgip",0,1,600\r\n', '+QIURC: "dnsgip",0,1,<dns-ttl>\r\n'),
        ("+QISEND: 10,8,2\r\n", "+QISEND: <send-counters>,<send-counters>,<send-counters>\r\n"),
        ("+QIRD: 5,3,2\r\n", "+QIRD: <read-counters>,<read-counters>,<read-counters>\r\n"),
        ("+QIRD: 5\r\n", "+QIRD: 5\r\n"),
        ('+QPING: 0,"8.8.8.8",32,20,255\r\n', '+QPING: 0,"<ipv4>",32,<ping-time>,<ping-time>\r\n'),
        (
            "+QPING: 0,4,4,0,20,30,25\r\n",
            "+QPING: 0,4,4,0,<ping-stats>,<ping-stats>,<ping-stats>\r\n",
        ),
        ("+QPING: 565\r\n", "+QPING: 565\r\n"),
        ("869951040000008\r\n", "<serial>\r\n"),
        ("+QCCID: 89860025128306012474\r\n", "+QCCID: <iccid>\r\n"),
        ('+CCLK: "26/11/30,04:41:24+32"\r\n', '+CCLK: "<time>"\r\n'),
        ('+QNTP: 0,"2026/11/30,04:41:24+00"\r\n', '+QNTP: 0,"<time>"\r\n'),
        ('+QIURC: "dnsgip","2001:db8::1"\r\n', '+QIURC: "dnsgip","<ipv6>"\r\n'),
        ("+CSQ: 28,99\r\n", "+CSQ: 28,99\r\n"),
        ("Revision: EC200TCNDAR01A01M1G\r\n", "Revision: EC200TCNDAR01A01M1G\r\n"),
    ],
)
def test_masks(line: str, masked: str) -> None:
    assert mask_line(line) == masked


def test_verdict_and_rendering(tmp_path: Path) -> None:
    path = write_transcript(
        tmp_path / "s.jsonl",
        [("rx", b"AT+CSQ\r"), ("tx", b"AT+CSQ\r\r\n+CSQ: 28,99\r\n\r\nOK\r\n")],
    )
    exchange = next(iter_exchanges(open_transcript(path)[1]))
    same: Outcome = judge(exchange, b"AT+CSQ\r\r\n+CSQ: 28,99\r\n\r\nOK\r\n")
    assert not same.differs
    other = judge(exchange, b"AT+CSQ\r\r\n+CSQ: 12,99\r\n\r\nOK\r\n")
    assert other.differs
    text = render(other, Palette(False), ("recorded", "replayed"), 5.0)
    assert text.splitlines() == [
        "exchange 1 (line 2): AT+CSQ\\r",
        "--- recorded",
        "+++ replayed",
        "@@ -1,4 +1,4 @@",
        " AT+CSQ\\r\\r\\n",
        "-+CSQ: 28,99\\r\\n",
        "++CSQ: 12,99\\r\\n",
        " \\r\\n",
        " OK\\r\\n",
    ]
    assert "\x1b[31m-+CSQ: 28,99\\r\\n\x1b[0m" in render(other, Palette(True), ("a", "b"), 5.0)


def _peak_while_diffing(path: Path) -> int:
    tracemalloc.start()
    try:
        summary = play(
            iter_exchanges(open_transcript(path)[1]),
            RecordedTarget(open_transcript(path)[1]),
            timeout=float("inf"),
            report=lambda outcome: None,
        )
        assert summary.differ == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_transcripts_grow(tmp_path: Path) -> None:
    one = [("rx", b"AT+CSQ\r"), ("tx", b"AT+CSQ\r\r\n+CSQ: 28,99\r\n\r\nOK\r\n")]
    small = write_transcript(tmp_path / "small.jsonl", one * 300)
    large = write_transcript(tmp_path / "large.jsonl", one * 4000)
    assert large.stat().st_size > 12 * small.stat().st_size
    assert _peak_while_diffing(large) < 2 * _peak_while_diffing(small)
