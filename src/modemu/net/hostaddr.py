"""Find the host's IPv4 address without sending a packet.

The module reports an address for an active PDP context (``AT+QIACT?``, ``AT+CGPADDR``). The
usual trick of ``connect()``-ing a UDP socket to a public address picks the outbound interface
but needs a default route and touches the routing table of a foreign address, so instead the
interfaces are enumerated (``if_nameindex``) and each one's address is read with the
``SIOCGIFADDR`` ioctl: purely local, nothing goes on the wire.
"""

from __future__ import annotations

import fcntl
import socket
import struct

SIOCGIFFLAGS = 0x8913
"""Linux ioctl: read an interface's flags into ``struct ifreq``."""
SIOCGIFADDR = 0x8915
"""Linux ioctl: read an interface's IPv4 address into ``struct ifreq``."""
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
FALLBACK_ADDRESS = "127.0.0.1"
"""Reported when no interface has a usable IPv4 address: loopback is the one address that is
certain to exist and that the host program can actually reach, unlike an invented 10.x one."""

_IFREQ_SIZE = 40  # sizeof(struct ifreq) on Linux (16-byte name + 24-byte union)
_ADDR_OFFSET = 20  # ifr_addr.sin_addr inside struct ifreq
_FLAGS_OFFSET = 16  # ifr_flags inside struct ifreq


def _ifreq(name: str) -> bytes:
    return struct.pack(f"{_IFREQ_SIZE}s", name.encode()[:15])


def _interface_ipv4(sock: socket.socket, name: str) -> str | None:
    """The IPv4 address of an up, non-loopback interface, else ``None``."""
    try:
        flags_raw = fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, _ifreq(name))
        (flags,) = struct.unpack_from("H", flags_raw, _FLAGS_OFFSET)
        if not flags & IFF_UP or flags & IFF_LOOPBACK:
            return None
        addr_raw = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, _ifreq(name))
    except OSError:  # no IPv4 address on this interface, or it vanished meanwhile
        return None
    address = socket.inet_ntoa(addr_raw[_ADDR_OFFSET : _ADDR_OFFSET + 4])
    return None if address.startswith("127.") else address


def host_ipv4() -> str:
    """The first up, non-loopback interface's IPv4 address, or :data:`FALLBACK_ADDRESS`."""
    try:
        interfaces = socket.if_nameindex()
    except OSError:
        return FALLBACK_ADDRESS
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in interfaces:
            address = _interface_ipv4(sock, name)
            if address is not None:
                return address
    return FALLBACK_ADDRESS
