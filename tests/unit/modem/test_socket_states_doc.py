"""docs/socket-states.md is generated from the socket lifecycle table and must stay current;
the table itself keeps the rules the spec states (§5.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modemu.modem.socketstates import (
    IN_USE,
    TRANSITIONS,
    Event,
    Phase,
    SocketState,
    SocketTransitionError,
    advance,
    document,
)

DOC = Path(__file__).resolve().parents[3] / "docs" / "socket-states.md"


def test_doc_is_the_generated_document() -> None:
    assert DOC.read_text(encoding="utf-8") == document(), (
        "regenerate: python -m modemu.modem.socketstates > docs/socket-states.md"
    )


def test_qiopen_only_from_initial() -> None:
    assert [p for p in Phase if (p, Event.OPEN) in TRANSITIONS] == [Phase.INITIAL]


def test_every_socket_in_use_can_be_released_and_only_host_closing_waits_for_the_net() -> None:
    for phase in IN_USE:
        assert advance(phase, Event.RELEASE) is Phase.INITIAL
    assert [p for p in Phase if (p, Event.NET_CLOSED) in TRANSITIONS] == [Phase.HOST_CLOSING]


def test_every_kind_of_closing_shows_as_4() -> None:
    closing = [Phase.PEER_CLOSED, Phase.BROKEN, Phase.HOST_CLOSING]
    assert all(p.visible is SocketState.CLOSING for p in closing)
    assert {p.visible for p in Phase} == set(SocketState)


def test_an_undeclared_event_fails_loudly() -> None:
    with pytest.raises(SocketTransitionError):
        advance(Phase.PEER_CLOSED, Event.OPENED)
