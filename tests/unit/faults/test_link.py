"""Link conditions on the engine clock: delays, bandwidth, order, loss (seeded)."""

from __future__ import annotations

import pytest

from modemu.errors import ControlError
from modemu.net.base import Opened, Received
from modemu.testing.faultbench import OK
from modemu.testing.faultbench import FaultBench as Bench


def _slow() -> Bench:
    b = Bench()
    b.activate()
    b.fault("link", latency=0.5, down=8, up=8)  # 1000 bytes/s each way
    return b


def test_connect_takes_a_round_trip() -> None:
    b = _slow()
    assert b.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",80,0,0') == OK
    assert b.event(Opened(0, ("10.0.0.2", 4000), ("127.0.0.1", 80))) == b""
    assert b.advance(0.99) == b""
    assert b.advance(0.02) == b"\r\n+QIOPEN: 0,0\r\n"


def test_uplink_pace_and_backlog() -> None:
    b = _slow()
    b.open_tcp(0)
    b.advance(1.1)
    assert b.send(b"AT+QISEND=0,500\r\n") == b"\r\n>"
    assert b.send(b"u" * 500).endswith(b"SEND OK\r\n")
    assert b.net.backlog(0) == 500  # still on the air
    assert b.fake.sent(0) == b""
    b.advance(0.99)  # 0.5 s air time + 0.5 s latency
    assert b.fake.sent(0) == b""
    b.advance(0.02)
    assert b.fake.sent(0) == b"u" * 500
    assert b.net.backlog(0) == 0


def test_downlink_pace_keeps_order_under_jitter() -> None:
    b = Bench()
    b.activate()
    b.fault("link", latency=0.2, jitter=0.15, down=80, seed=3)
    b.open_tcp(0)
    b.advance(1)
    for index in range(20):
        b.event(Received(0, bytes([65 + index]) * 10))
    assert b.take() == b""
    b.advance(5)
    assert (
        b.cmd("AT+QIRD=0,1500")
        == b"\r\n+QIRD: 200\r\n" + b"".join(bytes([65 + i]) * 10 for i in range(20)) + b"\r\n" + OK
    )


def test_udp_loss_drops_datagrams_and_status_shows_the_link() -> None:
    b = Bench()
    b.activate()
    b.fault("link", preset="gprs", loss=1.0)
    assert b.target.net is not None
    (shown,) = b.target.net.describe()
    assert shown["latency"] == 0.3 and shown["loss"] == 1.0
    assert b.cmd('AT+QIOPEN=1,1,"UDP","127.0.0.1",9000,0,0') == OK
    b.event(Opened(1, ("10.0.0.2", 4000), ("127.0.0.1", 9000)))
    b.advance(1)
    b.event(Received(1, b"lost", ("127.0.0.1", 9000)))
    assert b.advance(5) == b""
    b.fault("clear", only="link")
    assert b.target.net.describe() == []


def test_presets_and_errors() -> None:
    b = Bench()
    for preset in ("cat1", "catm", "nbiot", "gprs"):
        b.fault("link", preset=preset)
    b.fault("link")  # preset none alone lifts it
    assert b.target.net is not None and b.target.net.shaper.link is None
    with pytest.raises(ControlError, match="must be one of"):
        b.fault("link", preset="5g")
    with pytest.raises(ControlError, match="--baud"):
        b.fault("baud", rate=9600)
