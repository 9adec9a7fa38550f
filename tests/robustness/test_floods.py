"""Floods: a peer that sends without end to a socket the host does not read, and a host that
writes without end (no CR, or into a peer that does not read). Memory stays bounded (RSS of
the module process, generous bounds), nothing is lost or reordered, and the port answers
``AT`` throughout and afterwards.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from .host import (
    OK,
    Demux,
    Flooder,
    Host,
    MiB,
    listener,
    modemu,
    open_socket,
    rss_kib,
    stream_bytes,
)

pytestmark = pytest.mark.timeout(60)
RSS_BOUND_KIB = 24 * 1024
"""Generous: the module keeps 16 KiB per socket plus transport buffers of a few MiB."""


def _at_round_trip(host: Host, limit: float = 1.0) -> float:
    start = time.monotonic()
    assert host.command("AT", timeout=limit) == OK
    return time.monotonic() - start


def test_peer_floods_a_buffer_socket_the_host_never_reads(tmp_path: Path) -> None:
    srv = listener()
    with modemu(tmp_path) as (host, pid):
        peer = open_socket(host, srv, 0, 0)
        rss_before = rss_kib(pid)
        flood = Flooder(peer)
        flood.start()
        assert host.read_until(b'\r\n+QIURC: "recv",0\r\n') == b'\r\n+QIURC: "recv",0\r\n'
        for _ in range(20):  # 2 s of flooding; the port keeps answering
            time.sleep(0.1)
            assert _at_round_trip(host) < 1.0
        sent_then = flood.sent
        time.sleep(0.3)
        assert flood.sent - sent_then < 1 * MiB  # the peer is held back (closed window)
        assert rss_kib(pid) - rss_before < RSS_BOUND_KIB
        host.write(b"AT+QIRD=0,0\r")
        totals = host.read_until(OK)
        assert totals.startswith(b"\r\n+QIRD: ")
        total, read, unread = map(int, totals[9:].split(b"\r\n")[0].split(b","))
        assert read == 0 and unread == total and 0 < unread <= 65534
        # reading resumes the flow and the stream is intact from byte 0
        got = bytearray()
        demux = Demux(host)
        deadline = time.monotonic() + 20
        while len(got) < 2 * MiB:
            host.write(b"AT+QIRD=0,1500\r")
            while demux.step(0, deadline) != 0:
                pass
            got = demux.data[0]
        assert bytes(got) == stream_bytes(0, len(got))
        flood.stop()
        peer.close()
    srv.close()


def test_peer_floods_push_socket_while_host_does_not_read_the_pty(tmp_path: Path) -> None:
    srv = listener()
    with modemu(tmp_path) as (host, pid):
        peer = open_socket(host, srv, 0, 1)
        rss_before = rss_kib(pid)
        flood = Flooder(peer)
        flood.start()
        time.sleep(2.0)  # the host reads nothing: pty and module buffers fill, then stop
        sent_then = flood.sent
        time.sleep(0.3)
        assert flood.sent - sent_then < 1 * MiB
        assert rss_kib(pid) - rss_before < RSS_BOUND_KIB
        # the host reads again and sends AT in the middle of the push stream
        demux = Demux(host)
        deadline = time.monotonic() + 20
        while len(demux.data.get(0, b"")) < 2 * MiB:
            demux.step(None, deadline)
        host.write(b"AT\r")
        while demux.oks == 0:
            demux.step(None, deadline)
        flood.stop()
        got = bytes(demux.data[0])
        assert got == stream_bytes(0, len(got)), "push stream lost or reordered bytes"
        peer.close()
    srv.close()


def test_host_floods_transparent_socket_whose_peer_does_not_read(tmp_path: Path) -> None:
    srv = listener()
    with modemu(tmp_path) as (host, pid):
        port = srv.getsockname()[1]
        host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2', until=b"CONNECT\r\n")
        peer, _ = srv.accept()
        rss_before = rss_kib(pid)
        written = 0
        stop = threading.Event()

        def write_forever() -> None:
            nonlocal written
            while not stop.is_set():
                host.write(stream_bytes(written, 4096))  # blocks once the module holds back
                written += 4096

        writer = threading.Thread(target=write_forever, daemon=True)
        writer.start()
        time.sleep(2.0)
        then = written
        time.sleep(0.3)
        assert written - then < 1 * MiB, "the module did not hold the host back"
        assert rss_kib(pid) - rss_before < RSS_BOUND_KIB
        # the peer reads: the host's stream arrives intact and the writer moves again
        peer.settimeout(10)
        got = bytearray()
        while len(got) < then + 1 * MiB:
            got += peer.recv(262144)
        stop.set()
        writer.join(10)
        assert not writer.is_alive()
        while len(got) < written:
            got += peer.recv(262144)
        assert len(got) == written and bytes(got) == stream_bytes(0, written)
        time.sleep(1.1)
        host.write(b"+++")
        assert host.read_until(OK, 5) == OK
        assert _at_round_trip(host) < 1.0
        peer.close()
    srv.close()


def test_host_writes_endlessly_without_cr(tmp_path: Path) -> None:
    with modemu(tmp_path) as (host, pid):
        host.command("ATE1")  # typed with echo off: no echo yet
        rss_before = rss_kib(pid)
        line = b"AT+QIRD=" + b"1234567890" * 6553  # 64 KiB of a never-ending command line
        stop = threading.Event()
        echoed = bytearray()

        def read_echo() -> None:
            while not stop.is_set():
                try:
                    host.fill(time.monotonic() + 0.1)
                except TimeoutError:
                    continue
                echoed.extend(host.buf)
                host.buf.clear()

        reader = threading.Thread(target=read_echo, daemon=True)
        reader.start()
        host.write(line)
        for _ in range(24):  # 1.5 MiB more; the line is long past max_line
            host.write(b"1234567890" * 6553)
        assert rss_kib(pid) - rss_before < RSS_BOUND_KIB
        host.write(b"\r")
        deadline = time.monotonic() + 20
        while not echoed.endswith(b"\r\r\nERROR\r\n") and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        reader.join(5)
        assert echoed.endswith(b"\r\r\nERROR\r\n")  # too long: ERROR, nothing stored
        assert host.command("AT", until=b"AT\r" + OK) == b"AT\r" + OK


def test_host_writes_endlessly_binary_garbage(tmp_path: Path) -> None:
    import random  # noqa: PLC0415

    garbage = random.Random(5).randbytes(2 * MiB).replace(b"\r", b"\n")
    with modemu(tmp_path) as (host, pid):
        rss_before = rss_kib(pid)
        host.write(garbage)
        assert rss_kib(pid) - rss_before < RSS_BOUND_KIB
        host.drain(0.2)
        host.write(b"\rAT\r")
        host.read_until(OK)
        assert _at_round_trip(host) < 1.0
