"""Property tests of the client framing: payloads come back byte-exact, however split.

The module's output is generated from the shared renderers in :mod:`modemu.at.render`
(the same framing functions the module uses), with arbitrary binary payloads and
arbitrary chunking, and URCs interleaved wherever the spec allows them.
"""

from __future__ import annotations

import contextlib
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from modemu.at import render
from modemu.at.codes import Result
from modemu.client.events import Event, PushData, Response, TransparentData, Urc
from modemu.client.protocol import ClientProtocol
from modemu.errors import RemoteProtocolError

payloads = st.binary(min_size=1, max_size=300)
cuts = st.lists(st.integers(min_value=0, max_value=2000), max_size=12)


def chunked(data: bytes, cut_points: list[int]) -> list[bytes]:
    points = sorted({p % (len(data) + 1) for p in cut_points})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def events_of(proto: ClientProtocol, chunks: list[bytes]) -> list[Event]:
    events: list[Event] = []
    for chunk in chunks:
        proto.receive_data(chunk)
        while (event := proto.next_event()) is not None:
            events.append(event)
    return events


def qird_answer(payload: bytes) -> bytes:
    header = render.info([f"+QIRD: {len(payload)}"], verbose=True)
    return header + payload + b"\r\n" + render.result(Result.OK, verbose=True)


@settings(max_examples=200, deadline=None)
@given(payload=payloads, cut_points=cuts, urc_first=st.booleans())
def test_qird_payload_is_exact(payload: bytes, cut_points: list[int], urc_first: bool) -> None:
    urc = render.urc('+QIURC: "recv",3', verbose=True) if urc_first else b""
    proto = ClientProtocol()
    proto.send_command("AT+QIRD=0,1500")
    events = events_of(proto, chunked(urc + qird_answer(payload), cut_points))
    responses = [e for e in events if isinstance(e, Response)]
    assert len(responses) == 1
    assert responses[0].data == payload
    assert len(events) == 1 + urc_first


@settings(max_examples=200, deadline=None)
@given(frames=st.lists(payloads, min_size=1, max_size=4), cut_points=cuts)
def test_push_payloads_are_exact(frames: list[bytes], cut_points: list[int]) -> None:
    proto = ClientProtocol()
    proto.set_access_mode(0, 1)
    stream = b"".join(
        render.urc(f'+QIURC: "recv",0,{len(f)}', verbose=True) + f + b"\r\n" for f in frames
    )
    events = events_of(proto, chunked(stream, cut_points))
    assert events == [PushData(0, f) for f in frames]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400), cut_points=cuts)
def test_transparent_data_then_no_carrier(data: bytes, cut_points: list[int]) -> None:
    proto = ClientProtocol()
    proto.send_command("AT+QISWTMD=0,2")
    events_of(proto, [b"\r\nCONNECT\r\n"])
    events = events_of(proto, chunked(data + b"\r\nNO CARRIER\r\n\r\nRDY\r\n", cut_points))
    received = b"".join(e.data for e in events if isinstance(e, TransparentData))
    if b"\r\nNO CARRIER\r\n" not in data:
        assert received == data
        assert events[-1] == Urc("RDY")


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=200))
def test_garbage_never_raises_unexpected_errors(garbage: bytes) -> None:
    """Arbitrary module output yields events or a RemoteProtocolError, nothing else."""
    proto = ClientProtocol()
    proto.send_command("AT+QIRD=0")
    with contextlib.suppress(RemoteProtocolError):
        events_of(proto, [garbage])
