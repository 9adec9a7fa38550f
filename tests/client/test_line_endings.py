"""The client ends a line that opens a data phase with CR LF, every other line with CR.

The module answers ``>``/``CONNECT`` only once a line's terminator is complete (LF after CR,
or a few ms without one: docs/line-discipline.md L12), so the LF saves that wait per send.
"""

from __future__ import annotations

import pytest

from modemu.client.protocol import ClientProtocol


@pytest.mark.parametrize(
    ("line", "ending"),
    [
        ("AT+QISEND=0,5", b"\r\n"),
        ("AT+QISEND=0", b"\r\n"),
        ('AT+QISEND=2,3,"10.0.0.1",5000', b"\r\n"),
        ("AT+QISEND=0,0", b"\r"),  # the counter query opens no prompt
        ('AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,2', b"\r\n"),
        ('AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,1', b"\r"),
        ("ATO", b"\r\n"),
        ("AT+QISWTMD=0,2", b"\r\n"),
        ("AT+QISWTMD=0,1", b"\r"),
        ("AT", b"\r"),
        ("AT+QIRD=0,1500", b"\r"),
    ],
)
def test_line_ending(line: str, ending: bytes) -> None:
    assert ClientProtocol().send_command(line) == line.encode() + ending
