"""Scripted peers: each on its own with plain sockets, then on the far side of a module."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

import dns.message
import dns.query
import ntplib
import pytest

from modemu.testing.controller import ModemuInstance
from modemu.testing.peers import Peer, ScriptedPeer, parse_step
from modemu.testing.pty_host import OK, PtyHost

TIMEOUT = 10.0
WHEN = datetime(2024, 2, 29, 12, 0, 0, tzinfo=UTC).timestamp()


def test_tcp_echo_and_sink(modemu_peer: Callable[..., Peer]) -> None:
    echo = modemu_peer("echo")
    with socket.create_connection(echo.address, timeout=TIMEOUT) as conn:
        conn.sendall(b"hello")
        assert conn.recv(5) == b"hello"
    sink = modemu_peer("sink")
    with socket.create_connection(sink.address, timeout=TIMEOUT) as conn:
        conn.sendall(b"x" * 1000)
    assert sink.wait_for(1000) == b"x" * 1000


def test_udp_echo(modemu_peer: Callable[..., Peer]) -> None:
    echo = modemu_peer("udp-echo")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.sendto(b"ping", echo.address)
        assert sock.recvfrom(100) == (b"ping", echo.address)


def test_http_status_and_body(modemu_peer: Callable[..., Peer]) -> None:
    server = modemu_peer("http", status=503, body=b"busy")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/x", timeout=TIMEOUT)
    assert caught.value.code == 503 and caught.value.read() == b"busy"
    assert server.requests == [("GET", "/x", b"")]  # type: ignore[attr-defined]


def test_dns_records_and_nxdomain(modemu_peer: Callable[..., Peer]) -> None:
    server = modemu_peer("dns", records={"api.test": "10.1.2.3"})
    answer = dns.query.udp(
        dns.message.make_query("API.test", "A"), "127.0.0.1", port=server.port, timeout=TIMEOUT
    )
    assert [r.to_text() for rrset in answer.answer for r in rrset] == ["10.1.2.3"]
    missing = dns.query.udp(
        dns.message.make_query("nope.test", "A"), "127.0.0.1", port=server.port, timeout=TIMEOUT
    )
    assert missing.rcode() == dns.rcode.NXDOMAIN


def test_ntp_serves_the_chosen_time(modemu_peer: Callable[..., Peer]) -> None:
    server = modemu_peer("ntp", unix_time=WHEN)
    reply = ntplib.NTPClient().request("127.0.0.1", port=server.port, timeout=TIMEOUT)
    assert abs(reply.tx_time - WHEN) < 5


def test_script_send_expect_reset(modemu_peer: Callable[..., Peer]) -> None:
    peer = modemu_peer("script", script=["send:HI\\r\\n", "expect:3", "reset"])
    with socket.create_connection(peer.address, timeout=TIMEOUT) as conn:
        assert conn.recv(4) == b"HI\r\n"
        conn.sendall(b"abc")
        with pytest.raises(ConnectionResetError):
            while conn.recv(10):
                pass
    assert peer.received == b"abc"


@pytest.mark.parametrize("bad", ["shout:x", "expect:many", "close:now"])
def test_bad_script_steps(bad: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_step(bad)


def test_scripted_close_is_a_fin() -> None:
    with (
        ScriptedPeer(["send:bye", "close"]) as peer,
        socket.create_connection(peer.address, timeout=TIMEOUT) as conn,
    ):
        assert conn.recv(3) == b"bye"
        assert conn.recv(3) == b""


def test_hold_records_until_the_other_side_closes() -> None:
    with ScriptedPeer(["expect:2", "send:ok", "hold"], host="127.0.0.3") as peer:
        assert peer.url.startswith("tcp://127.0.0.3:")
        with socket.create_connection(peer.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"hi")
            assert conn.recv(2) == b"ok"
            conn.sendall(b" and more")
            assert peer.wait_for(11) == b"hi and more"
        # the client closed: the handler's hold ends and the connection is released
        with peer.lock:
            assert peer.lock.wait_for(lambda: not peer.open_connections, TIMEOUT)


def test_close_ends_a_held_connection_at_once() -> None:
    peer = ScriptedPeer(["hold"])
    conn = socket.create_connection(peer.address, timeout=TIMEOUT)
    with conn:
        conn.sendall(b"x")
        peer.wait_for(1)
        peer.close()
        assert conn.recv(1) == b""  # a FIN now, not after any timeout


def test_cli_peer_prints_its_url_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "modemu", "peer", "echo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("tcp://127.0.0.1:")
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), TIMEOUT) as c:
            c.sendall(b"yo")
            assert c.recv(2) == b"yo"
    finally:
        proc.terminate()
        proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0


# -- through a module ------------------------------------------------------------------------


@pytest.fixture
def dns_peer(modemu_peer: Callable[..., Peer]) -> Peer:
    return modemu_peer("dns", records={"echo.test": "127.0.0.1"})


@pytest.fixture
def host(modemu_factory: Callable[..., ModemuInstance], dns_peer: Peer) -> PtyHost:
    instance = modemu_factory(args=["--dns", "127.0.0.1", "--dns-port", str(dns_peer.port)])
    assert instance.path is not None
    pty = PtyHost(instance.path)
    pty.wait_ready()
    pty.command("ATE0")
    pty.command("AT+QIACT=1")
    return pty


def test_module_resolves_through_the_dns_peer_and_talks_to_the_echo(
    host: PtyHost, tcp_echo: Peer, dns_peer: Peer
) -> None:
    host.command(f'AT+QIOPEN=1,0,"TCP","echo.test",{tcp_echo.port},0,1', until=b"+QIOPEN: 0,0\r\n")
    host.write(b"AT+QISEND=0,4\r\n")
    host.read_until(b">")
    host.write(b"ping")
    assert host.read_until(b'+QIURC: "recv",0,4\r\nping\r\n').endswith(b"ping\r\n")
    assert dns_peer.queries == ["echo.test"]  # type: ignore[attr-defined]
    host.close()


def test_module_sets_its_clock_from_the_ntp_peer(
    host: PtyHost, modemu_peer: Callable[..., Peer]
) -> None:
    ntp = modemu_peer("ntp", unix_time=WHEN)
    host.command(f'AT+QNTP=1,"127.0.0.1",{ntp.port},1')
    answer = host.read_until(b"\r\n+QNTP: ")
    answer += host.read_until(b"\r\n")
    assert answer.startswith(b'\r\n+QNTP: 0,"2024/02/29,'), answer
    assert host.command("AT+CCLK?").startswith(b'\r\n+CCLK: "24/02/29,')
    host.close()


def test_module_sees_the_scripted_reset(host: PtyHost, modemu_peer: Callable[..., Peer]) -> None:
    # the peer waits for a byte first: a reset racing the connect itself is another test
    peer = modemu_peer("script", script=["expect:1", "send:HELLO", "reset"])
    host.command(f'AT+QIOPEN=1,1,"TCP","127.0.0.1",{peer.port},0,0', until=b"+QIOPEN: 1,0\r\n")
    host.write(b"AT+QISEND=1,1\r\n")
    host.read_until(b">")
    host.write(b"!")
    host.read_until(b"SEND OK\r\n")
    seen = host.read_until(b'+QIURC: "closed",1\r\n')
    assert b'+QIURC: "recv",1' in seen
    assert host.command("AT+QIRD=1,10") == b"\r\n+QIRD: 5\r\nHELLO\r\n" + OK
    assert peer.received == b"!"
    host.close()
