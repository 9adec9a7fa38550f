"""An in-memory :class:`~modemu.net.base.NetBackend` for tests: records calls, does nothing.

:class:`FakeNet` never touches the network and never answers on its own. A test drives the
engine with an explicit clock and injects the outcomes itself::

    net = FakeNet()
    engine = ModemEngine(Profile(), net)
    engine.handle_timer(0.0)  # boot: RDY …
    engine.receive_data(b'AT+QIACT=1\\r', 1.0)
    engine.receive_data(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80\\r', 1.0)
    (conn_id, service, host, port, local_port, dns, options), = net.calls_to("open")
    engine.handle_net(Opened(0, ("10.7.157.1", 50000), ("1.2.3.4", 80)), 1.1)
    net.backlogs[0] = 100  # what backlog(0) answers from now on
    engine.data_to_send()  # … +QIOPEN: 0,0

Every call is appended to :attr:`FakeNet.calls` as ``(method_name, args)`` where ``args``
is the tuple of positional arguments in the order of the protocol signature (keyword
arguments are folded in, so the same call always records the same tuple; a sequence of DNS
servers is recorded as a tuple).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from modemu.net.base import Address, NetBackend, Service, SocketOptions

DEFAULT_LOCAL_ADDRESS = "10.7.157.1"
"""The spec's example PDP address (``+QIACT: 1,1,1,"10.7.157.1"``)."""

Call = tuple[str, tuple[object, ...]]


class FakeNet:
    """A recording, configurable fake back end.

    - ``address``: what :meth:`local_address` returns (default :data:`DEFAULT_LOCAL_ADDRESS`).
    - ``dns``: what :meth:`default_dns` returns (default: no servers).
    - ``backlogs``: per-socket value for :meth:`backlog` (missing ids use ``default_backlog``,
      default 0). Tests may change both attributes at any time.
    - ``calls``: every call in order, as ``(method_name, args)``.
    """

    def __init__(
        self,
        address: str = DEFAULT_LOCAL_ADDRESS,
        default_backlog: int = 0,
        backlogs: dict[int, int] | None = None,
        dns: Sequence[str] = (),
    ) -> None:
        self.address = address
        self.dns: tuple[str, ...] = tuple(dns)
        self.default_backlog = default_backlog
        self.backlogs: dict[int, int] = dict(backlogs or {})
        self.calls: list[Call] = []

    # -- helpers for tests ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[tuple[object, ...]]:
        """The argument tuples of every recorded call to ``method``, in order."""
        return [args for name, args in self.calls if name == method]

    def methods(self) -> list[str]:
        """Names of the recorded calls, in order (``["open", "send", ...]``)."""
        return [name for name, _ in self.calls]

    def sent(self, conn_id: int) -> bytes:
        """All bytes passed to :meth:`send` for ``conn_id``, concatenated."""
        return b"".join(
            data
            for name, args in self.calls
            if name == "send" and args[0] == conn_id
            for data in args[1:2]
            if isinstance(data, bytes)
        )

    def clear(self) -> None:
        """Forget the recorded calls."""
        self.calls.clear()

    def _record(self, method: str, *args: object) -> None:
        self.calls.append((method, args))

    # -- NetBackend ------------------------------------------------------------------------

    def local_address(self) -> str:
        self._record("local_address")
        return self.address

    def default_dns(self) -> tuple[str, ...]:
        """DNS servers used when ``AT+QIDNSCFG`` set none."""
        self._record("default_dns")
        return self.dns

    def open(  # noqa: PLR0917 - the protocol's signature
        self,
        conn_id: int,
        service: Service,
        host: str,
        remote_port: int,
        local_port: int,
        dns_servers: Sequence[str],
        options: SocketOptions,
    ) -> None:
        self._record(
            "open", conn_id, service, host, remote_port, local_port, tuple(dns_servers), options
        )

    def send(self, conn_id: int, data: bytes, dest: Address | None = None) -> None:
        self._record("send", conn_id, bytes(data), dest)

    def joins_sends(self, conn_id: int) -> bool:
        """Never: tests see every packet the engine sends (not recorded as a call)."""
        return False

    def backlog(self, conn_id: int) -> int:
        self._record("backlog", conn_id)
        return self.backlogs.get(conn_id, self.default_backlog)

    def wait_acked(self, conn_id: int, req: int) -> None:
        self._record("wait_acked", conn_id, req)

    def close(self, conn_id: int, timeout: float) -> None:
        self._record("close", conn_id, timeout)

    def pause_reading(self, conn_id: int) -> None:
        self._record("pause_reading", conn_id)

    def resume_reading(self, conn_id: int) -> None:
        self._record("resume_reading", conn_id)

    def accept(self, token: int, conn_id: int, options: SocketOptions) -> None:
        self._record("accept", token, conn_id, options)

    def reject(self, token: int) -> None:
        self._record("reject", token)

    def resolve(self, req: int, host: str, dns_servers: Sequence[str]) -> None:
        self._record("resolve", req, host, tuple(dns_servers))

    def ping(
        self, req: int, host: str, timeout: float, count: int, dns_servers: Sequence[str]
    ) -> None:
        self._record("ping", req, host, timeout, count, tuple(dns_servers))

    def ntp(self, req: int, server: str, port: int, dns_servers: Sequence[str]) -> None:
        self._record("ntp", req, server, port, tuple(dns_servers))


if TYPE_CHECKING:  # FakeNet must satisfy the protocol (checked by mypy)
    _protocol_check: NetBackend = FakeNet()
