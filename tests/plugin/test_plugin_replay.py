"""``modemu_replay``: a user's transcript as a test, passing and failing as it should."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

TRANSCRIPT = Path(__file__).resolve().parents[1] / "transcripts" / "identity.jsonl"


def test_replay_passes_and_fails_with_the_diff(pytester: pytest.Pytester) -> None:
    shutil.copy(TRANSCRIPT, pytester.path / "identity.jsonl")
    pytester.makepyfile(
        """
        def test_same(modemu_replay):
            report = modemu_replay("identity.jsonl")
            assert report.ok and report.summary.exchanges == 17

        def test_other_signal(modemu_replay):
            modemu_replay("identity.jsonl", args=["--rssi", "12"])

        def test_other_signal_unchecked(modemu_replay):
            report = modemu_replay("identity.jsonl", args=["--rssi", "12"], check=False)
            assert report.summary.differ == 2
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=90)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*identity.jsonl differs when replayed:",
            "*exchange 9 (line *): AT+CSQ\\r",
            "-+CSQ: 28,99\\r\\n",
            "++CSQ: 12,99\\r\\n",
            "17 exchanges, 2 differ",
        ]
    )
