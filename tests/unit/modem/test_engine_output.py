"""The engine's output queue: a raw write made while nothing is queued is handed on as is
(no copy of a bridged socket read), and whatever follows it keeps its place."""

from __future__ import annotations

from modemu.at.codes import Result

from .harness import OK, Modem


def test_a_lone_raw_write_is_handed_on_as_the_same_object() -> None:
    modem = Modem()
    bulk = bytes(range(256)) * 1024
    modem.engine.write(bulk)
    assert modem.take() is bulk
    assert modem.take() == b""


def test_output_after_a_raw_write_follows_it() -> None:
    modem = Modem()
    modem.engine.write(b"payload-1")
    modem.engine.write(b"payload-2")
    modem.engine.result(Result.OK)
    assert modem.take() == b"payload-1payload-2" + OK
    modem.engine.result(Result.OK)
    modem.engine.write(b"payload-3")
    assert modem.take() == OK + b"payload-3"


def test_a_raw_write_waits_while_output_is_held_and_counts_toward_the_limit() -> None:
    modem = Modem()
    modem.engine.set_host_line("present", False, modem.now)  # no host: output held
    bulk = bytes(70 * 1024)  # more than the held-output limit
    modem.engine.write(bulk)
    assert modem.take() == b""
    assert not modem.engine.wants_input  # the host is held back
    modem.engine.set_host_line("present", True, modem.now)
    assert modem.take() == bulk


def test_discarded_output_includes_a_raw_write() -> None:
    modem = Modem()
    modem.engine.write(b"stale")
    modem.engine.discard_output()
    assert modem.take() == b""
