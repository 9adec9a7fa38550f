"""Faults end to end: ``modemu serve`` (control socket next to the pty link), the
``modemu fault``/``modemu status`` commands as subprocesses, a pty host, a loopback peer."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modemu.control import ControlClient, ControlError
from modemu.testing.controller import ModemuProcess
from modemu.testing.pty_host import OK, PtyHost

TIMEOUT = 10.0


def modemu_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modemu", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PtyHost, str]]:
    process = ModemuProcess(tmp_path)
    instance = process.start()
    assert instance.path is not None
    host = PtyHost(instance.path)
    try:
        host.wait_ready()
        assert host.command("ATE0") == b"ATE0\r" + OK
        yield host, f"{instance.path}.ctl"
    finally:
        host.close()
        process.stop()


@pytest.fixture
def peer() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(TIMEOUT)
    yield server
    server.close()


def test_control_socket_is_private(served: tuple[PtyHost, str]) -> None:
    _, ctl = served
    assert stat.S_IMODE(os.lstat(ctl).st_mode) == 0o600


def test_pdp_deact_through_the_cli_closes_the_real_socket(
    served: tuple[PtyHost, str], peer: socket.socket
) -> None:
    host, ctl = served
    port = peer.getsockname()[1]
    host.command("AT+QIACT=1")
    host.command(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,0', until=b"+QIOPEN: 0,0\r\n")
    conn, _ = peer.accept()
    conn.settimeout(TIMEOUT)
    status = json.loads(modemu_cli("status", "--control", ctl).stdout)
    assert status["mode"] == "command"
    assert status["sockets"][0]["state"] == "connected"
    assert status["contexts"][0]["active"] is True

    done = modemu_cli("fault", "--control", ctl, "pdp-deact", "cid=1")
    assert done.returncode == 0, done.stderr
    assert host.read_until(b'\r\n+QIURC: "pdpdeact",1\r\n') == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert conn.recv(10) == b""  # the module closed its end
    conn.close()
    assert host.command("AT+QICLOSE=0") == OK


def test_refused_fault_exits_1_with_the_reason_and_changes_nothing(
    served: tuple[PtyHost, str],
) -> None:
    host, ctl = served
    done = modemu_cli("fault", "--control", ctl, "pdp-deact", "cid=99")
    assert done.returncode == 1
    assert "cid=99: out of range (1..16)" in done.stderr
    unknown = modemu_cli("fault", "--control", ctl, "melt")
    assert unknown.returncode == 1 and "unknown operation 'melt'" in unknown.stderr
    assert host.command("AT") == OK
    assert host.drain() == b""


def test_reboot_then_at_answers_ok(served: tuple[PtyHost, str]) -> None:
    host, ctl = served
    with ControlClient(ctl) as client:
        assert client.fault("reboot") is None
        assert host.read_until(b"+QIND: SMS DONE\r\n").startswith(b"\r\nRDY\r\n")
        assert host.command("AT") == b"AT\r" + OK  # echo back on after the reset
        assert client.status()["faults"] == []
        with pytest.raises(ControlError, match="missing argument 'id'"):
            client.fault("peer-reset")


def test_peer_reset_reports_closed(served: tuple[PtyHost, str], peer: socket.socket) -> None:
    host, ctl = served
    port = peer.getsockname()[1]
    host.command("AT+QIACT=1")
    host.command(f'AT+QIOPEN=1,3,"TCP","127.0.0.1",{port},0,0', until=b"+QIOPEN: 3,0\r\n")
    conn, _ = peer.accept()
    with ControlClient(ctl) as client:
        client.fault("peer-reset", id=3)
    assert host.read_until(b'"closed",3\r\n') == b'\r\n+QIURC: "closed",3\r\n'
    assert host.command("AT+QICLOSE=3") == OK
    conn.close()


def test_fault_list_needs_no_module() -> None:
    done = modemu_cli("fault", "--list")
    assert done.returncode == 0
    assert "pdp-deact: " in done.stdout and "cid=1..16 (default 1)" in done.stdout


def test_no_module_at_the_path_is_a_usage_error(tmp_path: Path) -> None:
    done = modemu_cli("status", "--control", str(tmp_path / "nothing.ctl"))
    assert done.returncode == 2
    assert "cannot reach the control socket" in done.stderr


def test_serve_scenario_and_the_scenario_operation(tmp_path: Path) -> None:
    scenario = tmp_path / "weak.toml"
    scenario.write_text('version = 1\n[[steps]]\nat = 0\nfault = "signal"\nargs = { rssi = 7 }\n')
    later = tmp_path / "later.toml"
    later.write_text(
        'version = 1\n[[steps]]\nat = 0.05\nfault = "urc"\nargs = { text = "+X: 1" }\n'
    )
    process = ModemuProcess(tmp_path, args=["--scenario", str(scenario)])
    instance = process.start()
    assert instance.path is not None
    host = PtyHost(instance.path)
    try:
        host.wait_ready()
        assert host.command("AT+CSQ").endswith(b"\r\n+CSQ: 7,99\r\n" + OK)
        with ControlClient(f"{instance.path}.ctl") as client:
            started = client.scenario(later)
            assert started["steps"][0]["fault"] == "urc"
            assert host.read_until(b"+X: 1\r\n") == b"\r\n+X: 1\r\n"
            runs = client.status()["scenarios"]
            assert [s["fired"] for run in runs for s in run["steps"]] == [True, True]
    finally:
        host.close()
        process.stop()


def test_bad_scenario_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = 1\n[[steps]]\nat = 1\nfault = "melt"\n')
    done = modemu_cli("serve", "--pty", str(tmp_path / "m"), "--scenario", str(bad))
    assert done.returncode == 2
    assert "step 1: unknown operation 'melt'" in done.stderr
