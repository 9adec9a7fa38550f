"""``python -m modemu serve`` as a real subprocess, talked to with pyserial and sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from modemu.cli.args import parse_hostport
from modemu.cli.main import main

TIMEOUT = 10.0


def _modemu(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "modemu", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _first_line(proc: subprocess.Popen[str]) -> str:
    """The announcement line, or a failure that shows the server's stderr."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        _, err = proc.communicate(timeout=TIMEOUT)
        pytest.fail(f"modemu printed nothing (rc={proc.returncode}): {err}")
    return line.rstrip("\n")


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    """Servers started by a test; any still running at the end are killed (by pid)."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=TIMEOUT)


def _wait_for(port: serial.Serial, marker: bytes) -> bytes:
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while marker not in got and time.monotonic() < deadline:
        got += port.read(port.in_waiting or 1)
    assert marker in got, got
    return got


def test_serve_pty_with_link(tmp_path: Path, procs: list[subprocess.Popen[str]]) -> None:
    link = tmp_path / "modem"
    proc = _modemu("serve", "--pty", str(link), "--state-dir", str(tmp_path / "nv"))
    procs.append(proc)
    line = _first_line(proc)
    target = os.readlink(link)
    assert line == f"{link} -> {target}"
    assert target.startswith("/dev/pts/")
    for _ in range(2):  # close and reopen: still the same live module
        with serial.Serial(str(link), timeout=0.2) as port:
            port.write(b"AT\r")
            assert _wait_for(port, b"OK\r\n").endswith(b"AT\r\r\nOK\r\n")
    rc, out, err = _stop(proc)
    assert rc == 0, err
    assert out == ""  # exactly one line in all
    assert not link.is_symlink()


def test_serve_pty_without_link_prints_device(procs: list[subprocess.Popen[str]]) -> None:
    proc = _modemu("serve", "--pty", "--state-dir", "none", "--no-uvloop")
    procs.append(proc)
    path = _first_line(proc)
    assert path.startswith("/dev/pts/")
    with serial.Serial(path, timeout=0.2) as port:
        port.write(b"ATI\r")
        assert b"EC200" in _wait_for(port, b"OK\r\n")
    rc, _out, err = _stop(proc, signal.SIGINT)
    assert rc == 0, err


def test_serve_tcp_port_zero(tmp_path: Path, procs: list[subprocess.Popen[str]]) -> None:
    trace = tmp_path / "trace.jsonl"
    proc = _modemu("serve", "--tcp", "127.0.0.1:0", "--state-dir", "none", "--trace", str(trace))
    procs.append(proc)
    url = _first_line(proc)
    assert url.startswith("socket://127.0.0.1:")
    with serial.serial_for_url(url, timeout=0.2) as port:
        port.write(b"AT\r")
        assert _wait_for(port, b"OK\r\n").endswith(b"AT\r\r\nOK\r\n")
    rc, _out, err = _stop(proc)
    assert rc == 0, err
    assert '"dir":"rx","data":"AT\\r"' in trace.read_text()


def test_refuses_to_replace_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "modem"
    target.write_text("keep me")
    proc = subprocess.run(
        [sys.executable, "-m", "modemu", "serve", "--pty", str(target), "--state-dir", "none"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("modemu: error: refusing to replace")
    assert target.read_text() == "keep me"


def test_state_dir_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    assert main(["serve", "--pty", "--state-dir", str(not_a_dir)]) == 2
    err = capsys.readouterr().err
    assert err == f"modemu: error: state dir is not a directory: {not_a_dir}\n"


def test_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        rc = main(["serve", "--tcp", f"127.0.0.1:{port}", "--state-dir", "none"])
    assert rc == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"modemu: error: cannot listen on tcp 127.0.0.1:{port}")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--imei", "12"], "imei must be 15-15 digits"),
        (["--rssi", "40"], "rssi must be 0-31 or 99"),
        (["--profile", "/nonexistent/x.toml"], "cannot read profile"),
    ],
)
def test_bad_profile_is_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--pty", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("modemu: error:") and message in err
    assert err.count("\n") == 1


def test_profile_file_and_overrides(tmp_path: Path, procs: list[subprocess.Popen[str]]) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('version = 1\n[identity]\nmodel = "EC600N"\n')
    proc = _modemu(
        "serve", "--pty", "--state-dir", "none", "--profile", str(profile), "--imei",
        "869951040000016",
    )  # fmt: skip
    procs.append(proc)
    path = _first_line(proc)
    with serial.Serial(path, timeout=0.2) as port:
        port.write(b"AT+GSN\r")
        assert b"869951040000016" in _wait_for(port, b"OK\r\n")
        port.write(b"AT+GMM\r")
        assert b"EC600N" in _wait_for(port, b"OK\r\n")
    assert _stop(proc)[0] == 0


def test_help_is_useful(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "virtual Quectel" in text and "examples:" in text and "serve" in text
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    for needle in ("--pty", "--tcp", "--trace", "--state-dir", "--dns", "examples:", "SIGTERM"):
        assert needle in text


def test_version_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("modemu ")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"])  # neither --pty nor --tcp
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--pty", "--tcp", "1"])
    assert exit_info.value.code == 2
    assert main([]) == 2


def test_parse_hostport() -> None:
    assert parse_hostport("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_hostport(":5000") == ("127.0.0.1", 5000)
    assert parse_hostport("5000") == ("127.0.0.1", 5000)
    assert parse_hostport("[::1]:7") == ("::1", 7)


def test_qicsgp_survives_a_restart(tmp_path: Path, procs: list[subprocess.Popen[str]]) -> None:
    """AT+QICSGP is saved to the state file, as the real module saves it to NV."""
    state = tmp_path / "state"
    link = tmp_path / "modem"
    answers = []
    for command in (b'AT+QICSGP=1,1,"CMNET","user","pass",1\r', b"AT+QICSGP=1\r"):
        proc = _modemu("serve", "--pty", str(link), "--state-dir", str(state))
        procs.append(proc)
        _first_line(proc)
        with serial.Serial(str(link), timeout=0.2) as port:
            port.write(b"ATE0\r")
            _wait_for(port, b"OK\r\n")
            port.write(command)
            answers.append(_wait_for(port, b"OK\r\n"))
        assert _stop(proc)[0] == 0
    assert answers[1].endswith(b'\r\n+QICSGP: 1,"CMNET","user","pass",1\r\n\r\nOK\r\n')
    assert list(state.glob("*.json"))


def test_example_profile_loads() -> None:
    """examples/ec200a.toml stays a valid profile."""
    from modemu.modem.profile import load_profile  # noqa: PLC0415 - only this test needs it

    path = Path(__file__).resolve().parents[2] / "examples" / "ec200a.toml"
    profile = load_profile(path)
    assert (profile.model, profile.registration, profile.rssi) == ("EC200A", 5, 18)
