"""URC events <-> bytes: every shape of the spec's URC catalogue, rendered and parsed back.

The wire bytes in :data:`WIRE` are the spec's own examples (§7, §10, §11, A10, A14, A19
and the boot sequence); the module renders these events and the client parses them, so one
table pins both directions.
"""

from __future__ import annotations

import pytest

from modemu.at import render
from modemu.at import urc as u
from modemu.at.codes import QiError

WIRE: list[tuple[bytes, u.UrcEvent]] = [
    (b'\r\n+QIURC: "recv",0\r\n', u.Recv(0)),
    (b'\r\n+QIURC: "recv",11,1460\r\n', u.Recv(11, 1460)),
    (b'\r\n+QIURC: "recv",2,5,"10.7.76.34",7000\r\n', u.Recv(2, 5, ("10.7.76.34", 7000))),
    (b'\r\n+QIURC: "closed",3\r\n', u.Closed(3)),
    (
        b'\r\n+QIURC: "incoming",11,1,"192.168.1.5",34567\r\n',
        u.Incoming(11, 1, ("192.168.1.5", 34567)),
    ),
    (b'\r\n+QIURC: "incoming full"\r\n', u.IncomingFull()),
    (b'\r\n+QIURC: "pdpdeact",1\r\n', u.PdpDeact(1)),
    (b'\r\n+QIURC: "dnsgip",0,1,600\r\n', u.DnsResult(0, 1, 600)),
    (b'\r\n+QIURC: "dnsgip",565\r\n', u.DnsResult(QiError.DNS_FAILED)),
    (b'\r\n+QIURC: "dnsgip","39.98.243.128"\r\n', u.DnsAddress("39.98.243.128")),
    (b"\r\n+QIURC: SEND OK\r\n", u.SendAcked()),
    (b"\r\n+QIURC: 4,SEND OK\r\n", u.SendAcked(4)),
    (b"\r\n+QIOPEN: 0,0\r\n", u.OpenResult(0, 0)),
    (b"\r\n+QIOPEN: 2,566\r\n", u.OpenResult(2, QiError.CONNECT_FAILED)),
    (b"\r\n+QPING: 565\r\n", u.PingError(565)),
    (b"\r\n+QPING: 569\r\n", u.PingError(QiError.TIMEOUT)),
    (b'\r\n+QPING: 0,"1.1.1.1",32,24,255\r\n', u.PingEcho("1.1.1.1", 32, 24, 255)),
    (b"\r\n+QPING: 0,4,4,0,21,39,28\r\n", u.PingSummary(4, 4, 0, 21, 39, 28)),
    (b"\r\n+QPING: 0,4,0,4\r\n", u.PingSummary(4, 0, 4)),
    (b'\r\n+QNTP: 0,"2019/09/09,01:32:42+32"\r\n', u.NtpResult(0, "2019/09/09,01:32:42+32")),
    (b"\r\n+QNTP: 569\r\n", u.NtpResult(569)),
    (
        b'\r\n+QNTTP: 0,"2024/01/02,03:04:05+00"\r\n',
        u.NtpResult(0, "2024/01/02,03:04:05+00", "+QNTTP"),
    ),
    (b"\r\nRDY\r\n", u.Ready()),
    (b"\r\nPOWERED DOWN\r\n", u.PoweredDown()),
    (b"\r\n+CFUN: 1\r\n", u.Functionality(1)),
    (b"\r\n+CPIN: READY\r\n", u.SimStatus("READY")),
    (b"\r\n+CPIN: NOT INSERTED\r\n", u.SimStatus("NOT INSERTED")),
    (b"\r\n+QUSIM: 1\r\n", u.UsimLoaded(1)),
    (b"\r\n+QIND: PB DONE\r\n", u.Indication("PB DONE")),
    (b"\r\n+QIND: SMS DONE\r\n", u.Indication("SMS DONE")),
    (b"\r\n+CREG: 1\r\n", u.Registration("+CREG", 1)),
    (b"\r\n+CGREG: 0\r\n", u.Registration("+CGREG", 0)),
    (
        b'\r\n+CEREG: 5,"1A2B","0C3D4E5",7\r\n',
        u.Registration("+CEREG", 5, ("1A2B", "0C3D4E5", 7)),
    ),
]


@pytest.mark.parametrize(("wire", "event"), WIRE, ids=[w.decode().strip() for w, _ in WIRE])
def test_render_gives_the_spec_bytes(wire: bytes, event: u.UrcEvent) -> None:
    assert render.urc(event.render(), verbose=True) == wire
    assert render.urc(event.render(), verbose=False) == wire[2:]


@pytest.mark.parametrize(("wire", "event"), WIRE, ids=[w.decode().strip() for w, _ in WIRE])
def test_parse_gives_the_event_back(wire: bytes, event: u.UrcEvent) -> None:
    assert u.parse_urc(wire.decode("latin-1").strip("\r\n")) == event


def test_every_event_type_is_in_the_table() -> None:
    assert {type(event) for _, event in WIRE} == set(u.URC_EVENT_TYPES)


def test_events_are_frozen() -> None:
    event = u.Closed(1)
    with pytest.raises(AttributeError):
        event.conn_id = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "line",
    [
        "OK",
        '+QISTATE: 0,"TCP"',
        '+QIURC: "someday",1',
        "RING",
        "",
        "hello",
    ],
)
def test_lines_that_are_no_known_urc_give_none(line: str) -> None:
    assert u.parse_urc(line) is None


@pytest.mark.parametrize(
    "line",
    [
        '+QIURC: "recv",x',
        '+QIURC: "recv",1,2,3',
        '+QIURC: "recv",1,5,10.0.0.1,80',
        '+QIURC: "closed"',
        '+QIURC: "incoming",1,2',
        '+QIURC: "incoming full",1',
        '+QIURC: "dnsgip",0,1',
        '+QIURC: "dnsgip","1.2.3.4",1',
        "+QIURC: 1,SEND FAIL",
        "+QIURC:",
        "+QIOPEN: 1",
        '+QIOPEN: "1",0',
        "+QPING: 0,1,2",
        '+QPING: 0,"1.1.1.1",32,24',
        "+QNTP: 0,2019",
        "+CFUN: on",
        '+CEREG: 1,"1A2B"',
    ],
)
def test_malformed_known_urcs_are_rejected(line: str) -> None:
    with pytest.raises(u.UrcSyntaxError):
        u.parse_urc(line)
