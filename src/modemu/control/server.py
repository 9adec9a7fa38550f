"""The control socket of a running module: a Unix socket speaking :mod:`.protocol`.

The socket file is created mode 0600 (only its owner may fault the module). A stale socket
left by a killed server is replaced; a live one (something answers) or any other kind of
file is refused, and a symlink is never followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
from pathlib import Path

from modemu.control.protocol import MAX_LINE, Dispatch, answer
from modemu.errors import ModemuError

__all__ = ["ControlServer", "ControlSocketError"]

log = logging.getLogger(__name__)


class ControlSocketError(ModemuError):
    """The control socket path cannot be used (taken, not a socket, no directory)."""


class ControlServer:
    def __init__(self, path: str | os.PathLike[str], dispatch: Dispatch) -> None:
        self.path = Path(path)
        self._dispatch = dispatch
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        _clear_stale(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _bind(sock, self.path)
            os.chmod(self.path, 0o600)
            self._server = await asyncio.start_unix_server(
                self._serve_client, sock=sock, limit=MAX_LINE
            )
        except OSError as exc:
            sock.close()
            reason = exc.strerror or str(exc)
            raise ControlSocketError(f"cannot listen on {self.path}: {reason}") from None
        log.info("control socket on %s", self.path)

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.lstat(self.path).st_mode):
                self.path.unlink()

    async def _serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.LimitOverrunError:
                    writer.write(b'{"ok":false,"error":"request line too long"}\n')
                    break
                except asyncio.IncompleteReadError as exc:
                    if not exc.partial.strip():
                        break
                    line = exc.partial
                if line.strip():
                    writer.write(answer(line, self._dispatch))
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if task is not None:
                self._clients.discard(task)
            writer.close()


MAX_SUN_PATH = 107
"""Longest ``AF_UNIX`` path Linux takes (108 bytes with the NUL)."""


def _bind(sock: socket.socket, path: Path) -> None:
    """Bind ``path``; a path too long for ``sun_path`` (deep pytest temp dirs) is bound
    through the directory's ``/proc/self/fd`` entry, which names the same place."""
    if len(os.fsencode(path)) <= MAX_SUN_PATH or not os.path.isdir("/proc/self/fd"):
        sock.bind(str(path))
        return
    dirfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        sock.bind(f"/proc/self/fd/{dirfd}/{path.name}")
    finally:
        os.close(dirfd)


def connect_path(path: str | os.PathLike[str]) -> tuple[str, int | None]:
    """What to ``connect`` for ``path`` (see :func:`_bind`) and a directory fd to close after."""
    if len(os.fsencode(path)) <= MAX_SUN_PATH or not os.path.isdir("/proc/self/fd"):
        return os.fspath(path), None
    parent, name = os.path.split(os.fspath(path))
    dirfd = os.open(parent or ".", os.O_RDONLY | os.O_DIRECTORY)
    return f"/proc/self/fd/{dirfd}/{name}", dirfd


def _clear_stale(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise ControlSocketError(f"{path} exists and is not a socket; not replacing it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    target, dirfd = connect_path(path)
    try:
        probe.connect(target)
    except OSError:
        path.unlink()  # nobody listens: left by a killed server
        return
    finally:
        probe.close()
        if dirfd is not None:
            os.close(dirfd)
    raise ControlSocketError(f"{path} is in use by another running module")
