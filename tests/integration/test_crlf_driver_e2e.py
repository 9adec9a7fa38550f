"""A CRLF driver over a real pty (issue 10, item 1): the LF after the CR of ``AT+QISEND`` is
never payload, however the driver's writes are split; a CR-only driver may start its payload
with an LF. The loopback peer must receive exactly the payload, nothing leaks into command
mode."""

from __future__ import annotations

import asyncio

import pytest
from e2e_kit import PtyHost, collecting_peer, module, open_tcp, run, tcp_peer


async def send_fixed(host: PtyHost, writes: list[bytes], payload: bytes) -> None:
    for chunk in writes:
        await host.write(chunk)
    assert await host.read_until(b">") == b"\r\n>"
    await host.write(payload)
    assert await host.read_until(b"SEND OK\r\n") == b"\r\nSEND OK\r\n"


@pytest.mark.parametrize(
    ("writes", "payload"),
    [
        ([b"AT+QISEND=0,5\r\n"], b"hello"),  # TinyGSM-style: line and CRLF in one write
        ([b"AT+QISEND=0,5\r", b"\n"], b"hello"),  # CR and LF in two writes
        ([b"AT+QISEND=0,5", b"\r", b"\n"], b"\nbody"),  # LF after the prompt is data
        ([b"AT+QISEND=0,5\r"], b"\nbody"),  # CR-only driver, payload starting with LF
    ],
    ids=["crlf-one-write", "cr-then-lf", "bytes-then-lf-payload", "cr-only"],
)
def test_fixed_length_send_reaches_the_peer_exactly(writes: list[bytes], payload: bytes) -> None:
    async def body() -> None:
        received, done, handler = collecting_peer()
        async with module() as (_, host), tcp_peer(handler) as port:
            await host.write(b"AT+QISDE=0\r\n")
            assert await host.read_until(b"OK\r\n") == b"\r\nOK\r\n"
            await open_tcp(host, 0, port)
            await send_fixed(host, writes, payload)
            await send_fixed(host, [b"AT+QISEND=0,3\r\n"], b"end")
            assert await host.command(b"AT\r\n") == b"\r\nOK\r\n"  # nothing leaked
            assert await host.command(b"AT+QICLOSE=0\r\n") == b"\r\nOK\r\n"
            await asyncio.wait_for(done.wait(), 10)
            assert bytes(received) == payload + b"end"

    run(body())


@pytest.mark.parametrize(
    "writes",
    [
        [b'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2\r\n'],
        [b'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2\r', b"\n"],
        [b'AT+QIOPEN=1,0,"TCP","127.0.0.1",{port},0,2', b"\r\n"],  # Zephyr: EOL apart
    ],
    ids=["crlf-one-write", "cr-then-lf", "body-then-crlf"],
)
def test_transparent_open_with_crlf_bridges_exactly_the_payload(writes: list[bytes]) -> None:
    """``CONNECT`` of a transparent ``AT+QIOPEN``: the LF of the line never reaches the
    peer, wherever the driver's writes split the line end."""

    async def body() -> None:
        payload = b"\n\x00payload\r\n"  # after CONNECT every byte is data
        received, arrived, handler = collecting_peer(until=len(payload))
        async with module() as (_, host), tcp_peer(handler) as port:
            for chunk in writes:
                await host.write(chunk.replace(b"{port}", str(port).encode()))
            assert await host.read_until(b"CONNECT\r\n") == b"\r\nCONNECT\r\n"
            await host.write(payload)
            await asyncio.wait_for(arrived.wait(), 10)
            assert bytes(received) == payload

    run(body())
