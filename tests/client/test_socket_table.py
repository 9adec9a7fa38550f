"""The client's socket table: id allocation and delivery of socket URCs to endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from modemu.at import urc as u
from modemu.at.codes import QiError
from modemu.client.events import PushData, Urc
from modemu.client.table import SocketEndpoint, SocketTable
from modemu.errors import OperationError

Address = tuple[str, int]


@dataclass
class FakeSocket:
    conn_id: int
    context_id: int = 1
    log: list[object] = field(default_factory=list)

    def on_data_announced(self) -> None:
        self.log.append("announced")

    def on_push(self, data: bytes, remote: Address | None) -> None:
        self.log.append(("push", data, remote))

    def on_peer_closed(self) -> None:
        self.log.append("peer closed")

    def on_gone(self) -> None:
        self.log.append("gone")


@dataclass
class FakeListener:
    conn_id: int
    context_id: int = 1
    accepted: list[FakeSocket] = field(default_factory=list)
    gone: bool = False

    def on_incoming(self, conn_id: int, remote: Address) -> SocketEndpoint:
        sock = FakeSocket(conn_id, self.context_id, [("remote", remote)])
        self.accepted.append(sock)
        return sock

    def on_gone(self) -> None:
        self.gone = True


def urc(event: u.UrcEvent) -> Urc:
    return Urc(event.render(), event=event)


def test_allocation_takes_the_lowest_free_id_and_skips_reserved_ones() -> None:
    table = SocketTable()
    assert table.allocate(set()) == 0
    assert table.allocate(set()) == 1  # 0 is reserved while its QIOPEN runs
    assert table.allocate({2, 3}) == 4
    table.release(0)
    assert table.allocate(set()) == 0


def test_a_full_table_fails_like_the_module_would() -> None:
    table = SocketTable()
    for _ in range(12):
        table.allocate(set())
    with pytest.raises(OperationError) as info:
        table.allocate(set())
    assert info.value.qi_error == QiError.SOCKET_CREATE


def test_socket_urcs_reach_their_socket_only() -> None:
    table = SocketTable()
    zero, five = FakeSocket(0), FakeSocket(5)
    table.add_socket(zero)
    table.add_socket(five)
    table.on_urc(urc(u.Recv(5)))
    table.on_urc(urc(u.Closed(5)))
    table.on_urc(urc(u.Closed(9)))  # nobody owns 9: ignored
    table.on_push(PushData(0, b"hi", None))
    assert zero.log == [("push", b"hi", None)]
    assert five.log == ["announced", "peer closed"]


def test_incoming_clients_are_made_by_their_listener_and_registered() -> None:
    table = SocketTable()
    listener = FakeListener(1)
    table.add_listener(listener)
    table.on_urc(urc(u.Incoming(11, 1, ("10.0.0.9", 4000))))
    table.on_urc(urc(u.Incoming(10, 3, ("10.0.0.9", 4001))))  # no listener 3
    assert [s.conn_id for s in listener.accepted] == [11]
    table.on_urc(urc(u.Recv(11)))
    assert listener.accepted[0].log == [("remote", ("10.0.0.9", 4000)), "announced"]
    assert table.allocate(set()) == 0 and table.socket(11) is listener.accepted[0]


def test_context_loss_and_deactivation_reach_the_sockets_of_that_context() -> None:
    table = SocketTable()
    on1, on2 = FakeSocket(0, context_id=1), FakeSocket(1, context_id=2)
    table.add_socket(on1)
    table.add_socket(on2)
    table.on_urc(urc(u.PdpDeact(2)))
    assert on2.log == ["peer closed"] and on1.log == []
    table.release_context(1)
    assert on1.log == ["gone"]
    assert table.socket(0) is None and table.socket(1) is on2


def test_fail_all_tells_every_endpoint() -> None:
    table = SocketTable()
    sock, listener = FakeSocket(0), FakeListener(1)
    table.add_socket(sock)
    table.add_listener(listener)
    table.fail_all()
    assert sock.log == ["gone"] and listener.gone


def test_urcs_without_a_socket_event_are_ignored() -> None:
    table = SocketTable()
    sock = FakeSocket(0)
    table.add_socket(sock)
    table.on_urc(Urc("+CSQ: 1,2"))
    table.on_urc(urc(u.Ready()))
    assert sock.log == []
