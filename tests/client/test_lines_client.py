"""The client on a port with modem lines (``rfc2217://``, through the pytest plugin's
``rfc2217=True``): DTR leaves transparent mode without ``+++``, RI pulses are events."""

from __future__ import annotations

from typing import Any

import pytest
import serial

from modemu.client.ports import has_modem_lines
from modemu.client.sync import Modem
from modemu.testing.controller import ModemuInstance

pytestmark = pytest.mark.modemu(rfc2217=True, activate=True)


def _spy_writes(modem: Modem) -> list[bytes]:
    written: list[bytes] = []
    port = modem.aio.port
    write = port.write

    def spy(data: bytes) -> Any:
        written.append(bytes(data))
        return write(data)

    port.write = spy
    return written


def test_transparent_socket_closes_by_dropping_dtr(modem_client: Modem, tcp_echo: Any) -> None:
    assert modem_client.aio.has_lines
    assert "&D: 1" in modem_client.command("AT&V").lines  # set by initialize()
    written = _spy_writes(modem_client)
    sock = modem_client.create_connection(("127.0.0.1", tcp_echo.port), 10, transparent=True)
    sock.sendall(b"ping")
    got = b""
    while len(got) < 4:
        got += sock.recv(4 - len(got))
    assert got == b"ping"
    sock.close()  # DTR off → OK → AT+QICLOSE
    assert not any(b"+++" in chunk for chunk in written)
    assert b"AT+QICLOSE=0\r" in b"".join(written)
    assert modem_client.command("AT+QISTATE").lines == ()


def test_ri_pulses_are_events(modem_client: Modem, modemu_instance: ModemuInstance) -> None:
    before = modem_client.aio.rings
    modemu_instance.fault("urc", text='+QIURC: "pdpdeact",1')
    assert modem_client.wait_ring(timeout=10, after=before) > before


def test_modem_url_is_rfc2217(modem_url: str, modem_path: str | None) -> None:
    assert modem_url.startswith("rfc2217://127.0.0.1:")
    assert modem_path is None


@pytest.mark.modemu(rfc2217=False)
def test_ports_without_lines_are_told_apart(modem_path: str | None) -> None:
    assert modem_path is not None  # a pty link: DTR would fail there, RI cannot be read
    with serial.Serial(modem_path) as pty, serial.serial_for_url("loop://") as loop:
        assert not has_modem_lines(pty)
        assert not has_modem_lines(loop)
