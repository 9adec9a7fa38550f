"""Command handlers, one module per area, each declaring its commands in its own
``COMMANDS`` table; :func:`build_registry` composes them into the module's command set.

Adding a command touches one handler module: declare it in that module's ``COMMANDS``
(a new area: a new module, listed once in :data:`TABLES`).
"""

from __future__ import annotations

import functools

from modemu.modem.commands import (
    basic,
    config,
    identity,
    network,
    pdp,
    power,
    qcfg,
    services,
    sockets,
    status,
    timekeeping,
)
from modemu.modem.registry import Registry

TABLES = (
    basic.COMMANDS,
    config.COMMANDS,
    identity.COMMANDS,
    network.COMMANDS,
    pdp.COMMANDS,
    power.COMMANDS,
    qcfg.COMMANDS,
    services.COMMANDS,
    sockets.COMMANDS,
    status.COMMANDS,
    timekeeping.COMMANDS,
)
"""Every command table of the module, composed in this order."""


@functools.cache
def build_registry() -> Registry:
    """The module's full command set (built once: registries are not changed after this)."""
    return Registry.compose(*TABLES)
