"""Soak checks over a real pty and real loopback TCP, every byte checked with sha256:
transparent mode both ways at once, buffer-mode (QIRD) and direct-push downloads, and all
12 sockets at once in both access modes.

Sizes keep each test to a few seconds on a 2-core machine; ``python -m bench --soak-gib 1``
runs the long transparent soak.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .host import (
    OK,
    Demux,
    Host,
    MiB,
    Receiver,
    Sender,
    listener,
    modemu,
    move,
    open_socket,
    pattern,
    rss_kib,
    sha,
)

pytestmark = pytest.mark.timeout(60)


def test_transparent_both_ways_at_once(tmp_path: Path) -> None:
    size = 24 * MiB
    up, down = pattern(1, size), pattern(2, size)
    srv = listener()
    with modemu(tmp_path) as (host, pid):
        port = srv.getsockname()[1]
        host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2', until=b"CONNECT\r\n")
        peer, _ = srv.accept()
        peer.settimeout(60)
        rss_before = rss_kib(pid)
        move([(host.fd, peer.fileno(), up), (peer.fileno(), host.fd, down)])
        assert rss_kib(pid) - rss_before < 32 * 1024
        # leave data mode: 1 s guard, +++, 1 s guard, OK; the socket is still there
        time.sleep(1.1)
        host.write(b"+++")
        assert host.read_until(OK, 5) == OK
        peer.close()
        host.read_until(b'+QIURC: "closed",0\r\n')
        host.command("AT+QICLOSE=0")
    srv.close()


def test_buffer_mode_qird_download(tmp_path: Path) -> None:
    payload = pattern(3, 3 * MiB)
    srv = listener()
    with modemu(tmp_path) as (host, _pid):
        peer = open_socket(host, srv, 0, 0)
        sender = Sender(peer, payload)
        sender.start()
        demux = Demux(host)
        deadline = time.monotonic() + 40
        while len(demux.data.get(0, b"")) < len(payload):
            host.write(b"AT+QIRD=0,1500\r")
            while demux.step(0, deadline) != 0:
                pass
        assert sha(bytes(demux.data[0])) == sha(payload)
        host.write(b"AT+QIRD=0,0\r")
        assert (
            host.read_until(OK) == f"\r\n+QIRD: {len(payload)},{len(payload)},0\r\n".encode() + OK
        )
        sender.join(5)
        peer.close()
        host.command("AT+QICLOSE=0")
    srv.close()


def test_direct_push_download(tmp_path: Path) -> None:
    payload = pattern(4, 16 * MiB)
    srv = listener()
    with modemu(tmp_path) as (host, _pid):
        peer = open_socket(host, srv, 0, 1)
        sender = Sender(peer, payload)
        sender.start()
        demux = Demux(host)
        deadline = time.monotonic() + 40
        while len(demux.data.get(0, b"")) < len(payload):
            demux.step(None, deadline)
        assert sha(bytes(demux.data[0])) == sha(payload)
        sender.join(5)
        peer.close()
        assert host.read_until(b'+QIURC: "closed",0\r\n')
        host.command("AT+QICLOSE=0")
    srv.close()


def _qisend(host: Host, demux: Demux, conn_id: int, chunk: bytes, deadline: float) -> bool:
    """One ``AT+QISEND=<id>,<len>`` while push URCs may arrive; False on ``SEND FAIL``."""
    host.write(f"AT+QISEND={conn_id},{len(chunk)}\r".encode())
    while not host.buf.startswith(b"\r\n>"):
        if host.buf.startswith(b"\r\n>"[: len(host.buf)]):
            host.fill(deadline)
        else:
            demux.step(None, deadline)  # a push URC came before the prompt
    del host.buf[:3]
    host.write(chunk)
    while True:
        for answer, ok in ((b"\r\nSEND OK\r\n", True), (b"\r\nSEND FAIL\r\n", False)):
            if host.buf.startswith(answer):
                del host.buf[: len(answer)]
                return ok
        if len(host.buf) >= 11 and not host.buf.startswith(b"\r\nSEND "):
            demux.step(None, deadline)
        else:
            host.fill(deadline)


def test_twelve_sockets_at_once(tmp_path: Path) -> None:
    """Ids 0-5 in direct push, 6-11 in buffer mode; all peers send at once while the host
    also uploads to every socket with AT+QISEND (retrying after SEND FAIL)."""
    size = 384 * 1024
    srv = listener()
    with modemu(tmp_path) as (host, _pid):
        host.command("AT+QISDE=0")
        peers = {i: open_socket(host, srv, i, 1 if i < 6 else 0) for i in range(12)}
        downs = {i: pattern(100 + i, size) for i in peers}
        ups = {i: pattern(200 + i, 4 * 1460) for i in peers}
        senders = [Sender(peers[i], downs[i]) for i in peers]
        receivers = {i: Receiver(peers[i], len(ups[i])) for i in peers}
        for thread in [*senders, *receivers.values()]:
            thread.start()
        demux = Demux(host)
        deadline = time.monotonic() + 50
        uploaded = dict.fromkeys(peers, 0)
        rounds = 0
        while any(len(demux.data.get(i, b"")) < size or uploaded[i] < len(ups[i]) for i in peers):
            rounds += 1
            for i in peers:
                if uploaded[i] < len(ups[i]) and rounds % 3 == 0:
                    chunk = ups[i][uploaded[i] : uploaded[i] + 1460]
                    if _qisend(host, demux, i, chunk, deadline):
                        uploaded[i] += len(chunk)
                if i >= 6 and len(demux.data.get(i, b"")) < size:
                    host.write(f"AT+QIRD={i},1500\r".encode())
                    while demux.step(i, deadline) != i:
                        pass
            while host.buf:  # push URCs that arrived meanwhile
                demux.step(None, deadline)
        for i in peers:
            assert sha(bytes(demux.data[i])) == sha(downs[i]), f"socket {i}"
            receivers[i].join(10)
            assert sha(bytes(receivers[i].data)) == sha(ups[i]), f"socket {i} upload"
        for sender in senders:
            sender.join(5)
            assert sender.error is None
        for i, peer in peers.items():
            peer.close()
            host.drain(0.05)
            host.command(f"AT+QICLOSE={i}")
    srv.close()
