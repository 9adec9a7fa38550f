"""README's first session works as printed, typed the way miniterm types it (issue 10, item 8).

pyserial's miniterm (``serial/tools/miniterm.py``) writes each key as it is pressed, one
``write()`` per character, and Enter as ``\\r\\n`` in its default ``--eol CRLF`` mode; it shows
what the module sends, and its ``CRLF`` transformation leaves received text as it is. This test
reads the session block from README.md, types its ``AT`` lines and ``hello`` that way over a
real pty (the listener on 127.0.0.1 gets port 0 instead of 8080), renders the module's output
as a terminal shows it, and compares it with the block line by line. The peer must receive
exactly ``hello``.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from e2e_kit import PtyHost, collecting_peer, run, tcp_peer

from modemu.server import VirtualModem
from modemu.transport.pty import PtyTransport

README = Path(__file__).resolve().parents[2] / "README.md"
MINITERM = "$ python3 -m serial.tools.miniterm"


def session_block() -> list[str]:
    """The lines of README's first session after the miniterm command line."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first session", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block is not None, "README's first session has no ```text block"
    lines = block.group(1).splitlines()
    assert lines[0].startswith(MINITERM)
    return lines[1:]


def typed(lines: list[str]) -> list[str]:
    """What the user types: the AT lines (Enter after each) and the payload after ``>``."""
    keys = []
    for line in lines:
        if line.startswith("AT"):
            keys.append(line + "\n")
        elif line.startswith(">"):
            keys.append(line[1:])
    return keys


def as_displayed(received: bytes) -> list[str]:
    """Terminal rendering: CR returns to the line start, LF moves down (no overprint here)."""
    text = received.decode("latin-1").replace("\r\r\n", "\n").replace("\r\n", "\n")
    assert "\r" not in text, text
    return text.split("\n")


async def type_like_miniterm(host: PtyHost, keys: str) -> None:
    """One write per key; Enter becomes ``\\r\\n`` (miniterm's CRLF transformation)."""
    for key in keys:
        await host.write(key.replace("\n", "\r\n").encode("latin-1"))


def test_readme_first_session_as_printed() -> None:
    lines = session_block()
    keys = typed(lines)
    assert keys[-1] == "hello"
    assert any('"127.0.0.1",8080' in k for k in keys)

    async def body() -> None:
        received, closed, peer = collecting_peer()
        transport = PtyTransport()
        async with VirtualModem(transport=transport), tcp_peer(peer) as port:
            host = PtyHost(transport.slave_path)
            try:
                await host.read_until(b"+QIND: SMS DONE\r\n")  # boot URCs: not in README
                markers = [b"OK\r\n", b"OK\r\n", b"+QIOPEN: 0,0\r\n", b">", b"SEND OK\r\n"]
                output = bytearray()
                for key, marker in zip(keys, markers, strict=True):
                    await type_like_miniterm(host, key.replace(",8080,", f",{port},"))
                    output += await host.read_until(marker)
                assert await host.quiet(0.1) == b""
                shown = as_displayed(bytes(output))
                expected = [line.replace(",8080,", f",{port},") for line in lines]
                assert shown == [*expected, ""]
                await type_like_miniterm(host, "AT+QICLOSE=0\n")
                assert await host.read_until(b"OK\r\n") == b"AT+QICLOSE=0\r\r\nOK\r\n"
                await asyncio.wait_for(closed.wait(), 10)
                assert bytes(received) == b"hello"
            finally:
                host.close()

    run(body())
