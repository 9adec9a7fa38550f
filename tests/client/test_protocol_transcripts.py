"""The client protocol against hand-written byte transcripts (no module, no event loop).

Each transcript is what a real EC200-series module sends, written from the spec's byte
examples and the field logs it cites, so the client is not only tested against our own
module. Every transcript is also replayed split at every byte boundary and one byte at a
time: the framing must not depend on how the port chunks its reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from modemu.at.syntax import Arg
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
from modemu.errors import LocalProtocolError, RemoteProtocolError


def drain(proto: ClientProtocol) -> list[Event]:
    events: list[Event] = []
    while (event := proto.next_event()) is not None:
        events.append(event)
    return events


def feed(proto: ClientProtocol, chunks: list[bytes]) -> list[Event]:
    events: list[Event] = []
    for chunk in chunks:
        proto.receive_data(chunk)
        events += drain(proto)
    flushed = proto.flush_transparent()
    if flushed is not None:
        events.append(flushed)
    return merge_transparent(events)


def merge_transparent(events: list[Event]) -> list[Event]:
    """Transparent data may come in any chunking; compare it joined."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, TransparentData) and out and isinstance(out[-1], TransparentData):
            out[-1] = TransparentData(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def splits(data: bytes) -> list[list[bytes]]:
    """The whole transcript, every two-way split, and one byte at a time."""
    ways = [[data], [data[i : i + 1] for i in range(len(data))]]
    ways += [[data[:i], data[i:]] for i in range(1, len(data))]
    return ways


@dataclass
class Step:
    """Host action (a command line, a payload after the prompt, or +++), then module bytes."""

    module: bytes
    expect: list[Event]
    command: str | None = None
    payload: bytes | None = None
    escape: bool = False
    setup: Callable[[ClientProtocol], None] | None = None
    sent: bytes | None = None


def ok(command: str, *lines: str, data: bytes | None = None) -> Response:
    return Response(command, lines, "OK", FinalKind.OK, data)


def urc(line: str, name: str | None = None, *args: Arg) -> Urc:
    return Urc(line, name, args)


def q(text: str) -> Arg:
    return Arg(text, quoted=True)


def a(text: str) -> Arg:
    return Arg(text)


TRANSCRIPTS: dict[str, list[Step]] = {
    "csq, echo off": [
        Step(b"\r\n+CSQ: 28,99\r\n\r\nOK\r\n", [ok("AT+CSQ", "+CSQ: 28,99")], "AT+CSQ"),
    ],
    "cgmi with command echo (EC25 capture)": [
        Step(b"AT+CGMI\r\r\nQuectel\r\n\r\nOK\r\n", [ok("AT+CGMI", "Quectel")], "AT+CGMI"),
    ],
    "ati three lines": [
        Step(
            b"\r\nQuectel\r\nEC200TCN\r\nRevision: EC200TCNDAR01A01M1G\r\n\r\nOK\r\n",
            [ok("ATI", "Quectel", "EC200TCN", "Revision: EC200TCNDAR01A01M1G")],
            "ATI",
        ),
    ],
    "plain error": [
        Step(
            b"\r\nERROR\r\n", [Response("AT+QIACT=1", (), "ERROR", FinalKind.ERROR)], "AT+QIACT=1"
        ),
    ],
    "cme error numeric and verbose": [
        Step(
            b"\r\n+CME ERROR: 10\r\n",
            [Response("AT+CPIN?", (), "+CME ERROR: 10", FinalKind.CME_ERROR)],
            "AT+CPIN?",
        ),
        Step(
            b"\r\n+CME ERROR: SIM not inserted\r\n",
            [Response("AT+CPIN?", (), "+CME ERROR: SIM not inserted", FinalKind.CME_ERROR)],
            "AT+CPIN?",
        ),
    ],
    "urc between response lines": [
        Step(
            b'\r\n+QISTATE: 0,"TCP","220.180.239.212",8009,65514,2,1,0,0,"usbmodem"\r\n'
            b'\r\n+QIURC: "recv",1\r\n\r\nOK\r\n',
            [
                urc('+QIURC: "recv",1', "+QIURC", q("recv"), a("1")),
                ok(
                    "AT+QISTATE?",
                    '+QISTATE: 0,"TCP","220.180.239.212",8009,65514,2,1,0,0,"usbmodem"',
                ),
            ],
            "AT+QISTATE?",
        ),
    ],
    "urc before the prompt, data echo on": [
        Step(
            b'AT+QISEND=0,4\r\r\n+QIURC: "closed",3\r\n\r\n>',
            [urc('+QIURC: "closed",3', "+QIURC", q("closed"), a("3")), Prompt()],
            "AT+QISEND=0,4",
            sent=b"AT+QISEND=0,4\r\n",
        ),
        Step(
            b"test\r\nSEND OK\r\n",
            [Response("AT+QISEND=0,4", (), "SEND OK", FinalKind.SEND_OK)],
            payload=b"test",
            sent=b"test",
        ),
    ],
    "send with data echo off, payload looks like a result": [
        Step(
            b"\r\n>", [Prompt()], "AT+QISEND=0,12", setup=lambda p: setattr(p, "data_echo", False)
        ),
        Step(
            b"\r\nSEND OK\r\n",
            [Response("AT+QISEND=0,12", (), "SEND OK", FinalKind.SEND_OK)],
            payload=b"\r\nSEND OK\r\n\x1a",
        ),
    ],
    "send fail and formatcfg 1 prompt": [
        Step(b"\r\n>\r\n", [Prompt()], "AT+QISEND=0,2"),
        Step(
            b"hi\r\nSEND FAIL\r\n",
            [Response("AT+QISEND=0,2", (), "SEND FAIL", FinalKind.SEND_FAIL)],
            payload=b"hi",
        ),
    ],
    "send counters do not prompt": [
        Step(
            b"\r\n+QISEND: 9,9,0\r\n\r\nOK\r\n",
            [ok("AT+QISEND=0,0", "+QISEND: 9,9,0")],
            "AT+QISEND=0,0",
        ),
    ],
    "sendmode 2 result": [
        Step(b"\r\n>", [Prompt()], "AT+QISEND=3,1"),
        Step(
            b"x\r\n3,SEND OK\r\n",
            [Response("AT+QISEND=3,1", (), "3,SEND OK", FinalKind.SEND_OK)],
            payload=b"x",
        ),
    ],
    "qisendex": [
        Step(
            b"\r\nSEND OK\r\n",
            [Response('AT+QISENDEX=0,"3132333435"', (), "SEND OK", FinalKind.SEND_OK)],
            'AT+QISENDEX=0,"3132333435"',
        ),
    ],
    "qird binary payload containing CRLF and OK": [
        Step(
            b"\r\n+QIRD: 8\r\n\r\nOK\r\nxy\r\n\r\nOK\r\n",
            [ok("AT+QIRD=0,1500", "+QIRD: 8", data=b"\r\nOK\r\nxy")],
            "AT+QIRD=0,1500",
        ),
    ],
    "qird empty (WioLTE log)": [
        Step(b"\r\n+QIRD: 0\r\n\r\nOK\r\n", [ok("AT+QIRD=0", "+QIRD: 0")], "AT+QIRD=0"),
    ],
    "qird counters (EC600S log)": [
        Step(
            b"\r\n+QIRD: 13,11,2\r\n\r\nOK\r\n",
            [ok("AT+QIRD=0,0", "+QIRD: 13,11,2")],
            "AT+QIRD=0,0",
        ),
    ],
    "qird udp service datagram": [
        Step(
            b'\r\n+QIRD: 4,"127.0.0.1",5000\r\n\x00\r\n\xff\r\n\r\nOK\r\n',
            [ok("AT+QIRD=2", '+QIRD: 4,"127.0.0.1",5000', data=b"\x00\r\n\xff")],
            "AT+QIRD=2",
        ),
    ],
    "qiopen then its result urc": [
        Step(
            b"\r\nOK\r\n",
            [ok('AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,0')],
            'AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,0',
        ),
        Step(b"\r\n+QIOPEN: 0,0\r\n", [urc("+QIOPEN: 0,0", "+QIOPEN", a("0"), a("0"))]),
    ],
    "an earlier qiopen result arrives before the next OK": [
        Step(
            b"\r\n+QIOPEN: 0,566\r\n\r\nOK\r\n",
            [urc("+QIOPEN: 0,566", "+QIOPEN", a("0"), a("566")), ok('AT+QIOPEN=1,1,"UDP","h",7')],
            'AT+QIOPEN=1,1,"UDP","h",7',
        ),
    ],
    "cpin urc vs cpin answer": [
        Step(
            b"\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n",
            [urc("RDY"), urc("+CPIN: READY", "+CPIN", a("READY")), ok("AT")],
            "AT",
        ),
        Step(b"\r\n+CPIN: READY\r\n\r\nOK\r\n", [ok("AT+CPIN?", "+CPIN: READY")], "AT+CPIN?"),
    ],
    "ping results are urcs after OK": [
        Step(
            b'\r\nOK\r\n\r\n+QPING: 0,"127.0.0.1",32,1,255\r\n\r\n+QPING: 0,1,1,0,1,1,1\r\n',
            [
                ok('AT+QPING=1,"127.0.0.1",1,1'),
                urc(
                    '+QPING: 0,"127.0.0.1",32,1,255',
                    "+QPING",
                    a("0"),
                    q("127.0.0.1"),
                    a("32"),
                    a("1"),
                    a("255"),
                ),
                urc("+QPING: 0,1,1,0,1,1,1", "+QPING", *map(a, "0110111")),
            ],
            'AT+QPING=1,"127.0.0.1",1,1',
        ),
    ],
    "dns urcs": [
        Step(
            b'\r\nOK\r\n\r\n+QIURC: "dnsgip",0,1,600\r\n\r\n+QIURC: "dnsgip","39.98.243.128"\r\n',
            [
                ok('AT+QIDNSGIP=1,"example.com"'),
                urc('+QIURC: "dnsgip",0,1,600', "+QIURC", q("dnsgip"), a("0"), a("1"), a("600")),
                urc('+QIURC: "dnsgip","39.98.243.128"', "+QIURC", q("dnsgip"), q("39.98.243.128")),
            ],
            'AT+QIDNSGIP=1,"example.com"',
        ),
    ],
    "direct push payload with CRLF inside (TobudOS/FreeRTOS framing)": [
        Step(
            b"\r\nOK\r\n",
            [ok('AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,1')],
            'AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,1',
        ),
        Step(
            b'\r\n+QIOPEN: 0,0\r\n\r\n+QIURC: "recv",0,4\r\n\r\n\r\n\r\n',
            [urc("+QIOPEN: 0,0", "+QIOPEN", a("0"), a("0")), PushData(0, b"\r\n\r\n")],
        ),
    ],
    "recvind on a buffer socket carries no payload": [
        Step(
            b'\r\n+QIURC: "recv",0,4\r\n\r\n+QIURC: "closed",0\r\n',
            [
                urc('+QIURC: "recv",0,4', "+QIURC", q("recv"), a("0"), a("4")),
                urc('+QIURC: "closed",0', "+QIURC", q("closed"), a("0")),
            ],
        ),
    ],
    "qnttp (application note spelling) reports through its own URC name": [
        Step(
            b'\r\n+QNTTP: 0,"2024/01/02,03:04:05+00"\r\n\r\nOK\r\n',  # URC before the OK
            [
                urc(
                    '+QNTTP: 0,"2024/01/02,03:04:05+00"',
                    "+QNTTP",
                    a("0"),
                    q("2024/01/02,03:04:05+00"),
                ),
                ok('AT+QNTTP=1,"pool.ntp.org"'),
            ],
            'AT+QNTTP=1,"pool.ntp.org"',
        ),
    ],
    "bg96 boot word while a command waits": [
        Step(b"\r\nAPP RDY\r\n\r\nOK\r\n", [urc("APP RDY"), ok("AT")], "AT"),
    ],
    "udp service push": [
        Step(
            b'\r\n+QIURC: "recv",2,3,"10.0.0.9",7\r\nabc\r\n',
            [PushData(2, b"abc", ("10.0.0.9", 7))],
        ),
    ],
    "incoming client inherits the push listener's mode": [
        Step(
            b"\r\nOK\r\n",
            [ok('AT+QIOPEN=1,1,"TCP LISTENER","127.0.0.1",0,2020,1')],
            'AT+QIOPEN=1,1,"TCP LISTENER","127.0.0.1",0,2020,1',
        ),
        Step(
            b'\r\n+QIURC: "incoming",11,1,"10.0.0.5",4000\r\n\r\n+QIURC: "recv",11,2\r\nhi\r\n',
            [
                urc(
                    '+QIURC: "incoming",11,1,"10.0.0.5",4000',
                    "+QIURC",
                    q("incoming"),
                    a("11"),
                    a("1"),
                    q("10.0.0.5"),
                    a("4000"),
                ),
                PushData(11, b"hi"),
            ],
        ),
    ],
    "qiswtmd to push then back to buffer": [
        Step(b"\r\nOK\r\n", [ok("AT+QISWTMD=0,1")], "AT+QISWTMD=0,1"),
        Step(b'\r\n+QIURC: "recv",0,1\r\nz\r\n', [PushData(0, b"z")]),
        Step(b"\r\nOK\r\n", [ok("AT+QISWTMD=0,0")], "AT+QISWTMD=0,0"),
        Step(
            b'\r\n+QIURC: "recv",0,1\r\n',
            [urc('+QIURC: "recv",0,1', "+QIURC", q("recv"), a("0"), a("1"))],
        ),
    ],
    "transparent: connect, data, no carrier": [
        Step(
            b"\r\nCONNECT\r\nhello\r\nworld",
            [
                Response('AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,2', (), "CONNECT", FinalKind.CONNECT),
                TransparentData(b"hello\r\nworld"),
            ],
            'AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,2',
        ),
        Step(b"!\r\nNO CARRIER\r\n", [TransparentData(b"!"), NoCarrier()]),
        Step(b"\r\nOK\r\n", [ok("AT+QICLOSE=0")], "AT+QICLOSE=0"),
    ],
    "transparent: +++ escape, then ATO": [
        Step(
            b"\r\nCONNECT\r\n",
            [Response("AT+QISWTMD=4,2", (), "CONNECT", FinalKind.CONNECT)],
            "AT+QISWTMD=4,2",
        ),
        Step(
            b"data OK\r\n\r\nOK\r\n",
            [TransparentData(b"data OK\r\n"), Response("+++", (), "OK", FinalKind.OK)],
            escape=True,
            sent=b"+++",
        ),
        Step(b'\r\n+QIURC: "recv",4\r\n', [urc('+QIURC: "recv",4', "+QIURC", q("recv"), a("4"))]),
        Step(
            b"\r\nCONNECT\r\nmore",
            [Response("ATO", (), "CONNECT", FinalKind.CONNECT), TransparentData(b"more")],
            "ATO",
        ),
    ],
    "transparent OK in the data is only a marker after +++": [
        Step(
            b"\r\nCONNECT\r\n\r\nOK\r\n",
            [
                Response("AT+QISWTMD=1,2", (), "CONNECT", FinalKind.CONNECT),
                TransparentData(b"\r\nOK\r\n"),
            ],
            "AT+QISWTMD=1,2",
        ),
    ],
    "unsolicited no carrier and late OK after abandon": [
        Step(b"\r\nNO CARRIER\r\n\r\nPOWERED DOWN\r\n", [NoCarrier(), urc("POWERED DOWN")]),
    ],
    "unknown plus line without a pending command is a urc": [
        Step(b"\r\n+QSIMSTAT: 0,1\r\n", [urc("+QSIMSTAT: 0,1", "+QSIMSTAT", a("0"), a("1"))]),
    ],
}


def replay(steps: list[Step]) -> None:
    proto = ClientProtocol()
    for step in steps:
        if step.setup is not None:
            step.setup(proto)
        sent = b""
        if step.command is not None:
            sent = proto.send_command(step.command)
        if step.payload is not None:
            sent = proto.send_data(step.payload)
        if step.escape:
            sent = proto.send_escape()
        if step.sent is not None:
            assert sent == step.sent
        assert feed(proto, [step.module]) == step.expect


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_transcript_whole(name: str) -> None:
    replay(TRANSCRIPTS[name])


@pytest.mark.parametrize("name", sorted(TRANSCRIPTS))
def test_transcript_any_split(name: str) -> None:
    """The events do not depend on where the port splits the module's output."""
    steps = TRANSCRIPTS[name]
    ways = max(len(splits(step.module)) for step in steps)
    for way in range(ways):
        proto = ClientProtocol()
        for step in steps:
            if step.setup is not None:
                step.setup(proto)
            if step.command is not None:
                proto.send_command(step.command)
            if step.payload is not None:
                proto.send_data(step.payload)
            if step.escape:
                proto.send_escape()
            options = splits(step.module)
            chunks = options[min(way, len(options) - 1)]
            assert feed(proto, chunks) == step.expect, (way, chunks)


def test_cme_code_parsing() -> None:
    numeric = Response("AT+CPIN?", (), "+CME ERROR: 10", FinalKind.CME_ERROR)
    verbose = Response("AT+CPIN?", (), "+CME ERROR: SIM not inserted", FinalKind.CME_ERROR)
    assert numeric.cme_code == 10
    assert verbose.cme_code == "SIM not inserted"
    assert not numeric.ok


def test_one_command_at_a_time() -> None:
    proto = ClientProtocol()
    proto.send_command("AT")
    with pytest.raises(LocalProtocolError):
        proto.send_command("AT")


def test_data_needs_a_prompt() -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QISEND=0,4")
    with pytest.raises(LocalProtocolError):
        proto.send_data(b"test")


def test_variable_length_send_appends_ctrl_z_and_esc_cancels() -> None:
    proto = ClientProtocol(data_echo=False)
    proto.send_command("AT+QISEND=0")
    assert feed(proto, [b"\r\n>"]) == [Prompt()]
    assert proto.send_data(b"test1", terminate=True) == b"test1\x1a"
    assert feed(proto, [b"\r\nSEND OK\r\n"])[0] == Response(
        "AT+QISEND=0", (), "SEND OK", FinalKind.SEND_OK
    )
    proto.send_command("AT+QISEND=0")
    feed(proto, [b"\r\n>"])
    assert proto.cancel_data() == b"\x1b"
    assert feed(proto, [b"\r\nOK\r\n"]) == [ok("AT+QISEND=0")]


def test_not_a_command_line() -> None:
    with pytest.raises(LocalProtocolError):
        ClientProtocol().send_command("AT\rAT")
    with pytest.raises(LocalProtocolError):
        ClientProtocol().send_command("+CSQ")


def test_no_commands_in_transparent_mode() -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QISWTMD=0,2")
    feed(proto, [b"\r\nCONNECT\r\n"])
    assert proto.mode is Framing.TRANSPARENT
    assert proto.transparent_id == 0
    with pytest.raises(LocalProtocolError):
        proto.send_command("AT")
    assert proto.send_transparent(b"raw") == b"raw"


def test_escape_makes_the_socket_buffer_mode() -> None:
    proto = ClientProtocol()
    proto.send_command('AT+QIOPEN=1,5,"TCP","10.0.0.1",80,0,2')
    feed(proto, [b"\r\nCONNECT\r\n"])
    assert proto.access_mode(5) == 2
    proto.send_escape()
    feed(proto, [b"\r\nOK\r\n"])
    assert proto.mode is Framing.COMMAND
    assert proto.access_mode(5) == 0


def test_transparent_tail_is_held_until_flushed() -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QISWTMD=0,2")
    feed(proto, [b"\r\nCONNECT\r\n"])
    proto.receive_data(b"line\r\n")
    assert drain(proto) == [TransparentData(b"line")]
    assert proto.holding
    assert proto.flush_transparent() == TransparentData(b"\r\n")
    assert not proto.holding


def test_abandoned_command_late_answer_is_not_misattributed() -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QIACT=1")
    proto.abandon()
    assert not proto.busy
    events = feed(proto, [b"\r\nOK\r\n"])
    assert events == [Urc("OK")]


def test_hex_recv_format() -> None:
    proto = ClientProtocol(hex_recv=True)
    proto.send_command("AT+QIRD=0")
    events = feed(proto, [b"\r\n+QIRD: 2\r\n0D0A\r\n\r\nOK\r\n"])
    assert events == [ok("AT+QIRD=0", "+QIRD: 2", data=b"\r\n")]


def test_malformed_qird_header() -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QIRD=0")
    proto.receive_data(b"\r\n+QIRD: x\r\n")
    with pytest.raises(RemoteProtocolError):
        drain(proto)


def test_runaway_line_is_a_remote_error() -> None:
    proto = ClientProtocol()
    proto.receive_data(b"\r\n" + b"x" * 70000)
    with pytest.raises(RemoteProtocolError):
        drain(proto)
    proto.receive_data(b"\r\nRDY\r\n")
    assert drain(proto) == [Urc("RDY")]  # the port recovers
