"""FakeNet: the recording NetBackend used by engine tests."""

from __future__ import annotations

from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.net.base import Opened, Service, SocketOptions
from modemu.net.fake import DEFAULT_LOCAL_ADDRESS, FakeNet


def test_defaults() -> None:
    net = FakeNet()
    assert net.local_address() == DEFAULT_LOCAL_ADDRESS == "10.7.157.1"
    assert net.backlog(3) == 0
    assert list(net.default_dns()) == []
    assert net.calls == [("local_address", ()), ("backlog", (3,)), ("default_dns", ())]


def test_configurable_values() -> None:
    net = FakeNet(address="192.0.2.1", default_backlog=5, backlogs={1: 9}, dns=["8.8.8.8"])
    assert net.local_address() == "192.0.2.1"
    assert (net.backlog(0), net.backlog(1)) == (5, 9)
    net.backlogs[0] = 7
    assert net.backlog(0) == 7
    assert list(net.default_dns()) == ["8.8.8.8"]


def test_every_call_is_recorded_in_order() -> None:
    net = FakeNet()
    opts = SocketOptions()
    net.open(0, Service.TCP, "h", 80, 0, ["1.1.1.1"], opts)
    net.send(0, b"ab")
    net.send(1, b"x", ("1.2.3.4", 5))
    net.send(0, b"cd")
    net.wait_acked(0, 7)
    net.close(0, 10.0)
    net.pause_reading(1)
    net.resume_reading(1)
    net.accept(3, 11, opts)
    net.reject(4)
    net.resolve(1, "x.com", ("8.8.8.8",))
    net.ping(2, "h", 4.0, 4, ())
    net.ntp(3, "pool.ntp.org", 123, ())
    assert net.methods() == [
        "open", "send", "send", "send", "wait_acked", "close", "pause_reading",
        "resume_reading", "accept", "reject", "resolve", "ping", "ntp",
    ]  # fmt: skip
    assert net.calls_to("open") == [(0, Service.TCP, "h", 80, 0, ("1.1.1.1",), opts)]
    assert net.calls_to("send") == [(0, b"ab", None), (1, b"x", ("1.2.3.4", 5)), (0, b"cd", None)]
    assert net.sent(0) == b"abcd"
    assert net.sent(1) == b"x"
    assert net.calls_to("ping") == [(2, "h", 4.0, 4, ())]
    net.clear()
    assert net.calls == []


def test_drives_an_engine_as_in_its_docstring() -> None:
    net = FakeNet()
    engine = ModemEngine(Profile(), net)
    engine.handle_timer(0.0)
    engine.receive_data(b"AT+QIACT=1\r", 1.0)
    engine.receive_data(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80\r', 1.0)
    ((conn_id, service, host, port, local_port, _dns, _options),) = net.calls_to("open")
    assert (conn_id, service, host, port, local_port) == (0, Service.TCP, "1.2.3.4", 80, 0)
    engine.handle_net(Opened(0, ("10.7.157.1", 50000), ("1.2.3.4", 80)), 1.1)
    assert engine.data_to_send().endswith(b"\r\n+QIOPEN: 0,0\r\n")
