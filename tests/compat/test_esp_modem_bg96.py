"""ESP-IDF's ``esp_modem`` with its BG96 socket commands, replayed over a pty (a CR-only driver).

Facts from the public sources (espressif/esp-protocols): ``components/esp_modem/src/
esp_modem_command_library.cpp`` and ``components/esp_modem/examples/modem_tcp_client/main/
sock_commands_bg96.cpp``:

- Every command string ends with ``"\\r"`` alone (``"AT\\r"``, ``"ATE0\\r"``,
  ``"AT+QISEND=<id>,<len>\\r"``): the prompt comes after ``lf_wait`` and no LF is eaten.
- The DTE hands a command's callback the text received so far each time a line ends (LF).
- ``generic_command``: success when the text received so far *contains* the pass phrase,
  failure when it contains the fail phrase (``"OK"``/``"ERROR"`` by default).
  ``generic_get_string``: lines cut at LF with trailing CR/LF removed; a line containing
  ``OK`` ends it, one containing ``ERROR`` fails it, and the last line longer than 2
  characters is the value.
- ``net_open``: ``AT+QISTATE?``; a value containing ``+QISTATE: 0`` means "already open", an
  empty value means "activate": ``AT+QIACT=1``. ``get_ip``: ``AT+QIACT?``, the value after
  the third comma of the ``+QIACT: 1`` line, quotes stripped.
- ``tcp_open``: ``AT+QIOPEN=1,0,"TCP","<host>",<port>`` (five parameters: buffer access
  mode by default), pass phrase ``+QIOPEN: 0,0``.
- Send: ``AT+QISEND=<id>,<len>``; the answer must hold ``>`` within three reads; then the
  payload; on ``SEND OK`` it asks ``AT+QISEND=<id>,0`` and parses
  ``+QISEND: <total>,<acked>,<unacked>``.
- Receive: ``+QIURC: "recv",<id>`` marks data ready; ``AT+QIRD=<id>,<len>``: after
  ``+QIRD: `` a LF must come within 6 bytes, the length before it, then the data and
  ``OK``; then ``AT+QIRD=<id>,0`` until the reply ends in ``,0`` (nothing unread).
- ``+QIURC: "closed",<id>`` ends the connection; ``net_close``: ``AT+QICLOSE=0`` then
  ``AT+QIDEACT=1``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from compat_kit import DriverStream, loopback_peer, module_on_pty


class EspModemBg96:
    def __init__(self, stream: DriverStream) -> None:
        self.stream = stream

    def _gather(self, done: Callable[[bytes], bool], timeout: float) -> bytes:
        """Read until ``done(text)`` is not None; the reads' text so far goes to it."""
        text = bytearray()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            byte = self.stream.read_byte(left)
            if byte is None:
                break
            text.append(byte)
            if done(bytes(text)):
                return bytes(text)
        raise TimeoutError(f"no answer; got {bytes(text)!r}")

    def generic_command(
        self, command: str, ok: str = "OK", fail: str = "ERROR", timeout: float = 1.0
    ) -> bytes:
        self.stream.write(command.encode("latin-1"))
        text = self._gather(
            lambda t: t.endswith(b"\n") and (ok.encode() in t or fail.encode() in t), timeout
        )
        assert ok.encode() in text, (command, text)
        return text

    def generic_get_string(self, command: str, timeout: float = 1.0) -> bytes:
        self.stream.write(command.encode("latin-1"))
        result: list[bytes] = []

        def finished(text: bytes) -> bool:
            if not text.endswith(b"\n"):
                return False
            tokens = [t.rstrip(b"\r\n") for t in text.split(b"\n")[:-1]]
            for token in tokens:
                if b"OK" in token:
                    value = [t for t in tokens[: tokens.index(token)] if len(t) > 2]
                    result.append(value[-1] if value else b"")
                    return True
                assert b"ERROR" not in token, text
            return False

        self._gather(finished, timeout)
        return result[0]

    def net_open(self) -> None:
        state = self.generic_get_string("AT+QISTATE?\r")
        assert b"+QISTATE: 0" not in state
        assert state == b""
        self.generic_command("AT+QIACT=1\r", timeout=150)

    def get_ip(self) -> str:
        out = self.generic_get_string("AT+QIACT?\r", 5).decode()
        pos = out.find("+QIACT: 1")
        for _ in range(3):
            pos = out.find(",", pos + 1)
        ip = out[pos + 1 :]
        first, last = ip.find('"'), ip.rfind('"')
        return ip[first + 1 : last] if first >= 0 and last >= 0 else ip

    def tcp_open(self, host: str, port: int) -> None:
        self.generic_command(f'AT+QIOPEN=1,0,"TCP","{host}",{port}\r', "+QIOPEN: 0,0", timeout=10)

    def send(self, payload: bytes) -> tuple[int, int, int]:
        self.stream.write(f"AT+QISEND=0,{len(payload)}\r".encode())
        self._gather(lambda t: b">" in t, 1.0)
        self.stream.write(payload)
        self._gather(lambda t: b"SEND OK\r\n" in t, 5.0)
        counters = self.generic_get_string("AT+QISEND=0,0\r")
        total, acked, unacked = counters.removeprefix(b"+QISEND: ").split(b",")
        return int(total), int(acked), int(unacked)

    def wait_recv_urc(self) -> None:
        self._gather(lambda t: b'+QIURC: "recv",0' in t and t.endswith(b"\n"), 5.0)

    def recv(self, size: int) -> bytes:
        self.stream.write(f"AT+QIRD=0,{size}\r".encode())
        head = self._gather(lambda t: t.endswith(b"\n") and b"+QIRD: " in t, 1.0)
        count = head[head.index(b"+QIRD: ") + 7 :]
        assert len(count) <= 6 and count.endswith(b"\n"), head
        data = self.stream.read_exactly(int(count.strip()))
        self._gather(lambda t: b"OK\r\n" in t, 1.0)
        self.stream.write(b"AT+QIRD=0,0\r")
        done = self._gather(lambda t: b"OK\r\n" in t, 1.0)
        line = done[done.index(b"+QIRD: ") :].split(b"\r")[0]
        assert line.endswith(b",0"), line  # "Receiving done"
        return data

    def net_close(self) -> None:
        self.generic_command("AT+QICLOSE=0\r", timeout=10)
        self.generic_command("AT+QIDEACT=1\r", timeout=40)


def test_esp_modem_bg96_session(tmp_path: Path) -> None:
    with module_on_pty(tmp_path) as stream, loopback_peer() as peer:
        driver = EspModemBg96(stream)
        driver.generic_command("AT\r")
        driver.generic_command("ATE0\r")
        driver.net_open()
        assert driver.get_ip().count(".") == 3
        driver.tcp_open("127.0.0.1", peer.port)

        payload = b"\nfirst byte is a LF\r\n"  # CR-only: an LF after the prompt is data
        assert driver.send(payload) == (len(payload), len(payload), 0)
        assert peer.wait_received(len(payload)) == payload

        peer.send(b"answer")
        driver.wait_recv_urc()
        assert driver.recv(100) == b"answer"

        peer.close_connection()
        driver._gather(lambda t: b'+QIURC: "closed",0\r\n' in t, 5.0)
        driver.net_close()
        assert stream.quiet() == b""
