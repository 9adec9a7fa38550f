"""Name resolution for the module: which servers, which answers, which failure.

The module queries the DNS servers the host configured with ``AT+QIDNSCFG`` (or the
network's defaults), so the host's own resolver (``getaddrinfo``, ``/etc/hosts``) is
deliberately *not* used: dnspython's async resolver is pointed at exactly those servers.

Special cases, decided here so every user (open, ping, NTP, DNSGIP) behaves alike:

* an IPv4 literal is returned as is (TTL 0) and never touches DNS; text that looks numeric but
  is not a valid dotted quad (``"300.1.1.1"``) fails as not resolved rather than being sent to DNS;
* ``"localhost"`` (any case, optional trailing dot) is ``127.0.0.1`` (TTL 0) without a query,
  because a DNS server would not know it and a host program on the same machine means the host;
* server entries that are not IPv4 literals, and ``0.0.0.0`` (a blank ``QIDNSCFG`` secondary),
  are skipped;
* no servers at all → the host's ``/etc/resolv.conf`` through dnspython's default
  configuration (port 53 as written there).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dnspython loads on the first look-up, not with the server
    import dns.asyncresolver
    import dns.resolver

from modemu.net.base import NetFailure

NOT_RESOLVED = NetFailure.NAME_NOT_RESOLVED
"""No such name, no A record, a malformed name or an error answer."""
NO_ANSWER = NetFailure.NO_ANSWER
"""No server answered in time (or none could be reached at all)."""
LOCALHOST = "127.0.0.1"

_NUMERIC = re.compile(r"^[0-9.]+$")


class DnsError(Exception):
    """A lookup failed: the name did not resolve, or no server answered in time."""

    def __init__(self, failure: NetFailure, reason: str) -> None:
        super().__init__(f"{failure.name}: {reason}")
        self.failure = failure


@dataclass(frozen=True)
class DnsAnswer:
    """What a look-up found: IPv4 addresses in answer order and the answer's TTL."""

    addresses: tuple[str, ...]
    ttl: int


def ipv4_literal(host: str) -> str | None:
    """``host`` normalised if it is a dotted-quad IPv4 address, else ``None``."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        return None


def _usable_servers(servers: Sequence[str]) -> list[str]:
    found = [s for s in (ipv4_literal(x.strip()) for x in servers) if s and s != "0.0.0.0"]
    return list(dict.fromkeys(found))


def host_dns_servers() -> tuple[str, ...]:
    """The IPv4 name servers of the host's resolver configuration (read, never queried)."""
    import dns.exception  # noqa: PLC0415 - dnspython loads when first needed
    import dns.resolver  # noqa: PLC0415

    try:
        configured = dns.resolver.Resolver().nameservers
    except dns.exception.DNSException:  # no resolv.conf, or it lists no server
        return ()
    return tuple(_usable_servers([str(server) for server in configured]))


def _resolver(servers: Sequence[str], port: int, timeout: float) -> dns.asyncresolver.Resolver:
    """A resolver asking ``servers`` (or resolv.conf's when empty), ``timeout`` s each."""
    import dns.asyncresolver  # noqa: PLC0415
    import dns.exception  # noqa: PLC0415

    usable = _usable_servers(servers)
    if usable:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = usable
        resolver.port = port
    else:
        try:
            resolver = dns.asyncresolver.Resolver()
        except dns.exception.DNSException as exc:  # no resolv.conf, or it lists no server
            raise DnsError(NO_ANSWER, f"no DNS server configured: {exc}") from exc
    resolver.timeout = timeout
    resolver.lifetime = timeout * max(1, len(resolver.nameservers))
    return resolver


_ANSWER = 4
"""Index of the answer in a dnspython ``NoNameservers`` error entry."""


def _failure_code(exc: dns.resolver.NoNameservers) -> NetFailure:
    """Not resolved if some server answered (SERVFAIL, REFUSED…), else no answer."""
    errors = exc.kwargs.get("errors") or []
    answered = any(len(entry) > _ANSWER and entry[_ANSWER] is not None for entry in errors)
    return NOT_RESOLVED if answered else NO_ANSWER


async def resolve_ipv4(host: str, servers: Sequence[str], port: int, timeout: float) -> DnsAnswer:
    """Look up the A records of ``host``; raises :class:`DnsError` saying why not."""
    literal = ipv4_literal(host)
    if literal is not None:
        return DnsAnswer((literal,), 0)
    if _NUMERIC.match(host):
        raise DnsError(NOT_RESOLVED, f"invalid IPv4 address {host!r}")
    if host.rstrip(".").lower() == "localhost":
        return DnsAnswer((LOCALHOST,), 0)
    # dnspython loads only for a real name (~150-250 ms the first time): an IP literal or
    # localhost never pays it (servers pre-warm it in the background: ``prewarm_imports``).
    import dns.exception  # noqa: PLC0415
    import dns.name  # noqa: PLC0415
    import dns.rdatatype  # noqa: PLC0415
    import dns.resolver  # noqa: PLC0415

    try:
        name = dns.name.from_text(host)
    except dns.exception.DNSException as exc:
        raise DnsError(NOT_RESOLVED, f"bad name {host!r}: {exc}") from exc
    resolver = _resolver(servers, port, timeout)
    try:
        answer = await resolver.resolve(name, dns.rdatatype.A, search=False)
    except dns.exception.Timeout as exc:
        raise DnsError(NO_ANSWER, f"no DNS answer for {host!r}") from exc
    except dns.resolver.NoNameservers as exc:
        raise DnsError(_failure_code(exc), f"no usable DNS answer for {host!r}") from exc
    except dns.exception.DNSException as exc:  # NXDOMAIN, NoAnswer, YXDOMAIN…
        raise DnsError(NOT_RESOLVED, f"{host!r}: {exc}") from exc
    addresses = tuple(rdata.address for rdata in answer) if answer.rrset else ()
    if not addresses or answer.rrset is None:
        raise DnsError(NOT_RESOLVED, f"no A record for {host!r}")
    return DnsAnswer(addresses, int(answer.rrset.ttl))
