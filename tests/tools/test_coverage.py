"""``modemu coverage`` on transcripts whose content we know exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from modemu.modem.commands import build_registry
from modemu.tools.coverage import collect

from .session_kit import write_transcript

SESSION = [
    ("tx", b"\r\nRDY\r\n"),
    ("rx", b"AT+CPIN?\r"),
    ("tx", b"AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n"),
    ("rx", b'AT+QIOPEN=1,0,"TCP","127.0.0.1",9,0,0\r'),
    ("tx", b'AT+QIOPEN=1,0,"TCP","127.0.0.1",9,0,0\r\r\nOK\r\n\r\n+QIOPEN: 0,566\r\n'),
    ("rx", b"AT+QISEND=0,4\r"),
    ("tx", b"AT+QISEND=0,4\r\r\n>"),
    ("rx", b"AT+X"),  # payload that looks like a command: not one
    ("tx", b"\r\nSEND FAIL\r\n"),
    ("rx", b"AT+CSQ?;+NOSUCH\r"),
    ("tx", b"AT+CSQ?;+NOSUCH\r\r\nERROR\r\n"),
    ("rx", b'AT+QIOPEN=1,1,"TCP","127.0.0.1",9,0,2\r'),
    ("tx", b'AT+QIOPEN=1,1,"TCP","127.0.0.1",9,0,2\r\r\nCONNECT\r\n'),
    ("rx", b"AT+CSQ\r"),  # transparent: payload
    ("tx", b"OK\r\n"),  # the peer's bytes, not a result
    ("rx", b"+++"),
    ("tx", b"\r\nOK\r\n"),
    ("rx", b"AT+QICLOSE=1\r"),
    ("tx", b'AT+QICLOSE=1\r\r\nOK\r\n\r\n+QIURC: "closed",1\r\n'),
]


def test_counts(tmp_path: Path) -> None:
    path = write_transcript(tmp_path / "s.jsonl", SESSION)
    report = collect([path], build_registry()).to_json()
    rows = {row["command"]: row for row in report["commands"]}
    assert rows["+CPIN"]["used"] == {"read": 1}
    assert rows["+CPIN"]["results"] == {"OK": 1}
    assert rows["+QIOPEN"]["used"] == {"set": 2}
    assert rows["+QIOPEN"]["results"] == {"CONNECT": 1, "OK": 1}
    assert rows["+QISEND"]["results"] == {"SEND FAIL": 1}
    assert rows["+CSQ"]["used"] == {"read": 1}  # the transparent-mode AT+CSQ is payload
    assert rows["+QICLOSE"]["results"] == {"OK": 1}
    assert report["unknown_commands"] == {"+NOSUCH": 1}
    assert report["urcs"] == {"Closed": 1, "OpenResult": 1, "Ready": 1}  # +CPIN: READY answered
    assert report["error_paths"] == {
        "AT+NOSUCH -> ERROR": 1,
        "AT+QISEND -> SEND FAIL": 1,
        "URC Closed": 1,
        "URC OpenResult err=566": 1,
    }
    assert "PingEcho" in report["urcs_never_seen"]
    assert report["summary"]["commands_used"] == 5


def test_cli_table_and_json(tmp_path: Path) -> None:
    path = write_transcript(tmp_path / "s.jsonl", SESSION)

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "modemu", "coverage", *args, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    table = run()
    assert table.startswith("1 transcript(s): 5 of ")
    assert "+CSQ " in table and "read(undeclared) x1" in table
    assert "  URC OpenResult err=566 x1" in table
    assert json.loads(run("--json"))["unknown_commands"] == {"+NOSUCH": 1}
    unused = run("--unused").split()
    assert "+QPING" in unused and "+CPIN" not in unused
