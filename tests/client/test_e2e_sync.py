"""The blocking client (``Modem``/``Socket``/``Listener``) against ``modemu serve``.

Uses the plugin's ``modem_client`` fixture, so these tests double as a conformance suite:
``pytest tests/client/test_e2e_sync.py --modemu-url=/dev/ttyUSB2`` runs them on a real
module (the peers are local, so the module must reach this machine).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from modemu.client import Modem
from modemu.errors import ConnectionClosed, ModemTimeout

from .conftest import CLOSE_COMMAND

pytestmark = pytest.mark.modemu(activate=True, apn="internet")


def test_socket_like_tcp(modem_client: Modem, tcp_echo_port: int) -> None:
    with modem_client.socket() as sock:
        sock.settimeout(5)
        sock.connect(("127.0.0.1", tcp_echo_port))
        assert sock.getpeername() == ("127.0.0.1", tcp_echo_port)
        assert sock.send(b"x" * 2000) == 1460  # one QISEND carries at most 1460 bytes
        sock.sendall(b"y" * 540)
        received = b""
        while len(received) < 2000:
            received += sock.recv(4096)
        assert received == b"x" * 1460 + b"y" * 540


def test_recv_timeout_is_socket_timeout(modem_client: Modem, tcp_echo_port: int) -> None:
    sock = modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=0.3)
    with pytest.raises(TimeoutError) as info:
        sock.recv(10)
    assert isinstance(info.value, ModemTimeout)
    assert isinstance(info.value, socket.timeout)
    sock.setblocking(False)
    with pytest.raises(BlockingIOError):
        sock.recv(10)
    sock.close()
    sock.close()  # twice is harmless
    with pytest.raises(ConnectionClosed):
        sock.recv(10)


def test_makefile_lines(modem_client: Modem, tcp_echo_port: int) -> None:
    sock = modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5)
    with sock, sock.makefile("rw", encoding="ascii", newline="") as stream:
        stream.write("first line\r\nsecond line\r\n")
        stream.flush()
        assert stream.readline() == "first line\r\n"
        assert stream.readline() == "second line\r\n"


def test_eof_after_peer_close(modem_client: Modem, tcp_echo_port: int) -> None:
    with modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5) as sock:
        sock.sendall(CLOSE_COMMAND)
        data = b""
        while chunk := sock.recv(100):
            data += chunk
        assert data == b"bye"


def test_udp_socket(modem_client: Modem, udp_echo_port: int) -> None:
    with modem_client.socket(socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.connect(("127.0.0.1", udp_echo_port))
        sock.send(b"datagram")
        assert sock.recv(100) == b"datagram"


def test_udp_bind_sendto_recvfrom(modem_client: Modem, free_port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(5)
        with modem_client.socket(socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.bind(("", free_port))
            sock.sendto(b"hello", peer.getsockname())
            data, address = peer.recvfrom(100)
            assert data == b"hello"
            peer.sendto(b"world", address)
            assert sock.recvfrom(100) == (b"world", peer.getsockname())


def test_listener_accept(modem_client: Modem, free_port: int) -> None:
    with modem_client.listen(free_port) as listener:
        listener.settimeout(5)
        replies: list[bytes] = []

        def client() -> None:
            with socket.create_connection(("127.0.0.1", free_port), timeout=5) as conn:
                conn.sendall(b"knock")
                replies.append(conn.recv(100))

        thread = threading.Thread(target=client)
        thread.start()
        sock, address = listener.accept()
        with sock:
            sock.settimeout(5)
            assert address is not None and address[0] == "127.0.0.1"
            assert sock.recv(100) == b"knock"
            sock.sendall(b"who's there")
            thread.join(5)
        assert replies == [b"who's there"]


def test_services_and_urc_iterator(modem_client: Modem, tcp_echo_port: int) -> None:
    assert modem_client.resolve("127.0.0.1") == ["127.0.0.1"]
    assert modem_client.ping("127.0.0.1", timeout=2, count=1).received == 1
    with (
        modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5) as sock,
        modem_client.urcs(timeout=5) as urcs,
    ):
        sock.sendall(CLOSE_COMMAND)
        closed = next(u for u in urcs if u.kind == "closed")
        assert closed.int_arg(1) == sock.conn_id


@pytest.mark.modemu(qicfg={"transpktsize": 256, "passiveclosed": 1})
def test_qicfg_marker_is_applied(modem_client: Modem) -> None:
    assert modem_client.get_config("transpktsize") == (256,)
    assert modem_client.get_config("passiveclosed") == (1,)


def test_transparent_socket(modem_client: Modem, tcp_echo_port: int) -> None:
    sock = modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5, transparent=True)
    with sock:
        sock.sendall(b"through the port\r\n")
        received = b""
        while len(received) < 18:
            received += sock.recv(100)
        assert received == b"through the port\r\n"
    assert modem_client.command("AT").ok  # command mode again after +++ and QICLOSE


@pytest.mark.modemu(tcp=True)
def test_over_a_socket_url(modem_client: Modem, modem_url: str, tcp_echo_port: int) -> None:
    """The same client over ``socket://`` (pyserial's URL for modemu's TCP port)."""
    assert modem_url.startswith("socket://")
    with modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5) as sock:
        sock.sendall(b"via tcp")
        assert sock.recv(100) == b"via tcp"


@pytest.mark.modemu(qicfg={"passiveclosed": 1})
def test_eof_when_the_module_frees_a_closed_socket(modem_client: Modem, tcp_echo_port: int) -> None:
    """With passiveclosed=1 the module frees the socket (and its unread data) by itself;
    the client reports end of stream, not an error, whether or not it read ``bye`` first."""
    with modem_client.create_connection(("127.0.0.1", tcp_echo_port), timeout=5) as sock:
        sock.sendall(CLOSE_COMMAND)
        data = b""
        while chunk := sock.recv(100):
            data += chunk
        assert data in (b"bye", b"")


def test_spy_url_dumps_the_traffic(modem_url: str, tmp_path: Path) -> None:
    """Any pyserial URL works, e.g. ``spy://`` for a hex dump of both directions."""
    log = tmp_path / "at.log"
    with Modem(f"spy://{modem_url}?file={log}") as modem:
        assert modem.command("AT+CSQ").lines == ("+CSQ: 28,99",)
    dump = log.read_text()
    assert "TX" in dump and "AT+CSQ" in dump  # one write, so one dump line
    assert "RX" in dump
