"""What the real TinyGSM BG96 driver, built for Linux and run against ``modemu serve --pty``,
depended on beyond ``test_tinygsm_bg96.py`` — kept here as byte-level replays so CI holds it
without TinyGSM being present (docs/compat.md, "TinyGSM built for Linux").

Facts from the public sources (vshymanskyy/TinyGSM ``src/TinyGsmClientBG96.h``,
``src/TinyGsmTCP.tpp``, ``src/TinyGsmModem.tpp``, ``src/TinyGsmNTP.tpp``) and from the run's
own trace:

- Every client ``connect()`` first sends ``AT+QICLOSE=<mux>`` (``stop()``), then
  ``AT+QIOPEN=1,<mux>,"TCP","<host>",<port>,0,0``; the host may be a name, which the module
  resolves. A failed open is ``+QIOPEN: <mux>,<err>`` with ``err`` not 0.
- A client's ``write()`` is one ``AT+QISEND=<mux>,<len>`` whatever the length: TinyGSM does
  not split, so a write longer than the BG96's 1460-byte limit gets ``ERROR`` and returns 0.
- Reading: ``AT+QIRD=<mux>,0`` for the unread count (third field), then
  ``AT+QIRD=<mux>,<n>`` with ``n`` at most its FIFO's free space (``TINY_GSM_RX_BUFFER``,
  64 by default), until the count is 0; the socket stays "connected" while bytes are unread.
- ``NTPServerSync``: ``AT+QNTP=1,"<server>"``, up to 10 s for ``+QNTP:``, the code before ``,``.
  ``getNetworkUTCTime``: ``AT+QLTS=1``. ``poweroff()``: ``AT+QPOWD=1``, ``OK`` then
  ``POWERED DOWN`` within 300 ms each. ``factoryDefault()``: ``AT&FZE0&W``, ``AT+IPR=0``,
  ``AT&W``. ``setBaud()``: ``AT+IPR=<rate>``. ``sleepEnable(false)``: ``AT+QSCLK=0``.
- ``testAT()`` sends ``AT`` every 200 ms until ``OK``: a module still booting must drop those
  lines, not answer them all once it is up.
"""

from __future__ import annotations

import socket
from pathlib import Path

from compat_kit import DriverStream, loopback_peer, module_on_pty
from test_tinygsm_bg96 import TinyGsmBG96

from modemu.testing.inprocess import ModemuThread
from modemu.testing.peers import DnsServer, NtpServer

BG96 = ("--profile", "bg96")
RX_BUFFER = 1023
"""The FIFO size the run used (``TINY_GSM_RX_BUFFER`` 1024 holds 1023)."""


class TinyGsmLinuxRun(TinyGsmBG96):
    """The calls of the run that the base replay does not make."""

    def connect(self, mux: int, host: str, port: int) -> bool:
        self.stop(mux)  # GsmClientBG96::connect() calls stop() first
        return super().connect(mux, host, port)

    def read_all(self, mux: int) -> bytes:
        """``available()``/``read()`` in a loop until the module has nothing unread."""
        data = b""
        while unread := self.available(mux):
            data += self.read(mux, min(unread, RX_BUFFER))
        return data

    def ntp_sync(self, server: str, port: int) -> int:
        self.send_at('+QNTP=1,"', server, '",', port)
        if self.wait_response(10.0, b"+QNTP:") != 1:
            return -1
        code = self.stream.int_before(b",")
        self.stream.read_until(b"\n")
        return code

    def simple(self, command: str, timeout: float = 1.0) -> int:
        self.send_at(command)
        return self.wait_response(timeout)


def big_body(size: int) -> bytes:
    return bytes((i * 31 + 7) & 0xFF for i in range(size))


def test_two_clients_at_once_and_a_body_larger_than_the_receive_buffer(tmp_path: Path) -> None:
    """Two sockets open together; 20000 bytes (more than the BG96's receive buffer) and a
    short answer arrive whole through 1023-byte reads. The big one's ``"closed"`` comes only
    once the host has read enough for the module to see the peer's FIN (back-pressure), and
    each refill of the emptied buffer is announced by a new ``+QIURC: "recv"``."""
    body = big_body(20000)
    with module_on_pty(tmp_path, *BG96) as stream, loopback_peer() as a, loopback_peer() as b:
        driver = TinyGsmLinuxRun(stream)
        driver.init()
        driver.gprs_connect("internet")
        assert driver.connect(0, "127.0.0.1", a.port)
        assert driver.connect(1, "127.0.0.1", b.port)
        assert driver.send(0, b"GET /big HTTP/1.0\r\n\r\n") == 21
        assert driver.send(1, b"GET /small HTTP/1.0\r\n\r\n") == 23
        a.send(body)
        a.close_connection()
        b.send(b"small body\n")
        b.close_connection()
        assert driver.maintain_until(lambda: 1 in driver.closed)
        assert driver.read_all(1) == b"small body\n"
        received = b""
        while len(received) < len(body):  # the sketch's loop: read while anything comes
            received += driver.read_all(0)
            if len(received) < len(body):
                assert driver.maintain_until(lambda: 0 in driver.got_data), len(received)
                driver.got_data.discard(0)
        assert received == body
        assert driver.maintain_until(lambda: 0 in driver.closed)
        assert not driver.connected(0) and not driver.connected(1)
        driver.stop(0)
        driver.stop(1)
        assert stream.quiet() == b""


def test_connect_by_name_through_the_configured_dns(tmp_path: Path) -> None:
    with DnsServer({"tinygsm.test": "127.0.0.1"}) as dns, loopback_peer() as peer:
        resolver = ("--dns", "127.0.0.1", "--dns-port", str(dns.port))
        with module_on_pty(tmp_path, *BG96, *resolver) as stream:
            driver = TinyGsmLinuxRun(stream)
            driver.init()
            driver.gprs_connect("internet")
            assert driver.connect(2, "tinygsm.test", peer.port)
            assert driver.send(2, b"hi") == 2
            assert peer.wait_received(2) == b"hi"
            driver.stop(2)
        assert dns.queries == ["tinygsm.test"]  # type: ignore[attr-defined]


def test_refused_connect_fails_at_once_and_send_length_is_capped(tmp_path: Path) -> None:
    """A closed port gives ``+QIOPEN: <mux>,<err>`` (TinyGSM: ``connect()`` false); a
    1461-byte write is refused with ``ERROR`` (TinyGSM: ``write()`` returns 0), 1460 goes."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    with module_on_pty(tmp_path, *BG96) as stream, loopback_peer() as peer:
        driver = TinyGsmLinuxRun(stream)
        driver.init()
        driver.gprs_connect("internet")
        assert not driver.connect(4, "127.0.0.1", refused_port)
        assert driver.connect(3, "127.0.0.1", peer.port)
        assert driver.send(3, bytes(1461)) == 0
        payload = big_body(1460)
        assert driver.send(3, payload) == 1460
        assert peer.wait_received(1460) == payload
        driver.stop(3)
        driver.stop(4)


def test_ntp_time_power_and_configuration_calls(tmp_path: Path) -> None:
    with NtpServer() as ntp, module_on_pty(tmp_path, *BG96) as stream:
        driver = TinyGsmLinuxRun(stream)
        driver.init()
        driver.gprs_connect("internet")
        assert driver.ntp_sync("127.0.0.1", ntp.port) == 0
        driver.send_at("+QLTS=1")
        assert driver.wait_response(2.0, b'+QLTS: "') == 1
        assert driver.stream.read_until(b'"')[4:5] == b"/"  # yyyy/MM/dd,hh:mm:ss±zz
        assert driver.wait_response() == 1
        for command in ("+IPR=115200", "+QSCLK=0", "&FZE0&W", "+IPR=0", "&W"):
            assert driver.simple(command) == 1, command
        assert driver.simple("") == 1  # factoryDefault's E0 holds: no echo
        assert b"AT\r" not in bytes(stream.log[-12:])
        driver.send_at("+QPOWD=1")
        assert driver.wait_response(0.3) == 1
        assert driver.wait_response(0.3, b"POWERED DOWN") == 1


def test_what_the_module_lacks_fails_fast(tmp_path: Path) -> None:
    """The SSL client (``AT+QSSLCFG``…), GNSS (``AT+QGPS``) and USSD are outside modemu's
    command set: each answers ``ERROR`` at once, so TinyGSM gives up instead of hanging."""
    with module_on_pty(tmp_path, *BG96) as stream:
        driver = TinyGsmLinuxRun(stream)
        driver.init()
        lacking = ('+QSSLCFG="sslversion",0,3', "+QSSLCLOSE=5", "+QGPS=1", '+CUSD=1,"*100#"')
        for command in lacking:
            assert driver.simple(command, 5.0) == 2, command
        assert driver.simple("") == 1


def test_at_lines_sent_while_booting_are_not_answered_late(tmp_path: Path) -> None:
    """``testAT()`` writes ``AT`` every 200 ms during the boot: exactly one ``OK`` follows
    ``APP RDY``, for the first ``AT`` the booted module heard, and nothing after it."""
    args = (*BG96, "--power-on", "attach", "--boot-delay", "0.5")
    with ModemuThread(tmp_path, args=args) as instance:
        assert instance.path is not None
        stream = DriverStream(instance.path)
        try:
            driver = TinyGsmLinuxRun(stream)
            tries = 0
            while tries < 50:
                tries += 1
                driver.send_at("")
                if stream.wait_ends([b"OK\r\n"], 0.2, urc=None) == 1:
                    break
            seen = bytes(stream.log) + stream.quiet(0.3)
            assert tries > 1 and b"APP RDY\r\n" in seen
            before, after = seen.split(b"APP RDY\r\n", 1)
            assert b"OK" not in before
            assert after.count(b"OK\r\n") == 1, seen
        finally:
            stream.close()
