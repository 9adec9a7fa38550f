"""Destination policy: which hosts and ports the module's sockets may reach.

``modemu serve --allow RULE --deny RULE`` (repeatable). A rule is ``WHERE[:PORTS]``:

* ``WHERE``: an IPv4 address or CIDR (``127.0.0.0/8``), a host name pattern with shell
  wildcards (``*.example.com``), or ``*`` for anything;
* ``PORTS``: one port or a range (``8000-8099``); absent means every port.

A destination is refused when a deny rule matches it, or when allow rules exist and none
matches. No rules at all allows everything (the default). A name is checked by name first;
CIDR rules are checked against the address it resolves to, so ``--allow 127.0.0.0/8`` also
admits ``localhost``.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass, field

from modemu.net.dns import ipv4_literal

__all__ = ["Policy", "PolicyRule", "destination_matches"]


def destination_matches(host_pattern: str, port_wanted: int, host: str, port: int) -> bool:
    """A fault's destination filter: ``host_pattern`` (shell wildcards, any case; ``*``
    for all) and ``port_wanted`` (0 for every port)."""
    if port_wanted and port != port_wanted:
        return False
    return host_pattern == "*" or fnmatch.fnmatchcase(host.lower(), host_pattern.lower())


MAX_PORT = 65535


@dataclass(frozen=True)
class PolicyRule:
    """One ``WHERE[:PORTS]`` rule."""

    text: str
    network: ipaddress.IPv4Network | None
    pattern: str | None
    ports: tuple[int, int] = (0, 65535)

    @classmethod
    def parse(cls, text: str) -> PolicyRule:
        where, _, ports = text.strip().partition(":")
        if not where:
            raise ValueError(f"{text!r}: give an address, CIDR, host pattern or *")
        low, high = _ports(text, ports) if ports else (0, 65535)
        try:
            network = ipaddress.IPv4Network(where, strict=False)
        except ValueError:
            if any(c in where for c in "/ ") or where.replace(".", "").isdigit():
                raise ValueError(f"{text!r}: not an IPv4 address or CIDR") from None
            return cls(text, None, where.lower(), (low, high))
        return cls(text, network, None, (low, high))

    def matches_port(self, port: int) -> bool:
        return self.ports[0] <= port <= self.ports[1]

    def matches(self, host: str, port: int) -> bool | None:
        """True/False when this rule can decide for ``host``; None when it needs the
        address a name resolves to (a CIDR rule and a name)."""
        if not self.matches_port(port):
            return False
        address = ipv4_literal(host)
        if self.network is not None:
            if address is None:
                return None
            return ipaddress.IPv4Address(address) in self.network
        assert self.pattern is not None
        return self.pattern == "*" or fnmatch.fnmatchcase(host.lower(), self.pattern)


def _ports(text: str, ports: str) -> tuple[int, int]:
    low_text, _, high_text = ports.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise ValueError(f"{text!r}: ports must be N or N-M") from None
    if not 0 <= low <= high <= MAX_PORT:
        raise ValueError(f"{text!r}: ports must lie in 0-{MAX_PORT}, low first")
    return low, high


@dataclass(frozen=True)
class Policy:
    """Where the module may connect: ``allow`` rules (none: anywhere) minus ``deny`` rules."""

    allow: tuple[PolicyRule, ...] = ()
    deny: tuple[PolicyRule, ...] = field(default=())

    @classmethod
    def from_rules(
        cls, allow: list[str] | tuple[str, ...], deny: list[str] | tuple[str, ...]
    ) -> Policy:
        return cls(
            tuple(PolicyRule.parse(r) for r in allow), tuple(PolicyRule.parse(r) for r in deny)
        )

    @property
    def restricts(self) -> bool:
        return bool(self.allow or self.deny)

    def needs_address(self, host: str, port: int) -> bool:
        """True when the decision for name ``host`` depends on the address it resolves to."""
        return ipv4_literal(host) is None and self.decide(host, port) is None

    def decide(self, host: str, port: int) -> bool | None:
        """True allowed, False refused, None: resolve the name and ask with the address."""
        deny = [rule.matches(host, port) for rule in self.deny]
        if True in deny:
            return False
        allow = [rule.matches(host, port) for rule in self.allow]
        if None in deny:
            return None
        if not self.allow or True in allow:
            return True
        return None if None in allow else False

    def allows(self, host: str, port: int, address: str | None = None) -> bool:
        """The final answer; ``address`` is what the name resolved to, if it did."""
        verdict = self.decide(host, port)
        if verdict is None and address is not None:
            verdict = self.decide(address, port)
            if verdict is None:  # pragma: no cover - an address always decides
                verdict = False
        return bool(verdict)
