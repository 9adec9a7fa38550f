"""Mask credentials in the bytes of a host link, as they stream past.

``modemu serve --trace-redact`` and ``modemu record --redact`` share this, so a trace can
be attached to a bug report without the APN password in it. A credential is an argument
of a known command or information line (:data:`CREDENTIAL_RULES`); its text is replaced
by ``***``, quotes kept, everything else left byte for byte.

Host links deliver commands in arbitrary pieces (one byte at a time from a terminal), so
:class:`Redactor` works per direction on a stream: bytes that cannot be part of a
credential go out at once, and from the first byte that might start one (a ``+`` that
could begin ``+QICSGP=``) the rest of the line is held until its terminator arrives, then
masked and released. Only the rest of a line that names a credential command is ever
delayed. :meth:`Redactor.flush` releases what is held (masked) at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from modemu.trace.fields import first_argument, replace_arguments, substitute

__all__ = ["CREDENTIAL_RULES", "MASK", "CredentialRule", "Redactor", "redact_text"]

MASK = "***"
MAX_HOLD = 4096
"""A line that names a credential command but has no terminator after this many bytes is
masked as it is and released, so a stream never stalls behind it."""


@dataclass(frozen=True)
class CredentialRule:
    """Arguments to mask after ``trigger`` (``+X=`` for a command, ``+X:`` for its answer)."""

    trigger: str
    fields: tuple[int, ...]
    """0-based argument positions holding a secret."""
    what: str
    key: str | None = None
    """Only when the first argument is this (``AT+QFTPCFG="account",…``)."""


CREDENTIAL_RULES: tuple[CredentialRule, ...] = (
    CredentialRule("+QICSGP=", (3, 4), "APN user name and password (AT+QICSGP write)"),
    CredentialRule("+QICSGP:", (2, 3), "APN user name and password (AT+QICSGP? answer)"),
    CredentialRule("+CGAUTH=", (2, 3), "PDP authentication user and password"),
    CredentialRule("+CGAUTH:", (2, 3), "PDP authentication user and password (answer)"),
    CredentialRule("+CPIN=", (0, 1), "SIM PIN / PUK and new PIN"),
    CredentialRule("+CPWD=", (1, 2), "facility old and new password"),
    CredentialRule("+CLCK=", (2,), "facility password"),
    CredentialRule("+QMTCONN=", (2, 3), "MQTT user name and password"),
    CredentialRule("+QFTPCFG=", (1, 2), "FTP user name and password", key="account"),
)

_TRIGGERS = tuple(rule.trigger for rule in CREDENTIAL_RULES)


def _masked_field(raw: str) -> str:
    return substitute(raw, MASK)


def _apply(text: str, at: int, rule: CredentialRule) -> tuple[str, int]:
    """Mask the secrets of the ``rule`` whose trigger starts at ``at``; returns the new
    text and where scanning should go on."""
    start = at + len(rule.trigger)
    if rule.key is not None and first_argument(text, start) != rule.key:
        return text, start
    return replace_arguments(text, start, rule.fields, _masked_field)


def redact_text(text: str) -> str:
    """``text`` (latin-1 decoded bytes) with every credential masked."""
    upper = text.upper()
    if "+" not in upper:
        return text
    pos = 0
    while True:
        hit = _next_trigger(upper, pos)
        if hit is None:
            return text
        at, rule = hit
        text, pos = _apply(text, at, rule)
        upper = text.upper()


def _next_trigger(upper: str, pos: int) -> tuple[int, CredentialRule] | None:
    best: tuple[int, CredentialRule] | None = None
    for rule in CREDENTIAL_RULES:
        at = upper.find(rule.trigger, pos)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, rule)
    return best


def _hold_from(upper: str) -> int:
    """The first position of an unterminated tail from which a credential may still be
    coming: a trigger already there, or a proper prefix of one at the very end."""
    pos = upper.find("+")
    while pos >= 0:
        tail = upper[pos:]
        if any(tail.startswith(t) or t.startswith(tail) for t in _TRIGGERS):
            return pos
        pos = upper.find("+", pos + 1)
    return len(upper)


class Redactor:
    """Masks credentials in one direction of a byte stream; see the module docstring."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, data: bytes) -> bytes:
        """Bytes safe to write now (possibly fewer than given; never unmasked secrets)."""
        text = self._held + data.decode("latin-1")
        cut = max(text.rfind("\r"), text.rfind("\n")) + 1
        done, tail = text[:cut], text[cut:]
        hold = _hold_from(tail.upper())
        if len(tail) - hold > MAX_HOLD:
            hold = len(tail)
        self._held = tail[hold:]
        return redact_text(done + tail[:hold]).encode("latin-1")

    def flush(self) -> bytes:
        """Release what is held, masked as far as it goes."""
        held, self._held = self._held, ""
        return redact_text(held).encode("latin-1")

    @property
    def holding(self) -> bool:
        return bool(self._held)
