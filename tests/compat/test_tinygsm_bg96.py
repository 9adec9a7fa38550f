"""TinyGSM's Quectel BG96 driver (used for BG96, EC2x and EC200 boards), replayed over a pty.

Facts from the public sources (vshymanskyy/TinyGSM): ``src/TinyGsmClientBG96.h``,
``src/TinyGsmModem.tpp``, ``src/TinyGsmGPRS.tpp``, ``src/TinyGsmTCP.tpp``:

- ``sendAT(...)`` prints ``AT``, then each argument, then ``AT_NL`` = ``"\\r\\n"`` — one
  ``print()`` each, so a command reaches the port in several writes, its CRLF in the last.
- ``waitResponse(timeout, r1…)`` reads byte by byte and stops when the gathered text *ends
  with* one of the markers (defaults ``"OK\\r\\n"``, ``"ERROR\\r\\n"``); after each byte that
  matched nothing it offers the text to ``handleURCs``, which acts on a text ending with
  ``"\\r\\n+QIURC:"``: skip to ``"``, read the kind up to ``"``, skip past ``,``, then for
  ``recv``/``closed`` read the id with ``streamGetIntBefore('\\n')`` (``atoi``).
- Start-up: ``AT`` (200 ms timeouts), ``ATE0``, ``AT+CMEE=0``, ``AT+CTZR=0`` and
  ``AT+CTZU=1`` must answer ``OK``; ``AT+CPIN?`` then ``READY``; ``AT+CEREG?`` parsed as
  "skip to the comma, parseInt". ``restart()``: ``AT+CFUN=1,1``, then up to 10 s for
  ``APP RDY`` (a BG96 boot URC), then the start-up again. ``gprsConnect``:
  ``AT+QIDEACT=1`` (must be ``OK`` even with nothing active), ``AT+QICSGP=1,1,"apn","",""``,
  ``AT+QIACT=1``, ``AT+CGATT=1``;
  ``isGprsConnected``: ``AT+CGATT?`` then ``AT+CGPADDR=1`` (text after the comma up to CR).
- Socket (buffer access mode): ``AT+QIOPEN=1,<mux>,"TCP","<host>",<port>,0,0``, ``OK``, then
  ``"\\r\\n+QIOPEN:"`` with ``<mux>`` before ``,`` and ``0`` before LF. Send:
  ``AT+QISEND=<mux>,<len>``, wait for a text ending in ``">"``, write the payload, wait for
  ``"\\r\\nSEND OK"``. Receive: on ``+QIURC: "recv",<mux>``, ``AT+QIRD=<mux>,0`` (skip two
  commas, unread count before LF), then ``AT+QIRD=<mux>,<n>``: length before LF, exactly
  that many bytes, then ``OK``. Liveness: ``AT+QISTATE=1,<mux>``, skip five commas, state
  before the next comma (2 = connected). ``stop()``: ``AT+QICLOSE=<mux>`` then ``OK``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from compat_kit import DriverStream, atoi, loopback_peer, module_on_pty

from modemu.modem.profile import Profile

OK_END, ERROR_END = b"OK\r\n", b"ERROR\r\n"


class TinyGsmBG96:
    """The driver's stream-level behaviour (no modem state beyond what it parses)."""

    NL = b"\r\n"

    def __init__(self, stream: DriverStream) -> None:
        self.stream = stream
        self.got_data: set[int] = set()
        self.closed: set[int] = set()

    def send_at(self, *parts: str | int) -> None:
        self.stream.write(b"AT", *(str(p).encode("latin-1") for p in parts), self.NL)

    def wait_response(self, timeout: float = 1.0, *ends: bytes) -> int:
        markers = list(ends) or [OK_END, ERROR_END]
        return self.stream.wait_ends(markers, timeout, urc=self.handle_urcs)

    def handle_urcs(self, data: bytes) -> bool:
        if not data.endswith(b"\r\n+QIURC:"):
            return False
        self.stream.read_until(b'"')
        kind = self.stream.read_until(b'"')
        self.stream.read_until(b",")
        if kind == b"recv":
            self.got_data.add(self.stream.int_before(b"\n"))
        elif kind == b"closed":
            self.closed.add(self.stream.int_before(b"\n"))
        else:
            self.stream.read_until(b"\n")
        return True

    def maintain_until(self, done: Callable[[], bool], timeout: float = 5.0) -> bool:
        """A sketch's loop calling ``maintain()``: each call listens for URCs for 15 ms."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.stream.wait_ends([], 0.015, urc=self.handle_urcs)
        return done()

    # -- the calls a sketch makes -----------------------------------------------------

    def init(self) -> None:
        self.send_at("")
        assert self.wait_response(0.2) == 1
        self.send_at("E0")
        assert self.wait_response() == 1
        self.send_at("+CMEE=0")
        self.wait_response()
        for name in ("+CGMI", "+CGMM"):
            self.send_at(name)
            assert self.wait_response() == 1
        self.send_at("+CTZR=0")
        assert self.wait_response(10.0) == 1
        self.send_at("+CTZU=1")
        assert self.wait_response(10.0) == 1
        self.send_at("+CPIN?")
        assert self.wait_response(1.0, b"+CPIN:") == 1
        ready = (b"READY", b"SIM PIN", b"SIM PUK", b"NOT INSERTED", b"NOT READY")
        assert self.wait_response(1.0, *ready) == 1
        self.wait_response()

    def restart(self) -> None:
        """``restartImpl``: ``AT``, ``AT+CFUN=1,1`` (``OK`` within 15.5 s), up to 10 s for
        ``APP RDY``, then ``init()``."""
        self.send_at("")
        assert self.wait_response(0.2) == 1
        self.send_at("+CFUN=", 1, ",1")
        assert self.wait_response(15.5, b"OK") == 1
        assert self.wait_response(10.0, b"APP RDY") == 1
        self.init()

    def provider(self) -> bytes:
        """``getProviderImpl``: ``AT+QSPN?``, skip to the first quote, name up to the next."""
        self.send_at("+QSPN?")
        if self.wait_response(1.0, b"+QSPN:") != 1:
            return b""
        self.stream.read_until(b'"')
        name = self.stream.read_until(b'"')
        self.wait_response()
        return name

    def ccid(self) -> bytes:
        """``getSimCCIDImpl``: ``AT+QCCID``, after ``\r\n+QCCID:`` the rest of the line."""
        self.send_at("+QCCID")
        assert self.wait_response(1.0, b"\r\n+QCCID:") == 1
        value = self.stream.read_until(b"\n").strip()
        self.wait_response()
        return value

    def imei(self) -> bytes:
        """``getIMEIImpl``: ``AT+GSN``, skip the first LF, the next line is the IMEI."""
        self.send_at("+GSN")
        self.stream.read_until(b"\n")
        value = self.stream.read_until(b"\n").strip()
        self.wait_response()
        return value

    def signal_quality(self) -> int:
        self.send_at("+CSQ")
        assert self.wait_response(1.0, b"+CSQ:") == 1
        value = self.stream.int_before(b",")
        self.wait_response()
        return value

    def temperature(self) -> int:
        """``getTemperatureImpl``: ``AT+QTEMP``, the first of three integers."""
        self.send_at("+QTEMP")
        assert self.wait_response(1.0, b"\r\n+QTEMP:") == 1
        value = self.stream.int_before(b",")
        self.stream.read_until(b",")
        self.stream.read_until(b"\n")
        self.wait_response()
        return value

    def network_time(self) -> tuple[int, ...]:
        """``getNetworkTimeImpl``: ``AT+QLTS=2``, after ``+QLTS: "``
        ``yy/MM/dd,hh:mm:ss±zz,dst``, each field read up to its separator."""
        self.send_at("+QLTS=2")
        assert self.wait_response(2.0, b'+QLTS: "') == 1
        fields = [self.stream.int_before(sep) for sep in (b"/", b"/", b",", b":", b":")]
        seconds = atoi(self.stream.read_exactly(2))
        sign = self.stream.read_exactly(1)
        zone = self.stream.int_before(b",")
        self.stream.read_until(b"\n")
        self.wait_response()
        return (*fields, seconds, zone if sign == b"+" else -zone)

    def registration(self) -> int:
        self.send_at("+CEREG?")
        assert self.wait_response(1.0, b"+CREG:", b"+CGREG:", b"+CEREG:") == 3
        self.stream.read_until(b",")
        status = self.stream.int_before(b"\r")  # Stream.parseInt stops at the CR
        self.wait_response()
        return status

    def gprs_connect(self, apn: str) -> None:
        self.send_at("+QIDEACT=1")
        assert self.wait_response(40.0) == 1
        self.send_at('+QICSGP=1,1,"', apn, '","', "", '","', "", '"')
        assert self.wait_response() == 1
        self.send_at("+QIACT=1")
        assert self.wait_response(150.0) == 1
        self.send_at("+CGATT=1")
        assert self.wait_response(60.0) == 1

    def local_ip(self) -> tuple[int, int, int, int]:
        self.send_at("+CGATT?")
        assert self.wait_response(1.0, b"+CGATT:") == 1
        assert self.stream.int_before(b"\n") == 1
        self.wait_response()
        self.send_at("+CGPADDR=1")
        assert self.wait_response(1.0, b"+CGPADDR:") == 1
        self.stream.read_until(b",")
        text = self.stream.read_until(b"\r")
        assert self.wait_response() == 1
        return ip_from_string(text)

    def connect(self, mux: int, host: str, port: int) -> bool:
        self.send_at("+QIOPEN=1,", mux, ',"', "TCP", '","', host, '",', port, ",0,0")
        self.wait_response()
        if self.wait_response(75.0, b"\r\n+QIOPEN:") != 1:
            return False
        if self.stream.int_before(b",") != mux:
            return False
        return self.stream.int_before(b"\n") == 0

    def send(self, mux: int, payload: bytes) -> int:
        self.send_at("+QISEND=", mux, ",", len(payload))
        if self.wait_response(1.0, b">") != 1:
            return 0
        self.stream.write(payload)
        if self.wait_response(1.0, b"\r\nSEND OK") != 1:
            return 0
        return len(payload)

    def available(self, mux: int) -> int:
        self.send_at("+QIRD=", mux, ",0")
        assert self.wait_response(1.0, b"+QIRD:") == 1
        self.stream.read_until(b",")
        self.stream.read_until(b",")
        unread = self.stream.int_before(b"\n")
        self.wait_response()
        return unread

    def read(self, mux: int, size: int) -> bytes:
        self.send_at("+QIRD=", mux, ",", size)
        assert self.wait_response(1.0, b"+QIRD:") == 1
        length = self.stream.int_before(b"\n")
        data = self.stream.read_exactly(length)
        self.wait_response()
        return data

    def connected(self, mux: int) -> bool:
        self.send_at("+QISTATE=1,", mux)
        if self.wait_response(1.0, b"+QISTATE:") != 1:
            return False
        for _ in range(5):
            self.stream.read_until(b",")
        state = self.stream.int_before(b",")
        self.wait_response()
        return state == 2

    def stop(self, mux: int) -> None:
        self.send_at("+QICLOSE=", mux)
        assert self.wait_response(15.0) == 1


def ip_from_string(text: bytes) -> tuple[int, int, int, int]:
    """TinyGSM's ``TinyGsmIpFromString``: digits and dots count, anything else is skipped."""
    parts = [0, 0, 0, 0]
    part = 0
    for char in text.decode("latin-1"):
        if char == ".":
            part += 1
            if part > 3:
                return (0, 0, 0, 0)
        elif char.isdigit():
            parts[part] = parts[part] * 10 + int(char)
        elif part == 3:
            break
    return (parts[0], parts[1], parts[2], parts[3])


def test_tinygsm_bg96_session(tmp_path: Path) -> None:
    """Start-up, data connection, a TCP client that sends and receives, peer close."""
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = TinyGsmBG96(stream)
        driver.init()
        assert driver.registration() in (1, 5)
        driver.gprs_connect("internet")
        assert driver.local_ip() != (0, 0, 0, 0)
        assert driver.connect(0, "127.0.0.1", peer.port)

        first, second = b"GET / HTTP/1.0\r\n\r\n", bytes(range(256))
        assert driver.send(0, first) == len(first)
        assert driver.send(0, second) == len(second)  # CR, LF, Ctrl-Z, ESC are data
        assert peer.wait_received(len(first) + len(second)) == first + second

        peer.send(b"HTTP/1.0 200 OK\r\n\r\nbody")
        assert driver.maintain_until(lambda: 0 in driver.got_data)
        assert driver.available(0) == 23
        assert driver.read(0, 10) + driver.read(0, 13) == b"HTTP/1.0 200 OK\r\n\r\nbody"
        assert driver.available(0) == 0
        assert driver.connected(0)

        peer.close_connection()
        assert driver.maintain_until(lambda: 0 in driver.closed)
        assert not driver.connected(0)
        driver.stop(0)
        assert stream.quiet() == b""


def test_tinygsm_send_loses_no_byte_however_the_writes_are_split(tmp_path: Path) -> None:
    """TinyGSM's ``AT`` + arguments + ``\\r\\n`` in separate writes, for 30 sends in a row:
    every payload arrives whole and nothing leaks into command mode (issue 10, item 1)."""
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = TinyGsmBG96(stream)
        driver.init()
        driver.gprs_connect("internet")
        assert driver.connect(0, "127.0.0.1", peer.port)
        payloads = [bytes([0x0A]) + b"x" * n + b"\r" for n in range(30)]
        for payload in payloads:
            assert driver.send(0, payload) == len(payload)
        assert peer.wait_received(sum(map(len, payloads))) == b"".join(payloads)
        driver.send_at("")
        assert driver.wait_response() == 1


def test_tinygsm_bg96_restart_waits_for_app_rdy(tmp_path: Path) -> None:
    """``restart()`` waits for ``APP RDY``, which the BG96 prints after its boot URCs
    (``--profile bg96``); the EC200 profiles do not print it, and TinyGSM then waits its 10 s
    out before going on (docs/compat.md)."""
    with module_on_pty(tmp_path, "--profile", "bg96") as stream:
        driver = TinyGsmBG96(stream)
        driver.restart()
        driver.send_at("+CGMM")
        assert driver.wait_response() == 1
        assert b"BG96" in bytes(stream.log[-40:])


def test_tinygsm_identity_and_status_getters(tmp_path: Path) -> None:
    """``getOperator``, ``getSimCCID``, ``getIMEI``, ``getSignalQuality``,
    ``getTemperature`` and ``getNetworkTime`` parse the module's answers."""
    with module_on_pty(tmp_path) as stream:
        driver = TinyGsmBG96(stream)
        driver.init()
        default = Profile()
        assert driver.provider() == default.operator.encode()
        assert driver.ccid() == default.iccid.encode()
        assert driver.imei() == default.imei.encode()
        assert driver.signal_quality() == default.rssi
        assert driver.temperature() == default.temperature
        year, month, day, hour, minute, second, zone = driver.network_time()
        assert 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60
        assert second < 60 and year >= 20
        assert zone == default.timezone_quarters
        assert stream.quiet() == b""
