"""``modemu fleet``: N modules in one process, each with its own identity, NV file, control
socket and trace, listed in a manifest that matches its JSON schema."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from modemu.control import ControlClient
from modemu.fleet import MANIFEST_SCHEMA, fleet_imei, luhn_digit
from modemu.testing.pty_host import PtyHost

OK = b"\r\nOK\r\n"


@contextmanager
def fleet(*args: str) -> Iterator[tuple[dict[str, Any], subprocess.Popen[bytes]]]:
    """``modemu fleet …`` as a child; yields the manifest it wrote and the process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "modemu", "fleet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(30):
                raise AssertionError("the fleet printed nothing in 30 s")
        line = proc.stdout.readline().decode().strip()
        assert line, proc.stderr.read().decode() if proc.stderr else ""
        yield json.loads(Path(line).read_text()), proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _gsn(host: PtyHost) -> bytes:
    host.wait_ready()
    host.command("ATE0")
    return host.command("AT+GSN")


def test_pty_fleet_serves_distinct_modules(tmp_path: Path) -> None:
    count = 5
    with fleet(
        "--count",
        str(count),
        "--pty-dir",
        str(tmp_path / "pty"),
        "--state-dir",
        str(tmp_path / "nv"),
        "--trace-dir",
        str(tmp_path / "traces"),
    ) as (manifest, proc):
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
        modules = manifest["modules"]
        assert manifest["count"] == len(modules) == count
        assert manifest["pid"] == proc.pid
        for field in ("id", "pty", "imei", "control", "nv", "trace"):
            assert len({m[field] for m in modules}) == count, field
        for module in modules:
            host = PtyHost(module["pty"])
            try:
                assert _gsn(host) == f"\r\n{module['imei']}\r\n".encode() + OK
                if module["id"] == "modem-0001":  # NV is per module: only its file appears
                    host.command('AT+QICSGP=1,1,"fleet.apn","",""')
            finally:
                host.close()
            with ControlClient(module["control"]) as control:
                assert control.status()["sim"] == "READY"
        nv_files = sorted(p.name for p in (tmp_path / "nv").iterdir())
        assert nv_files == [f"{modules[1]['imei']}.json"]
        assert "fleet.apn" in Path(modules[1]["nv"]).read_text()
    assert proc.returncode == 0
    for module in modules:  # stopped: links and control sockets gone, traces closed
        assert not os.path.lexists(module["pty"])
        assert not os.path.lexists(module["control"])
        header = json.loads(Path(module["trace"]).read_text().splitlines()[0])
        assert (header["fleet_id"], header["imei"]) == (module["id"], module["imei"])


def test_tcp_fleet_with_free_ports(tmp_path: Path) -> None:
    manifest_file = tmp_path / "fleet.json"
    with fleet("--count", "3", "--tcp-base", "0", "--manifest", str(manifest_file)) as (
        manifest,
        _proc,
    ):
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
        ports = set()
        for module in manifest["modules"]:
            assert module["pty"] is None and module["control"] is None
            host, port = module["tcp"].rsplit(":", 1)
            assert host == "127.0.0.1" and module["url"] == f"socket://{module['tcp']}"
            ports.add(port)
            with socket.create_connection((host, int(port)), timeout=10) as conn:
                conn.sendall(b"ATE0\rAT+GSN\r")
                got = b""
                deadline = time.monotonic() + 10
                while got.count(OK) < 2 and time.monotonic() < deadline:
                    got += conn.recv(4096)
            assert got.endswith(f"\r\n{module['imei']}\r\n".encode() + OK)
        assert len(ports) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0", "--tcp-base", "0"], "at least 1"),
        (["--count", "2"], "one of the arguments --pty-dir --tcp-base is required"),
        (["--count", "2", "--tcp-base", "65535"], "65535"),
    ],
)
def test_bad_fleet_arguments(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modemu", "fleet", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_imeis_count_up_with_a_valid_check_digit() -> None:
    assert luhn_digit("49015420323751") == "8"  # a textbook valid IMEI: 490154203237518
    assert fleet_imei("490154203237518", 0) == "490154203237518"
    assert fleet_imei("490154203237518", 1) == "490154203237526"
    assert [fleet_imei("869951040000008", i)[:14] for i in range(3)] == [
        "86995104000000",
        "86995104000001",
        "86995104000002",
    ]
    with pytest.raises(ValueError):
        fleet_imei("999999999999990", 1)
