"""A :class:`NetBackend` that hands every call to another one.

Layers below the engine that watch or bend the network (the pcap tap, faults, link
conditions) subclass it and override only the calls they care about, so none of them repeats
the whole interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modemu.net.base import Address, NetBackend, Service, SocketOptions

__all__ = ["ForwardingNet"]


class ForwardingNet:
    """Forwards each :class:`NetBackend` call to ``inner`` unchanged."""

    def __init__(self, inner: NetBackend) -> None:
        self.inner = inner

    def local_address(self) -> str:
        return self.inner.local_address()

    def default_dns(self) -> Sequence[str]:
        return self.inner.default_dns()

    def open(  # noqa: PLR0917 - the signature is NetBackend's
        self,
        conn_id: int,
        service: Service,
        host: str,
        remote_port: int,
        local_port: int,
        dns_servers: Sequence[str],
        options: SocketOptions,
    ) -> None:
        self.inner.open(conn_id, service, host, remote_port, local_port, dns_servers, options)

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        self.inner.send(conn_id, data, dest)

    def backlog(self, conn_id: int) -> int:
        return self.inner.backlog(conn_id)

    def joins_sends(self, conn_id: int) -> bool:
        return self.inner.joins_sends(conn_id)

    def wait_acked(self, conn_id: int, req: int) -> None:
        self.inner.wait_acked(conn_id, req)

    def close(self, conn_id: int, timeout: float) -> None:
        self.inner.close(conn_id, timeout)

    def pause_reading(self, conn_id: int) -> None:
        self.inner.pause_reading(conn_id)

    def resume_reading(self, conn_id: int) -> None:
        self.inner.resume_reading(conn_id)

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        self.inner.accept(token, conn_id, options)

    def reject(self, token: int) -> None:
        self.inner.reject(token)

    def resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        self.inner.resolve(req, host, dns_servers)

    def ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        self.inner.ping(req, host, timeout, count, dns_servers)

    def ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        self.inner.ntp(req, server, port, dns_servers)

    def __getattr__(self, name: str) -> Any:
        """Back-end extras (``host_socket``, ``raise_pdp_deactivation``) pass through every
        layer, so tests and tools reach the real back end whatever is stacked on it."""
        if name == "inner":  # not set yet (during __init__): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    async def aclose(self) -> None:
        """Close ``inner`` when it has an ``aclose`` (the asyncio back end does)."""
        closer = getattr(self.inner, "aclose", None)
        if closer is not None:
            await closer()
