"""``modemu profiles`` and ``--profile NAME``: what a user types, what they read."""

from __future__ import annotations

from pathlib import Path

import pytest

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
