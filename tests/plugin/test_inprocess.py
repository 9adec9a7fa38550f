"""The in-process module (the plugin's default): it serves like ``modemu serve`` and leaves
nothing behind: no thread, no fd, no pty, no link."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from modemu.testing.controller import StartupError
from modemu.testing.inprocess import ModemuThread
from modemu.testing.pty_host import PtyHost


def _fds() -> dict[str, str]:
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:  # the directory listing's own fd, closed already
            continue
    return found


def _threads() -> set[str]:
    return {f"{t.name} {t.ident}" for t in threading.enumerate()}


class _TcpHost:
    """The host end of ``socket://`` in bytes (no client library: its threads are not ours
    to count)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("socket://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.buf = b""

    def command(self, line: str, until: bytes = b"\r\nOK\r\n") -> bytes:
        self.sock.sendall(line.encode() + b"\r")
        return self.read_until(until)

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            chunk = self.sock.recv(4096)
            assert chunk, f"closed; got {self.buf!r}"
            self.buf += chunk
        end = self.buf.index(marker) + len(marker)
        data, self.buf = self.buf[:end], self.buf[end:]
        return data

    def close(self) -> None:
        self.sock.close()


def _exercise(tmp_path: Path, *, tcp: bool) -> str:
    """One module: AT, activation, a real TCP socket to a loopback peer and its data."""
    with ModemuThread(tmp_path, tcp=tcp) as instance:
        srv = socket.create_server(("127.0.0.1", 0))
        host: PtyHost | _TcpHost
        if tcp:
            host = _TcpHost(instance.url)
        else:
            assert instance.path is not None
            host = PtyHost(instance.path)
            host.wait_ready()
        try:
            host.command("ATE0")
            host.command("AT+QIACT=1")
            port = srv.getsockname()[1]
            host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,1')
            host.read_until(b"+QIOPEN: 0,0\r\n")
            peer, _ = srv.accept()
            with peer:
                peer.sendall(b"ping")
                host.read_until(b'+QIURC: "recv",0,4\r\nping')
            host.command("AT+QICLOSE=0")
        finally:
            host.close()
            srv.close()
        return instance.url


@pytest.mark.parametrize("tcp", [False, True])
def test_stop_releases_every_thread_fd_and_pty(tmp_path: Path, tcp: bool) -> None:
    # A first module loads the event loop library, whose process-wide resources (libuv's
    # one signal pipe) are opened once per process, not per module; count after it.
    _exercise(tmp_path / "warm", tcp=tcp)
    threads, fds = _threads(), _fds()
    url = _exercise(tmp_path / "measured", tcp=tcp)
    assert _threads() == threads
    leaked = {fd: target for fd, target in _fds().items() if fds.get(fd) != target}
    assert leaked == {}
    if not tcp:
        assert not os.path.lexists(url), "the pty link is removed"


def test_serves_the_same_bytes_as_the_cli_module(tmp_path: Path) -> None:
    with ModemuThread(tmp_path, args=["--rssi", "12"]) as instance:
        assert instance.pid is None and instance.path is not None
        host = PtyHost(instance.path)
        try:
            host.wait_ready()
            assert host.command("AT+CSQ") == b"AT+CSQ\r\r\n+CSQ: 12,99\r\n\r\nOK\r\n"
        finally:
            host.close()


def test_bad_arguments_are_a_startup_error(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="rssi"):
        ModemuThread(tmp_path, args=["--rssi", "1000"]).start()
    with pytest.raises(StartupError, match="unrecognized"):
        ModemuThread(tmp_path, args=["--no-such-flag"]).start()
    assert not [t for t in threading.enumerate() if t.name.startswith("modemu-")]
