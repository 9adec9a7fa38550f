"""``modemu profiles`` and ``--profile NAME``: what a user types, what they read."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from modemu.cli.main import main
from modemu.modem.profile import shipped_profiles


def test_profiles_lists_every_shipped_variant_with_model_and_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "MODEL", "DESCRIPTION"]
    rows = {line.split()[0]: line.split(maxsplit=2) for line in lines[1:]}
    for name, profile in shipped_profiles():
        assert rows[name][1] == profile.model
        assert rows[name][2] == profile.description


def test_profiles_show_resolves_inheritance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "--show", "ec25"]) == 0
    out = capsys.readouterr().out
    assert "model = 'EC25'\n" in out
    assert "contexts = 16\n" in out  # inherited from ec21


def test_an_unknown_profile_name_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--pty", "--state-dir", "none", "--profile", "ec999"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("modemu: error: no shipped profile 'ec999'")
    assert err.count("\n") == 1


def test_a_bad_profile_file_stops_serve_before_it_listens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "bg96"\n[timing]\nqiact = "slow"\n', encoding="utf-8")
    assert main(["serve", "--pty", "--state-dir", "none", "--profile", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"profile {bad}: [timing] qiact: time_qiact must be a number" in captured.err


def test_timing_flag_overrides_the_profile() -> None:
    from modemu.cli.args import profile_from_args  # noqa: PLC0415 - only this test needs it
    from modemu.cli.main import build_parser  # noqa: PLC0415

    parser = build_parser()
    args = parser.parse_args(["serve", "--pty", "--profile", "bg96", "--timing", "real"])
    profile = profile_from_args(args)
    assert (profile.model, profile.timing, profile.delay("qiact")) == ("BG96", "real", 2.0)
    default = profile_from_args(parser.parse_args(["serve", "--pty", "--profile", "bg96"]))
    assert default.delay("qiact") == 0.0


def test_a_bg96_over_a_real_pty_with_real_timing(tmp_path: Path) -> None:
    """What a user runs: a shipped variant, extended by a file, served on a pty."""
    mine = tmp_path / "bg96-fast-boot.toml"
    mine.write_text('extends = "bg96"\n[timing]\nreboot = 0.3\nqiact = 0.3\n', encoding="utf-8")
    argv = ["serve", "--pty", "--state-dir", "none", "--profile", str(mine), "--timing", "real"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "modemu", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), proc.stderr.read() if proc.stderr else ""
        with serial.Serial(path, timeout=0.2) as port:

            def until(marker: bytes) -> bytes:
                got = b""
                deadline = time.monotonic() + 10
                while marker not in got and time.monotonic() < deadline:
                    got += port.read(port.in_waiting or 1)
                assert marker in got, got
                return got

            port.write(b"ATI\r")
            assert b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n" in until(b"OK\r\n")
            port.write(b"AT+CFUN=1,1\r")
            boot = until(b"APP RDY\r\n")
            assert boot.index(b"RDY\r\n") < boot.index(b"+QIND: SMS DONE") < boot.index(b"APP")
            port.write(b"ATE0\r")
            until(b"OK\r\n")
            port.write(b"AT+QIACT=1;+QIACT?\r")
            assert b"\r\n+QIACT: 1,1,1," in until(b"OK\r\n")
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
