"""Replay and diff given broken transcripts and modules that stop answering."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .session_kit import run_cli, write_transcript

SESSION = [
    ("tx", b"\r\nRDY\r\n"),
    ("rx", b"AT\r"),
    ("tx", b"AT\r\r\nOK\r\n"),
    ("rx", b"AT+CSQ\r"),
    ("tx", b"AT+CSQ\r\r\n+CSQ: 28,99\r\n\r\nOK\r\n"),
    ("rx", b"ATI\r"),
    ("tx", b"ATI\r\r\nQuectel\r\n"),
    ("tx", b"EC200TCN\r\nRevision: EC200TCNDAR01A01M1G\r\n\r\nOK\r\n"),
]


@pytest.fixture
def silent_module() -> Iterator[str]:
    """A TCP 'module' that accepts and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    thread = threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True)
    thread.start()
    yield f"socket://127.0.0.1:{server.getsockname()[1]}"
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def test_replay_of_a_good_transcript_passes(tmp_path: Path) -> None:
    path = write_transcript(tmp_path / "s.jsonl", SESSION)
    result = run_cli("replay", str(path))
    assert (result.returncode, result.stdout) == (0, "3 exchanges, 0 differ\n"), result.stderr


def test_silent_module_times_out_per_exchange_then_stops(
    tmp_path: Path, silent_module: str
) -> None:
    path = write_transcript(tmp_path / "s.jsonl", SESSION * 2)
    result = run_cli(
        "replay", str(path), "--module", silent_module, "--timeout", "0.2", "--color", "never"
    )
    assert result.returncode == 1
    assert result.stdout.count("(no complete answer within 0.2 s)") == 3
    assert result.stdout.splitlines()[-1] == (
        "3 exchanges, 3 differ; stopped: no answer to 3 exchanges in a row (last: exchange 3)"
    )


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda lines: lines[:-1], ":9: truncated: the file ends without an end record"),
        (lambda lines: [*lines[:4], "{oops\n", *lines[5:]], ":5: not valid JSON"),
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], ":3: time goes backwards"),
    ],
    ids=["truncated", "hand-edited", "reordered"],
)
@pytest.mark.parametrize("command", ["replay", "diff"])
def test_broken_transcripts_name_the_line(tmp_path: Path, edit, where: str, command: str) -> None:  # type: ignore[no-untyped-def]
    good = write_transcript(tmp_path / "good.jsonl", SESSION)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(edit(good.read_text().splitlines(keepends=True))))
    args = [str(bad)] if command == "replay" else [str(good), str(bad)]
    result = run_cli(command, *args, "-q")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"modemu: error: {bad}{where}"), result.stderr


def test_truncated_transcript_is_usable_when_allowed(tmp_path: Path) -> None:
    good = write_transcript(tmp_path / "good.jsonl", SESSION)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(good.read_text().splitlines(keepends=True)[:-1]))
    result = run_cli("replay", str(bad), "--allow-truncated")
    assert (result.returncode, result.stdout) == (0, "3 exchanges, 0 differ\n"), result.stderr


def test_update_is_not_written_when_the_run_fails(tmp_path: Path, silent_module: str) -> None:
    path = write_transcript(tmp_path / "s.jsonl", SESSION)
    before = path.read_bytes()
    result = run_cli(
        "replay", str(path), "--module", silent_module, "--timeout", "0.1", "--update", "-q"
    )
    assert result.returncode == 1
    assert "not updated: no answer to 3 exchanges" in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def test_diff_counts_what_the_second_transcript_adds_or_lacks(tmp_path: Path) -> None:
    first = write_transcript(tmp_path / "a.jsonl", SESSION)
    longer = write_transcript(
        tmp_path / "b.jsonl", [*SESSION, ("tx", b'\r\n+QIURC: "pdpdeact",1\r\n')]
    )
    result = run_cli("diff", str(first), str(longer), "--color", "never")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "4 exchanges, 0 differ; 24 more module bytes after the last exchange"
    )
    shorter = write_transcript(tmp_path / "c.jsonl", SESSION[:5])
    result = run_cli("diff", str(first), str(shorter), "--color", "never", "-q")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == (
        "4 exchanges, 1 differ; stopped: the other transcript ends after exchange 3"
    )
