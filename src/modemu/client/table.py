"""The client's socket table: which object owns each module socket id, and delivery to it.

After python-can's ``Notifier``/``Listener``: the table is one listener of the modem's URCs
(and receives its direct-push payloads); it looks the socket up by id and hands the news on
through a small public interface (:class:`SocketEndpoint`, :class:`ListenerEndpoint`). The
modem and the sockets therefore never reach into each other: the modem feeds the table, the
table calls the endpoints' ``on_*`` methods, and the sockets talk back to the modem only
through its public command surface.
"""

from __future__ import annotations

from typing import Protocol

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.at.limits import SOCKET_IDS
from modemu.client.events import PushData, Urc
from modemu.errors import OperationError

__all__ = ["ListenerEndpoint", "SocketEndpoint", "SocketTable"]

Address = tuple[str, int]


class SocketEndpoint(Protocol):
    """What the table tells a socket; called on the event loop thread, must not block."""

    @property
    def conn_id(self) -> int: ...

    @property
    def context_id(self) -> int: ...

    def on_data_announced(self) -> None:
        """``+QIURC: "recv",<id>``: the module's buffer has data to read."""

    def on_push(self, data: bytes, remote: Address | None) -> None:
        """A direct-push payload (``remote`` set for UDP SERVICE)."""

    def on_peer_closed(self) -> None:
        """``"closed"`` or ``"pdpdeact"``: no more data beyond what is buffered."""

    def on_gone(self) -> None:
        """The socket no longer exists (context deactivated, modem closed, port lost)."""


class ListenerEndpoint(Protocol):
    """What the table tells a ``TCP LISTENER``."""

    @property
    def conn_id(self) -> int: ...

    @property
    def context_id(self) -> int: ...

    def on_incoming(self, conn_id: int, remote: Address) -> SocketEndpoint:
        """A client was accepted as ``conn_id``; returns the socket that now owns the id."""

    def on_gone(self) -> None:
        """The listener no longer exists."""


class SocketTable:
    """Socket ids → endpoints, plus ids reserved while an ``AT+QIOPEN`` is in flight."""

    def __init__(self) -> None:
        self._sockets: dict[int, SocketEndpoint] = {}
        self._listeners: dict[int, ListenerEndpoint] = {}
        self._reserved: set[int] = set()

    # -- ids ---------------------------------------------------------------------------------

    def allocate(self, avoid: set[int]) -> int:
        """Reserve and return the lowest free id (the module gives incoming clients the
        highest); ``avoid`` are ids the module said are in use."""
        used = set(self._sockets) | set(self._listeners) | self._reserved | avoid
        for conn_id in SOCKET_IDS:
            if conn_id not in used:
                self._reserved.add(conn_id)
                return conn_id
        raise OperationError("open", QiError.SOCKET_CREATE)  # every id is taken

    def reserve(self, conn_id: int) -> None:
        """Keep ``conn_id`` from being allocated (a transparent socket owns the port)."""
        self._reserved.add(conn_id)

    def add_socket(self, sock: SocketEndpoint) -> None:
        self._sockets[sock.conn_id] = sock
        self._reserved.discard(sock.conn_id)

    def add_listener(self, listener: ListenerEndpoint) -> None:
        self._listeners[listener.conn_id] = listener
        self._reserved.discard(listener.conn_id)

    def release(self, conn_id: int) -> None:
        """Forget ``conn_id`` (after ``AT+QICLOSE``, or an open that failed)."""
        self._sockets.pop(conn_id, None)
        self._listeners.pop(conn_id, None)
        self._reserved.discard(conn_id)

    def socket(self, conn_id: int) -> SocketEndpoint | None:
        return self._sockets.get(conn_id)

    # -- delivery ----------------------------------------------------------------------------

    def on_urc(self, urc: Urc) -> None:
        """Route one URC to the endpoint it concerns (a URC listener of the modem)."""
        match urc.event:
            case u.Recv(conn_id=conn_id):  # push payloads arrive as PushData instead
                if (sock := self._sockets.get(conn_id)) is not None:
                    sock.on_data_announced()
            case u.Closed(conn_id=conn_id):
                if (sock := self._sockets.get(conn_id)) is not None:
                    sock.on_peer_closed()
            case u.Incoming(conn_id=conn_id, server_id=server_id, remote=remote):
                listener = self._listeners.get(server_id)
                if listener is not None:
                    self.add_socket(listener.on_incoming(conn_id, remote))
            case u.PdpDeact(cid=cid):
                for sock in self._on_context(cid):
                    sock.on_peer_closed()
            case _:
                pass

    def on_push(self, push: PushData) -> None:
        """A direct-push payload for ``push.conn_id``."""
        sock = self._sockets.get(push.conn_id)
        if sock is not None:
            sock.on_push(push.data, push.remote)

    def release_context(self, cid: int) -> None:
        """``AT+QIDEACT`` succeeded: the module released the context's sockets (spec A18)."""
        for sock in self._on_context(cid):
            sock.on_gone()
            self.release(sock.conn_id)

    def fail_all(self) -> None:
        """The modem is closed or its port is lost: every endpoint is gone."""
        for sock in list(self._sockets.values()):
            sock.on_gone()
        for listener in list(self._listeners.values()):
            listener.on_gone()

    def _on_context(self, cid: int) -> list[SocketEndpoint]:
        return [sock for sock in self._sockets.values() if sock.context_id == cid]
