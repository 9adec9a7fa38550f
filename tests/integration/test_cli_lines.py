"""``modemu serve --rfc2217``, ``--power-on attach`` and SIGHUP as a real subprocess."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import serial

TIMEOUT = 10.0
BOOT_END = b"+QIND: SMS DONE\r\n"


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start ``modemu serve ARGS``; return its announced URL. Stopped (by pid) at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "modemu", "serve", "--state-dir", "none", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url:
            pytest.fail(f"modemu printed nothing: {proc.communicate(timeout=TIMEOUT)[1]}")
        return proc, url

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=TIMEOUT)


def _expect(port: Any, marker: bytes) -> bytes:
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while not got.endswith(marker) and time.monotonic() < deadline:
        got += port.read(port.in_waiting or 1)
    assert got.endswith(marker), got
    return got


def test_serve_rfc2217_with_power_on_attach(serve: Any) -> None:
    _proc, url = serve("--rfc2217", "127.0.0.1:0", "--power-on", "attach")
    assert url.startswith("rfc2217://127.0.0.1:")
    with serial.serial_for_url(url, timeout=0.2) as port:
        assert _expect(port, BOOT_END).startswith(b"\r\nRDY\r\n")
        assert port.dsr and port.cts
        port.write(b"AT\r")
        assert _expect(port, b"OK\r\n") == b"AT\r\r\nOK\r\n"


def test_sighup_reboots_the_module(serve: Any) -> None:
    proc, url = serve("--tcp", "127.0.0.1:0", "--power-on", "attach", "--boot-delay", "0.1")
    with serial.serial_for_url(url, timeout=0.2) as port:
        _expect(port, BOOT_END)
        port.write(b"ATE0\r")
        _expect(port, b"OK\r\n")
        proc.send_signal(signal.SIGHUP)
        assert _expect(port, BOOT_END).startswith(b"\r\nRDY\r\n")
        port.write(b"AT\r")
        assert _expect(port, b"OK\r\n") == b"AT\r\r\nOK\r\n"  # echo is back: a fresh boot


def test_boot_delay_is_checked() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "modemu", "serve", "--pty", "--boot-delay", "-1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2
    assert "boot delay out of range" in proc.stderr
