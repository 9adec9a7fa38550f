"""The host-bound byte path under UART faults: seeded, ordered, bounded."""

from __future__ import annotations

from collections.abc import Callable

from modemu.transport.uartfaults import HOLD_LIMIT, HostLine

DATA = bytes(range(256)) * 40


def _line(seed: int) -> tuple[HostLine, list[bytes], list[Callable[[], None]], list[bool]]:
    out: list[bytes] = []
    due: list[Callable[[], None]] = []
    writable: list[bool] = []
    line = HostLine(out.append, lambda delay, cb: due.append(cb), writable.append, seed=seed)
    return line, out, due, writable


def _run(due: list[Callable[[], None]]) -> None:
    while due:
        due.pop(0)()


def test_noise_is_seeded_and_drops_and_flips_at_the_rates() -> None:
    results = []
    for seed in (1, 1, 2):
        line, out, _, _ = _line(seed)
        line.set_noise(drop=0.1, flip=0.1)
        line.write(DATA)
        results.append(b"".join(out))
    assert results[0] == results[1] != results[2]
    damaged = results[0]
    assert 0.85 * len(DATA) < len(damaged) < 0.95 * len(DATA)  # about 10 % dropped


def test_no_fault_is_a_plain_write() -> None:
    line, out, due, _ = _line(0)
    line.write(b"abc")
    assert out == [b"abc"] and due == []


def test_chunks_keep_order_and_every_byte() -> None:
    line, out, due, _ = _line(7)
    line.set_chunking(5, 0.001)
    line.write(DATA[:100])
    line.write(DATA[100:300])
    _run(due)
    assert b"".join(out) == DATA[:300]
    assert max(len(piece) for piece in out) <= 5


def test_held_output_is_bounded_by_back_pressure() -> None:
    line, _, due, writable = _line(3)
    line.set_chunking(1, 0.001)
    line.write(b"x" * (HOLD_LIMIT + 10))
    assert writable == [False]  # the engine is told the host is not draining
    _run(due)
    assert writable == [False, True]
    assert line.held == 0
