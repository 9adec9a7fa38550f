"""What may differ between two runs of the same session, declared once.

``replay`` and ``diff`` compare the module's answers after masking, on both sides, the
fields that legitimately vary from run to run: addresses the network hands out, ports the
host's stack picks, clock readings, identities of the unit on the desk, and counters that
depend on how fast bytes travelled. Every rule is listed in ``docs/replay.md`` (a test
keeps that list complete), so a user knows exactly what a "no difference" verdict ignored.

Two kinds of rule:

* :class:`FieldRule`: arguments of one information line, by position (``+QISTATE:``'s local
  port), optionally only when its first argument is a given word (``+QIURC: "incoming"``);
* :class:`PatternRule`: a regular expression anywhere in a line (an IPv4 address).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from modemu.trace.fields import argument_spans, replace_arguments, substitute

__all__ = ["FIELD_RULES", "PATTERN_RULES", "FieldRule", "PatternRule", "mask_line"]


@dataclass(frozen=True)
class FieldRule:
    name: str
    prefix: str
    """The line's start, ``+QISTATE:``."""
    positions: tuple[int, ...]
    """0-based argument positions to replace with ``<name>``."""
    what: str
    key: str | None = None
    """Only when the argument at ``key_at`` is this word (lower case)."""
    key_at: int = 0
    arity: int | None = None
    """Only when the line has exactly this many arguments."""
    numeric: bool | None = None
    """True: only when every argument is a number; False: only when one is not."""

    def applies(self, line: str) -> bool:
        if not line.upper().startswith(self.prefix):
            return False
        start = len(self.prefix)
        spans = argument_spans(line, start)
        if self.key is not None and (
            len(spans) <= self.key_at
            or line[slice(*spans[self.key_at])].strip(' "').lower() != self.key
        ):
            return False
        if self.arity is not None and len(spans) != self.arity:
            return False
        if self.numeric is None:
            return True
        return self.numeric == all(line[lo:hi].strip().isdigit() for lo, hi in spans)

    def apply(self, line: str) -> str:
        if not self.applies(line):
            return line
        placeholder = f"<{self.name}>"
        masked, _end = replace_arguments(
            line, len(self.prefix), self.positions, lambda raw: substitute(raw, placeholder)
        )
        return masked


@dataclass(frozen=True)
class PatternRule:
    name: str
    pattern: re.Pattern[str]
    what: str

    def apply(self, body: str) -> str:
        """``body`` is a line without its CR/LF."""
        return self.pattern.sub(self._replace, body)

    def _replace(self, match: re.Match[str]) -> str:
        if self.name == "ipv6":
            try:
                ipaddress.IPv6Address(match.group(1))
            except ValueError:
                return match.group(0)
            return '"<ipv6>"'
        return f"<{self.name}>"


FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule(
        "local-port",
        "+QISTATE:",
        (4,),
        "local port of a socket in AT+QISTATE answers (picked by the host's stack)",
    ),
    FieldRule(
        "peer-port",
        "+QISTATE:",
        (3,),
        'remote port of an accepted client in AT+QISTATE answers ("TCP INCOMING")',
        key="tcp incoming",
        key_at=1,
    ),
    FieldRule(
        "peer-port",
        "+QIURC:",
        (4,),
        'remote port of an accepted client (+QIURC: "incoming",...,"<ip>",<port>)',
        key="incoming",
    ),
    FieldRule(
        "peer-port",
        "+QIURC:",
        (4,),
        'remote port of a UDP SERVICE datagram (+QIURC: "recv",<id>,<len>,"<ip>",<port>)',
        key="recv",
    ),
    FieldRule(
        "peer-port",
        "+QIRD:",
        (2,),
        'remote port of a UDP SERVICE datagram read with AT+QIRD (+QIRD: <len>,"<ip>",<port>)',
        arity=3,
        numeric=False,
    ),
    FieldRule(
        "dns-ttl",
        "+QIURC:",
        (3,),
        'TTL in the +QIURC: "dnsgip",<err>,<count>,<ttl> header (resolver cache age)',
        key="dnsgip",
    ),
    FieldRule(
        "send-counters",
        "+QISEND:",
        (0, 1, 2),
        "AT+QISEND=<id>,0 total/acked/unacked bytes (acks depend on timing)",
    ),
    FieldRule(
        "read-counters",
        "+QIRD:",
        (0, 1, 2),
        "AT+QIRD=<id>,0 received/read/unread bytes (arrival depends on timing); only the "
        "three-number form, not a data header",
        arity=3,
        numeric=True,
    ),
    FieldRule(
        "ping-time",
        "+QPING:",
        (3, 4),
        'round-trip time and TTL of one reply (+QPING: 0,"<ip>",<bytes>,<time>,<ttl>)',
        arity=5,
    ),
    FieldRule(
        "ping-stats",
        "+QPING:",
        (4, 5, 6),
        "min/max/avg round-trip times of the summary (+QPING: 0,<sent>,<rcvd>,<lost>,...)",
        arity=7,
    ),
    FieldRule("iccid", "+QCCID:", (0,), "the SIM's ICCID (AT+QCCID)"),
    FieldRule("imei", "+CGSN:", (0,), "the IMEI in the +CGSN: form"),
)

_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_QUOTED_V6 = re.compile(r'"([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)"')
_DATETIME = re.compile(r"\d{2,4}/\d{2}/\d{2},\d{2}:\d{2}:\d{2}(?:[+-]\d{1,2})?(?:,\d)?")
_SERIAL = re.compile(r"^\r*\d{14,17}$")

PATTERN_RULES: tuple[PatternRule, ...] = (
    PatternRule("ipv4", _IPV4, "any IPv4 address (PDP address, peers, DNS answers)"),
    PatternRule("ipv6", _QUOTED_V6, "any quoted IPv6 address"),
    PatternRule(
        "time", _DATETIME, "date and time readings (+CCLK, +QLTS, +QNTP): yy/MM/dd,hh:mm:ss±zz"
    ),
    PatternRule("serial", _SERIAL, "a line of 14-17 digits alone: IMEI (AT+GSN), IMSI (AT+CIMI)"),
)


def mask_line(line: str) -> str:
    """``line`` (one unit of module output, latin-1 text, CR/LF included) with every
    varying field replaced by ``<rule-name>``."""
    for field_rule in FIELD_RULES:
        line = field_rule.apply(line)
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    for pattern_rule in PATTERN_RULES:
        body = pattern_rule.apply(body)
    return body + ending
