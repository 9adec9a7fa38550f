"""``serve --trace --pcap`` for a real session, then ``modemu view`` and the capture checked.

The module runs as a subprocess on a TCP port; the host is a plain socket; the network peers
are a loopback TCP echo server and a UDP socket. The capture is read back with dpkt (and
with tshark where it is installed); the HTML page is checked as text and, where Debian's
chromium is installed, rendered in a real headless browser.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import dpkt
import pytest

from modemu.cli.main import main

TIMEOUT = 10.0


class Host:
    """The driver's side of ``socket://``: write a line, read until a marker."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError(f"module closed before {marker!r}: {self.buffer!r}")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head + marker

    def command(self, line: bytes, marker: bytes = b"OK\r\n") -> bytes:
        self.sock.sendall(line)
        return self.until(marker)


@contextlib.contextmanager
def tcp_echo() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(TIMEOUT)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(4096):
                    conn.sendall(data)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        worker.join(TIMEOUT)


@contextlib.contextmanager
def serve(*args: str) -> Iterator[int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modemu",
            "serve",
            "--tcp",
            "127.0.0.1:0",
            "--state-dir",
            "none",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[0]
        yield int(url.rsplit(":", 1)[1])
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One traced and captured session: TCP echo in push mode, one UDP datagram."""
    folder = tmp_path_factory.mktemp("session")
    trace, capture = folder / "session.jsonl", folder / "session.pcap"
    udp_peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_peer.bind(("127.0.0.1", 0))
    udp_peer.settimeout(TIMEOUT)
    with tcp_echo() as echo_port, serve("--trace", str(trace), "--pcap", str(capture)) as port:
        host = Host(port)
        host.command(b"AT+QIACT=1\r")
        host.command(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",%d,0,1\r' % echo_port, b"+QIOPEN: 0,0\r\n")
        host.command(b"AT+QISEND=0,5\r", b">")
        host.command(b"hello", b"SEND OK\r\n")
        host.until(b'+QIURC: "recv",0,5\r\nhello\r\n')
        udp_port = udp_peer.getsockname()[1]
        host.command(b'AT+QIOPEN=1,1,"UDP","127.0.0.1",%d,0,0\r' % udp_port, b"+QIOPEN: 1,0\r\n")
        host.command(b"AT+QISEND=1,3\r", b">")
        host.command(b"abc", b"SEND OK\r\n")
        assert udp_peer.recvfrom(16)[0] == b"abc"
        host.command(b"AT+QIFOO\r", b"ERROR\r\n")
        host.command(b"AT+QICLOSE=0\r")
        host.sock.close()
    udp_peer.close()
    return trace, capture


def _packets(capture: Path) -> list[dpkt.ip.IP]:
    with capture.open("rb") as handle:
        return [dpkt.ethernet.Ethernet(frame).data for _, frame in dpkt.pcap.Reader(handle)]


def test_capture_is_private(session: tuple[Path, Path]) -> None:
    _, capture = session
    assert capture.stat().st_mode & 0o777 == 0o600


def test_capture_has_the_tcp_conversation_with_consistent_numbers(
    session: tuple[Path, Path],
) -> None:
    tcp = [p.data for p in _packets(session[1]) if isinstance(p.data, dpkt.tcp.TCP)]
    th = dpkt.tcp
    flags = [segment.flags for segment in tcp]
    assert flags == [
        th.TH_SYN,
        th.TH_SYN | th.TH_ACK,
        th.TH_ACK,
        th.TH_PUSH | th.TH_ACK,  # hello, module → peer
        th.TH_ACK,
        th.TH_PUSH | th.TH_ACK,  # hello, echoed back
        th.TH_ACK,
        th.TH_FIN | th.TH_ACK,  # AT+QICLOSE: the module closes first
        th.TH_ACK,
        th.TH_FIN | th.TH_ACK,
        th.TH_ACK,
    ]
    assert [s.data for s in tcp if s.data] == [b"hello", b"hello"]
    module_isn, peer_isn = tcp[0].seq, tcp[1].seq
    assert tcp[1].ack == module_isn + 1
    assert tcp[3].seq == module_isn + 1 and tcp[4].ack == module_isn + 6
    assert tcp[5].seq == peer_isn + 1 and tcp[6].ack == peer_isn + 6


def test_capture_has_the_udp_datagram(session: tuple[Path, Path]) -> None:
    udp = [p for p in _packets(session[1]) if isinstance(p.data, dpkt.udp.UDP)]
    assert [p.data.data for p in udp] == [b"abc"]
    assert socket.inet_ntoa(udp[0].dst) == "127.0.0.1"


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_the_capture_without_complaint(session: tuple[Path, Path]) -> None:
    result = subprocess.run(
        ["tshark", "-r", str(session[1]), "-q", "-z", "expert"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Errors" not in result.stdout and "Warnings" not in result.stdout, result.stdout
    fields = subprocess.run(
        ["tshark", "-r", str(session[1]), "-T", "fields", "-e", "frame.protocols"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert (
        fields.count("eth:ethertype:ip:tcp") == 9 and fields.count("eth:ethertype:ip:udp:data") == 1
    )


def test_view_draws_the_session(session: tuple[Path, Path], tmp_path: Path) -> None:
    page_path = tmp_path / "session.html"
    assert main(["view", str(session[0]), "-o", str(page_path)]) == 0
    page = page_path.read_text(encoding="utf-8")
    assert "<script src" not in page and "http" not in page.split("<body>", 1)[1]
    assert "AT+QISEND=0,5" in page and "SEND OK" in page
    assert "k-urc" in page and "+QIOPEN: 0,0" in page
    assert "k-error" in page and "#0 TCP open 127.0.0.1:" in page
    assert "data 5 B" in page


def test_view_names_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.jsonl"
    header = '{"format":"modemu-trace","version":1,"t":1,"source":"serve","redacted":false}'
    broken.write_text(f'{header}\n{{"t":1,"dir":"rx","data":"AT\\r"}}\n{{not json\n', "ascii")
    assert main(["view", str(broken), "-o", str(tmp_path / "x.html")]) == 2
    assert "broken.jsonl:3" in capsys.readouterr().err


def test_pcap_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep me", encoding="ascii")
    link = tmp_path / "capture.pcap"
    link.symlink_to(target)
    proc = subprocess.run(
        [sys.executable, "-m", "modemu", "serve", "--tcp", "127.0.0.1:0", "--pcap", str(link)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
        check=False,
    )
    assert proc.returncode == 2
    assert "symlink" in proc.stderr
    assert target.read_text(encoding="ascii") == "keep me"


def _png_size_and_colours(png: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct scanline bytes (a blank page has ~1)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        if png[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(png[offset + 8 : offset + 8 + length])
        offset += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels[: 1 << 20]))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_view_renders_in_a_real_browser(session: tuple[Path, Path], tmp_path: Path) -> None:
    page = tmp_path / "session.html"
    assert main(["view", str(session[0]), "-o", str(page)]) == 0
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,900",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    width, height, colours = _png_size_and_colours(shot.read_bytes())
    assert (width, height) == (1200, 900)
    assert colours > 20  # header, lanes, coloured arrows and text were drawn
