"""Host-side client for EC200-series modules, real or virtual.

Layers, bottom up: :mod:`~modemu.client.protocol` (sans-IO framing and correlation),
:mod:`~modemu.client.aio` (asyncio, the one command surface), :mod:`~modemu.client.sync`
(the same surface, blocking). Ports are pyserial URLs (:mod:`~modemu.client.ports`).

The names below are imported on first use (PEP 562), so ``import modemu.client`` costs
next to nothing and a program that only uses the blocking :class:`Modem` or the sans-IO
:class:`ClientProtocol` does not pay for what it does not touch (``tests/unit/
test_lazy_imports.py`` keeps asyncio, dnspython and icmplib out of a bare import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu._lazy import lazy_exports

if TYPE_CHECKING:
    from modemu.at.params import AccessMode, ServiceType
    from modemu.client.aio import AsyncModem, PingReply, PingResult
    from modemu.client.events import (
        Event,
        FinalKind,
        NoCarrier,
        Prompt,
        PushData,
        Response,
        TransparentData,
        Urc,
    )
    from modemu.client.listeners import UrcNotifier, UrcSubscription
    from modemu.client.ports import open_port
    from modemu.client.protocol import ClientProtocol, Framing
    from modemu.client.sockets import AsyncListener, AsyncSocket, Service
    from modemu.client.sync import Listener, Modem, Socket
    from modemu.client.table import SocketTable

_WHERE = {
    "AccessMode": "modemu.at.params",
    "ServiceType": "modemu.at.params",
    "AsyncModem": "aio",
    "PingReply": "aio",
    "PingResult": "aio",
    "Event": "events",
    "FinalKind": "events",
    "NoCarrier": "events",
    "Prompt": "events",
    "PushData": "events",
    "Response": "events",
    "TransparentData": "events",
    "Urc": "events",
    "UrcNotifier": "listeners",
    "UrcSubscription": "listeners",
    "open_port": "ports",
    "ClientProtocol": "protocol",
    "Framing": "protocol",
    "AsyncListener": "sockets",
    "AsyncSocket": "sockets",
    "Service": "sockets",
    "Listener": "sync",
    "Modem": "sync",
    "Socket": "sync",
    "SocketTable": "table",
}

__all__ = [
    "AccessMode",
    "AsyncListener",
    "AsyncModem",
    "AsyncSocket",
    "ClientProtocol",
    "Event",
    "FinalKind",
    "Framing",
    "Listener",
    "Modem",
    "NoCarrier",
    "PingReply",
    "PingResult",
    "Prompt",
    "PushData",
    "Response",
    "Service",
    "ServiceType",
    "Socket",
    "SocketTable",
    "TransparentData",
    "Urc",
    "UrcNotifier",
    "UrcSubscription",
    "open_port",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
