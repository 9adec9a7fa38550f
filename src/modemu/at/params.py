"""Named values of the ``AT+QIOPEN`` parameters that both sides of the port speak.

``<access_mode>`` and ``<service_type>`` appear in commands the client sends, in answers
the module prints (``AT+QISTATE``) and in the network back end's open calls, so each is
one enum here rather than a set of ints or strings per package.
"""

from __future__ import annotations

from enum import Enum, IntEnum


class AccessMode(IntEnum):
    """``<access_mode>`` of ``AT+QIOPEN`` / ``AT+QISWTMD`` (spec §5.1, §8)."""

    BUFFER = 0
    """Data waits in the module until ``AT+QIRD``; ``+QIURC: "recv",<id>`` announces it."""
    PUSH = 1
    """Data is pushed in ``+QIURC: "recv",<id>,<len>`` followed by the payload."""
    TRANSPARENT = 2
    """The port itself carries the socket's bytes after ``CONNECT``."""


class ServiceType(Enum):
    """``<service_type>`` of ``AT+QIOPEN`` / ``AT+QISTATE``; the value is the AT spelling."""

    TCP = "TCP"
    UDP = "UDP"
    TCP_LISTENER = "TCP LISTENER"
    UDP_SERVICE = "UDP SERVICE"
    TCP_INCOMING = "TCP INCOMING"

    @property
    def datagram(self) -> bool:
        """True for the UDP services, which carry whole datagrams."""
        return self in (ServiceType.UDP, ServiceType.UDP_SERVICE)
