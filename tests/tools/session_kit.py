"""A scripted host session and the processes around it, for the record/replay tests."""

from __future__ import annotations

import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import serial

TIMEOUT = 10.0
VARIANT_TOML = """\
version = 1
[network]
rssi = 12
"""


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


@contextmanager
def echo_server() -> Iterator[int]:
    """A TCP echo server on 127.0.0.1; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class ScriptedHost:
    """Writes each step's bytes and waits for its marker, as a careful driver does."""

    url: str
    sent: bytearray = field(default_factory=bytearray)
    received: bytearray = field(default_factory=bytearray)

    def run(self, steps: list[tuple[bytes, bytes]]) -> None:
        with serial.serial_for_url(self.url, timeout=0.1) as port:
            for data, marker in steps:
                port.write(data)
                self.sent += data
                got = b""
                deadline = time.monotonic() + TIMEOUT
                while marker not in got:
                    assert time.monotonic() < deadline, (data, marker, got)
                    got += port.read(port.in_waiting or 1)
                self.received += got


def session_steps(echo_port: int) -> list[tuple[bytes, bytes]]:
    """A TCP session a driver might run: identity, APN, activate, open, send, read, close."""
    return [
        (b"ATI\r", b"OK\r\n"),
        (b'AT+QICSGP=1,1,"internet","alice","s3cr3t",1\r', b"OK\r\n"),
        (b"AT+CSQ\r", b"OK\r\n"),
        (b"AT+QIACT=1\r", b"OK\r\n"),
        (b"AT+QIACT?\r", b"OK\r\n"),
        (f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{echo_port},0,0\r'.encode(), b"+QIOPEN: 0,0\r\n"),
        (b"AT+QISEND=0,5\r", b">"),
        (b"hello", b'+QIURC: "recv",0\r\n'),
        (b"AT+QIRD=0,1500\r", b"OK\r\n"),
        (b"AT+QISTATE=1,0\r", b"OK\r\n"),
        (b"AT+QICLOSE=0\r", b"OK\r\n"),
        (b"AT+GSN\r", b"OK\r\n"),
        (b"AT+NOSUCH\r", b"ERROR\r\n"),
        (b"AT+QIDEACT=1\r", b"OK\r\n"),
    ]


def modemu(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "modemu", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        _out, err = proc.communicate(timeout=TIMEOUT)
        raise AssertionError(f"no announcement (rc={proc.returncode}): {err}")
    return line.split()[0]


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modemu", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_variant(tmp_path: Path) -> Path:
    path = tmp_path / "variant.toml"
    path.write_text(VARIANT_TOML)
    return path


def write_transcript(path: Path, chunks: list[tuple[str, bytes]]) -> Path:
    """A transcript with these chunks, 10 ms apart (less than a guard time)."""
    from modemu.trace import Tracer  # noqa: PLC0415 - keeps the kit's imports light

    ticks = iter(range(10**6))
    tracer = Tracer.open(path, clock=lambda: 1_700_000_000.0 + next(ticks) / 100, source="test")
    for direction, data in chunks:
        tracer.chunk(direction, data)  # type: ignore[arg-type]
    tracer.close()
    return path
