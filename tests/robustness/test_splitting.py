"""Host input split into random pieces with random gaps (seeded) must not change a single
byte the module writes back, nor what reaches the network.

The module runs in-process (``VirtualModem`` on the memory transport, whose seeded
``ChunkSplitter`` splits further into separate loop iterations) with the real asyncio
network back end and a loopback TCP peer that the script drives step by step. The same
script runs with whole writes and with several seeds; the transcripts must be identical.
"""

from __future__ import annotations

import asyncio
import functools
import random
from dataclasses import dataclass

import pytest

from modemu.server import VirtualModem, run
from modemu.transport.memory import ChunkSplitter, HostEnd, MemoryTransport

pytestmark = pytest.mark.timeout(60)
TIMEOUT = 10.0
BULK = bytes(range(256)) * 12  # 3 KiB: several transparent packets


@dataclass
class Splitter:
    """How the host writes: ``None`` seed = whole writes."""

    seed: int | None
    max_piece: int = 7
    max_gap: float = 0.002


class Peer:
    """A loopback TCP server whose one connection the script reads and writes."""

    def __init__(self) -> None:
        self.connected: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self.server: asyncio.Server | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def start(self) -> int:
        async def on_client(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            await self.connected.put((r, w))

        self.server = await asyncio.start_server(on_client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def accept(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(self.connected.get(), TIMEOUT)

    async def expect(self, data: bytes) -> None:
        assert self.reader is not None
        got = await asyncio.wait_for(self.reader.readexactly(len(data)), TIMEOUT)
        assert got == data

    def send(self, data: bytes) -> None:
        assert self.writer is not None
        self.writer.write(data)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class Script:
    """Host actions; every wait's output goes to the transcript."""

    def __init__(self, host: HostEnd, how: Splitter, port: int) -> None:
        self.host = host
        self.port = str(port).encode()
        self.how = how
        self.random = random.Random(how.seed)
        self.transcript: list[bytes] = []

    async def type(self, data: bytes) -> None:
        if self.how.seed is None:
            self.host.write(data)
            return
        pos = 0
        while pos < len(data):
            size = self.random.randint(1, self.how.max_piece)
            self.host.write(data[pos : pos + size])
            pos += size
            await asyncio.sleep(self.random.uniform(0, self.how.max_gap))

    async def wait(self, marker: bytes) -> None:
        got = await self.host.read_until(marker, TIMEOUT)
        self.transcript.append(got.replace(self.port, b"<port>"))  # differs run to run

    async def cmd(self, line: bytes, until: bytes = b"OK\r\n") -> None:
        await self.type(line)
        await self.wait(until)


async def scenario(how: Splitter) -> list[bytes]:
    peer = Peer()
    port = await peer.start()
    transport = MemoryTransport(ChunkSplitter(how.seed, 5) if how.seed is not None else None)
    try:
        async with VirtualModem(transport=transport):
            s = Script(transport.host, how, port)
            await s.wait(b"+QIND: SMS DONE\r\n")
            await s.cmd(b"ATI\r")
            await s.cmd(b'AT+QICSGP=1,1,"CMNET","","",1\r')
            await s.cmd(b"AT+QIACT=1;+QIACT?\r")
            await s.cmd(f'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,0\r'.encode(), b"0,0\r\n")
            await peer.accept()
            await s.cmd(b"AT+QISEND=0,5\r", b">")
            await s.cmd(b"hello", b"SEND OK\r\n")
            await peer.expect(b"hello")
            peer.send(b"world!")
            await s.wait(b'+QIURC: "recv",0\r\n')
            await s.cmd(b"AT+QIRD=0,1500\r")
            await s.cmd(b"AT+QISEND=0\r", b">")
            await s.cmd(b"var\x1a", b"SEND OK\r\n")
            await peer.expect(b"var")
            await s.cmd(b'AT+QISENDEX=0,"414243"\r', b"SEND OK\r\n")
            await peer.expect(b"ABC")
            await s.cmd(b"AT+QISWTMD=0,1\r")
            peer.send(b"pushed")
            await s.wait(b"pushed\r\n")
            await s.cmd(b"AT+QISWTMD=0,2\r", b"CONNECT\r\n")
            await s.type(BULK)
            await peer.expect(BULK)
            peer.send(b"down")
            await s.wait(b"down")
            await asyncio.sleep(1.1)
            await s.cmd(b"+++", b"OK\r\n")
            await s.cmd(b"AT+QIRD=0,0;+QISEND=0,0\r")
            await s.type(b"\x00\xffxyz\x1a+++\r\n")
            await s.cmd(b"AT+CSQ;+CGMI\r")
            await peer.close()
            await s.wait(b'+QIURC: "closed",0\r\n')
            await s.cmd(b"AT+QICLOSE=0\r")
            await s.cmd(b"ATE0\rAT\r", b"OK\r\n\r\nOK\r\n")
            return s.transcript
    finally:
        await peer.close()


@functools.cache
def whole_writes() -> tuple[bytes, ...]:
    transcript = tuple(run(scenario(Splitter(None))))
    assert any(b"+QIRD: 6\r\nworld!" in step for step in transcript)
    return transcript


@pytest.mark.parametrize(
    "how",
    [Splitter(1), Splitter(2, max_piece=3, max_gap=0.0), Splitter(3, max_piece=1, max_gap=0.0)],
    ids=["seed1-gaps", "seed2-pieces<=3", "seed3-bytewise"],
)
def test_split_host_input_gives_identical_output(how: Splitter) -> None:
    assert tuple(run(scenario(how))) == whole_writes()
