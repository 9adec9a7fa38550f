"""The line reader consumes ordinary bytes in bulk (a regex per run instead of a Python step
per byte, see ``CommandLineReader._skip``). Its per-byte state machine ``_step`` is the
reference: whatever the input, chunking, echo, S3/S5 and ``max_line``, feeding in bulk must
give the same consumed counts, echo, events and final state as stepping byte by byte.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modemu.at.lineread import CommandLineReader, FeedResult

PIECES = [
    b"A", b"a", b"T", b"t", b"/", b"\r", b"\n", b"\x08", b"\t", b"x", b"+", b"=", b"1",
    b"\x00", b"\xff", b"\x7f", b" ", b"\x1a", b"]", b"-", b"QIRD=0,1500", b"AT", b"X" * 40,
]  # fmt: skip
REGISTERS = [(13, 8), (ord("X"), 8), (13, ord("1")), (10, 8), (ord("]"), ord("-"))]


def step_feed(reader: CommandLineReader, data: memoryview, echo: bool) -> FeedResult:
    """The per-byte reference: what ``feed`` did before it learned to skip runs."""
    out = bytearray()
    for index, byte in enumerate(data):
        event = reader._step(byte, out)
        if event is not None:
            return FeedResult(index + 1, bytes(out) if echo else b"", event)
    return FeedResult(len(data), bytes(out) if echo else b"", None)


@settings(max_examples=400, deadline=None)
@given(
    data=st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join),
    cuts=st.lists(st.integers(1, 20), min_size=1, max_size=30),
    echo=st.booleans(),
    max_line=st.integers(4, 64),
    registers=st.sampled_from(REGISTERS),
)
def test_bulk_feed_matches_byte_steps(
    data: bytes, cuts: list[int], echo: bool, max_line: int, registers: tuple[int, int]
) -> None:
    bulk, steps = CommandLineReader(max_line), CommandLineReader(max_line)
    for reader in (bulk, steps):
        reader.s3, reader.s5 = registers
    pos = 0
    for index in range(len(data)):
        if pos >= len(data):
            break
        chunk = memoryview(data)[pos : pos + cuts[index % len(cuts)]]
        pos += len(chunk)
        while len(chunk):
            got, want = bulk.feed(chunk, echo), step_feed(steps, chunk, echo)
            assert got == want
            chunk = chunk[got.consumed :]
    assert (bulk.mid_line, bytes(bulk._buf)) == (steps.mid_line, bytes(steps._buf))
    assert bulk._state is steps._state
