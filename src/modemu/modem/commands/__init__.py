"""Command handlers, one module per area; importing this package registers them all."""

from modemu.modem.commands import (
    basic,
    config,
    identity,
    network,
    pdp,
    power,
    services,
    sockets,
    timekeeping,
)

__all__ = [
    "basic",
    "config",
    "identity",
    "network",
    "pdp",
    "power",
    "services",
    "sockets",
    "timekeeping",
]
