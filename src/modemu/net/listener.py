"""A ``TCP LISTENER`` socket: it only accepts; the accepted connections live on their own.

Closing the listener stops accepting and nothing else: connections already accepted keep
running (the spec's recommendation; the doc example closes an incoming socket after its
listener). The server is never ``wait_closed()``-ed, because from Python 3.12 on that waits
for every accepted connection to end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from modemu.net.base import Address


class TcpListener:
    def __init__(self, server: asyncio.AbstractServer) -> None:
        self._server = server
        self._silenced = False

    @property
    def alive(self) -> bool:
        return self._server.is_serving()

    @property
    def silenced(self) -> bool:
        return self._silenced

    def host_socket(self) -> Any:
        sockets = getattr(self._server, "sockets", None) or ()
        return sockets[0] if sockets else None

    def start(self) -> None:
        """Nothing to flush: incoming connections are announced as they come."""

    def silence(self) -> None:
        self._silenced = True

    def send(self, data: bytes, dest: Address | None) -> None:
        """A listener carries no data."""

    def backlog(self) -> int:
        return 0

    def pause_reading(self) -> None:
        """A listener carries no data."""

    def resume_reading(self) -> None:
        """A listener carries no data."""

    def force_close(self) -> None:
        self._server.close()

    async def shutdown(self, timeout: float) -> None:
        self.silence()
        self._server.close()
