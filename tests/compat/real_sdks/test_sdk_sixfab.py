"""Sixfab ``sixfab-cellulariot`` 1.2.0 (PyPI, BG96 shield library) against modemu.

What the library does (read from its published wheel): it ends commands with ``\\r`` alone,
empties the input buffer before every write, polls until the expected text appears and
re-sends the command after its timeout. ``sendDataTCP`` sends ``AT+QISEND=<id>,<len>``, waits
for ``>`` and then writes the payload *followed by* ``\\r`` (it reuses its command writer), so
the module must take exactly ``<len>`` bytes and treat the extra CR as an empty command line.

The shield's GPIO, ADC and I2C parts are replaced by stand-ins (this machine has no
Raspberry Pi header); the serial side is the library's own code.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sdk_kit import TIMEOUT, answering_peer, module_on_pty, require


def _install_hardware_stand_ins() -> None:
    """RPi.GPIO, Adafruit_ADS1x15 and smbus as inert modules: STATUS reads low (powered)."""
    gpio = types.ModuleType("RPi.GPIO")
    for name, value in {"BCM": 11, "OUT": 0, "IN": 1, "HIGH": 1, "LOW": 0}.items():
        setattr(gpio, name, value)
    for name in ("setmode", "setup", "output", "cleanup", "setwarnings"):
        setattr(gpio, name, lambda *args, **kwargs: None)
    gpio.input = lambda pin: 0  # type: ignore[attr-defined]
    rpi = types.ModuleType("RPi")
    rpi.GPIO = gpio  # type: ignore[attr-defined]
    adc = types.ModuleType("Adafruit_ADS1x15")
    adc.ADS1015 = type("ADS1015", (), {})  # type: ignore[attr-defined]
    smbus = types.ModuleType("smbus")
    smbus.SMBus = type("SMBus", (), {"__init__": lambda self, *a: None})  # type: ignore[attr-defined]
    for name, module in {
        "RPi": rpi,
        "RPi.GPIO": gpio,
        "Adafruit_ADS1x15": adc,
        "smbus": smbus,
    }.items():
        sys.modules.setdefault(name, module)


_install_hardware_stand_ins()
require("cellulariot")


@pytest.fixture
def shield(tmp_path: Path) -> Iterator[Any]:
    from cellulariot import cellulariot  # noqa: PLC0415

    with module_on_pty(tmp_path / "ttyS0", "--trace", str(tmp_path / "trace.jsonl")) as pty:
        node = cellulariot.CellularIoT(serial_port=str(tmp_path / "ttyS0"))
        node.setupGPIO()
        node.enable()
        node.powerUp()
        try:
            yield node
        finally:
            cellulariot.ser.close()
            assert pty


def test_tcp_send_takes_exactly_len_bytes_and_ignores_the_trailing_cr(shield: Any) -> None:
    request = b"GET /sixfab\r\n\r\n"
    peer = answering_peer(request, b"")
    try:
        shield.sendATComm("ATE1", "OK\r\n")
        shield.getIMEI()
        shield.setIPAddress(peer.address[0])
        shield.setPort(peer.address[1])
        shield.activateContext()
        shield.connectToServerTCP()
        shield.sendDataTCP(request.decode())
        peer.wait_for(len(request), TIMEOUT)
        shield.sendATComm("AT", "OK\r\n")  # the port still answers: the extra CR was harmless
        shield.closeConnection()
    finally:
        peer.close()
    assert bytes(peer.received) == request
