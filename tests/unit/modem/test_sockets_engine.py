"""Socket commands on the sans-IO engine: bytes in, bytes out, explicit clock, FakeNet.

The transcripts follow the seed's chapter 3 examples with loopback addresses; net outcomes
are injected as the events a real back end would produce.
"""

from __future__ import annotations

import pytest

from modemu.modem.engine import ModemEngine
from modemu.modem.modes import PortMode
from modemu.modem.profile import Profile
from modemu.net.base import (
    AllAcked,
    Closed,
    Incoming,
    NetEvent,
    NetFailure,
    Opened,
    OpenFailed,
    PdpDeactivated,
    PeerClosed,
    Received,
    Service,
)
from modemu.net.fake import FakeNet

PEER = ("127.0.0.1", 8009)


class Harness:
    """An engine after boot with echo off and context 1 active, and a clock."""

    def __init__(self, profile: Profile | None = None, echo: bool = False) -> None:
        self.net = FakeNet()
        self.now = 0.0
        self.engine = ModemEngine(profile or Profile(), self.net, now=0.0)
        self.engine.handle_timer(0.0)
        self.engine.data_to_send()
        if not echo:
            assert self.send(b"ATE0\r") == b"ATE0\r\r\nOK\r\n"
        assert self.send(b"AT+QIACT=1\r") == b"\r\nOK\r\n"

    def send(self, data: bytes, dt: float = 0.01) -> bytes:
        self.now += dt
        self.engine.receive_data(data, self.now)
        return self.engine.data_to_send()

    def event(self, event: NetEvent, dt: float = 0.01) -> bytes:
        self.now += dt
        self.engine.handle_net(event, self.now)
        return self.engine.data_to_send()

    def advance(self, seconds: float) -> bytes:
        """Move the clock, firing every timer due on the way."""
        end = self.now + seconds
        while True:
            deadline = self.engine.next_deadline()
            if deadline is None or deadline > end:
                break
            self.now = max(self.now, deadline)
            self.engine.handle_timer(self.now)
        self.now = end
        self.engine.handle_timer(self.now)
        return self.engine.data_to_send()

    def open_tcp(self, conn_id: int = 0, mode: int = 0, local_port: int = 65514) -> None:
        command = f'AT+QIOPEN=1,{conn_id},"TCP","127.0.0.1",8009,0,{mode}\r'.encode()
        out = self.send(command)
        opened = self.event(Opened(conn_id, ("10.7.157.1", local_port), PEER))
        if mode == 2:
            assert out == b""
            assert opened == b"\r\nCONNECT\r\n"
        else:
            assert out == b"\r\nOK\r\n"
            assert opened == f"\r\n+QIOPEN: {conn_id},0\r\n".encode()


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_seed_3_2_buffer_mode_client(h: Harness) -> None:
    h.open_tcp(0)
    assert h.send(b"AT+QISTATE=1,0\r") == (
        b'\r\n+QISTATE: 0,"TCP","127.0.0.1",8009,65514,2,1,0,0,"uart1"\r\n\r\nOK\r\n'
    )
    assert h.send(b"AT+QISEND=0\r\n") == b"\r\n>"
    assert h.send(b"test1\x1a") == b"test1\r\nSEND OK\r\n"
    assert h.send(b"AT+QISEND=0,4\r\n") == b"\r\n>"
    assert h.send(b"test") == b"test\r\nSEND OK\r\n"
    assert h.send(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 9,9,0\r\n\r\nOK\r\n"
    assert h.send(b'AT+QISENDEX=0,"3132333435"\r') == b"\r\nSEND OK\r\n"
    assert h.send(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 14,14,0\r\n\r\nOK\r\n"
    assert h.net.sent(0) == b"test1test12345"
    assert h.event(Received(0, b"test1test1test")) == b'\r\n+QIURC: "recv",0\r\n'
    assert h.send(b"AT+QIRD=0,1500\r") == b"\r\n+QIRD: 14\r\ntest1test1test\r\n\r\nOK\r\n"
    assert h.send(b"AT+QIRD=0,1500\r") == b"\r\n+QIRD: 0\r\n\r\nOK\r\n"
    assert h.send(b"AT+QIRD=0,0\r") == b"\r\n+QIRD: 14,14,0\r\n\r\nOK\r\n"
    assert h.send(b"AT+QICLOSE=0\r") == b""  # port busy until the close completes
    assert h.net.calls_to("close")[-1] == (0, 10)
    assert h.event(Closed(0)) == b"\r\nOK\r\n"
    assert h.send(b"AT+QISTATE?\r") == b"\r\nOK\r\n"


def test_seed_3_4_direct_push(h: Harness) -> None:
    h.open_tcp(0, mode=1, local_port=65344)
    assert h.send(b"AT+QISTATE=1,0\r") == (
        b'\r\n+QISTATE: 0,"TCP","127.0.0.1",8009,65344,2,1,0,1,"uart1"\r\n\r\nOK\r\n'
    )
    assert h.event(Received(0, b"test")) == b'\r\n+QIURC: "recv",0,4\r\ntest\r\n'
    assert h.send(b"AT+QIRD=0\r") == b"\r\n+QIRD: 0\r\n\r\nOK\r\n"  # spec A6
    assert h.send(b"AT+QIRD=0,0\r") == b"\r\n+QIRD: 4,4,0\r\n\r\nOK\r\n"


def test_direct_push_splits_at_1500_bytes(h: Harness) -> None:
    h.open_tcp(0, mode=1)
    data = bytes(range(256)) * 8  # 2048 bytes, includes CR LF and Ctrl-Z
    out = h.event(Received(0, data))
    assert out == (
        b'\r\n+QIURC: "recv",0,1500\r\n'
        + data[:1500]
        + b"\r\n"
        + b'\r\n+QIURC: "recv",0,548\r\n'
        + data[1500:]
        + b"\r\n"
    )


def test_seed_3_5_listener_and_incoming(h: Harness) -> None:
    assert h.send(b'AT+QIOPEN=1,1,"TCP LISTENER","127.0.0.1",0,2020,0\r') == b"\r\nOK\r\n"
    assert h.net.calls_to("open")[-1][:5] == (1, Service.TCP_LISTENER, "127.0.0.1", 0, 2020)
    assert h.event(Opened(1, ("127.0.0.1", 2020), None)) == b"\r\n+QIOPEN: 1,0\r\n"
    assert h.send(b"AT+QISTATE=0,1\r") == (
        b'\r\n+QISTATE: 1,"TCP LISTENER","10.7.157.1",0,2020,3,1,1,0,"uart1"\r\n\r\nOK\r\n'
    )
    remote = ("127.0.0.1", 54091)
    assert h.event(Incoming(1, 77, remote, ("127.0.0.1", 2020))) == (
        b'\r\n+QIURC: "incoming",11,1,"127.0.0.1",54091\r\n'
    )
    assert h.net.calls_to("accept")[-1][:2] == (77, 11)
    assert h.event(Received(11, b"test")) == b'\r\n+QIURC: "recv",11\r\n'
    assert h.send(b"AT+QIRD=11,1500\r") == b"\r\n+QIRD: 4\r\ntest\r\n\r\nOK\r\n"
    assert h.send(b"AT+QIRD=11,0\r") == b"\r\n+QIRD: 4,4,0\r\n\r\nOK\r\n"
    assert h.send(b"AT+QISTATE=1,11\r") == (
        b'\r\n+QISTATE: 11,"TCP INCOMING","127.0.0.1",54091,2020,2,1,1,0,"uart1"\r\n\r\nOK\r\n'
    )
    assert h.send(b"AT+QICLOSE=11\r") == b""
    assert h.event(Closed(11)) == b"\r\nOK\r\n"
    assert h.send(b"AT+QICLOSE=1\r") == b""
    assert h.event(Closed(1)) == b"\r\nOK\r\n"


def test_incoming_full_and_tcp_accept_off(h: Harness) -> None:
    h.send(b'AT+QIOPEN=1,0,"TCP LISTENER","127.0.0.1",0,2020,0\r')
    h.event(Opened(0, ("127.0.0.1", 2020), None))
    for token in range(11):
        assert b'"incoming",' in h.event(
            Incoming(0, token, ("127.0.0.1", 1000 + token), ("127.0.0.1", 2020))
        )
    assert h.event(Incoming(0, 99, ("127.0.0.1", 999), ("127.0.0.1", 2020))) == (
        b'\r\n+QIURC: "incoming full"\r\n'
    )
    assert h.net.calls_to("reject") == [(99,)]
    assert h.send(b'AT+QICFG="tcp/accept",0\r') == b"\r\nOK\r\n"
    h.send(b"AT+QICLOSE=5,0\r")
    h.event(Closed(5))
    assert h.event(Incoming(0, 100, ("127.0.0.1", 998), ("127.0.0.1", 2020))) == b""
    assert h.net.calls_to("reject")[-1] == (100,)


def test_qiopen_errors_arrive_as_urc(h: Harness) -> None:
    h.open_tcp(0)
    assert h.send(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009\r') == (
        b"\r\nOK\r\n\r\n+QIOPEN: 0,563\r\n"
    )
    assert h.send(b'AT+QIOPEN=2,1,"TCP","127.0.0.1",8009\r') == (
        b"\r\nOK\r\n\r\n+QIOPEN: 1,561\r\n"
    )
    assert h.send(b'AT+QIOPEN=1,2,"TCP","nowhere.invalid",80,0,0\r') == b"\r\nOK\r\n"
    assert h.event(OpenFailed(2, NetFailure.NAME_NOT_RESOLVED)) == b"\r\n+QIOPEN: 2,565\r\n"
    assert h.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 565,dns parse failed\r\n\r\nOK\r\n"
    assert h.send(b"AT+QISTATE=1,2\r") == b"\r\nOK\r\n"


@pytest.mark.parametrize(
    "command",
    [
        b'AT+QIOPEN=1,"TCP","127.0.0.1",8009,0,1\r',  # connectID omitted (doc example)
        b'AT+QIOPEN=1,12,"TCP","127.0.0.1",8009\r',
        b'AT+QIOPEN=16,0,"TCP","127.0.0.1",8009\r',
        b'AT+QIOPEN=1,0,"SCTP","127.0.0.1",8009\r',
        b'AT+QIOPEN=1,0,"TCP","127.0.0.1",70000\r',
        b'AT+QIOPEN=1,0,"TCP LISTENER","127.0.0.1",0,0\r',
        b"AT+QISEND=12,4\r",
        b"AT+QISEND=0,1461\r",
        b"AT+QIRD=0,1501\r",
        b"AT+QICLOSE=\r",
        b"AT+QICLOSE=12\r",
        b'AT+QISENDEX=0,"313\r',
        b'AT+QISENDEX=0,"31G2"\r',
        b'AT+QICFG="nosuchkey"\r',
        b'AT+QICFG="transpktsize",0\r',
        b'AT+QICFG="dataformat",1\r',
    ],
)
def test_malformed_forms_answer_error_552(h: Harness, command: bytes) -> None:
    h.open_tcp(0)
    assert h.send(command) == b"\r\nERROR\r\n"
    assert h.send(b"AT+QIGETERROR\r") == (b"\r\n+QIGETERROR: 552,invalid parameters\r\n\r\nOK\r\n")
    assert h.send(b"AT+QISTATE=1,0\r").count(b"+QISTATE: 0,") == 1  # untouched


def test_qiclose_unused_id_is_ok(h: Harness) -> None:
    assert h.send(b"AT+QICLOSE=3\r") == b"\r\nOK\r\n"
    assert h.net.calls_to("close") == []


def test_urc_during_data_entry_comes_after_send_ok(h: Harness) -> None:
    h.open_tcp(0)
    h.open_tcp(1)
    assert h.send(b"AT+QISEND=0,5\r\n") == b"\r\n>"
    assert h.send(b"ab") == b"ab"
    assert h.event(Received(1, b"zz")) == b""  # held: the host is typing data
    assert h.event(PeerClosed(1)) == b""
    assert h.send(b"cde") == b'cde\r\nSEND OK\r\n\r\n+QIURC: "recv",1\r\n\r\n+QIURC: "closed",1\r\n'


def test_fixed_length_data_is_binary_and_stray_ctrl_z_is_ignored(h: Harness) -> None:
    h.open_tcp(0)
    payload = b"\x1a\x1b+++\r\nAT\r"
    assert h.send(b"ATE0;+QISDE=0\r") == b"\r\nOK\r\n"
    assert h.send(f"AT+QISEND=0,{len(payload)}\r".encode() + payload + b"\x1a") == (
        b"\r\n>\r\nSEND OK\r\n"
    )
    assert h.net.sent(0) == payload
    assert h.send(b"AT\r") == b"\r\nOK\r\n"


def test_variable_length_escape_cancels(h: Harness) -> None:
    h.open_tcp(0)
    assert h.send(b"AT+QISEND=0\r\n") == b"\r\n>"
    assert h.send(b"abc\x1b") == b"abc\r\nOK\r\n"
    assert h.net.sent(0) == b""
    assert h.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 571,cancel sending\r\n\r\nOK\r\n"


def test_variable_length_over_1460_is_error(h: Harness) -> None:
    h.open_tcp(0)
    h.send(b"AT+QISDE=0\r")
    assert h.send(b"AT+QISEND=0\r\n") == b"\r\n>"
    assert h.send(b"x" * 2000 + b"\x1a") == b"\r\nERROR\r\n"
    assert h.net.sent(0) == b""
    assert h.send(b"AT+QISEND=0\r\n") == b"\r\n>"
    assert h.send(b"\x1a") == b"\r\nSEND OK\r\n"  # empty send: SEND OK, 0 bytes


def test_send_fail_when_unacked_exceeds_buffer(h: Harness) -> None:
    h.open_tcp(0)
    h.send(b"AT+QISDE=0\r")
    h.net.backlogs[0] = 10240 - 3
    assert h.send(b"AT+QISEND=0,4\r\n") == b"\r\n>"
    assert h.send(b"abcd") == b"\r\nSEND FAIL\r\n"
    assert h.net.sent(0) == b""
    assert h.send(b'AT+QISENDEX=0,"313233"\r') == b"\r\nSEND OK\r\n"


def test_send_query_reports_kernel_unacked(h: Harness) -> None:
    h.open_tcp(0)
    h.send(b'AT+QISENDEX=0,"3132333435"\r')
    h.net.backlogs[0] = 2
    assert h.send(b"AT+QISEND=0,0\r") == b"\r\n+QISEND: 5,3,2\r\n\r\nOK\r\n"


@pytest.mark.parametrize(
    ("mode", "immediate", "after_ack"),
    [
        (1, b"", b"\r\nSEND OK\r\n"),
        (2, b"", b"\r\n0,SEND OK\r\n"),
        (3, b"\r\nOK\r\n", b"\r\n+QIURC: SEND OK\r\n"),
        (4, b"\r\nOK\r\n", b"\r\n+QIURC: 0,SEND OK\r\n"),
    ],
)
def test_tcp_send_modes(h: Harness, mode: int, immediate: bytes, after_ack: bytes) -> None:
    h.open_tcp(0)
    assert h.send(f'AT+QICFG="TCP/SendMode",{mode}\r'.encode()) == b"\r\nOK\r\n"
    assert h.send(b'AT+QISENDEX=0,"31"\r') == immediate
    req = h.net.calls_to("wait_acked")[-1][1]
    assert isinstance(req, int)
    assert h.event(AllAcked(0, req)) == after_ack


def test_remote_close_keeps_unread_data(h: Harness) -> None:
    h.open_tcp(0)
    h.event(Received(0, b"last words"))
    assert h.event(PeerClosed(0)) == b'\r\n+QIURC: "closed",0\r\n'
    assert h.send(b"AT+QISTATE=1,0\r").split(b",")[5] == b"4"
    assert h.send(b"AT+QIRD=0\r") == b"\r\n+QIRD: 10\r\nlast words\r\n\r\nOK\r\n"
    assert h.send(b"AT+QISEND=0,1\r") == b"\r\nERROR\r\n"
    assert h.send(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",8009\r') == (
        b"\r\nOK\r\n\r\n+QIOPEN: 0,563\r\n"
    )


def test_passiveclosed_frees_the_slot(h: Harness) -> None:
    h.send(b'AT+QICFG="passiveclosed",1\r')
    h.open_tcp(0)
    assert h.event(PeerClosed(0)) == b'\r\n+QIURC: "closed",0\r\n'
    assert h.send(b"AT+QISTATE?\r") == b"\r\nOK\r\n"


def test_close_mode_1_answers_at_once(h: Harness) -> None:
    h.send(b'AT+QICFG="close/mode",1\r')
    h.open_tcp(0)
    assert h.send(b"AT+QICLOSE=0\r") == b"\r\nOK\r\n"
    assert h.event(Closed(0)) == b'\r\n+QIURC: "closed",0\r\n'


def test_buffer_is_bounded_and_pauses_the_socket() -> None:
    h = Harness(Profile(rx_buffer_size=4000))
    h.open_tcp(0)
    assert h.event(Received(0, b"a" * 3000)) == b'\r\n+QIURC: "recv",0\r\n'
    h.event(Received(0, b"b" * 3000))
    assert h.net.calls_to("pause_reading") == [(0,)]
    assert h.send(b"AT+QIRD=0,0\r") == b"\r\n+QIRD: 4000,0,4000\r\n\r\nOK\r\n"
    got = b""
    for _ in range(10):
        out = h.send(b"AT+QIRD=0,1500\r")
        if out == b"\r\n+QIRD: 0\r\n\r\nOK\r\n":
            break
        header, rest = out[2:].split(b"\r\n", 1)
        got += rest[: int(header.split(b" ")[1])]
    assert got == b"a" * 3000 + b"b" * 3000  # nothing lost
    assert h.net.calls_to("resume_reading") == [(0,)]


def test_udp_datagrams_that_do_not_fit_are_dropped_and_counted() -> None:
    h = Harness(Profile(rx_buffer_size=1500))
    notes: list[tuple[str, dict[str, object]]] = []
    h.engine.note = lambda event, **fields: notes.append((event, fields))
    h.send(b'AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,3030,0\r')
    h.event(Opened(2, ("127.0.0.1", 3030), None))
    assert h.event(Received(2, b"x" * 1000, ("127.0.0.1", 5000))) == b'\r\n+QIURC: "recv",2\r\n'
    assert h.event(Received(2, b"y" * 1000, ("127.0.0.1", 5001))) == b""
    assert notes == [("udp-drop", {"conn_id": 2, "bytes": 1000})]
    assert h.send(b"AT+QIRD=2\r") == (
        b'\r\n+QIRD: 1000,"127.0.0.1",5000\r\n' + b"x" * 1000 + b"\r\n\r\nOK\r\n"
    )


def test_udp_service_send_form(h: Harness) -> None:
    h.send(b'AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,3030,0\r')
    h.event(Opened(2, ("127.0.0.1", 3030), None))
    assert h.send(b"AT+QISEND=2,4\r") == b"\r\nERROR\r\n"  # address required
    assert h.send(b'AT+QISEND=2,4,"localhost",5000\r') == b"\r\nERROR\r\n"
    assert h.send(b'AT+QISEND=2,4,"127.0.0.1",5000\r\n') == b"\r\n>"
    assert h.send(b"ping") == b"ping\r\nSEND OK\r\n"
    assert h.net.calls_to("send")[-1] == (2, b"ping", ("127.0.0.1", 5000))


# -- transparent mode -----------------------------------------------------------------


def test_transparent_packets_cut_at_size_and_idle_time(h: Harness) -> None:
    h.open_tcp(0, mode=2)
    assert h.engine.mode is PortMode.TRANSPARENT
    h.send(b"x" * 2500)
    assert [len(c[1]) for c in h.net.calls_to("send")] == [1024, 1024]  # type: ignore[arg-type]
    h.advance(0.19)
    assert len(h.net.calls_to("send")) == 2
    h.advance(0.02)
    assert [len(c[1]) for c in h.net.calls_to("send")] == [1024, 1024, 452]  # type: ignore[arg-type]
    assert h.event(Received(0, b"\r\nraw\x1a")) == b"\r\nraw\x1a"


def test_plus_escape_with_guard_times(h: Harness) -> None:
    h.open_tcp(0, mode=2)
    h.advance(1.1)
    assert h.send(b"+++") == b""
    assert h.advance(0.9) == b""
    assert h.advance(0.2) == b"\r\nOK\r\n"
    assert h.engine.mode is PortMode.COMMAND
    assert h.net.sent(0) == b""
    assert h.send(b"AT+QISTATE=1,0\r").split(b",")[8] == b"0"  # now buffer mode
    assert h.event(Received(0, b"late")) == b'\r\n+QIURC: "recv",0\r\n'
    assert h.send(b"ATO\r\n") == b"\r\nCONNECT\r\nlate"  # buffered data flushed raw (A12)


def test_plus_inside_data_is_data(h: Harness) -> None:
    h.open_tcp(0, mode=2)
    h.send(b"abc+++", dt=1.5)  # no silence before the +
    h.advance(0.3)
    assert h.net.sent(0) == b"abc+++"
    h.send(b"+++", dt=0.5)  # only 0.8 s of silence before
    h.send(b"++", dt=1.5)
    h.send(b"+x", dt=0.3)  # a byte mixed in
    h.send(b"++", dt=1.5)
    h.send(b"+", dt=0.3)
    h.send(b"+", dt=0.3)  # a fourth +
    h.send(b"+", dt=1.5)
    h.advance(1.2)  # a lone + whose 1 s window ran out
    h.send(b"+++", dt=1.1)
    h.send(b"y", dt=0.9)  # input before the trailing guard time ended
    h.advance(3)
    assert h.engine.mode is PortMode.TRANSPARENT
    assert h.net.sent(0) == b"abc+++" + b"+++" + b"+++x" + b"++++" + b"+" + b"+++y"


def test_peer_close_in_transparent_gives_no_carrier(h: Harness) -> None:
    h.open_tcp(0, mode=2)
    assert h.event(Received(0, b"bye")) == b"bye"
    assert h.event(PeerClosed(0)) == b"\r\nNO CARRIER\r\n"
    assert h.engine.mode is PortMode.COMMAND
    assert h.send(b"AT+QISTATE=1,0\r").split(b",")[5] == b"4"
    assert h.send(b"ATO\r") == b"\r\nNO CARRIER\r\n"
    assert h.send(b"AT+QICLOSE=0\r") == b""
    assert h.event(Closed(0)) == b"\r\nOK\r\n"


def test_urcs_are_held_in_transparent_mode(h: Harness) -> None:
    h.open_tcp(1)
    h.open_tcp(0, mode=2)
    assert h.event(Received(1, b"other")) == b""
    h.advance(1.1)
    h.send(b"+++")
    assert h.advance(1.1) == b'\r\nOK\r\n\r\n+QIURC: "recv",1\r\n'


def test_transparent_open_failure_is_error(h: Harness) -> None:
    assert h.send(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",1,0,2\r') == b""
    assert h.event(OpenFailed(0, NetFailure.CONNECT)) == b"\r\nERROR\r\n"
    assert h.send(b"AT+QIGETERROR\r") == (
        b"\r\n+QIGETERROR: 566,socket connect failed\r\n\r\nOK\r\n"
    )


def test_qiswtmd_buffer_to_push_flushes(h: Harness) -> None:
    h.open_tcp(0)
    h.event(Received(0, b"held"))
    assert h.send(b"AT+QISWTMD=0,1\r") == b'\r\nOK\r\n\r\n+QIURC: "recv",0,4\r\nheld\r\n'
    assert h.send(b"AT+QISWTMD=0,2\r\n") == b"\r\nCONNECT\r\n"
    assert h.engine.mode is PortMode.TRANSPARENT


def test_pdpdeact(h: Harness) -> None:
    h.open_tcp(0)
    assert h.event(PdpDeactivated(1)) == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert h.send(b"AT+QISTATE=1,0\r").split(b",")[5] == b"4"
    assert h.send(b"AT+QISEND=0,1\r") == b"\r\nERROR\r\n"
    assert h.send(b"AT+QIGETERROR\r") == (
        b"\r\n+QIGETERROR: 570,pdp context broken down\r\n\r\nOK\r\n"
    )
    assert h.send(b"AT+QIDEACT=1\r") == b"\r\nOK\r\n"


def test_qideact_releases_sockets_silently(h: Harness) -> None:
    h.open_tcp(0)
    h.open_tcp(3)
    assert h.send(b"AT+QIDEACT=1\r") == b"\r\nOK\r\n"
    assert sorted(c[0] for c in h.net.calls_to("close")) == [0, 3]  # type: ignore[type-var]
    assert h.send(b"AT+QISTATE?\r") == b"\r\nOK\r\n"
    assert h.event(Closed(0)) == b""


def test_twelve_sockets_at_once(h: Harness) -> None:
    for conn_id in range(12):
        h.open_tcp(conn_id, local_port=40000 + conn_id)
    lines = h.send(b"AT+QISTATE?\r").split(b"\r\n")
    assert sum(line.startswith(b"+QISTATE:") for line in lines) == 12


def test_a_socket_the_host_is_closing_shows_closing_and_refuses_a_second_close(
    h: Harness,
) -> None:
    """docs/socket-states.md: HOST_CLOSING shows as 4; a second QICLOSE is busy (568), a
    late Received and a pdpdeact no longer touch it, the one Closed frees it."""
    h.send(b'AT+QICFG="close/mode",1\r')
    h.open_tcp(0)
    assert h.send(b"AT+QICLOSE=0\r") == b"\r\nOK\r\n"
    assert h.send(b"AT+QISTATE=1,0\r") == (
        b'\r\n+QISTATE: 0,"TCP","127.0.0.1",8009,65514,4,1,0,0,"uart1"\r\n\r\nOK\r\n'
    )
    assert h.send(b"AT+QICLOSE=0\r") == b"\r\nERROR\r\n"
    assert h.send(b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 568,operation busy\r\n\r\nOK\r\n"
    assert h.event(Received(0, b"late")) == b""
    assert h.event(PdpDeactivated(1)) == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert h.net.calls_to("close") == [(0, 10)]
    assert h.event(Closed(0)) == b'\r\n+QIURC: "closed",0\r\n'
    assert h.send(b"AT+QISTATE?\r") == b"\r\nOK\r\n"
