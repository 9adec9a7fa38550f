"""Every fault end to end: a served module (``serve_module``'s code path, on a thread), its
control socket, a pty host and real loopback peers. Bytes in, bytes out."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from modemu.testing.controller import ModemuInstance
from modemu.testing.inprocess import ModemuThread
from modemu.testing.peers import Sink, TcpEcho
from modemu.testing.pty_host import OK, PtyHost

ERROR = b"\r\nERROR\r\n"


class Served:
    def __init__(self, instance: ModemuInstance, host: PtyHost) -> None:
        self.instance = instance
        self.host = host

    def fault(self, name: str, **args: object) -> object:
        return self.instance.fault(name, **args)

    def until(self, condition: Callable[[dict[str, Any]], bool], tries: int = 200) -> None:
        """Ask for status until ``condition`` holds (the module runs on its own loop)."""
        for _ in range(tries):
            if condition(self.instance.status()):
                return
        raise AssertionError(f"status never matched: {self.instance.status()}")

    def cmd(self, line: str, until: bytes = OK) -> bytes:
        return self.host.command(line, until=until)

    def open(self, conn_id: int, port: int, host: str = "127.0.0.1") -> bytes:
        return self.cmd(
            f'AT+QIOPEN=1,{conn_id},"TCP","{host}",{port},0,0',
            until=f"+QIOPEN: {conn_id},".encode(),
        ) + self.host.read_until(b"\r\n")


def _serve(tmp_path: Path, *args: str) -> Iterator[Served]:
    module = ModemuThread(tmp_path, args=["--trace", str(tmp_path / "trace.jsonl"), *args])
    instance = module.start()
    assert instance.path is not None
    host = PtyHost(instance.path)
    try:
        host.wait_ready()
        assert host.command("ATE0") == b"ATE0\r" + OK
        assert host.command("AT+QIACT=1") == OK
        yield Served(instance, host)
    finally:
        host.close()
        module.stop()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


@pytest.fixture
def echo() -> Iterator[TcpEcho]:
    with TcpEcho() as peer:
        yield peer


def test_registration_signal_and_sim(served: Served) -> None:
    served.cmd("AT+CEREG=1")
    served.fault("deregister")
    assert served.host.read_until(b"+CEREG: 2\r\n") == b"\r\n+CEREG: 2\r\n"
    assert served.cmd("AT+CGATT?") == b"\r\n+CGATT: 0\r\n" + OK
    served.fault("register")
    assert served.host.read_until(b"+CEREG: 1\r\n") == b"\r\n+CEREG: 1\r\n"
    served.fault("signal", rssi=3, ber=1)
    assert served.cmd("AT+CSQ") == b"\r\n+CSQ: 3,1\r\n" + OK
    served.fault("sim-remove")
    assert served.host.read_until(b"+CEREG: 0\r\n").startswith(b"\r\n+CPIN: NOT READY\r\n")
    assert served.cmd("AT+CPIN?", until=b"10\r\n") == b"\r\n+CME ERROR: 10\r\n"
    served.fault("sim-insert")
    assert served.host.read_until(b"+CEREG: 1\r\n").startswith(b"\r\n+CPIN: READY\r\n")


def test_attach_reject(served: Served) -> None:
    served.fault("attach-reject")
    assert served.host.read_until(b'"pdpdeact",1\r\n') == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert served.cmd("AT+QIACT=1", until=ERROR) == ERROR


def test_refuse_timeout_dns_fail_and_clear(served: Served, echo: TcpEcho) -> None:
    served.fault("refuse", port=echo.port, count=1)
    assert served.open(0, echo.port).endswith(b"+QIOPEN: 0,566\r\n")
    served.fault("dns-fail", host="*.test")
    assert served.open(0, echo.port, host="echo.test").endswith(b"+QIOPEN: 0,565\r\n")
    served.fault("timeout", after=0.2)
    assert served.open(0, echo.port).endswith(b"+QIOPEN: 0,566\r\n")  # after 0.2 s
    status = served.instance.status()
    assert {f["fault"] for f in status["faults"]} == {"dns-fail", "timeout"}
    served.fault("clear")
    assert served.open(0, echo.port).endswith(b"+QIOPEN: 0,0\r\n")


def test_send_fail_peer_close_and_urc_race(served: Served) -> None:
    with Sink() as sink:
        served.open(1, sink.port)
        served.fault("send-fail", count=1)
        served.host.write(b"AT+QISEND=1,3\r\n")
        served.host.read_until(b">")
        served.host.write(b"abc")
        assert served.host.read_until(b"SEND FAIL\r\n") == b"abc\r\nSEND FAIL\r\n"
        served.host.write(b"AT+QISEND=1,3\r\n")
        served.host.read_until(b">")
        served.host.write(b"xyz")
        served.host.read_until(b"SEND OK\r\n")
        assert sink.wait_for(3) == b"xyz"
        served.cmd("ATE1")
        served.fault("urc-race", when="echo")
        served.fault("peer-close", id=1)
        served.until(lambda status: status["urcs_queued"] == ['+QIURC: "closed",1'])
        # the held URC lands after the next line's echo, before its response
        assert served.cmd("AT") == b'AT\r\r\n+QIURC: "closed",1\r\n' + OK


def test_hang_chunk_noise_and_urc(served: Served) -> None:
    served.fault("hang", seconds=0.3)
    served.host.write(b"AT+CSQ\r")
    assert served.host.read_until(OK) == b"\r\n+CSQ: 28,99\r\n" + OK  # answered after it
    served.fault("chunk", size=2, gap=0.001, seed=5)
    served.fault("urc", text="+HELLO: 1")
    assert served.host.read_until(b"+HELLO: 1\r\n") == b"\r\n+HELLO: 1\r\n"
    served.fault("noise", drop=1.0)
    served.host.write(b"AT\r")
    assert served.host.drain(quiet=0.2) == b""  # every host-bound byte dropped
    served.fault("clear")
    assert served.cmd("AT") == OK


def test_power_off_and_restart(served: Served) -> None:
    served.fault("power-off", restart_after=0.2)
    assert served.host.read_until(b"+QIND: SMS DONE\r\n").startswith(b"\r\nRDY\r\n")
    assert served.cmd("AT") == b"AT\r" + OK


def test_link_delivers_everything_in_order(served: Served, echo: TcpEcho) -> None:
    served.fault("link", latency=0.02, jitter=0.01, down=256, up=256, seed=1)
    served.open(2, echo.port)
    payload = bytes(range(48, 48 + 64)) * 4
    served.host.write(f"AT+QISEND=2,{len(payload)}\r\n".encode())
    served.host.read_until(b">")
    served.host.write(payload)
    served.host.read_until(b"SEND OK\r\n")
    served.host.read_until(b'+QIURC: "recv",2\r\n')
    got = b""
    while len(got) < len(payload):
        answer = served.cmd("AT+QIRD=2,1500")
        got += answer[answer.index(b"\r\n", 2) + 2 : -len(b"\r\n" + OK)]
    assert got == payload


def test_faults_and_triggers_are_in_the_trace(tmp_path: Path) -> None:
    for served in _serve(tmp_path):
        served.instance.scenario([{"at": 0, "fault": "signal", "args": {"rssi": 2}}])
        served.until(lambda status: status["scenarios"][0]["steps"][0]["fired"])
        assert served.cmd("AT+CSQ") == b"\r\n+CSQ: 2,99\r\n" + OK
        served.fault("urc", text="+X: 1")
        served.host.read_until(b"+X: 1\r\n")
    records = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    events = [r for r in records if "event" in r]
    assert {"event": "fault", "fault": "urc", "text": "+X: 1"}.items() <= events[-1].items()
    trigger = next(e for e in events if e["event"] == "scenario-trigger")
    assert trigger["fault"] == "signal" and trigger["trigger"] == "at=0"


def test_policy_refuses_outside_loopback(tmp_path: Path, echo: TcpEcho) -> None:
    for served in _serve(tmp_path, "--allow", "127.0.0.0/8"):
        assert served.open(0, 80, host="192.0.2.1").endswith(b"+QIOPEN: 0,566\r\n")
        assert served.open(1, echo.port).endswith(b"+QIOPEN: 1,0\r\n")


def test_bad_policy_rule_is_a_usage_error(tmp_path: Path) -> None:
    module = ModemuThread(tmp_path, args=["--allow", "10.0.0.0/33"])
    with pytest.raises(Exception, match="--allow/--deny"):
        module.start()
    module.stop()


def test_socket_closes_are_real(served: Served) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    served.open(4, server.getsockname()[1])
    conn, _ = server.accept()
    served.fault("peer-reset", id=4)
    served.host.read_until(b'"closed",4\r\n')
    served.cmd("AT+QICLOSE=4")
    conn.settimeout(10)
    assert conn.recv(10) == b""
    conn.close()
    server.close()
