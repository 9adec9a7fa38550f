"""How the host program reaches the module: a pty, a TCP port, or an in-memory pair."""

from modemu.transport.base import LinkListener, Transport, TransportError
from modemu.transport.memory import ChunkSplitter, HostEnd, MemoryTransport
from modemu.transport.pty import PtyTransport
from modemu.transport.tcp import TcpTransport

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
