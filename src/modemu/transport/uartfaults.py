"""UART faults on the host-bound byte path: output in pieces, and line noise.

:class:`HostLine` stands between the engine's output and the transport. With no fault in
force, ``write`` is the transport's ``write``. ``chunk`` delivers output in pieces of 1..N
bytes (sizes drawn from a seeded generator) with a gap between pieces, as a slow or
interrupt-driven UART reader sees it; ``noise`` drops or flips bytes at seeded rates. The
order of bytes is never changed and nothing is held without bound: past
:data:`HOLD_LIMIT` held bytes the engine is told the host is not draining (back-pressure),
exactly as when a real host stops reading.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["HOLD_LIMIT", "HostLine"]

HOLD_LIMIT = 65536
Schedule = Callable[[float, Callable[[], None]], Any]


@dataclass(frozen=True)
class Chunking:
    """Output written in pieces of ``size`` bytes, ``gap`` seconds apart."""

    size: int
    gap: float


@dataclass(frozen=True)
class Noise:
    """Output bytes dropped / bit-flipped with these probabilities."""

    drop: float
    flip: float


class HostLine:
    """``write`` for the module's output, with the UART faults in force applied."""

    def __init__(
        self,
        write: Callable[[bytes], None],
        schedule: Schedule,
        backpressure: Callable[[bool], None] = lambda writable: None,
        seed: int = 0,
    ) -> None:
        self._write = write
        self._schedule = schedule
        self._backpressure = backpressure
        self._seed = seed
        self._rng: random.Random | None = None  # made on first use: 2.5 KiB a module in a fleet
        self.chunking: Chunking | None = None
        self.noise: Noise | None = None
        self._held = bytearray()
        self._draining = False
        self._full = False

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(self._seed)
        return self._rng

    def reseed(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(seed)

    def set_chunking(self, size: int, gap: float) -> None:
        self.chunking = Chunking(size, gap) if size > 0 else None

    def set_noise(self, drop: float, flip: float) -> None:
        self.noise = Noise(drop, flip) if drop > 0 or flip > 0 else None

    def describe(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = []
        if self.chunking is not None:
            faults.append({"fault": "chunk", "size": self.chunking.size, "gap": self.chunking.gap})
        if self.noise is not None:
            faults.append({"fault": "noise", "drop": self.noise.drop, "flip": self.noise.flip})
        return faults

    @property
    def held(self) -> int:
        return len(self._held)

    def write(self, data: bytes) -> None:
        if self.noise is not None:
            data = self._noisy(data)
        if self.chunking is None and not self._held:
            if data:
                self._write(data)
            return
        self._held += data
        if not self._draining:
            self._drain()
        self._check_full()

    def _noisy(self, data: bytes) -> bytes:
        noise = self.noise
        assert noise is not None
        out = bytearray()
        rng = self.rng
        for byte in data:
            draw = rng.random()
            if draw < noise.drop:
                continue
            flip = 1 << rng.randrange(8) if draw < noise.drop + noise.flip else 0
            out.append(byte ^ flip)
        return bytes(out)

    def _drain(self) -> None:
        self._draining = False
        if not self._held:
            self._check_full()
            return
        chunking = self.chunking
        size = len(self._held) if chunking is None else self.rng.randint(1, chunking.size)
        piece = bytes(self._held[:size])
        del self._held[:size]
        self._write(piece)
        if self._held:
            self._draining = True
            self._schedule(chunking.gap if chunking is not None else 0.0, self._drain)
        self._check_full()

    def _check_full(self) -> None:
        full = len(self._held) >= HOLD_LIMIT
        if full != self._full:
            self._full = full
            self._backpressure(not full)
