"""Command handlers, one module per area; importing this package registers them all."""

from modemu.modem.commands import (
    basic,
    identity,
    network,
    pdp,
    power,
    sockets,
    timekeeping,
)

__all__ = ["basic", "identity", "network", "pdp", "power", "sockets", "timekeeping"]
