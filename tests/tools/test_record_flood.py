"""``modemu record`` at full speed: every byte through, every byte in the transcript."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from pathlib import Path

import pytest

from modemu.testing.pty_host import PtyHost
from modemu.trace import Chunk, iter_records

from .session_kit import echo_server, first_line, modemu, stop

SIZE = 1 << 20
TIMEOUT = 30.0


def _payload() -> bytes:
    return random.Random(12).randbytes(SIZE)


def _streams(transcript: Path) -> tuple[bytes, bytes]:
    records = [r for r in iter_records(transcript) if isinstance(r, Chunk)]
    rx = b"".join(r.data for r in records if r.dir == "rx")
    tx = b"".join(r.data for r in records if r.dir == "tx")
    return rx, tx


def _pump_tcp(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("socket://").rsplit(":", 1)
    received = bytearray()
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        writer = threading.Thread(target=sock.sendall, args=(data,), daemon=True)
        writer.start()
        deadline = time.monotonic() + TIMEOUT
        while len(received) < len(data) and time.monotonic() < deadline:
            received += sock.recv(65536)
        writer.join(TIMEOUT)
    return bytes(received)


def _pump_pty(path: str, data: bytes) -> bytes:
    host = PtyHost(path)
    try:
        writer = threading.Thread(target=host.write, args=(data,), daemon=True)
        writer.start()
        got = host.read_exactly(len(data), timeout=TIMEOUT)
        writer.join(TIMEOUT)
        return got
    finally:
        host.close()


@pytest.mark.parametrize(
    ("link", "module"),
    [("tcp", "socket"), ("pty", "socket"), ("pty", "loop")],
    ids=["tcp-host-socket-module", "pty-host-socket-module", "pty-host-thread-module"],
)
def test_a_mebibyte_each_way_is_forwarded_and_recorded_whole(
    tmp_path: Path, link: str, module: str
) -> None:
    """``loop://`` (pyserial's loopback: what is written is read back) takes the threaded
    path that serial devices take; ``socket://`` the event-loop path."""
    data = _payload()[: SIZE if module == "socket" else SIZE // 4]  # loop:// is slow itself
    transcript = tmp_path / "flood.jsonl"
    where = ["--tcp", "127.0.0.1:0"] if link == "tcp" else ["--pty", str(tmp_path / "modem")]
    with echo_server() as port:
        url = f"socket://127.0.0.1:{port}" if module == "socket" else "loop://"
        recorder = modemu("record", "--module", url, *where, "-o", str(transcript))
        try:
            url = first_line(recorder)
            echoed = _pump_tcp(url, data) if link == "tcp" else _pump_pty(url, data)
        finally:
            rc, err = stop(recorder)
    assert rc == 0, err
    assert echoed == data  # nothing lost or reordered on the way through
    rx, tx = _streams(transcript)
    assert rx == data and tx == data  # and the transcript holds every byte


def test_module_going_away_ends_the_recording(tmp_path: Path) -> None:
    transcript = tmp_path / "gone.jsonl"
    server = socket.create_server(("127.0.0.1", 0))
    recorder = modemu(
        "record",
        "--module",
        f"socket://127.0.0.1:{server.getsockname()[1]}",
        "--tcp",
        "127.0.0.1:0",
        "-o",
        str(transcript),
    )
    try:
        first_line(recorder)
        conn, _addr = server.accept()
        conn.sendall(b"\r\nRDY\r\n")
        conn.close()
        _out, err = recorder.communicate(timeout=TIMEOUT)
    finally:
        server.close()
        if recorder.poll() is None:
            recorder.kill()
    assert recorder.returncode == 1
    assert err.startswith("modemu: error: module went away:")
    records = list(iter_records(transcript))  # complete, end record included
    assert any(getattr(r, "name", None) == "module-closed" for r in records)
    assert _streams(transcript)[1] == b"\r\nRDY\r\n"
    assert os.stat(transcript).st_mode & 0o777 == 0o600


def test_a_module_that_cannot_be_opened_leaves_an_earlier_transcript(tmp_path: Path) -> None:
    transcript = tmp_path / "earlier.jsonl"
    transcript.write_text("keep me\n")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]  # closed below: nothing listens there any more
    recorder = modemu(
        "record",
        "--module",
        f"socket://127.0.0.1:{port}",
        "--tcp",
        "127.0.0.1:0",
        "-o",
        str(transcript),
    )
    _out, err = recorder.communicate(timeout=TIMEOUT)
    assert recorder.returncode == 2
    assert err.startswith("modemu: error: Could not open port socket://127.0.0.1:")
    assert transcript.read_text() == "keep me\n"
