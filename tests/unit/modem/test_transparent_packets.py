"""How transparent mode hands host bytes to the back end: one send per ``transpktsize``
packet (spec §9), or, when the back end joins sends into one stream that nothing sees send
by send (a plain TCP socket), one send per host chunk with the same bytes in the same order."""

from __future__ import annotations

from modemu.modem.transparent import TransparentBridge

from .harness import Modem

PACKET = 1024  # the default transpktsize


def _bridge(modem: Modem, sent: list[bytes], joins: bool) -> TransparentBridge:
    return TransparentBridge(modem.engine, 0, sent.append, lambda: None, joins_sends=lambda: joins)


def _chunk(n: int, seed: int) -> bytes:
    return bytes((i * 13 + seed) & 0xFF for i in range(n))


def test_packets_are_sent_one_by_one_when_the_back_end_does_not_join() -> None:
    modem = Modem()
    assert modem.engine.settings.qicfg.transpktsize == PACKET
    sent: list[bytes] = []
    bridge = _bridge(modem, sent, joins=False)
    data = _chunk(5 * PACKET + 100, 1)
    bridge.feed(memoryview(data), modem.now)
    assert [len(p) for p in sent] == [PACKET] * 5
    bridge.flush()
    assert b"".join(sent) == data
    assert len(sent[-1]) == 100


def test_whole_packets_of_a_chunk_go_in_one_send_when_the_back_end_joins() -> None:
    modem = Modem()
    sent: list[bytes] = []
    bridge = _bridge(modem, sent, joins=True)
    first = _chunk(5 * PACKET + 100, 2)
    bridge.feed(memoryview(first), modem.now)
    assert [len(p) for p in sent] == [5 * PACKET]  # the 100 left wait for more or the timer
    second = _chunk(3 * PACKET, 3)
    bridge.feed(memoryview(second), modem.now)
    assert [len(p) for p in sent] == [5 * PACKET, 3 * PACKET]  # 100 + 3 KiB: 3 whole ones
    bridge.flush()
    assert b"".join(sent) == first + second
