"""Regenerate the project's own transcripts.

Run ``PYTHONPATH=src python3 tests/transcripts/generate.py`` from the repository root.

Each session is a scripted host talking to ``modemu serve --trace`` over TCP, waiting for
each answer as a careful driver does. The sessions need no network peer outside the
module: TCP and UDP go from the module to its own listener on 127.0.0.1. Review the diff
of a regenerated transcript like any change of behaviour: it is one.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import serial

HERE = Path(__file__).resolve().parent
TIMEOUT = 10.0
TCP_PORT = 47311
UDP_PORT = 47312
TRANSPARENT_PORT = 47313
GUARD = 1.2
"""Seconds of silence a host keeps around ``+++`` (the module's guard time is 1 s)."""

Step = tuple[bytes, bytes | tuple[bytes, ...]]
"""Bytes to send, and what to wait for (every marker of a tuple, in any order)."""

IDENTITY: list[Step] = [
    (b"AT\r", b"OK\r\n"),
    (b"ATI\r", b"OK\r\n"),
    (b"AT+GMR\r", b"OK\r\n"),
    (b"AT+CGMM\r", b"OK\r\n"),
    (b"AT+GSN\r", b"OK\r\n"),
    (b"AT+CIMI\r", b"OK\r\n"),
    (b"AT+QCCID\r", b"OK\r\n"),
    (b"AT+CPIN?\r", b"OK\r\n"),
    (b"AT+CSQ\r", b"OK\r\n"),
    (b"AT+CREG?;+CGREG?;+CEREG?\r", b"OK\r\n"),
    (b"AT+COPS?\r", b"OK\r\n"),
    (b"AT+QICSGP=1\r", b"OK\r\n"),
    (b"AT+QIACT?\r", b"OK\r\n"),
    (b"AT+QISEND=?\r", b"OK\r\n"),
    (b"ATE0\r", b"OK\r\n"),
    (b"AT+CSQ\r", b"OK\r\n"),
    (b"ATE1\r", b"OK\r\n"),
]

ERRORS: list[Step] = [
    (b"AT+NOSUCH\r", b"ERROR\r\n"),
    (b"AT+CSQ?\r", b"ERROR\r\n"),
    (b'AT+QIOPEN=1,0,"TCP"\r', b"ERROR\r\n"),
    (b"AT+QIGETERROR\r", b"OK\r\n"),
    (b"AT+QISEND=5,3\r", b"ERROR\r\n"),
    (b"AT+QIGETERROR\r", b"OK\r\n"),
    (b"AT+QIACT=17\r", b"ERROR\r\n"),
    (b"AT+CMEE=1\r", b"OK\r\n"),
    (b'AT+CPIN="0000"\r', b"\r\n"),
    (b"AT+CMEE=2\r", b"OK\r\n"),
    (b"AT+CGDCONT=99\r", b"\r\n"),
    (b"AT+QIRD=3\r", b"ERROR\r\n"),
]

TCP_LOOPBACK: list[Step] = [
    (b'AT+QICSGP=1,1,"internet","",""\r', b"OK\r\n"),
    (b"AT+QIACT=1\r", b"OK\r\n"),
    (f'AT+QIOPEN=1,11,"TCP LISTENER","127.0.0.1",0,{TCP_PORT},0\r'.encode(), b"+QIOPEN: 11,0\r\n"),
    (
        f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{TCP_PORT},0,0\r'.encode(),
        (b'+QIURC: "incoming",', b"+QIOPEN: 0,0\r\n"),
    ),
    (b"AT+QISEND=0,5\r", b">"),
    (b"hello", b'+QIURC: "recv",10\r\n'),
    (b"AT+QIRD=10,1500\r", b"OK\r\n"),
    (b"AT+QISEND=10\r", b">"),
    (b"world\x1a", b'+QIURC: "recv",0\r\n'),
    (b"AT+QIRD=0,0\r", b"OK\r\n"),
    (b"AT+QIRD=0,3\r", b"OK\r\n"),
    (b"AT+QIRD=0,1500\r", b"OK\r\n"),
    (b"AT+QISEND=0,0\r", b"OK\r\n"),
    (b"AT+QISTATE=0,1\r", b"OK\r\n"),
    (b"AT+QICLOSE=10\r", (b'+QIURC: "closed",0\r\n', b"OK\r\n")),
    (b"AT+QICLOSE=0\r", b"OK\r\n"),
    (b"AT+QICLOSE=11\r", b"OK\r\n"),
    (b"AT+QIDEACT=1\r", b"OK\r\n"),
]

UDP_SERVICE: list[Step] = [
    (b"AT+QIACT=1\r", b"OK\r\n"),
    (f'AT+QIOPEN=1,2,"UDP SERVICE","127.0.0.1",0,{UDP_PORT},0\r'.encode(), b"+QIOPEN: 2,0\r\n"),
    (f'AT+QIOPEN=1,3,"UDP","127.0.0.1",{UDP_PORT},0,0\r'.encode(), b"+QIOPEN: 3,0\r\n"),
    (b"AT+QISEND=3,4\r", b">"),
    (b"ping", b'+QIURC: "recv",2\r\n'),
    (b"AT+QIRD=2\r", b"OK\r\n"),
    (b"AT+QICLOSE=3\r", b"OK\r\n"),
    (b"AT+QICLOSE=2\r", b"OK\r\n"),
    (b"AT+QIDEACT=1\r", b"OK\r\n"),
]

TRANSPARENT: list[Step] = [
    (b"AT+QIACT=1\r", b"OK\r\n"),
    (
        f'AT+QIOPEN=1,11,"TCP LISTENER","127.0.0.1",0,{TRANSPARENT_PORT},0\r'.encode(),
        b"+QIOPEN: 11,0\r\n",
    ),
    (f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{TRANSPARENT_PORT},0,2\r'.encode(), b"CONNECT\r\n"),
    (b"hello", ()),  # payload to the peer: the module says nothing
    (b"+++", (b"OK\r\n", b'+QIURC: "recv",10\r\n')),
    (b"AT+QIRD=10,1500\r", b"OK\r\n"),
    (b"AT+QISTATE=1,0\r", b"OK\r\n"),
    (b"AT+QICLOSE=0\r", b"OK\r\n"),
    (b"AT+QICLOSE=10\r", b"OK\r\n"),
    (b"AT+QICLOSE=11\r", b"OK\r\n"),
    (b"AT+QIDEACT=1\r", b"OK\r\n"),
]

SESSIONS: dict[str, tuple[list[Step], list[str]]] = {
    "identity": (IDENTITY, []),
    "identity-bg96": (IDENTITY, ["--profile", "bg96"]),
    "errors": (ERRORS, []),
    "tcp-loopback": (TCP_LOOPBACK, []),
    "udp-service": (UDP_SERVICE, []),
    "transparent": (TRANSPARENT, []),
}


def _talk(url: str, steps: list[Step]) -> None:
    with serial.serial_for_url(url, timeout=0.1) as port:
        for data, wanted in steps:
            markers = wanted if isinstance(wanted, tuple) else (wanted,)
            if data == b"+++":
                time.sleep(GUARD)  # silence before the escape, as a driver keeps it
            port.write(data)
            if not markers:
                continue
            got = b""
            deadline = time.monotonic() + TIMEOUT
            while not all(m in got for m in markers) or not got.endswith((b"\n", b">")):
                if time.monotonic() > deadline:
                    raise SystemExit(f"no {markers!r} after {data!r}: {got!r}")
                got += port.read(port.in_waiting or 1)


def _record(name: str, steps: list[Step], args: list[str]) -> None:
    path = HERE / f"{name}.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.jsonl"
        command = [sys.executable, "-m", "modemu", "serve", "--tcp", "127.0.0.1:0"]
        command += ["--state-dir", "none", "--trace", str(trace), *args]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            _talk(server.stdout.readline().split()[0], steps)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(TIMEOUT)
        lines = trace.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["replay"] = {"serve_args": " ".join(args)}
    header["session"] = f"tests/transcripts/generate.py: {name}"
    lines[0] = json.dumps(header, separators=(",", ":")) + "\n"
    path.write_text("".join(lines))
    print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    for session, (script, serve_args) in SESSIONS.items():
        _record(session, script, serve_args)
