"""The UART pacer, on a simulated clock: no event loop, no sleeping, exact arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modemu.transport.pacing import Pacer, bytes_per_second


def drain(
    pacer: Pacer, size: int, start: float = 0.0, late: float = 0.0
) -> tuple[float, list[int]]:
    """Hand over ``size`` bytes waking exactly when the pacer says (plus ``late`` s);
    returns the time of the last hand-over and the pieces."""
    now, left, pieces = start, size, []
    while left:
        n = pacer.take(now, left)
        if n:
            pieces.append(n)
            left -= n
        else:
            now = pacer.ready_at(now) + late
    return now, pieces


def test_unpaced_hands_everything_over_at_once() -> None:
    pacer = Pacer(None)
    assert pacer.take(0.0, 10_000) == 10_000
    assert pacer.ready_at(5.0) == 5.0
    assert pacer.rate == math.inf and pacer.duration(100) == 0.0


def test_8n1_is_ten_bits_a_byte() -> None:
    assert bytes_per_second(115200) == 11520
    assert Pacer(9600).duration(960) == pytest.approx(1.0)


@pytest.mark.parametrize("baud", [4800, 9600, 115200, 921600])
@pytest.mark.parametrize("late", [0.0, 0.0007, 0.004])
def test_long_run_rate_is_the_baud_rate(baud: int, late: float) -> None:
    pacer = Pacer(baud)
    size = int(bytes_per_second(baud) * 10)  # ten seconds of line time
    end, pieces = drain(pacer, size, late=late)
    assert sum(pieces) == size
    # each byte may go `lead` early; beyond that ten seconds of line time take ten seconds
    assert end == pytest.approx(10.0 - pacer.lead, abs=0.01)


def test_an_idle_line_starts_at_line_pace() -> None:
    pacer = Pacer(115200)
    lead_bytes = int(pacer.lead * 11520)
    assert pacer.take(0.0, 100) == lead_bytes  # a short answer is not sent in one burst
    assert pacer.take(0.0, 100) == 0
    pacer.take(5.0, 100)
    assert pacer.take(10.0, 100) == lead_bytes  # after a pause, still no credit


def test_a_late_wake_up_with_bytes_waiting_catches_up() -> None:
    pacer = Pacer(115200)
    first = pacer.take(0.0, 100_000)
    late = pacer.ready_at(0.0) + 0.05  # 50 ms late, within the slack
    second = pacer.take(late, 100_000)
    assert first + second == pytest.approx((late + pacer.lead) * 11520, abs=1)


@given(
    baud=st.sampled_from([1200, 9600, 115200]),
    steps=st.lists(st.floats(min_value=0.0, max_value=0.05), min_size=1, max_size=200),
)
def test_never_faster_than_the_line_allows(baud: int, steps: list[float]) -> None:
    """Over any run of wake-ups, bytes handed over <= rate * (elapsed + lead + slack) + 1."""
    pacer = Pacer(baud)
    now, total = 0.0, 0
    for step in steps:
        now += step
        total += pacer.take(now, 1 << 30)
        assert total <= pacer.rate * (now + pacer.lead + pacer.slack) + 1


def test_set_baud_changes_the_rate_from_then_on() -> None:
    pacer = Pacer(9600)
    drain(pacer, 96)  # 0.1 s of line time
    busy_until = pacer.free_at
    pacer.set_baud(115200)
    assert pacer.free_at == busy_until  # what is on the line keeps its time
    end, _ = drain(pacer, 1152, start=busy_until)
    assert end == pytest.approx(busy_until + 0.1 - pacer.lead, abs=0.002)


def test_bad_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(9600).set_baud(-1)
