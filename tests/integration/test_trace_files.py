"""``serve --trace`` as a user runs it: a private file, no symlinks, credentials masked."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import serial

from modemu.testing.controller import ModemuProcess
from modemu.trace import Chunk, Header, iter_records

TIMEOUT = 10.0
SERVE = [sys.executable, "-m", "modemu", "serve", "--tcp", "127.0.0.1:0", "--state-dir", "none"]
SECRET_COMMAND = b'AT+QICSGP=1,1,"internet","alice","s3cr3t",1\r'


def _exchange(url: str, data: bytes) -> bytes:
    with serial.serial_for_url(url, timeout=0.2) as port:
        port.write(data)
        got = b""
        deadline = time.monotonic() + TIMEOUT
        while got.count(b"OK\r\n") < 2 and time.monotonic() < deadline:
            got += port.read(port.in_waiting or 1)
    return got


def _serve_and_talk(tmp_path: Path, *flags: str) -> Path:
    trace = tmp_path / "trace.jsonl"
    with ModemuProcess(tmp_path, tcp=True, args=["--trace", str(trace), *flags]) as modem:
        got = _exchange(modem.url, SECRET_COMMAND + b"AT+QICSGP=1\r")
        assert b'"alice","s3cr3t"' in got  # the host link itself is never altered
    return trace


def test_trace_is_0600_and_keeps_bytes_by_default(tmp_path: Path) -> None:
    trace = _serve_and_talk(tmp_path)
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600
    records = list(iter_records(trace))  # complete: header … end
    assert isinstance(records[0], Header) and not records[0].redacted
    assert b"s3cr3t" in b"".join(r.data for r in records if isinstance(r, Chunk))


def test_trace_redact_masks_both_directions(tmp_path: Path) -> None:
    trace = _serve_and_talk(tmp_path, "--trace-redact")
    records = list(iter_records(trace))
    assert isinstance(records[0], Header) and records[0].redacted
    rx = b"".join(r.data for r in records if isinstance(r, Chunk) and r.dir == "rx")
    tx = b"".join(r.data for r in records if isinstance(r, Chunk) and r.dir == "tx")
    assert rx.startswith(b'AT+QICSGP=1,1,"internet","***","***",1\r')
    assert b'+QICSGP: 1,"internet","***","***",1' in tx
    assert b"alice" not in trace.read_bytes() and b"s3cr3t" not in trace.read_bytes()


def test_trace_through_a_symlink_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    link = tmp_path / "trace.jsonl"
    link.symlink_to(victim)
    result = subprocess.run(
        [*SERVE, "--trace", str(link)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"modemu: error: refusing to write through a symlink: {link}\n"
    assert victim.read_text() == "keep"
