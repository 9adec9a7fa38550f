"""Seeed's Wio LTE library (Quectel EC21), replayed over a pty: a CR-only, byte-at-a-time driver.

Facts from the public sources (SeeedJP/WioLTEforArduino): ``src/Internal/AtSerial.cpp`` and
``src/WioLTE.cpp``:

- ``WriteCommand`` writes the command one byte per ``Write()`` and ends it with CR alone.
  ``WriteBinary`` writes the payload one byte at a time, pausing 1 ms every 80 bytes.
- ``ReadResponse(pattern, timeout)`` reads lines (up to CRLF, which is removed; each byte
  within 10 ms of the previous one) and skips every line that does not match ``pattern``;
  a pattern without a trailing ``$`` is also tried on the partial line after each byte, which
  is how ``^>`` catches the prompt (the blank line before it does not match).
- Start-up: ``AT`` until ``OK``, ``ATE0``, ``AT+QURCCFG="urcport","uart1"`` (must be ``OK``),
  ``AT+QSCLK=1`` (``OK`` or ``ERROR``), ``AT+CPIN?`` (``+CPIN: READY`` then ``OK``);
  ``Activate``: ``AT+QICSGP=1,1,"<apn>","<user>","<password>",3``, polls of ``AT+CREG?``,
  ``AT+CGREG?``, ``AT+CEREG?``, ``AT+QIACT=1`` (``OK``), ``AT+QIACT?``.
- ``SocketOpen``: ``AT+QISTATE?`` (ids in use from ``+QISTATE: `` lines until ``OK``), then
  ``AT+QIOPEN=1,<id>,"TCP","<host>",<port>`` (five parameters), ``OK``, ``+QIOPEN: <id>,0``.
- ``SocketSend``: ``AT+QISEND=<id>,<len>``, ``^>`` within 500 ms, the payload, ``SEND OK``
  within 5 s. ``SocketReceive``: ``AT+QIRD=<id>`` (no length), ``+QIRD: <n>``, exactly
  ``<n>`` raw bytes, ``OK``; polled until ``<n>`` is not 0. ``SocketClose``: ``AT+QICLOSE=<id>``.
  URCs are not handled: unmatched lines are skipped.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from compat_kit import DriverStream, loopback_peer, module_on_pty

BYTE_GAP = 0.010
"""READ_BYTE_TIMEOUT: the longest silence the library allows inside a response line. The
module writes each answer in one ``write()``, which is what keeps real gaps far below it;
the kit's :data:`~compat_kit.PATIENCE` keeps a loaded CI machine from failing on it."""


class WioLte:
    def __init__(self, stream: DriverStream) -> None:
        self.stream = stream

    def write_command(self, command: str) -> None:
        self.stream.write(*(bytes([b]) for b in command.encode("latin-1")), b"\r")

    def write_binary(self, data: bytes) -> None:
        for index, byte in enumerate(data):
            self.stream.write(bytes([byte]))
            if index % 80 == 79:
                time.sleep(0.001)  # the library's own pacing, not a synchronisation

    def read_response(self, pattern: str, timeout: float) -> str:
        regex = re.compile(pattern.encode("latin-1"))
        partial = not pattern.endswith("$")
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            line = bytearray()
            first = self.stream.read_byte(left)
            if first is None:
                break
            line.append(first)
            while True:
                if line.endswith(b"\r\n"):
                    del line[-2:]
                    break
                if partial and regex.match(bytes(line)):
                    break
                byte = self.stream.read_byte(BYTE_GAP)
                assert byte is not None, f"a gap over 10 ms inside a line: {bytes(line)!r}"
                line.append(byte)
            found = regex.match(bytes(line))
            if found:
                return (found.group(1) if regex.groups else found.group(0)).decode("latin-1")
        raise TimeoutError(f"no {pattern!r}; read {bytes(self.stream.log)!r}")

    def command(self, command: str, pattern: str = "^OK$", timeout: float = 0.5) -> str:
        self.write_command(command)
        return self.read_response(pattern, timeout)

    def turn_on_and_activate(self) -> None:
        self.command("AT")
        self.command("ATE0")
        self.command('AT+QURCCFG="urcport","uart1"')
        self.command("AT+QSCLK=1", "^(OK|ERROR)$")
        self.write_command("AT+CPIN?")
        assert self.read_response(r"^(OK|\+CPIN: READY|\+CME ERROR: .*)$", 0.5) == "+CPIN: READY"
        self.read_response("^OK$", 0.5)
        self.command('AT+QICSGP=1,1,"soracom.io","sora","sora",3')
        for name in ("CREG", "CGREG", "CEREG"):
            self.write_command(f"AT+{name}?")
            status = self.read_response(rf"^\+{name}: (.*)$", 0.5).split(",")
            assert status[-1] in ("1", "5"), status
            self.read_response("^OK$", 0.5)
        assert self.command("AT+QIACT=1", "^(OK|ERROR)$", 150) == "OK"
        self.command("AT+QIACT?", "^OK$", 150)

    def socket_open(self, host: str, port: int) -> int:
        self.write_command("AT+QISTATE?")
        used = set()
        while (line := self.read_response(r"^(OK|\+QISTATE: .*)$", 10)) != "OK":
            used.add(int(line[10:].split(",")[0]))
        conn = min(set(range(12)) - used)
        self.command(f'AT+QIOPEN=1,{conn},"TCP","{host}",{port}', "^OK$", 150)
        self.read_response(rf"^\+QIOPEN: {conn},0$", 150)
        return conn

    def socket_send(self, conn: int, data: bytes) -> None:
        self.write_command(f"AT+QISEND={conn},{len(data)}")
        self.read_response("^>", 0.5)
        self.write_binary(data)
        self.read_response("^SEND OK$", 5)

    def socket_receive(self, conn: int) -> bytes:
        self.write_command(f"AT+QIRD={conn}")
        length = int(self.read_response(r"^\+QIRD: (.*)$", 0.5))
        data = self.stream.read_exactly(length) if length else b""
        self.read_response("^OK$", 0.5)
        return data


def test_wiolte_session(tmp_path: Path) -> None:
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = WioLte(stream)
        driver.turn_on_and_activate()
        conn = driver.socket_open("127.0.0.1", peer.port)
        assert conn == 0
        payload = bytes(range(256)) * 2  # pauses every 80 bytes; CR/LF/Ctrl-Z inside
        driver.socket_send(conn, payload)
        assert peer.wait_received(len(payload)) == payload

        assert driver.socket_receive(conn) == b""  # polled before anything came: +QIRD: 0
        peer.send(b"downlink\r\n")
        deadline = time.monotonic() + 5
        got = b""
        while not got and time.monotonic() < deadline:
            got = driver.socket_receive(conn)  # the library polls AT+QIRD; URCs are skipped
        assert got == b"downlink\r\n"
        driver.command(f"AT+QICLOSE={conn}", timeout=10)
