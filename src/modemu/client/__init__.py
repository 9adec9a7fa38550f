"""Host-side client for EC200-series modules, real or virtual.

Layers, bottom up: :mod:`~modemu.client.protocol` (sans-IO framing and correlation),
:mod:`~modemu.client.aio` (asyncio, the one command surface), :mod:`~modemu.client.sync`
(the same surface, blocking). Ports are pyserial URLs (:mod:`~modemu.client.ports`).
"""

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
