"""RT-Thread's ``at_device`` EC200x driver with RT-Thread's AT client, replayed over a pty.

Facts from the public sources: RT-Thread-packages/at_device ``class/ec200x/at_device_ec200x.c``
and ``class/ec200x/at_socket_ec200x.c``; RT-Thread ``components/net/at/src/at_client.c`` and
``at_utils.c``:

- ``at_obj_exec_cmd`` formats the command and ``at_vprintfln`` appends ``"\\r\\n"``.
- The client cuts input into lines at ``"\\r\\n"``, or at the *end sign* byte when one is set.
  A line that starts with a URC table prefix and ends with its suffix goes to that URC's
  handler; otherwise, while a command waits, every line (blank ones included) is stored and
  counted: a line starting ``OK`` ends it (when no line count is set), a line containing
  ``ERROR`` fails it, and reaching the expected line count ends it.
- Start-up: ``ATE0``, ``AT+IPR?``, ``ATI``, ``AT+CPIN?`` (a line with ``READY``), ``AT+CSQ``
  (``+CSQ: %d,%d``), ``AT+CGREG?`` (``+CGREG: %*d,%d``, 1 or 5), ``AT+QISDE=0``,
  ``AT+QIDEACT=1``, ``AT+QIACT=1``; then ``AT+GSN`` (IMEI on the 2nd line), ``AT+QCCID``
  (``+QCCID:%s``), ``AT+CGPADDR=1`` (the address **between quotes**), ``AT+QIDNSCFG=1``
  (``+QIDNSCFG: 1,"%[^"]","%[^"]"``).
- Sockets use **direct push** (access mode 1): ``AT+QIOPEN=1,<id>,"TCP","<ip>",<port>,0,1``
  with 300 ms for ``OK``, then the ``+QIOPEN:`` URC (``+QIOPEN: %d,%d``, 0 = connected).
- Send: end sign ``>`` and a line count of 2, ``AT+QISEND=<id>,<len>`` — so the prompt must
  arrive as two lines, the blank ``\\r\\n`` and ``>``, within 300 ms — then the raw payload,
  then the ``SEND OK``/``SEND FAIL`` URC. ``AT+QISEND=<id>,0`` is parsed as
  ``+QISEND: %d,%d,%d``.
- Receive: the ``+QIURC: "recv",%d,%d`` URC, then exactly that many raw bytes.
  ``+QIURC: "closed",%d`` reports the peer's close. Close: ``AT+QICLOSE=<id>``, 300 ms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from compat_kit import DriverStream, atoi, loopback_peer, module_on_pty

from modemu.modem.profile import Profile


class AtClient:
    """RT-Thread's AT client: line reader, URC table, response objects."""

    def __init__(self, stream: DriverStream) -> None:
        self.stream = stream
        self.end_sign: bytes | None = None
        self.urcs: list[tuple[bytes, bytes, Callable[[bytes], None]]] = []

    def readline(self, timeout: float) -> bytes:
        line = bytearray()
        while True:
            byte = self.stream.read_byte(timeout)
            assert byte is not None, f"timeout in a line; read {bytes(self.stream.log)!r}"
            line.append(byte)
            if line.endswith(b"\r\n") or (self.end_sign and line.endswith(self.end_sign)):
                return bytes(line)

    def dispatch(self, line: bytes) -> bool:
        for prefix, suffix, handler in self.urcs:
            if line.startswith(prefix) and line.endswith(suffix):
                handler(line)
                return True
        return False

    def exec_cmd(self, command: str, line_num: int = 0, timeout: float = 0.3) -> list[bytes]:
        """Send ``command`` + CRLF; return the response lines (without CRLF)."""
        self.stream.write(command.encode("latin-1") + b"\r\n")
        lines: list[bytes] = []
        while True:
            line = self.readline(timeout)
            if self.dispatch(line):
                continue
            text = line.removesuffix(b"\r\n")
            lines.append(text)
            assert b"ERROR" not in text and not text.startswith(b"FAIL"), (command, lines)
            if line_num == 0 and text.startswith(b"OK"):
                return lines
            if line_num and len(lines) == line_num:
                return lines

    def wait_urc(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        while not done():
            line = self.readline(timeout)
            assert self.dispatch(line) or line == b"\r\n", line


def by_keyword(lines: list[bytes], keyword: bytes) -> bytes:
    return next(line for line in lines if keyword in line)


class Ec200x:
    def __init__(self, stream: DriverStream) -> None:
        self.client = AtClient(stream)
        self.stream = stream
        self.opened: dict[int, int] = {}
        self.send_result: list[bytes] = []
        self.received: dict[int, bytearray] = {}
        self.closed: set[int] = set()
        self.client.urcs = [
            (b"SEND OK", b"\r\n", self._sent),
            (b"SEND FAIL", b"\r\n", self._sent),
            (b"+QIOPEN:", b"\r\n", self._opened),
            (b"+QIURC:", b"\r\n", self._qiurc),
        ]

    def _sent(self, line: bytes) -> None:
        self.send_result.append(line.strip())

    def _opened(self, line: bytes) -> None:
        found = re.match(rb"\+QIOPEN: (\d+),(\d+)", line)
        assert found is not None, line
        self.opened[int(found[1])] = int(found[2])

    def _qiurc(self, line: bytes) -> None:
        recv = re.match(rb'\+QIURC: "recv",(\d+),(\d+)', line)
        if recv is not None:
            data = self.stream.read_exactly(int(recv[2]))
            self.received.setdefault(int(recv[1]), bytearray()).extend(data)
        elif line.startswith(b'+QIURC: "closed",'):
            self.closed.add(atoi(line[len(b'+QIURC: "closed",') :]))

    def init(self) -> dict[str, bytes]:
        c = self.client
        c.exec_cmd("ATE0")
        assert by_keyword(c.exec_cmd("AT+IPR?"), b"+IPR:") == b"+IPR: 115200"
        c.exec_cmd("ATI")
        assert b"READY" in by_keyword(c.exec_cmd("AT+CPIN?"), b"READY")
        assert re.fullmatch(rb"\+CSQ: \d+,\d+", by_keyword(c.exec_cmd("AT+CSQ"), b"+CSQ:"))
        registration = re.fullmatch(
            rb"\+CGREG: \d+,(\d+)", by_keyword(c.exec_cmd("AT+CGREG?"), b"+CGREG:")
        )
        assert registration is not None and int(registration[1]) in (1, 5)
        c.exec_cmd("AT+QISDE=0")
        c.exec_cmd("AT+QIDEACT=1", timeout=40)
        c.exec_cmd("AT+QIACT=1", timeout=150)
        imei = c.exec_cmd("AT+GSN")[1]
        iccid = by_keyword(c.exec_cmd("AT+QCCID"), b"+QCCID:").removeprefix(b"+QCCID:").strip()
        address = re.match(
            rb'\+CGPADDR: [^"]*"([^"]*)"', by_keyword(c.exec_cmd("AT+CGPADDR=1"), b"+CGPADDR:")
        )
        assert address is not None, "the address must be between quotes"
        dns = by_keyword(c.exec_cmd("AT+QIDNSCFG=1"), b"+QIDNSCFG:")
        assert re.match(rb'\+QIDNSCFG: 1,"[^"]+","[^"]+"', dns), dns
        return {"imei": imei, "iccid": iccid, "ip": address[1]}

    def connect(self, sock: int, ip: str, port: int) -> int:
        self.client.exec_cmd(f'AT+QIOPEN=1,{sock},"TCP","{ip}",{port},0,1')
        self.client.wait_urc(lambda: sock in self.opened, 60)
        return self.opened[sock]

    def send(self, sock: int, payload: bytes) -> bytes:
        self.client.end_sign = b">"
        try:
            prompt = self.client.exec_cmd(f"AT+QISEND={sock},{len(payload)}", line_num=2)
            assert prompt == [b"", b">"], prompt
            self.stream.write(payload)
            self.client.wait_urc(lambda: bool(self.send_result), 10)
        finally:
            self.client.end_sign = None
        return self.send_result.pop()

    def send_counters(self, sock: int) -> tuple[int, int, int]:
        line = by_keyword(self.client.exec_cmd(f"AT+QISEND={sock},0"), b"+QISEND:")
        found = re.fullmatch(rb"\+QISEND: (\d+),(\d+),(\d+)", line)
        assert found is not None, line
        return int(found[1]), int(found[2]), int(found[3])


def test_rtthread_ec200x_session(tmp_path: Path) -> None:
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = Ec200x(stream)
        info = driver.init()
        assert info["imei"] == Profile().imei.encode()
        assert info["iccid"] == Profile().iccid.encode()
        assert driver.connect(0, "127.0.0.1", peer.port) == 0

        assert driver.send(0, b"ping\r\n") == b"SEND OK"
        assert driver.send(0, bytes(range(256))) == b"SEND OK"
        assert peer.wait_received(262) == b"ping\r\n" + bytes(range(256))
        total, _, _ = driver.send_counters(0)
        assert total == 262

        peer.send(b"pong\r\n")
        driver.client.wait_urc(lambda: len(driver.received.get(0, b"")) >= 6)
        assert driver.received[0] == b"pong\r\n"

        peer.close_connection()
        driver.client.wait_urc(lambda: 0 in driver.closed)
        driver.client.exec_cmd("AT+QICLOSE=0")
        assert stream.quiet() == b""
