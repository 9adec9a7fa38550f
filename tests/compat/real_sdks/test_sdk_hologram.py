"""Hologram ``hologram-python`` 0.10.3 (PyPI), its Quectel EC21 modem class, against modemu.

What the SDK does (read from its published wheel, ``Hologram/Network/Modem/Quectel.py`` and
``Modem.py``): commands are written in pieces and end with ``\\r\\n``; sockets are opened in
push mode (``AT+QIOPEN=1,0,"TCP",…,0,1``) and the SDK waits for the ``+QIOPEN: <id>,<err>``
URC; data goes out as hex with ``AT+QISENDEX``; the answer is taken from the push URC
``+QIURC: "recv",<id>,<len>`` and the line that follows it; ``close_socket`` sends
``AT+QICLOSE=`` with no id (an SDK bug: the module answers ``ERROR`` and must stay usable, as
the spec's compatibility list says).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import TIMEOUT, answering_peer, module_on_pty, require

require("Hologram")


@pytest.fixture
def ec21(tmp_path: Path) -> Iterator[Any]:
    from Hologram.Network.Modem.EC21 import EC21  # noqa: PLC0415

    with module_on_pty(tmp_path / "ttyUSB2"):
        modem = EC21(device_name=str(tmp_path / "ttyUSB2"), baud_rate="115200")
        try:
            yield modem
        finally:
            modem.closeSerialPort()


def test_push_mode_round_trip_with_qisendex(ec21: Any) -> None:
    request = b"hello from hologram\n\n"
    peer = answering_peer(request, b"ack: it works")
    try:
        ec21.create_socket()
        ec21.connect_socket(*peer.address)
        answer = ec21.send_message(request)
        peer.wait_for(len(request), TIMEOUT)
        ec21.close_socket()  # sends AT+QICLOSE= (no id): ERROR, and the port goes on
        assert ec21.is_registered()
    finally:
        peer.close()
    assert bytes(peer.received) == request
    assert answer == "ack: it works"
