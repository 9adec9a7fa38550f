"""docs/port-modes.md is generated from the transition table and must stay current."""

from __future__ import annotations

from pathlib import Path

import pytest

from modemu.modem.modes import TRANSITIONS, PortMode, TransitionError, Trigger, mermaid, transition

DOC = Path(__file__).resolve().parents[3] / "docs" / "port-modes.md"


def test_doc_shows_the_current_table() -> None:
    assert mermaid() in DOC.read_text(encoding="utf-8")


def test_every_mode_can_power_off_and_only_off_powers_on() -> None:
    for mode in PortMode:
        assert transition(mode, Trigger.POWER_OFF) is PortMode.OFF
    assert [m for m in PortMode if (m, Trigger.POWER_ON) in TRANSITIONS] == [PortMode.OFF]


def test_an_undeclared_transition_fails_loudly() -> None:
    with pytest.raises(TransitionError):
        transition(PortMode.TRANSPARENT, Trigger.PROMPT)
