"""Every transcript in this directory replays against a fresh modemu with no difference.

The transcripts come from the project's own runs (``generate.py``) and from real modules
whose bytes were published (``README.md`` names each source). A transcript's header may
carry ``"replay": {"serve_args": "..."}``: the options of the module it must match.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from modemu.tools.replay import ReplayReport
from modemu.trace import Header, iter_records

HERE = Path(__file__).resolve().parent
TRANSCRIPTS = sorted(HERE.glob("*.jsonl"))


def _serve_args(path: Path) -> list[str]:
    header = next(iter_records(path))
    assert isinstance(header, Header)
    return shlex.split(str(header.meta.get("replay", {}).get("serve_args", "")))


def test_there_are_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 5


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_transcript_replays_without_difference(
    path: Path, modemu_replay: Callable[..., ReplayReport]
) -> None:
    report = modemu_replay(path, args=_serve_args(path))
    assert report.ok and report.summary.exchanges > 0
