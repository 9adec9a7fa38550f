"""Record a scripted host talking to a modemu (standing in for a real module) through
``modemu record``, then replay and diff the transcript as a user would."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from modemu.testing.controller import ModemuProcess
from modemu.trace import Chunk, Header, iter_records

from .session_kit import (
    ScriptedHost,
    echo_server,
    first_line,
    modemu,
    run_cli,
    session_steps,
    stop,
    write_variant,
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ScriptedHost]]:
    """One recorded session (the echo server stays up for the replays)."""
    tmp = tmp_path_factory.mktemp("record")
    transcript = tmp / "session.jsonl"
    with echo_server() as port, ModemuProcess(tmp / "module", tcp=True) as module:
        recorder = modemu(
            "record", "--module", module.url, "--tcp", "127.0.0.1:0", "-o", str(transcript)
        )
        try:
            host = ScriptedHost(first_line(recorder))
            host.run(session_steps(port))
        finally:
            rc, err = stop(recorder)
        assert rc == 0, err
        yield transcript, host


def _diff_lines(output: str) -> list[str]:
    """The changed lines of the printed diffs (headers excluded)."""
    return [
        line
        for line in output.splitlines()
        if re.match(r"[-+](?![-+]{2} )", line) and not line.startswith(("---", "+++"))
    ]


def test_record_is_lossless_and_private(recorded: tuple[Path, ScriptedHost]) -> None:
    transcript, host = recorded
    records = list(iter_records(transcript))
    header = records[0]
    assert isinstance(header, Header) and header.source == "record"
    chunks = [r for r in records if isinstance(r, Chunk)]
    assert b"".join(c.data for c in chunks if c.dir == "rx") == bytes(host.sent)
    tx = b"".join(c.data for c in chunks if c.dir == "tx")
    assert tx.endswith(bytes(host.received))  # plus nothing the host did not see at the end
    assert stat.S_IMODE(transcript.stat().st_mode) == 0o600


def test_replay_against_a_fresh_modemu_has_no_difference(
    recorded: tuple[Path, ScriptedHost],
) -> None:
    transcript, _host = recorded
    result = run_cli("replay", str(transcript), "--color", "never")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "14 exchanges, 0 differ"


def test_replay_against_a_user_profile_shows_exactly_the_signal(
    recorded: tuple[Path, ScriptedHost], tmp_path: Path
) -> None:
    transcript, _host = recorded
    variant = write_variant(tmp_path)
    result = run_cli(
        "replay", str(transcript), "--color", "never", "--serve-args", f"--profile {variant}"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "14 exchanges, 1 differ"
    assert "exchange 3 (line " in result.stdout and "): AT+CSQ\\r" in result.stdout
    assert _diff_lines(result.stdout) == ["-+CSQ: 28,99\\r\\n", "++CSQ: 12,99\\r\\n"]


def test_update_then_replay_is_clean(recorded: tuple[Path, ScriptedHost], tmp_path: Path) -> None:
    transcript, _host = recorded
    golden = tmp_path / "golden.jsonl"
    golden.write_bytes(transcript.read_bytes())
    serve_args = f"--profile {write_variant(tmp_path)}"
    result = run_cli("replay", str(golden), "--update", "--serve-args", serve_args, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["14 exchanges, 1 differ", f"updated {golden}"]
    assert stat.S_IMODE(golden.stat().st_mode) == 0o600
    again = run_cli("replay", str(golden), "--serve-args", serve_args, "--color", "never")
    assert again.returncode == 0, again.stdout
    records = list(iter_records(golden))
    sent = b"".join(r.data for r in records if isinstance(r, Chunk) and r.dir == "rx")
    original = list(iter_records(transcript))
    assert sent == b"".join(r.data for r in original if isinstance(r, Chunk) and r.dir == "rx")
    assert b"+CSQ: 12,99" in b"".join(r.data for r in records if isinstance(r, Chunk))


def test_diff_of_two_recordings(recorded: tuple[Path, ScriptedHost], tmp_path: Path) -> None:
    transcript, _host = recorded
    same = run_cli("diff", str(transcript), str(transcript))
    assert (same.returncode, same.stdout.strip()) == (0, "15 exchanges, 0 differ")
    golden = tmp_path / "weak-signal.jsonl"
    golden.write_bytes(transcript.read_bytes())
    serve_args = f"--profile {write_variant(tmp_path)}"
    assert run_cli("replay", str(golden), "--update", "--serve-args", serve_args).returncode == 0
    result = run_cli("diff", str(transcript), str(golden), "--color", "always")
    assert result.returncode == 1
    assert "\x1b[31m-+CSQ: 28,99\\r\\n\x1b[0m" in result.stdout
    assert result.stdout.splitlines()[-1] == "\x1b[31m15 exchanges, 1 differ\x1b[0m"


def test_replay_against_shipped_bg96_shows_exactly_the_identity(
    recorded: tuple[Path, ScriptedHost],
) -> None:
    """The recording is of the default EC200T; the shipped BG96 profile answers this
    session identically except for ATI (its boot URCs are in the preamble, not compared)."""
    transcript, _host = recorded
    result = run_cli(
        "replay", str(transcript), "--color", "never", "--serve-args", "--profile bg96"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "14 exchanges, 1 differ"
    assert "exchange 1 (line " in result.stdout and "): ATI\\r" in result.stdout
    assert _diff_lines(result.stdout) == [
        "-EC200TCN\\r\\n",
        "-Revision: EC200TCNDAR01A01M1G\\r\\n",
        "+BG96\\r\\n",
        "+Revision: BG96MAR02A07M1G\\r\\n",
    ]


def test_record_redact_masks_the_transcript_not_the_link(tmp_path: Path) -> None:
    transcript = tmp_path / "redacted.jsonl"
    with ModemuProcess(tmp_path / "module", tcp=True) as module:
        recorder = modemu(
            "record",
            *("--module", module.url, "--tcp", "127.0.0.1:0", "-o", str(transcript)),
            "--redact",
        )
        try:
            host = ScriptedHost(first_line(recorder))
            host.run(
                [
                    (b'AT+QICSGP=1,1,"internet","alice","s3cr3t",1\r', b"OK\r\n"),
                    (b"AT+QICSGP=1\r", b"OK\r\n"),
                ]
            )
        finally:
            rc, err = stop(recorder)
    assert rc == 0, err
    assert b'"alice","s3cr3t"' in host.received  # the host saw the module's real answer
    records = list(iter_records(transcript))
    assert isinstance(records[0], Header) and records[0].redacted
    text = transcript.read_bytes()
    assert b"alice" not in text and b"s3cr3t" not in text
    tx = b"".join(r.data for r in records if isinstance(r, Chunk) and r.dir == "tx")
    assert b'+QICSGP: 1,"internet","***","***",1' in tx
