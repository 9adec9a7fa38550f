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
        try:
            self._server = await asyncio.start_unix_server(
                self._serve_client, path=str(self.path), limit=MAX_LINE
            )
        except OSError as exc:
            raise ControlSocketError(f"cannot listen on {self.path}: {exc.strerror}") from None
        os.chmod(self.path, 0o600)
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


def _clear_stale(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise ControlSocketError(f"{path} exists and is not a socket; not replacing it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()  # nobody listens: left by a killed server
        return
    finally:
        probe.close()
    raise ControlSocketError(f"{path} is in use by another running module")
