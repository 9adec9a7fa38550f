"""The viewer's timeline: trace records in, recognisable items out (no I/O, no clock)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modemu.trace.format import Chunk, Event, Record
from modemu.view.timeline import Item, ItemKind, Lane, build_timeline


def rx(data: bytes, t: float = 0.0) -> Chunk:
    return Chunk(t, "rx", data)


def tx(data: bytes, t: float = 0.0) -> Chunk:
    return Chunk(t, "tx", data)


def summary(records: Sequence[Record]) -> list[tuple[str, str]]:
    """(kind, text or payload) per item, the shape the tests compare."""
    return [
        (item.kind.value, item.data.decode("latin-1") if item.data else item.text)
        for item in build_timeline(records)
        if item.kind is not ItemKind.MODE
    ]


SESSION_QISEND_CRLF = [
    tx(b"\r\nRDY\r\n"),
    rx(b"AT+QISEND=0,5\r\n"),
    tx(b"AT+QISEND=0,5\r\r\n>"),
    rx(b"he\nlo"),
    tx(b"he\nlo\r\nSEND OK\r\n"),
    tx(b'\r\n+QIURC: "recv",0\r\n'),
]


def test_fixed_send_with_echo_and_urc() -> None:
    assert summary(SESSION_QISEND_CRLF) == [
        ("urc", "RDY"),
        ("command", "AT+QISEND=0,5"),
        ("echo", "AT+QISEND=0,5"),
        ("prompt", ">"),
        ("payload", "he\nlo"),
        ("echo", "echo of 5 data bytes"),
        ("final", "SEND OK"),
        ("urc", '+QIURC: "recv",0'),
    ]


def test_information_lines_belong_to_the_pending_command_and_urcs_do_not() -> None:
    records = [
        rx(b"AT+QISTATE\r"),
        tx(b'\r\n+QISTATE: 0,"TCP","1.2.3.4",80,5000,2,1,0,0,"usbat"\r\n'),
        tx(b'\r\n+QIURC: "closed",0\r\n\r\nOK\r\n'),
        tx(b"\r\n+QIOPEN: 1,0\r\n"),
    ]
    assert [kind for kind, _ in summary(records)] == ["command", "info", "urc", "final", "urc"]


def test_errors_are_their_own_kind() -> None:
    records = [
        rx(b"AT+QIFOO\r"),
        tx(b"\r\nERROR\r\n"),
        rx(b"AT+CSQ=9\r"),
        tx(b"\r\n+CME ERROR: 50\r\n"),
    ]
    assert summary(records) == [
        ("command", "AT+QIFOO"),
        ("error", "ERROR"),
        ("command", "AT+CSQ=9"),
        ("error", "+CME ERROR: 50"),
    ]


def test_qird_payload_is_taken_by_length_even_with_crlf_and_ok_inside() -> None:
    payload = b"\r\nOK\r\n\x00\xff"
    records = [
        rx(b"AT+QIRD=0,1500\r"),
        tx(b"\r\n+QIRD: 8\r\n" + payload[:3]),
        tx(payload[3:] + b"\r\n\r\nOK\r\n"),
    ]
    assert summary(records) == [
        ("command", "AT+QIRD=0,1500"),
        ("info", "+QIRD: 8"),
        ("payload", payload.decode("latin-1")),
        ("final", "OK"),
    ]


def test_push_mode_recv_urc_carries_its_payload() -> None:
    records = [tx(b'\r\n+QIURC: "recv",2,3\r\nabc\r\n'), rx(b"AT\r"), tx(b"\r\nOK\r\n")]
    assert summary(records) == [
        ("urc", '+QIURC: "recv",2,3'),
        ("payload", "abc"),
        ("command", "AT"),
        ("final", "OK"),
    ]


def test_transparent_mode_is_data_both_ways_until_the_escape() -> None:
    records = [
        rx(b'AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,2\r'),
        tx(b"\r\nCONNECT\r\n"),
        rx(b"AT+NOT-A-COMMAND\r"),
        tx(b"peer bytes\r\nOK\r\n...", t=0.5),
        rx(b"+++", t=2.0),
        tx(b"\r\nOK\r\n", t=3.0),
        rx(b"AT\r", t=3.1),
        tx(b"\r\nOK\r\n", t=3.1),
    ]
    items = list(build_timeline(records))
    assert [(i.kind.value, i.text) for i in items if i.kind is ItemKind.MODE] == [
        ("mode", "transparent mode"),
        ("mode", "command mode"),
    ]
    payloads = [i.data for i in items if i.kind is ItemKind.PAYLOAD]
    assert payloads == [b"AT+NOT-A-COMMAND\r", b"peer bytes\r\nOK\r\n...", b"+++"]
    assert summary(records)[-2:] == [("command", "AT"), ("final", "OK")]


def test_variable_length_send_ends_at_ctrl_z() -> None:
    records = [
        rx(b"AT+QISEND=0\r"),
        tx(b"\r\n>"),
        rx(b"abc"),
        rx(b"def\x1a"),
        tx(b"\r\nSEND OK\r\n"),
        rx(b"AT\r"),
    ]
    assert summary(records) == [
        ("command", "AT+QISEND=0"),
        ("prompt", ">"),
        ("payload", "abcdef\x1a"),
        ("final", "SEND OK"),
        ("command", "AT"),
    ]


def test_events_become_notes_faults_and_network_arrows() -> None:
    records = [
        Event(10.0, "host-attached"),
        Event(10.5, "fault", {"name": "pdp-deact", "cid": 1}),
        Event(11.0, "net-open", {"conn_id": 0, "service": "TCP", "peer": "1.2.3.4:80"}),
        Event(11.2, "net-in", {"conn_id": 0, "bytes": 7, "peer": "1.2.3.4:80"}),
    ]
    items = list(build_timeline(records))
    assert [(i.kind, i.source, i.target) for i in items] == [
        (ItemKind.EVENT, Lane.MODULE, Lane.MODULE),
        (ItemKind.FAULT, Lane.MODULE, Lane.MODULE),
        (ItemKind.NET, Lane.MODULE, Lane.NETWORK),
        (ItemKind.NET, Lane.NETWORK, Lane.MODULE),
    ]
    assert [i.text for i in items[2:]] == ["#0 TCP open 1.2.3.4:80", "#0 7 B 1.2.3.4:80"]
    assert [i.t for i in items] == pytest.approx([0.0, 0.5, 1.0, 1.2])


def test_a_transcript_cut_mid_payload_keeps_what_it_has() -> None:
    items = list(build_timeline([rx(b"AT+QIRD=0\r"), tx(b"\r\n+QIRD: 10\r\nabc")]))
    assert items[-1] == Item(0.0, ItemKind.PAYLOAD, Lane.MODULE, Lane.HOST, "", b"abc")


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


@given(st.lists(st.integers(min_value=0, max_value=400), max_size=12))
def test_how_chunks_are_split_never_changes_the_items(cuts: list[int]) -> None:
    """A pty hands bytes over in arbitrary pieces; the diagram must not depend on them."""
    host = b"AT+QISEND=0,5\r\nhe\nloAT+QIRD=0\r"
    module = (
        b"AT+QISEND=0,5\r\r\n>he\nlo\r\nSEND OK\r\n"
        b'AT+QIRD=0\r\r\n+QIRD: 4\r\nOK\r\n\r\n\r\nOK\r\n\r\n+QIURC: "closed",0\r\n'
    )
    # The host's bytes go first up to the prompt, as a real exchange would interleave them.
    whole = [rx(host[:15]), tx(module[:19]), rx(host[15:20]), tx(module[19:]), rx(host[20:])]
    pieces: list[Record] = [rx(c) for c in _split(host[:15], cuts)]
    pieces += [tx(c) for c in _split(module[:19], cuts)]
    pieces += [rx(c) for c in _split(host[15:20], cuts)]
    pieces += [tx(c) for c in _split(module[19:], cuts)]
    pieces += [rx(c) for c in _split(host[20:], cuts)]
    assert summary(pieces) == summary(whole)


def test_rdy_ends_a_data_entry_cut_short_by_a_reboot() -> None:
    records = [
        rx(b"AT+QISEND=0,4\r\n"),
        tx(b"\r\n>"),
        rx(b"da"),
        Event(0.0, "fault", {"fault": "reboot"}),
        tx(b"\r\nRDY\r\n"),
        rx(b"AT\r\n"),
        tx(b"AT\r\r\nOK\r\n"),
    ]
    items = list(build_timeline(records))
    assert [i.text for i in items if i.kind is ItemKind.MODE] == ["data entry", "command mode"]
    assert summary(records)[-4:] == [
        ("urc", "RDY"),
        ("command", "AT"),
        ("echo", "AT"),
        ("final", "OK"),
    ]
    assert [i.data for i in items if i.kind is ItemKind.PAYLOAD] == [b"da"]
