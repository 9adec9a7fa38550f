"""AT+QICFG keys and the DNS/ping/NTP commands on the sans-IO engine (FakeNet, explicit clock).

Each QICFG key is shown to change what the module does, not only what it echoes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.net.base import (
    NetFailure,
    NtpFailed,
    NtpResult,
    Opened,
    PingDone,
    PingFailed,
    PingReply,
    PingTimeout,
    Received,
    Resolved,
    ResolveFailed,
    SocketOptions,
)
from modemu.net.fake import FakeNet

PEER = ("127.0.0.1", 8009)
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()


class Harness:
    def __init__(self) -> None:
        self.net = FakeNet()
        self.now = 0.0
        self.wall = T0
        self.engine = ModemEngine(Profile(), self.net, now=0.0, wall_clock=lambda: self.wall)
        self.engine.handle_timer(0.0)
        self.engine.data_to_send()
        self.send(b"ATE0\r")
        assert self.send(b"AT+QIACT=1\r") == b"\r\nOK\r\n"

    def send(self, data: bytes, dt: float = 0.01) -> bytes:
        self.now += dt
        self.engine.receive_data(data, self.now)
        return self.engine.data_to_send()

    def event(self, event: object) -> bytes:
        self.now += 0.01
        self.engine.handle_net(event, self.now)  # type: ignore[arg-type]
        return self.engine.data_to_send()

    def advance(self, seconds: float) -> bytes:
        end = self.now + seconds
        while (deadline := self.engine.next_deadline()) is not None and deadline <= end:
            self.now = max(self.now, deadline)
            self.engine.handle_timer(self.now)
        self.now = end
        self.engine.handle_timer(end)
        return self.engine.data_to_send()

    def open(self, conn_id: int = 0, mode: int = 0) -> None:
        self.send(f'AT+QIOPEN=1,{conn_id},"TCP","127.0.0.1",8009,0,{mode}\r'.encode())
        self.event(Opened(conn_id, ("10.7.157.1", 50000), PEER))


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_qicfg_test_form_lists_every_key(h: Harness) -> None:
    out = h.send(b"AT+QICFG=?\r")
    assert out.startswith(b'\r\n+QICFG: "transpktsize",(1-1460)\r\n+QICFG: "transwaittm",(0-20)')
    assert out.endswith(b'+QICFG: "TCP/SendMode",(0-4)\r\n\r\nOK\r\n')
    assert out.count(b"+QICFG:") == 18


@pytest.mark.parametrize(
    ("key", "default", "new"),
    [
        ("transpktsize", b"1024", b"512"),
        ("transwaittm", b"2", b"0"),
        ("dataformat", b"0,0", b"1,1"),
        ("viewmode", b"0", b"1"),
        ("passiveclosed", b"0", b"1"),
        ("udp/readmode", b"0", b"1"),
        ("udp/sendmode", b"0", b"1"),
        ("recvind", b"0", b"1"),
        ("tcp/retranscfg", b"8,600", b"3,5"),
        ("tcp/accept", b"1", b"0"),
        ("send/buffersize", b"10240", b"1460"),
        ("formatcfg", b"0", b"1"),
        ("qisend/timeout", b"0", b"120"),
        ("close/mode", b"0", b"1"),
        ("TCP/SendMode", b"0", b"4"),
    ],
)
def test_qicfg_query_and_set(h: Harness, key: str, default: bytes, new: bytes) -> None:
    k = key.encode()
    assert h.send(b'AT+QICFG="' + k + b'"\r') == (
        b'\r\n+QICFG: "' + k + b'",' + default + b"\r\n\r\nOK\r\n"
    )
    assert h.send(b'AT+QICFG="' + k + b'",' + new + b"\r") == b"\r\nOK\r\n"
    assert h.send(b'AT+QICFG="' + k + b'"\r') == (
        b'\r\n+QICFG: "' + k + b'",' + new + b"\r\n\r\nOK\r\n"
    )


def test_keepalive_query_forms_and_socket_options(h: Harness) -> None:
    assert h.send(b'AT+QICFG="tcp/keepalive"\r') == b'\r\n+QICFG: "tcp/keepalive",0\r\n\r\nOK\r\n'
    assert h.send(b'AT+QICFG="tcp/keepalive",1,120,30,5\r') == b"\r\nOK\r\n"
    assert h.send(b'AT+QICFG="tcp/keepalive"\r') == (
        b'\r\n+QICFG: "tcp/keepalive",1,120,30,5\r\n\r\nOK\r\n'
    )
    assert h.send(b'AT+QICFG="tcp/keepalive",1,0,30,5\r') == b"\r\nERROR\r\n"
    h.open(0)
    assert h.net.calls_to("open")[-1][6] == SocketOptions(
        keepalive=(120, 30, 5), retransmission=(8, 600)
    )


def test_transpktsize_and_transwaittm_shape_packets(h: Harness) -> None:
    h.send(b'AT+QICFG="transpktsize",100;+QICFG="transwaittm",0\r')
    h.open(0, mode=2)
    h.send(b"z" * 250)
    assert [len(c[1]) for c in h.net.calls_to("send")] == [100, 100, 50]  # type: ignore[arg-type]


def test_dataformat_hex_both_ways(h: Harness) -> None:
    h.send(b'AT+QICFG="dataformat",1,1;+QISDE=0\r')
    h.open(0)
    assert h.send(b"AT+QISEND=0,3\r\n") == b"\r\n>"
    assert h.send(b"41420D") == b"\r\nSEND OK\r\n"
    assert h.net.sent(0) == b"AB\r"
    assert h.send(b"AT+QISEND=0,1\r\n") == b"\r\n>"
    assert h.send(b"ZZ") == b"\r\nERROR\r\n"
    h.event(Received(0, b"\x00\xff"))
    assert h.send(b"AT+QIRD=0\r") == b"\r\n+QIRD: 2\r\n00FF\r\n\r\nOK\r\n"


def test_viewmode_1_puts_a_comma_between_header_and_data(h: Harness) -> None:
    h.send(b'AT+QICFG="viewmode",1\r')
    h.open(0)
    h.open(1, mode=1)
    h.event(Received(0, b"abc"))
    assert h.send(b"AT+QIRD=0\r") == b"\r\n+QIRD: 3,abc\r\n\r\nOK\r\n"
    assert h.event(Received(1, b"xyz")) == b'\r\n+QIURC: "recv",1,3,xyz\r\n'


def test_recvind_reports_length(h: Harness) -> None:
    h.send(b'AT+QICFG="recvind",1\r')
    h.open(0)
    assert h.event(Received(0, b"12345")) == b'\r\n+QIURC: "recv",0,5\r\n'


def test_formatcfg_changes_the_prompt(h: Harness) -> None:
    h.send(b'AT+QICFG="formatcfg",1\r')
    h.open(0)
    assert h.send(b"AT+QISEND=0,1\r\n") == b"\r\n>\r\n"


def test_qisend_timeout_expires_with_error_569(h: Harness) -> None:
    h.send(b'AT+QICFG="qisend/timeout",2\r')
    h.open(0)
    assert h.send(b"AT+QISEND=0,10\r\n") == b"\r\n>"
    assert h.send(b"abc") == b"abc"
    assert h.advance(1.9) == b""
    assert h.advance(0.2) == b"\r\nERROR\r\n"
    assert h.net.sent(0) == b""
    assert h.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 569,operation timeout\r\n\r\nOK\r\n"


def test_send_buffersize_drives_send_fail(h: Harness) -> None:
    h.send(b'AT+QICFG="send/buffersize",1460\r')
    h.open(0)
    h.net.backlogs[0] = 1300
    assert h.send(b'AT+QISENDEX=0,"' + b"41" * 161 + b'"\r') == b"\r\nSEND FAIL\r\n"
    assert h.send(b'AT+QISENDEX=0,"' + b"41" * 160 + b'"\r') == b"\r\nSEND OK\r\n"


def test_send_auto_heartbeat(h: Harness) -> None:
    h.open(0)
    assert h.send(b'AT+QICFG="send/auto",0,20,"PING"\r') == b"\r\nOK\r\n"
    assert h.send(b'AT+QICFG="send/auto",0\r') == (
        b'\r\n+QICFG: "send/auto",0,20,"PING"\r\n\r\nOK\r\n'
    )
    h.advance(41)
    assert h.net.sent(0) == b"PINGPING"
    h.send(b'AT+QICFG="send/auto",0,0\r')
    h.advance(41)
    assert h.net.sent(0) == b"PINGPING"
    assert h.send(b'AT+QICFG="send/auto",0,19,"X"\r') == b"\r\nERROR\r\n"


def test_recv_ignore_drops_matching_payloads(h: Harness) -> None:
    h.open(0)
    assert h.send(b'AT+QICFG="recv/ignore",0,"KEEPALIVE"\r') == b"\r\nOK\r\n"
    assert h.event(Received(0, b"KEEPALIVE")) == b""
    assert h.event(Received(0, b"data")) == b'\r\n+QIURC: "recv",0\r\n'
    assert h.send(b'AT+QICFG="recv/ignore",0\r') == (
        b'\r\n+QICFG: "recv/ignore",0,"KEEPALIVE"\r\n\r\nOK\r\n'
    )


def test_udp_readmode_stream_joins_datagrams(h: Harness) -> None:
    h.send(b'AT+QICFG="udp/readmode",1\r')
    h.send(b'AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,3030,0\r')
    h.event(Opened(2, ("127.0.0.1", 3030), None))
    h.event(Received(2, b"ab", ("127.0.0.1", 7)))
    h.event(Received(2, b"cd", ("127.0.0.1", 7)))
    assert h.send(b"AT+QIRD=2,3\r") == b'\r\n+QIRD: 3,"127.0.0.1",7\r\nabc\r\n\r\nOK\r\n'


# -- services -----------------------------------------------------------------------------


def test_dnsgip_success_and_failure(h: Harness) -> None:
    assert h.send(b'AT+QIDNSCFG=1,"127.0.0.53","127.0.0.54"\r') == b"\r\nOK\r\n"
    assert h.send(b"AT+QIDNSCFG=1\r") == (
        b'\r\n+QIDNSCFG: 1,"127.0.0.53","127.0.0.54"\r\n\r\nOK\r\n'
    )
    assert h.send(b'AT+QIDNSGIP=1,"example.test"\r') == b"\r\nOK\r\n"
    req, host, servers = h.net.calls_to("resolve")[-1]
    assert (host, servers) == ("example.test", ("127.0.0.53", "127.0.0.54"))
    assert h.send(b'AT+QIDNSGIP=1,"other.test"\r') == (b'\r\nOK\r\n\r\n+QIURC: "dnsgip",564\r\n')
    assert h.event(Resolved(req, ("127.0.0.7", "127.0.0.8"), 600)) == (  # type: ignore[arg-type]
        b'\r\n+QIURC: "dnsgip",0,2,600\r\n'
        b'\r\n+QIURC: "dnsgip","127.0.0.7"\r\n\r\n+QIURC: "dnsgip","127.0.0.8"\r\n'
    )
    h.send(b'AT+QIDNSGIP=1,"missing.test"\r')
    req = h.net.calls_to("resolve")[-1][0]
    failed = ResolveFailed(req, NetFailure.NAME_NOT_RESOLVED)
    assert h.event(failed) == b'\r\n+QIURC: "dnsgip",565\r\n'


def test_qidnscfg_needs_an_active_context_and_valid_addresses(h: Harness) -> None:
    assert h.send(b"AT+QIDNSCFG=2\r") == b"\r\nERROR\r\n"
    assert h.send(b'AT+QIDNSCFG=1,"1.2.3"\r') == b"\r\nERROR\r\n"
    assert h.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 552,invalid parameters\r\n\r\nOK\r\n"


def test_ping_sequence_and_summary(h: Harness) -> None:
    assert h.send(b'AT+QPING=1,"127.0.0.1",2,3\r') == b"\r\nOK\r\n"
    req, host, timeout, count, _ = h.net.calls_to("ping")[-1]
    assert (host, timeout, count) == ("127.0.0.1", 2.0, 3)
    assert h.send(b'AT+QPING=1,"127.0.0.1"\r') == b"\r\nERROR\r\n"  # busy
    out = h.event(PingReply(req, "127.0.0.1", 32, 1, 64))  # type: ignore[arg-type]
    out += h.event(PingTimeout(req))  # type: ignore[arg-type]
    out += h.event(PingReply(req, "127.0.0.1", 32, 3, 64))  # type: ignore[arg-type]
    out += h.event(PingDone(req))  # type: ignore[arg-type]
    assert out == (
        b'\r\n+QPING: 0,"127.0.0.1",32,1,64\r\n\r\n+QPING: 569\r\n'
        b'\r\n+QPING: 0,"127.0.0.1",32,3,64\r\n\r\n+QPING: 0,3,2,1,1,3,2\r\n'
    )


def test_ping_without_replies_and_fatal_errors(h: Harness) -> None:
    h.send(b'AT+QPING=1,"127.0.0.1",1,2\r')
    req = h.net.calls_to("ping")[-1][0]
    out = h.event(PingTimeout(req)) + h.event(PingTimeout(req)) + h.event(PingDone(req))  # type: ignore[arg-type]
    assert out == b"\r\n+QPING: 569\r\n\r\n+QPING: 569\r\n\r\n+QPING: 0,2,0,2\r\n"
    h.send(b'AT+QPING=1,"nowhere.test"\r')
    req = h.net.calls_to("ping")[-1][0]
    assert h.event(PingFailed(req, NetFailure.NAME_NOT_RESOLVED)) == b"\r\n+QPING: 565\r\n"
    assert h.send(b'AT+QPING=2,"127.0.0.1"\r') == b"\r\nOK\r\n\r\n+QPING: 561\r\n"


def test_ntp_sets_the_clock(h: Harness) -> None:
    assert h.send(b'AT+QNTP=1,"127.0.0.1",1123\r') == b"\r\nOK\r\n"
    assert h.send(b"AT+QNTP?\r") == b'\r\n+QNTP: "127.0.0.1",1123\r\n\r\nOK\r\n'
    assert h.send(b'AT+QNTP=1,"127.0.0.1"\r') == b"\r\nERROR\r\n"
    req = h.net.calls_to("ntp")[-1][0]
    server_time = datetime(2019, 9, 8, 17, 32, 42, tzinfo=UTC).timestamp()
    assert h.event(NtpResult(req, server_time)) == (  # type: ignore[arg-type]
        b'\r\n+QNTP: 0,"2019/09/09,01:32:42+32"\r\n'
    )
    h.wall += 10
    assert h.send(b"AT+CCLK?\r") == b'\r\n+CCLK: "19/09/09,01:32:52+32"\r\n\r\nOK\r\n'
    assert h.send(b"AT+QNTP?\r") == b"\r\nOK\r\n"
    h.send(b'AT+QNTP=1,"127.0.0.1",123,0\r')
    req = h.net.calls_to("ntp")[-1][0]
    assert h.event(NtpFailed(req, NetFailure.NO_ANSWER)) == b"\r\n+QNTP: 569\r\n"
