"""Defaults of :class:`modemu.net.base.NetConfig`, importable without the back-end interface
(the CLI's parser shows them in ``--help``, which must stay cheap)."""

from __future__ import annotations

LISTEN_HOST = "127.0.0.1"
"""Address that ``TCP LISTENER`` and ``UDP SERVICE`` sockets bind on the host: loopback."""
DNS_PORT = 53
"""Port DNS queries go to."""
