"""Zephyr's ``quectel-bg9x`` offload driver, replayed over a pty.

Facts from the public sources (zephyrproject-rtos/zephyr): ``drivers/modem/quectel-bg9x.c``
and ``drivers/modem/modem_cmd_handler.c``:

- ``modem_cmd_send`` writes the command body in one ``write()`` and the handler's end of
  line in a second; the BG9x driver sets that EOL to ``"\\r\\n"``.
- Replies are cut into lines at ``"\\r\\n"`` and matched by line prefix: ``OK``, ``ERROR``,
  ``+CME ERROR: `` end a command; ``+QIURC: "recv",`` (one argument: the socket) and
  ``+QIURC: "closed",`` are unsolicited. The ``>`` prompt is a *direct* match (no EOL needed).
- Setup, 50 ms apart: ``ATE0``, ``ATH``, ``AT+CMEE=1``, ``AT+CGMI``, ``AT+CGMM``, ``AT+CGMR``,
  ``AT+CGSN`` (the first reply line is the value), then
  ``AT+QICSGP=1,1,"<apn>","<user>", "<password>",1`` (with a space before the password),
  ``AT+CSQ`` (``+CSQ: `` with two arguments), ``AT+QIACT=1``.
- Connect: ``AT+QIOPEN=1,<id>,"TCP","<ip>",<port>,0,0``, ``OK`` within 1 s, then
  ``+QIOPEN: `` with two arguments, the second 0.
- Send: ``AT+QISEND=<id>,<len>`` (fixed length), wait for ``>``, write the payload, then write
  a Ctrl-Z (0x1A) **although the length is fixed**, then wait for ``SEND OK``/``SEND FAIL``.
  The module must take that stray Ctrl-Z in command mode silently (line-discipline.md L1).
- Receive: ``AT+QIRD=<id>,<len>``; the ``+QIRD: `` handler reads the length up to CR, skips
  the CRLF, takes the data, and needs the reply to go on for 4 more bytes (any).
- ``+QIURC: "closed",<id>`` makes the driver send ``AT+QICLOSE=<id>``.
"""

from __future__ import annotations

from pathlib import Path

from compat_kit import DriverStream, atoi, loopback_peer, module_on_pty

from modemu.modem.profile import Profile

FINALS = (b"OK", b"ERROR", b"+CME ERROR: ")


class ZephyrBg9x:
    EOL = b"\r\n"

    def __init__(self, stream: DriverStream) -> None:
        self.stream = stream
        self.ready: set[int] = set()
        self.closed: set[int] = set()

    def _unsolicited(self, line: bytes) -> bool:
        for prefix, seen in ((b'+QIURC: "recv",', self.ready), (b'+QIURC: "closed",', self.closed)):
            if line.startswith(prefix):
                seen.add(atoi(line[len(prefix) :]))
                return True
        return False

    def command(self, body: str, prefix: bytes | None = None, timeout: float = 1.0) -> list[bytes]:
        """Send ``body`` + EOL; return the lines matching ``prefix`` (``b""``: every
        information line) once ``OK`` comes; fail on ``ERROR``/``+CME ERROR``."""
        self.stream.write(body.encode("latin-1"))
        self.stream.write(self.EOL)
        return self.wait_final(prefix, timeout)

    def wait_final(self, prefix: bytes | None = None, timeout: float = 1.0) -> list[bytes]:
        matched: list[bytes] = []
        while True:
            line = self.stream.line(timeout)
            if not line or self._unsolicited(line):
                continue
            if line == b"OK":
                return matched
            assert not line.startswith(FINALS), (line, bytes(self.stream.log))
            if prefix is not None and line.startswith(prefix):
                matched.append(line[len(prefix) :])

    def wait_line(self, prefix: bytes, timeout: float) -> bytes:
        while True:
            line = self.stream.line(timeout)
            if line.startswith(prefix):
                return line[len(prefix) :]
            assert not line.startswith(FINALS), line
            self._unsolicited(line)

    def setup(self) -> dict[str, bytes]:
        for body in ("ATE0", "ATH", "AT+CMEE=1"):  # ATE0 itself is echoed: "ATE0\r"
            self.command(body)
        info = {c: self.command(f"AT+{c}", b"")[0] for c in ("CGMI", "CGMM", "CGMR", "CGSN")}
        self.command('AT+QICSGP=1,1,"internet","user", "secret",1')
        rssi = int(self.command("AT+CSQ", b"+CSQ: ")[0].split(b",")[0])
        assert 0 <= rssi <= 31
        self.command("AT+QIACT=1")
        return info

    def connect(self, sock: int, ip: str, port: int) -> int:
        self.command(f'AT+QIOPEN=1,{sock},"TCP","{ip}",{port},0,0')
        args = self.wait_line(b"+QIOPEN: ", 10.0).split(b",")
        assert len(args) == 2 and atoi(args[0]) == sock
        return atoi(args[1])

    def send(self, sock: int, payload: bytes) -> None:
        self.stream.write(f"AT+QISEND={sock},{len(payload)}".encode(), self.EOL)
        assert self.stream.wait_ends([b">"], 5.0) == 1
        self.stream.write(payload)
        self.stream.write(b"\x1a")
        assert self.wait_line(b"SEND ", 10.0) == b"OK"

    def recv(self, sock: int, size: int) -> bytes:
        self.stream.write(f"AT+QIRD={sock},{size}".encode(), self.EOL)
        length = int(self.wait_line(b"+QIRD: ", 1.0))
        data = self.stream.read_exactly(length)
        self.wait_final()  # the handler only needs 4 more bytes to exist (``\r\n\r\n``)
        return data

    def wait_unsolicited(self, seen: set[int], sock: int, timeout: float = 5.0) -> None:
        while sock not in seen:
            line = self.stream.line(timeout)
            assert not line or self._unsolicited(line), line


def test_zephyr_bg9x_session(tmp_path: Path) -> None:
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = ZephyrBg9x(stream)
        info = driver.setup()
        default = Profile()
        assert info == {
            "CGMI": default.manufacturer.encode(),
            "CGMM": default.model.encode(),
            "CGMR": default.revision.encode(),
            "CGSN": default.imei.encode(),
        }
        assert driver.connect(0, "127.0.0.1", peer.port) == 0

        driver.send(0, b"hello\r\n")
        driver.send(0, b"\x1a\x1b\r\n")  # fixed length: control bytes are data
        assert peer.wait_received(11) == b"hello\r\n\x1a\x1b\r\n"
        assert stream.quiet() == b""  # the stray Ctrl-Z after each send: silently dropped

        peer.send(b"reply")
        driver.wait_unsolicited(driver.ready, 0)
        assert driver.recv(0, 1500) == b"reply"

        peer.close_connection()
        driver.wait_unsolicited(driver.closed, 0)
        driver.command("AT+QICLOSE=0", timeout=10.0)
        assert peer.wait_closed() == b"hello\r\n\x1a\x1b\r\n"
