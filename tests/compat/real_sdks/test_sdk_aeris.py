"""Aeris ``aerismodsdk`` 0.1.5 (PyPI), its Quectel module class, against modemu.

What the SDK does (read from its published wheel): every command is written as
``<cmd>\\r\\n`` (``utils/rmutils.write``), answers are read with ``readline`` until the input
is idle, ``AT+QISEND=<id>,<len>`` is followed one second later by the payload, and UDP data
arrives as push-mode URCs ``+QIURC: "recv",<id>,<len>,"<ip>",<port>\\r\\n<data>`` that
``udp_urcs_to_payloads`` parses. Its serial port is ``/dev/tty`` + a name, so the module's pty
link is made under ``/dev`` (root only; CI runs as root).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import TIMEOUT, answering_peer, loopback_address, module_on_pty, require

require("aerismodsdk")

IMEI = "869951040000123"


@pytest.fixture(scope="module")
def aeris() -> Iterator[Any]:
    if not os.access("/dev", os.W_OK):
        pytest.skip("the SDK opens /dev/tty<name>: making that link needs root")
    from aerismodsdk.modules.quectel import QuectelModule  # noqa: PLC0415

    name = f"MODEMU{os.getpid()}"
    with module_on_pty(Path(f"/dev/tty{name}"), "--imei", IMEI):
        module = QuectelModule("QUECTEL", name, "internet", verbose=False)
        assert module.myserial is not None, "the SDK could not open the module's port"
        try:
            yield module
        finally:
            module.myserial.close()


def test_get_info_parses_identity(aeris: Any) -> None:
    info = aeris.get_info()
    assert info["maker"] == "QUECTEL"
    assert info["imei"] == IMEI
    assert info["model"].startswith("EC")
    assert info["iccid"].isdigit() and info["imsi"].isdigit()


def test_http_get_over_a_fixed_length_send(aeris: Any) -> None:
    """``http_get`` hard-codes port 80; the peer listens on a 127/8 address of its own."""
    from aerismodsdk.utils import rmutils  # noqa: PLC0415

    host = loopback_address()
    reply = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"
    request = aeris.get_http_packet(host).encode()
    peer = answering_peer(request, reply, host=host, port=80)
    try:
        response = aeris.http_get(host, False)
        peer.wait_for(len(request), TIMEOUT)
    finally:
        # http_get leaves socket 0 open; close it so no late "closed" URC lands in the
        # middle of the next test's commands (this SDK reads answers positionally).
        closing = rmutils.write(aeris.myserial, "AT+QICLOSE=0", waitoe=True, verbose=False)
        peer.close()
    assert "OK" in closing
    assert bytes(peer.received) == request
    assert f"+QIRD: {len(reply)}\r\n{reply.decode()}\r\n\r\nOK\r\n" in response
    assert aeris.my_ip  # parse_constate found the address in +QIACT?


def test_udp_listen_urcs_parse_into_payloads(aeris: Any) -> None:
    from aerismodsdk.utils import rmutils  # noqa: PLC0415

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert aeris.udp_listen(port, 0, verbose=False) is True
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payloads = [b"first datagram", b"second\r\n\x00binary"]
    try:
        for payload in payloads:
            sender.sendto(payload, ("127.0.0.1", port))
        urcs = rmutils.wait_urc(aeris.myserial, 2, aeris.com_port, returnbytes=True, verbose=False)
    finally:
        sender.close()
    assert aeris.udp_urcs_to_payloads(urcs) == payloads
