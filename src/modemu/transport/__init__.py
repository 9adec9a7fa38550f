"""How the host program reaches the module: a pty, a TCP port, or an in-memory pair.

The names load on first use (PEP 562): the CLI imports :class:`TransportError` from here
for ``modemu --help`` without paying for asyncio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu._lazy import lazy_exports

if TYPE_CHECKING:
    from modemu.transport.base import LinkListener, Transport, TransportError
    from modemu.transport.memory import ChunkSplitter, HostEnd, MemoryTransport
    from modemu.transport.pty import PtyTransport
    from modemu.transport.tcp import TcpTransport

_WHERE = {
    "ChunkSplitter": "memory",
    "HostEnd": "memory",
    "LinkListener": "base",
    "MemoryTransport": "memory",
    "PtyTransport": "pty",
    "TcpTransport": "tcp",
    "Transport": "base",
    "TransportError": "base",
}

__all__ = [
    "ChunkSplitter",
    "HostEnd",
    "LinkListener",
    "MemoryTransport",
    "PtyTransport",
    "TcpTransport",
    "Transport",
    "TransportError",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
